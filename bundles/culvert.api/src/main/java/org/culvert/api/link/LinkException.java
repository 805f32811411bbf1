package org.culvert.api.link;

import java.io.IOException;
import java.util.Objects;

/** A link socket could not be opened, established, read or written. The reason is machine-readable. */
public class LinkException extends IOException {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** The local address or port is taken. */
        ADDRESS_IN_USE,
        /** A host name did not resolve, or to no address of the wanted family. */
        RESOLVE_FAILED,
        CONNECTION_REFUSED,
        /** The peer reset or closed the stream. */
        CONNECTION_RESET,
        /** A stream carried a length of 0 or more than the largest packet. */
        BAD_FRAME,
        PERMISSION_DENIED,
        /** The spec asks for something this transport cannot do. */
        UNSUPPORTED,
        /**
         * A proxy refused the tunnel or answered what no proxy should (an HTTP status other than 200,
         * a SOCKS failure code, a malformed or oversized answer); the message holds its answer.
         *
         * @since link 1.2
         */
        PROXY_FAILED,
        /**
         * A proxy refused the credentials (HTTP 407, a SOCKS user/password failure) or wants a
         * method Culvert does not speak.
         *
         * @since link 1.2
         */
        PROXY_AUTH_FAILED,
        /**
         * A connect attempt (with its proxy exchange) got no answer within {@code --connect-timeout}.
         *
         * @since link 1.2
         */
        TIMEOUT,
        /** The socket was closed. */
        CLOSED,
        IO_ERROR
    }

    private final Reason reason;

    public LinkException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public LinkException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
