package org.culvert.platform.linux;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns one file descriptor and makes closing it safe against concurrent use: a thread that is
 * inside {@link #acquire()}..{@link #release()} keeps the descriptor number from being released
 * (and reused by the kernel for another file) until it leaves, and no use can begin after
 * {@link #close()}.
 *
 * <p>Usage on the data path (allocation-free, one CAS in and one out):
 * <pre>{@code
 * if (!fd.acquire()) throw closed();
 * try { LibC.read(fd.fd(), address, length); } finally { fd.release(); }
 * }</pre>
 *
 * <p>{@link #close()} may be called from any thread, any number of times, and never throws; the
 * {@code close(2)} itself happens exactly once, in {@code close()} if nobody is using the
 * descriptor, otherwise in the last {@link #release()}. The descriptor should be non-blocking (or
 * its users otherwise bounded in time), since a blocked user delays the release.
 */
public final class NativeFd implements AutoCloseable {
    /** High bit of {@link #state}: closing was requested. The low 31 bits count the current users. */
    private static final int CLOSING = 0x8000_0000;
    private static final int USERS = 0x7FFF_FFFF;

    private final int fd;
    private final AtomicInteger state = new AtomicInteger();

    /** Takes ownership of {@code fd}, which must be open. */
    public NativeFd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd " + fd);
        }
        this.fd = fd;
    }

    /**
     * The descriptor number. Valid for native calls only between a successful {@link #acquire()}
     * and its {@link #release()} (or while the caller otherwise knows nobody can close it).
     */
    public int fd() {
        return fd;
    }

    /** @return true if the caller may use {@link #fd()} until it calls {@link #release()}; false once closed */
    public boolean acquire() {
        while (true) {
            int s = state.get();
            if ((s & CLOSING) != 0) {
                return false;
            }
            if ((s & USERS) == USERS) {
                throw new IllegalStateException("too many concurrent users of fd " + fd);
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Ends a use begun by a successful {@link #acquire()}; performs a pending close. */
    public void release() {
        int s = state.decrementAndGet();
        if (s == CLOSING) {
            // Only one thread can bring the count to zero after CLOSING was set: it closes.
            LibC.close(fd);
        }
    }

    /** True once {@link #close()} was called (the descriptor may still be in use for a moment). */
    public boolean isClosed() {
        return (state.get() & CLOSING) != 0;
    }

    /** Closes the descriptor now or, if it is in use, when the last user releases it. Idempotent. */
    @Override
    public void close() {
        while (true) {
            int s = state.get();
            if ((s & CLOSING) != 0) {
                return;
            }
            if (state.compareAndSet(s, s | CLOSING)) {
                if (s == 0) {
                    LibC.close(fd);
                }
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "fd " + fd + (isClosed() ? " (closed)" : "");
    }
}
