package org.culvert.api.tunnel;

/** Why an incoming or outgoing packet was dropped; every drop is counted under one of these. */
public enum DropReason {
    /** Shorter than the smallest valid packet for the configured crypto. */
    SHORT_PACKET,
    /** Longer than the configured maximum. */
    OVERSIZED,
    /** HMAC or AEAD tag did not verify. */
    AUTH_FAILED,
    /** Decryption or padding failed after the HMAC verified (or with --auth none). */
    DECRYPT_FAILED,
    /** Packet-id already seen, too old, or 0. */
    REPLAY,
    /** The compression framing byte was not what the configuration expects. */
    BAD_COMPRESSION,
    /** From an address other than the peer's, without --float or before authentication. */
    UNKNOWN_PEER,
    /** Not an IP packet of the tunnel's family, or otherwise malformed after decryption. */
    MALFORMED,
    /** A packet-id would wrap; OpenVPN drops rather than reuse. */
    PACKET_ID_EXHAUSTED,
    /** A data packet arrived before data keys exist, or for a key id that has none (TLS mode). */
    NO_KEY,
    /** The OS rejected a write (e.g. a malformed packet on tun, an unreachable destination). */
    WRITE_REJECTED,
    /**
     * Handling the packet threw an unexpected exception (a bug in an engine, codec or the loop, reached by
     * this packet); also counted once for each call of the engine's own timers or output that threw. The
     * packet is dropped, the error is logged at a bounded rate and the tunnel goes on (a session whose
     * timers or output keep throwing is restarted softly). OpenVPN has no such count: its C code does not throw.
     */
    INTERNAL_ERROR,
    /** Server: no client owns the destination of a packet from the tun (OpenVPN drops it silently). @since 1.5 */
    NO_ROUTE,
    /**
     * Server: the inner source address of a client's packet is neither its address nor one of its iroutes
     * (OpenVPN's "MULTI: bad source address from client"). @since 1.5
     */
    BAD_SOURCE,
    /** Server: the queue to the thread that owns the client was full (as a full socket buffer drops). @since 1.5 */
    QUEUE_FULL,
    /** Server: a connection attempt beyond {@code --max-clients}. @since 1.5 */
    MAX_CLIENTS
}
