package org.culvert.platform.win32.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.culvert.platform.win32.winsock.SockAddr;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * {@code SOCKADDR_STORAGE} followed by the {@code int} length cell, in one block of JNA memory that
 * stays put for the object's life: {@link #address} is the storage, {@link #lengthAddress} the cell
 * Winsock fills in ({@code recvfrom}'s {@code fromlen}, {@code accept}'s {@code addrlen}).
 */
final class JnaSockAddr implements SockAddr {
    private final Memory memory = new Memory(STORAGE_SIZE + 8);
    private final ByteBuffer storage;
    final long address;
    final long lengthAddress;

    JnaSockAddr() {
        memory.clear();
        storage = memory.getByteBuffer(0, STORAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        address = Pointer.nativeValue(memory);
        lengthAddress = address + STORAGE_SIZE;
    }

    @Override
    public ByteBuffer storage() {
        return storage;
    }

    @Override
    public int length() {
        return memory.getInt(STORAGE_SIZE);
    }

    @Override
    public void length(int length) {
        memory.setInt(STORAGE_SIZE, length);
    }
}
