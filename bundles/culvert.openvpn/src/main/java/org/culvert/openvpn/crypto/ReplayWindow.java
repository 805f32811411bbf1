package org.culvert.openvpn.crypto;

import java.util.Objects;
import org.culvert.openvpn.Clock;

/**
 * The receiving side of OpenVPN's long-form packet-id: decides whether a (packet-id, time) pair
 * from an authenticated packet is new. Behaves as OpenVPN 2.6's {@code --replay-window n [t]}:
 *
 * <ul>
 *   <li><b>Backtrack mode</b> ({@code n > 0}, default 64 packets / 15 s). A time older than the
 *       current sequence's is refused; a newer time starts a new sequence. Within a sequence an id
 *       above the highest seen is accepted, and an id up to {@code n - 1} below it is accepted once.
 *       An id also stops being acceptable once a newer-or-equal id was received more than {@code t}
 *       seconds ago ({@code t = 0}: never); like OpenVPN, that expiry is swept every 5 seconds, so
 *       it takes effect between {@code t} and {@code t + 5} seconds.</li>
 *   <li><b>Strict mode</b> ({@code n = 0}): only the next id in sequence, or id 1 of a newer
 *       sequence.</li>
 * </ul>
 *
 * Packet-id 0 is never accepted. Ids and times are unsigned 32-bit values passed as {@code long}.
 *
 * <p>Loop-thread only, not thread-safe; allocates only in the constructor. Local receive times are
 * read from the injected clock's monotonic time.
 */
public final class ReplayWindow {
    private static final long UNSEEN = Long.MIN_VALUE;
    private static final long EXPIRED = Long.MIN_VALUE + 1;
    private static final long REAP_INTERVAL_SECONDS = 5;

    /**
     * The {@code --replay-window} settings.
     *
     * @param seqBacktrack how many ids below the highest may still arrive, 0..65536 (0 = strict mode)
     * @param timeBacktrackSeconds how long, 0..600 seconds, a late id is still accepted (0 = no limit)
     */
    public record Settings(int seqBacktrack, int timeBacktrackSeconds) {
        public static final int MAX_SEQ_BACKTRACK = 65536;
        public static final int MAX_TIME_BACKTRACK = 600;
        /** OpenVPN's default: 64 packets, 15 seconds. */
        public static final Settings DEFAULT = new Settings(64, 15);

        public Settings {
            if (seqBacktrack < 0 || seqBacktrack > MAX_SEQ_BACKTRACK) {
                throw new IllegalArgumentException("replay window size must be 0.." + MAX_SEQ_BACKTRACK);
            }
            if (timeBacktrackSeconds < 0 || timeBacktrackSeconds > MAX_TIME_BACKTRACK) {
                throw new IllegalArgumentException("replay window time must be 0.." + MAX_TIME_BACKTRACK);
            }
        }
    }

    private final int backtrack;
    private final int timeBacktrack;
    private final Clock clock;
    /** Receive time (monotonic seconds) per id, newest at {@code head}; or UNSEEN / EXPIRED. */
    private final long[] seen;
    private int head;
    private int size;
    private long highestId;
    private long sequenceTime;
    private long lastReapSeconds;
    private boolean reapedOnce;

    public ReplayWindow(Settings settings, Clock clock) {
        this.backtrack = settings.seqBacktrack();
        this.timeBacktrack = settings.timeBacktrackSeconds();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.seen = new long[Math.max(backtrack, 1)];
    }

    /** {@link #test} then, if it passes, {@link #add}. */
    public boolean accept(long packetId, long time) {
        if (!test(packetId, time)) {
            return false;
        }
        add(packetId, time);
        return true;
    }

    /** Whether the pair would be accepted now; changes nothing except the periodic expiry sweep. */
    public boolean test(long packetId, long time) {
        reapIfDue();
        if (packetId == 0) {
            return false;
        }
        if (backtrack == 0) {
            if (time == sequenceTime) {
                return highestId == 0 || packetId == highestId + 1;
            }
            return time > sequenceTime && packetId == 1;
        }
        if (time < sequenceTime) {
            return false;
        }
        if (time > sequenceTime || packetId > highestId) {
            return true;
        }
        long diff = highestId - packetId;
        return diff < size && item((int) diff) == UNSEEN;
    }

    /** Records an accepted pair (call only after {@link #test} returned true for it). */
    public void add(long packetId, long time) {
        if (backtrack == 0) {
            sequenceTime = time;
            highestId = packetId;
            return;
        }
        if (size == 0 || time > sequenceTime || packetId - backtrack > highestId) {
            // A new time, or a jump past the whole window, starts a fresh sequence.
            sequenceTime = time;
            highestId = Math.max(packetId - backtrack, 0);
            size = 0;
        }
        while (highestId < packetId) {
            head = head + 1 == seen.length ? 0 : head + 1;
            seen[head] = UNSEEN;
            if (size < seen.length) {
                size++;
            }
            highestId++;
        }
        long diff = highestId - packetId;
        if (diff < size) {
            set((int) diff, nowSeconds());
        }
    }

    /** The highest packet-id accepted in the current sequence (0 before the first). */
    public long highestId() {
        return highestId;
    }

    /** The time field of the current sequence (0 before the first packet). */
    public long sequenceTime() {
        return sequenceTime;
    }

    private void reapIfDue() {
        if (timeBacktrack == 0 || backtrack == 0) {
            return;
        }
        long now = nowSeconds();
        if (reapedOnce && now < lastReapSeconds + REAP_INTERVAL_SECONDS) {
            return;
        }
        reapedOnce = true;
        lastReapSeconds = now;
        // Walk from the newest id to the oldest: once one entry is older than the time window,
        // it and everything below it can no longer be accepted.
        boolean expire = false;
        for (int i = 0; i < size; i++) {
            long t = item(i);
            if (t == EXPIRED) {
                break;
            }
            if (!expire && t != UNSEEN && t + timeBacktrack < now) {
                expire = true;
            }
            if (expire) {
                set(i, EXPIRED);
            }
        }
    }

    private long nowSeconds() {
        return Math.floorDiv(clock.monotonicMillis(), 1000L);
    }

    private long item(int diff) {
        int i = head - diff;
        return seen[i < 0 ? i + seen.length : i];
    }

    private void set(int diff, long value) {
        int i = head - diff;
        seen[i < 0 ? i + seen.length : i] = value;
    }
}
