package org.culvert.api.event;

/**
 * The result array of {@link EventSet#wait}: OpenVPN's {@code struct event_set_return[]}, reused
 * across waits so that waiting allocates nothing. Filled by the backend, read by the loop thread.
 */
public final class ReadyEvents {
    private final int[] tags;
    private final int[] flags;
    private int size;

    public ReadyEvents(int capacity) {
        tags = new int[capacity];
        flags = new int[capacity];
    }

    public int capacity() {
        return tags.length;
    }

    public int size() {
        return size;
    }

    /** The tag given to {@link EventSet#ctl} for the i-th ready waitable. */
    public int tag(int i) {
        return tags[i];
    }

    /** {@link EventSet#READ} and/or {@link EventSet#WRITE}. */
    public int flags(int i) {
        return flags[i];
    }

    /** For backends. Events beyond the capacity are dropped (they stay ready and return next wait). */
    public void add(int tag, int readyFlags) {
        if (size < tags.length) {
            tags[size] = tag;
            flags[size] = readyFlags;
            size++;
        }
    }

    /** For backends, at the start of a wait. */
    public void clear() {
        size = 0;
    }

    /** OR of the flags of every ready entry carrying {@code tag}. */
    public int flagsFor(int tag) {
        int f = 0;
        for (int i = 0; i < size; i++) {
            if (tags[i] == tag) {
                f |= flags[i];
            }
        }
        return f;
    }
}
