package org.culvert.platform.win32.internal;

import org.culvert.platform.win32.winsock.NetworkEvents;
import org.culvert.platform.win32.winsock.Ws2Api;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/** {@code WSANETWORKEVENTS}: {@code long lNetworkEvents} (4 bytes on Windows), then {@code int iErrorCode[10]}. */
final class JnaNetworkEvents implements NetworkEvents {
    private static final int SIZE = 4 + 4 * Ws2Api.FD_MAX_EVENTS;
    private final Memory memory = new Memory(SIZE);
    final long address;

    JnaNetworkEvents() {
        memory.clear();
        address = Pointer.nativeValue(memory);
    }

    @Override
    public int events() {
        return memory.getInt(0);
    }

    @Override
    public int errorCode(int bit) {
        if (bit < 0 || bit >= Ws2Api.FD_MAX_EVENTS) {
            throw new IndexOutOfBoundsException("event bit " + bit);
        }
        return memory.getInt(4 + 4L * bit);
    }
}
