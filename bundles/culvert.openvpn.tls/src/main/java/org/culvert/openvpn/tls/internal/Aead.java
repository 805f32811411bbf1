package org.culvert.openvpn.tls.internal;

/**
 * An AEAD with 12-byte nonces and 16-byte tags, working on caller arrays without allocating. The
 * tag is kept apart from the ciphertext because OpenVPN puts it in front. Not thread-safe.
 */
public interface Aead {
    /** Tag bytes. */
    int TAG_LENGTH = 16;
    /** Nonce bytes. */
    int NONCE_LENGTH = 12;

    /**
     * Encrypts {@code in[inOff, inOff+len)} to {@code out[outOff, outOff+len)} (the ranges must not
     * overlap) and writes the tag over {@code aad} and the ciphertext to {@code tag[tagOff, tagOff+16)}.
     */
    void encrypt(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] in, int inOff, int len, byte[] out,
            int outOff, byte[] tag, int tagOff);

    /**
     * Verifies the tag in constant time and, only if it matches, decrypts {@code in[inOff, inOff+len)}
     * to {@code out[outOff, outOff+len)} (non-overlapping).
     *
     * @return false if the tag does not match; {@code out} is then untouched
     */
    boolean decrypt(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] in, int inOff, int len, byte[] tag,
            int tagOff, byte[] out, int outOff);

    /** Overwrites key material held by this instance, as far as the underlying engines allow. */
    void wipe();
}
