package org.culvert.platform.win32.internal;

import org.culvert.platform.win32.HandleArray;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/** {@code HANDLE[capacity]} in JNA memory (8 bytes per handle: 64-bit Windows only). */
final class JnaHandleArray implements HandleArray {
    private final Memory memory;
    private final int capacity;
    final long address;

    JnaHandleArray(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
        memory = new Memory(8L * capacity);
        memory.clear();
        address = Pointer.nativeValue(memory);
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void set(int index, long handle) {
        memory.setLong(8L * checkIndex(index), handle);
    }

    @Override
    public long get(int index) {
        return memory.getLong(8L * checkIndex(index));
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= capacity) {
            throw new IndexOutOfBoundsException("handle index " + index + " of " + capacity);
        }
        return index;
    }
}
