package org.culvert.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.packet.PacketBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The contract every {@link LinkTransport} and its {@link LinkSocket}s fulfil: establishing, whole
 * packets crossing intact and in order in both directions with the receiving batch's headroom honoured,
 * readiness through an event backend, stream sockets reporting a closed peer, and an idempotent close
 * after which I/O fails with {@link LinkException.Reason#CLOSED}.
 *
 * <p>Subclass it in the transport's tests. {@link #openPair()} is called before each test; both sockets
 * are closed after it. The JUnit thread acts as both sockets' owning thread, never concurrently.
 */
@ConsumerType
public abstract class LinkSocketContract {
    protected static final int HEADROOM = 64;
    protected static final int TAILROOM = 32;
    protected static final long TIMEOUT_MILLIS = 5_000;

    private static final int READ_TAG = 0;
    private static final int WRITE_TAG = 1;
    private static final byte POISON = (byte) 0xDB;

    private LinkSocket server;
    private LinkSocket client;
    private final List<EventSet> sets = new ArrayList<>();
    private final ReadyEvents ready = new ReadyEvents(4);

    protected abstract LinkTransport transport();

    /** A backend able to wait on the sockets' waitables. */
    protected abstract EventBackend backend();

    /** Two opened (not yet established) sockets on loopback that reach each other: for a stream transport [0] is the server, [1] the client. */
    protected abstract LinkSocket[] openPair() throws Exception;

    /** The {@link org.culvert.api.link.LinkSpec#maxPacketSize()} {@link #openPair()} uses; the LinkSpec default unless overridden. */
    protected int maxPacketSize() {
        return 1650;
    }

    @BeforeEach
    public void openLinkPair() throws Exception {
        LinkSocket[] pair = openPair();
        assertNotNull(pair, "openPair() returned null");
        assertEquals(2, pair.length, "openPair() must return two sockets");
        server = pair[0];
        client = pair[1];
    }

    @AfterEach
    public void closeLinkPair() {
        for (EventSet s : sets) {
            s.close();
        }
        sets.clear();
        if (server != null) {
            server.close();
        }
        if (client != null) {
            client.close();
        }
    }

    /** [0] of the pair: the server of a stream transport. */
    protected final LinkSocket first() {
        return server;
    }

    /** [1] of the pair: the client of a stream transport. */
    protected final LinkSocket second() {
        return client;
    }

    @Test
    public void bothEndsEstablishAndDescribeThemselves() throws Exception {
        establishBoth();
        if (server.protocol().isStream()) {
            assertEquals(LinkProtocol.TCP_SERVER, server.protocol());
            assertEquals(LinkProtocol.TCP_CLIENT, client.protocol());
            assertNotNull(server.remote(), "an established stream server knows its peer");
        } else {
            assertEquals(client.protocol(), server.protocol());
        }
        assertTrue(transport().protocols().contains(server.protocol()), "transport does not list " + server.protocol());
        assertTrue(transport().protocols().contains(client.protocol()), "transport does not list " + client.protocol());
        assertNotNull(client.remote(), "the client knows its remote");
        assertNotNull(server.local(), "the server is bound");
        assertNotNull(client.local(), "the client is bound");
        for (LinkSocket s : new LinkSocket[] { server, client }) {
            int batchSize = s.batchSize();
            assertTrue(batchSize >= 1, "batchSize " + batchSize);
            assertEquals(batchSize, s.batchSize(), "batchSize must be constant");
            assertNotNull(s.waitable());
            assertTrue(backend().handleKinds().contains(s.waitable().kind()), "the backend cannot wait on " + s.waitable().kind());
        }
    }

    @Test
    public void packetsOfAllSizesCrossIntactAndInOrderFromSecondToFirst() throws Exception {
        establishBoth();
        transferAndCheck(client, server);
    }

    @Test
    public void packetsOfAllSizesCrossIntactAndInOrderFromFirstToSecond() throws Exception {
        establishBoth();
        transferAndCheck(server, client);
    }

    @Test
    public void packetsFromTheRemoteCarryNoSource() throws Exception {
        establishBoth();
        // Let the server learn its peer first, as a listening UDP peer would from an authenticated packet.
        List<Received> toServer = transfer(client, server, new int[] { 10 }, 0);
        if (server.remote() == null) {
            assertNotNull(toServer.get(0).source, "the server has no remote, so the packet must carry its source");
            server.remote(toServer.get(0).source);
        } else {
            assertNull(toServer.get(0).source, "a packet from the remote must not carry a source, got " + toServer.get(0).source);
        }
        for (Received r : transfer(client, server, new int[] { 11, 12 }, 0)) {
            assertNull(r.source, "a packet from the remote must not carry a source, got " + r.source);
        }
        for (Received r : transfer(server, client, new int[] { 13, 14 }, 0)) {
            assertNull(r.source, "a packet from the remote must not carry a source, got " + r.source);
        }
    }

    @Test
    public void sendStartsAtTheGivenSlot() throws Exception {
        establishBoth();
        int[] sizes = { 21, 22, 23 };
        List<Received> got = transfer(client, server, sizes, 1);
        assertEquals(2, got.size());
        assertArrayEquals(pattern(1, 22), got.get(0).data, "slot 1 first");
        assertArrayEquals(pattern(2, 23), got.get(1).data);
        PacketBatch batch = newBatch(4);
        assertEquals(0, server.receive(batch), "slot 0 lies before 'from' and must not be sent");
    }

    @Test
    public void receiveWithNothingPendingReturnsZero() throws Exception {
        establishBoth();
        PacketBatch batch = newBatch(4);
        long start = System.nanoTime();
        assertEquals(0, server.receive(batch));
        assertEquals(0, client.receive(batch));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 1_000, "receive blocked");
    }

    @Test
    public void waitableBecomesReadableThroughTheBackend() throws Exception {
        establishBoth();
        EventSet set = openSet();
        set.ctl(server.waitable(), EventSet.READ, READ_TAG);
        server.prepareWait(EventSet.READ);
        set.wait(0, ready);
        assertEquals(0, ready.flagsFor(READ_TAG), "readable before anything was sent");

        PacketBatch out = newBatch(1);
        putPattern(out, 0, 0, 100);
        out.count(1);
        sendAll(client, out, 0);

        awaitFlags(set, server, READ_TAG, EventSet.READ);
        assertEquals(1, receiveAll(server, 1).size());
    }

    @Test
    public void establishedSocketIsWritableThroughTheBackend() throws Exception {
        establishBoth();
        EventSet set = openSet();
        set.ctl(client.waitable(), EventSet.WRITE, WRITE_TAG);
        awaitFlags(set, client, WRITE_TAG, EventSet.WRITE);
        assertEquals(EventSet.WRITE, ready.flagsFor(WRITE_TAG), "only WRITE was asked for");
    }

    @Test
    public void peerCloseResetsAStreamButNotADatagramSocket() throws Exception {
        establishBoth();
        client.close();

        EventSet set = openSet();
        set.ctl(server.waitable(), EventSet.READ, READ_TAG);
        PacketBatch batch = newBatch(4);
        if (!server.protocol().isStream()) {
            // Datagram sockets have no connection: the peer going away is no error on this side.
            for (int i = 0; i < 3; i++) {
                assertEquals(0, server.receive(batch), "the closed peer sent nothing");
                server.prepareWait(EventSet.READ);
                set.wait(50, ready);
            }
            return;
        }
        long deadline = deadline();
        while (true) {
            try {
                int n = server.receive(batch);
                assertEquals(0, n, "the closed peer sent nothing");
            } catch (LinkException e) {
                assertEquals(LinkException.Reason.CONNECTION_RESET, e.reason(), "reason of " + e);
                return;
            }
            if (remaining(deadline) <= 0) {
                fail("the server did not notice its peer closing within " + TIMEOUT_MILLIS + " ms");
            }
            server.prepareWait(EventSet.READ);
            set.wait(Math.min(remaining(deadline), 250), ready);
        }
    }

    @Test
    public void closeIsIdempotentAndLaterCallsFailClosed() throws Exception {
        establishBoth();
        client.close();
        client.close();

        PacketBatch batch = newBatch(1);
        assertClosed(() -> client.receive(batch));
        putPattern(batch, 0, 0, 10);
        batch.count(1);
        assertClosed(() -> client.send(batch, 0));
        assertClosed(() -> client.establish(10));
    }

    @Test
    public void closeFromAnotherThreadEndsABlockedEstablish() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Object> outcome = new AtomicReference<>();
        // For a stream transport the server waits for a client that never comes.
        Thread establisher = new Thread(() -> {
            started.countDown();
            try {
                outcome.set(server.establish(60_000));
            } catch (Throwable t) {
                outcome.set(t);
            }
        }, "link-contract-establish");
        establisher.setDaemon(true);
        establisher.start();
        assertTrue(started.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));

        server.close();
        establisher.join(TIMEOUT_MILLIS);

        assertFalse(establisher.isAlive(), "establish() still blocked " + TIMEOUT_MILLIS + " ms after close()");
        Object o = outcome.get();
        if (o instanceof Throwable) {
            assertTrue(o instanceof LinkException, "establish ended with " + o);
            assertEquals(LinkException.Reason.CLOSED, ((LinkException) o).reason());
        }
    }

    // ---- helpers ----

    /** Establishes both sockets from this thread, alternating short attempts, as two loop threads would. */
    protected final void establishBoth() throws LinkException {
        long deadline = deadline();
        boolean clientUp = false;
        boolean serverUp = false;
        while (!(clientUp && serverUp)) {
            if (!clientUp) {
                clientUp = client.establish(50);
            }
            if (!serverUp) {
                serverUp = server.establish(50);
            }
            if (remaining(deadline) <= 0 && !(clientUp && serverUp)) {
                fail("not established within " + TIMEOUT_MILLIS + " ms: first " + serverUp + ", second " + clientUp);
            }
        }
    }

    /** Packet sizes from 1 byte to {@link #maxPacketSize()}. */
    protected final int[] packetSizes() {
        int max = maxPacketSize();
        return new int[] { 1, 2, 3, 64, Math.min(576, max), Math.min(1200, max), Math.max(1, max - 1), max };
    }

    private void transferAndCheck(LinkSocket from, LinkSocket to) throws IOException {
        int[] sizes = packetSizes();
        List<Received> got = transfer(from, to, sizes, 0);
        assertEquals(sizes.length, got.size());
        for (int i = 0; i < sizes.length; i++) {
            assertArrayEquals(pattern(i, sizes[i]), got.get(i).data, "packet " + i + " of " + sizes[i] + " bytes differs or is out of order");
        }
    }

    /** Sends packets of {@code sizes} (slots {@code from..}) and receives them at {@code to}. */
    protected final List<Received> transfer(LinkSocket from, LinkSocket to, int[] sizes, int fromSlot) throws IOException {
        PacketBatch out = newBatch(sizes.length);
        for (int i = 0; i < sizes.length; i++) {
            putPattern(out, i, i, sizes[i]);
        }
        out.count(sizes.length);
        sendAll(from, out, fromSlot);
        return receiveAll(to, sizes.length - fromSlot);
    }

    /** Sends slots {@code from..count-1}, waiting for WRITE readiness whenever the socket would block. */
    protected final void sendAll(LinkSocket socket, PacketBatch batch, int from) throws IOException {
        EventSet set = null;
        long deadline = deadline();
        int next = from;
        while (next < batch.count()) {
            int n = socket.send(batch, next);
            assertTrue(n >= 0 && n <= batch.count() - next, "send consumed " + n + " of " + (batch.count() - next));
            next += n;
            if (n == 0) {
                if (remaining(deadline) <= 0) {
                    fail("the socket would not take " + (batch.count() - next) + " packets within " + TIMEOUT_MILLIS + " ms");
                }
                if (set == null) {
                    set = openSet();
                    set.ctl(socket.waitable(), EventSet.WRITE, WRITE_TAG);
                }
                socket.prepareWait(EventSet.WRITE);
                set.wait(Math.min(remaining(deadline), 250), ready);
            }
        }
    }

    /** A received packet: a copy of its bytes and the source the batch gave for it. */
    protected static final class Received {
        public final byte[] data;
        public final SocketAddress source;

        Received(byte[] data, SocketAddress source) {
            this.data = data;
            this.source = source;
        }
    }

    /**
     * Receives {@code expected} packets into poisoned batches, checking the count limit, the headroom
     * and that nothing was written before it.
     */
    protected final List<Received> receiveAll(LinkSocket socket, int expected) throws IOException {
        List<Received> got = new ArrayList<>();
        PacketBatch batch = newBatch(Math.max(2, expected));
        int limit = Math.min(batch.capacity(), socket.batchSize());
        EventSet set = openSet();
        set.ctl(socket.waitable(), EventSet.READ, READ_TAG);
        long deadline = deadline();
        while (got.size() < expected) {
            batch.clear();
            poison(batch);
            int n = socket.receive(batch);
            assertTrue(n >= 0 && n <= limit, "receive returned " + n + "; at most " + limit + " allowed");
            assertEquals(n, batch.count(), "receive must set the batch's count");
            for (int i = 0; i < n; i++) {
                ByteBuffer slot = batch.slot(i);
                assertEquals(HEADROOM, slot.position(), "packet does not start at the headroom");
                for (int j = 0; j < HEADROOM; j++) {
                    assertEquals(POISON, slot.get(j), "the socket wrote into the headroom at " + j);
                }
                byte[] data = new byte[slot.remaining()];
                slot.get(slot.position(), data);
                got.add(new Received(data, batch.source(i)));
            }
            if (n == 0) {
                if (remaining(deadline) <= 0) {
                    fail("only " + got.size() + " of " + expected + " packets arrived within " + TIMEOUT_MILLIS + " ms");
                }
                socket.prepareWait(EventSet.READ);
                set.wait(Math.min(remaining(deadline), 250), ready);
            }
        }
        assertEquals(expected, got.size(), "more packets than sent");
        return got;
    }

    /** A batch with {@link #HEADROOM} and room for a {@link #maxPacketSize()} packet. */
    protected final PacketBatch newBatch(int capacity) {
        return PacketBatch.allocate(capacity, HEADROOM, HEADROOM + maxPacketSize() + TAILROOM);
    }

    /** The bytes of packet {@code index} of {@code size} bytes: distinct per index and position. */
    protected static byte[] pattern(int index, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (index * 31 + i * 7 + (i >>> 8));
        }
        return b;
    }

    private static void putPattern(PacketBatch batch, int slotIndex, int patternIndex, int size) {
        ByteBuffer slot = batch.prepareSlot(slotIndex);
        slot.put(pattern(patternIndex, size));
        slot.limit(slot.position()).position(batch.headroom());
    }

    private EventSet openSet() throws IOException {
        EventSet set = backend().open(2);
        sets.add(set);
        return set;
    }

    /** Waits until {@code tag} is reported with {@code flag}; {@link #ready} then holds that wait's entries. */
    private void awaitFlags(EventSet set, LinkSocket socket, int tag, int flag) throws IOException {
        long deadline = deadline();
        while (true) {
            socket.prepareWait(flag);
            set.wait(remaining(deadline), ready);
            if ((ready.flagsFor(tag) & flag) == flag) {
                return;
            }
            if (remaining(deadline) <= 0) {
                fail("tag " + tag + " was not reported with flags " + flag + " within " + TIMEOUT_MILLIS + " ms");
            }
        }
    }

    private interface LinkCall {
        Object call() throws Exception;
    }

    private static void assertClosed(LinkCall call) {
        LinkException e = assertThrows(LinkException.class, call::call);
        assertEquals(LinkException.Reason.CLOSED, e.reason(), "reason of " + e);
    }

    private static void poison(PacketBatch batch) {
        ByteBuffer backing = batch.backing();
        int end = batch.capacity() * batch.slotSize();
        for (int i = 0; i < end; i++) {
            backing.put(i, POISON);
        }
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
    }

    private static long remaining(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }
}
