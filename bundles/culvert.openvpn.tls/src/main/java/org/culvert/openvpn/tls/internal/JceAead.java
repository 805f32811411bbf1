package org.culvert.openvpn.tls.internal;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import org.culvert.openvpn.crypto.WipeableKey;

/**
 * AES-GCM or ChaCha20-Poly1305 through the JDK's own {@code Cipher}, whose AES-GCM runs on the AES-NI
 * and CLMUL (GHASH) intrinsics, and on newer JDKs ChaCha20 and Poly1305 on vector intrinsics.
 *
 * <p>The price: the JCE wants one {@code init} per packet with a fresh parameter object (it checks that
 * an encryption nonce is not reused) and rebuilds its engine state on it, so each packet allocates
 * about 1.1 KB each way for AES-GCM and 1.3-2.4 KB for ChaCha20-Poly1305 (JceAeadAllocationTest bounds
 * it per JDK). It dies young in the thread's allocation buffer (young collections cost about 10 ns
 * per packet); the intrinsics are worth several times more. No other {@code Cipher} call path
 * allocates less: heap buffers about as much and are slower, direct buffers and update-then-doFinal
 * more (CipherPathBenchmark; docs/benchmarks.md, "Per-packet costs"). The wire puts OpenVPN's tag before the ciphertext and the JCE
 * after it, so both directions go through the session's work arrays, which also keeps the caller's
 * output untouched when a tag does not verify.
 */
public final class JceAead implements Aead {
    private final boolean gcm;
    private final WipeableKey key;
    private final Cipher encryptor;
    private final Cipher decryptor;
    /** ciphertext || tag, as the JCE reads and writes it (shared by a session's ciphers: one thread, no nesting). */
    private final byte[] work;
    private final byte[] plain;
    private final byte[] lastDecryptNonce = new byte[NONCE_LENGTH];

    private JceAead(boolean gcm, byte[] keyBytes, int off, int len, DataScratch scratch) {
        this.gcm = gcm;
        this.work = scratch.aeadIn;
        this.plain = scratch.aeadOut;
        byte[] k = Arrays.copyOfRange(keyBytes, off, off + len);
        try {
            key = new WipeableKey(k, 0, len, gcm ? "AES" : "ChaCha20");
            encryptor = Cipher.getInstance(gcm ? "AES/GCM/NoPadding" : "ChaCha20-Poly1305");
            decryptor = Cipher.getInstance(gcm ? "AES/GCM/NoPadding" : "ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + (gcm ? "AES/GCM" : "ChaCha20-Poly1305"), e);
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }

    /** AES-GCM with a 16- or 32-byte key (copied). */
    public static JceAead aesGcm(byte[] keyBytes, int off, int len, DataScratch scratch) {
        if (len != 16 && len != 32) {
            throw new IllegalArgumentException("AES-GCM key must be 16 or 32 bytes");
        }
        return new JceAead(true, keyBytes, off, len, scratch);
    }

    /** ChaCha20-Poly1305 with a 32-byte key (copied). */
    public static JceAead chaCha20Poly1305(byte[] keyBytes, int off, DataScratch scratch) {
        return new JceAead(false, keyBytes, off, 32, scratch);
    }

    private java.security.spec.AlgorithmParameterSpec params(byte[] nonce) {
        return gcm ? new GCMParameterSpec(TAG_LENGTH * 8, nonce, 0, NONCE_LENGTH) : new IvParameterSpec(nonce, 0, NONCE_LENGTH);
    }

    @Override
    public void encrypt(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] in, int inOff, int len, byte[] out,
            int outOff, byte[] tag, int tagOff) {
        try {
            encryptor.init(Cipher.ENCRYPT_MODE, key, params(nonce));
            encryptor.updateAAD(aad, aadOff, aadLen);
            int n = encryptor.doFinal(in, inOff, len, work, 0);
            if (n != len + TAG_LENGTH) {
                throw new IllegalStateException("the JCE wrote " + n + " bytes for " + len);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AEAD encryption failed", e);
        }
        System.arraycopy(work, 0, out, outOff, len);
        System.arraycopy(work, len, tag, tagOff, TAG_LENGTH);
    }

    @Override
    public boolean decrypt(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] in, int inOff, int len, byte[] tag,
            int tagOff, byte[] out, int outOff) {
        if (key.isDestroyed()) {
            return false; // wiped: the run is over, nothing opens any more
        }
        System.arraycopy(in, inOff, work, 0, len);
        System.arraycopy(tag, tagOff, work, len, TAG_LENGTH);
        try {
            if (!gcm && Arrays.equals(nonce, 0, NONCE_LENGTH, lastDecryptNonce, 0, NONCE_LENGTH)) {
                // The JDK's ChaCha20-Poly1305 refuses an init with the previous key and nonce even to
                // decrypt; a duplicated packet must still be opened (and then refused as a replay), so
                // step through another nonce first.
                lastDecryptNonce[0] ^= 1;
                decryptor.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(lastDecryptNonce));
            }
            System.arraycopy(nonce, 0, lastDecryptNonce, 0, NONCE_LENGTH);
            decryptor.init(Cipher.DECRYPT_MODE, key, params(nonce));
            decryptor.updateAAD(aad, aadOff, aadLen);
            // The JCE compares the tag in constant time and releases no plaintext when it fails.
            decryptor.doFinal(work, 0, len + TAG_LENGTH, plain, 0);
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AEAD decryption failed", e);
        }
        System.arraycopy(plain, 0, out, outOff, len);
        return true;
    }

    /**
     * Overwrites our key array and re-keys both JCE ciphers with an all-zero key, which replaces the
     * key copies and schedules the providers made at {@code init} (the only way to reach them).
     * Idempotent; the instance must not be used afterwards. The work arrays are the session's and
     * hold no key.
     */
    @Override
    public void wipe() {
        if (key.isDestroyed()) {
            return;
        }
        key.destroy();
        // A nonce the last packet cannot have used, so the JCE's nonce-reuse check never refuses.
        byte[] nonce = new byte[NONCE_LENGTH];
        Arrays.fill(nonce, (byte) 0x5a);
        lastDecryptNonce[0] ^= 1;
        String alg = gcm ? "AES" : "ChaCha20";
        WipeableKey.rekeyWithZeros(encryptor, Cipher.ENCRYPT_MODE, alg, gcm ? 16 : 32, params(nonce));
        WipeableKey.rekeyWithZeros(decryptor, Cipher.DECRYPT_MODE, alg, gcm ? 16 : 32, params(nonce));
        Arrays.fill(lastDecryptNonce, (byte) 0);
    }
}
