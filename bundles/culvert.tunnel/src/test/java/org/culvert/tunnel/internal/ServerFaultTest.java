package org.culvert.tunnel.internal;

import static org.culvert.tunnel.internal.ServerHarness.clientAddress;
import static org.culvert.tunnel.internal.ServerHarness.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.culvert.api.tunnel.DropReason;
import org.culvert.openvpn.crypto.Verdict;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.MssClamp;
import org.culvert.openvpn.session.PeerEngine;
import org.culvert.openvpn.session.TimerEvent;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An engine that throws harms only its own client: a bad packet is a counted drop, a broken session closes that client. */
class ServerFaultTest {
    private final ServerHarness h = new ServerHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    /** A TLS engine with bugs on demand: throws on tun packets carrying the marker, and in its timers once armed. */
    static final class Faulty implements PeerEngine {
        final PeerEngine real;
        final AtomicBoolean timersThrow = new AtomicBoolean();

        Faulty(PeerEngine real) {
            this.real = real;
        }

        @Override
        public int headroom() {
            return real.headroom();
        }

        @Override
        public int tailroom() {
            return real.tailroom();
        }

        @Override
        public Verdict encapsulate(ByteBuffer packet) {
            return real.encapsulate(packet);
        }

        @Override
        public Incoming decapsulate(ByteBuffer packet) {
            Incoming in = real.decapsulate(packet);
            if (in == Incoming.TUN_PACKET && ThrowingSession.contains(packet, ThrowingSession.BOOM_DECAPSULATE)) {
                throw new IllegalStateException("a bug reached by this packet");
            }
            return in;
        }

        @Override
        public Verdict lastVerdict() {
            return real.lastVerdict();
        }

        @Override
        public boolean lastWasData() {
            return real.lastWasData();
        }

        @Override
        public boolean pollOutgoing(ByteBuffer slot, int headroom) {
            return real.pollOutgoing(slot, headroom);
        }

        @Override
        public long nextTimerMillis() {
            return timersThrow.get() ? 0 : real.nextTimerMillis();
        }

        @Override
        public TimerEvent checkTimers() {
            if (timersThrow.get()) {
                throw new IllegalStateException("a bug in the session's timers");
            }
            return real.checkTimers();
        }

        @Override
        public boolean isKeyed() {
            return real.isKeyed();
        }

        @Override
        public int keyGeneration() {
            return real.keyGeneration();
        }

        @Override
        public String failure() {
            return real.failure();
        }

        @Override
        public String negotiatedSummary() {
            return real.negotiatedSummary();
        }

        @Override
        public void setMssClamp(MssClamp clamp) {
            real.setMssClamp(clamp);
        }

        @Override
        public long beginExitNotify() {
            return real.beginExitNotify();
        }

        @Override
        public void close() {
            real.close();
        }
    }

    @Test
    void aPacketThatMakesTheEngineThrowIsDroppedAndASessionWhoseTimersThrowClosesOnlyItsClient() throws Exception {
        List<Faulty> faulty = new CopyOnWriteArrayList<>();
        TlsServerEngines tls = h.engines("ping 1\nping-restart 30\n");
        ServerEngines engines = new DelegatingEngines(tls) {
            @Override
            public PeerSession newSession(long clientId, SocketAddress real) throws Exception {
                Faulty f = new Faulty(tls.newSession(clientId, real).engine());
                faulty.add(f);
                return new PeerSession(f, PeerSession.MssRule.NONE, org.culvert.openvpn.config.DevType.TUN, false);
            }

            @Override
            public String commonName(PeerSession session) {
                return tls.commonName(real(session));
            }

            @Override
            public int peerId(PeerSession session) {
                return tls.peerId(real(session));
            }

            @Override
            public String dataCipher(PeerSession session) {
                return tls.dataCipher(real(session));
            }

            private PeerSession real(PeerSession s) {
                return new PeerSession(((Faulty) s.engine()).real, PeerSession.MssRule.NONE, org.culvert.openvpn.config.DevType.TUN, false);
            }
        };
        h.start(ServerPlan.defaults().withDataThreads(1), engines);
        h.client(1, "ping 1\nping-restart 30\n");
        h.client(2, "ping 1\nping-restart 30\n");
        h.awaitEstablished("client1", "client2");
        MemoryTunOsSide c1 = h.clientOs(1);
        MemoryTunOsSide c2 = h.clientOs(2);

        assertTrue(c1.inject(Packets.ipv4Udp(ip(clientAddress(1)), 1, ip("10.9.0.1"), 2, ThrowingSession.BOOM_DECAPSULATE)));
        MemoryRunners.awaitTrue(() -> h.loop.counters().drops(DropReason.INTERNAL_ERROR) == 1, () -> h.loop.counters().drops().toString());
        byte[] after = Packets.ipv4Udp(ip(clientAddress(1)), 1, ip("10.9.0.1"), 2, "after the bug".getBytes());
        assertTrue(c1.inject(after));
        assertArrayEquals(after, h.os.take(5000), "the client that hit the bug goes on");

        long cid1 = h.clientNamed("client1").clientId();
        faulty.stream().filter(f -> TlsServerEngines.commonNameOf(((org.culvert.openvpn.tls.TlsSession) f.real).negotiated().peerSubject())
                .equals("client1")).forEach(f -> f.timersThrow.set(true));
        MemoryRunners.awaitTrue(() -> h.view.clients().stream().noneMatch(c -> c.clientId() == cid1), () -> h.view.clients().toString());
        byte[] down = Packets.ipv4Udp(ip("10.9.0.1"), 2, ip(clientAddress(2)), 1, "client 2 unharmed".getBytes());
        assertTrue(h.os.inject(down));
        assertArrayEquals(down, c2.take(5000), "the other client on the same data thread goes on");
    }
}
