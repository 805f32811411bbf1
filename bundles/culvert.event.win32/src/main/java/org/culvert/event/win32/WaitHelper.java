package org.culvert.event.win32;

import org.culvert.platform.win32.HandleArray;
import org.culvert.platform.win32.Kernel32Api;

/**
 * A thread that waits, on behalf of an event set's owner thread, on up to 63 handles that do not fit
 * into the owner's own {@code WaitForMultipleObjects} call (64 handles at most). It works in rounds:
 * the owner loads the handles and starts a round, the helper waits on them plus its cancel event, and
 * when one of its handles is signalled it records which and signals the set's shared "ready" event
 * (which the owner's own wait includes). The owner ends every round with {@link #finishRound()},
 * which returns only when the helper is idle again, so the handles never change under a running
 * wait.
 *
 * <p>Slot 0 of the helper's array is its cancel event, so a cancelled wait returns 0 even when other
 * handles are signalled too: what the helper did not report is found by the owner's probe.
 */
final class WaitHelper implements Runnable {
    /** Handles a helper waits on besides its cancel event. */
    static final int CAPACITY = Kernel32Api.MAXIMUM_WAIT_OBJECTS - 1;

    private final Kernel32Api k32;
    private final long cancelEvent;
    private final long readyEvent;
    private final HandleArray array;
    private final Thread thread;
    private int count;
    private int offset;
    // Round state, guarded by this.
    private boolean requested;
    private boolean running;
    private boolean stopped;
    private int result = -1;
    private int failure;

    /**
     * @param readyEvent the set's manual-reset event this helper signals when it found something
     * @throws IllegalStateException if the cancel event cannot be created (the caller maps it)
     */
    WaitHelper(Kernel32Api k32, long readyEvent, String name) {
        this.k32 = k32;
        this.readyEvent = readyEvent;
        this.cancelEvent = k32.createEvent(true, false);
        if (cancelEvent == 0) {
            throw new IllegalStateException("CreateEvent failed: " + k32.getLastError());
        }
        this.array = k32.newHandleArray(Kernel32Api.MAXIMUM_WAIT_OBJECTS);
        this.thread = new Thread(this, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Owner thread, between rounds: this helper's next round waits on {@code handles[from..from+n)}. */
    void load(long[] handles, int from, int n) {
        array.set(0, cancelEvent);
        for (int i = 0; i < n; i++) {
            array.set(1 + i, handles[from + i]);
        }
        count = n + 1;
        offset = from;
    }

    /** Owner thread: begins a round over the loaded handles. */
    synchronized void startRound() {
        result = -1;
        failure = 0;
        requested = true;
        notifyAll();
    }

    /** Owner thread: cancels the round (if still waiting) and returns once the helper is idle. */
    void finishRound() {
        k32.setEvent(cancelEvent);
        boolean interrupted = false;
        synchronized (this) {
            while (requested || running) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    // The helper must be idle before the owner touches the handles again.
                    interrupted = true;
                }
            }
        }
        k32.resetEvent(cancelEvent);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** After {@link #finishRound()}: the set-wide index of the handle this helper's wait returned, or -1. */
    synchronized int result() {
        return result;
    }

    /** After {@link #finishRound()}: the error of a failed wait, or 0. */
    synchronized int failure() {
        return failure;
    }

    @Override
    public void run() {
        for (;;) {
            synchronized (this) {
                while (!requested && !stopped) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        // Only stop() ends this thread.
                    }
                }
                if (stopped) {
                    return;
                }
                requested = false;
                running = true;
            }
            int r = k32.waitForMultipleObjects(array, count, Kernel32Api.INFINITE);
            int hit = -1;
            int error = 0;
            if (r >= Kernel32Api.WAIT_OBJECT_0 + 1 && r < Kernel32Api.WAIT_OBJECT_0 + count) {
                hit = offset + r - Kernel32Api.WAIT_OBJECT_0 - 1;
            } else if (r >= Kernel32Api.WAIT_ABANDONED_0 + 1 && r < Kernel32Api.WAIT_ABANDONED_0 + count) {
                hit = offset + r - Kernel32Api.WAIT_ABANDONED_0 - 1;
            } else if (r == Kernel32Api.WAIT_FAILED) {
                error = k32.getLastError();
            }
            if (hit >= 0 || error != 0) {
                k32.setEvent(readyEvent);
            }
            synchronized (this) {
                result = hit;
                failure = error;
                running = false;
                notifyAll();
            }
        }
    }

    /** Ends the thread (waiting for it up to a second) and closes the cancel event. Owner thread; idempotent. */
    void stop() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            notifyAll();
        }
        k32.setEvent(cancelEvent);
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            // Closing the event under a still-running wait would hand Windows a dead handle.
            k32.closeHandle(cancelEvent);
        }
    }

    /** For tests: whether the thread is still running. */
    boolean isAlive() {
        return thread.isAlive();
    }
}
