package org.culvert.openvpn.tls.internal;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import org.culvert.openvpn.crypto.WipeableKey;

/**
 * Unpredictable CBC IVs without per-packet allocation: AES-256-CTR keystream under a key and counter
 * drawn once from a {@link SecureRandom} (NIST SP 800-38A appendix C), produced in batches. The
 * JDK's SecureRandom implementations allocate on every call. Not thread-safe.
 */
public final class IvSource {
    private static final int BATCH = 1024;

    private final Cipher keystream;
    private final byte[] zeros = new byte[BATCH];
    private final byte[] pool = new byte[BATCH];
    private int next = BATCH;

    public IvSource(SecureRandom random) {
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
    public void next(byte[] dst, int off, int len) {
        if (BATCH - next < len) {
            try {
                // update(), not doFinal(): the counter keeps running across batches.
                keystream.update(zeros, 0, BATCH, pool, 0);
            } catch (ShortBufferException e) {
                throw new IllegalStateException(e);
            }
            next = 0;
        }
        System.arraycopy(pool, next, dst, off, len);
        next += len;
    }
}
