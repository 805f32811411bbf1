package org.culvert.api.packet;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A fixed number of packet slots carved out of one direct buffer, allocated once per tunnel and
 * reused for every wake-up: the data path allocates nothing per packet.
 *
 * <p>Each slot is a {@link ByteBuffer} of {@link #slotSize()} bytes whose {@code position..limit}
 * frames one packet. Readers (a tun device or link socket filling the batch) write a packet at
 * offset {@link #headroom()} and set {@code position = headroom, limit = headroom + length}; the
 * room before the packet lets the core prepend OpenVPN's headers in place, and the room after
 * {@code limit} (up to {@link #slotSize()}) lets it append padding. Writers send exactly
 * {@code position..limit} of each slot.
 *
 * <p>{@link #count()} is the number of slots holding packets. A batch is owned by one thread at a
 * time (the tunnel's loop thread); plugins must not keep references to it after a call returns.
 *
 * <p>Native plugins can address slot {@code i} at {@code baseAddress + slotOffset(i)}, where the base
 * address is that of {@link #backing()}, which never changes for the life of the batch.
 */
public final class PacketBatch {
    private final ByteBuffer backing;
    private final ByteBuffer[] slots;
    private final SocketAddress[] sources;
    private final int headroom;
    private final int slotSize;
    private int count;

    private PacketBatch(int capacity, int headroom, int slotSize) {
        if (capacity < 1 || headroom < 0 || slotSize <= headroom) {
            throw new IllegalArgumentException("capacity=" + capacity + " headroom=" + headroom + " slotSize=" + slotSize);
        }
        this.headroom = headroom;
        this.slotSize = slotSize;
        this.backing = ByteBuffer.allocateDirect(capacity * slotSize).order(ByteOrder.BIG_ENDIAN);
        this.slots = new ByteBuffer[capacity];
        this.sources = new SocketAddress[capacity];
        for (int i = 0; i < capacity; i++) {
            slots[i] = backing.slice(i * slotSize, slotSize).order(ByteOrder.BIG_ENDIAN);
        }
        clear();
    }

    /**
     * @param capacity number of slots (packets per wake-up)
     * @param headroom bytes kept free before each packet read into the batch
     * @param slotSize total bytes per slot: headroom + largest packet + tailroom
     */
    public static PacketBatch allocate(int capacity, int headroom, int slotSize) {
        return new PacketBatch(capacity, headroom, slotSize);
    }

    public int capacity() {
        return slots.length;
    }

    public int headroom() {
        return headroom;
    }

    public int slotSize() {
        return slotSize;
    }

    /** Number of slots, from 0, that hold a packet. */
    public int count() {
        return count;
    }

    public void count(int n) {
        if (n < 0 || n > slots.length) {
            throw new IndexOutOfBoundsException("count " + n + " of " + slots.length);
        }
        count = n;
    }

    /** The slot buffer; its {@code position..limit} is the packet. */
    public ByteBuffer slot(int i) {
        return slots[i];
    }

    /** The single direct buffer all slots live in (for native plugins that need its address). */
    public ByteBuffer backing() {
        return backing;
    }

    /** Offset of slot {@code i}'s first byte (not its packet) inside {@link #backing()}. */
    public int slotOffset(int i) {
        return i * slotSize;
    }

    /**
     * For link sockets: the address slot {@code i}'s packet came from when it differs from the
     * socket's current remote (or the socket has none yet); {@code null} when it came from the remote.
     */
    public SocketAddress source(int i) {
        return sources[i];
    }

    public void source(int i, SocketAddress address) {
        sources[i] = address;
    }

    /** Empties the batch and makes every slot ready to be read into ({@code position = headroom, limit = slotSize}). */
    public void clear() {
        count = 0;
        for (int i = 0; i < slots.length; i++) {
            slots[i].limit(slotSize).position(headroom);
            sources[i] = null;
        }
    }

    /** Readies one slot to be read into, as {@link #clear()} does for all. */
    public ByteBuffer prepareSlot(int i) {
        sources[i] = null;
        return slots[i].limit(slotSize).position(headroom);
    }

    /** Moves slots {@code from..count-1} to the front, keeping their framing; for partial writes. */
    public void compact(int from) {
        if (from <= 0) {
            return;
        }
        int remaining = count - from;
        for (int i = 0; i < remaining; i++) {
            ByteBuffer src = slots[from + i];
            ByteBuffer dst = slots[i];
            int pos = src.position();
            int len = src.remaining();
            dst.limit(slotSize).position(pos);
            dst.put(src.duplicate());
            dst.limit(pos + len).position(pos);
            sources[i] = sources[from + i];
        }
        count = remaining;
    }
}
