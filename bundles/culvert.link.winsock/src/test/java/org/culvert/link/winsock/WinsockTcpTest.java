package org.culvert.link.winsock;

import static org.culvert.link.winsock.WinsockUdpTest.bytes;
import static org.culvert.link.winsock.WinsockUdpTest.fill;
import static org.culvert.link.winsock.WinsockUdpTest.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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

/** The TCP side of the Winsock transport on the fake Winsock: what the contract does not cover. */
class WinsockTcpTest {
    private static final int HEADROOM = 40;
    private static final int MAX = 1650;
    private static final long TIMEOUT_MILLIS = 5_000;
    /** A port nothing in the fake uses (ephemeral ports start at 49152). */
    private static final int FREE_PORT = 40_000;

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

    private WinsockTcpServer server(LinkSpec.Builder spec) throws LinkException {
        return (WinsockTcpServer) track(winsock.transport.open(spec.build()));
    }

    private WinsockTcpClient client(LinkSpec.Builder spec) throws LinkException {
        return (WinsockTcpClient) track(winsock.transport.open(spec.build()));
    }

    private Readiness readiness(LinkSocket s, int interest) throws IOException {
        return track(new Readiness(winsock.backend, s, interest));
    }

    /** An established server/client pair on IPv4 loopback. */
    private WinsockTcpSocket[] pair(LinkSpec.Builder serverSpec, int maxPacketSize, int receiveBuffer) throws Exception {
        WinsockTcpServer server = server(serverSpec.maxPacketSize(maxPacketSize).receiveBuffer(receiveBuffer));
        WinsockTcpClient client = client(Pairs.client(AddressFamily.IPV4, "127.0.0.1", Pairs.port(server))
                .maxPacketSize(maxPacketSize).receiveBuffer(receiveBuffer));
        establish(server, client);
        return new WinsockTcpSocket[] { server, client };
    }

    private WinsockTcpSocket[] pair(int maxPacketSize) throws Exception {
        return pair(Pairs.server(AddressFamily.IPV4, "127.0.0.1"), maxPacketSize, 0);
    }

    /** Our tcp-server with a raw peer connected to it. */
    private WinsockTcpServer serverWithRawPeer(int maxPacketSize, RawPeer[] peerOut) throws Exception {
        WinsockTcpServer server = server(Pairs.server(AddressFamily.IPV4, "127.0.0.1").maxPacketSize(maxPacketSize));
        peerOut[0] = track(new RawPeer(winsock.ws2, null, (InetSocketAddress) server.local()));
        assertTrue(server.establish(TIMEOUT_MILLIS));
        return server;
    }

    @Test
    void aPacketOfExactlyMaxPacketSizeCrossesAndLargerOrEmptyOnesAreNotSent() throws Exception {
        WinsockTcpSocket[] p = pair(1000);
        PacketBatch out = batch(4);
        fill(out, 0, payload(1, 1000));
        fill(out, 1, payload(2, 1001));
        fill(out, 2, new byte[0]);
        fill(out, 3, payload(4, 1));
        out.count(4);
        assertEquals(4, p[1].send(out, 0));
        assertEquals(2, p[1].droppedPackets(), "a frame the peer would reject is never sent");
        List<byte[]> got = receive(p[0], 2);
        assertArrayEquals(payload(1, 1000), got.get(0));
        assertArrayEquals(payload(4, 1), got.get(1));
    }

    @Test
    void aLengthAboveMaxPacketSizeIsBadFrame() throws Exception {
        RawPeer[] peer = new RawPeer[1];
        WinsockTcpServer server = serverWithRawPeer(1000, peer);
        peer[0].write((byte) 0x03, (byte) 0xE9); // 1001
        peer[0].write(payload(1, 1001));
        assertEquals(Reason.BAD_FRAME, receiveUntilFailure(server).reason());
    }

    @Test
    void aZeroLengthIsBadFrame() throws Exception {
        RawPeer[] peer = new RawPeer[1];
        WinsockTcpServer server = serverWithRawPeer(MAX, peer);
        peer[0].write((byte) 0, (byte) 0, (byte) 1, (byte) 2, (byte) 3);
        LinkException e = receiveUntilFailure(server);
        assertEquals(Reason.BAD_FRAME, e.reason());
        assertTrue(e.getMessage().contains("length 0"), e.getMessage());
    }

    @Test
    void packetsBeforeABadLengthAreDeliveredAndTheBadLengthIsReportedNext() throws Exception {
        RawPeer[] peer = new RawPeer[1];
        WinsockTcpServer server = serverWithRawPeer(MAX, peer);
        ByteBuffer wire = ByteBuffer.allocate(64);
        wire.putShort((short) 10).put(payload(1, 10)).putShort((short) 20).put(payload(2, 20)).putShort((short) 0xFFFF);
        byte[] bytes = new byte[wire.position()];
        wire.get(0, bytes);
        peer[0].write(bytes);

        List<byte[]> got = receive(server, 2);
        assertArrayEquals(payload(1, 10), got.get(0));
        assertArrayEquals(payload(2, 20), got.get(1));
        assertEquals(EventSet.READ, readiness(server, EventSet.READ).await(EventSet.READ, 0),
                "the bad length waits in the reader: prepareWait must report it");
        LinkException e = assertThrows(LinkException.class, () -> server.receive(batch(4)));
        assertEquals(Reason.BAD_FRAME, e.reason());
    }

    @Test
    void aFrameWrittenOneByteAtATimeReassembles() throws Exception {
        RawPeer[] peer = new RawPeer[1];
        WinsockTcpServer server = serverWithRawPeer(MAX, peer);
        byte[] packet = payload(9, 1000);
        byte[] frame = new byte[2 + packet.length];
        frame[0] = (byte) (packet.length >>> 8);
        frame[1] = (byte) packet.length;
        System.arraycopy(packet, 0, frame, 2, packet.length);
        PacketBatch in = batch(4);
        for (int i = 0; i < frame.length - 1; i++) {
            peer[0].write(frame[i]);
            assertEquals(0, server.receive(in), "a packet appeared before its last byte was written (byte " + i + ")");
        }
        peer[0].write(frame[frame.length - 1]);
        assertArrayEquals(packet, receive(server, 1).get(0));
        assertEquals(0, server.receive(in));
    }

    @Test
    void wholePacketsTheBatchHadNoRoomForAreReportedReadableUntilDelivered() throws Exception {
        RawPeer[] peer = new RawPeer[1];
        WinsockTcpServer server = serverWithRawPeer(MAX, peer);
        int total = 100;
        ByteBuffer wire = ByteBuffer.allocate(total * 12);
        for (int i = 0; i < total; i++) {
            wire.putShort((short) 10).put(payload(i, 10));
        }
        peer[0].write(wire.array());

        PacketBatch in = batch(8);
        List<byte[]> got = new ArrayList<>();
        boolean heldBack = false;
        Readiness r = readiness(server, EventSet.READ);
        while (got.size() < total) {
            // Winsock has nothing more to say once the reader took all bytes; only prepareWait keeps this readable.
            assertEquals(EventSet.READ, r.await(EventSet.READ, TIMEOUT_MILLIS), "stalled after " + got.size() + " packets");
            int n = server.receive(in);
            assertTrue(n <= 8, "receive overfilled the batch: " + n);
            if (!heldBack && server.bufferedInput() > 0 && winsock.ws2.unread(server.streamSocket().handle) == 0) {
                heldBack = true;
                // Winsock has nothing left: even if nothing else said so, the held packets must keep it readable.
                server.streamSocket().readable = false;
                assertEquals(EventSet.READ, r.await(EventSet.READ, 0), "packets held by the reader were not reported");
            }
            for (int i = 0; i < n; i++) {
                got.add(bytes(in, i));
            }
        }
        assertTrue(heldBack, "the reader never held whole packets: the test proved nothing");
        for (int i = 0; i < total; i++) {
            assertArrayEquals(payload(i, 10), got.get(i), "packet " + i);
        }
        assertEquals(0, server.receive(in));
        assertEquals(0, r.await(EventSet.READ, 0));
    }

    @Test
    void aShortSendWaitsForFdWriteWhichComesOnlyWhenThePeerReads() throws Exception {
        WinsockTcpSocket[] p = pair(Pairs.server(AddressFamily.IPV4, "127.0.0.1"), MAX, 4096);
        PacketBatch out = batch(8);
        for (int i = 0; i < 8; i++) {
            fill(out, i, payload(i, 1000));
        }
        out.count(8);
        int sent = p[0].send(out, 0);
        assertTrue(sent < 8, "4096 bytes of receive buffer cannot take 8 KB");
        assertFalse(p[0].streamSocket().writable, "a short count comes only after WSAEWOULDBLOCK");
        Readiness w = readiness(p[0], EventSet.WRITE);
        assertEquals(0, w.await(EventSet.WRITE, 50), "no FD_WRITE while the peer reads nothing");
        PacketBatch in = batch(8);
        assertTrue(p[1].receive(in) > 0);
        assertEquals(EventSet.WRITE, w.await(EventSet.WRITE, TIMEOUT_MILLIS), "FD_WRITE once the peer made room");
        int more = p[0].send(out, sent);
        assertTrue(more > 0);
    }

    @Test
    void partialWritesUnderBackpressureDeliverEveryPacketOnceAndInOrder() throws Exception {
        WinsockTcpSocket[] p = pair(Pairs.server(AddressFamily.IPV4, "127.0.0.1"), MAX, 4096);
        WinsockTcpSocket server = p[0];
        WinsockTcpSocket client = p[1];
        int total = 2000;
        int size = 1400;
        PacketBatch out = batch(16);
        PacketBatch in = batch(16);
        int nextSeq = 0;
        int expectSeq = 0;
        boolean backpressure = false;
        boolean staged = false;
        long deadline = deadline();
        Readiness writable = readiness(client, EventSet.WRITE);
        Readiness readable = readiness(server, EventSet.READ);
        int from = 0;
        while (expectSeq < total) {
            assertTrue(System.nanoTime() < deadline, "stuck at " + expectSeq + " of " + total);
            if (from == out.count() && nextSeq < total) {
                int k = Math.min(16, total - nextSeq);
                for (int i = 0; i < k; i++) {
                    fill(out, i, sequenced(nextSeq + i, size));
                }
                out.count(k);
                nextSeq += k;
                from = 0;
            }
            if (from < out.count()) {
                int n = client.send(out, from);
                backpressure |= n < out.count() - from;
                staged |= client.hasStagedOutput();
                from += n;
            }
            int got = server.receive(in);
            for (int i = 0; i < got; i++) {
                ByteBuffer slot = in.slot(i);
                assertEquals(size, slot.remaining());
                assertEquals(expectSeq, slot.getInt(slot.position()), "lost, duplicated or reordered");
                assertArrayEquals(sequenced(expectSeq, size), bytes(in, i));
                expectSeq++;
            }
            if (got == 0 && from < out.count()) {
                writable.await(EventSet.WRITE, 50);
            } else if (got == 0) {
                readable.await(EventSet.READ, 250);
            }
        }
        assertTrue(backpressure, "the socket never pushed back: the test proved nothing");
        assertTrue(staged, "no frame was ever split: the test proved nothing");
        assertFalse(client.hasStagedOutput());
    }

    @Test
    void aPeerThatClosesEndsTheLinkWithConnectionResetAfterItsLastPackets() throws Exception {
        RawPeer[] peer = new RawPeer[1];
        WinsockTcpServer server = serverWithRawPeer(MAX, peer);
        peer[0].write((byte) 0, (byte) 3, (byte) 1, (byte) 2, (byte) 3, (byte) 0, (byte) 1, (byte) 9);
        peer[0].close();
        Readiness r = readiness(server, EventSet.READ);
        assertEquals(EventSet.READ, r.await(EventSet.READ, TIMEOUT_MILLIS));
        PacketBatch in = batch(4);
        assertEquals(2, server.receive(in), "the packets before the close come first");
        assertEquals(EventSet.READ, r.await(EventSet.READ, 0), "the end of the stream is reported readable");
        LinkException e = assertThrows(LinkException.class, () -> server.receive(in));
        assertEquals(Reason.CONNECTION_RESET, e.reason());
        assertEquals("peer closed the connection", e.getMessage());
    }

    @Test
    void aPeerThatResetsEndsTheLinkWithConnectionReset() throws Exception {
        RawPeer[] peer = new RawPeer[1];
        WinsockTcpServer server = serverWithRawPeer(MAX, peer);
        peer[0].abort();
        LinkException e = receiveUntilFailure(server);
        assertEquals(Reason.CONNECTION_RESET, e.reason());
        assertTrue(e.getMessage().contains("WSAECONNRESET"), e.getMessage());
    }

    @Test
    void sendingToAPeerThatIsGoneIsConnectionReset() throws Exception {
        RawPeer[] peer = new RawPeer[1];
        WinsockTcpServer server = serverWithRawPeer(MAX, peer);
        peer[0].close();
        PacketBatch out = batch(1);
        fill(out, 0, payload(1, 10));
        out.count(1);
        assertEquals(Reason.CONNECTION_RESET, assertThrows(LinkException.class, () -> server.send(out, 0)).reason());
    }

    @Test
    void aRefusedConnectIsRetriedUntilAServerAppears() throws Exception {
        WinsockTcpClient client = client(Pairs.client(AddressFamily.IPV4, "127.0.0.1", FREE_PORT).connectRetry(0, 0));
        assertFalse(client.establish(20));
        assertTrue(client.failedAttempts() > 0);
        assertEquals(Reason.CONNECTION_REFUSED, client.lastFailure().reason());
        assertTrue(client.lastFailure().getMessage().contains("WSAECONNREFUSED"), client.lastFailure().getMessage());
        assertTrue(winsock.ws2.openSockets() <= 1, "each failed attempt's socket is closed");

        WinsockTcpServer server = server(Pairs.server(AddressFamily.IPV4, "127.0.0.1").local("127.0.0.1", FREE_PORT));
        establish(server, client);
        assertNull(client.lastFailure());
        assertEquals(client.local(), server.remote());
    }

    @Test
    void theRetryDelayFollowsOpenVpnsBackoff() throws Exception {
        WinsockTcpClient c = client(Pairs.client(AddressFamily.IPV4, "127.0.0.1", FREE_PORT).connectRetry(1, 300));
        long[] expected = { 1, 1, 1, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300 };
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], c.retryDelaySeconds(i + 1), "after " + (i + 1) + " failures");
        }
        WinsockTcpClient d = client(Pairs.client(AddressFamily.IPV4, "127.0.0.1", FREE_PORT).connectRetry(5, 60));
        assertEquals(5, d.retryDelaySeconds(4));
        assertEquals(10, d.retryDelaySeconds(5));
        assertEquals(40, d.retryDelaySeconds(7));
        assertEquals(60, d.retryDelaySeconds(8));
        assertEquals(60, d.retryDelaySeconds(1000));
    }

    @Test
    void aConnectThatGetsNoAnswerTimesOutAndIsRetried() throws Exception {
        // Outside loopback the fake never answers a SYN.
        WinsockTcpClient client = client(LinkSpec.builder(LinkProtocol.TCP_CLIENT).family(AddressFamily.IPV4).bind(false)
                .remote("192.0.2.1", 1194).connectTimeout(1).connectRetry(60, 60));
        long deadline = deadline();
        while (client.failedAttempts() == 0) {
            assertFalse(client.establish(100));
            assertTrue(System.nanoTime() < deadline, "--connect-timeout 1 did not end the attempt");
        }
        assertTrue(client.lastFailure().getMessage().contains("no answer within 1 s"), client.lastFailure().getMessage());
    }

    @Test
    void aClientWaitingToRetryReturnsPromptlyWhenClosed() throws Exception {
        WinsockTcpClient client = client(Pairs.client(AddressFamily.IPV4, "127.0.0.1", FREE_PORT).connectRetry(60, 60));
        assertClosedEndsEstablish(client, () -> client.failedAttempts() > 0);
    }

    @Test
    void aClientWithAConnectUnderWayReturnsPromptlyWhenClosed() throws Exception {
        WinsockTcpClient client = client(LinkSpec.builder(LinkProtocol.TCP_CLIENT).family(AddressFamily.IPV4).bind(false)
                .remote("192.0.2.1", 1194).connectTimeout(60));
        assertFalse(client.establish(50), "the connect should hang");
        assertEquals(0, client.failedAttempts(), "the attempt is still under way");
        assertClosedEndsEstablish(client, () -> true);
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Runs a long establish on another thread, closes once {@code ready} holds, and expects CLOSED promptly. */
    private static void assertClosedEndsEstablish(WinsockTcpSocket socket, Condition ready) throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            started.countDown();
            try {
                outcome.set(socket.establish(60_000));
            } catch (Throwable e) {
                outcome.set(e);
            }
        }, "winsock-test-establish");
        t.start();
        assertTrue(started.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
        long deadline = deadline();
        while (!ready.holds()) {
            assertTrue(System.nanoTime() < deadline, "the establishing thread never reached the awaited state");
            Thread.onSpinWait();
        }
        long closedAt = System.nanoTime();
        socket.close();
        t.join(TIMEOUT_MILLIS);
        assertFalse(t.isAlive(), "establish still blocked after close()");
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt) < 2_000, "establish took long to notice close()");
        assertInstanceOf(LinkException.class, outcome.get(), "establish returned " + outcome.get());
        assertEquals(Reason.CLOSED, ((LinkException) outcome.get()).reason());
    }

    @Test
    void beforeEstablishingThereIsNothingToReadOrWaitOnAndAfterCloseEverythingFailsClosed() throws Exception {
        WinsockTcpServer server = server(Pairs.server(AddressFamily.IPV4, "127.0.0.1"));
        InetSocketAddress local = (InetSocketAddress) server.local();
        PacketBatch batch = batch(1);
        assertThrows(IllegalStateException.class, () -> server.receive(batch));
        assertThrows(IllegalStateException.class, server::waitable);
        assertFalse(server.establish(0));
        server.close();
        server.close();
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> server.receive(batch)).reason());
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> server.send(batch, 0)).reason());
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> server.establish(0)).reason());
        assertEquals(0, winsock.ws2.socketAt(Ws2Api.SOCK_STREAM, local), "the listener is gone");
    }

    @Test
    void aPortWithAListenerIsAddressInUse() throws Exception {
        WinsockTcpServer first = server(Pairs.server(AddressFamily.IPV4, "127.0.0.1"));
        LinkException e = assertThrows(LinkException.class,
                () -> server(Pairs.server(AddressFamily.IPV4, "127.0.0.1").local("127.0.0.1", Pairs.port(first))));
        assertEquals(Reason.ADDRESS_IN_USE, e.reason(), e.getMessage());
    }

    @Test
    void anIpv4ClientReachesADualStackServerAndIsSeenAsIpv4() throws Exception {
        WinsockTcpServer server = server(LinkSpec.builder(LinkProtocol.TCP_SERVER).local(null, 0));
        WinsockTcpClient client = client(Pairs.client(AddressFamily.IPV4, "127.0.0.1", Pairs.port(server)));
        establish(server, client);
        InetSocketAddress peer = (InetSocketAddress) server.remote();
        assertInstanceOf(Inet4Address.class, peer.getAddress(), peer.toString());
        assertEquals(client.local(), peer);
    }

    @Test
    void aServerWithARemoteAcceptsOnlyThatHost() throws Exception {
        WinsockTcpServer server = server(Pairs.server(AddressFamily.IPV4, "127.0.0.1").remote("127.0.0.2", 1194));
        RawPeer stranger = track(new RawPeer(winsock.ws2, null, (InetSocketAddress) server.local()));
        long deadline = deadline();
        while (server.refusedPeers() == 0) {
            assertFalse(server.establish(50), "a connection from 127.0.0.1 was accepted");
            assertTrue(System.nanoTime() < deadline, "the stranger was never seen");
        }
        assertArrayEquals(new byte[0], stranger.read(), "the stranger is hung up on");
        WinsockTcpClient expected = client(LinkSpec.builder(LinkProtocol.TCP_CLIENT).family(AddressFamily.IPV4)
                .local("127.0.0.2", 0).remote("127.0.0.1", Pairs.port(server)));
        establish(server, expected);
        assertEquals(InetAddress.getByName("127.0.0.2"), ((InetSocketAddress) server.remote()).getAddress());
    }

    @Test
    void badSpecsFailWithTypedReasonsAndLeaveNothingOpen() {
        assertReason(Reason.UNSUPPORTED, LinkSpec.builder(LinkProtocol.TCP_CLIENT).build());
        assertReason(Reason.UNSUPPORTED, Pairs.server(AddressFamily.IPV4, "127.0.0.1").maxPacketSize(65536).build());
        assertReason(Reason.UNSUPPORTED, Pairs.server(AddressFamily.IPV4, "127.0.0.1").local("127.0.0.1", -1).build());
        assertReason(Reason.UNSUPPORTED, Pairs.client(AddressFamily.IPV4, "127.0.0.1", 1194).connectTimeout(0).build());
        assertReason(Reason.RESOLVE_FAILED, Pairs.client(AddressFamily.IPV4, "no-such-host.invalid", 1194).build());
        assertReason(Reason.RESOLVE_FAILED, Pairs.client(AddressFamily.IPV6, "127.0.0.1", 1194).build());
        assertReason(Reason.RESOLVE_FAILED, Pairs.server(AddressFamily.IPV4, "::1").build());
        assertReason(Reason.IO_ERROR, Pairs.server(AddressFamily.IPV4, "192.0.2.1").build());
    }

    private void assertReason(Reason reason, LinkSpec spec) {
        LinkException e = assertThrows(LinkException.class, () -> winsock.transport.open(spec), spec.toString());
        assertEquals(reason, e.reason(), e.getMessage());
    }

    @Test
    void streamSocketsIgnoreAFloatingRemote() throws Exception {
        WinsockTcpSocket[] p = pair(MAX);
        InetSocketAddress before = (InetSocketAddress) p[1].remote();
        p[1].remote(new InetSocketAddress("127.0.0.9", 1));
        assertEquals(before, p[1].remote());
        assertNotNull(p[0].remote());
    }

    // ---- helpers ----

    /** Establishes both from this thread, alternating short attempts as two loop threads would. */
    private static void establish(LinkSocket server, LinkSocket client) throws LinkException {
        long deadline = deadline();
        boolean s = false;
        boolean c = false;
        while (!(s && c)) {
            c = c || client.establish(20);
            s = s || server.establish(20);
            assertTrue(System.nanoTime() < deadline, "not established: server " + s + ", client " + c);
        }
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
    }

    private static PacketBatch batch(int capacity) {
        return PacketBatch.allocate(capacity, HEADROOM, HEADROOM + MAX + 16);
    }

    /** A packet starting with its sequence number, the rest derived from it. */
    private static byte[] sequenced(int seq, int length) {
        byte[] b = payload(seq, length);
        ByteBuffer.wrap(b).putInt(0, seq);
        return b;
    }

    private List<byte[]> receive(LinkSocket socket, int expected) throws IOException {
        List<byte[]> got = new ArrayList<>();
        PacketBatch in = batch(Math.max(expected, 2));
        try (Readiness r = new Readiness(winsock.backend, socket, EventSet.READ)) {
            long deadline = deadline();
            while (got.size() < expected) {
                int n = socket.receive(in);
                for (int i = 0; i < n; i++) {
                    assertEquals(HEADROOM, in.slot(i).position());
                    assertNull(in.source(i), "a stream's packets come from its peer");
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

    /** Receives (waiting for readability) until the socket throws; fails if it never does. */
    private LinkException receiveUntilFailure(LinkSocket socket) throws IOException {
        long deadline = deadline();
        PacketBatch batch = batch(4);
        try (Readiness r = new Readiness(winsock.backend, socket, EventSet.READ)) {
            while (true) {
                try {
                    assertEquals(0, socket.receive(batch), "no packet was sent");
                } catch (LinkException e) {
                    return e;
                }
                assertTrue(System.nanoTime() < deadline, "the socket never failed");
                r.await(EventSet.READ, 250);
            }
        }
    }
}
