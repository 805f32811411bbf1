package org.culvert.openvpn.tls;

import java.util.Objects;

/**
 * A {@link TlsSettings} value that is missing, invalid, contradictory, or valid for OpenVPN but not
 * honoured by Culvert. Names the offending option (e.g. {@code --tls-cipher}); the message never
 * contains key material.
 */
public final class TlsConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The kind of problem. */
    public enum Reason {
        /** A required option is absent (e.g. {@code --cert} or {@code --dh} on a tls-server). */
        MISSING,
        /** The value is malformed or unusable (bad PEM, wrong fingerprint length, mismatched key). */
        INVALID,
        /** Two options contradict each other (e.g. {@code --tls-auth} and {@code --tls-crypt}). */
        CONFLICT,
        /**
         * OpenVPN accepts the value but Culvert cannot honour it exactly (an unknown cipher, an
         * encrypted key without {@code --askpass}). Refused rather than silently weakened.
         */
        UNSUPPORTED
    }

    private final String option;
    private final Reason reason;

    public TlsConfigException(String option, Reason reason, String message) {
        super(option + ": " + message);
        this.option = Objects.requireNonNull(option, "option");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The option as written in a config file, with the leading dashes, e.g. {@code --peer-fingerprint}. */
    public String option() {
        return option;
    }

    public Reason reason() {
        return reason;
    }
}
