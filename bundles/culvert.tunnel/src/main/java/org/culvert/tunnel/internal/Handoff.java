package org.culvert.tunnel.internal;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.culvert.api.packet.PacketBatch;

/**
 * A bounded queue of packets between the server's threads (link thread to a data thread, data thread
 * to data thread for client-to-client, data threads to the link thread). Packets are copied into
 * slots carved out of one direct buffer at creation, each with its client instance and an address,
 * so passing a packet allocates nothing. Any number of producers, one consumer. A full queue refuses
 * the packet (the caller counts the drop), as a full socket buffer would: a slow consumer never blocks
 * a producer, so one busy client cannot stall another thread.
 */
final class Handoff {
    /** What a packet is. */
    static final int FROM_LINK = 0;
    static final int FROM_TUN = 1;

    private final ByteBuffer[] slots;
    private final int[] lengths;
    private final int[] kinds;
    private final Object[] instances;
    private final SocketAddress[] addresses;
    private final int slotSize;
    private int head;
    private int size;

    /** @param slotSize the largest packet it takes */
    Handoff(int capacity, int slotSize) {
        this.slotSize = slotSize;
        ByteBuffer backing = ByteBuffer.allocateDirect(capacity * slotSize);
        slots = new ByteBuffer[capacity];
        for (int i = 0; i < capacity; i++) {
            slots[i] = backing.slice(i * slotSize, slotSize).order(ByteOrder.BIG_ENDIAN);
        }
        lengths = new int[capacity];
        kinds = new int[capacity];
        instances = new Object[capacity];
        addresses = new SocketAddress[capacity];
    }

    /**
     * Copies {@code packet}'s {@code position..limit} in (the buffer is not changed).
     *
     * @return 1 when queued into an empty queue (the consumer may need waking), 0 when queued behind
     *         others, -1 when the queue is full or the packet too long (dropped)
     */
    synchronized int offer(ByteBuffer packet, int kind, Object instance, SocketAddress address) {
        int length = packet.remaining();
        if (size == slots.length || length > slotSize) {
            return -1;
        }
        int at = (head + size) % slots.length;
        ByteBuffer slot = slots[at];
        slot.clear();
        slot.put(0, packet, packet.position(), length);
        lengths[at] = length;
        kinds[at] = kind;
        instances[at] = instance;
        addresses[at] = address;
        return size++ == 0 ? 1 : 0;
    }

    /**
     * Moves queued packets into {@code batch} (at its headroom; sources = the addresses) from slot
     * {@code batch.count()} on, while there is room; with {@code sameAddress}, only a run of packets
     * for one address (the link thread sends a run to one peer at a time). Kinds and instances go to
     * {@code kindsOut}/{@code instancesOut} at the same indexes.
     *
     * @return the number moved
     */
    synchronized int drainTo(PacketBatch batch, int[] kindsOut, Object[] instancesOut, boolean sameAddress) {
        int n = batch.count();
        int moved = 0;
        int room = batch.slotSize() - batch.headroom();
        SocketAddress runAddress = n > 0 ? batch.source(n - 1) : null;
        while (size > 0 && n < batch.capacity()) {
            int at = head;
            if (sameAddress && (n > 0 || moved > 0) && !java.util.Objects.equals(addresses[at], runAddress)) {
                break;
            }
            int length = lengths[at];
            ByteBuffer dst = batch.prepareSlot(n);
            if (length <= room) {
                dst.put(batch.headroom(), slots[at], 0, length);
                dst.limit(batch.headroom() + length).position(batch.headroom());
                batch.source(n, addresses[at]);
                if (kindsOut != null) {
                    kindsOut[n] = kinds[at];
                }
                if (instancesOut != null) {
                    instancesOut[n] = instances[at];
                }
                runAddress = addresses[at];
                n++;
            }
            instances[at] = null;
            addresses[at] = null;
            head = (head + 1) % slots.length;
            size--;
            moved++;
        }
        batch.count(n);
        return moved;
    }

    synchronized int size() {
        return size;
    }

    /** Forgets the queued packets of {@code instance} (it closed): they would go nowhere. */
    synchronized void forget(Object instance) {
        for (int i = 0, at = head; i < size; i++, at = (at + 1) % slots.length) {
            if (instances[at] == instance) {
                instances[at] = null;
                lengths[at] = Integer.MAX_VALUE; // longer than any slot: skipped by drainTo
            }
        }
    }
}
