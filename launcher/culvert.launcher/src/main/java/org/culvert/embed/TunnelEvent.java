package org.culvert.embed;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;

/**
 * One state change of one tunnel: from {@link #previous()} to {@link #current()}, each with its reason
 * and detail, and with the step of OpenVPN's client state sequence it is at ({@link #clientState()}).
 * A step of that sequence (WAIT, AUTH, GET_CONFIG, ...) is an event of its own even when the
 * tunnel's state stays the same ({@link #isClientStep()}). Immutable. Like OpenVPN 3's client events it says whether it is an error and whether the
 * error is fatal (the tunnel will not retry by itself).
 */
public final class TunnelEvent {
    /** Reasons that report a failure rather than a normal step (PING_RESTART or USER_STOP are normal). */
    private static final Set<TunnelReason> ERROR_REASONS = Set.of(TunnelReason.CONFIG_ERROR, TunnelReason.TUN_ERROR,
            TunnelReason.LINK_ERROR, TunnelReason.HANDSHAKE_FAILED, TunnelReason.DECRYPT_ERROR, TunnelReason.NO_COMPATIBLE_BACKEND,
            TunnelReason.INTERNAL_ERROR);

    private final String tunnelName;
    private final TunnelStatus previous;
    private final TunnelStatus current;

    public TunnelEvent(String tunnelName, TunnelStatus previous, TunnelStatus current) {
        this.tunnelName = Objects.requireNonNull(tunnelName, "tunnelName");
        this.previous = Objects.requireNonNull(previous, "previous");
        this.current = Objects.requireNonNull(current, "current");
    }

    public String tunnelName() {
        return tunnelName;
    }

    public TunnelStatus previous() {
        return previous;
    }

    public TunnelStatus current() {
        return current;
    }

    /** Shortcut for {@code current().state()}. */
    public TunnelState state() {
        return current.state();
    }

    /** Shortcut for {@code current().reason()}. */
    public TunnelReason reason() {
        return current.reason();
    }

    /**
     * OpenVPN's client state after this event (CONNECTING, WAIT, AUTH, GET_CONFIG, ASSIGN_IP,
     * CONNECTED, RECONNECTING, EXITING, ...), with its description and addresses; null before the first.
     */
    public ClientStatus clientState() {
        return current.clientState();
    }

    /** True when this event is a new step of OpenVPN's client state sequence. */
    public boolean isClientStep() {
        return current.clientState() != null && current.clientState() != previous.clientState();
    }

    /** When the tunnel entered the current state. */
    public Instant time() {
        return current.since();
    }

    /** True for a failure: the tunnel FAILED, or it is restarting or waiting because something failed. */
    public boolean isError() {
        return isFatal() || ERROR_REASONS.contains(current.reason());
    }

    /** True when the tunnel FAILED: it stays down until it is stopped and started with a new configuration. */
    public boolean isFatal() {
        return current.state() == TunnelState.FAILED;
    }

    /** {@code "office: CONNECTING -> UP [CONNECTED,SUCCESS 10.8.0.6]"}, with reasons and details where there are any. */
    @Override
    public String toString() {
        return tunnelName + ": " + previous + " -> " + current + (isClientStep() ? " [" + current.clientState() + "]" : "");
    }
}
