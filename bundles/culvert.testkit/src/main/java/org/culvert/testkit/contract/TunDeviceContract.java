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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The contract every tun (layer 3) {@link TunDevice} fulfils: batched non-blocking reads that honour
 * the batch's headroom, writes that consume malformed packets and report backpressure, readiness
 * through an event backend, and an idempotent close after which I/O fails with
 * {@link TunException.Reason#CLOSED}.
 *
 * <p>Subclass it in the driver's tests and make {@link #openFixture()} open a device with an OS side
 * the test can talk to. A real device may carry traffic the test did not send (IPv6 router
 * solicitations, MLD reports): reads skip every packet that is not one of the test's own UDP
 * datagrams, recognised by a per-run marker in the payload.
 */
@ConsumerType
public abstract class TunDeviceContract {
    /** Headroom of the batches the tests read into; the device must not write before it. */
    protected static final int HEADROOM = 64;
    /** Extra room after an MTU-sized packet. */
    protected static final int TAILROOM = 64;
    /** How long anything expected to happen may take. */
    protected static final long TIMEOUT_MILLIS = 5_000;
    /** The tunnel side's UDP port in the packets the tests write. */
    protected static final int TUNNEL_PORT = 40_000;

    private static final int READ_TAG = 2;
    private static final int WRITE_TAG = 3;
    /** Fills the slots before reads, so a device writing into the headroom is caught. */
    private static final byte POISON = (byte) 0xDB;
    private static final AtomicInteger PAYLOAD_SEQUENCE = new AtomicInteger();
    /** Marks this run's datagrams, telling them from stray traffic and from earlier runs. */
    private static final String RUN_MARKER = "culvert-tun-contract-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + " ";

    private TunFixture fixture;
    private EventSet events;
    private final ReadyEvents ready = new ReadyEvents(4);

    /** A fresh open device plus the "OS side" of it. Called once per test; closed after each test. */
    protected abstract TunFixture openFixture() throws Exception;

    @BeforeEach
    public void openTunFixture() throws Exception {
        fixture = openFixture();
        assertNotNull(fixture, "openFixture() returned null");
    }

    @AfterEach
    public void closeTunFixture() throws Exception {
        if (events != null) {
            events.close();
            events = null;
        }
        if (fixture != null) {
            TunFixture f = fixture;
            fixture = null;
            f.close();
        }
    }

    /** The fixture of the running test. */
    protected final TunFixture fixture() {
        return fixture;
    }

    protected final TunDevice device() {
        return fixture.device();
    }

    @Test
    public void describesItselfConsistently() throws Exception {
        TunDevice d = device();
        assertNotNull(d.name());
        assertFalse(d.name().isEmpty(), "empty device name");
        assertTrue(d.mtu() >= 68, "mtu " + d.mtu());
        assertEquals(TunLayer.TUN, d.layer(), "this contract is for layer-3 devices");
        int batchSize = d.batchSize();
        assertTrue(batchSize >= 1, "batchSize " + batchSize);
        assertNotNull(d.waitable());
        assertTrue(fixture.backend().handleKinds().contains(d.waitable().kind()),
                "the fixture's backend cannot wait on " + d.waitable().kind());
        assertEquals(batchSize, d.batchSize(), "batchSize must be constant");
    }

    @Test
    public void readYieldsTheUdpPacketAtTheBatchHeadroom() throws Exception {
        byte[] payload = payload("single");
        fixture.sendFromOs(payload);

        Reads reads = readOwnPackets(1, 4);

        assertArrayEquals(payload, reads.payloads.get(0));
        assertEquals(Packets.IPV4_HEADER_LENGTH + Packets.UDP_HEADER_LENGTH + payload.length, reads.lengths.get(0),
                "the slot's position..limit must frame exactly the packet");
        assertEquals(device().batchSize(), device().batchSize(), "batchSize must be constant");
    }

    @Test
    public void severalPendingPacketsAreReadInOrderInOneBatch() throws Exception {
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] p = payload("several-" + i);
            sent.add(p);
            fixture.sendFromOs(p);
        }

        Reads reads = readOwnPackets(sent.size(), 8);

        assertPayloads(sent, reads.payloads);
        if (device().batchSize() >= 2) {
            assertTrue(reads.mostInOneRead >= 2, "batchSize " + device().batchSize()
                    + ", but no read returned more than one of " + sent.size() + " pending packets");
        }
    }

    @Test
    public void readNeverFillsMoreSlotsThanTheBatchHas() throws Exception {
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] p = payload("capacity-one-" + i);
            sent.add(p);
            fixture.sendFromOs(p);
        }

        Reads reads = readOwnPackets(sent.size(), 1); // readOwnPackets asserts n <= capacity on every read

        assertPayloads(sent, reads.payloads);
        assertEquals(1, reads.mostInOneRead);
    }

    @Test
    public void readWithNothingPendingReturnsZeroWithoutBlocking() throws Exception {
        PacketBatch batch = newBatch(4);
        // Stray traffic of a real device may be pending; it must run out quickly.
        for (int attempt = 0; attempt < 100; attempt++) {
            batch.clear();
            long start = System.nanoTime();
            int n = device().read(batch);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMillis < 1_000, "read blocked for " + tookMillis + " ms");
            assertEquals(n, batch.count(), "read must set the batch's count");
            if (n == 0) {
                return;
            }
            for (int i = 0; i < n; i++) {
                assertNull(ownPayload(batch.slot(i)), "a packet appeared that the test never sent");
            }
        }
        fail("read kept returning stray packets");
    }

    @Test
    public void waitableBecomesReadableThroughTheBackendAfterSendFromOs() throws Exception {
        EventSet set = events();
        set.ctl(device().waitable(), EventSet.READ, READ_TAG);
        fixture.sendFromOs(payload("readiness"));

        long deadline = deadline();
        while (true) {
            device().prepareWait(EventSet.READ);
            int n = set.wait(remaining(deadline), ready);
            if ((ready.flagsFor(READ_TAG) & EventSet.READ) != 0) {
                assertTrue(n >= 1);
                break;
            }
            if (remaining(deadline) <= 0) {
                fail("the device's waitable was not reported readable within " + TIMEOUT_MILLIS + " ms");
            }
        }
        Reads reads = readOwnPackets(1, 4);
        assertEquals(1, reads.payloads.size());
    }

    @Test
    public void freshDeviceIsWritableThroughTheBackend() throws Exception {
        EventSet set = events();
        set.ctl(device().waitable(), EventSet.WRITE, WRITE_TAG);
        device().prepareWait(EventSet.WRITE);
        set.wait(TIMEOUT_MILLIS, ready);
        assertEquals(EventSet.WRITE, ready.flagsFor(WRITE_TAG), "an idle device must be writable (and only WRITE was asked for)");
    }

    @Test
    public void writtenPacketArrivesAtTheOsSide() throws Exception {
        byte[] payload = payload("write");
        PacketBatch batch = newBatch(1);
        putPacket(batch, 0, payload);
        batch.count(1);

        writeAll(batch, 0);

        assertArrayEquals(payload, fixture.receiveAtOs(TIMEOUT_MILLIS), "the written datagram did not arrive");
    }

    @Test
    public void writeStartsAtTheGivenSlotAndKeepsOrder() throws Exception {
        List<byte[]> payloads = new ArrayList<>();
        PacketBatch batch = newBatch(4);
        for (int i = 0; i < 4; i++) {
            byte[] p = payload("write-from-" + i);
            payloads.add(p);
            putPacket(batch, i, p);
        }
        batch.count(4);

        writeAll(batch, 1);

        for (int i = 1; i < 4; i++) {
            assertArrayEquals(payloads.get(i), fixture.receiveAtOs(TIMEOUT_MILLIS), "datagram " + i + " missing or out of order");
        }
        assertNull(fixture.receiveAtOs(200), "slot 0 lies before 'from' and must not be written");
    }

    @Test
    public void malformedPacketsAreConsumedWithoutException() throws Exception {
        PacketBatch batch = newBatch(4);
        ByteBuffer empty = batch.prepareSlot(0);
        empty.limit(empty.position());
        ByteBuffer garbage = batch.prepareSlot(1);
        for (int i = 0; i < 20; i++) {
            garbage.put((byte) 0xFF); // IP version 15
        }
        garbage.limit(garbage.position()).position(HEADROOM);
        ByteBuffer truncated = batch.prepareSlot(2);
        truncated.put(new byte[] { 0x45, 0, 0, 100, 0, 0, 0x40, 0, 64, 17 }); // an IPv4 header cut in half
        truncated.limit(truncated.position()).position(HEADROOM);
        byte[] payload = payload("after-malformed");
        putPacket(batch, 3, payload);
        batch.count(4);

        writeAll(batch, 0);

        assertArrayEquals(payload, fixture.receiveAtOs(TIMEOUT_MILLIS), "the device did not keep working after malformed packets");
    }

    @Test
    public void closeIsIdempotentAndLaterIoFailsClosed() throws Exception {
        TunDevice d = device();
        PacketBatch batch = newBatch(1);
        d.close();
        d.close();

        TunException onRead = assertThrows(TunException.class, () -> d.read(batch));
        assertEquals(TunException.Reason.CLOSED, onRead.reason());
        putPacket(batch, 0, payload("after-close"));
        batch.count(1);
        TunException onWrite = assertThrows(TunException.class, () -> d.write(batch, 0));
        assertEquals(TunException.Reason.CLOSED, onWrite.reason());
    }

    @Test
    public void closeFromAnotherThreadMakesLaterReadsFailClosed() throws Exception {
        TunDevice d = device();
        PacketBatch batch = newBatch(1);
        Thread closer = new Thread(d::close, "tun-contract-closer");
        closer.start();
        closer.join(TIMEOUT_MILLIS);
        assertFalse(closer.isAlive(), "close() blocked");

        TunException e = assertThrows(TunException.class, () -> d.read(batch));
        assertEquals(TunException.Reason.CLOSED, e.reason());
    }

    // ---- helpers for subclasses and the tests above ----

    /** A payload unique to this run and call, starting with the run marker. */
    protected final byte[] payload(String label) {
        return (RUN_MARKER + label + " #" + PAYLOAD_SEQUENCE.incrementAndGet()).getBytes(StandardCharsets.US_ASCII);
    }

    /** A batch with {@link #HEADROOM} and room for an MTU-sized packet. */
    protected final PacketBatch newBatch(int capacity) {
        return PacketBatch.allocate(capacity, HEADROOM, HEADROOM + Math.max(device().mtu(), 1500) + TAILROOM);
    }

    /** Puts an IPv4/UDP packet from the tunnel side to the OS side's port into slot {@code i}, framed. */
    protected final void putPacket(PacketBatch batch, int i, byte[] payload) {
        ByteBuffer slot = batch.prepareSlot(i);
        Packets.writeIpv4Udp(slot, fixture.tunnelAddress(), TUNNEL_PORT, fixture.osAddress(), fixture.osPort(), payload);
        slot.limit(slot.position()).position(batch.headroom());
    }

    /** Writes slots {@code from..count-1}, waiting for WRITE readiness whenever the device would block. */
    protected final void writeAll(PacketBatch batch, int from) throws IOException {
        long deadline = deadline();
        int next = from;
        while (next < batch.count()) {
            int n = device().write(batch, next);
            assertTrue(n >= 0 && n <= batch.count() - next, "write consumed " + n + " of " + (batch.count() - next));
            next += n;
            if (n == 0) {
                if (remaining(deadline) <= 0) {
                    fail("the device would not take " + (batch.count() - next) + " packets within " + TIMEOUT_MILLIS + " ms");
                }
                EventSet set = events();
                set.ctl(device().waitable(), EventSet.WRITE, WRITE_TAG);
                device().prepareWait(EventSet.WRITE);
                set.wait(Math.min(remaining(deadline), 250), ready);
            }
        }
    }

    /** What {@link #readOwnPackets} saw. */
    protected static final class Reads {
        /** Payloads of this run's datagrams, in the order read. */
        public final List<byte[]> payloads = new ArrayList<>();
        /** Length of each of those packets as framed in its slot. */
        public final List<Integer> lengths = new ArrayList<>();
        /** The largest number of this run's packets one read returned. */
        public int mostInOneRead;
    }

    /**
     * Reads until {@code expected} of this run's datagrams arrived, into a batch of {@code capacity}
     * poisoned slots, checking on every read the count, the headroom, the framing and the checksums.
     */
    protected final Reads readOwnPackets(int expected, int capacity) throws IOException {
        Reads reads = new Reads();
        PacketBatch batch = newBatch(capacity);
        int limit = Math.min(capacity, device().batchSize());
        EventSet set = events();
        set.ctl(device().waitable(), EventSet.READ, READ_TAG);
        long deadline = deadline();
        while (reads.payloads.size() < expected) {
            batch.clear();
            poison(batch);
            int n = device().read(batch);
            assertTrue(n >= 0 && n <= limit, "read returned " + n + "; at most " + limit + " allowed");
            assertEquals(n, batch.count(), "read must set the batch's count");
            int own = 0;
            for (int i = 0; i < n; i++) {
                ByteBuffer slot = batch.slot(i);
                assertEquals(HEADROOM, slot.position(), "packet " + i + " does not start at the headroom");
                for (int j = 0; j < HEADROOM; j++) {
                    assertEquals(POISON, slot.get(j), "the device wrote into the headroom at " + j);
                }
                byte[] p = ownPayload(slot);
                if (p != null) {
                    reads.payloads.add(p);
                    reads.lengths.add(slot.remaining());
                    own++;
                }
            }
            reads.mostInOneRead = Math.max(reads.mostInOneRead, own);
            if (n == 0) {
                if (remaining(deadline) <= 0) {
                    fail("only " + reads.payloads.size() + " of " + expected + " datagrams were read within " + TIMEOUT_MILLIS + " ms");
                }
                device().prepareWait(EventSet.READ);
                set.wait(Math.min(remaining(deadline), 250), ready);
            }
        }
        assertEquals(expected, reads.payloads.size(), "more datagrams than sent");
        return reads;
    }

    /** The payload if the slot holds one of this run's datagrams from the OS side to the tunnel side, else null. */
    private byte[] ownPayload(ByteBuffer slot) {
        Packets.UdpPacket packet = Packets.parseUdp(slot);
        if (packet == null) {
            return null;
        }
        byte[] p = packet.payload();
        if (!new String(p, StandardCharsets.US_ASCII).startsWith(RUN_MARKER)) {
            return null;
        }
        assertEquals(4, packet.ipVersion());
        assertEquals(fixture.osAddress(), packet.source(), "source address of " + packet);
        assertEquals(fixture.tunnelAddress(), packet.destination(), "destination address of " + packet);
        assertTrue(packet.checksumsValid(), "bad checksum in " + packet);
        return p;
    }

    private static void poison(PacketBatch batch) {
        ByteBuffer backing = batch.backing();
        int end = batch.capacity() * batch.slotSize();
        for (int i = 0; i < end; i++) {
            backing.put(i, POISON);
        }
    }

    private static void assertPayloads(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "datagram " + i + " differs or is out of order");
        }
    }

    private EventSet events() throws IOException {
        if (events == null) {
            events = fixture.backend().open(2);
        }
        return events;
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
    }

    private static long remaining(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }
}
