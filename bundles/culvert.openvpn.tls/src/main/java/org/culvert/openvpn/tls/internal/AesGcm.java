package org.culvert.openvpn.tls.internal;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.modes.gcm.GCMMultiplier;
import org.bouncycastle.crypto.modes.gcm.Tables4kGCMMultiplier;

/**
 * AES-GCM (NIST SP 800-38D) with 96-bit nonces and 128-bit tags, assembled from the JDK's AES block
 * function (run in ECB mode over a batch of counter blocks, which uses the AES-NI intrinsics) and
 * Bouncy Castle's table-driven GHASH multiplier.
 *
 * <p>Why not {@code Cipher("AES/GCM/NoPadding")}: the JCE needs a fresh {@code GCMParameterSpec}
 * and an {@code init} per packet (it refuses nonce reuse on the same instance), and Bouncy Castle's
 * {@code GCMBlockCipher.init} allocates several arrays per call. This class allocates only in its
 * constructor. The counter and keystream arrays are the shared {@link DataScratch}; the caller's
 * input and output must not live in them.
 */
public final class AesGcm implements Aead {
    private static final int BLOCK = 16;

    private final Cipher ecb;
    private final GCMMultiplier ghash = new Tables4kGCMMultiplier();
    private final DataScratch scratch;
    private final byte[] x = new byte[BLOCK];
    private final byte[] tagCheck = new byte[BLOCK];

    /** @param key 16 or 32 bytes, copied */
    public AesGcm(byte[] key, int keyOff, int keyLen, DataScratch scratch) {
        if (keyLen != 16 && keyLen != 32) {
            throw new IllegalArgumentException("AES-GCM key must be 16 or 32 bytes");
        }
        this.scratch = scratch;
        byte[] k = Arrays.copyOfRange(key, keyOff, keyOff + keyLen);
        try {
            ecb = Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k, "AES"));
            byte[] h = new byte[BLOCK];
            ecb.update(h, 0, BLOCK, h, 0);
            ghash.init(h);
            Arrays.fill(h, (byte) 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES/ECB", e);
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }

    @Override
    public void encrypt(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] in, int inOff, int len, byte[] out,
            int outOff, byte[] tag, int tagOff) {
        keystream(nonce, len);
        byte[] ks = scratch.keystream;
        for (int i = 0; i < len; i++) {
            out[outOff + i] = (byte) (in[inOff + i] ^ ks[BLOCK + i]);
        }
        ghash(aad, aadOff, aadLen, out, outOff, len);
        for (int i = 0; i < BLOCK; i++) {
            tag[tagOff + i] = (byte) (x[i] ^ ks[i]);
        }
    }

    @Override
    public boolean decrypt(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] in, int inOff, int len, byte[] tag,
            int tagOff, byte[] out, int outOff) {
        ghash(aad, aadOff, aadLen, in, inOff, len);
        keystream(nonce, len);
        byte[] ks = scratch.keystream;
        for (int i = 0; i < BLOCK; i++) {
            tagCheck[i] = (byte) (x[i] ^ ks[i]);
        }
        if (!Bytes.constantTimeEquals(tagCheck, 0, tag, tagOff, BLOCK)) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            out[outOff + i] = (byte) (in[inOff + i] ^ ks[BLOCK + i]);
        }
        return true;
    }

    @Override
    public void wipe() {
        Arrays.fill(x, (byte) 0);
        Arrays.fill(tagCheck, (byte) 0);
        // The JCE key schedule and the GHASH tables cannot be wiped from outside; dropping the
        // references is all that is possible.
    }

    /** Fills scratch.keystream with E(J0) followed by the keystream for {@code len} bytes. */
    private void keystream(byte[] nonce, int len) {
        int blocks = 1 + (len + BLOCK - 1) / BLOCK;
        byte[] ctr = scratch.counters;
        for (int b = 0; b < blocks; b++) {
            int off = b * BLOCK;
            System.arraycopy(nonce, 0, ctr, off, NONCE_LENGTH);
            Bytes.putInt(ctr, off + NONCE_LENGTH, b + 1);
        }
        try {
            ecb.update(ctr, 0, blocks * BLOCK, scratch.keystream, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private void ghash(byte[] aad, int aadOff, int aadLen, byte[] ct, int ctOff, int ctLen) {
        Arrays.fill(x, (byte) 0);
        absorb(aad, aadOff, aadLen);
        absorb(ct, ctOff, ctLen);
        long aadBits = (long) aadLen * 8;
        long ctBits = (long) ctLen * 8;
        for (int i = 0; i < 8; i++) {
            x[i] ^= (byte) (aadBits >>> (56 - 8 * i));
            x[8 + i] ^= (byte) (ctBits >>> (56 - 8 * i));
        }
        ghash.multiplyH(x);
    }

    private void absorb(byte[] b, int off, int len) {
        int full = len - len % BLOCK;
        for (int i = 0; i < full; i += BLOCK) {
            for (int j = 0; j < BLOCK; j++) {
                x[j] ^= b[off + i + j];
            }
            ghash.multiplyH(x);
        }
        int rest = len - full;
        if (rest > 0) {
            for (int j = 0; j < rest; j++) {
                x[j] ^= b[off + full + j];
            }
            ghash.multiplyH(x);
        }
    }
}
