package org.culvert.management.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when the test says so. Thread-safe. */
final class ManualClock implements ManagementClock {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Instant start;

    ManualClock(Instant start) {
        this.start = start;
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public Instant now() {
        return start.plusNanos(nanos.get() - 1_000_000_000L);
    }
}
