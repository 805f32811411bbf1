package org.culvert.openvpn.crypto;

import java.util.Objects;

/**
 * A static key file could not be read, or its keys cannot be used as configured. Messages never
 * contain key material.
 */
public final class StaticKeyException extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** No {@code -----BEGIN OpenVPN Static key V1-----} line. */
        MISSING_HEADER,
        /** A character other than hex digits and whitespace inside the key block. */
        NON_HEX_CHARACTER,
        /** Fewer than 128 bytes (one key) between header and footer. */
        INSUFFICIENT_KEY_MATERIAL,
        /** No {@code -----END OpenVPN Static key V1-----} line after the key data. */
        MISSING_FOOTER,
        /** The file holds one key but a key direction needs two. */
        INSUFFICIENT_KEYS_FOR_DIRECTION,
        /** A cipher key that would be used is all zeros (OpenVPN refuses it too). */
        ZERO_CIPHER_KEY
    }

    private final Reason reason;

    public StaticKeyException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
