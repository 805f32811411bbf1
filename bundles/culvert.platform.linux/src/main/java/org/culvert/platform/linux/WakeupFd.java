package org.culvert.platform.linux;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A non-blocking {@code eventfd(2)} that wakes a thread waiting in {@code epoll_wait}/{@code poll}:
 * the waiter registers {@link #fd()} for reading, any thread calls {@link #signal()}, and the
 * waiter calls {@link #drain()} when it sees it readable. Signals coalesce (the counter only grows
 * until drained), and the counter never blocks the signaller.
 *
 * <p>Threading: {@link #signal()} from any thread, also concurrently with {@link #close()} (it is
 * then a no-op: the descriptor number is never written after release). {@link #drain()} and
 * {@link #fd()} belong to the waiting thread. Neither allocates.
 */
public final class WakeupFd implements AutoCloseable {
    private final NativeFd fd;
    /** Eight bytes holding the value 1: what {@link #signal()} writes. Read-only after construction. */
    private final ByteBuffer one = DirectBuffers.allocateNative(8);
    private final long oneAddress;
    /** Where {@link #drain()} reads the counter; only the waiting thread touches it. */
    private final ByteBuffer sink = DirectBuffers.allocateNative(8);
    private final long sinkAddress;

    /** @throws IOException if the kernel refuses an eventfd (e.g. out of descriptors) */
    public WakeupFd() throws IOException {
        int raw = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        if (raw < 0) {
            throw new IOException(Errno.message("eventfd", LibC.errno()));
        }
        fd = new NativeFd(raw);
        one.putLong(0, 1L);
        oneAddress = DirectBuffers.address(one);
        sinkAddress = DirectBuffers.address(sink);
    }

    /** The descriptor to register for readability. */
    public int fd() {
        return fd.fd();
    }

    /** Makes {@link #fd()} readable. Any thread; never blocks or throws; no-op after close. */
    public void signal() {
        if (!fd.acquire()) {
            return;
        }
        try {
            // EAGAIN would mean the counter is at its maximum, i.e. already signalled: fine.
            LibC.write(fd.fd(), oneAddress, 8);
        } finally {
            fd.release();
        }
    }

    /** Resets the counter so that {@link #fd()} is no longer readable. */
    public void drain() {
        if (!fd.acquire()) {
            return;
        }
        try {
            LibC.read(fd.fd(), sinkAddress, 8);
        } finally {
            fd.release();
        }
    }

    /** Idempotent; never throws. */
    @Override
    public void close() {
        fd.close();
    }
}
