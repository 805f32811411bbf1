package org.culvert.embed;

/** A registered listener; {@link #close()} removes it. Idempotent; never throws. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    /** Removes the listener. It may still receive the event being delivered at that moment, none after that. */
    @Override
    void close();
}
