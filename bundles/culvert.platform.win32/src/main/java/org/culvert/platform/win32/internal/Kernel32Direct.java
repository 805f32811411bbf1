package org.culvert.platform.win32.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * JNA <em>direct</em> mappings of the kernel32 functions on the data path. Handles and pointers are
 * raw {@code long} values (64-bit Windows only), so a call allocates nothing; {@code BOOL} maps to
 * Java {@code boolean}. JNA saves {@code GetLastError()} per thread right after every call, which
 * {@link Native#getLastError()} returns (kernel32's own {@code GetLastError} called through JNA could
 * see a value clobbered by the JVM in between).
 *
 * <p>jna-platform's {@code Kernel32} is not used for these because its {@code ReadFile}/{@code WriteFile}
 * take {@code byte[]} (copied to temporary memory that is gone while an overlapped operation is still
 * pending) and its {@code HANDLE}/{@code OVERLAPPED} objects cost an allocation per call.
 */
final class Kernel32Direct {
    static {
        Native.register(Kernel32Direct.class, NativeLibrary.getInstance("kernel32"));
    }

    private Kernel32Direct() {
    }

    /** Forces the class to initialise (binding kernel32); throws {@link LinkageError} if it cannot. */
    static void bind() {
        // Class initialisation does the work.
    }

    static native long CreateEventW(long securityAttributes, boolean manualReset, boolean initialState, long name);

    static native boolean SetEvent(long event);

    static native boolean ResetEvent(long event);

    static native long CreateWaitableTimerW(long securityAttributes, boolean manualReset, long name);

    static native boolean SetWaitableTimer(long timer, long dueTimeAddress, int period, long completionRoutine,
            long completionArgument, boolean resume);

    static native boolean CloseHandle(long handle);

    static native int WaitForSingleObject(long handle, int millis);

    static native int WaitForMultipleObjects(int count, long handlesAddress, boolean waitAll, int millis);

    static native boolean ReadFile(long file, long buffer, int length, long bytesReadAddress, long overlappedAddress);

    static native boolean WriteFile(long file, long buffer, int length, long bytesWrittenAddress, long overlappedAddress);

    static native boolean GetOverlappedResult(long file, long overlappedAddress, long bytesAddress, boolean wait);

    static native boolean CancelIoEx(long file, long overlappedAddress);
}
