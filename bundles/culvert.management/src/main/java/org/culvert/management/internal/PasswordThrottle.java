package org.culvert.management.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The growing delay after wrong management passwords. OpenVPN 2.6 drops a client after
 * {@link TunnelEndpoint#PASSWORD_TRIES} wrong passwords but lets it reconnect and guess again at
 * once; Culvert makes every guess after a wrong one wait, per connection and per source address
 * (so that reconnecting, or guessing over many connections at once, gains nothing): after the n-th
 * wrong password the next one is checked no sooner than {@code 2^(n-1)} seconds later, at most
 * {@link #MAX_DELAY_SECONDS}. A source's count ends with a correct password or after
 * {@link #FORGET_SECONDS} without a wrong one. The waiting client's input is held, not read, so the
 * management thread never blocks.
 *
 * <p>Management thread only.
 */
final class PasswordThrottle {
    static final int MAX_DELAY_SECONDS = 32;
    static final int FORGET_SECONDS = 600;
    /** Sources remembered at most; the least recently failing one is forgotten first. */
    static final int MAX_SOURCES = 256;

    private static final class Source {
        int failures;
        long lastFailureNanos;
        long nextAttemptNanos;
    }

    private final Map<String, Source> sources = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Source> eldest) {
            return size() > MAX_SOURCES;
        }
    };

    /** The delay after the n-th consecutive wrong password (n ≥ 1). */
    static long delayNanos(int failures) {
        int shift = Math.min(Math.max(failures, 1) - 1, 30);
        return TimeUnit.SECONDS.toNanos(Math.min(MAX_DELAY_SECONDS, 1L << shift));
    }

    /** When {@code source} may next have a password checked (nanoTime), or {@code now} if at once. */
    long nextAttemptNanos(String source, long now) {
        Source s = sources.get(source);
        if (s == null) {
            return now;
        }
        if (now - s.lastFailureNanos >= TimeUnit.SECONDS.toNanos(FORGET_SECONDS)) {
            sources.remove(source);
            return now;
        }
        return s.nextAttemptNanos - now > 0 ? s.nextAttemptNanos : now;
    }

    /**
     * Records a wrong password from {@code source}.
     *
     * @param connectionFailures the connection's own count, this one included
     * @return when the next attempt from this connection may be checked (nanoTime)
     */
    long failed(String source, int connectionFailures, long now) {
        nextAttemptNanos(source, now); // Forgets a stale record first.
        Source s = sources.computeIfAbsent(source, k -> new Source());
        s.failures++;
        s.lastFailureNanos = now;
        s.nextAttemptNanos = now + delayNanos(s.failures);
        return now + Math.max(delayNanos(connectionFailures), delayNanos(s.failures));
    }

    /** A correct password from {@code source}: its count starts again. */
    void succeeded(String source) {
        sources.remove(source);
    }
}
