package org.culvert.openvpn.crypto;

/**
 * The outcome of sealing or opening one packet, for every engine: the static-key data channel and
 * session use the first group of values, TLS mode all of them (its control channel, keys and session
 * state add the rest). Every failure has its own value; none throws. The tunnel core maps each value
 * to one drop reason.
 *
 * @since crypto 1.2 (the TLS values, formerly {@code org.culvert.openvpn.tls.TlsVerdict})
 */
public enum Verdict {
    /** The packet was sealed, or opened and accepted. */
    OK,
    /** Too short to be a packet of this configuration (shorter than HMAC + IV + one block, etc.). */
    SHORT_PACKET,
    /** Too long to process, or the buffer lacks the head- or tailroom the operation needs. */
    OVERSIZED,
    /** The data packet's HMAC or AEAD tag did not verify: wrong key, wrong direction, or a modified packet. */
    AUTH_FAILED,
    /** Authenticated (or unauthenticated with {@code --auth none}) but not decryptable: bad length or padding. */
    DECRYPT_FAILED,
    /** Authentic, but its packet-id was seen before, is 0, or is too old for the replay window. */
    REPLAY,
    /** The decrypted payload does not start with the configured compression framing byte(s). */
    BAD_COMPRESSION,
    /**
     * The sender's packet-id space is used up and the clock has not moved on (in TLS mode: a
     * renegotiation is overdue); nothing was sent.
     */
    PACKET_ID_EXHAUSTED,

    // ---- TLS mode only (control channel, key state, session state)

    /** TLS mode: no data-channel key exists yet (before "Initialization Sequence Completed") or any more. */
    NOT_KEYED,
    /** TLS mode: a data packet for a key_id this side does not hold (OpenVPN: "TLS keys are out of sync"). */
    UNKNOWN_KEY_ID,
    /** TLS mode: the first byte is not a known opcode, or is key method 1 (which the TLS engine also reports as its failure). */
    UNKNOWN_OPCODE,
    /** TLS mode: a control packet that does not parse (bad ACK record, short header, wrong direction). */
    MALFORMED_CONTROL,
    /** TLS mode: a control packet whose {@code --tls-auth} HMAC did not verify. */
    TLS_AUTH_FAILED,
    /** TLS mode: a control packet that {@code --tls-crypt} could not unwrap. */
    TLS_CRYPT_FAILED,
    /** TLS mode: a control packet whose wrapping packet-id was a replay. */
    CONTROL_REPLAY,
    /** TLS mode: a control packet for another session or for a key_id that is not being negotiated. */
    WRONG_SESSION,
    /** TLS mode: the session has failed or was closed; nothing is processed any more. */
    SESSION_CLOSED,
    /**
     * TLS mode: an unexpected exception while handling the packet (a defect): the packet was dropped
     * and, for a control packet, the control session it reached was failed.
     */
    INTERNAL_ERROR
}
