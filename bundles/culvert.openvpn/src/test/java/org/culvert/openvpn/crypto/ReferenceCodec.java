package org.culvert.openvpn.crypto;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * An independent implementation of the static-key packet format, written straight from the facts
 * sheet with stock JCE objects ({@code AES/CBC/PKCS5Padding}, {@code HmacSHA*}), to check
 * {@link StaticKeyDataChannel} against.
 */
final class ReferenceCodec {
    private final byte[] keyFile;
    private final int slot;
    private final CipherAlgorithm cipher;
    private final AuthAlgorithm auth;

    ReferenceCodec(byte[] keyFile, int slot, CipherAlgorithm cipher, AuthAlgorithm auth) {
        this.keyFile = keyFile;
        this.slot = slot;
        this.cipher = cipher;
        this.auth = auth;
    }

    /** Verifies and decrypts; returns pid(4) | time(4) | payload, or throws if anything is wrong. */
    byte[] open(byte[] packet) throws Exception {
        int h = auth.digestLength();
        if (h > 0) {
            byte[] expected = mac(Arrays.copyOfRange(packet, h, packet.length));
            if (!MessageDigest.isEqual(expected, Arrays.copyOf(packet, h))) {
                throw new IllegalArgumentException("HMAC mismatch");
            }
        }
        if (cipher == CipherAlgorithm.NONE) {
            return Arrays.copyOfRange(packet, h, packet.length);
        }
        byte[] iv = Arrays.copyOfRange(packet, h, h + 16);
        Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cipherKey(), "AES"), new IvParameterSpec(iv));
        return c.doFinal(packet, h + 16, packet.length - h - 16);
    }

    /** Builds a packet from an explicit pid/time/payload and IV (PKCS#7-padded). */
    byte[] seal(long pid, long time, byte[] payload, byte[] iv) throws Exception {
        byte[] plain = ByteBuffer.allocate(8 + payload.length).putInt((int) pid).putInt((int) time).put(payload).array();
        byte[] body;
        if (cipher == CipherAlgorithm.NONE) {
            body = plain;
        } else {
            Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cipherKey(), "AES"), new IvParameterSpec(iv));
            body = concat(iv, c.doFinal(plain));
        }
        return sign(body);
    }

    /** Encrypts raw blocks without padding (to craft bad padding or lengths), then signs. */
    byte[] sealRawBlocks(byte[] blocks, byte[] iv) throws Exception {
        Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cipherKey(), "AES"), new IvParameterSpec(iv));
        return sign(concat(iv, c.doFinal(blocks)));
    }

    /** Prepends the HMAC over {@code body} (nothing with auth none). */
    byte[] sign(byte[] body) throws Exception {
        return auth == AuthAlgorithm.NONE ? body : concat(mac(body), body);
    }

    private byte[] mac(byte[] data) throws Exception {
        Mac m = Mac.getInstance("Hmac" + auth.openVpnName());
        m.init(new SecretKeySpec(Arrays.copyOfRange(keyFile, slot * 128 + 64, slot * 128 + 64 + auth.digestLength()),
                "Hmac" + auth.openVpnName()));
        return m.doFinal(data);
    }

    private byte[] cipherKey() {
        return Arrays.copyOfRange(keyFile, slot * 128, slot * 128 + cipher.keyLength());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
