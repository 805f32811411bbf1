package org.culvert.openvpn.crypto;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * HMAC (RFC 2104) over a JCE {@link MessageDigest}. {@code javax.crypto.Mac} returns a fresh array
 * from every {@code doFinal}; digesting into caller arrays keeps the data path allocation-free while
 * still running the JDK's SHA intrinsics. Not thread-safe.
 */
final class Hmac {
    private static final byte IPAD = 0x36;
    private static final byte OPAD = 0x5c;

    private final MessageDigest digest;
    private final byte[] innerPad;
    private final byte[] outerPad;
    private final byte[] innerHash;
    private final int length;

    /** @param key at most the hash block size (OpenVPN's keys are digest-length); wiped by the caller */
    Hmac(AuthAlgorithm algorithm, byte[] key) {
        if (algorithm == AuthAlgorithm.NONE) {
            throw new IllegalArgumentException("no HMAC for auth none");
        }
        try {
            digest = MessageDigest.getInstance(algorithm.jceDigest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm.jceDigest(), e);
        }
        int block = algorithm.hashBlockSize();
        if (key.length > block) {
            throw new IllegalArgumentException("HMAC key longer than the hash block");
        }
        innerPad = new byte[block];
        outerPad = new byte[block];
        for (int i = 0; i < block; i++) {
            byte k = i < key.length ? key[i] : 0;
            innerPad[i] = (byte) (k ^ IPAD);
            outerPad[i] = (byte) (k ^ OPAD);
        }
        length = algorithm.digestLength();
        innerHash = new byte[length];
    }

    int length() {
        return length;
    }

    /** Writes HMAC(key, in[off, off+len)) to {@code out[outOff, outOff+length())}. */
    void compute(byte[] in, int off, int len, byte[] out, int outOff) {
        try {
            digest.update(innerPad);
            digest.update(in, off, len);
            digest.digest(innerHash, 0, length);
            digest.update(outerPad);
            digest.update(innerHash, 0, length);
            digest.digest(out, outOff, length);
        } catch (DigestException e) {
            // Only thrown for an output range shorter than the digest, which callers never pass.
            throw new IllegalStateException(e);
        }
    }

    /** Overwrites the derived key material. */
    void wipe() {
        Arrays.fill(innerPad, (byte) 0);
        Arrays.fill(outerPad, (byte) 0);
        Arrays.fill(innerHash, (byte) 0);
    }
}
