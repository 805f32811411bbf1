package org.culvert.link.udp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.FdWaitable;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.linux.Net;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The UDP transport on real loopback sockets (127.0.0.1 and ::1 only). */
class UdpLinkSocketTest {
    private static final int HEADROOM = 48;
    private static final int MAX = 1650;
    private static final byte POISON = (byte) 0xA5;
    private static final long TIMEOUT_MILLIS = 5_000;

    private final UdpLinkTransport transport = new UdpLinkTransport();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : resources) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private UdpLinkSocket open(LinkSpec spec) throws LinkException {
        return (UdpLinkSocket) track(transport.open(spec));
    }

    private UdpLinkSocket[] pair(AddressFamily family, String host) throws Exception {
        LinkSocket[] p = UdpPairs.open(transport, family, host);
        track(p[0]);
        track(p[1]);
        return new UdpLinkSocket[] { (UdpLinkSocket) p[0], (UdpLinkSocket) p[1] };
    }

    @Test
    void transportDescribesItselfAndHonoursItsBatchSize() throws Exception {
        assertEquals(Set.of(LinkProtocol.UDP), transport.protocols());
        assertTrue(transport.availability().isAvailable(), transport.availability().toString());
        assertEquals(UdpLinkTransport.DEFAULT_BATCH_SIZE, open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").build()).batchSize());

        UdpLinkTransport configured = UdpPairs.transport(8, false);
        LinkSocket small = track(configured.open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").build()));
        assertEquals(8, small.batchSize());
        assertEquals("none", small.offloads(), "gso_gro=false leaves the offloads off");
    }

    @Test
    void batchOf32CrossesBothWaysWithHeadroomUntouched() throws Exception {
        UdpLinkSocket[] p = pair(AddressFamily.IPV4, "127.0.0.1");
        assertTrue(p[0].establish(0));
        assertTrue(p[1].establish(0));
        roundOf32(p[0], p[1], 0);
        roundOf32(p[1], p[0], 1000);
    }

    private void roundOf32(UdpLinkSocket from, UdpLinkSocket to, int seed) throws Exception {
        PacketBatch out = PacketBatch.allocate(32, HEADROOM, HEADROOM + MAX);
        for (int i = 0; i < 32; i++) {
            fill(out, i, payload(seed + i, 1 + (i * 53) % MAX));
        }
        out.count(32);
        assertEquals(32, from.send(out, 0), "32 datagrams fit a loopback socket at once");

        List<byte[]> got = receive(to, 32, PacketBatch.allocate(32, HEADROOM, HEADROOM + MAX));
        for (int i = 0; i < 32; i++) {
            assertArrayEquals(payload(seed + i, 1 + (i * 53) % MAX), got.get(i), "datagram " + i);
        }
    }

    @Test
    void aSourceOtherThanTheRemoteIsReportedAndDecodedOnce() throws Exception {
        UdpLinkSocket[] p = pair(AddressFamily.IPV4, "127.0.0.1");
        UdpLinkSocket stranger = open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").remote("127.0.0.1", port(p[0])).build());

        PacketBatch one = PacketBatch.allocate(1, HEADROOM, HEADROOM + MAX);
        fill(one, 0, payload(1, 10));
        one.count(1);
        assertEquals(1, stranger.send(one, 0));
        assertEquals(1, stranger.send(one, 0));
        assertEquals(1, p[1].send(one, 0));

        PacketBatch in = PacketBatch.allocate(4, HEADROOM, HEADROOM + MAX);
        List<Object> sources = new ArrayList<>();
        long deadline = deadline();
        try (Readiness r = new Readiness(p[0], EventSet.READ)) {
            while (sources.size() < 3) {
                int n = p[0].receive(in);
                for (int i = 0; i < n; i++) {
                    sources.add(in.source(i) == null ? "remote" : in.source(i));
                }
                if (n == 0) {
                    assertTrue(System.nanoTime() < deadline, "datagrams missing: " + sources);
                    r.await(EventSet.READ, 250);
                }
            }
        }
        assertEquals(stranger.local(), sources.get(0), "the stranger's address");
        assertSame(sources.get(0), sources.get(1), "a repeated stranger is not decoded again");
        assertEquals("remote", sources.get(2), "a packet from the remote carries no source");
    }

    @Test
    void anIpv4PeerReachesADualStackSocketAndIsSeenAsIpv4() throws Exception {
        UdpLinkSocket dual = open(LinkSpec.builder(LinkProtocol.UDP).family(AddressFamily.ANY).local(null, 0).build());
        assertEquals(Net.AF_INET6, dual.family(), "without --local, family ANY is a dual-stack IPv6 socket");
        UdpLinkSocket v4 = open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").remote("127.0.0.1", port(dual)).build());

        PacketBatch one = PacketBatch.allocate(1, HEADROOM, HEADROOM + MAX);
        fill(one, 0, payload(7, 100));
        one.count(1);
        assertEquals(1, v4.send(one, 0));

        PacketBatch in = PacketBatch.allocate(2, HEADROOM, HEADROOM + MAX);
        receiveInto(dual, in, 1);
        InetSocketAddress source = (InetSocketAddress) in.source(0);
        assertInstanceOf(Inet4Address.class, source.getAddress(), "v4-mapped source must come back as IPv4: " + source);
        assertEquals(v4.local(), source);

        // Learning the IPv4 peer as remote: replies reach it and its packets carry no source any more.
        dual.remote(source);
        assertEquals(1, dual.send(one, 0));
        receiveInto(v4, in, 1);
        assertNull(in.source(0));
        assertEquals(1, v4.send(one, 0));
        receiveInto(dual, in, 1);
        assertNull(in.source(0), "the mapped source equals the IPv4 remote");
    }

    @Test
    void ipv6PeersWork() throws Exception {
        UdpLinkSocket[] p = pair(AddressFamily.IPV6, "::1");
        assertEquals(Net.AF_INET6, p[0].family());
        roundOf32(p[0], p[1], 5);
    }

    @Test
    void nobindLeavesTheLocalPortToTheKernelUntilTheFirstSend() throws Exception {
        UdpLinkSocket server = open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").build());
        UdpLinkSocket client = open(LinkSpec.builder(LinkProtocol.UDP).family(AddressFamily.IPV4).local(null, 1194).bind(false)
                .remote("127.0.0.1", port(server)).build());
        assertNull(client.local(), "unbound before sending");

        PacketBatch one = PacketBatch.allocate(1, HEADROOM, HEADROOM + MAX);
        fill(one, 0, payload(3, 30));
        one.count(1);
        assertEquals(1, client.send(one, 0));
        InetSocketAddress local = (InetSocketAddress) client.local();
        assertNotNull(local, "the kernel bound the socket on send");
        assertNotEquals(1194, local.getPort(), "--lport is ignored under --nobind");

        PacketBatch in = PacketBatch.allocate(1, HEADROOM, HEADROOM + MAX);
        receiveInto(server, in, 1);
        assertEquals(local.getPort(), ((InetSocketAddress) in.source(0)).getPort());
    }

    @Test
    void sndbufAndRcvbufAreApplied() throws Exception {
        UdpLinkSocket plain = open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").build());
        UdpLinkSocket tuned = open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").sendBuffer(48 * 1024).receiveBuffer(80 * 1024).build());
        // Linux doubles the value to account for its bookkeeping.
        assertEquals(2 * 48 * 1024, tuned.sendBufferSize());
        assertEquals(2 * 80 * 1024, tuned.receiveBufferSize());
        assertNotEquals(tuned.receiveBufferSize(), plain.receiveBufferSize());
    }

    @Test
    void aDatagramLongerThanMaxPacketSizeIsDroppedAndLaterOnesMoveUp() throws Exception {
        UdpLinkSocket server = open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").maxPacketSize(100).build());
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port(server));
            peer.send(new DatagramPacket(payload(1, 101), 101, to));
            peer.send(new DatagramPacket(payload(2, 100), 100, to));
            peer.send(new DatagramPacket(payload(3, 1), 1, to));
            List<byte[]> got = receive(server, 2, PacketBatch.allocate(4, HEADROOM, HEADROOM + MAX));
            assertArrayEquals(payload(2, 100), got.get(0));
            assertArrayEquals(payload(3, 1), got.get(1));
            assertEquals(1, server.truncatedDatagrams());
        }
    }

    @Test
    void aDatagramTheKernelRejectsIsConsumedAndTheRestStillGoes() throws Exception {
        UdpLinkSocket[] p = pair(AddressFamily.IPV4, "127.0.0.1");
        int huge = 70_000; // more than any IPv4 UDP payload: EMSGSIZE
        PacketBatch out = PacketBatch.allocate(3, HEADROOM, HEADROOM + huge);
        fill(out, 0, payload(1, 10));
        fill(out, 1, payload(2, huge));
        fill(out, 2, payload(3, 20));
        out.count(3);
        assertEquals(3, p[0].send(out, 0));
        assertEquals(1, p[0].rejectedDatagrams());
        List<byte[]> got = receive(p[1], 2, PacketBatch.allocate(4, HEADROOM, HEADROOM + MAX));
        assertArrayEquals(payload(1, 10), got.get(0));
        assertArrayEquals(payload(3, 20), got.get(1));
    }

    @Test
    void withoutARemoteSendsAreDroppedNotFatal() throws Exception {
        UdpLinkSocket lonely = open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").build());
        assertNull(lonely.remote());
        PacketBatch out = PacketBatch.allocate(2, HEADROOM, HEADROOM + MAX);
        fill(out, 0, payload(1, 5));
        fill(out, 1, payload(2, 5));
        out.count(2);
        assertEquals(1, lonely.send(out, 1));
        assertEquals(1, lonely.rejectedDatagrams());
        assertThrows(IndexOutOfBoundsException.class, () -> lonely.send(out, 3));
    }

    @Test
    void aTakenPortIsAddressInUse() throws Exception {
        UdpLinkSocket first = open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").build());
        LinkException e = assertThrows(LinkException.class,
                () -> open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").local("127.0.0.1", port(first)).build()));
        assertEquals(Reason.ADDRESS_IN_USE, e.reason(), e.getMessage());
    }

    @Test
    void badSpecsFailWithTypedReasons() {
        assertReason(Reason.RESOLVE_FAILED, UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").remote("no-such-host.invalid", 1194).build());
        assertReason(Reason.RESOLVE_FAILED, UdpPairs.spec(AddressFamily.IPV6, "::1").remote("127.0.0.1", 1194).build());
        assertReason(Reason.RESOLVE_FAILED, LinkSpec.builder(LinkProtocol.UDP).family(AddressFamily.IPV4).local("::1", 0).build());
        assertReason(Reason.UNSUPPORTED, LinkSpec.builder(LinkProtocol.TCP_CLIENT).remote("127.0.0.1", 1194).build());
        assertReason(Reason.UNSUPPORTED, UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").local("127.0.0.1", 70000).build());
        assertReason(Reason.UNSUPPORTED, UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").remote("127.0.0.1", 0).build());
        assertReason(Reason.UNSUPPORTED, UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").maxPacketSize(0).build());
    }

    private void assertReason(Reason reason, LinkSpec spec) {
        LinkException e = assertThrows(LinkException.class, () -> open(spec), spec.toString());
        assertEquals(reason, e.reason(), e.getMessage());
    }

    @Test
    void anIpv6RemoteOnAnIpv4SocketIsRefused() throws Exception {
        UdpLinkSocket v4 = open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").build());
        assertThrows(IllegalArgumentException.class, () -> v4.remote(new InetSocketAddress(InetAddress.getByName("::1"), 1194)));
        assertThrows(IllegalArgumentException.class, () -> v4.remote(InetSocketAddress.createUnresolved("example.org", 1194)));
        v4.remote(null);
        assertNull(v4.remote());
    }

    @Test
    void closeIsIdempotentAndLaterCallsFailClosed() throws Exception {
        UdpLinkSocket[] p = pair(AddressFamily.IPV4, "127.0.0.1");
        p[0].close();
        p[0].close();
        PacketBatch batch = PacketBatch.allocate(1, HEADROOM, HEADROOM + MAX);
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> p[0].receive(batch)).reason());
        fill(batch, 0, payload(1, 1));
        batch.count(1);
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> p[0].send(batch, 0)).reason());
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> p[0].establish(0)).reason());
        assertEquals(-1, p[0].sendBufferSize());
    }

    @Test
    void aReceiveRacingCloseNeverReadsFromTheSocketThatReusesItsDescriptor() throws Exception {
        int reused = 0;
        for (int attempt = 0; attempt < 20; attempt++) {
            UdpLinkSocket[] p = pair(AddressFamily.IPV4, "127.0.0.1");
            UdpLinkSocket victim = p[0];
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            AtomicInteger packets = new AtomicInteger();
            CountDownLatch spinning = new CountDownLatch(1);
            Thread loop = new Thread(() -> {
                PacketBatch in = PacketBatch.allocate(4, HEADROOM, HEADROOM + MAX);
                try {
                    while (true) {
                        packets.addAndGet(victim.receive(in));
                        spinning.countDown();
                    }
                } catch (Throwable t) {
                    outcome.set(t);
                }
            }, "udp-test-receiver");
            loop.start();
            assertTrue(spinning.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
            victim.close();
            // Very likely gets the victim's descriptor number; packets to it must never reach the victim.
            UdpLinkSocket successor = open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").build());
            if (fd(successor) == fd(victim)) {
                reused++;
            }
            PacketBatch out = PacketBatch.allocate(1, HEADROOM, HEADROOM + MAX);
            fill(out, 0, payload(attempt, 40));
            out.count(1);
            p[1].remote(successor.local());
            assertEquals(1, p[1].send(out, 0));
            loop.join(TIMEOUT_MILLIS);
            assertFalse(loop.isAlive(), "receive kept running after close()");
            Throwable t = outcome.get();
            assertInstanceOf(LinkException.class, t);
            assertEquals(Reason.CLOSED, ((LinkException) t).reason(), t.toString());
            assertEquals(0, packets.get(), "the victim received a packet");
            receive(successor, 1, PacketBatch.allocate(1, HEADROOM, HEADROOM + MAX));
        }
        assertTrue(reused > 0, "the kernel never reused a descriptor number: the test proved nothing");
    }

    private static int fd(LinkSocket s) {
        return ((FdWaitable) s.waitable()).fd();
    }

    @Test
    void steadyStateReceiveAndSendAllocateNothing() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        UdpLinkSocket[] p = pair(AddressFamily.IPV4, "127.0.0.1");
        PacketBatch out = PacketBatch.allocate(16, HEADROOM, HEADROOM + MAX);
        PacketBatch in = PacketBatch.allocate(16, HEADROOM, HEADROOM + MAX);
        for (int i = 0; i < 16; i++) {
            fill(out, i, payload(i, 200));
        }
        out.count(16);
        try (Readiness r = new Readiness(p[1], EventSet.READ)) {
            exchange(p[0], p[1], out, in, r, 500); // warm-up: JIT, address caches
            long tid = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(tid);
            exchange(p[0], p[1], out, in, r, 2_000);
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            // 32,000 packets moved: anything per packet or per call would show as far more than this.
            assertTrue(allocated < 16 * 1024, "steady state allocated " + allocated + " bytes");
        }
    }

    /** {@code rounds} times: send 16 datagrams, receive all 16. */
    private static void exchange(UdpLinkSocket from, UdpLinkSocket to, PacketBatch out, PacketBatch in, Readiness r, int rounds) throws IOException {
        for (int round = 0; round < rounds; round++) {
            int sent = 0;
            while (sent < 16) {
                sent += from.send(out, sent);
            }
            int got = 0;
            while (got < 16) {
                int n = to.receive(in);
                got += n;
                if (n == 0 && r.await(EventSet.READ, TIMEOUT_MILLIS) == 0) {
                    fail("datagrams lost on loopback");
                }
            }
        }
    }

    // ---- helpers ----

    private static int port(LinkSocket s) {
        return ((InetSocketAddress) s.local()).getPort();
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
    }

    static byte[] payload(int seed, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 131 + i * 7 + (i >>> 8));
        }
        return b;
    }

    static void fill(PacketBatch batch, int i, byte[] data) {
        ByteBuffer slot = batch.prepareSlot(i);
        slot.put(data);
        slot.limit(slot.position()).position(batch.headroom());
    }

    /** Receives exactly {@code expected} packets into a poisoned batch, checking the framing and the headroom. */
    private static List<byte[]> receive(LinkSocket socket, int expected, PacketBatch batch) throws IOException {
        List<byte[]> got = new ArrayList<>();
        long deadline = deadline();
        try (Readiness r = new Readiness(socket, EventSet.READ)) {
            while (got.size() < expected) {
                batch.clear();
                for (int i = 0; i < batch.capacity() * batch.slotSize(); i++) {
                    batch.backing().put(i, POISON);
                }
                int n = socket.receive(batch);
                assertEquals(n, batch.count());
                for (int i = 0; i < n; i++) {
                    ByteBuffer slot = batch.slot(i);
                    assertEquals(batch.headroom(), slot.position(), "packet starts at the headroom");
                    for (int j = 0; j < batch.headroom(); j++) {
                        assertEquals(POISON, slot.get(j), "headroom byte " + j + " written");
                    }
                    byte[] data = new byte[slot.remaining()];
                    slot.get(slot.position(), data);
                    got.add(data);
                }
                if (n == 0) {
                    assertTrue(System.nanoTime() < deadline, "only " + got.size() + " of " + expected + " arrived");
                    r.await(EventSet.READ, 250);
                }
            }
        }
        assertEquals(expected, got.size());
        return got;
    }

    /** Receives into {@code batch} until it holds {@code expected} packets from one call. */
    private static void receiveInto(LinkSocket socket, PacketBatch batch, int expected) throws IOException {
        long deadline = deadline();
        try (Readiness r = new Readiness(socket, EventSet.READ)) {
            while (true) {
                int n = socket.receive(batch);
                if (n > 0) {
                    assertEquals(expected, n);
                    return;
                }
                assertTrue(System.nanoTime() < deadline, "nothing arrived");
                r.await(EventSet.READ, 250);
            }
        }
    }
}
