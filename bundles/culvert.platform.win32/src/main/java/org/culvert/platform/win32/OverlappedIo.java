package org.culvert.platform.win32;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One Windows {@code OVERLAPPED} structure plus the data buffer of the operation it describes, both
 * in native memory that does not move: OpenVPN's {@code struct overlapped_io} without its state. The
 * kernel writes into both while an operation is pending, so they must outlive it.
 *
 * <p>Made by {@link Kernel32Api#newOverlappedIo}; owned by one device direction (reads or writes) and
 * used by one thread at a time. The event is the caller's and is not closed here.
 */
@ProviderType
public interface OverlappedIo extends AutoCloseable {
    /** The event the OVERLAPPED structure signals on completion ({@code hEvent}). */
    long event();

    /**
     * The data buffer: direct, of the size given at creation, at a fixed address. Use absolute
     * get/put; never touch it while an operation on it is pending.
     */
    ByteBuffer buffer();

    /**
     * Bytes transferred by the last operation: valid after {@link Kernel32Api#readFile} or
     * {@link Kernel32Api#writeFile} returned true, or {@link Kernel32Api#getOverlappedResult} did.
     */
    int bytesTransferred();

    /**
     * Frees the native memory. The caller must make sure no operation on it is pending (cancel it and
     * wait for it first). Idempotent; never throws.
     */
    @Override
    void close();
}
