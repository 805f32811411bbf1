package org.culvert.tunnel.internal;

import java.util.Objects;
import java.util.function.Consumer;

import org.culvert.openvpn.config.ServerSettings.ConnectFreq;

/**
 * A UDP server's two limits on new clients, as OpenVPN 2.6 counts them (facts sheet §5.2):
 * <ul>
 *   <li>{@code --connect-freq-initial n sec} (default 100 per 10 s; {@code reflect_filter.c}
 *       {@code reflect_filter_rate_limit_check}): stateless reset replies. Each valid reset counts, also
 *       one over the limit; the count restarts once more than {@code sec} seconds passed since the
 *       period began. A completed three-way handshake gives its count back
 *       ({@code reflect_filter_rate_limit_decrease}), so only resets that never complete (forged
 *       sources, a reflection attempt) use the budget up.</li>
 *   <li>{@code --connect-freq n sec} (off by default; {@code otime.c} {@code frequency_limit_event_allowed}):
 *       new instances. Each attempt counts, also one refused; the count restarts when {@code sec} seconds
 *       passed since the period began.</li>
 * </ul>
 * Whole seconds, as OpenVPN's {@code now}. Link thread only; allocation-free per packet. A refused
 * packet is a counted drop; the warning is given once per period, not per packet.
 */
final class ConnectLimits {
    private final LoopClock clock;
    private final Consumer<String> warn;
    private final ConnectFreq initial;
    private final ConnectFreq connect;
    /** Before any period: the monotonic clock may read anything, negative too. */
    private static final long NEVER = Long.MIN_VALUE / 4;
    // connect-freq-initial
    private long initialPeriodStart = NEVER;
    private long initialCount;
    private boolean initialWarned;
    // connect-freq
    private long connectPeriodStart = NEVER;
    private long connectCount;
    private boolean connectWarned;
    private long droppedResets;
    private long droppedConnects;

    ConnectLimits(ConnectFreq initial, ConnectFreq connect, LoopClock clock, Consumer<String> warn) {
        this.initial = Objects.requireNonNull(initial, "initial");
        this.connect = Objects.requireNonNull(connect, "connect");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.warn = Objects.requireNonNull(warn, "warn");
    }

    private long now() {
        return Math.floorDiv(clock.millis(), 1000L);
    }

    /** {@code reflect_filter_rate_limit_check}: may a valid reset get the stateless reply? */
    boolean resetAllowed() {
        long now = now();
        if (now > initialPeriodStart + initial.seconds()) {
            initialPeriodStart = now;
            initialCount = 0;
            initialWarned = false;
        }
        initialCount++;
        boolean over = initialCount > initial.max();
        if (over) {
            droppedResets++;
            if (!initialWarned) {
                initialWarned = true;
                warn.accept("Note: --connect-freq-initial " + initial.max() + " " + initial.seconds() + " rate limit exceeded,"
                        + " dropping initial handshake packets for the next " + (initialPeriodStart + initial.seconds() - now)
                        + " seconds");
            }
        }
        return !over;
    }

    /**
     * {@code frequency_limit_event_allowed} on {@code --connect-freq}: may a client whose handshake
     * completed the cookie get an instance? When it may, its reset is refunded to
     * {@code --connect-freq-initial}.
     */
    boolean newInstanceAllowed() {
        if (connect.seconds() > 0) {
            long now = now();
            if (now >= connectPeriodStart + connect.seconds()) {
                connectPeriodStart = now;
                connectCount = 0;
                connectWarned = false;
            }
            if (++connectCount > connect.max()) {
                droppedConnects++;
                if (!connectWarned) {
                    connectWarned = true;
                    warn.accept("MULTI: new connections would exceed the new connection frequency limit as controlled by"
                            + " --connect-freq " + connect.max() + " " + connect.seconds() + "; dropping them for the next "
                            + (connectPeriodStart + connect.seconds() - now) + " seconds");
                }
                return false;
            }
        }
        if (initialCount > 0) {
            initialCount--;
        }
        return true;
    }

    /** Reset replies refused by {@code --connect-freq-initial}. */
    long droppedResets() {
        return droppedResets;
    }

    /** New instances refused by {@code --connect-freq}. */
    long droppedConnects() {
        return droppedConnects;
    }
}
