package org.culvert.openvpn.tls;

/**
 * The outcome of one {@link TlsSession#encapsulate} or {@link TlsSession#decapsulate} call. Every
 * failure has its own value; none throws.
 */
public enum TlsVerdict {
    /** Sealed, or opened and accepted. */
    OK,
    /** Too short for its opcode and cipher. */
    SHORT_PACKET,
    /** Too long, or the buffer lacks the head- or tailroom the operation needs. */
    OVERSIZED,
    /** The data packet's AEAD tag or HMAC did not verify. */
    AUTH_FAILED,
    /** Authenticated but not decryptable (bad length or padding). */
    DECRYPT_FAILED,
    /** Authentic, but its packet-id was seen before, is 0, or is too old. */
    REPLAY,
    /** The decrypted payload lacks the configured compression framing. */
    BAD_COMPRESSION,
    /** No data-channel key exists yet (before "Initialization Sequence Completed") or any more. */
    NOT_KEYED,
    /** A data packet for a key_id this side does not hold (OpenVPN: "TLS keys are out of sync"). */
    UNKNOWN_KEY_ID,
    /** The first byte is not a known opcode, or is key method 1 (reported through {@link TlsSession#lastError()}). */
    UNKNOWN_OPCODE,
    /** A control packet that does not parse (bad ACK record, short header, wrong direction). */
    MALFORMED_CONTROL,
    /** A control packet whose {@code --tls-auth} HMAC did not verify. */
    TLS_AUTH_FAILED,
    /** A control packet that {@code --tls-crypt} could not unwrap. */
    TLS_CRYPT_FAILED,
    /** A control packet whose wrapping packet-id was a replay. */
    CONTROL_REPLAY,
    /** A control packet for another session or for a key_id that is not being negotiated. */
    WRONG_SESSION,
    /** The sender's packet-id space is used up; a renegotiation is overdue. Nothing was sent. */
    PACKET_ID_EXHAUSTED,
    /** The session has failed or was closed; nothing is processed any more. */
    SESSION_CLOSED,
    /**
     * An unexpected exception while handling the packet (a defect): the packet was dropped and, for a
     * control packet, the control session it reached was failed (see {@link TlsFailure.Reason#INTERNAL_ERROR}).
     */
    INTERNAL_ERROR
}
