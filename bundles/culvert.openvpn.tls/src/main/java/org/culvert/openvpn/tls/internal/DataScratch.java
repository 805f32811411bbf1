package org.culvert.openvpn.tls.internal;

/**
 * Work arrays shared by every data-channel cipher of one session, so that keeping several keys (the
 * primary and the lame duck) does not multiply the memory. Safe because a session is driven by one
 * thread and cipher calls never nest.
 */
public final class DataScratch {
    /** The largest wire packet handled: the TCP length field's maximum. */
    public static final int MAX_PACKET = 65535;
    private static final int SLACK = 128;

    /** A copy of the packet being processed. */
    public final byte[] wire = new byte[MAX_PACKET + SLACK];
    /** Plaintext being built or recovered. */
    public final byte[] plain = new byte[MAX_PACKET + SLACK];
    /** The AEAD's ciphertext || tag, in the JCE's order (OpenVPN puts the tag first). */
    final byte[] aeadIn = new byte[MAX_PACKET + SLACK];
    /** The AEAD's output before it is released to the caller. */
    final byte[] aeadOut = new byte[MAX_PACKET + SLACK];
}
