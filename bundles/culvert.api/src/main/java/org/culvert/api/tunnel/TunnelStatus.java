package org.culvert.api.tunnel;

import java.time.Instant;
import java.util.Objects;

/**
 * An immutable snapshot of a tunnel's state, why it is there, and since when; with the step of
 * OpenVPN's client state sequence it is at ({@link #clientState()}), which changes more often.
 */
public final class TunnelStatus {
    private final TunnelState state;
    private final TunnelReason reason;
    private final String detail;
    private final Instant since;
    private final ClientStatus clientState;

    public TunnelStatus(TunnelState state, TunnelReason reason, String detail, Instant since) {
        this(state, reason, detail, since, null);
    }

    /** @param clientState the latest step of OpenVPN's client state sequence; null before the first */
    public TunnelStatus(TunnelState state, TunnelReason reason, String detail, Instant since, ClientStatus clientState) {
        this.state = Objects.requireNonNull(state, "state");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.detail = detail == null ? "" : detail;
        this.since = Objects.requireNonNull(since, "since");
        this.clientState = clientState;
    }

    public TunnelState state() {
        return state;
    }

    public TunnelReason reason() {
        return reason;
    }

    /** One human-readable line (e.g. which driver filter matched nothing); may be empty. */
    public String detail() {
        return detail;
    }

    public Instant since() {
        return since;
    }

    /**
     * The latest step of OpenVPN's client state sequence (CONNECTING, WAIT, AUTH, ..., CONNECTED,
     * RECONNECTING, EXITING), as OpenVPN's management {@code state} shows it; null before the first,
     * and from tunnel implementations that do not report it.
     */
    public ClientStatus clientState() {
        return clientState;
    }

    @Override
    public String toString() {
        return state + (reason == TunnelReason.NONE ? "" : " (" + reason + (detail.isEmpty() ? "" : ": " + detail) + ")");
    }
}
