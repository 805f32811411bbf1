package org.culvert.tunnel.internal;

/** Monotonic milliseconds for the loop's timers; injected so tests control time. */
interface LoopClock {
    long millis();

    LoopClock SYSTEM = () -> System.nanoTime() / 1_000_000L;
}
