package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.openvpn.tls.TestPki;
import org.culvert.testkit.Impairment;
import org.culvert.testkit.MemoryAddress;
import org.culvert.testkit.MemoryLinkSocket;
import org.culvert.testkit.MemoryNetwork;
import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * TLS mode through the real loop and the real {@code TlsSession} on both ends, over the memory link:
 * captured data packets replayed (none accepted), and which packets may move the peer under --float
 * (authenticated data only, never a control packet, CVE-2020-11810).
 *
 * <p>A is the tls-server under attack; B is the tls-client whose packets are captured on the path B to A.
 * Time is the injected clock, so "after 16 s" takes no 16 s.
 */
class TlsReplayAndFloatTest {
    private static final AtomicInteger SEQ = new AtomicInteger(700);
    private static final TestPki.Identity SERVER = TestPki.selfSigned("culvert-server");
    private static final TestPki.Identity CLIENT = TestPki.selfSigned("culvert-client");
    /** 10,000 by default; -Dculvert.replay.packets=N for another size. */
    private static final int REPLAYS = Integer.getInteger("culvert.replay.packets", 10_000);
    private static final int OP_HARD_RESET_CLIENT_V2 = 7;

    private final int id = SEQ.incrementAndGet();
    private final MemoryRunners memory = new MemoryRunners();
    private final AtomicLong skew = new AtomicLong();
    /** The injected clock: the system's, plus what the test moved it forward. */
    private final LoopClock clock = () -> System.nanoTime() / 1_000_000L + skew.get();
    private final RecordingSink sinkA = new RecordingSink();
    private final RecordingSink sinkB = new RecordingSink();
    private final Counters countersA = new Counters();
    private final List<MemoryLinkSocket> sockets = new ArrayList<>();
    private TunnelRunner a;
    private TunnelRunner b;

    /** What the capture on B to A keeps. */
    private final List<byte[]> dataPackets = new CopyOnWriteArrayList<>();
    private volatile boolean capturing;
    private volatile byte[] clientReset;
    /** When set, the next data packet is kept here and not delivered (a fresh packet A never saw). */
    private volatile boolean holdNext;
    private volatile byte[] held;

    @AfterEach
    void tearDown() {
        memory.stopAll();
        sockets.forEach(MemoryLinkSocket::close);
        MemoryNetwork.clearImpairments();
    }

    private String config(String me, String peer, boolean server, TestPki.Identity mine, String peerFingerprint, String extra) {
        return TlsTunnelTest.config(id, me, peer, server, mine, peerFingerprint) + extra;
    }

    private static byte[] copy(ByteBuffer packet) {
        byte[] bytes = new byte[packet.remaining()];
        packet.duplicate().get(bytes);
        return bytes;
    }

    /** Starts A (tls-server, {@code floatA}) and B (tls-client) with the capture on B to A, and waits for both to be UP. */
    private void startPair(boolean floatA) throws Exception {
        Impairment capture = packet -> {
            int op = (packet.get(packet.position()) & 0xFF) >>> 3;
            boolean data = op == 6 || op == 9;
            if (op == OP_HARD_RESET_CLIENT_V2 && clientReset == null) {
                clientReset = copy(packet);
            }
            if (data && holdNext) {
                holdNext = false;
                held = copy(packet);
                return Impairment.Verdict.DROP;
            }
            if (data && capturing && dataPackets.size() < REPLAYS) {
                dataPackets.add(copy(packet));
            }
            return Impairment.Verdict.DELIVER;
        };
        MemoryNetwork.impair(MemoryAddress.of("b" + id, 1194), MemoryAddress.of("a" + id, 1194), capture);
        a = memory.fromConfig("a" + id, config("a", "b", true, SERVER, CLIENT.fingerprint(), floatA ? "float\n" : ""), sinkA, countersA,
                clock);
        b = memory.fromConfig("b" + id, config("b", "a", false, CLIENT, SERVER.fingerprint(), ""), sinkB, new Counters(), clock);
        a.start();
        b.start();
        sinkA.await(TunnelState.UP, null, 15000);
        sinkB.await(TunnelState.UP, null, 15000);
    }

    private static byte[] packet(String from, String to, int i) throws Exception {
        return Packets.ipv4Udp((Inet4Address) InetAddress.getByName(from), 1000, (Inet4Address) InetAddress.getByName(to), 2000,
                ("replay me " + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** A socket of the test's own on the memory network, bound to {@code host:port} and sending to A. */
    private MemoryLinkSocket socket(String host, int port) throws Exception {
        MemoryLinkSocket s = memory.transport.open(LinkSpec.builder(LinkProtocol.UDP).local(host, port).remote("a" + id, 1194).build());
        assertTrue(s.establish(1000));
        sockets.add(s);
        return s;
    }

    private TunnelCounters a() {
        return countersA.snapshot();
    }

    /** Sends every packet from {@code s}, keeping fewer than 512 in A's queue (it holds 1024) so none is lost on the way. */
    private void sendAll(MemoryLinkSocket s, List<byte[]> packets) throws Exception {
        PacketBatch batch = PacketBatch.allocate(32, 0, 2048);
        long readBefore = a().linkReadPackets();
        int sent = 0;
        while (sent < packets.size()) {
            int n = Math.min(batch.capacity(), packets.size() - sent);
            for (int i = 0; i < n; i++) {
                ByteBuffer slot = batch.prepareSlot(i);
                slot.put(packets.get(sent + i));
                slot.limit(slot.position()).position(0);
            }
            batch.count(n);
            for (int from = 0; from < n;) {
                from += s.send(batch, from);
            }
            sent += n;
            long target = readBefore + sent - 512;
            MemoryRunners.awaitTrue(() -> a().linkReadPackets() >= target, () -> "A stopped reading: " + a());
        }
        long all = readBefore + sent;
        MemoryRunners.awaitTrue(() -> a().linkReadPackets() >= all, () -> "A did not read them all: " + a());
    }

    /** Replays the capture from {@code s}: none may be accepted, each is counted under {@code reason}. */
    private void replayCase(String name, MemoryLinkSocket s, DropReason reason, MemoryTunOsSide osA) throws Exception {
        TunnelCounters before = a();
        sendAll(s, dataPackets);
        MemoryRunners.awaitTrue(() -> a().drops(reason) >= before.drops(reason) + dataPackets.size(), () -> name + ": " + a());
        TunnelCounters after = a();
        long accepted = after.tunWritePackets() - before.tunWritePackets();
        assertEquals(0, accepted, name + ": replayed packets reached the tun");
        assertEquals(before.linkAuthReadBytes(), after.linkAuthReadBytes(), name + ": a replay counted as authentic");
        assertEquals(dataPackets.size(), after.drops(reason) - before.drops(reason), name + ": " + after);
        assertEquals(dataPackets.size(), after.totalDrops() - before.totalDrops(), name + ": every replay dropped once, for " + reason);
        assertNull(osA.poll(), name);
        System.out.println("[reliability] " + dataPackets.size() + " replayed TLS data packets, " + name + ": " + accepted + " accepted, "
                + (after.drops(reason) - before.drops(reason)) + " dropped as " + reason);
    }

    @Test
    void replayedDataPacketsAreNeverAcceptedAtOnceLaterOrFromAnotherPort() throws Exception {
        startPair(true);
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("mema" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("memb" + id, 5000);
        capturing = true;
        for (int i = 0; i < REPLAYS; i += 50) {
            for (int k = i; k < Math.min(REPLAYS, i + 50); k++) {
                assertTrue(osB.inject(packet("10.0.0.2", "10.0.0.1", k)));
            }
            for (int k = i; k < Math.min(REPLAYS, i + 50); k++) {
                assertNotNull(osA.take(5000), "authentic packet " + k + " did not arrive");
            }
        }
        MemoryRunners.awaitTrue(() -> dataPackets.size() == REPLAYS, () -> "captured " + dataPackets.size());
        capturing = false;
        // B leaves without a word (no exit notification); the test takes over its address.
        b.stop(TunnelReason.USER_STOP);
        b = null;
        MemoryLinkSocket sameSource = socket("b" + id, 1194);

        replayCase("at once", sameSource, DropReason.REPLAY, osA);
        skew.addAndGet(1_000);
        replayCase("after 1 s", sameSource, DropReason.REPLAY, osA);
        skew.addAndGet(15_000);
        replayCase("after 16 s", sameSource, DropReason.REPLAY, osA);
        // From another source port, under --float: authenticated in form, but replays; the peer must not move there.
        MemoryLinkSocket otherPort = socket("b" + id, 1195);
        replayCase("from another source port (--float)", otherPort, DropReason.REPLAY, osA);

        byte[] p = packet("10.0.0.1", "10.0.0.2", -1);
        assertTrue(osA.inject(p));
        MemoryRunners.awaitTrue(() -> sameSource.pendingPackets() == 1, () -> "A's packet did not go to its peer");
        assertEquals(0, otherPort.pendingPackets(), "replays moved the peer");
        assertEquals(TunnelState.UP, sinkA.state());
    }

    /** A packet sent from A's tun reaches B's tun (the peer has not moved). */
    private static void assertAStillTalksToB(MemoryTunOsSide osA, MemoryTunOsSide osB, int i) throws Exception {
        byte[] p = packet("10.0.0.1", "10.0.0.2", i);
        assertTrue(osA.inject(p));
        assertArrayEquals(p, osB.take(5000), "A's peer moved away from B");
    }

    /** Waits until A has read {@code n} more link packets than {@code before}. */
    private void awaitRead(TunnelCounters before, int n) throws InterruptedException {
        MemoryRunners.awaitTrue(() -> a().linkReadPackets() >= before.linkReadPackets() + n, () -> a().toString());
    }

    private byte[] holdOneDataPacket(MemoryTunOsSide osB, MemoryTunOsSide osA) throws Exception {
        holdNext = true;
        byte[] inner = packet("10.0.0.2", "10.0.0.1", 4242);
        assertTrue(osB.inject(inner));
        MemoryRunners.awaitTrue(() -> held != null, () -> "no data packet was held");
        assertNull(osA.take(200), "the held packet must not have arrived");
        return inner;
    }

    @Test
    void underFloatOnlyAnAuthenticatedDataPacketMovesThePeerNeverAControlPacket() throws Exception {
        startPair(true);
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("mema" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("memb" + id, 5000);
        assertNotNull(clientReset, "the client's hard reset was captured");
        byte[] inner = holdOneDataPacket(osB, osA);
        MemoryLinkSocket stranger = socket("x" + id, 1194);

        // A replay of the client's hard reset, then a forged one with a new session id, from a new address.
        byte[] forged = clientReset.clone();
        for (int i = 1; i <= 8; i++) {
            forged[i] = (byte) (0x5A ^ i);
        }
        TunnelCounters before = a();
        sendAll(stranger, List.of(clientReset, forged));
        awaitRead(before, 2);
        assertAStillTalksToB(osA, osB, 1);
        assertEquals(0, stranger.pendingPackets(), "a control packet moved the peer");

        // A fresh authentic data packet from the new address: delivered, and the peer floats there.
        sendAll(stranger, List.of(held));
        assertArrayEquals(inner, osA.take(5000), "the authentic data packet from the new address was not accepted");
        byte[] p = packet("10.0.0.1", "10.0.0.2", 2);
        assertTrue(osA.inject(p));
        MemoryRunners.awaitTrue(() -> stranger.pendingPackets() >= 1, () -> "the peer did not float to the data packet's address");
        assertNull(osB.take(200), "after the float A's packets go to the new address only");
    }

    @Test
    void aTlsServerWithoutRemoteLearnsItsPeerFromTheHandshakeAndAnswersIt() throws Exception {
        // The first learning is the one exception to "data packets only": the handshake must be answered.
        String listener = config("a", "b", true, SERVER, CLIENT.fingerprint(), "").replace("remote b" + id + "\nrport 1194\n", "");
        a = memory.fromConfig("a" + id, listener, sinkA, countersA, clock);
        b = memory.fromConfig("b" + id, config("b", "a", false, CLIENT, SERVER.fingerprint(), ""), sinkB, new Counters(), clock);
        a.start();
        sinkA.await(TunnelState.CONNECTING, null, 5000);
        b.start();
        sinkA.await(TunnelState.UP, null, 15000);
        sinkB.await(TunnelState.UP, null, 15000);
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("mema" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("memb" + id, 5000);
        assertAStillTalksToB(osA, osB, 5);
        byte[] q = packet("10.0.0.2", "10.0.0.1", 6);
        assertTrue(osB.inject(q));
        assertArrayEquals(q, osA.take(5000));
    }

    @Test
    void withoutFloatEvenAnAuthenticatedDataPacketFromANewAddressIsDropped() throws Exception {
        startPair(false);
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("mema" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("memb" + id, 5000);
        holdOneDataPacket(osB, osA);
        MemoryLinkSocket stranger = socket("x" + id, 1194);
        TunnelCounters before = a();
        sendAll(stranger, List.of(held, clientReset));
        awaitRead(before, 2);
        MemoryRunners.awaitTrue(() -> a().drops(DropReason.UNKNOWN_PEER) == before.drops(DropReason.UNKNOWN_PEER) + 2, () -> a().toString());
        assertNull(osA.take(200), "a packet from an unknown address reached the tun");
        assertAStillTalksToB(osA, osB, 3);
        assertEquals(0, stranger.pendingPackets());
    }
}
