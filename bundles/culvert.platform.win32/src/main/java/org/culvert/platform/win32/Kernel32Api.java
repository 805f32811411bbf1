package org.culvert.platform.win32;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The kernel32 functions the Windows plugins use, with Windows' own calling conventions kept: a
 * function that fails returns {@code false}, {@code 0} or {@link #INVALID_HANDLE_VALUE} and
 * {@link #getLastError()} then says why, exactly as {@code GetLastError()} would. Handles are raw
 * {@code HANDLE} values in a {@code long} (only 64-bit Windows is supported).
 *
 * <p>Two implementations exist: {@link Win32Native#kernel32()} calls the real DLL through JNA (it
 * works only on Windows), and the tests' fake follows the documented semantics in Java (overlapped
 * reads that pend and later signal their event, {@code ERROR_IO_INCOMPLETE} while pending,
 * {@code WaitForMultipleObjects} returning the lowest signalled index, auto-reset events that a
 * satisfied wait resets, the {@value #MAXIMUM_WAIT_OBJECTS}-handle limit). Code written against this
 * interface must therefore behave the same on both.
 *
 * <p>Threading: every method may be called from any thread. {@link #getLastError()} reports the last
 * failure of a call made <em>by the calling thread</em>. The data-path methods ({@link #readFile},
 * {@link #writeFile}, {@link #getOverlappedResult}, {@link #setEvent}, {@link #resetEvent},
 * {@link #waitForSingleObject}, {@link #waitForMultipleObjects}) allocate nothing.
 */
@ProviderType
public interface Kernel32Api {
    int ERROR_SUCCESS = 0;
    int ERROR_INVALID_FUNCTION = 1;
    int ERROR_FILE_NOT_FOUND = 2;
    int ERROR_PATH_NOT_FOUND = 3;
    int ERROR_ACCESS_DENIED = 5;
    int ERROR_INVALID_HANDLE = 6;
    int ERROR_NOT_ENOUGH_MEMORY = 8;
    int ERROR_INVALID_DATA = 13;
    int ERROR_BAD_COMMAND = 22;
    int ERROR_GEN_FAILURE = 31;
    int ERROR_SHARING_VIOLATION = 32;
    int ERROR_HANDLE_EOF = 38;
    int ERROR_NOT_SUPPORTED = 50;
    int ERROR_DEV_NOT_EXIST = 55;
    int ERROR_INVALID_PARAMETER = 87;
    int ERROR_BUFFER_OVERFLOW = 111;
    int ERROR_INSUFFICIENT_BUFFER = 122;
    int ERROR_BUSY = 170;
    int ERROR_ALREADY_EXISTS = 183;
    int ERROR_MORE_DATA = 234;
    int ERROR_NO_MORE_ITEMS = 259;
    int ERROR_OPERATION_ABORTED = 995;
    int ERROR_IO_INCOMPLETE = 996;
    int ERROR_IO_PENDING = 997;
    int ERROR_DEVICE_NOT_CONNECTED = 1167;
    int ERROR_NOT_FOUND = 1168;
    int ERROR_ALREADY_INITIALIZED = 1247;
    int ERROR_INVALID_USER_BUFFER = 1784;

    /** {@code WaitFor*Object(s)}: the object at index {@code result - WAIT_OBJECT_0} is signalled. */
    int WAIT_OBJECT_0 = 0;
    /** {@code WaitFor*Object(s)}: an abandoned mutex at index {@code result - WAIT_ABANDONED_0}. */
    int WAIT_ABANDONED_0 = 0x80;
    int WAIT_TIMEOUT = 0x102;
    int WAIT_FAILED = 0xFFFFFFFF;
    /** A timeout that never expires. */
    int INFINITE = 0xFFFFFFFF;
    /** The most handles one {@code WaitForMultipleObjects} call accepts. */
    int MAXIMUM_WAIT_OBJECTS = 64;

    long INVALID_HANDLE_VALUE = -1L;
    int GENERIC_READ = 0x80000000;
    int GENERIC_WRITE = 0x40000000;
    int OPEN_EXISTING = 3;
    int FILE_ATTRIBUTE_SYSTEM = 0x4;
    int FILE_FLAG_OVERLAPPED = 0x40000000;

    /** The error of the calling thread's last failed call ({@code GetLastError}). */
    int getLastError();

    /** {@code CreateEventW(NULL, manualReset, initialState, NULL)}; 0 on failure. */
    long createEvent(boolean manualReset, boolean initialState);

    /** {@code SetEvent}. */
    boolean setEvent(long event);

    /** {@code ResetEvent}. */
    boolean resetEvent(long event);

    /** {@code CreateWaitableTimerW(NULL, manualReset, NULL)}; 0 on failure. The timer starts unsignalled. */
    long createWaitableTimer(boolean manualReset);

    /**
     * {@code SetWaitableTimer(timer, &dueTime, 0, NULL, NULL, FALSE)}: a one-shot timer, unsignalled
     * until it fires.
     *
     * @param dueTime100ns negative: relative time in 100 ns units; positive: absolute FILETIME (a past
     *                     time, e.g. 1, fires at once)
     */
    boolean setWaitableTimer(long timer, long dueTime100ns);

    /** {@code CloseHandle}. */
    boolean closeHandle(long handle);

    /** {@code WaitForSingleObject}: {@link #WAIT_OBJECT_0}, {@link #WAIT_TIMEOUT} or {@link #WAIT_FAILED}. */
    int waitForSingleObject(long handle, int millis);

    /** A handle array for {@link #waitForMultipleObjects}, allocated once by its user. */
    HandleArray newHandleArray(int capacity);

    /**
     * {@code WaitForMultipleObjects(count, handles, FALSE, millis)}: waits until any one of the first
     * {@code count} handles is signalled. An auto-reset event whose index is returned is reset by the
     * wait; the others are left as they are.
     *
     * @param count 1..{@value #MAXIMUM_WAIT_OBJECTS}; more fails with {@code ERROR_INVALID_PARAMETER}
     * @return {@code WAIT_OBJECT_0 + i} for the <em>lowest</em> signalled index {@code i},
     *         {@link #WAIT_TIMEOUT}, or {@link #WAIT_FAILED}
     */
    int waitForMultipleObjects(HandleArray handles, int count, int millis);

    /**
     * {@code CreateFileW(path, access, share, NULL, creation, flagsAndAttributes, NULL)}.
     *
     * @return the handle, or {@link #INVALID_HANDLE_VALUE} on failure
     */
    long createFile(String path, int access, int shareMode, int creationDisposition, int flagsAndAttributes);

    /**
     * A synchronous {@code DeviceIoControl} (no OVERLAPPED). Setup path only: it copies the arrays.
     *
     * @param in             bytes to send, or null
     * @param out            buffer for the reply, or null
     * @param bytesReturned  {@code [0]} receives the reply's length; may be null
     */
    boolean deviceIoControl(long device, int controlCode, byte[] in, byte[] out, int[] bytesReturned);

    /**
     * An OVERLAPPED structure bound to {@code event}, with a data buffer of {@code bufferSize} bytes,
     * both at fixed native addresses for as long as the returned object is open.
     */
    OverlappedIo newOverlappedIo(long event, int bufferSize);

    /**
     * {@code ReadFile(file, io.buffer, length, &io.bytes, &io.overlapped)} on a handle opened with
     * {@link #FILE_FLAG_OVERLAPPED}. True when the read completed at once
     * ({@link OverlappedIo#bytesTransferred()} is then valid); false with {@link #ERROR_IO_PENDING} when
     * it was queued (its completion signals {@code io.event()}), or false with another error.
     */
    boolean readFile(long file, OverlappedIo io, int length);

    /** {@code WriteFile} of {@code io.buffer[0..length)}, with the same outcomes as {@link #readFile}. */
    boolean writeFile(long file, OverlappedIo io, int length);

    /**
     * {@code GetOverlappedResult(file, &io.overlapped, &io.bytes, wait)}. With {@code wait == false}
     * and the operation still pending: false with {@link #ERROR_IO_INCOMPLETE}. A cancelled operation
     * fails with {@link #ERROR_OPERATION_ABORTED}.
     */
    boolean getOverlappedResult(long file, OverlappedIo io, boolean wait);

    /** {@code CancelIoEx(file, &io.overlapped)}; false with {@link #ERROR_NOT_FOUND} when nothing was pending. */
    boolean cancelIoEx(long file, OverlappedIo io);
}
