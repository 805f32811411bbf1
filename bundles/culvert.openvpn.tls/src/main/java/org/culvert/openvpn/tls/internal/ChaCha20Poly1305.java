package org.culvert.openvpn.tls.internal;

import java.util.Arrays;
import org.bouncycastle.crypto.engines.ChaCha7539Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * ChaCha20-Poly1305 (RFC 8439 §2.8) from Bouncy Castle's ChaCha20 and Poly1305 primitives, set up so
 * that no call allocates: the engine keeps its key and is re-initialised per packet with a reused
 * {@link ParametersWithIV} whose nonce array is overwritten in place (Bouncy Castle hands out that
 * array by reference), and the one-time Poly1305 key lives in a reused {@link KeyParameter}.
 */
public final class ChaCha20Poly1305 implements Aead {
    private static final byte[] ZERO_BLOCK = new byte[64];
    private static final byte[] PAD = new byte[16];

    private final ChaCha7539Engine chacha = new ChaCha7539Engine();
    private final ParametersWithIV nonceOnly = new ParametersWithIV(null, new byte[NONCE_LENGTH]);
    private final KeyParameter oneTimeKey = new KeyParameter(new byte[32]);
    private final Poly1305 poly = new Poly1305();
    private final byte[] block0 = new byte[64];
    private final byte[] lengths = new byte[16];
    private final byte[] tagCheck = new byte[TAG_LENGTH];

    /** @param key 32 bytes, copied */
    public ChaCha20Poly1305(byte[] key, int keyOff) {
        byte[] k = Arrays.copyOfRange(key, keyOff, keyOff + 32);
        try {
            chacha.init(true, new ParametersWithIV(new KeyParameter(k), new byte[NONCE_LENGTH]));
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }

    @Override
    public void encrypt(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] in, int inOff, int len, byte[] out,
            int outOff, byte[] tag, int tagOff) {
        start(nonce);
        chacha.processBytes(in, inOff, len, out, outOff);
        mac(aad, aadOff, aadLen, out, outOff, len, tag, tagOff);
    }

    @Override
    public boolean decrypt(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] in, int inOff, int len, byte[] tag,
            int tagOff, byte[] out, int outOff) {
        start(nonce);
        mac(aad, aadOff, aadLen, in, inOff, len, tagCheck, 0);
        if (!Bytes.constantTimeEquals(tagCheck, 0, tag, tagOff, TAG_LENGTH)) {
            return false;
        }
        chacha.processBytes(in, inOff, len, out, outOff);
        return true;
    }

    @Override
    public void wipe() {
        Arrays.fill(oneTimeKey.getKey(), (byte) 0);
        Arrays.fill(block0, (byte) 0);
    }

    /** Sets the nonce, derives the Poly1305 key from block 0 and leaves the engine at block 1. */
    private void start(byte[] nonce) {
        System.arraycopy(nonce, 0, nonceOnly.getIV(), 0, NONCE_LENGTH);
        chacha.init(true, nonceOnly);
        chacha.processBytes(ZERO_BLOCK, 0, 64, block0, 0);
        System.arraycopy(block0, 0, oneTimeKey.getKey(), 0, 32);
        poly.init(oneTimeKey);
    }

    private void mac(byte[] aad, int aadOff, int aadLen, byte[] ct, int ctOff, int ctLen, byte[] tag, int tagOff) {
        poly.update(aad, aadOff, aadLen);
        poly.update(PAD, 0, (16 - aadLen % 16) % 16);
        poly.update(ct, ctOff, ctLen);
        poly.update(PAD, 0, (16 - ctLen % 16) % 16);
        for (int i = 0; i < 8; i++) {
            lengths[i] = (byte) ((long) aadLen >>> (8 * i));
            lengths[8 + i] = (byte) ((long) ctLen >>> (8 * i));
        }
        poly.update(lengths, 0, 16);
        poly.doFinal(tag, tagOff);
    }
}
