package org.culvert.management.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling with a deadline, for conditions another thread makes true. */
final class Poll {
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private Poll() {
    }

    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(200_000); // A poll period; the deadline decides.
        }
    }

    static <T> T value(String what, Supplier<T> supplier) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            T v = supplier.get();
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(200_000);
        }
    }
}
