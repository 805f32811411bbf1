package org.culvert.itests;

import java.util.concurrent.TimeUnit;

/**
 * Polling with a deadline, for conditions nothing announces (a counter moving, a configuration file
 * being picked up by fileinstall's own polling): re-checks every {@link #INTERVAL_MILLIS} ms and
 * fails with what it last saw. Prefer a listener where one exists (see {@link TunnelWatcher},
 * {@link MBeanWatcher}).
 */
final class Poll {
    static final long INTERVAL_MILLIS = 20;

    /** A condition that may throw (JMX reads do). */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    /** What to print when the deadline passes. */
    @FunctionalInterface
    interface Describer {
        Object describe() throws Exception;
    }

    private Poll() {
    }

    static void until(String what, long timeoutMillis, Condition condition, Describer lastSeen) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) {
                Object seen;
                try {
                    seen = lastSeen.describe();
                } catch (Exception e) {
                    seen = e;
                }
                throw new AssertionError(what + " did not happen within " + timeoutMillis + " ms; last seen: " + seen);
            }
            // The polling interval of a deadline-bounded check, not a wait standing in for an event.
            TimeUnit.MILLISECONDS.sleep(INTERVAL_MILLIS);
        }
    }
}
