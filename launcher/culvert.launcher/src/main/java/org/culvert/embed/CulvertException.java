package org.culvert.embed;

import java.util.Objects;

/** Culvert itself could not be started. The message is one line fit for an operator. */
public final class CulvertException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the start failed. */
    public enum Reason {
        /** No bundle folder was given, it does not exist, or it holds no bundles. */
        BUNDLES_MISSING,
        /** The culvert.api jar is not on the host's class path (the host shares it with the bundles). */
        API_NOT_ON_CLASS_PATH,
        /** The OSGi framework or a bundle failed to start; the message names which. */
        FRAMEWORK_FAILED,
        /** The framework started but Culvert's core (the tunnel manager) did not appear in time. */
        CORE_MISSING,
        /** The storage folder could not be made. */
        STORAGE_FAILED,
        /** The starting thread was interrupted. */
        INTERRUPTED
    }

    private final Reason reason;

    public CulvertException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public CulvertException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
