package org.culvert.platform.win32.internal;

import org.culvert.platform.win32.HandleArray;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.OverlappedIo;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;

/**
 * {@link Kernel32Api} on the real kernel32.dll: the data path through {@link Kernel32Direct}'s direct
 * mappings, the setup path ({@code CreateFileW}, {@code DeviceIoControl}) through jna-platform's
 * {@link Kernel32}. Stateless apart from one 8-byte cell for timer due times; thread-safe.
 *
 * <p>Written against the documented Windows API; it cannot run on the Linux machines the project is
 * built on, where the tests use the fake instead (see the project's {@code docs/windows.md}).
 */
public final class JnaKernel32 implements Kernel32Api {
    private final Memory dueTime = new Memory(8);

    /** Binds kernel32; throws {@link LinkageError} where it cannot be loaded (any OS but Windows). */
    public JnaKernel32() {
        Kernel32Direct.bind();
    }

    @Override
    public int getLastError() {
        return Native.getLastError();
    }

    @Override
    public long createEvent(boolean manualReset, boolean initialState) {
        return Kernel32Direct.CreateEventW(0, manualReset, initialState, 0);
    }

    @Override
    public boolean setEvent(long event) {
        return Kernel32Direct.SetEvent(event);
    }

    @Override
    public boolean resetEvent(long event) {
        return Kernel32Direct.ResetEvent(event);
    }

    @Override
    public long createWaitableTimer(boolean manualReset) {
        return Kernel32Direct.CreateWaitableTimerW(0, manualReset, 0);
    }

    @Override
    public boolean setWaitableTimer(long timer, long dueTime100ns) {
        // SetWaitableTimer copies the LARGE_INTEGER before it returns, so one shared cell suffices.
        synchronized (dueTime) {
            dueTime.setLong(0, dueTime100ns);
            return Kernel32Direct.SetWaitableTimer(timer, Pointer.nativeValue(dueTime), 0, 0, 0, false);
        }
    }

    @Override
    public boolean closeHandle(long handle) {
        return Kernel32Direct.CloseHandle(handle);
    }

    @Override
    public int waitForSingleObject(long handle, int millis) {
        return Kernel32Direct.WaitForSingleObject(handle, millis);
    }

    @Override
    public HandleArray newHandleArray(int capacity) {
        return new JnaHandleArray(capacity);
    }

    @Override
    public int waitForMultipleObjects(HandleArray handles, int count, int millis) {
        JnaHandleArray array = (JnaHandleArray) handles;
        if (count < 1 || count > array.capacity()) {
            throw new IllegalArgumentException("count " + count + " of " + array.capacity());
        }
        return Kernel32Direct.WaitForMultipleObjects(count, array.address, false, millis);
    }

    @Override
    public long createFile(String path, int access, int shareMode, int creationDisposition, int flagsAndAttributes) {
        WinNT.HANDLE h = Kernel32.INSTANCE.CreateFile(path, access, shareMode, null, creationDisposition,
                flagsAndAttributes, null);
        if (h == null || WinBase.INVALID_HANDLE_VALUE.equals(h)) {
            return INVALID_HANDLE_VALUE;
        }
        return Pointer.nativeValue(h.getPointer());
    }

    @Override
    public boolean deviceIoControl(long device, int controlCode, byte[] in, byte[] out, int[] bytesReturned) {
        Memory inMemory = null;
        Memory outMemory = null;
        try {
            if (in != null && in.length > 0) {
                inMemory = new Memory(in.length);
                inMemory.write(0, in, 0, in.length);
            }
            if (out != null && out.length > 0) {
                outMemory = new Memory(out.length);
                outMemory.clear();
            }
            IntByReference returned = new IntByReference();
            // A synchronous DeviceIoControl on a handle opened FILE_FLAG_OVERLAPPED is what OpenVPN does
            // with TAP-Windows6: its control codes complete at once, so no OVERLAPPED is needed.
            boolean ok = Kernel32.INSTANCE.DeviceIoControl(new WinNT.HANDLE(new Pointer(device)), controlCode,
                    inMemory, in == null ? 0 : in.length, outMemory, out == null ? 0 : out.length, returned, null);
            if (ok && outMemory != null) {
                outMemory.read(0, out, 0, Math.min(out.length, Math.max(0, returned.getValue())));
            }
            if (bytesReturned != null && bytesReturned.length > 0) {
                bytesReturned[0] = returned.getValue();
            }
            return ok;
        } finally {
            if (inMemory != null) {
                inMemory.close();
            }
            if (outMemory != null) {
                outMemory.close();
            }
        }
    }

    @Override
    public OverlappedIo newOverlappedIo(long event, int bufferSize) {
        return new JnaOverlappedIo(event, bufferSize);
    }

    @Override
    public boolean readFile(long file, OverlappedIo io, int length) {
        JnaOverlappedIo o = checkLength((JnaOverlappedIo) io, length);
        o.resetForNewOperation();
        // lpNumberOfBytesRead is NULL, as Microsoft advises for overlapped calls; a synchronous
        // completion leaves the count in the OVERLAPPED's InternalHigh instead.
        boolean ok = Kernel32Direct.ReadFile(file, o.dataAddress, length, 0, o.overlappedAddress);
        if (ok) {
            o.takeCountFromOverlapped();
        }
        return ok;
    }

    @Override
    public boolean writeFile(long file, OverlappedIo io, int length) {
        JnaOverlappedIo o = checkLength((JnaOverlappedIo) io, length);
        o.resetForNewOperation();
        boolean ok = Kernel32Direct.WriteFile(file, o.dataAddress, length, 0, o.overlappedAddress);
        if (ok) {
            o.takeCountFromOverlapped();
        }
        return ok;
    }

    @Override
    public boolean getOverlappedResult(long file, OverlappedIo io, boolean wait) {
        JnaOverlappedIo o = (JnaOverlappedIo) io;
        return Kernel32Direct.GetOverlappedResult(file, o.overlappedAddress, o.bytesAddress, wait);
    }

    @Override
    public boolean cancelIoEx(long file, OverlappedIo io) {
        return Kernel32Direct.CancelIoEx(file, ((JnaOverlappedIo) io).overlappedAddress);
    }

    private static JnaOverlappedIo checkLength(JnaOverlappedIo io, int length) {
        if (length < 0 || length > io.buffer().capacity()) {
            throw new IllegalArgumentException("length " + length + " of " + io.buffer().capacity());
        }
        return io;
    }
}
