package org.culvert.platform.win32.fake;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.culvert.platform.win32.HandleArray;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.OverlappedIo;

/**
 * kernel32 in Java, following the documented Windows semantics closely enough that code passing its
 * tests behaves the same on Windows:
 * <ul>
 * <li>events are manual- or auto-reset; a wait that returns an auto-reset event's index resets it;</li>
 * <li>{@code WaitForMultipleObjects} returns {@code WAIT_OBJECT_0 + i} for the <em>lowest</em>
 * signalled index, {@code WAIT_TIMEOUT}, or {@code WAIT_FAILED} with {@code ERROR_INVALID_PARAMETER}
 * for more than 64 handles and {@code ERROR_INVALID_HANDLE} for a handle that is not a waitable
 * object;</li>
 * <li>waitable timers are unsignalled from {@code SetWaitableTimer} until their due time;</li>
 * <li>{@code ReadFile}/{@code WriteFile} on a file from {@link #addDevice} are handed to the
 * {@link FileDevice}, which completes them at once, fails them, or leaves them pending
 * ({@code ERROR_IO_PENDING}) and completes them later from another thread, which signals the
 * OVERLAPPED's event; {@code GetOverlappedResult(..., FALSE)} fails with {@code ERROR_IO_INCOMPLETE}
 * while pending; {@code CancelIoEx} completes a pending operation with
 * {@code ERROR_OPERATION_ABORTED}.</li>
 * </ul>
 * Misuse that would corrupt memory or hit a recycled handle on Windows (a call on a closed handle, an
 * OVERLAPPED freed while its operation is pending, {@code GetOverlappedResult} on an operation never
 * started) fails the call and is recorded in {@link #violations()}, which tests assert empty.
 *
 * <p>Thread-safe: one monitor guards every object, and every state change wakes all waiters.
 */
public class FakeKernel32 implements Kernel32Api {
    private final Object monitor = new Object();
    private final Map<Long, KernelObject> objects = new HashMap<>();
    private final Map<String, FileDevice> devices = new HashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final ThreadLocal<int[]> lastError = ThreadLocal.withInitial(() -> new int[1]);
    private long nextHandle = 0x1000;
    private volatile int waitCalls;
    private volatile boolean signalSynchronousCompletions = true;

    /** A file-like device that {@link #createFile} can open: the "driver" side of {@code ReadFile}/{@code WriteFile}. */
    public interface FileDevice {
        /** {@code CreateFile} on the device's path: {@code ERROR_SUCCESS} or the error to fail it with. */
        default int open() {
            return ERROR_SUCCESS;
        }

        /**
         * A {@code ReadFile} of up to {@code length} bytes: call {@link FakeOverlappedIo#completeNow},
         * {@link FakeOverlappedIo#failNow} or nothing (the read is then pending and must be completed
         * later with {@link FakeOverlappedIo#complete}).
         */
        void read(FakeOverlappedIo io, int length);

        /** A {@code WriteFile} of {@code io.buffer()[0..length)}, with the same three outcomes. */
        void write(FakeOverlappedIo io, int length);

        /** A synchronous {@code DeviceIoControl}: returns {@code ERROR_SUCCESS} or an error. */
        default int ioctl(int code, byte[] in, byte[] out, int[] bytesReturned) {
            return ERROR_INVALID_FUNCTION;
        }

        /** A pending operation was cancelled (its completion with ERROR_OPERATION_ABORTED follows). */
        default void cancelled(FakeOverlappedIo io) {
        }

        /** The file handle was closed. */
        default void closed() {
        }
    }

    private abstract static class KernelObject {
        boolean closed;
    }

    private static class Event extends KernelObject {
        final boolean manualReset;
        boolean signalled;

        Event(boolean manualReset, boolean signalled) {
            this.manualReset = manualReset;
            this.signalled = signalled;
        }
    }

    private static final class Timer extends Event {
        long dueNanos = Long.MAX_VALUE;

        Timer(boolean manualReset) {
            super(manualReset, false);
        }
    }

    private static final class File extends KernelObject {
        final FileDevice device;
        final String path;

        File(FileDevice device, String path) {
            this.device = device;
            this.path = path;
        }
    }

    /** The fake's OVERLAPPED + buffer: pending, completed (status, bytes) or idle. */
    public final class FakeOverlappedIo implements OverlappedIo {
        private final long event;
        private final ByteBuffer buffer;
        private boolean pending;
        private boolean started;
        private boolean inCall;
        private int status;
        private int bytes;
        private boolean closed;

        FakeOverlappedIo(long event, int bufferSize) {
            this.event = event;
            this.buffer = ByteBuffer.allocateDirect(bufferSize);
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
            synchronized (monitor) {
                return bytes;
            }
        }

        /** True while an operation on it is pending. */
        public boolean isPending() {
            synchronized (monitor) {
                return pending;
            }
        }

        /** From inside {@link FileDevice#read}/{@link FileDevice#write}: the operation completed synchronously. */
        public void completeNow(int transferred) {
            synchronized (monitor) {
                requireInCall();
                finish(ERROR_SUCCESS, transferred);
            }
        }

        /** From inside {@link FileDevice#read}/{@link FileDevice#write}: the call fails at once with {@code error}. */
        public void failNow(int error) {
            synchronized (monitor) {
                requireInCall();
                inCall = false;
                started = false;
                status = error;
                bytes = 0;
            }
        }

        /**
         * Completes a pending operation (any thread): sets its status and byte count and signals its
         * event, as the I/O manager does.
         *
         * @return false when it was not pending (e.g. already cancelled)
         */
        public boolean complete(int error, int transferred) {
            synchronized (monitor) {
                if (!pending) {
                    return false;
                }
                finish(error, transferred);
                return true;
            }
        }

        private void finish(int error, int transferred) {
            boolean synchronous = inCall;
            pending = false;
            inCall = false;
            started = true;
            status = error;
            bytes = transferred;
            KernelObject o = objects.get(event);
            if (o instanceof Event && !o.closed && (!synchronous || signalSynchronousCompletions)) {
                ((Event) o).signalled = true;
            }
            monitor.notifyAll();
        }

        private void requireInCall() {
            if (!inCall) {
                throw new IllegalStateException("completeNow/failNow only inside FileDevice.read/write");
            }
        }

        @Override
        public void close() {
            synchronized (monitor) {
                if (pending) {
                    violation("OVERLAPPED freed while its operation is pending");
                }
                closed = true;
            }
        }
    }

    private final class FakeHandleArray implements HandleArray {
        final long[] handles;

        FakeHandleArray(int capacity) {
            handles = new long[capacity];
        }

        @Override
        public int capacity() {
            return handles.length;
        }

        @Override
        public void set(int index, long handle) {
            handles[index] = handle;
        }

        @Override
        public long get(int index) {
            return handles[index];
        }
    }

    // ---- test controls -------------------------------------------------------------------------

    /** Makes {@code path} openable with {@link #createFile}, served by {@code device}. */
    public void addDevice(String path, FileDevice device) {
        synchronized (monitor) {
            devices.put(path.toLowerCase(java.util.Locale.ROOT), device);
        }
    }

    public void removeDevice(String path) {
        synchronized (monitor) {
            devices.remove(path.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /**
     * Whether an operation that completes synchronously also signals its OVERLAPPED's event (what the
     * I/O manager normally does; default true). Tests turn it off to show that code which must see
     * the completion in a later wait signals the event itself, as OpenVPN's {@code tun_read_queue} does.
     */
    public void signalSynchronousCompletions(boolean value) {
        signalSynchronousCompletions = value;
    }

    /** Misuse recorded so far (calls on closed handles, OVERLAPPEDs freed while pending...). */
    public List<String> violations() {
        return new ArrayList<>(violations);
    }

    /** Handles created and not yet closed. */
    public int openHandles() {
        synchronized (monitor) {
            int n = 0;
            for (KernelObject o : objects.values()) {
                if (!o.closed) {
                    n++;
                }
            }
            return n;
        }
    }

    /** Whether the event or timer is signalled, without consuming an auto-reset signal. */
    public boolean isSignalled(long handle) {
        synchronized (monitor) {
            KernelObject o = objects.get(handle);
            return o instanceof Event && !o.closed && signalled((Event) o, System.nanoTime());
        }
    }

    /** Whether the handle names a live object. */
    public boolean isOpen(long handle) {
        synchronized (monitor) {
            KernelObject o = objects.get(handle);
            return o != null && !o.closed;
        }
    }

    /** Number of {@code WaitForMultipleObjects} calls so far (to show a wait happened). */
    public int waitCalls() {
        return waitCalls;
    }

    /** Sets the calling thread's last error, as the fake natives built on this kernel do ({@code SetLastError}). */
    public void setLastError(int error) {
        lastError.get()[0] = error;
    }

    void violation(String what) {
        violations.add(what + " (thread " + Thread.currentThread().getName() + ")");
    }

    // ---- Kernel32Api ---------------------------------------------------------------------------

    @Override
    public int getLastError() {
        return lastError.get()[0];
    }

    private boolean fail(int error) {
        setLastError(error);
        return false;
    }

    private long add(KernelObject o) {
        synchronized (monitor) {
            long h = nextHandle;
            nextHandle += 4; // Windows handles are multiples of 4
            objects.put(h, o);
            return h;
        }
    }

    @Override
    public long createEvent(boolean manualReset, boolean initialState) {
        return add(new Event(manualReset, initialState));
    }

    @Override
    public boolean setEvent(long event) {
        synchronized (monitor) {
            Event e = event(event, "SetEvent");
            if (e == null) {
                return fail(ERROR_INVALID_HANDLE);
            }
            e.signalled = true;
            monitor.notifyAll();
            return true;
        }
    }

    @Override
    public boolean resetEvent(long event) {
        synchronized (monitor) {
            Event e = event(event, "ResetEvent");
            if (e == null) {
                return fail(ERROR_INVALID_HANDLE);
            }
            e.signalled = false;
            return true;
        }
    }

    @Override
    public long createWaitableTimer(boolean manualReset) {
        return add(new Timer(manualReset));
    }

    @Override
    public boolean setWaitableTimer(long timer, long dueTime100ns) {
        synchronized (monitor) {
            Event e = event(timer, "SetWaitableTimer");
            if (!(e instanceof Timer)) {
                return fail(ERROR_INVALID_HANDLE);
            }
            Timer t = (Timer) e;
            t.signalled = false;
            long now = System.nanoTime();
            // Negative: relative in 100 ns units; positive: an absolute FILETIME, treated as already past.
            t.dueNanos = dueTime100ns < 0 ? now + (-dueTime100ns) * 100 : now;
            monitor.notifyAll();
            return true;
        }
    }

    @Override
    public boolean closeHandle(long handle) {
        FileDevice closedDevice = null;
        synchronized (monitor) {
            KernelObject o = objects.get(handle);
            if (o == null || o.closed) {
                violation("CloseHandle(0x" + Long.toHexString(handle) + ") on a handle that is not open");
                return fail(ERROR_INVALID_HANDLE);
            }
            o.closed = true;
            if (o instanceof File) {
                closedDevice = ((File) o).device;
            }
            monitor.notifyAll();
        }
        if (closedDevice != null) {
            closedDevice.closed();
        }
        return true;
    }

    @Override
    public int waitForSingleObject(long handle, int millis) {
        FakeHandleArray one = new FakeHandleArray(1);
        one.set(0, handle);
        return waitForMultipleObjects(one, 1, millis);
    }

    @Override
    public HandleArray newHandleArray(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        return new FakeHandleArray(capacity);
    }

    @Override
    public int waitForMultipleObjects(HandleArray handles, int count, int millis) {
        waitCalls++;
        long[] hs = ((FakeHandleArray) handles).handles;
        if (count < 1 || count > MAXIMUM_WAIT_OBJECTS || count > hs.length) {
            setLastError(ERROR_INVALID_PARAMETER);
            return WAIT_FAILED;
        }
        long deadline = millis == INFINITE ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (monitor) {
            Event[] events = new Event[count];
            for (int i = 0; i < count; i++) {
                KernelObject o = objects.get(hs[i]);
                if (!(o instanceof Event) || o.closed) {
                    if (o != null && o.closed) {
                        violation("wait on closed handle 0x" + Long.toHexString(hs[i]));
                    }
                    setLastError(ERROR_INVALID_HANDLE);
                    return WAIT_FAILED;
                }
                events[i] = (Event) o;
            }
            for (;;) {
                long now = System.nanoTime();
                long nextTimer = Long.MAX_VALUE;
                for (int i = 0; i < count; i++) {
                    Event e = events[i];
                    if (signalled(e, now)) {
                        if (!e.manualReset) {
                            e.signalled = false;
                        }
                        return WAIT_OBJECT_0 + i;
                    }
                    if (e instanceof Timer) {
                        nextTimer = Math.min(nextTimer, ((Timer) e).dueNanos);
                    }
                }
                long until = Math.min(deadline, nextTimer);
                if (now >= deadline) {
                    return WAIT_TIMEOUT;
                }
                long waitNanos = until == Long.MAX_VALUE ? 0 : Math.max(1, until - now);
                try {
                    if (waitNanos == 0) {
                        monitor.wait();
                    } else {
                        TimeUnit.NANOSECONDS.timedWait(monitor, waitNanos);
                    }
                } catch (InterruptedException ie) {
                    // A real wait cannot be interrupted from Java; the fake ends it as failed and
                    // keeps the flag, so a test thread being torn down does not hang here.
                    Thread.currentThread().interrupt();
                    setLastError(ERROR_OPERATION_ABORTED);
                    return WAIT_FAILED;
                }
            }
        }
    }

    private static boolean signalled(Event e, long now) {
        if (e instanceof Timer) {
            Timer t = (Timer) e;
            if (!t.signalled && now >= t.dueNanos) {
                t.signalled = true;
                t.dueNanos = Long.MAX_VALUE;
            }
        }
        return e.signalled;
    }

    @Override
    public long createFile(String path, int access, int shareMode, int creationDisposition, int flagsAndAttributes) {
        FileDevice device;
        synchronized (monitor) {
            device = devices.get(path.toLowerCase(java.util.Locale.ROOT));
        }
        if (device == null) {
            setLastError(ERROR_FILE_NOT_FOUND);
            return INVALID_HANDLE_VALUE;
        }
        int error = device.open();
        if (error != ERROR_SUCCESS) {
            setLastError(error);
            return INVALID_HANDLE_VALUE;
        }
        if ((flagsAndAttributes & FILE_FLAG_OVERLAPPED) == 0) {
            violation("CreateFile(" + path + ") without FILE_FLAG_OVERLAPPED");
        }
        return add(new File(device, path));
    }

    @Override
    public boolean deviceIoControl(long device, int controlCode, byte[] in, byte[] out, int[] bytesReturned) {
        File f;
        synchronized (monitor) {
            f = file(device, "DeviceIoControl");
        }
        if (f == null) {
            return fail(ERROR_INVALID_HANDLE);
        }
        int error = f.device.ioctl(controlCode, in, out, bytesReturned);
        return error == ERROR_SUCCESS || fail(error);
    }

    @Override
    public OverlappedIo newOverlappedIo(long event, int bufferSize) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("bufferSize " + bufferSize);
        }
        return new FakeOverlappedIo(event, bufferSize);
    }

    @Override
    public boolean readFile(long file, OverlappedIo io, int length) {
        return startIo(file, (FakeOverlappedIo) io, length, true);
    }

    @Override
    public boolean writeFile(long file, OverlappedIo io, int length) {
        return startIo(file, (FakeOverlappedIo) io, length, false);
    }

    private boolean startIo(long file, FakeOverlappedIo io, int length, boolean read) {
        String call = read ? "ReadFile" : "WriteFile";
        File f;
        synchronized (monitor) {
            f = file(file, call);
            if (f == null) {
                return fail(ERROR_INVALID_HANDLE);
            }
            if (io.closed) {
                violation(call + " with a freed OVERLAPPED");
                return fail(ERROR_INVALID_PARAMETER);
            }
            if (io.pending) {
                violation(call + " reusing an OVERLAPPED whose operation is still pending");
                return fail(ERROR_INVALID_PARAMETER);
            }
            if (length < 0 || length > io.buffer.capacity()) {
                violation(call + " length " + length + " beyond the buffer");
                return fail(ERROR_INVALID_USER_BUFFER);
            }
            io.inCall = true;
            io.pending = true;
            io.started = false;
            io.status = ERROR_IO_PENDING;
            io.bytes = 0;
        }
        // The device runs outside the monitor so it may complete, fail or leave the call pending.
        if (read) {
            f.device.read(io, length);
        } else {
            f.device.write(io, length);
        }
        synchronized (monitor) {
            if (io.inCall) {
                // Neither completed nor failed during the call: it is pending.
                io.inCall = false;
                io.started = true;
                return fail(ERROR_IO_PENDING);
            }
            if (!io.started) {
                // failNow
                io.pending = false;
                return fail(io.status);
            }
            if (io.status != ERROR_SUCCESS) {
                // Completed with an error inside the call: the call itself reports it.
                return fail(io.status);
            }
            return true;
        }
    }

    @Override
    public boolean getOverlappedResult(long file, OverlappedIo overlapped, boolean wait) {
        FakeOverlappedIo io = (FakeOverlappedIo) overlapped;
        synchronized (monitor) {
            if (file(file, "GetOverlappedResult") == null) {
                return fail(ERROR_INVALID_HANDLE);
            }
            if (!io.started) {
                violation("GetOverlappedResult on an OVERLAPPED with no operation started");
                return fail(ERROR_INVALID_PARAMETER);
            }
            while (io.pending) {
                if (!wait) {
                    return fail(ERROR_IO_INCOMPLETE);
                }
                try {
                    monitor.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return fail(ERROR_OPERATION_ABORTED);
                }
            }
            return io.status == ERROR_SUCCESS || fail(io.status);
        }
    }

    @Override
    public boolean cancelIoEx(long file, OverlappedIo overlapped) {
        FakeOverlappedIo io = (FakeOverlappedIo) overlapped;
        File f;
        synchronized (monitor) {
            f = file(file, "CancelIoEx");
            if (f == null) {
                return fail(ERROR_INVALID_HANDLE);
            }
            if (!io.pending) {
                return fail(ERROR_NOT_FOUND);
            }
        }
        f.device.cancelled(io);
        io.complete(ERROR_OPERATION_ABORTED, 0);
        return true;
    }

    private Event event(long handle, String call) {
        KernelObject o = objects.get(handle);
        if (o instanceof Event && !o.closed) {
            return (Event) o;
        }
        violation(call + "(0x" + Long.toHexString(handle) + ") on " + (o == null ? "an unknown" : "a closed") + " handle");
        return null;
    }

    private File file(long handle, String call) {
        KernelObject o = objects.get(handle);
        if (o instanceof File && !o.closed) {
            return (File) o;
        }
        violation(call + "(0x" + Long.toHexString(handle) + ") on " + (o == null ? "an unknown" : "a closed") + " file handle");
        return null;
    }
}
