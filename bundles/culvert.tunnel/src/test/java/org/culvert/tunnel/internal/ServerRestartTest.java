package org.culvert.tunnel.internal;

import static org.culvert.tunnel.internal.ServerHarness.clientAddress;
import static org.culvert.tunnel.internal.ServerHarness.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.testkit.Impairment;
import org.culvert.testkit.MemoryAddress;
import org.culvert.testkit.MemoryNetwork;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The two ends of a client's life that involve the server's side only: a client that restarts from
 * the same address and port (its new session is screened with the stateless admission and replaces the
 * old instance only when admitted; a forged reset costs the established client nothing), and the
 * server's stop with {@code explicit-exit-notify} (its clients are told RESTART, within a bounded wait).
 */
class ServerRestartTest {
    private static final long FORGED_SID = 0x0F0F0F0F0F0F0F0FL;
    private static final byte[] COOKIE = "cookie".getBytes(StandardCharsets.US_ASCII);
    private final ServerHarness h = new ServerHarness();

    @AfterEach
    void tearDown() throws Exception {
        MemoryNetwork.clearImpairments();
        h.close();
    }

    private long disconnects(long clientId) {
        return h.events.stream().filter(e -> e.kind() == ServerClientEvent.Kind.DISCONNECT && e.client().clientId() == clientId).count();
    }

    @Test
    void aClientRestartedFromTheSameAddressAndPortIsServedBeforeTheOldInstancesPingRestart() throws Exception {
        h.start(ServerPlan.defaults(), "ping 1\nping-restart 60\n");
        TunnelRunner first = h.client(1, "ping 1\nping-restart 60\n");
        h.awaitEstablished("client1");
        long oldId = h.clientNamed("client1").clientId();
        first.stop(TunnelReason.USER_STOP); // no exit notification: the server still holds the instance
        assertEquals(oldId, h.clientNamed("client1").clientId());
        long started = System.nanoTime();
        h.client(1, "ping 1\nping-restart 60\n"); // same host, lport 1194: the same address and port
        MemoryRunners.awaitTrue(() -> {
            var c = h.clientNamed("client1");
            return c != null && c.clientId() != oldId && c.established();
        }, () -> "the restarted client is not served: " + h.view.clients() + "\n" + h.log.recent());
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMillis < 60_000, "served before the old instance's ping-restart: " + tookMillis + " ms");
        MemoryRunners.awaitTrue(() -> disconnects(oldId) == 1, () -> "the old instance is not closed: " + h.events);
        assertEquals(1, h.view.clients().size(), h.view.clients().toString());
        assertEquals("c1_" + h.id + ":1194", h.clientNamed("client1").realAddress().getHostString());
    }

    /** Replaces the next data packet of client 1 to the server with {@code forged} (so it comes from the client's address). */
    private void forgeFromClient1(byte[] forged) throws InterruptedException {
        AtomicReference<byte[]> pending = new AtomicReference<>(forged);
        MemoryNetwork.impair(MemoryAddress.of("c1_" + h.id, 1194), MemoryAddress.of("srv" + h.id, 1194), p -> {
            byte[] f = pending.get();
            if (f != null && ((p.get(p.position()) & 0xFF) >>> 3) == ServerLoop.P_DATA_V2 && p.remaining() >= f.length) {
                p.put(p.position(), f);
                p.limit(p.position() + f.length);
                pending.set(null);
            }
            return Impairment.Verdict.DELIVER;
        });
        MemoryRunners.awaitTrue(() -> pending.get() == null, () -> "no packet of client 1 to replace");
        MemoryNetwork.clearImpairments();
    }

    private static byte[] control(int op, long sid, byte[] body) {
        return ByteBuffer.allocate(9 + body.length).put((byte) (op << 3)).putLong(sid).put(body).array();
    }

    @Test
    void aForgedResetFromAnEstablishedClientsAddressIsScreenedAndCostsItNothing() throws Exception {
        AtomicInteger replies = new AtomicInteger();
        ServerEngines engines = new DelegatingEngines(h.engines("ping 1\nping-restart 60\n")) {
            @Override
            public Admission admit(ByteBuffer packet, SocketAddress from, ByteBuffer reply) {
                int at = packet.position();
                if (packet.remaining() < 9 || packet.getLong(at + 1) != FORGED_SID) {
                    return super.admit(packet, from, reply);
                }
                int op = (packet.get(at) & 0xFF) >>> 3;
                if (op == ServerLoop.P_CONTROL_HARD_RESET_CLIENT_V2) {
                    int start = reply.position();
                    reply.put((byte) (8 << 3)).put(COOKIE);
                    reply.limit(reply.position()).position(start);
                    replies.incrementAndGet();
                    return Admission.REPLY;
                }
                byte[] body = new byte[packet.remaining() - 9];
                packet.get(at + 9, body);
                return op == 4 && java.util.Arrays.equals(body, COOKIE) ? Admission.CREATE : Admission.DROP;
            }
        };
        h.start(ServerPlan.defaults(), engines);
        h.client(1, "ping 1\nping-restart 60\n");
        h.awaitEstablished("client1");
        long oldId = h.clientNamed("client1").clientId();

        forgeFromClient1(control(ServerLoop.P_CONTROL_HARD_RESET_CLIENT_V2, FORGED_SID, new byte[16]));
        MemoryRunners.awaitTrue(() -> replies.get() == 1, () -> "the forged reset got no stateless answer: " + h.log.recent());
        long unknown = h.loop.counters().drops(DropReason.UNKNOWN_PEER);
        forgeFromClient1(control(4, FORGED_SID, "wrong!".getBytes(StandardCharsets.US_ASCII)));
        MemoryRunners.awaitTrue(() -> h.loop.counters().drops(DropReason.UNKNOWN_PEER) == unknown + 1, () -> h.loop.counters().drops().toString());
        assertEquals(oldId, h.clientNamed("client1").clientId(), "the forgeries replaced nothing");
        assertEquals(0, disconnects(oldId));
        assertEquals(1, h.view.clients().size());

        // the established client still carries traffic
        MemoryTunOsSide c1 = h.clientOs(1);
        assertTrue(c1.inject(Packets.ipv4Udp(ip(clientAddress(1)), 1, ip("10.9.0.1"), 2, "still here".getBytes())));
        byte[] got;
        do {
            got = h.os.take(5000);
        } while (got != null && !new String(Packets.parseUdp(got).payload()).equals("still here"));
        assertTrue(got != null, "no packet from the client after the forgeries");

        // a packet that echoes the cookie proves the address: only then the old instance goes
        forgeFromClient1(control(4, FORGED_SID, COOKIE));
        MemoryRunners.awaitTrue(() -> disconnects(oldId) == 1, () -> "not replaced on admission: " + h.events);
        MemoryRunners.awaitTrue(() -> h.view.clients().size() == 1 && h.view.clients().get(0).clientId() != oldId,
                () -> h.view.clients().toString());
    }

    /** Stand-in engines that note the control messages the loop asks them to send. */
    private ServerEngines recording(List<String> sent) throws Exception {
        return new DelegatingEngines(h.engines("ping 1\nping-restart 60\n")) {
            @Override
            public boolean sendControl(PeerSession session, String message) {
                sent.add(message);
                return true;
            }
        };
    }

    @Test
    void onStopWithExplicitExitNotifyEveryEstablishedClientIsToldRestartWithinABoundedWait() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        h.start(ServerPlan.defaults().withExitNotify(1), recording(sent));
        h.client(1, "ping 1\nping-restart 60\n");
        h.client(2, "ping 1\nping-restart 60\n");
        h.awaitEstablished("client1", "client2");
        long ids = h.view.clients().size();
        long started = System.nanoTime();
        h.loop.requestStop();
        assertTrue(h.awaitLoopEnd(ServerLoop.EXIT_NOTIFY_MILLIS + 5000), "the stop is bounded");
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(List.of("RESTART", "RESTART"), sent);
        assertEquals(2, ids);
        // these clients stay (the stand-in cannot send the message): the stop waits its time, then closes them
        assertTrue(tookMillis >= ServerLoop.EXIT_NOTIFY_MILLIS - 50, tookMillis + " ms");
        assertEquals(2, h.events.stream().filter(e -> e.kind() == ServerClientEvent.Kind.DISCONNECT).count(), h.events.toString());
    }

    @Test
    void explicitExitNotify2SendsTheClientsToTheNextServerAndAStopWithoutClientsDoesNotWait() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        h.start(ServerPlan.defaults().withExitNotify(2), recording(sent));
        h.client(1, "ping 1\nping-restart 60\n");
        h.awaitEstablished("client1");
        h.loop.requestStop();
        assertTrue(h.awaitLoopEnd(ServerLoop.EXIT_NOTIFY_MILLIS + 5000));
        assertEquals(List.of("RESTART,[N]"), sent);
    }

    @Test
    void aStopWithoutClientsOrWithoutExplicitExitNotifyIsImmediate() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        h.start(ServerPlan.defaults().withExitNotify(1), recording(sent));
        long started = System.nanoTime();
        h.loop.requestStop();
        assertTrue(h.awaitLoopEnd(ServerLoop.EXIT_NOTIFY_MILLIS + 5000));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMillis < ServerLoop.EXIT_NOTIFY_MILLIS, "nobody to tell, no wait: " + tookMillis + " ms");
        assertTrue(sent.isEmpty());
    }

    @Test
    void withoutExplicitExitNotifyTheClientsAreToldNothing() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        h.start(ServerPlan.defaults(), recording(sent));
        h.client(1, "ping 1\nping-restart 60\n");
        h.awaitEstablished("client1");
        long started = System.nanoTime();
        h.loop.requestStop();
        assertTrue(h.awaitLoopEnd(ServerLoop.EXIT_NOTIFY_MILLIS + 5000));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(sent.isEmpty(), sent.toString());
        assertTrue(tookMillis < ServerLoop.EXIT_NOTIFY_MILLIS, tookMillis + " ms");
    }
}
