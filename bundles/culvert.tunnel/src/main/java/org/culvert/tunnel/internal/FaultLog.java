package org.culvert.tunnel.internal;

/**
 * Logs the unexpected exceptions the loop survives at a bounded rate: the first few of each interval
 * in full (with the stack, as they are bugs), the rest as one summary line when the interval ends, so
 * that a peer sending a packet that trips a bug cannot flood the log. Loop-thread only; the summary is
 * written at the next fault after the interval or by {@link #flush()} when the loop ends.
 */
final class FaultLog {
    static final int LOGGED_PER_INTERVAL = 5;
    static final long INTERVAL_MILLIS = 60_000;

    private final TunnelLog log;
    private final LoopClock clock;
    private boolean windowOpen;
    private long windowStart;
    private int logged;
    private long suppressed;
    private String lastWhere;
    private Throwable last;

    FaultLog(TunnelLog log, LoopClock clock) {
        this.log = log;
        this.clock = clock;
    }

    /** An exception thrown by {@code where} (a constant naming the step), already counted by the caller. */
    void record(String where, Throwable t) {
        long now = clock.millis();
        if (!windowOpen || now - windowStart >= INTERVAL_MILLIS) {
            flush();
            windowOpen = true;
            windowStart = now;
            logged = 0;
        }
        if (logged < LOGGED_PER_INTERVAL) {
            logged++;
            log.error("internal error in " + where + ", dropped and going on", t);
        } else {
            suppressed++;
            lastWhere = where;
            last = t;
        }
    }

    /** Writes the summary of the faults not logged so far, if any. */
    void flush() {
        if (suppressed > 0) {
            log.warn(suppressed + " more internal error(s) not logged in full (last: " + lastWhere + ": " + last + ")");
            suppressed = 0;
            last = null;
        }
    }
}
