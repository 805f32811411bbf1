package org.culvert.tunnel.internal;

import static org.culvert.tunnel.internal.ServerHarness.clientAddress;
import static org.culvert.tunnel.internal.ServerHarness.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.testkit.MemoryLinkSocket;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Clients coming and going: timers, kill and client-kill, a flood, max-clients, order across data threads. */
class ServerClientLifecycleTest {
    /** Packets a sender of the order test may have in flight per client and direction. */
    private static final int WINDOW = 64;
    private final ServerHarness h = new ServerHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static byte[] udp(String from, String to, String text) {
        return Packets.ipv4Udp(ip(from), 1000, ip(to), 2000, text.getBytes());
    }

    /** Client {@code i} still carries traffic both ways. */
    private void assertCarries(int i, String tag) throws Exception {
        MemoryTunOsSide os = h.clientOs(i);
        byte[] down = udp("10.9.0.1", clientAddress(i), "to " + i + " " + tag);
        assertTrue(h.os.inject(down));
        assertArrayEquals(down, os.take(5000), () -> tag + ": " + h.loop.counters().drops());
        byte[] up = udp(clientAddress(i), "10.9.0.1", "from " + i + " " + tag);
        assertTrue(os.inject(up));
        assertArrayEquals(up, h.os.take(5000), () -> tag + ": " + h.loop.counters().drops());
    }

    @Test
    void aVanishingClientIsClosedByTheServersPingRestartAndTheOthersGoOn() throws Exception {
        h.start(ServerPlan.defaults().withDataThreads(2), "ping 1\nping-restart 3\n");
        TunnelRunner c1 = h.client(1, "ping 1\nping-restart 60\n");
        h.client(2, "ping 1\nping-restart 60\n");
        h.awaitEstablished("client1", "client2");
        long cid = h.clientNamed("client1").clientId();
        c1.stop(TunnelReason.USER_STOP); // gone without a word (no explicit-exit-notify)
        MemoryRunners.awaitTrue(() -> h.clientNamed("client1") == null, () -> "client1 still there: " + h.view.clients());
        // the tables are cleared before the event goes out
        MemoryRunners.awaitTrue(() -> h.events.stream().anyMatch(e -> e.kind() == ServerClientEvent.Kind.DISCONNECT && e.client().clientId() == cid),
                h.events::toString);
        assertTrue(h.released.contains("client1"), "its address went back to the pool: " + h.released);
        assertFalse(h.view.routes().stream().anyMatch(r -> r.clientId() == cid), h.view.routes().toString());
        assertCarries(2, "after client1 vanished");
    }

    @Test
    void killClosesByNameOrAddressAndTheClientComesBackWithANewId() throws Exception {
        h.start(ServerPlan.defaults(), "ping 1\nping-restart 30\n");
        for (int i = 1; i <= 3; i++) {
            h.client(i, "ping 1\nping-restart 3\n");
        }
        h.awaitEstablished("client1", "client2", "client3");
        long first = h.clientNamed("client1").clientId();
        assertEquals(1, h.view.kill("client1"));
        assertEquals(0, h.view.kill("nobody"));
        MemoryRunners.awaitTrue(() -> h.view.clients().stream().noneMatch(c -> c.clientId() == first), () -> h.view.clients().toString());
        assertTrue(h.os.inject(udp("10.9.0.1", clientAddress(1), "to a killed client")));
        MemoryRunners.awaitTrue(() -> h.loop.counters().drops(DropReason.NO_ROUTE) >= 1, () -> h.loop.counters().drops().toString());
        // the client's own ping-restart brings it back, as a new instance
        h.awaitEstablished("client1");
        assertNotEquals(first, h.clientNamed("client1").clientId());
        assertCarries(1, "after coming back");

        ServerClient c3 = h.clientNamed("client3");
        assertEquals(1, h.view.kill("c3_" + h.id + ":1194"), "kill by the client's real address");
        MemoryRunners.awaitTrue(() -> h.view.clients().stream().noneMatch(c -> c.clientId() == c3.clientId()), () -> h.view.clients().toString());

        long cid2 = h.clientNamed("client2").clientId();
        assertFalse(h.view.clientKill(9_999, null), "no such client");
        assertTrue(h.view.clientKill(cid2, "HALT"));
        MemoryRunners.awaitTrue(() -> h.view.clients().stream().noneMatch(c -> c.clientId() == cid2), () -> h.view.clients().toString());
    }

    @Test
    void beyondMaxClientsAConnectionAttemptIsRefusedAndCounted() throws Exception {
        long started = System.nanoTime();
        h.start(ServerPlan.defaults().withMaxClients(2), "ping 1\nping-restart 30\n");
        for (int i = 1; i <= 3; i++) {
            h.client(i, "ping 1\nping-restart 30\n");
        }
        MemoryRunners.awaitTrue(() -> h.view.clients().stream().filter(ServerClient::established).count() == 2
                && h.loop.counters().drops(DropReason.MAX_CLIENTS) > 0, () -> h.view.clients() + " " + h.loop.counters().drops());
        assertEquals(2, h.view.clients().size());
        // OpenVPN's warning, naming the limit; at most once a second however often the refused client retries
        MemoryRunners.awaitTrue(() -> maxClientsWarnings() >= 1, () -> h.log.recent().toString());
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        assertTrue(maxClientsWarnings() <= 1 + seconds, maxClientsWarnings() + " warnings in " + seconds + " s");
    }

    private long maxClientsWarnings() {
        return h.log.recent().stream().filter(e -> e.message().startsWith(
                "MULTI: new incoming connection would exceed maximum number of clients (2), from ")).count();
    }

    @Test
    void aFloodOfGarbageFromOneAddressDisturbsNoHonestClient() throws Exception {
        h.start(ServerPlan.defaults().withDataThreads(2), "ping 1\nping-restart 30\nhand-window 3\n");
        for (int i = 1; i <= 3; i++) {
            h.client(i, "ping 1\nping-restart 30\n");
        }
        h.awaitEstablished("client1", "client2", "client3");
        MemoryLinkSocket evil = (MemoryLinkSocket) new MemoryLinkTransport().open(
                LinkSpec.builder(LinkProtocol.UDP).local("evil" + h.id, 1194).remote("srv" + h.id, 1194).build());
        Thread flood = new Thread(() -> {
            Random random = new Random(h.id);
            PacketBatch batch = PacketBatch.allocate(1, 0, 1600);
            try {
                for (int n = 0; n < 20_000; n++) {
                    while (h.link.pendingPackets() > 1000) {
                        Thread.onSpinWait(); // leave room in the server's socket queue for the honest clients
                    }
                    batch.clear();
                    ByteBuffer slot = batch.slot(0);
                    int length = 1 + random.nextInt(300);
                    for (int i = 0; i < length; i++) {
                        slot.put((byte) random.nextInt(256));
                    }
                    int op = n % 4;
                    // hard resets, data with random peer-ids, and plain garbage
                    slot.put(0, (byte) (op == 0 ? 7 << 3 : op == 1 ? 9 << 3 : slot.get(0)));
                    slot.flip();
                    batch.count(1);
                    evil.send(batch, 0);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        flood.start();
        for (int round = 0; round < 100; round++) {
            for (int i = 1; i <= 3; i++) {
                assertCarries(i, "during the flood, round " + round);
            }
        }
        flood.join();
        evil.close();
        Map<DropReason, Long> drops = h.loop.counters().drops();
        assertTrue(drops.getOrDefault(DropReason.UNKNOWN_PEER, 0L) > 1000, drops.toString());
        assertTrue(h.view.clients().size() <= 4, "one address makes at most one instance: " + h.view.clients());
        // the garbage instance never finishes a handshake: the hand-window closes it
        MemoryRunners.awaitTrue(() -> h.view.clients().size() == 3, () -> h.view.clients().toString());
        for (int i = 1; i <= 3; i++) {
            assertCarries(i, "after the flood");
        }
        // A stateless answer to a forged reset moves the socket's remote to the forger: the honest
        // packets read in the same batch must keep their own source, never float a client to evil.
        assertTrue(h.log.recent().stream().noneMatch(e -> e.message().contains(" floated from ")), h.log.recent().toString());
    }

    @Test
    void severalDataThreadsKeepEachClientsOrder() throws Exception {
        h.start(ServerPlan.defaults().withDataThreads(4), "ping 1\nping-restart 30\n");
        for (int i = 1; i <= 3; i++) {
            h.client(i, "ping 1\nping-restart 30\n");
        }
        h.awaitEstablished("client1", "client2", "client3");
        Set<Integer> threads = h.loop.instances().stream().map(m -> m.owner.index).collect(Collectors.toSet());
        assertEquals(3, threads.size(), "three clients on three of the four data threads");
        MemoryTunOsSide[] os = {null, h.clientOs(1), h.clientOs(2), h.clientOs(3)};
        int perClient = 3000;
        Thread[] senders = new Thread[4];
        // The last packet number each side saw per client (order is kept, so drops do not hold the window).
        java.util.concurrent.atomic.AtomicIntegerArray upSeen = new java.util.concurrent.atomic.AtomicIntegerArray(new int[] {-1, -1, -1, -1});
        java.util.concurrent.atomic.AtomicIntegerArray downSeen = new java.util.concurrent.atomic.AtomicIntegerArray(new int[] {-1, -1, -1, -1});
        for (int i = 1; i <= 3; i++) {
            int c = i;
            senders[i] = new Thread(() -> {
                for (int n = 0; n < perClient; n++) {
                    // A window of packets in flight per client, so that the test checks order, not how much a
                    // loaded machine's queues hold (waiting at most 20 ms).
                    long waitUntil = System.nanoTime() + 20_000_000L;
                    while ((n - upSeen.get(c) > WINDOW || n - downSeen.get(c) > WINDOW) && System.nanoTime() < waitUntil) {
                        java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                    }
                    byte[] p = udp(clientAddress(c), "10.9.0.1", c + ":" + n);
                    while (!os[c].inject(p)) {
                        Thread.onSpinWait();
                    }
                    byte[] q = udp("10.9.0.1", clientAddress(c), c + ":" + n);
                    while (!h.os.inject(q)) {
                        Thread.onSpinWait();
                    }
                }
            });
            senders[i].start();
        }
        Map<Integer, Integer> lastUp = new HashMap<>();
        int[] lastDown = {0, -1, -1, -1};
        int received = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        int[] downCount = new int[4];
        long lastArrival = System.nanoTime();
        while (System.nanoTime() < deadline && (received < 3 * perClient || downCount[1] + downCount[2] + downCount[3] < 3 * perClient)) {
            boolean sending = senders[1].isAlive() || senders[2].isAlive() || senders[3].isAlive();
            if (!sending && System.nanoTime() - lastArrival > 1_000_000_000L) {
                break; // all sent, and nothing more for a second: the rest was dropped on the way
            }
            byte[] p = h.os.poll();
            if (p != null) {
                String[] text = new String(Packets.parseUdp(p).payload()).split(":");
                int c = Integer.parseInt(text[0]);
                int n = Integer.parseInt(text[1]);
                assertTrue(n > lastUp.getOrDefault(c, -1), "client " + c + " packet " + n + " after " + lastUp.get(c));
                lastUp.put(c, n);
                upSeen.set(c, n);
                received++;
                lastArrival = System.nanoTime();
            }
            for (int c = 1; c <= 3; c++) {
                byte[] q = os[c].poll();
                if (q != null) {
                    int n = Integer.parseInt(new String(Packets.parseUdp(q).payload()).split(":")[1]);
                    assertTrue(n > lastDown[c], "to client " + c + ": packet " + n + " after " + lastDown[c]);
                    lastDown[c] = n;
                    downCount[c]++;
                    downSeen.set(c, n);
                    lastArrival = System.nanoTime();
                }
            }
            if (p == null) {
                Thread.onSpinWait();
            }
        }
        for (int i = 1; i <= 3; i++) {
            senders[i].join();
        }
        // the memory link drops when a queue is full, as UDP does; order is what this test is about
        assertTrue(received > perClient, "most packets arrived: " + received + " " + h.loop.counters().drops());
        assertTrue(downCount[1] > perClient / 3 && downCount[2] > perClient / 3 && downCount[3] > perClient / 3,
                java.util.Arrays.toString(downCount) + " " + h.loop.counters().drops());
    }
}
