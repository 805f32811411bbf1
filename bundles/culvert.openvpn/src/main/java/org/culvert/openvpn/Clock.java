package org.culvert.openvpn;

/**
 * The only source of time for this library, injected so that tests can drive timers and packet-id
 * timestamps deterministically.
 *
 * <p>Implementations must be cheap (they are read on the data path) and need not be thread-safe
 * beyond what their caller requires: the library reads a clock only on the thread that calls it.
 */
public interface Clock {

    /** Milliseconds from an arbitrary origin that never goes backwards; used for timers. */
    long monotonicMillis();

    /**
     * Seconds since the Unix epoch; used only where OpenVPN puts wall-clock time on the wire (the
     * packet-id "time" of static-key mode).
     */
    long unixSeconds();

    /** The JVM's clocks: {@link System#nanoTime()} and {@link System#currentTimeMillis()}. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
