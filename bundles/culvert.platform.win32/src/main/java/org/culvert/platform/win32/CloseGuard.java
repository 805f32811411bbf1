package org.culvert.platform.win32;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps a native resource from being released while a call is using it: every use is bracketed by
 * {@link #enter()}/{@link #exit()}, and {@link #close()} marks the resource closed, then waits until
 * the uses in progress have left. After that no new use gets in, so the owner can free handles and
 * memory without racing a reader (a released HANDLE value may be reused by Windows at once, so a late
 * {@code ReadFile} on it would hit some other object).
 *
 * <p>Lock-free on the data path ({@code enter}/{@code exit} are one CAS each, allocation-free). Any
 * thread. Uses must be short (non-blocking calls); {@code close} waits for them without a limit.
 */
public final class CloseGuard {
    private static final int CLOSED = 0x8000_0000;
    private final AtomicInteger state = new AtomicInteger();

    /** @return true if the caller may use the resource (and must call {@link #exit()}); false once closed */
    public boolean enter() {
        for (;;) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Ends a use begun by a successful {@link #enter()}. */
    public void exit() {
        int s = state.decrementAndGet();
        if (s == CLOSED) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** True once {@link #close()} has begun. */
    public boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    /**
     * Marks the resource closed and waits until no use is in progress. Only the first caller gets
     * true and must release the resource; later callers get false at once.
     */
    public boolean close() {
        for (;;) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                break;
            }
        }
        boolean interrupted = false;
        synchronized (this) {
            while (state.get() != CLOSED) {
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    // Releasing under a running call would be worse than finishing the wait.
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
