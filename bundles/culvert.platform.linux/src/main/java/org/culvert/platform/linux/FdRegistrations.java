package org.culvert.platform.linux;

import java.util.Arrays;

/**
 * The registration table of a file-descriptor event set (epoll, poll): for each registered
 * descriptor its tag and interest, in parallel {@code int} arrays searched linearly, which beats
 * hashing for the two or three descriptors a tunnel registers. Nothing is boxed, and nothing is
 * allocated except when {@link #append} outgrows the arrays (they double).
 *
 * <p>Indexes are dense ({@code 0 .. size()-1}) so that a backend can mirror entry {@code i} in a
 * native array; {@link #removeAt} moves the last entry into the freed slot, so a backend that
 * mirrors entries rewrites slot {@code i} afterwards if {@code i < size()}. A backend that sizes
 * native memory by the table compares {@link #capacity()} before and after {@link #append}.
 *
 * <p>Not thread-safe: it belongs to the event set's owning thread, like the set's
 * {@code ctl}/{@code del}/{@code wait}.
 */
public final class FdRegistrations {
    private int[] fds;
    private int[] tags;
    private int[] interests;
    private int size;

    /** @param initialCapacity at least 1; the table grows beyond it when needed */
    public FdRegistrations(int initialCapacity) {
        if (initialCapacity < 1) {
            throw new IllegalArgumentException("initial capacity " + initialCapacity);
        }
        fds = new int[initialCapacity];
        tags = new int[initialCapacity];
        interests = new int[initialCapacity];
    }

    public int size() {
        return size;
    }

    /** How many registrations fit before the next {@link #append} grows the table. */
    public int capacity() {
        return fds.length;
    }

    public int fd(int index) {
        return fds[index];
    }

    public int tag(int index) {
        return tags[index];
    }

    public int interest(int index) {
        return interests[index];
    }

    /** Sets the interest and tag of entry {@code index}. */
    public void set(int index, int interest, int tag) {
        interests[index] = interest;
        tags[index] = tag;
    }

    /** @return the index of {@code fd}, or -1 if it is not registered */
    public int indexOf(int fd) {
        for (int i = 0; i < size; i++) {
            if (fds[i] == fd) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Adds {@code fd} with interest 0 and tag 0 (the caller then {@link #set}s them), doubling the
     * capacity if the table is full. The caller has checked that {@code fd} is not registered.
     *
     * @return the new entry's index, which is the old {@link #size()}
     */
    public int append(int fd) {
        if (size == fds.length) {
            int capacity = fds.length * 2;
            fds = Arrays.copyOf(fds, capacity);
            tags = Arrays.copyOf(tags, capacity);
            interests = Arrays.copyOf(interests, capacity);
        }
        fds[size] = fd;
        tags[size] = 0;
        interests[size] = 0;
        return size++;
    }

    /** Removes entry {@code index} by moving the last entry into its slot (order is not kept). */
    public void removeAt(int index) {
        int last = --size;
        fds[index] = fds[last];
        tags[index] = tags[last];
        interests[index] = interests[last];
    }

    /** Forgets every registration; the capacity stays. */
    public void clear() {
        size = 0;
    }

    /**
     * A timeout in the form {@code poll(2)} and {@code epoll_wait(2)} take: negative waits forever,
     * more than an {@code int} of milliseconds is capped.
     */
    public static int toPollTimeout(long millis) {
        if (millis < 0) {
            return -1;
        }
        return millis > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) millis;
    }
}
