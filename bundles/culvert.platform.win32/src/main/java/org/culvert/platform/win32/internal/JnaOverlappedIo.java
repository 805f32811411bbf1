package org.culvert.platform.win32.internal;

import java.nio.ByteBuffer;

import org.culvert.platform.win32.OverlappedIo;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;

/**
 * A native {@code OVERLAPPED} (jna-platform's {@link WinBase.OVERLAPPED} layout) plus a data buffer
 * and a {@code DWORD} for the byte count, in memory JNA allocated and that stays put until
 * {@link #close()}.
 *
 * <p>The structure's automatic Java/native synchronisation is turned off: JNA would otherwise write
 * its stale Java fields over {@code Internal}/{@code InternalHigh} before every call that passes it,
 * while the kernel owns them. Only {@code hEvent} is written, once; calls pass the raw address.
 */
final class JnaOverlappedIo implements OverlappedIo {
    private final WinBase.OVERLAPPED overlapped = new WinBase.OVERLAPPED();
    private final Memory data;
    private final Memory bytes = new Memory(4);
    private final ByteBuffer buffer;
    private final long event;
    final long overlappedAddress;
    final long dataAddress;
    final long bytesAddress;
    private boolean closed;

    JnaOverlappedIo(long event, int bufferSize) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("bufferSize " + bufferSize);
        }
        this.event = event;
        overlapped.setAutoSynch(false);
        overlapped.hEvent = new WinNT.HANDLE(new Pointer(event));
        overlapped.writeField("hEvent");
        data = new Memory(bufferSize);
        data.clear();
        buffer = data.getByteBuffer(0, bufferSize);
        bytes.setInt(0, 0);
        overlappedAddress = Pointer.nativeValue(overlapped.getPointer());
        dataAddress = Pointer.nativeValue(data);
        bytesAddress = Pointer.nativeValue(bytes);
    }

    /** Clears Internal, InternalHigh, Offset and OffsetHigh before a new operation (hEvent stays). */
    void resetForNewOperation() {
        Pointer p = overlapped.getPointer();
        // Internal and InternalHigh are ULONG_PTR (8 bytes each on 64-bit); Offset/OffsetHigh follow.
        p.setLong(0, 0);
        p.setLong(8, 0);
        p.setLong(16, 0);
        bytes.setInt(0, 0);
    }

    /** After a synchronous completion: the byte count the system left in {@code InternalHigh}. */
    void takeCountFromOverlapped() {
        bytes.setInt(0, (int) overlapped.getPointer().getLong(8));
    }

    @Override
    public long event() {
        return event;
    }

    @Override
    public ByteBuffer buffer() {
        return buffer;
    }

    @Override
    public int bytesTransferred() {
        return bytes.getInt(0);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            data.close();
            bytes.close();
        }
    }
}
