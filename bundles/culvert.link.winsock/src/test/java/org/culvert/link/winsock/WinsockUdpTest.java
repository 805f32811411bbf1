package org.culvert.link.winsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.Win32EventWaitable;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.win32.winsock.Ws2Api;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The UDP side of the Winsock transport on the fake Winsock: what the contract does not cover. */
class WinsockUdpTest {
    private static final int HEADROOM = 40;
    private static final int MAX = 1650;
    private static final long TIMEOUT_MILLIS = 5_000;

    private final FakeWinsock winsock = new FakeWinsock();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAllAndCheck() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        winsock.assertClean();
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private WinsockUdpSocket open(LinkSpec.Builder spec) throws LinkException {
        return (WinsockUdpSocket) track(winsock.transport.open(spec.build()));
    }

    /** Two IPv4 loopback sockets that are each other's remote. */
    private WinsockUdpSocket[] pair() throws Exception {
        WinsockUdpSocket a = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1"));
        WinsockUdpSocket b = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1").remote("127.0.0.1", Pairs.port(a)));
        a.remote(b.local());
        return new WinsockUdpSocket[] { a, b };
    }

    private Readiness readiness(LinkSocket s, int interest) throws IOException {
        return track(new Readiness(winsock.backend, s, interest));
    }

    @Test
    void transportDescribesItselfAndHonoursItsBatchSize() throws Exception {
        assertEquals(java.util.Set.of(LinkProtocol.UDP, LinkProtocol.TCP_CLIENT, LinkProtocol.TCP_SERVER), winsock.transport.protocols());
        assertTrue(winsock.transport.availability().isAvailable(), winsock.transport.availability().toString());
        FakeWinsock small = new FakeWinsock(4);
        try (LinkSocket a = small.transport.open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1").build());
                LinkSocket b = small.transport.open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1").remote("127.0.0.1", Pairs.port(a)).build())) {
            assertEquals(4, b.batchSize());
            Win32EventWaitable w = assertInstanceOf(Win32EventWaitable.class, b.waitable());
            assertEquals(w.readEvent(), w.writeEvent(), "one WSAEventSelect event for both directions");
            PacketBatch out = batch(10);
            for (int i = 0; i < 10; i++) {
                fill(out, i, payload(i, 20));
            }
            out.count(10);
            assertEquals(10, b.send(out, 0));
            PacketBatch in = batch(10);
            assertEquals(4, a.receive(in), "at most batchSize per call");
        }
        small.assertClean();
    }

    @Test
    void nothingPendingIsZeroAndAStaleFdReadDoesNotWakeTheLoop() throws Exception {
        WinsockUdpSocket[] p = pair();
        Readiness r = readiness(p[0], EventSet.READ);
        PacketBatch in = batch(8);
        assertEquals(0, p[0].receive(in), "WSAEWOULDBLOCK is an empty receive");
        assertEquals(0, r.await(EventSet.READ, 0));

        // Three datagrams: the recvfrom that takes the second re-records FD_READ while one is left,
        // so after draining, Winsock's record is stale. The receive must see through it.
        PacketBatch out = batch(3);
        for (int i = 0; i < 3; i++) {
            fill(out, i, payload(i, 100));
        }
        out.count(3);
        assertEquals(3, p[1].send(out, 0));
        assertEquals(EventSet.READ, r.await(EventSet.READ, TIMEOUT_MILLIS));
        assertEquals(3, p[0].receive(in));
        assertFalse(p[0].nativeSocket().readable);
        int waits = winsock.k32.waitCalls();
        assertEquals(0, r.await(EventSet.READ, 0), "a drained socket must not be reported readable again");
        assertTrue(winsock.k32.waitCalls() > waits);

        assertEquals(1, p[1].send(out, 2));
        assertEquals(EventSet.READ, r.await(EventSet.READ, TIMEOUT_MILLIS), "a new datagram is reported");
        assertEquals(1, p[0].receive(in));
        assertArrayEquals(payload(2, 100), bytes(in, 0));
    }

    @Test
    void moreDatagramsThanTheBatchHoldsAreAllReportedLevelTriggered() throws Exception {
        WinsockUdpSocket[] p = pair();
        int total = 50;
        PacketBatch out = batch(total);
        for (int i = 0; i < total; i++) {
            fill(out, i, payload(i, 30 + i));
        }
        out.count(total);
        assertEquals(total, p[1].send(out, 0));
        Readiness r = readiness(p[0], EventSet.READ);
        PacketBatch in = batch(8);
        int got = 0;
        while (got < total) {
            assertEquals(EventSet.READ, r.await(EventSet.READ, TIMEOUT_MILLIS), "stalled after " + got);
            int n = p[0].receive(in);
            for (int i = 0; i < n; i++) {
                assertArrayEquals(payload(got + i, 30 + got + i), bytes(in, i));
            }
            got += n;
        }
        assertEquals(0, p[0].receive(in));
    }

    @Test
    void aSendThatWouldBlockWaitsForFdWriteWhichComesOnlyWhenRoomIsBack() throws Exception {
        WinsockUdpSocket[] p = pair();
        Readiness w = readiness(p[1], EventSet.WRITE);
        assertEquals(EventSet.WRITE, w.await(EventSet.WRITE, 0), "a bound UDP socket is writable");
        PacketBatch out = batch(4);
        for (int i = 0; i < 4; i++) {
            fill(out, i, payload(i, 64));
        }
        out.count(4);
        winsock.ws2.blockDatagramSends(true);
        assertEquals(0, p[1].send(out, 0), "WSAEWOULDBLOCK: nothing consumed");
        assertFalse(p[1].nativeSocket().writable);
        assertEquals(0, w.await(EventSet.WRITE, 50), "not writable until Winsock records FD_WRITE");
        winsock.ws2.blockDatagramSends(false);
        assertEquals(EventSet.WRITE, w.await(EventSet.WRITE, TIMEOUT_MILLIS), "FD_WRITE after the refused send");
        assertEquals(4, p[1].send(out, 0));
        assertEquals(4, receive(p[0], 4).size());
    }

    @Test
    void aPortUnreachableReportIsNeverFatal() throws Exception {
        // SIO_UDP_CONNRESET honoured: Winsock never reports it.
        WinsockUdpSocket lonely = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1").remote("127.0.0.1", 9));
        PacketBatch out = batch(1);
        fill(out, 0, payload(1, 10));
        out.count(1);
        assertEquals(1, lonely.send(out, 0));
        assertEquals(0, lonely.receive(batch(4)));
        assertEquals(0, lonely.icmpReports());

        // A Winsock that ignores the ioctl reports WSAECONNRESET on the next recvfrom: skipped, counted.
        winsock.ws2.ignoreUdpConnResetIoctl(true);
        WinsockUdpSocket[] p = pair();
        WinsockUdpSocket sender = p[1];
        sender.remote(new InetSocketAddress("127.0.0.1", 9));
        assertEquals(1, sender.send(out, 0));
        Readiness r = readiness(sender, EventSet.READ);
        assertEquals(EventSet.READ, r.await(EventSet.READ, TIMEOUT_MILLIS), "the report makes the socket readable");
        assertEquals(0, sender.receive(batch(4)), "the report is a drop, not an error");
        assertEquals(1, sender.icmpReports());
        assertEquals(0, r.await(EventSet.READ, 0));

        // The link goes on: the real peer's packets still arrive.
        sender.remote(p[0].local());
        PacketBatch back = batch(1);
        fill(back, 0, payload(7, 77));
        back.count(1);
        assertEquals(1, p[0].send(back, 0));
        assertArrayEquals(payload(7, 77), receive(sender, 1).get(0));
    }

    @Test
    void aSourceOtherThanTheRemoteIsReportedAndDecodedOnce() throws Exception {
        WinsockUdpSocket[] p = pair();
        WinsockUdpSocket stranger = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.2").remote("127.0.0.1", Pairs.port(p[0])));
        PacketBatch out = batch(2);
        fill(out, 0, payload(1, 10));
        fill(out, 1, payload(2, 10));
        out.count(2);
        assertEquals(2, stranger.send(out, 0));
        PacketBatch in = receiveBatch(p[0], 2);
        assertEquals(stranger.local(), in.source(0));
        assertSame(in.source(0), in.source(1), "a stranger's address is decoded once");
        assertEquals(1, p[1].send(out, 1));
        assertNull(receiveBatch(p[0], 1).source(0), "the remote's packets carry no source");
    }

    @Test
    void anIpv4PeerReachesADualStackSocketAndIsSeenAsIpv4() throws Exception {
        WinsockUdpSocket dual = open(LinkSpec.builder(LinkProtocol.UDP).local(null, 0));
        assertEquals(Ws2Api.AF_INET6, dual.family());
        WinsockUdpSocket v4 = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1").remote("127.0.0.1", Pairs.port(dual)));
        PacketBatch out = batch(1);
        fill(out, 0, payload(3, 33));
        out.count(1);
        assertEquals(1, v4.send(out, 0));
        PacketBatch in = receiveBatch(dual, 1);
        InetSocketAddress source = (InetSocketAddress) in.source(0);
        assertInstanceOf(Inet4Address.class, source.getAddress(), source.toString());
        assertEquals(v4.local(), source);
        dual.remote(source);
        assertEquals(1, dual.send(out, 0), "an IPv4 remote on a dual-stack socket is sent v4-mapped");
        assertNull(receiveBatch(v4, 1).source(0));
    }

    @Test
    void withoutIpv6TheAnyFamilyFallsBackToIpv4() throws Exception {
        winsock.ws2.ipv6(false);
        WinsockUdpSocket s = open(LinkSpec.builder(LinkProtocol.UDP).local(null, 0));
        assertEquals(Ws2Api.AF_INET, s.family());
        LinkException e = assertThrows(LinkException.class, () -> open(Pairs.udp(AddressFamily.IPV6, "::1")));
        assertEquals(Reason.UNSUPPORTED, e.reason(), e.getMessage());
    }

    @Test
    void nobindLeavesTheLocalPortToWinsockUntilTheFirstSend() throws Exception {
        WinsockUdpSocket a = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1"));
        WinsockUdpSocket b = open(LinkSpec.builder(LinkProtocol.UDP).family(AddressFamily.IPV4).bind(false).remote("127.0.0.1", Pairs.port(a)));
        assertNull(b.local());
        assertEquals(0, b.receive(batch(2)), "an unbound socket has nothing to receive (recvfrom would be WSAEINVAL)");
        PacketBatch out = batch(1);
        fill(out, 0, payload(1, 5));
        out.count(1);
        assertEquals(1, b.send(out, 0));
        assertNotNull(b.local(), "sendto bound it");
        InetSocketAddress source = (InetSocketAddress) receiveBatch(a, 1).source(0);
        assertEquals(((InetSocketAddress) b.local()).getPort(), source.getPort());
        a.remote(source);
        fill(out, 0, payload(2, 6));
        assertEquals(1, a.send(out, 0));
        assertArrayEquals(payload(2, 6), receive(b, 1).get(0));
    }

    @Test
    void aDatagramLongerThanMaxPacketSizeIsDroppedAndLaterOnesMoveUp() throws Exception {
        WinsockUdpSocket a = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1").maxPacketSize(100));
        WinsockUdpSocket b = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1").remote("127.0.0.1", Pairs.port(a)));
        PacketBatch out = batch(3);
        fill(out, 0, payload(1, 100));
        fill(out, 1, payload(2, 101));
        fill(out, 2, payload(3, 1));
        out.count(3);
        assertEquals(3, b.send(out, 0));
        List<byte[]> got = receive(a, 2);
        assertArrayEquals(payload(1, 100), got.get(0));
        assertArrayEquals(payload(3, 1), got.get(1));
        assertEquals(1, a.truncatedDatagrams());
    }

    @Test
    void withoutARemoteSendsAreDroppedNotFatal() throws Exception {
        WinsockUdpSocket a = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1"));
        PacketBatch out = batch(3);
        for (int i = 0; i < 3; i++) {
            fill(out, i, payload(i, 10));
        }
        out.count(3);
        assertEquals(2, a.send(out, 1));
        assertEquals(2, a.rejectedDatagrams());
    }

    @Test
    void aTakenPortIsAddressInUseAndTheSocketIsExclusive() throws Exception {
        WinsockUdpSocket a = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1"));
        int port = Pairs.port(a);
        LinkException e = assertThrows(LinkException.class, () -> open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1").local("127.0.0.1", port)));
        assertEquals(Reason.ADDRESS_IN_USE, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("WSAEADDRINUSE"), e.getMessage());

        WinsockUdpSocket fixed = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1").local("127.0.0.1", port + 1));
        int[] exclusive = new int[1];
        assertEquals(0, winsock.ws2.getSockOptInt(fixed.nativeSocket().handle, Ws2Api.SOL_SOCKET, Ws2Api.SO_EXCLUSIVEADDRUSE, exclusive));
        assertEquals(1, exclusive[0], "a fixed --lport is bound exclusively");
    }

    @Test
    void badSpecsFailWithTypedReasonsAndLeaveNothingOpen() {
        assertReason(Reason.UNSUPPORTED, Pairs.udp(AddressFamily.IPV4, "127.0.0.1").maxPacketSize(65536).build());
        assertReason(Reason.UNSUPPORTED, Pairs.udp(AddressFamily.IPV4, "127.0.0.1").local("127.0.0.1", 65536).build());
        assertReason(Reason.UNSUPPORTED, Pairs.udp(AddressFamily.IPV4, "127.0.0.1").remote("127.0.0.1", 0).build());
        assertReason(Reason.RESOLVE_FAILED, Pairs.udp(AddressFamily.IPV4, "127.0.0.1").remote("no-such-host.invalid", 1194).build());
        assertReason(Reason.RESOLVE_FAILED, Pairs.udp(AddressFamily.IPV4, "::1").build());
        assertReason(Reason.IO_ERROR, Pairs.udp(AddressFamily.IPV4, "192.0.2.1").build());
    }

    private void assertReason(Reason reason, LinkSpec spec) {
        LinkException e = assertThrows(LinkException.class, () -> winsock.transport.open(spec), spec.toString());
        assertEquals(reason, e.reason(), e.getMessage());
    }

    @Test
    void aFailingWsaStartupFailsOpenAndLeavesNothingBehind() {
        assertTrue(winsock.transport.availability().isAvailable(), "probed while Winsock still started");
        winsock.ws2.failStartup(Ws2Api.WSASYSNOTREADY);
        LinkException e = assertThrows(LinkException.class, () -> winsock.transport.open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1").build()));
        assertEquals(Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains("WSASYSNOTREADY"), e.getMessage());
        winsock.ws2.failStartup(0);
    }

    @Test
    void anIpv6RemoteOnAnIpv4SocketIsRefused() throws Exception {
        WinsockUdpSocket a = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> a.remote(new InetSocketAddress(InetAddress.getByName("::1"), 1194)));
        assertThrows(IllegalArgumentException.class, () -> a.remote(InetSocketAddress.createUnresolved("example.org", 1194)));
    }

    @Test
    void closeIsIdempotentAndLaterCallsFailClosed() throws Exception {
        WinsockUdpSocket a = open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1"));
        InetSocketAddress local = (InetSocketAddress) a.local();
        a.close();
        a.close();
        PacketBatch b = batch(1);
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> a.receive(b)).reason());
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> a.send(b, 0)).reason());
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> a.establish(0)).reason());
        a.prepareWait(EventSet.READ);
        assertEquals(local, a.local());
        assertEquals(0, winsock.ws2.openSockets());
    }

    @Test
    void aCloseRacingReceivesNeverLetsACallReachTheReleasedSocket() throws Exception {
        for (int round = 0; round < 50; round++) {
            WinsockUdpSocket[] p = pair();
            PacketBatch in = batch(4);
            CountDownLatch running = new CountDownLatch(1);
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                running.countDown();
                try {
                    while (true) {
                        p[0].receive(in);
                        p[0].prepareWait(EventSet.READ);
                    }
                } catch (Throwable t) {
                    outcome.set(t);
                }
            }, "winsock-test-reader");
            reader.start();
            assertTrue(running.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
            p[0].close();
            reader.join(TIMEOUT_MILLIS);
            assertFalse(reader.isAlive());
            LinkException e = assertInstanceOf(LinkException.class, outcome.get());
            assertEquals(Reason.CLOSED, e.reason());
            p[1].close();
        }
        // assertClean (after each test) checks that no call reached a closed socket or event.
    }

    // ---- helpers ----

    private static PacketBatch batch(int capacity) {
        return PacketBatch.allocate(capacity, HEADROOM, HEADROOM + MAX + 16);
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

    static byte[] bytes(PacketBatch batch, int i) {
        ByteBuffer slot = batch.slot(i);
        byte[] data = new byte[slot.remaining()];
        slot.get(slot.position(), data);
        return data;
    }

    /** Receives exactly {@code expected} packets in one batch, waiting through the backend. */
    private PacketBatch receiveBatch(LinkSocket socket, int expected) throws IOException {
        PacketBatch in = batch(expected);
        try (Readiness r = new Readiness(winsock.backend, socket, EventSet.READ)) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
            while (socket.receive(in) == 0) {
                assertTrue(System.nanoTime() < deadline, "nothing arrived");
                r.await(EventSet.READ, 250);
            }
        }
        assertEquals(expected, in.count());
        return in;
    }

    private List<byte[]> receive(LinkSocket socket, int expected) throws IOException {
        List<byte[]> got = new ArrayList<>();
        PacketBatch in = batch(Math.max(expected, 2));
        try (Readiness r = new Readiness(winsock.backend, socket, EventSet.READ)) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
            while (got.size() < expected) {
                int n = socket.receive(in);
                for (int i = 0; i < n; i++) {
                    assertEquals(HEADROOM, in.slot(i).position());
                    got.add(bytes(in, i));
                }
                if (n == 0) {
                    assertTrue(System.nanoTime() < deadline, "only " + got.size() + " of " + expected + " arrived");
                    r.await(EventSet.READ, 250);
                }
            }
        }
        return got;
    }
}
