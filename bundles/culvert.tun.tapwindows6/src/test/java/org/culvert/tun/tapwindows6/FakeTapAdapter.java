package org.culvert.tun.tapwindows6;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.fake.FakeKernel32;
import org.culvert.platform.win32.fake.FakeKernel32.FakeOverlappedIo;

/**
 * A TAP-Windows6 adapter as the fake kernel32 serves it behind {@code \\.\Global\{GUID}.tap}: the
 * driver side of overlapped {@code ReadFile}/{@code WriteFile} and the TAP ioctls, plus the "OS side"
 * a test drives. Packets the OS sends ({@link #inject}) complete a pending read (signalling its event)
 * or wait for the next {@code ReadFile}, which then completes at once; packets the device writes are
 * collected for {@link #takeWritten}. Knobs script the outcomes Windows can produce.
 */
final class FakeTapAdapter implements FakeKernel32.FileDevice {
    private final Deque<byte[]> inbound = new ArrayDeque<>();
    private final LinkedBlockingQueue<byte[]> written = new LinkedBlockingQueue<>();
    private final List<String> ioctls = new ArrayList<>();
    private FakeOverlappedIo pendingRead;
    private int pendingReadLength;
    private FakeOverlappedIo pendingWrite;
    private int pendingWriteLength;

    // Knobs.
    int openError = Kernel32Api.ERROR_SUCCESS;
    int versionMajor = 9;
    int versionMinor = 27;
    boolean versionFails;
    int adapterMtu = 1500;
    int nextReadError;
    boolean pendWrites;
    int writeError;
    byte[] configTun;
    Integer mediaStatus;
    int opens;
    int closes;

    @Override
    public synchronized int open() {
        if (openError == Kernel32Api.ERROR_SUCCESS) {
            opens++;
        }
        return openError;
    }

    private int readsBeforeFailure = -1;
    private int scheduledReadError;

    /** The read after the next {@code reads} reads fails at once with {@code error}. */
    synchronized void failReadAfter(int reads, int error) {
        readsBeforeFailure = reads;
        scheduledReadError = error;
    }

    @Override
    public synchronized void read(FakeOverlappedIo io, int length) {
        if (readsBeforeFailure == 0) {
            readsBeforeFailure = -1;
            io.failNow(scheduledReadError);
            return;
        }
        if (readsBeforeFailure > 0) {
            readsBeforeFailure--;
        }
        if (nextReadError != 0) {
            int e = nextReadError;
            nextReadError = 0;
            io.failNow(e);
            return;
        }
        if (!inbound.isEmpty()) {
            byte[] packet = inbound.poll();
            if (packet.length > length) {
                io.failNow(Kernel32Api.ERROR_MORE_DATA);
            } else {
                io.completeNow(copyInto(io, packet, length));
            }
            return;
        }
        pendingRead = io;
        pendingReadLength = length;
    }

    private static int copyInto(FakeOverlappedIo io, byte[] packet, int length) {
        int n = Math.min(packet.length, length);
        io.buffer().put(0, packet, 0, n);
        return n;
    }

    private void completePendingRead(byte[] packet) {
        FakeOverlappedIo io = pendingRead;
        pendingRead = null;
        if (packet.length > pendingReadLength) {
            io.complete(Kernel32Api.ERROR_MORE_DATA, copyInto(io, packet, pendingReadLength));
        } else {
            io.complete(Kernel32Api.ERROR_SUCCESS, copyInto(io, packet, pendingReadLength));
        }
    }

    /** The OS sends a packet into the adapter: it completes a pending read, or waits for the next one. */
    synchronized void inject(byte[] packet) {
        if (pendingRead != null) {
            completePendingRead(packet);
        } else {
            inbound.add(packet);
        }
    }

    /** Completes the pending read with {@code error} and no data: what GetOverlappedResult then reports. */
    synchronized boolean failPendingRead(int error) {
        if (pendingRead == null) {
            return false;
        }
        FakeOverlappedIo io = pendingRead;
        pendingRead = null;
        return io.complete(error, 0);
    }

    /** Completes the pending read successfully with zero bytes. */
    synchronized boolean completePendingReadEmpty() {
        if (pendingRead == null) {
            return false;
        }
        FakeOverlappedIo io = pendingRead;
        pendingRead = null;
        return io.complete(Kernel32Api.ERROR_SUCCESS, 0);
    }

    synchronized boolean hasPendingRead() {
        return pendingRead != null;
    }

    @Override
    public synchronized void write(FakeOverlappedIo io, int length) {
        if (writeError != 0) {
            io.failNow(writeError);
            return;
        }
        byte[] packet = new byte[length];
        io.buffer().get(0, packet);
        if (pendWrites) {
            pendingWrite = io;
            pendingWriteLength = length;
            written.add(packet); // the driver has the bytes; completion follows
            return;
        }
        written.add(packet);
        io.completeNow(length);
    }

    /** Completes the pending write (any thread), signalling its event. */
    synchronized boolean completePendingWrite(int error) {
        if (pendingWrite == null) {
            return false;
        }
        FakeOverlappedIo io = pendingWrite;
        pendingWrite = null;
        return io.complete(error, error == 0 ? pendingWriteLength : 0);
    }

    synchronized boolean hasPendingWrite() {
        return pendingWrite != null;
    }

    /** The next packet the device wrote, or null after the timeout. */
    byte[] takeWritten(long timeoutMillis) throws InterruptedException {
        return written.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized int ioctl(int code, byte[] in, byte[] out, int[] bytesReturned) {
        if (code == TapIoctl.GET_VERSION) {
            ioctls.add("GET_VERSION");
            if (versionFails) {
                return Kernel32Api.ERROR_INVALID_FUNCTION;
            }
            ByteBuffer b = ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.putInt(0, versionMajor).putInt(4, versionMinor).putInt(8, 0);
            returned(bytesReturned, 12);
            return Kernel32Api.ERROR_SUCCESS;
        }
        if (code == TapIoctl.GET_MTU) {
            ioctls.add("GET_MTU");
            ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, adapterMtu);
            returned(bytesReturned, 4);
            return Kernel32Api.ERROR_SUCCESS;
        }
        if (code == TapIoctl.CONFIG_TUN) {
            ioctls.add("CONFIG_TUN");
            if (in == null || in.length != 12) {
                return Kernel32Api.ERROR_INVALID_PARAMETER;
            }
            configTun = in.clone();
            returned(bytesReturned, 12);
            return Kernel32Api.ERROR_SUCCESS;
        }
        if (code == TapIoctl.SET_MEDIA_STATUS) {
            ioctls.add("SET_MEDIA_STATUS");
            if (in == null || in.length != 4) {
                return Kernel32Api.ERROR_INVALID_PARAMETER;
            }
            mediaStatus = ByteBuffer.wrap(in).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0);
            returned(bytesReturned, 0);
            return Kernel32Api.ERROR_SUCCESS;
        }
        return Kernel32Api.ERROR_INVALID_FUNCTION;
    }

    private static void returned(int[] bytesReturned, int n) {
        if (bytesReturned != null && bytesReturned.length > 0) {
            bytesReturned[0] = n;
        }
    }

    synchronized List<String> ioctls() {
        return new ArrayList<>(ioctls);
    }

    @Override
    public synchronized void cancelled(FakeOverlappedIo io) {
        if (io == pendingRead) {
            pendingRead = null;
        }
        if (io == pendingWrite) {
            pendingWrite = null;
        }
    }

    @Override
    public synchronized void closed() {
        closes++;
    }
}
