package org.culvert.api.plugin;

import java.util.Objects;

/**
 * Whether a registered plugin can actually work here, and if not, why (a missing native library,
 * no {@code /dev/net/tun}, insufficient rights). Availability is data, not an exception, so that
 * {@code tunnel:plugins} can show it and the core can skip an unusable plugin with a clear reason.
 */
public final class Availability {
    private static final Availability AVAILABLE = new Availability(true, "");
    private final boolean available;
    private final String cause;

    private Availability(boolean available, String cause) {
        this.available = available;
        this.cause = cause;
    }

    public static Availability available() {
        return AVAILABLE;
    }

    /** @param cause one line, naming what is missing; shown to operators */
    public static Availability unavailable(String cause) {
        return new Availability(false, Objects.requireNonNull(cause, "cause"));
    }

    public boolean isAvailable() {
        return available;
    }

    /** Empty when available. */
    public String cause() {
        return cause;
    }

    @Override
    public String toString() {
        return available ? "available" : "unavailable: " + cause;
    }
}
