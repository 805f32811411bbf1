package org.culvert.management.internal;

import java.time.Instant;

/**
 * Time as the management interface and the status-file writer see it, injectable so tests can
 * drive the {@code bytecount} cadence without sleeping. Implementations are thread-safe.
 */
interface ManagementClock {
    /** The system clock: {@link System#nanoTime()} and {@link Instant#now()}. */
    ManagementClock SYSTEM = new ManagementClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }
    };

    /** Monotonic time for intervals (bytecount, retries). */
    long nanoTime();

    /** Wall-clock time for the timestamps clients see ("Updated," lines). */
    Instant now();
}
