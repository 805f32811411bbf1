package org.culvert.api.event;

import java.io.IOException;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One set of waitables and the interest in each: OpenVPN's {@code struct event_set} with its
 * function table ({@code ctl}, {@code del}, {@code wait}, {@code reset}, {@code free}).
 *
 * <p>Threading: every method except {@link #wakeup()} is called only by the thread that owns the set
 * (a tunnel's loop thread). {@link #wakeup()} may be called from any thread at any time, also
 * concurrently with {@link #close()}.
 *
 * <p>Readiness is level-triggered: a waitable that is still readable is reported again by the next
 * wait. Errors and hang-ups are reported as the interest that was asked for, so that the following
 * read or write surfaces the error.
 */
@ConsumerType
public interface EventSet extends AutoCloseable {
    /** Interest / readiness bit: readable. */
    int READ = 1;
    /** Interest / readiness bit: writable. */
    int WRITE = 2;

    /**
     * Adds {@code waitable} or changes the interest of one already added ({@code event_ctl}).
     * An interest of 0 keeps it registered but reports nothing for it.
     *
     * @param tag a small caller-chosen number returned with its readiness, e.g. OpenVPN's
     *            {@code SOCKET_SHIFT}/{@code TUN_SHIFT}
     * @throws IllegalArgumentException if this backend cannot wait on the waitable's kind
     * @throws IOException if the OS refuses
     */
    void ctl(Waitable waitable, int interest, int tag) throws IOException;

    /** Removes {@code waitable} ({@code event_del}); unknown waitables are ignored. */
    void del(Waitable waitable) throws IOException;

    /** Forgets every registration ({@code event_reset}); the set stays usable. */
    void reset() throws IOException;

    /**
     * Waits until a registered waitable is ready as asked, {@link #wakeup()} is called, or the
     * timeout passes ({@code event_wait}). Fills {@code out} (cleared first).
     *
     * @param timeoutMillis 0 polls, a negative value waits without limit
     * @return the number of entries put in {@code out}; 0 on timeout or wake-up
     * @throws IOException if the OS wait fails; after {@link #close()} a wait returns 0 at once
     */
    int wait(long timeoutMillis, ReadyEvents out) throws IOException;

    /** Makes a current or the next {@link #wait} return early. Any thread. */
    void wakeup();

    /** Releases the set's OS resources ({@code event_free}). Idempotent; never throws. */
    @Override
    void close();
}
