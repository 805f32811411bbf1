package org.culvert.testkit;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.culvert.api.event.SignalWaitable;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;

/**
 * An open memory tun/tap device (see {@link MemoryTunDriver}). Packets injected at its
 * {@link MemoryTunOsSide} become readable here; packets written here queue for the OS side to take.
 * Both queues are bounded: a full inbound queue refuses injection, a full outbound queue makes the
 * device unwritable until the OS side takes packets, so tests can exercise backpressure.
 *
 * <p>Like a kernel, the device drops (and counts as written) packets it cannot accept: for tun
 * anything that is not at least an IPv4 or IPv6 header with the right version nibble, for tap
 * anything shorter than an Ethernet header. A packet longer than a read's slot is dropped and counted.
 *
 * <p>Threading as {@link TunDevice} says; reads and writes copy into preallocated memory and allocate
 * nothing per packet. {@link #waitable()} is a {@link SignalWaitable}: readable while a packet is
 * pending, writable while the outbound queue has room, and both once closed.
 */
public final class MemoryTunDevice implements TunDevice {
    private static final int ETHERNET_HEADER_LENGTH = 14;

    private final MemoryTunDriver driver;
    private final String name;
    private final TunLayer layer;
    private final int mtu;
    private final int batchSize;
    private final SignalWaitable waitable;
    private final PacketRing fromOs;
    private final PacketRing toOs;
    private final MemoryTunOsSide osSide;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong malformedWrites = new AtomicLong();
    private final AtomicLong oversizedReads = new AtomicLong();

    MemoryTunDevice(MemoryTunDriver driver, String name, TunLayer layer, int mtu, int queueCapacity, int batchSize) {
        this.driver = driver;
        this.name = name;
        this.layer = layer;
        this.mtu = mtu;
        this.batchSize = batchSize;
        this.waitable = new SignalWaitable("memory tun " + name, false, true);
        this.fromOs = new PacketRing(queueCapacity, waitable, null);
        this.toOs = new PacketRing(queueCapacity, null, waitable);
        this.osSide = new MemoryTunOsSide(this, fromOs, toOs);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public TunLayer layer() {
        return layer;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public SignalWaitable waitable() {
        return waitable;
    }

    /** The test's end of this device (also reachable through {@link MemoryTunHub#osSide(String)} while open). */
    public MemoryTunOsSide osSide() {
        return osSide;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Written packets the device dropped as malformed. */
    public long malformedWrites() {
        return malformedWrites.get();
    }

    /** Injected packets dropped because they did not fit a read's slot. */
    public long oversizedReads() {
        return oversizedReads.get();
    }

    @Override
    public int read(PacketBatch batch) throws TunException {
        checkOpen();
        int max = Math.min(batch.capacity(), batchSize);
        int headroom = batch.headroom();
        int room = batch.slotSize() - headroom;
        int n = 0;
        while (n < max) {
            ByteBuffer slot = batch.prepareSlot(n);
            int length = fromOs.poll(slot, headroom, room);
            if (length == PacketRing.EMPTY) {
                break;
            }
            if (length < 0) {
                oversizedReads.incrementAndGet();
                continue;
            }
            slot.limit(headroom + length);
            n++;
        }
        batch.count(n);
        return n;
    }

    @Override
    public int write(PacketBatch batch, int from) throws TunException {
        checkOpen();
        int max = Math.min(batch.count() - from, batchSize);
        int done = 0;
        while (done < max) {
            ByteBuffer slot = batch.slot(from + done);
            if (!acceptable(slot)) {
                malformedWrites.incrementAndGet();
            } else if (!toOs.offer(slot, slot.position(), slot.remaining(), null)) {
                break; // full: the caller waits for WRITE
            }
            done++;
        }
        return done;
    }

    /** What a kernel would take from a tun/tap file descriptor. */
    private boolean acceptable(ByteBuffer packet) {
        int length = packet.remaining();
        if (layer == TunLayer.TAP) {
            return length >= ETHERNET_HEADER_LENGTH;
        }
        if (length < 1) {
            return false;
        }
        int version = (packet.get(packet.position()) & 0xFF) >>> 4;
        return version == 4 && length >= Packets.IPV4_HEADER_LENGTH || version == 6 && length >= Packets.IPV6_HEADER_LENGTH;
    }

    private void checkOpen() throws TunException {
        if (closed.get()) {
            throw new TunException(TunException.Reason.CLOSED, "memory tun device " + name + " is closed");
        }
    }

    /**
     * Drops pending inbound packets, leaves outbound ones for the OS side to take, removes the device
     * from the hub and raises its waitable so a waiting loop notices. Idempotent; any thread.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        fromOs.close();
        waitable.setWritable(true);
        MemoryTunHub.unregister(this);
        driver.closed(this);
    }

    @Override
    public String toString() {
        return "memory " + layer.optionName() + " device " + name + (closed.get() ? " (closed)" : "");
    }
}
