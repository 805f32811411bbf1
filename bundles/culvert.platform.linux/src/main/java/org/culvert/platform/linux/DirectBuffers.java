package org.culvert.platform.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Native addresses of direct {@link ByteBuffer}s, to pass to {@link LibC}'s {@code long} pointer
 * parameters. {@link #address} allocates a small JNA object, so callers on the data path compute it
 * once per buffer (e.g. per {@code PacketBatch}, whose backing buffer never
 * moves) through an {@link AddressCache}.
 */
public final class DirectBuffers {
    private DirectBuffers() {
    }

    /**
     * The address of {@code buffer}'s element 0 (not its position).
     *
     * @throws IllegalArgumentException if the buffer is not direct
     */
    public static long address(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        return Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
    }

    /** A direct buffer of {@code size} zeroed bytes in the platform's byte order, for native structures. */
    public static ByteBuffer allocateNative(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
    }

    /**
     * Remembers the address of the buffer it saw last, so that a loop handing the same buffer again
     * and again pays for {@link DirectBuffers#address} once. Not thread-safe: one per thread or per
     * direction of a device. Holds a strong reference to the last buffer.
     */
    public static final class AddressCache {
        private ByteBuffer buffer;
        private long address;

        /** The address of {@code buffer}'s element 0; allocation-free when it is the same buffer as last time. */
        public long address(ByteBuffer buffer) {
            if (buffer != this.buffer) {
                address = DirectBuffers.address(buffer);
                this.buffer = buffer;
            }
            return address;
        }

        /** Drops the remembered buffer. */
        public void clear() {
            buffer = null;
            address = 0;
        }
    }
}
