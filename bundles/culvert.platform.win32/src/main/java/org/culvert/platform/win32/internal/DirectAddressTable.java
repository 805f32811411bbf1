package org.culvert.platform.win32.internal;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReferenceArray;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Remembers the native addresses of the direct buffers recently passed to {@link JnaWs2}, so that the
 * per-packet calls do not ask JNA (which allocates a {@link Pointer}) each time. A small table indexed
 * by identity hash: a tunnel reuses the same few batch buffers for its whole life, so after the first
 * packet every lookup is a hit. Entries hold their buffer weakly and are replaced on collision.
 * Lock-free; any thread.
 */
final class DirectAddressTable {
    private static final int SIZE = 64;
    private final AtomicReferenceArray<Entry> entries = new AtomicReferenceArray<>(SIZE);

    private static final class Entry extends WeakReference<ByteBuffer> {
        final long address;

        Entry(ByteBuffer buffer, long address) {
            super(buffer);
            this.address = address;
        }
    }

    /** The address of {@code buffer}'s element 0. */
    long address(ByteBuffer buffer) {
        int slot = System.identityHashCode(buffer) & (SIZE - 1);
        Entry e = entries.get(slot);
        if (e != null && e.get() == buffer) {
            return e.address;
        }
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("Winsock buffers must be direct");
        }
        long address = Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
        entries.set(slot, new Entry(buffer, address));
        return address;
    }
}
