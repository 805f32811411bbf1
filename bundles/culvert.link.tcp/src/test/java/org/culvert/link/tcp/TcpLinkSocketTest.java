package org.culvert.link.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The TCP transport on real loopback connections (127.0.0.1, 127.0.0.2 and ::1 only). */
class TcpLinkSocketTest {
    private static final int HEADROOM = 40;
    private static final int MAX = 1650;
    private static final byte POISON = (byte) 0x5A;
    private static final long TIMEOUT_MILLIS = 5_000;

    private final TcpLinkTransport transport = new TcpLinkTransport();
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

    private TcpLinkSocket open(LinkSpec spec) throws LinkException {
        return (TcpLinkSocket) track(transport.open(spec));
    }

    private TcpServerSocket server(LinkSpec.Builder spec) throws LinkException {
        return (TcpServerSocket) open(spec.build());
    }

    private TcpClientSocket client(LinkSpec.Builder spec) throws LinkException {
        return (TcpClientSocket) open(spec.build());
    }

    /** An established server/client pair on IPv4 loopback with the given largest packet. */
    private TcpLinkSocket[] pair(int maxPacketSize) throws Exception {
        TcpServerSocket server = server(TcpPairs.server(AddressFamily.IPV4, "127.0.0.1").maxPacketSize(maxPacketSize));
        TcpClientSocket client = client(TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", TcpPairs.port(server)).maxPacketSize(maxPacketSize));
        establish(server, client);
        return new TcpLinkSocket[] { server, client };
    }

    /** Our tcp-server with a plain {@link Socket} connected to it as the peer. */
    private TcpServerSocket serverWithRawPeer(int maxPacketSize, Socket[] peerOut) throws Exception {
        TcpServerSocket server = server(TcpPairs.server(AddressFamily.IPV4, "127.0.0.1").maxPacketSize(maxPacketSize));
        Socket peer = track(new Socket());
        peer.setTcpNoDelay(true);
        peer.connect(new InetSocketAddress("127.0.0.1", TcpPairs.port(server)), (int) TIMEOUT_MILLIS);
        assertTrue(server.establish(TIMEOUT_MILLIS));
        peerOut[0] = peer;
        return server;
    }

    @Test
    void transportDescribesItself() {
        assertEquals(Set.of(LinkProtocol.TCP_CLIENT, LinkProtocol.TCP_SERVER), transport.protocols());
        assertTrue(transport.availability().isAvailable(), transport.availability().toString());
    }

    @Test
    void aPacketOfExactlyMaxPacketSizeCrossesAndLargerOrEmptyOnesAreNotSent() throws Exception {
        TcpLinkSocket[] p = pair(1000);
        PacketBatch out = batch(4, 1000);
        fill(out, 0, payload(1, 1000));
        fill(out, 1, payload(2, 1001));
        fill(out, 2, new byte[0]);
        fill(out, 3, payload(4, 1));
        out.count(4);
        sendAll(p[1], out, 0);
        assertEquals(2, p[1].droppedPackets(), "a frame the peer would reject is never sent");

        List<byte[]> got = receive(p[0], 2, batch(4, 1000));
        assertArrayEquals(payload(1, 1000), got.get(0));
        assertArrayEquals(payload(4, 1), got.get(1));
    }

    @Test
    void aLengthAboveMaxPacketSizeIsBadFrame() throws Exception {
        Socket[] peer = new Socket[1];
        TcpServerSocket server = serverWithRawPeer(1000, peer);
        OutputStream raw = peer[0].getOutputStream();
        raw.write(new byte[] { 0x03, (byte) 0xE9 }); // 1001
        raw.write(payload(1, 1001));
        raw.flush();
        assertEquals(Reason.BAD_FRAME, receiveUntilFailure(server).reason());
    }

    @Test
    void aZeroLengthIsBadFrame() throws Exception {
        Socket[] peer = new Socket[1];
        TcpServerSocket server = serverWithRawPeer(MAX, peer);
        peer[0].getOutputStream().write(new byte[] { 0, 0, 1, 2, 3 });
        LinkException e = receiveUntilFailure(server);
        assertEquals(Reason.BAD_FRAME, e.reason());
        assertTrue(e.getMessage().contains("length 0"), e.getMessage());
    }

    @Test
    void packetsBeforeABadLengthAreDeliveredAndTheBadLengthIsReportedNext() throws Exception {
        Socket[] peer = new Socket[1];
        TcpServerSocket server = serverWithRawPeer(MAX, peer);
        ByteBuffer wire = ByteBuffer.allocate(64);
        wire.putShort((short) 10).put(payload(1, 10)).putShort((short) 20).put(payload(2, 20)).putShort((short) 0xFFFF);
        peer[0].getOutputStream().write(wire.array(), 0, wire.position());

        List<byte[]> got = receive(server, 2, batch(4, MAX));
        assertArrayEquals(payload(1, 10), got.get(0));
        assertArrayEquals(payload(2, 20), got.get(1));
        try (Readiness r = new Readiness(server, EventSet.READ)) {
            assertEquals(EventSet.READ, r.await(EventSet.READ, TIMEOUT_MILLIS), "the bad length still waits in the socket");
        }
        LinkException e = assertThrows(LinkException.class, () -> server.receive(batch(4, MAX)));
        assertEquals(Reason.BAD_FRAME, e.reason());
    }

    @Test
    void aFrameWrittenOneByteAtATimeReassembles() throws Exception {
        Socket[] peer = new Socket[1];
        TcpServerSocket server = serverWithRawPeer(MAX, peer);
        OutputStream raw = peer[0].getOutputStream();
        byte[] packet = payload(9, 1000);
        byte[] frame = new byte[2 + packet.length];
        frame[0] = (byte) (packet.length >>> 8);
        frame[1] = (byte) packet.length;
        System.arraycopy(packet, 0, frame, 2, packet.length);
        PacketBatch in = batch(4, MAX);
        for (int i = 0; i < frame.length - 1; i++) {
            raw.write(frame[i]);
            raw.flush();
            assertEquals(0, server.receive(in), "a packet appeared before its last byte was written (byte " + i + ")");
        }
        raw.write(frame[frame.length - 1]);
        raw.flush();
        List<byte[]> got = receive(server, 1, in);
        assertArrayEquals(packet, got.get(0));
        assertEquals(0, server.receive(in));
    }

    @Test
    void moreWholePacketsThanTheBatchHoldsAreNeverStrandedInTheBuffer() throws Exception {
        Socket[] peer = new Socket[1];
        TcpServerSocket server = serverWithRawPeer(MAX, peer);
        int total = 100;
        ByteBuffer wire = ByteBuffer.allocate(total * 12);
        for (int i = 0; i < total; i++) {
            wire.putShort((short) 10).put(payload(i, 10));
        }
        peer[0].getOutputStream().write(wire.array());

        PacketBatch in = batch(8, MAX);
        List<byte[]> got = new ArrayList<>();
        try (Readiness r = new Readiness(server, EventSet.READ)) {
            while (got.size() < total) {
                // Level-triggered readiness must announce every remaining packet, or a loop would stall here.
                assertEquals(EventSet.READ, r.await(EventSet.READ, TIMEOUT_MILLIS), "stalled after " + got.size() + " packets");
                int n = server.receive(in);
                assertTrue(n <= 8, "receive overfilled the batch: " + n);
                for (int i = 0; i < n; i++) {
                    got.add(bytes(in, i));
                }
            }
        }
        for (int i = 0; i < total; i++) {
            assertArrayEquals(payload(i, 10), got.get(i), "packet " + i);
        }
        assertEquals(0, server.receive(in));
    }

    @Test
    void partialWritesUnderBackpressureDeliverEveryPacketOnceAndInOrder() throws Exception {
        TcpServerSocket server = server(TcpPairs.server(AddressFamily.IPV4, "127.0.0.1").sendBuffer(4096).receiveBuffer(4096));
        TcpClientSocket client = client(TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", TcpPairs.port(server)).sendBuffer(4096).receiveBuffer(4096));
        establish(server, client);

        int total = 3000;
        int size = 1400;
        PacketBatch out = batch(16, MAX);
        PacketBatch in = batch(16, MAX);
        int nextSeq = 0;
        int expectSeq = 0;
        boolean backpressure = false;
        boolean staged = false;
        long deadline = deadline();
        try (Readiness writable = new Readiness(client, EventSet.WRITE); Readiness readable = new Readiness(server, EventSet.READ)) {
            // Fill the batch, send what the socket takes, offer the rest again (as a loop does), drain the peer.
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
        }
        assertTrue(backpressure, "the socket never pushed back: the test proved nothing");
        assertTrue(staged, "no frame was ever split by the kernel");
        assertFalse(client.hasStagedOutput());
    }

    @Test
    void theClientRetriesUntilAServerAppears() throws Exception {
        int port = freePort();
        TcpClientSocket client = client(TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", port).connectRetry(1, 1));
        long deadline = deadline();
        while (client.failedAttempts() == 0) {
            assertFalse(client.establish(50), "nobody listens yet");
            assertTrue(System.nanoTime() < deadline, "no attempt failed");
        }
        assertEquals(Reason.CONNECTION_REFUSED, client.lastFailure().reason());

        TcpServerSocket server = server(TcpPairs.server(AddressFamily.IPV4, "127.0.0.1").local("127.0.0.1", port));
        establish(server, client);
        assertNull(client.lastFailure(), "a success clears the failure");
        assertEquals(0, client.failedAttempts());

        PacketBatch out = batch(1, MAX);
        fill(out, 0, payload(5, 50));
        out.count(1);
        sendAll(client, out, 0);
        assertArrayEquals(payload(5, 50), receive(server, 1, batch(1, MAX)).get(0));
    }

    @Test
    void aRefusedConnectionIsReportedAndRetriedOnlyAfterTheDelay() throws Exception {
        TcpClientSocket client = client(TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", freePort()).connectRetry(60, 60));
        long start = System.nanoTime();
        assertFalse(client.establish(300));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2_000, "establish overran its timeout");
        assertEquals(1, client.failedAttempts());
        assertEquals(Reason.CONNECTION_REFUSED, client.lastFailure().reason());
        assertFalse(client.establish(100));
        assertEquals(1, client.failedAttempts(), "the next attempt waits for --connect-retry");
    }

    @Test
    void withConnectOnceARefusedConnectEndsEstablishSoTheTunnelCanMoveOn() throws Exception {
        TcpClientSocket client = client(TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", freePort()).connectRetry(0, 0)
                .connectOnce(true));
        long deadline = deadline();
        LinkException e = null;
        while (e == null) {
            try {
                assertFalse(client.establish(50), "nobody listens");
            } catch (LinkException thrown) {
                e = thrown;
            }
            assertTrue(System.nanoTime() < deadline, "the refused connect was never reported");
        }
        assertEquals(Reason.CONNECTION_REFUSED, e.reason());
        assertEquals(1, client.failedAttempts(), "one attempt, no retry");
    }

    @Test
    void theRetryDelayFollowsOpenVpnsBackoff() throws Exception {
        TcpClientSocket a = client(TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", 9).connectRetry(5, 300));
        long[] expected = { 5, 5, 5, 5, 10, 20, 40, 80, 160, 300, 300 };
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], a.retryDelaySeconds(i + 1), "after " + (i + 1) + " failures");
        }
        TcpClientSocket b = client(TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", 9).connectRetry(0, 3));
        assertEquals(0, b.retryDelaySeconds(4));
        assertEquals(2, b.retryDelaySeconds(5), "a zero delay still backs off from one second");
        assertEquals(3, b.retryDelaySeconds(30));
    }

    @Test
    void aPeerResetEndsTheLinkWithConnectionReset() throws Exception {
        Socket[] peer = new Socket[1];
        TcpServerSocket server = serverWithRawPeer(MAX, peer);
        peer[0].setSoLinger(true, 0);
        peer[0].close(); // RST
        assertEquals(Reason.CONNECTION_RESET, receiveUntilFailure(server).reason());
        PacketBatch out = batch(1, MAX);
        fill(out, 0, payload(1, 100));
        out.count(1);
        assertEquals(Reason.CONNECTION_RESET, assertThrows(LinkException.class, () -> server.send(out, 0)).reason());
    }

    @Test
    void aClientWaitingToRetryReturnsPromptlyWhenClosed() throws Exception {
        TcpClientSocket client = client(TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", freePort()).connectRetry(60, 60));
        assertClosedEndsEstablish(client, () -> client.failedAttempts() > 0);
    }

    @Test
    void aClientWithAConnectUnderWayReturnsPromptlyWhenClosed() throws Exception {
        // A listener whose accept queue is full drops further SYNs: connects to it stay pending.
        ServerSocket full = track(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")));
        fillAcceptQueue(full);
        TcpClientSocket client = client(TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", full.getLocalPort()).connectTimeout(60));
        assertFalse(client.establish(200), "the connect should hang");
        assertEquals(0, client.failedAttempts(), "the attempt is still under way");
        assertClosedEndsEstablish(client, () -> true);
    }

    @Test
    void aConnectThatGetsNoAnswerTimesOutAndIsRetried() throws Exception {
        ServerSocket full = track(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")));
        fillAcceptQueue(full);
        TcpClientSocket client = client(TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", full.getLocalPort()).connectTimeout(1).connectRetry(60, 60));
        long deadline = deadline();
        while (client.failedAttempts() == 0) {
            assertFalse(client.establish(100));
            assertTrue(System.nanoTime() < deadline, "--connect-timeout 1 did not end the attempt");
        }
        assertTrue(client.lastFailure().getMessage().contains("no answer within 1 s"), client.lastFailure().getMessage());
    }

    private void fillAcceptQueue(ServerSocket listener) throws IOException {
        for (int i = 0; i < 16; i++) {
            Socket s = track(new Socket());
            try {
                s.connect(listener.getLocalSocketAddress(), 300);
            } catch (SocketTimeoutException e) {
                return;
            }
        }
        fail("the accept queue never filled");
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Runs a long establish on another thread, closes once {@code ready} holds, and expects CLOSED promptly. */
    private static void assertClosedEndsEstablish(TcpLinkSocket socket, Condition ready) throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            started.countDown();
            try {
                outcome.set(socket.establish(60_000));
            } catch (Throwable e) {
                outcome.set(e);
            }
        }, "tcp-test-establish");
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
        TcpServerSocket server = server(TcpPairs.server(AddressFamily.IPV4, "127.0.0.1"));
        PacketBatch batch = batch(1, MAX);
        assertThrows(IllegalStateException.class, () -> server.receive(batch));
        assertThrows(IllegalStateException.class, server::waitable);
        assertFalse(server.establish(0));
        server.close();
        server.close();
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> server.receive(batch)).reason());
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> server.send(batch, 0)).reason());
        assertEquals(Reason.CLOSED, assertThrows(LinkException.class, () -> server.establish(0)).reason());
        try (Socket s = new Socket()) {
            assertThrows(IOException.class, () -> s.connect(server.local(), 1_000), "the listener is gone");
        }
    }

    @Test
    void aPortWithAListenerIsAddressInUse() throws Exception {
        ServerSocket taken = track(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")));
        LinkException e = assertThrows(LinkException.class,
                () -> server(TcpPairs.server(AddressFamily.IPV4, "127.0.0.1").local("127.0.0.1", taken.getLocalPort())));
        assertEquals(Reason.ADDRESS_IN_USE, e.reason(), e.getMessage());
    }

    @Test
    void anIpv4ClientReachesADualStackServerAndIsSeenAsIpv4() throws Exception {
        TcpServerSocket server = server(LinkSpec.builder(LinkProtocol.TCP_SERVER).local(null, 0));
        TcpClientSocket client = client(TcpPairs.client(AddressFamily.IPV4, "127.0.0.1", TcpPairs.port(server)));
        establish(server, client);
        InetSocketAddress peer = (InetSocketAddress) server.remote();
        assertInstanceOf(Inet4Address.class, peer.getAddress(), peer.toString());
        assertEquals(client.local(), peer);
    }

    @Test
    void ipv6PacketsCross() throws Exception {
        TcpServerSocket server = server(TcpPairs.server(AddressFamily.IPV6, "::1"));
        TcpClientSocket client = client(TcpPairs.client(AddressFamily.IPV6, "::1", TcpPairs.port(server)));
        establish(server, client);
        PacketBatch out = batch(3, MAX);
        for (int i = 0; i < 3; i++) {
            fill(out, i, payload(i, 500 * (i + 1)));
        }
        out.count(3);
        sendAll(server, out, 0);
        List<byte[]> got = receive(client, 3, batch(3, MAX));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(payload(i, 500 * (i + 1)), got.get(i));
        }
    }

    @Test
    void aServerWithARemoteAcceptsOnlyThatHost() throws Exception {
        TcpServerSocket server = server(TcpPairs.server(AddressFamily.IPV4, "127.0.0.1").remote("127.0.0.2", 1194));
        try (Socket stranger = new Socket()) {
            stranger.connect(server.local(), (int) TIMEOUT_MILLIS);
            long deadline = deadline();
            while (server.refusedPeers() == 0) {
                assertFalse(server.establish(50), "a connection from 127.0.0.1 was accepted");
                assertTrue(System.nanoTime() < deadline, "the stranger was never seen");
            }
            assertEquals(-1, stranger.getInputStream().read(), "the stranger is hung up on");
        }
        TcpClientSocket expected = client(LinkSpec.builder(LinkProtocol.TCP_CLIENT).family(AddressFamily.IPV4)
                .local("127.0.0.2", 0).remote("127.0.0.1", TcpPairs.port(server)));
        establish(server, expected);
        assertEquals(InetAddress.getByName("127.0.0.2"), ((InetSocketAddress) server.remote()).getAddress());
    }

    @Test
    void badSpecsFailWithTypedReasons() {
        assertReason(Reason.UNSUPPORTED, LinkSpec.builder(LinkProtocol.TCP_CLIENT).build());
        assertReason(Reason.UNSUPPORTED, LinkSpec.builder(LinkProtocol.UDP).local("127.0.0.1", 0).build());
        assertReason(Reason.UNSUPPORTED, TcpPairs.server(AddressFamily.IPV4, "127.0.0.1").maxPacketSize(65536).build());
        assertReason(Reason.UNSUPPORTED, TcpPairs.server(AddressFamily.IPV4, "127.0.0.1").local("127.0.0.1", -1).build());
        assertReason(Reason.RESOLVE_FAILED, TcpPairs.client(AddressFamily.IPV4, "no-such-host.invalid", 1194).build());
        assertReason(Reason.RESOLVE_FAILED, TcpPairs.client(AddressFamily.IPV6, "127.0.0.1", 1194).build());
        assertReason(Reason.RESOLVE_FAILED, TcpPairs.server(AddressFamily.IPV4, "::1").build());
    }

    private void assertReason(Reason reason, LinkSpec spec) {
        LinkException e = assertThrows(LinkException.class, () -> open(spec), spec.toString());
        assertEquals(reason, e.reason(), e.getMessage());
    }

    @Test
    void streamSocketsIgnoreAFloatingRemote() throws Exception {
        TcpLinkSocket[] p = pair(MAX);
        InetSocketAddress before = (InetSocketAddress) p[1].remote();
        p[1].remote(new InetSocketAddress("127.0.0.9", 1));
        assertEquals(before, p[1].remote());
        assertNotNull(p[0].remote());
    }

    @Test
    void steadyStateReceiveAndSendAllocateNothing() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        TcpLinkSocket[] p = pair(MAX);
        PacketBatch out = batch(16, MAX);
        PacketBatch in = batch(16, MAX);
        for (int i = 0; i < 16; i++) {
            fill(out, i, payload(i, 300 + i));
        }
        out.count(16);
        try (Readiness r = new Readiness(p[0], EventSet.READ)) {
            exchange(p[1], p[0], out, in, r, 500);
            long tid = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(tid);
            exchange(p[1], p[0], out, in, r, 2_000);
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            assertTrue(allocated < 16 * 1024, "steady state allocated " + allocated + " bytes for 32000 packets");
        }
    }

    private static void exchange(TcpLinkSocket from, TcpLinkSocket to, PacketBatch out, PacketBatch in, Readiness r, int rounds) throws IOException {
        for (int round = 0; round < rounds; round++) {
            int sent = 0;
            int got = 0;
            while (got < 16) {
                if (sent < 16) {
                    sent += from.send(out, sent);
                }
                int n = to.receive(in);
                got += n;
                if (n == 0 && r.await(EventSet.READ, TIMEOUT_MILLIS) == 0) {
                    fail("packets lost on loopback");
                }
            }
        }
    }

    // ---- helpers ----

    /** Establishes both from this thread, alternating short attempts as two loop threads would. */
    private static void establish(LinkSocket server, LinkSocket client) throws LinkException {
        long deadline = deadline();
        boolean s = false;
        boolean c = false;
        while (!(s && c)) {
            c = c || client.establish(50);
            s = s || server.establish(50);
            assertTrue(System.nanoTime() < deadline, "not established: server " + s + ", client " + c);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
    }

    private static PacketBatch batch(int capacity, int max) {
        return PacketBatch.allocate(capacity, HEADROOM, HEADROOM + max + 16);
    }

    static byte[] payload(int seed, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 131 + i * 7 + (i >>> 8));
        }
        return b;
    }

    /** A packet starting with its sequence number, the rest derived from it. */
    private static byte[] sequenced(int seq, int length) {
        byte[] b = payload(seq, length);
        ByteBuffer.wrap(b).putInt(0, seq);
        return b;
    }

    static void fill(PacketBatch batch, int i, byte[] data) {
        ByteBuffer slot = batch.prepareSlot(i);
        slot.put(data);
        slot.limit(slot.position()).position(batch.headroom());
    }

    private static byte[] bytes(PacketBatch batch, int i) {
        ByteBuffer slot = batch.slot(i);
        byte[] data = new byte[slot.remaining()];
        slot.get(slot.position(), data);
        return data;
    }

    private static void sendAll(LinkSocket socket, PacketBatch batch, int from) throws IOException {
        long deadline = deadline();
        try (Readiness r = new Readiness(socket, EventSet.WRITE)) {
            int next = from;
            while (next < batch.count()) {
                next += socket.send(batch, next);
                if (next < batch.count()) {
                    assertTrue(System.nanoTime() < deadline, "the socket would not take the packets");
                    r.await(EventSet.WRITE, 250);
                }
            }
        }
    }

    /** Receives exactly {@code expected} packets into poisoned batches, checking the framing and the headroom. */
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
                    assertNull(batch.source(i), "a stream's packets come from its peer");
                    got.add(bytes(batch, i));
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

    /** Receives (waiting for readability) until the socket throws; fails if it never does. */
    private static LinkException receiveUntilFailure(LinkSocket socket) throws IOException {
        long deadline = deadline();
        PacketBatch batch = batch(4, MAX);
        try (Readiness r = new Readiness(socket, EventSet.READ)) {
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
