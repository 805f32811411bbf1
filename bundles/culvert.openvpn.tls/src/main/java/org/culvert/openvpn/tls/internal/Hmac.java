package org.culvert.openvpn.tls.internal;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.culvert.openvpn.crypto.AuthAlgorithm;

/**
 * HMAC (RFC 2104) over a JCE {@link MessageDigest}, writing into caller arrays: {@code javax.crypto.Mac}
 * returns a fresh array from every {@code doFinal}, which the data path cannot afford. Supports
 * incremental input ({@link #update}) so that tls-auth and tls-crypt can MAC non-contiguous fields.
 * Not thread-safe.
 */
public final class Hmac {
    private static final byte IPAD = 0x36;
    private static final byte OPAD = 0x5c;

    private final MessageDigest digest;
    private final byte[] innerPad;
    private final byte[] outerPad;
    private final byte[] innerHash;
    private final int length;

    /** @param key at most the hash block size; the caller wipes its copy */
    public Hmac(AuthAlgorithm algorithm, byte[] key, int keyOffset, int keyLength) {
        String jce;
        int block;
        switch (algorithm) {
            case SHA1:
                jce = "SHA-1";
                block = 64;
                break;
            case SHA256:
                jce = "SHA-256";
                block = 64;
                break;
            case SHA512:
                jce = "SHA-512";
                block = 128;
                break;
            default:
                throw new IllegalArgumentException("no HMAC for auth " + algorithm.openVpnName());
        }
        try {
            digest = MessageDigest.getInstance(jce);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + jce, e);
        }
        if (keyLength > block) {
            throw new IllegalArgumentException("HMAC key longer than the hash block");
        }
        innerPad = new byte[block];
        outerPad = new byte[block];
        for (int i = 0; i < block; i++) {
            byte k = i < keyLength ? key[keyOffset + i] : 0;
            innerPad[i] = (byte) (k ^ IPAD);
            outerPad[i] = (byte) (k ^ OPAD);
        }
        length = algorithm.digestLength();
        innerHash = new byte[length];
        digest.update(innerPad);
    }

    public int length() {
        return length;
    }

    /** Adds input to the MAC being computed. */
    public void update(byte[] in, int off, int len) {
        digest.update(in, off, len);
    }

    /** Finishes the MAC into {@code out[outOff, outOff+length())} and starts the next one. */
    public void doFinal(byte[] out, int outOff) {
        try {
            digest.digest(innerHash, 0, length);
            digest.update(outerPad);
            digest.update(innerHash, 0, length);
            digest.digest(out, outOff, length);
            digest.update(innerPad);
        } catch (DigestException e) {
            // Only thrown for an output range shorter than the digest, which callers never pass.
            throw new IllegalStateException(e);
        }
    }

    /** One-shot MAC of {@code in[off, off+len)}. */
    public void compute(byte[] in, int off, int len, byte[] out, int outOff) {
        update(in, off, len);
        doFinal(out, outOff);
    }

    /** Overwrites the derived key material. */
    public void wipe() {
        digest.reset();
        Arrays.fill(innerPad, (byte) 0);
        Arrays.fill(outerPad, (byte) 0);
        Arrays.fill(innerHash, (byte) 0);
    }
}
