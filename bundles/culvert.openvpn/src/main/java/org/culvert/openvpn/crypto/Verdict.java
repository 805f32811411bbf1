package org.culvert.openvpn.crypto;

/** The outcome of sealing or opening one packet. Every failure has its own value; none throws. */
public enum Verdict {
    /** The packet was sealed, or opened and accepted. */
    OK,
    /** Too short to be a packet of this configuration (shorter than HMAC + IV + one block, etc.). */
    SHORT_PACKET,
    /** Too long to process, or the buffer lacks the head- or tailroom the operation needs. */
    OVERSIZED,
    /** The HMAC did not verify: wrong key, wrong direction, or a modified packet. */
    AUTH_FAILED,
    /** Authenticated (or unauthenticated with {@code --auth none}) but not decryptable: bad length or padding. */
    DECRYPT_FAILED,
    /** Authentic, but its packet-id was seen before, is 0, or is too old for the replay window. */
    REPLAY,
    /** The decrypted payload does not start with the configured compression framing byte(s). */
    BAD_COMPRESSION,
    /** The sender's packet-id space is used up and the clock has not moved on; nothing was sent. */
    PACKET_ID_EXHAUSTED
}
