package org.culvert.api.event;

/**
 * Windows event HANDLEs, as OpenVPN's {@code struct rw_handle}: one signalled when a read completed
 * (or data is available), one when a write completed. Both may be the same handle (a socket under
 * {@code WSAEventSelect}). Values are raw HANDLE values; 0 means "none" for that direction.
 */
public final class Win32EventWaitable implements Waitable {
    private final long readEvent;
    private final long writeEvent;

    public Win32EventWaitable(long readEvent, long writeEvent) {
        this.readEvent = readEvent;
        this.writeEvent = writeEvent;
    }

    public long readEvent() {
        return readEvent;
    }

    public long writeEvent() {
        return writeEvent;
    }

    @Override
    public HandleKind kind() {
        return HandleKind.WIN32_EVENT;
    }

    @Override
    public String toString() {
        return "win32 events read=0x" + Long.toHexString(readEvent) + " write=0x" + Long.toHexString(writeEvent);
    }
}
