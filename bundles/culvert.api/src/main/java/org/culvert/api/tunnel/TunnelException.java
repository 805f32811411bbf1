package org.culvert.api.tunnel;

import java.util.Objects;

/** A tunnel operation was refused. The message is one line fit for an operator. */
public class TunnelException extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** The configuration text has an error; the message names option and line. */
        CONFIG_ERROR,
        /** A tunnel with that name exists already. */
        DUPLICATE_NAME,
        /** No tunnel with that name. */
        NOT_FOUND,
        /** The configuration store (ConfigAdmin) failed. */
        STORE_FAILED,
        /** The wait for a state timed out. */
        TIMEOUT
    }

    private final Reason reason;

    public TunnelException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public TunnelException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
