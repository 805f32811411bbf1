package org.culvert.api.tunnel;

import java.time.Instant;
import java.util.Objects;

/** An immutable snapshot of a tunnel's state, why it is there, and since when. */
public final class TunnelStatus {
    private final TunnelState state;
    private final TunnelReason reason;
    private final String detail;
    private final Instant since;

    public TunnelStatus(TunnelState state, TunnelReason reason, String detail, Instant since) {
        this.state = Objects.requireNonNull(state, "state");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.detail = detail == null ? "" : detail;
        this.since = Objects.requireNonNull(since, "since");
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

    @Override
    public String toString() {
        return state + (reason == TunnelReason.NONE ? "" : " (" + reason + (detail.isEmpty() ? "" : ": " + detail) + ")");
    }
}
