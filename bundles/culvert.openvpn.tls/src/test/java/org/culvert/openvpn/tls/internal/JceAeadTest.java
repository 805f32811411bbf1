package org.culvert.openvpn.tls.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

/**
 * The JDK-backed AEADs against an independent implementation (Bouncy Castle's), RFC 8439's vector,
 * and every way a packet can be forged: a bad tag, ciphertext or AAD is refused and releases nothing.
 */
class JceAeadTest {
    private static final HexFormat HEX = HexFormat.of();
    private final DataScratch scratch = new DataScratch();
    private final Random random = new Random(42);

    private static byte[] oracle(AEADCipher c, byte[] key, byte[] nonce, byte[] aad, byte[] plain) throws Exception {
        c.init(true, new AEADParameters(new KeyParameter(key), 128, nonce, aad));
        byte[] out = new byte[c.getOutputSize(plain.length)];
        int n = c.processBytes(plain, 0, plain.length, out, 0);
        c.doFinal(out, n);
        return out; // ciphertext || tag
    }

    private void agreesWithOracle(boolean gcm, int keyLength) throws Exception {
        for (int len : new int[] { 0, 1, 15, 16, 17, 64, 1400, 1500, 9000 }) {
            byte[] key = bytes(keyLength);
            byte[] nonce = bytes(Aead.NONCE_LENGTH);
            byte[] aad = bytes(len % 2 == 0 ? 8 : 12);
            byte[] plain = bytes(len);
            Aead aead = gcm ? JceAead.aesGcm(key, 0, keyLength, scratch) : JceAead.chaCha20Poly1305(key, 0, scratch);
            byte[] ct = new byte[len];
            byte[] tag = new byte[Aead.TAG_LENGTH];
            aead.encrypt(nonce, aad, 0, aad.length, plain, 0, len, ct, 0, tag, 0);
            byte[] expected = oracle(gcm ? GCMBlockCipher.newInstance(AESEngine.newInstance()) : new ChaCha20Poly1305(), key, nonce,
                    aad, plain);
            assertArrayEquals(Arrays.copyOf(expected, len), ct, "ciphertext, " + len + " bytes");
            assertArrayEquals(Arrays.copyOfRange(expected, len, len + 16), tag, "tag, " + len + " bytes");
            byte[] back = new byte[len];
            assertTrue(aead.decrypt(nonce, aad, 0, aad.length, ct, 0, len, tag, 0, back, 0));
            assertArrayEquals(plain, back);
        }
    }

    @Test
    void aes128GcmAgreesWithAnIndependentImplementation() throws Exception {
        agreesWithOracle(true, 16);
    }

    @Test
    void aes256GcmAgreesWithAnIndependentImplementation() throws Exception {
        agreesWithOracle(true, 32);
    }

    @Test
    void chaCha20Poly1305AgreesWithAnIndependentImplementation() throws Exception {
        agreesWithOracle(false, 32);
    }

    @Test
    void chaCha20Poly1305MatchesRfc8439Section2_8_2() {
        byte[] key = HEX.parseHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        byte[] nonce = HEX.parseHex("070000004041424344454647");
        byte[] aad = HEX.parseHex("50515253c0c1c2c3c4c5c6c7");
        byte[] plain = ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future,"
                + " sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);
        byte[] ct = new byte[plain.length];
        byte[] tag = new byte[16];
        JceAead.chaCha20Poly1305(key, 0, scratch).encrypt(nonce, aad, 0, aad.length, plain, 0, plain.length, ct, 0, tag, 0);
        assertArrayEquals(HEX.parseHex("1ae10b594f09e26a7e902ecbd0600691"), tag);
        assertArrayEquals(HEX.parseHex("d31a8d34648e60db7b86afbc53ef7ec2"), Arrays.copyOf(ct, 16));
    }

    @Test
    void everyForgeryIsRefusedAndReleasesNothing() {
        for (boolean gcm : new boolean[] { true, false }) {
            byte[] key = bytes(32);
            Aead aead = gcm ? JceAead.aesGcm(key, 0, 32, scratch) : JceAead.chaCha20Poly1305(key, 0, scratch);
            byte[] nonce = bytes(12);
            byte[] aad = bytes(8);
            byte[] plain = bytes(100);
            byte[] ct = new byte[100];
            byte[] tag = new byte[16];
            aead.encrypt(nonce, aad, 0, 8, plain, 0, 100, ct, 0, tag, 0);
            byte[] out = new byte[100];
            Arrays.fill(out, (byte) 0x5a);
            byte[] untouched = out.clone();

            byte[] badTag = tag.clone();
            badTag[15] ^= 1;
            assertFalse(aead.decrypt(nonce, aad, 0, 8, ct, 0, 100, badTag, 0, out, 0), "bad tag");
            byte[] badCt = ct.clone();
            badCt[0] ^= (byte) 0x80;
            assertFalse(aead.decrypt(nonce, aad, 0, 8, badCt, 0, 100, tag, 0, out, 0), "bad ciphertext");
            byte[] badAad = aad.clone();
            badAad[3] ^= 4;
            assertFalse(aead.decrypt(nonce, badAad, 0, 8, ct, 0, 100, tag, 0, out, 0), "bad AAD");
            byte[] badNonce = nonce.clone();
            badNonce[11] ^= 1;
            assertFalse(aead.decrypt(badNonce, aad, 0, 8, ct, 0, 100, tag, 0, out, 0), "bad nonce");
            assertFalse(aead.decrypt(nonce, aad, 0, 8, ct, 0, 99, tag, 0, out, 0), "truncated");
            assertArrayEquals(untouched, out, "nothing released by a failed check");
            assertTrue(aead.decrypt(nonce, aad, 0, 8, ct, 0, 100, tag, 0, out, 0), "the genuine packet still opens");
            assertArrayEquals(plain, out);
        }
    }

    @Test
    void aWrongKeyLengthIsRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> JceAead.aesGcm(new byte[24], 0, 24, scratch));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
