package org.culvert.openvpn.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;

/**
 * Unpredictable CBC IVs without per-packet allocation.
 *
 * <p>OpenVPN draws every IV from its PRNG. The JDK's {@link SecureRandom} implementations allocate
 * on every call (NativePRNG about 3 bytes per byte produced), so IVs here are AES-256-CTR keystream
 * under a key and initial counter drawn once from the injected SecureRandom, produced in batches:
 * the "encrypt a counter under a secret key" IV method of NIST SP 800-38A, appendix C. Not
 * thread-safe.
 */
final class IvSource {
    private static final int BATCH = 1024;

    private final Cipher keystream;
    private final byte[] zeros = new byte[BATCH];
    private final byte[] pool = new byte[BATCH];
    private int next = BATCH;

    IvSource(SecureRandom random) {
        byte[] key = new byte[32];
        byte[] counter = new byte[16];
        random.nextBytes(key);
        random.nextBytes(counter);
        WipeableKey wk = new WipeableKey(key, 0, key.length, "AES");
        try {
            keystream = Cipher.getInstance("AES/CTR/NoPadding");
            keystream.init(Cipher.ENCRYPT_MODE, wk, new IvParameterSpec(counter));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES/CTR", e);
        } finally {
            Arrays.fill(key, (byte) 0);
            wk.destroy();
        }
    }

    /** Writes {@code len} (at most 1024) unpredictable bytes to {@code dst[off, off+len)}. */
    void next(byte[] dst, int off, int len) {
        if (BATCH - next < len) {
            refill();
        }
        System.arraycopy(pool, next, dst, off, len);
        next += len;
    }

    private void refill() {
        try {
            // update(), not doFinal(): the counter keeps running across batches.
            keystream.update(zeros, 0, BATCH, pool, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
        next = 0;
    }
}
