package org.culvert.testkit;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.culvert.api.event.SignalWaitable;

/**
 * A bounded FIFO of packets, each copied into one of a fixed number of byte arrays that grow to the
 * largest packet they held and are then reused: in steady state offering and polling allocate
 * nothing. Each entry carries an optional tag (the sender's address on a memory link).
 *
 * <p>Thread-safe: any number of producers and consumers, one lock. The ring keeps the reader's and
 * the writer's {@link SignalWaitable} in step with its state under that lock, so readiness can never
 * be lost between a check and a change: the read signal is readable while an entry (or the end of the
 * stream) is pending, the write signal writable while there is room.
 */
final class PacketRing {
    /** {@link #poll} result: nothing pending. */
    static final int EMPTY = -1;
    /** {@link #poll} result: the head packet did not fit and was discarded. */
    static final int TOO_LONG = -2;
    /** {@link #poll} result: a bad-frame marker is at the head; it stays there. */
    static final int BAD_FRAME = -3;
    /** {@link #poll} result: the writer ended the stream and everything before has been read. */
    static final int END_OF_STREAM = -4;

    private static final int MARKER_LENGTH = -1;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final byte[][] data;
    private final int[] lengths;
    private final Object[] tags;
    private final SignalWaitable readSignal;
    private volatile SignalWaitable writeSignal;
    private int head;
    private int size;
    private boolean endOfStream;
    private boolean closed;
    /** Tag of the entry the last successful {@link #poll} returned; read by that same consumer. */
    private Object polledTag;

    /**
     * @param readSignal made readable while something is pending, or null
     * @param writeSignal made unwritable while the ring is full, or null (may be set later)
     */
    PacketRing(int capacity, SignalWaitable readSignal, SignalWaitable writeSignal) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        data = new byte[capacity][];
        lengths = new int[capacity];
        tags = new Object[capacity];
        this.readSignal = readSignal;
        this.writeSignal = writeSignal;
    }

    int capacity() {
        return data.length;
    }

    /** Sets the signal that follows this ring's room (a stream's sender, known only once paired). */
    void writeSignal(SignalWaitable signal) {
        lock.lock();
        try {
            writeSignal = signal;
            updateSignals();
        } finally {
            lock.unlock();
        }
    }

    /** Appends {@code length} bytes of {@code src} from absolute {@code index}; false when full or closed. */
    boolean offer(ByteBuffer src, int index, int length, Object tag) {
        lock.lock();
        try {
            int slot = reserve(length, tag);
            if (slot < 0) {
                return false;
            }
            src.get(index, data[slot], 0, length);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** As {@link #offer(ByteBuffer, int, int, Object)}, from an array. */
    boolean offer(byte[] src, int offset, int length, Object tag) {
        lock.lock();
        try {
            int slot = reserve(length, tag);
            if (slot < 0) {
                return false;
            }
            System.arraycopy(src, offset, data[slot], 0, length);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Appends a marker that makes every later {@link #poll} return {@link #BAD_FRAME}; false when full. */
    boolean offerBadFrame() {
        lock.lock();
        try {
            if (closed || endOfStream || size == data.length) {
                return false;
            }
            int slot = (head + size) % data.length;
            lengths[slot] = MARKER_LENGTH;
            tags[slot] = null;
            size++;
            updateSignals();
            notEmpty.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Lock held: claims the tail slot, sized for {@code length}; -1 when full or closed. */
    private int reserve(int length, Object tag) {
        if (closed || endOfStream || size == data.length) {
            return -1;
        }
        int slot = (head + size) % data.length;
        if (data[slot] == null || data[slot].length < length) {
            data[slot] = new byte[Math.max(length, 64)];
        }
        lengths[slot] = length;
        tags[slot] = tag;
        size++;
        updateSignals();
        notEmpty.signalAll();
        return slot;
    }

    /**
     * Moves the head packet into {@code dst} at absolute {@code index} if it is at most
     * {@code maxLength} bytes long, else discards it.
     *
     * @return its length, or {@link #EMPTY}, {@link #TOO_LONG}, {@link #BAD_FRAME}, {@link #END_OF_STREAM}
     */
    int poll(ByteBuffer dst, int index, int maxLength) {
        lock.lock();
        try {
            if (size == 0) {
                return endOfStream ? END_OF_STREAM : EMPTY;
            }
            int length = lengths[head];
            if (length == MARKER_LENGTH) {
                return BAD_FRAME;
            }
            if (length <= maxLength) {
                dst.put(index, data[head], 0, length);
            }
            polledTag = tags[head];
            removeHead();
            return length <= maxLength ? length : TOO_LONG;
        } finally {
            lock.unlock();
        }
    }

    /** The tag of the packet the last {@link #poll} by this consumer returned. */
    Object polledTag() {
        return polledTag;
    }

    /** The head packet as a new array, or null when nothing (or only a marker) is pending. */
    byte[] pollCopy() {
        lock.lock();
        try {
            return copyHead();
        } finally {
            lock.unlock();
        }
    }

    /** As {@link #pollCopy()}, waiting up to {@code timeoutMillis} for a packet. */
    byte[] take(long timeoutMillis) throws InterruptedException {
        long nanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis));
        lock.lockInterruptibly();
        try {
            while (size == 0 && !closed && !endOfStream && nanos > 0) {
                nanos = notEmpty.awaitNanos(nanos);
            }
            return copyHead();
        } finally {
            lock.unlock();
        }
    }

    private byte[] copyHead() {
        if (size == 0 || lengths[head] == MARKER_LENGTH) {
            return null;
        }
        byte[] copy = new byte[lengths[head]];
        System.arraycopy(data[head], 0, copy, 0, copy.length);
        removeHead();
        return copy;
    }

    private void removeHead() {
        tags[head] = null;
        head = (head + 1) % data.length;
        size--;
        updateSignals();
    }

    int size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    /** Free entries (0 once closed). */
    int room() {
        lock.lock();
        try {
            return closed ? 0 : data.length - size;
        } finally {
            lock.unlock();
        }
    }

    /** The writer is gone: pending packets can still be read, then {@link #poll} reports the end. */
    void endOfStream() {
        lock.lock();
        try {
            endOfStream = true;
            updateSignals();
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The reader is gone: drops everything, refuses further packets, and leaves both signals raised so
     * that anyone waiting on them wakes up and meets the closed state on its next call.
     */
    void close() {
        lock.lock();
        try {
            closed = true;
            while (size > 0) {
                tags[head] = null;
                head = (head + 1) % data.length;
                size--;
            }
            if (readSignal != null) {
                readSignal.setReadable(true);
            }
            SignalWaitable w = writeSignal;
            if (w != null) {
                w.setWritable(true);
            }
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void updateSignals() {
        if (closed) {
            return;
        }
        if (readSignal != null) {
            readSignal.setReadable(size > 0 || endOfStream);
        }
        SignalWaitable w = writeSignal;
        if (w != null) {
            w.setWritable(size < data.length);
        }
    }
}
