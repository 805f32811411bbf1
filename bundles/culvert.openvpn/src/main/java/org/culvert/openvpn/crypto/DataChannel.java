package org.culvert.openvpn.crypto;

import java.nio.ByteBuffer;

/**
 * Seals (encrypts and signs) and opens (verifies, decrypts, replay-checks) data-channel packets in
 * place.
 *
 * <p><b>Threads and ownership.</b> An instance belongs to one tunnel run and is called from its loop
 * thread only; it is not thread-safe. Buffers belong to the caller: an instance keeps no reference
 * to them after a call returns. Buffers may be heap or direct; their byte order is irrelevant.
 *
 * <p><b>Cost.</b> Neither call allocates: implementations reuse their ciphers, MACs and scratch arrays.
 * Neither call throws for any packet content; every outcome is a {@link Verdict}.
 */
public interface DataChannel {

    /** The most bytes {@link #seal} writes before the plaintext's first byte. */
    int headroom();

    /** The most bytes {@link #seal} writes after the plaintext's last byte (CBC padding). */
    int tailroom();

    /**
     * Encrypts in place: the plaintext is {@code buf[position, limit)}, with at least
     * {@link #headroom()} bytes of the buffer free before {@code position} and {@link #tailroom()}
     * bytes of capacity after {@code limit}. On {@link Verdict#OK}, {@code buf[position, limit)} is
     * the wire packet; on anything else the buffer's position and limit are unchanged and nothing
     * should be sent.
     */
    Verdict seal(ByteBuffer buf);

    /**
     * Verifies (HMAC first, in constant time), decrypts and replay-checks the wire packet
     * {@code buf[position, limit)} in place. On {@link Verdict#OK}, {@code buf[position, limit)} is
     * the plaintext (inside the original range). On anything else the buffer's content is
     * unspecified, its position and limit are unchanged, and the replay window is untouched.
     */
    Verdict open(ByteBuffer buf);

    /**
     * Overwrites the key material this channel holds, as far as the JCE allows; idempotent, never
     * throws. The channel must not be used afterwards.
     *
     * @since crypto 1.1
     */
    default void wipe() {
    }
}
