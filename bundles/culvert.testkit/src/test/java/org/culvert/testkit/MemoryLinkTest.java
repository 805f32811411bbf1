package org.culvert.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Memory link specifics the contract does not cover: routing, sources, drops, backpressure, impairments. */
class MemoryLinkTest {
    private static final AtomicInteger HOSTS = new AtomicInteger();
    private final MemoryLinkTransport transport = new MemoryLinkTransport(8, 16);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        MemoryNetwork.clearImpairments();
        for (AutoCloseable c : toClose) {
            c.close();
        }
        transport.closeAll();
    }

    /** A host name no other test uses. */
    private static String host(String label) {
        return label + "-" + HOSTS.incrementAndGet();
    }

    private MemoryLinkSocket udp(String localHost, int port, String remoteHost, int remotePort) throws LinkException {
        return transport.open(LinkSpec.builder(LinkProtocol.UDP).local(localHost, port).remote(remoteHost, remotePort).build());
    }

    private static PacketBatch batchOf(byte[]... packets) {
        PacketBatch batch = PacketBatch.allocate(Math.max(1, packets.length), 16, 16 + 2000);
        for (int i = 0; i < packets.length; i++) {
            ByteBuffer slot = batch.prepareSlot(i);
            slot.put(packets[i]);
            slot.limit(slot.position()).position(16);
        }
        batch.count(packets.length);
        return batch;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** Everything pending at {@code socket}: each packet's first byte, in order. */
    private static List<Integer> firstBytes(MemoryLinkSocket socket) throws LinkException {
        List<Integer> got = new ArrayList<>();
        PacketBatch in = PacketBatch.allocate(16, 16, 2016);
        int n;
        while ((n = socket.receive(in)) > 0) {
            for (int i = 0; i < n; i++) {
                got.add(in.slot(i).get(in.slot(i).position()) & 0xFF);
            }
        }
        return got;
    }

    private static void sendSingles(MemoryLinkSocket from, int... firstBytes) throws LinkException {
        for (int b : firstBytes) {
            assertEquals(1, from.send(batchOf(bytes(b, 0, 0, 0)), 0));
        }
    }

    @Test
    void addressesParseAndPrint() {
        MemoryAddress a = MemoryAddress.parse("peer-a:1194");
        assertEquals("peer-a", a.host());
        assertEquals(1194, a.port());
        assertEquals("peer-a:1194", a.toString());
        assertEquals(a, MemoryAddress.of("peer-a", 1194));
        assertEquals(MemoryAddress.of(null, 5), MemoryAddress.parse("*:5"));
        assertTrue(MemoryAddress.parse("*:5").isWildcard());
        assertTrue(MemoryAddress.parse("*:5").matches(a) == false, "ports differ");
        assertTrue(MemoryAddress.parse("*:1194").matches(a));
        assertFalse(MemoryAddress.parse("other:1194").matches(a));
        assertFalse(a.matches(new InetSocketAddress(1194)));
        for (String bad : new String[] { "nohost", ":1", "h:", "h:x", "h:70000" }) {
            assertThrows(IllegalArgumentException.class, () -> MemoryAddress.parse(bad), bad);
        }
    }

    @Test
    void bindingATakenAddressFailsWithAddressInUse() throws Exception {
        String h = host("taken");
        udp(h, 1194, "x", 1);
        LinkException e = assertThrows(LinkException.class, () -> udp(h, 1194, "x", 1));
        assertEquals(LinkException.Reason.ADDRESS_IN_USE, e.reason());
        // TCP has its own port space.
        MemoryLinkSocket tcp = transport.open(LinkSpec.builder(LinkProtocol.TCP_SERVER).local(h, 1194).build());
        assertEquals(MemoryAddress.of(h, 1194), tcp.local());
    }

    @Test
    void nobindAndPortZeroGetDistinctEphemeralPorts() throws Exception {
        String h = host("ephemeral");
        MemoryLinkSocket a = transport.open(LinkSpec.builder(LinkProtocol.UDP).bind(false).local(h, 1194).remote("x", 1).build());
        MemoryLinkSocket b = transport.open(LinkSpec.builder(LinkProtocol.UDP).local(h, 0).remote("x", 1).build());
        assertTrue(a.local().port() >= MemoryNetwork.FIRST_EPHEMERAL_PORT);
        assertNotEquals(a.local(), b.local());
        assertEquals(h, a.local().host());
        MemoryLinkSocket wildcard = transport.open(LinkSpec.builder(LinkProtocol.UDP).local(null, 0).build());
        assertTrue(wildcard.local().isWildcard());
        assertNull(wildcard.remote(), "no --remote: a listening peer");
    }

    @Test
    void badSpecsAreRefused() {
        assertEquals(LinkException.Reason.UNSUPPORTED, assertThrows(LinkException.class,
                () -> transport.open(LinkSpec.builder(LinkProtocol.TCP_CLIENT).bind(false).build())).reason());
        assertEquals(LinkException.Reason.UNSUPPORTED, assertThrows(LinkException.class,
                () -> transport.open(LinkSpec.builder(LinkProtocol.UDP).maxPacketSize(0).build())).reason());
        assertThrows(IllegalArgumentException.class, () -> {
            MemoryLinkSocket s = udp(host("bad-remote"), 1, "x", 1);
            s.remote(new InetSocketAddress(1));
        });
    }

    @Test
    void packetsFromAThirdPartyCarryTheirSourceAndALearntRemoteDropsIt() throws Exception {
        String a = host("a");
        String b = host("b");
        String c = host("c");
        MemoryLinkSocket sa = udp(a, 1194, b, 1194);
        MemoryLinkSocket listener = transport.open(LinkSpec.builder(LinkProtocol.UDP).local(b, 1194).build()); // no remote
        MemoryLinkSocket sc = udp(c, 1194, b, 1194);

        sendSingles(sa, 1);
        PacketBatch in = PacketBatch.allocate(4, 16, 2016);
        assertEquals(1, listener.receive(in));
        assertEquals(MemoryAddress.of(a, 1194), in.source(0), "no remote yet: every packet carries its source");

        listener.remote(in.source(0)); // learnt from an authenticated packet
        sendSingles(sa, 2);
        sendSingles(sc, 3);
        assertEquals(2, listener.receive(in));
        assertNull(in.source(0), "from the remote");
        assertEquals(MemoryAddress.of(c, 1194), in.source(1), "from someone else");

        // Replies go to the learnt remote.
        sendSingles(listener, 4);
        assertEquals(List.of(4), firstBytes(sa));
        assertEquals(List.of(), firstBytes(sc));
    }

    @Test
    void aWildcardListenerReceivesForAnyHostAndItsRepliesCountAsFromTheRemote() throws Exception {
        String client = host("client");
        MemoryLinkSocket server = transport.open(LinkSpec.builder(LinkProtocol.UDP).local(null, 31194).remote(client, 1194).build());
        MemoryLinkSocket c = udp(client, 1194, host("server-name"), 31194);
        sendSingles(c, 7);
        PacketBatch in = PacketBatch.allocate(2, 16, 2016);
        assertEquals(1, server.receive(in));
        assertNull(in.source(0));
        sendSingles(server, 8);
        assertEquals(1, c.receive(in));
        assertNull(in.source(0), "*:31194 matches the client's remote server-name:31194");
    }

    @Test
    void datagramsToAFullQueueAreDroppedAndCountedAtTheReceiver() throws Exception {
        String a = host("a");
        String b = host("b");
        MemoryLinkSocket sa = udp(a, 1, b, 1);
        MemoryLinkSocket sb = udp(b, 1, a, 1);
        for (int i = 0; i < 10; i++) {
            sendSingles(sa, i); // always consumed: datagrams never block
        }
        assertEquals(8, sb.pendingPackets());
        assertEquals(2, sb.queueFullDrops());
        assertTrue(sa.waitable().isWritable(), "a datagram socket stays writable");
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), firstBytes(sb));
        assertEquals(10, sa.sentPackets());
        assertEquals(8, sb.receivedPackets());
    }

    @Test
    void datagramsWithoutReceiverOrTooLongAreDroppedAndCounted() throws Exception {
        String a = host("a");
        String b = host("b");
        MemoryLinkSocket sa = udp(a, 1, host("nobody"), 1);
        sendSingles(sa, 1, 2);
        assertEquals(2, sa.unroutableDrops());

        MemoryLinkSocket small = transport.open(LinkSpec.builder(LinkProtocol.UDP).local(b, 1).remote(a, 1).maxPacketSize(100).build());
        sa.remote(small.local());
        assertEquals(1, sa.send(batchOf(new byte[101]), 0));
        assertEquals(1, small.oversizeDrops(), "longer than the receiver's maximum");
        assertEquals(0, small.pendingPackets());

        sa.remote(null);
        sendSingles(sa, 3);
        assertEquals(3, sa.unroutableDrops(), "no remote");
    }

    @Test
    void impairmentsDropDuplicateReorderAndCorruptOnTheirPathOnly() throws Exception {
        String a = host("a");
        String b = host("b");
        MemoryLinkSocket sa = udp(a, 1, b, 1);
        MemoryLinkSocket sb = udp(b, 1, a, 1);
        AtomicReference<Impairment.Verdict> next = new AtomicReference<>(Impairment.Verdict.DELIVER);
        MemoryNetwork.impair(sa.local(), sb.local(), packet -> {
            if (packet.get(packet.position()) == 9) {
                packet.put(packet.position() + 1, (byte) 0x55); // corrupt the second byte
            }
            return next.get();
        });

        next.set(Impairment.Verdict.DROP);
        sendSingles(sa, 1);
        next.set(Impairment.Verdict.DUPLICATE);
        sendSingles(sa, 2);
        next.set(Impairment.Verdict.DELAY);
        sendSingles(sa, 3);
        next.set(Impairment.Verdict.DELIVER);
        sendSingles(sa, 4);
        assertEquals(List.of(2, 2, 4, 3), firstBytes(sb), "1 dropped, 2 twice, 3 swapped with 4");
        assertEquals(1, sa.impairmentDrops());

        sendSingles(sa, 9);
        PacketBatch in = PacketBatch.allocate(1, 16, 2016);
        assertEquals(1, sb.receive(in));
        assertEquals(0x55, in.slot(0).get(17), "the impairment's change travels");

        sendSingles(sb, 5); // the other direction is not impaired
        assertEquals(List.of(5), firstBytes(sa));

        MemoryNetwork.impair(sa.local(), sb.local(), null);
        sendSingles(sa, 6);
        assertEquals(List.of(6), firstBytes(sb), "impairment removed");
    }

    @Test
    void aSecondDelayReleasesTheFirstAndTruncationTravels() throws Exception {
        String a = host("a");
        String b = host("b");
        MemoryLinkSocket sa = udp(a, 1, b, 1);
        MemoryLinkSocket sb = udp(b, 1, a, 1);
        AtomicReference<Impairment.Verdict> next = new AtomicReference<>(Impairment.Verdict.DELAY);
        MemoryNetwork.impair(sa.local(), sb.local(), packet -> {
            packet.limit(packet.position() + 2);
            return next.get();
        });
        sendSingles(sa, 1);
        sendSingles(sa, 2);
        assertEquals(List.of(1), firstBytes(sb), "1 released when 2 was held");
        next.set(Impairment.Verdict.DELIVER);
        sendSingles(sa, 3);
        PacketBatch in = PacketBatch.allocate(4, 16, 2016);
        assertEquals(2, sb.receive(in));
        assertEquals(3, in.slot(0).get(16));
        assertEquals(2, in.slot(1).get(16));
        assertEquals(2, in.slot(0).remaining(), "truncated to two bytes");
    }

    @Test
    void noisyWireIsReproducibleAndRoughlyHonoursItsRates() throws Exception {
        int[] first = runNoisy(42);
        int[] second = runNoisy(42);
        assertArrayEquals(first, second, "the same seed gives the same fate to every packet");
        int[] other = runNoisy(43);
        assertFalse(java.util.Arrays.equals(first, other), "another seed gives another run");

        NoisyWire wire = new NoisyWire(7).drop(0.25).duplicate(0.1).reorder(0.1).corrupt(0.5);
        ByteBuffer packet = ByteBuffer.allocate(64);
        for (int i = 0; i < 10_000; i++) {
            packet.clear();
            wire.apply(packet);
        }
        assertEquals(10_000, wire.packets());
        assertTrue(Math.abs(wire.dropped() - 2_500) < 300, wire.toString());
        assertTrue(Math.abs(wire.corrupted() - 0.5 * 7_500) < 300, wire.toString());
        assertTrue(wire.duplicated() > 500 && wire.delayed() > 500, wire.toString());
        assertThrows(IllegalArgumentException.class, () -> new NoisyWire(1).drop(1.5));
        assertThrows(IllegalArgumentException.class, () -> new NoisyWire(1).corrupt(Double.NaN));
    }

    /** Sends 200 numbered packets over a fresh noisy path and returns what arrived, in order. */
    private int[] runNoisy(long seed) throws Exception {
        MemoryLinkTransport big = new MemoryLinkTransport(1024, 32);
        String a = host("noisy-a");
        String b = host("noisy-b");
        MemoryLinkSocket sa = big.open(LinkSpec.builder(LinkProtocol.UDP).local(a, 1).remote(b, 1).build());
        MemoryLinkSocket sb = big.open(LinkSpec.builder(LinkProtocol.UDP).local(b, 1).remote(a, 1).build());
        toClose.add(sa);
        toClose.add(sb);
        MemoryNetwork.impair(sa.local(), sb.local(), new NoisyWire(seed).drop(0.1).duplicate(0.05).reorder(0.1).corrupt(0.05));
        for (int i = 0; i < 200; i++) {
            sendSingles(sa, i);
        }
        return firstBytes(sb).stream().mapToInt(Integer::intValue).toArray();
    }

    // ---- streams ----

    private MemoryLinkSocket[] streamPair(int maxPacketSize) throws Exception {
        String s = host("stream-server");
        MemoryLinkSocket server = transport.open(LinkSpec.builder(LinkProtocol.TCP_SERVER).local(s, 443).maxPacketSize(maxPacketSize).build());
        MemoryLinkSocket client = transport.open(
                LinkSpec.builder(LinkProtocol.TCP_CLIENT).bind(false).remote(s, 443).maxPacketSize(maxPacketSize).build());
        assertTrue(client.establish(1_000));
        assertTrue(server.establish(1_000));
        return new MemoryLinkSocket[] { server, client };
    }

    @Test
    void aStreamSenderStopsAtAFullPeerQueueAndBecomesWritableWhenItReads() throws Exception {
        MemoryLinkSocket[] pair = streamPair(1000);
        MemoryLinkSocket server = pair[0];
        MemoryLinkSocket client = pair[1];
        PacketBatch out = batchOf(bytes(0), bytes(1), bytes(2), bytes(3), bytes(4), bytes(5), bytes(6), bytes(7), bytes(8), bytes(9));
        EventSet set = new MemoryEventBackend().open(1);
        toClose.add(set);
        set.ctl(client.waitable(), EventSet.WRITE, 1);
        ReadyEvents ready = new ReadyEvents(1);

        assertEquals(8, client.send(out, 0), "the server's queue holds 8");
        assertFalse(client.waitable().isWritable());
        assertEquals(0, set.wait(30, ready), "not writable while the peer's queue is full");
        assertEquals(0, client.send(out, 8), "nothing is dropped: the send would block");

        PacketBatch in = PacketBatch.allocate(2, 16, 1100);
        assertEquals(2, server.receive(in));
        assertEquals(1, set.wait(1_000, ready), "writable again once the peer read");
        assertEquals(2, client.send(out, 8));
        assertEquals(List.of(2, 3, 4, 5, 6, 7, 8, 9), firstBytes(server), "in order, nothing lost");
        assertEquals(0, server.queueFullDrops());
    }

    @Test
    void aClosedStreamPeerIsSeenAfterItsLastPackets() throws Exception {
        MemoryLinkSocket[] pair = streamPair(1000);
        MemoryLinkSocket server = pair[0];
        MemoryLinkSocket client = pair[1];
        sendSingles(client, 1, 2);
        client.close();

        assertTrue(server.waitable().isReadable());
        PacketBatch in = PacketBatch.allocate(8, 16, 1100);
        assertEquals(2, server.receive(in), "what was sent before the close still arrives");
        LinkException e = assertThrows(LinkException.class, () -> server.receive(in));
        assertEquals(LinkException.Reason.CONNECTION_RESET, e.reason());
        assertEquals(LinkException.Reason.CONNECTION_RESET, assertThrows(LinkException.class, () -> server.send(batchOf(bytes(1)), 0)).reason());
        assertTrue(server.waitable().isReadable(), "stays readable: the end is pending");
    }

    @Test
    void zeroLengthAndOversizedStreamPacketsArriveAsBadFrames() throws Exception {
        MemoryLinkSocket[] pair = streamPair(100);
        MemoryLinkSocket server = pair[0];
        MemoryLinkSocket client = pair[1];
        sendSingles(client, 1);
        assertEquals(1, client.send(batchOf(new byte[0]), 0));
        PacketBatch in = PacketBatch.allocate(4, 16, 200);
        assertEquals(1, server.receive(in), "the packet before the bad frame");
        assertEquals(LinkException.Reason.BAD_FRAME, assertThrows(LinkException.class, () -> server.receive(in)).reason());
        assertEquals(LinkException.Reason.BAD_FRAME, assertThrows(LinkException.class, () -> server.receive(in)).reason(),
                "the stream stays broken");

        MemoryLinkSocket[] pair2 = streamPair(100);
        assertEquals(1, pair2[0].send(batchOf(new byte[101]), 0));
        assertEquals(LinkException.Reason.BAD_FRAME, assertThrows(LinkException.class, () -> pair2[1].receive(in)).reason());
    }

    @Test
    void aClientWaitsForItsServerAndAServerTakesOnlyOnePeer() throws Exception {
        String s = host("late-server");
        MemoryLinkSocket client = transport.open(LinkSpec.builder(LinkProtocol.TCP_CLIENT).bind(false).remote(s, 443).build());
        assertFalse(client.establish(20), "no server yet");

        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread connector = new Thread(() -> {
            try {
                outcome.set(client.establish(5_000));
            } catch (LinkException e) {
                outcome.set(e);
            }
        }, "memory-tcp-connector");
        connector.start();
        MemoryLinkSocket server = transport.open(LinkSpec.builder(LinkProtocol.TCP_SERVER).local(s, 443).build());
        connector.join(5_000);
        assertEquals(Boolean.TRUE, outcome.get(), "the client connects once the server listens");
        assertTrue(server.establish(0));
        assertEquals(client.local(), server.remote());

        MemoryLinkSocket second = transport.open(LinkSpec.builder(LinkProtocol.TCP_CLIENT).bind(false).remote(s, 443).build());
        assertFalse(second.establish(20), "the server has its peer");
        assertThrows(LinkException.class, () -> second.send(batchOf(bytes(1)), 0), "not established");
    }

    @Test
    void impairedStreamsDeliverDuplicates() throws Exception {
        MemoryLinkSocket[] pair = streamPair(1000);
        MemoryNetwork.impair(pair[1].local(), pair[0].local(), packet -> Impairment.Verdict.DUPLICATE);
        sendSingles(pair[1], 5);
        assertEquals(List.of(5, 5), firstBytes(pair[0]));
    }

    @Test
    void transportCountsAndClosesItsSockets() throws Exception {
        MemoryLinkTransport t = new MemoryLinkTransport();
        MemoryLinkSocket s1 = t.open(LinkSpec.builder(LinkProtocol.UDP).local(host("count"), 1).build());
        t.open(LinkSpec.builder(LinkProtocol.UDP).local(host("count"), 1).build());
        assertEquals(2, t.openCount());
        s1.close();
        s1.close();
        assertEquals(1, t.closeCount());
        t.closeAll();
        assertEquals(2, t.closeCount());
        assertEquals(0, t.openSocketCount());
        assertFalse(MemoryNetwork.bindings().contains("udp " + s1.local()), "closed sockets are unbound");
    }
}
