package org.culvert.testkit;

import java.nio.ByteBuffer;

/**
 * The "OS side" of a {@link MemoryTunDevice}: what a kernel would be. A test injects packets for the
 * device to read and takes the packets it wrote, in order. Thread-safe; any thread.
 */
public final class MemoryTunOsSide {
    private final MemoryTunDevice device;
    private final PacketRing toDevice;
    private final PacketRing fromDevice;

    MemoryTunOsSide(MemoryTunDevice device, PacketRing toDevice, PacketRing fromDevice) {
        this.device = device;
        this.toDevice = toDevice;
        this.fromDevice = fromDevice;
    }

    /** The device's name. */
    public String name() {
        return device.name();
    }

    /** The device itself (for its counters and state). */
    public MemoryTunDevice device() {
        return device;
    }

    /**
     * Queues a copy of {@code packet} for the device to read.
     *
     * @return false when the device's inbound queue is full or the device is closed (the packet is dropped)
     */
    public boolean inject(byte[] packet) {
        return toDevice.offer(packet, 0, packet.length, null);
    }

    /** As {@link #inject(byte[])}, copying {@code packet}'s {@code position..limit} without moving them. */
    public boolean inject(ByteBuffer packet) {
        return toDevice.offer(packet, packet.position(), packet.remaining(), null);
    }

    /** The next packet the device wrote, waiting up to {@code timeoutMillis}; null if none came. */
    public byte[] take(long timeoutMillis) throws InterruptedException {
        return fromDevice.take(timeoutMillis);
    }

    /** The next packet the device wrote, or null. */
    public byte[] poll() {
        return fromDevice.pollCopy();
    }

    /**
     * Moves the next packet the device wrote into {@code into} at its position (advancing it), without
     * allocating: for benchmarks.
     *
     * @return its length, or -1 when nothing is pending or it does not fit (then it is dropped)
     */
    public int poll(ByteBuffer into) {
        int length = fromDevice.poll(into, into.position(), into.remaining());
        if (length < 0) {
            return -1;
        }
        into.position(into.position() + length);
        return length;
    }

    /** Packets the device wrote that are waiting to be taken. */
    public int pendingFromDevice() {
        return fromDevice.size();
    }

    /** Packets injected that the device has not read yet. */
    public int pendingToDevice() {
        return toDevice.size();
    }

    /** How many more packets {@link #inject} would accept now. */
    public int injectRoom() {
        return toDevice.room();
    }

    @Override
    public String toString() {
        return "OS side of " + device;
    }
}
