package org.culvert.testkit;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.event.SignalWaitable;
import org.culvert.api.event.Waitable;

/**
 * An event set over {@link SignalWaitable}s. A wait scans the registrations under a lock and, when
 * nothing is ready, sleeps on a condition that every registered waitable's watcher (and
 * {@link #wakeup()}) signals: no busy-waiting, and no lost wake-up, because a watcher takes the same
 * lock after the state it reports has changed. Level-triggered: the scan reads the current state.
 *
 * <p>Threading as {@link EventSet} says. Waiting allocates nothing; {@code ctl} of a new waitable
 * may grow the registration arrays.
 */
public final class MemoryEventSet implements EventSet {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** One watcher object for every registration, so adding it twice is harmless. */
    private final Runnable watcher = this::signal;
    // Registrations, guarded by lock (watchers read nothing of them; the owner writes them).
    private SignalWaitable[] waitables;
    private int[] interests;
    private int[] tags;
    private int count;
    private boolean wakeupPending;
    private boolean closed;

    MemoryEventSet(int maxEvents) {
        int initial = Math.max(1, maxEvents);
        waitables = new SignalWaitable[initial];
        interests = new int[initial];
        tags = new int[initial];
    }

    /**
     * @throws IllegalArgumentException unless {@code waitable} is a {@link SignalWaitable}
     */
    @Override
    public void ctl(Waitable waitable, int interest, int tag) {
        if (!(waitable instanceof SignalWaitable)) {
            throw new IllegalArgumentException("the memory event backend waits only on SIGNAL waitables, not on "
                    + (waitable == null ? "null" : waitable.kind().toString()));
        }
        SignalWaitable signal = (SignalWaitable) waitable;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            int i = indexOf(signal);
            if (i < 0) {
                if (count == waitables.length) {
                    grow();
                }
                i = count++;
                waitables[i] = signal;
                signal.addWatcher(watcher);
            }
            interests[i] = interest & (READ | WRITE);
            tags[i] = tag;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void del(Waitable waitable) {
        lock.lock();
        try {
            int i = waitable instanceof SignalWaitable ? indexOf((SignalWaitable) waitable) : -1;
            if (i < 0) {
                return;
            }
            waitables[i].removeWatcher(watcher);
            count--;
            // Keep the registrations dense: move the last one into the gap.
            waitables[i] = waitables[count];
            interests[i] = interests[count];
            tags[i] = tags[count];
            waitables[count] = null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void reset() {
        lock.lock();
        try {
            forgetAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int wait(long timeoutMillis, ReadyEvents out) {
        out.clear();
        long nanos = timeoutMillis < 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (!closed) {
                collect(out);
                if (out.size() > 0) {
                    break;
                }
                if (wakeupPending || nanos <= 0) {
                    break;
                }
                if (timeoutMillis < 0) {
                    changed.awaitUninterruptibly();
                } else {
                    nanos = changed.awaitNanos(nanos);
                }
            }
            wakeupPending = false; // whatever ended this wait, a wake-up before it has been served
            return out.size();
        } catch (InterruptedException e) {
            // The loop thread is being interrupted: return like a wake-up and keep the flag for the caller.
            Thread.currentThread().interrupt();
            wakeupPending = false;
            return out.size();
        } finally {
            lock.unlock();
        }
    }

    /** Lock held: adds every registration that is ready as asked. */
    private void collect(ReadyEvents out) {
        for (int i = 0; i < count; i++) {
            int interest = interests[i];
            int ready = 0;
            if ((interest & READ) != 0 && waitables[i].isReadable()) {
                ready |= READ;
            }
            if ((interest & WRITE) != 0 && waitables[i].isWritable()) {
                ready |= WRITE;
            }
            if (ready != 0) {
                out.add(tags[i], ready);
            }
        }
    }

    @Override
    public void wakeup() {
        lock.lock();
        try {
            wakeupPending = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The watcher: some registered waitable changed state. */
    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            forgetAll();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Lock held. */
    private void forgetAll() {
        for (int i = 0; i < count; i++) {
            waitables[i].removeWatcher(watcher);
            waitables[i] = null;
        }
        count = 0;
    }

    private int indexOf(SignalWaitable w) {
        for (int i = 0; i < count; i++) {
            if (waitables[i] == w) {
                return i;
            }
        }
        return -1;
    }

    private void grow() {
        int n = waitables.length * 2;
        waitables = Arrays.copyOf(waitables, n);
        interests = Arrays.copyOf(interests, n);
        tags = Arrays.copyOf(tags, n);
    }
}
