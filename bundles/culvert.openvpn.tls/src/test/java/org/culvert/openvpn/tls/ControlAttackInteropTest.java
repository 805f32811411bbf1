package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.TimerEvent;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine under control-channel attacks against the stock {@code openvpn} 2.6 binary on 127.0.0.1
 * with {@code --dev null}: forged hard resets (random session ids, one every 50 ms, no wrapper) and
 * the peer's own first reset replayed every 50 ms (tls-auth, tls-crypt). The attack packets are handed
 * to the engine as if they came over its link, so its replies reach the stock peer, as through a
 * relay. The stock peer must come up at once, renegotiate normally and never restart. (The live relay
 * tests with tun devices are in the e2e suite.)
 */
class ControlAttackInteropTest {
    private static final int HEADROOM = 128;
    private static final TestPki.Identity CULVERT = TestPki.selfSigned("culvert");
    private static final TestPki.Identity STOCK = TestPki.selfSigned("stock");

    @TempDir
    Path dir;

    @BeforeAll
    static void requireOpenVpn() {
        Assumptions.assumeTrue(StockOpenVpn.available(), "openvpn is not installed");
    }

    @Test
    void stockClientComesUpAndRenegotiatesWhileForgedClientResetsReachTheCulvertServer() throws Exception {
        Files.writeString(dir.resolve("c.crt"), STOCK.certPem());
        Files.writeString(dir.resolve("c.key"), STOCK.keyPem());
        TlsSettings settings = TlsSettings.builder(TlsRole.SERVER).cert(CULVERT.certPem()).key(CULVERT.keyPem())
                .peerFingerprint(STOCK.fingerprint()).dhNone().renegSeconds(3).ping(1).pingRestart(10).build();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom())) {
            List<String> args = List.of("--dev", "null", "--proto", "udp", "--remote", "127.0.0.1",
                    String.valueOf(socket.getLocalPort()), "--nobind", "--tls-client", "--cert", "c.crt", "--key", "c.key",
                    "--peer-fingerprint", CULVERT.fingerprint(), "--verb", "4", "--ping", "1", "--ping-restart", "10");
            Injector forger = Injector.forging(session, 7, 1);
            try (StockOpenVpn ovpn = new StockOpenVpn(dir, args)) {
                socket.setSoTimeout(5000);
                byte[] first = new byte[2048];
                DatagramPacket p = new DatagramPacket(first, first.length);
                socket.receive(p);
                socket.connect(p.getSocketAddress());
                forger.injectNow();
                assertEquals(Incoming.CONSUMED, session.decapsulate(wrap(first, p.getLength())));
                run(socket, session, forger, 5_000, () -> session.isKeyed()
                        && ovpn.logContains("Initialization Sequence Completed"));
                assertTrue(session.isKeyed() && ovpn.logContains("Initialization Sequence Completed"),
                        () -> "not up under forged resets: " + session.lastError() + "\n" + ovpn.tail(40));
                run(socket, session, forger, 15_000, () -> session.renegotiations() >= 2);
                assertTrue(session.renegotiations() >= 2, () -> "renegotiations " + session.renegotiations() + " "
                        + session.lastError() + "\n" + ovpn.tail(40));
                assertTrue(forger.count > 80, "forged " + forger.count);
                assertEquals(TlsSession.State.KEYED, session.state());
                assertEquals(1, ovpn.logCount("Initialization Sequence Completed"), () -> ovpn.grep("Initialization"));
                assertFalse(ovpn.logContains("SIGUSR1"), () -> ovpn.grep("SIGUSR1"));
                // Our replies to the forgeries never made the stock client open another session with us.
                assertEquals(1, ovpn.logCount("promoted to trusted"), () -> ovpn.grep("Initial packet"));
                assertTrue(session.pingsReceived() >= 3, "pings from openvpn decrypted: " + session.pingsReceived());
            }
        }
    }

    @Test
    void culvertClientComesUpWhileForgedServerResetsReachIt() throws Exception {
        Files.writeString(dir.resolve("s.crt"), STOCK.certPem());
        Files.writeString(dir.resolve("s.key"), STOCK.keyPem());
        int port = StockOpenVpn.freeUdpPort();
        List<String> args = List.of("--dev", "null", "--proto", "udp", "--local", "127.0.0.1", "--lport",
                String.valueOf(port), "--tls-server", "--dh", "none", "--cert", "s.crt", "--key", "s.key",
                "--peer-fingerprint", CULVERT.fingerprint(), "--verb", "4", "--ping", "1", "--ping-restart", "10");
        TlsSettings settings = TlsSettings.builder(TlsRole.CLIENT).cert(CULVERT.certPem()).key(CULVERT.keyPem())
                .peerFingerprint(STOCK.fingerprint()).renegSeconds(3).ping(1).pingRestart(10).build();
        try (StockOpenVpn ovpn = new StockOpenVpn(dir, args);
                DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom())) {
            assertTrue(StockOpenVpn.await(5000, () -> ovpn.logContains("UDPv4 link local")), ovpn.tail(30));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            Injector forger = Injector.forging(session, 8, 2);
            forger.injectNow(); // the first server reset the client sees is forged
            run(socket, session, forger, 5_000, () -> session.isKeyed()
                    && ovpn.logContains("Initialization Sequence Completed"));
            assertTrue(session.isKeyed() && ovpn.logContains("Initialization Sequence Completed"),
                    () -> "not up under forged resets: " + session.lastError() + "\n" + ovpn.tail(40));
            run(socket, session, forger, 15_000, () -> session.renegotiations() >= 2);
            assertTrue(session.renegotiations() >= 2, () -> "renegotiations " + session.renegotiations() + "\n"
                    + ovpn.tail(40));
            assertEquals(1, ovpn.logCount("Initialization Sequence Completed"), () -> ovpn.grep("Initialization"));
            assertFalse(ovpn.logContains("SIGUSR1"), () -> ovpn.grep("SIGUSR1"));
            assertEquals(1, ovpn.logCount("promoted to trusted"), () -> ovpn.grep("Initial packet"));
            assertTrue(session.pingsReceived() >= 3, "pings from openvpn decrypted: " + session.pingsReceived());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tls-auth", "tls-crypt"})
    void replayedResetsAreRefusedBeforeAndAfterKeyingAndAcrossRenegotiations(String wrap) throws Exception {
        byte[] key = new byte[256];
        new SecureRandom().nextBytes(key);
        Files.writeString(dir.resolve("w.key"), OpenVpnInteropTest.staticKeyFile(key));
        Files.writeString(dir.resolve("c.crt"), STOCK.certPem());
        Files.writeString(dir.resolve("c.key"), STOCK.keyPem());
        TlsSettings.Builder b = TlsSettings.builder(TlsRole.SERVER).cert(CULVERT.certPem()).key(CULVERT.keyPem())
                .peerFingerprint(STOCK.fingerprint()).dhNone().renegSeconds(3).ping(1).pingRestart(10);
        List<String> wrapArgs;
        if (wrap.equals("tls-auth")) {
            b.tlsAuth(key, org.culvert.openvpn.crypto.KeyDirection.NORMAL);
            wrapArgs = List.of("--tls-auth", "w.key", "1");
        } else {
            b.tlsCrypt(key);
            wrapArgs = List.of("--tls-crypt", "w.key");
        }
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(b.build(), Clock.system(), new SecureRandom())) {
            List<String> args = new java.util.ArrayList<>(List.of("--dev", "null", "--proto", "udp", "--remote",
                    "127.0.0.1", String.valueOf(socket.getLocalPort()), "--nobind", "--tls-client", "--cert", "c.crt",
                    "--key", "c.key", "--peer-fingerprint", CULVERT.fingerprint(), "--verb", "4", "--ping", "1",
                    "--ping-restart", "10"));
            args.addAll(wrapArgs);
            try (StockOpenVpn ovpn = new StockOpenVpn(dir, args)) {
                socket.setSoTimeout(5000);
                byte[] first = new byte[2048];
                DatagramPacket p = new DatagramPacket(first, first.length);
                socket.receive(p);
                socket.connect(p.getSocketAddress());
                byte[] reset = java.util.Arrays.copyOf(first, p.getLength());
                assertEquals(Incoming.CONSUMED, session.decapsulate(wrap(reset, reset.length)));
                Injector replayer = Injector.replaying(session, reset);
                replayer.injectNow();
                run(socket, session, replayer, 5_000, () -> session.isKeyed()
                        && ovpn.logContains("Initialization Sequence Completed"));
                assertTrue(session.isKeyed() && ovpn.logContains("Initialization Sequence Completed"),
                        () -> "not up under replayed resets: " + session.lastError() + "\n" + ovpn.tail(40));
                run(socket, session, replayer, 15_000, () -> session.renegotiations() >= 2);
                assertTrue(session.renegotiations() >= 2, () -> "renegotiations " + session.renegotiations() + "\n"
                        + ovpn.tail(40));
                assertTrue(replayer.count > 80, "replayed " + replayer.count);
                assertEquals(replayer.count, replayer.refused, "every replay refused as CONTROL_REPLAY");
                assertEquals(1, ovpn.logCount("Initialization Sequence Completed"), () -> ovpn.grep("Initialization"));
                assertEquals(1, ovpn.logCount("promoted to trusted"), () -> ovpn.grep("Initial packet"));
                assertFalse(ovpn.logContains("SIGUSR1"), () -> ovpn.grep("SIGUSR1"));
            }
        }
    }

    /** Hands the engine one attack packet every 50 ms, as if it came over the link. */
    private static final class Injector {
        private final TlsSession session;
        private final java.util.function.Supplier<byte[]> packets;
        private long next;
        int count;
        /** How many were dropped as {@link TlsVerdict#CONTROL_REPLAY}. */
        int refused;

        private Injector(TlsSession session, java.util.function.Supplier<byte[]> packets) {
            this.session = session;
            this.packets = packets;
        }

        /** Forged hard resets with random session ids. */
        static Injector forging(TlsSession session, int opcode, long seed) {
            Random random = new Random(seed);
            return new Injector(session, () -> ControlChannelAttackTest.forgedReset(opcode, random));
        }

        /** The same recorded packet again and again. */
        static Injector replaying(TlsSession session, byte[] packet) {
            return new Injector(session, packet::clone);
        }

        void injectNow() {
            byte[] p = packets.get();
            if (session.decapsulate(wrap(p, p.length)) == Incoming.DROP
                    && session.lastVerdict() == TlsVerdict.CONTROL_REPLAY) {
                refused++;
            }
            count++;
            next = System.currentTimeMillis() + 50;
        }

        void maybeInject() {
            if (System.currentTimeMillis() >= next) {
                injectNow();
            }
        }
    }

    private static ByteBuffer wrap(byte[] b, int length) {
        ByteBuffer buf = ByteBuffer.allocate(length + 2 * HEADROOM);
        buf.position(HEADROOM);
        buf.put(b, 0, length);
        buf.limit(buf.position()).position(HEADROOM);
        return buf;
    }

    private static void run(DatagramSocket socket, TlsSession session, Injector forger, long timeoutMillis,
            BooleanSupplier done) throws IOException {
        socket.setSoTimeout(10);
        ByteBuffer slot = ByteBuffer.allocate(HEADROOM + 4096);
        byte[] rx = new byte[65536];
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end && !done.getAsBoolean()) {
            forger.maybeInject();
            if (session.checkTimers() == TimerEvent.HANDSHAKE_FAILED) {
                return;
            }
            while (session.pollOutgoing(slot.clear(), HEADROOM)) {
                socket.send(new DatagramPacket(slot.array(), slot.position(), slot.remaining()));
            }
            DatagramPacket p = new DatagramPacket(rx, rx.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            }
            session.decapsulate(wrap(rx, p.getLength()));
        }
    }
}
