package org.culvert.openvpn.tls.internal;

import java.nio.CharBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import org.culvert.openvpn.config.FileContent;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.WipeableKey;

/**
 * tls-crypt-v2 keys, as OpenVPN 2.6's {@code tls_crypt.c}: the client key (Kc ‖ WKc, PEM
 * {@code OpenVPN tls-crypt-v2 client key}), the server key (PEM {@code OpenVPN tls-crypt-v2 server
 * key}), and the wrapped client key both ways, so that the server side (server mode) reuses it:
 *
 * <pre>
 * WKc = T[32] ‖ AES-256-CTR(Ke, IV = T[0..16), Kc ‖ metadata) ‖ len[2]
 * T   = HMAC-SHA256(Ka, len ‖ Kc ‖ metadata), len = |WKc| = 290 + |metadata| &lt;= 1024
 * server key = cipher[64] ‖ hmac[64]: Ke = cipher[0..32), Ka = hmac[0..32)
 * </pre>
 *
 * Kc (256 bytes) is used as a {@code --tls-crypt} key (client INVERSE, server NORMAL). Keys are byte
 * arrays the owner wipes; errors name what is wrong, never key bytes.
 */
public final class TlsCryptV2 {
    /** Kc: two 128-byte OpenVPN keys. */
    public static final int CLIENT_KEY_LENGTH = 256;
    /** The server key: one 128-byte OpenVPN key. */
    public static final int SERVER_KEY_LENGTH = 128;
    public static final int TAG_LENGTH = 32;
    /** OpenVPN's {@code TLS_CRYPT_V2_MAX_WKC_LEN}. */
    public static final int MAX_WKC_LENGTH = 1024;
    /** The smallest WKc: tag, Kc and the length, no metadata. */
    public static final int MIN_WKC_LENGTH = TAG_LENGTH + CLIENT_KEY_LENGTH + 2;
    /** OpenVPN's {@code TLS_CRYPT_V2_MAX_METADATA_LEN}: 734. */
    public static final int MAX_METADATA_LENGTH = MAX_WKC_LENGTH - MIN_WKC_LENGTH;
    /** Metadata type bytes. */
    public static final int METADATA_USER = 0x00;
    public static final int METADATA_TIMESTAMP = 0x01;

    static final String CLIENT_PEM = "OpenVPN tls-crypt-v2 client key";
    static final String SERVER_PEM = "OpenVPN tls-crypt-v2 server key";

    private TlsCryptV2() {
    }

    /** Why a key or a WKc is refused. */
    public enum Problem {
        /** The PEM block is missing or has another label. */
        WRONG_PEM,
        /** The base64 between the PEM lines does not decode. */
        BAD_BASE64,
        /** Too few bytes (a key) or a WKc shorter than tag, Kc and length. */
        TOO_SHORT,
        /** A WKc longer than 1024 bytes, or metadata longer than 734. */
        TOO_LONG,
        /** The WKc's trailing length is not the WKc's length. */
        LENGTH_MISMATCH,
        /** The tag does not verify: another server key, or tampering. */
        AUTH_FAILED
    }

    /** A refused key or WKc. */
    public static final class KeyException extends Exception {
        private static final long serialVersionUID = 1L;
        private final Problem problem;

        public KeyException(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    /** A client key: Kc and the WKc the client sends as is. */
    public record ClientKey(byte[] kc, byte[] wkc) {
        /** Overwrites both; idempotent. */
        public void wipe() {
            Arrays.fill(kc, (byte) 0);
            Arrays.fill(wkc, (byte) 0);
        }

        @Override
        public String toString() {
            return "tls-crypt-v2 client key (WKc " + wkc.length + " bytes)";
        }
    }

    /** An unwrapped WKc: Kc and the metadata (type byte first). */
    public record Unwrapped(byte[] kc, byte[] metadata) {
        public void wipe() {
            Arrays.fill(kc, (byte) 0);
        }
    }

    /** Parses a client key file; the WKc is checked for shape (length field and bounds) here already. */
    public static ClientKey parseClientKey(char[] pem) throws KeyException {
        byte[] all = pemBytes(pem, CLIENT_PEM);
        try {
            if (all.length < CLIENT_KEY_LENGTH + MIN_WKC_LENGTH) {
                throw new KeyException(Problem.TOO_SHORT, "not enough data in tls-crypt-v2 client key (" + all.length
                        + " bytes; at least " + (CLIENT_KEY_LENGTH + MIN_WKC_LENGTH) + ")");
            }
            int wkcLength = all.length - CLIENT_KEY_LENGTH;
            if (wkcLength > MAX_WKC_LENGTH) {
                throw new KeyException(Problem.TOO_LONG, "the wrapped client key is " + wkcLength + " bytes; at most "
                        + MAX_WKC_LENGTH);
            }
            int declared = Bytes.getShort(all, all.length - 2);
            if (declared != wkcLength) {
                throw new KeyException(Problem.LENGTH_MISMATCH, "the wrapped client key says it is " + declared
                        + " bytes long but is " + wkcLength);
            }
            return new ClientKey(Arrays.copyOf(all, CLIENT_KEY_LENGTH), Arrays.copyOfRange(all, CLIENT_KEY_LENGTH,
                    all.length));
        } finally {
            Arrays.fill(all, (byte) 0);
        }
    }

    /** As {@link #parseClientKey(char[])} from a configuration's file content. */
    public static ClientKey parseClientKey(FileContent content) throws KeyException {
        char[] chars = content.chars();
        try {
            return parseClientKey(chars);
        } finally {
            Arrays.fill(chars, '\0');
        }
    }

    /** Parses a server key file: exactly 128 bytes. */
    public static byte[] parseServerKey(char[] pem) throws KeyException {
        byte[] all = pemBytes(pem, SERVER_PEM);
        if (all.length != SERVER_KEY_LENGTH) {
            Arrays.fill(all, (byte) 0);
            throw new KeyException(all.length < SERVER_KEY_LENGTH ? Problem.TOO_SHORT : Problem.TOO_LONG,
                    "a tls-crypt-v2 server key is " + SERVER_KEY_LENGTH + " bytes, not " + all.length);
        }
        return all;
    }

    /** Wraps Kc and metadata with a server key ({@code tls_crypt_v2_wrap_client_key}). */
    public static byte[] wrap(byte[] serverKey, byte[] kc, byte[] metadata) throws KeyException {
        if (kc.length != CLIENT_KEY_LENGTH) {
            throw new KeyException(Problem.TOO_SHORT, "Kc must be " + CLIENT_KEY_LENGTH + " bytes");
        }
        if (metadata.length > MAX_METADATA_LENGTH) {
            throw new KeyException(Problem.TOO_LONG, "metadata of " + metadata.length + " bytes; at most "
                    + MAX_METADATA_LENGTH);
        }
        int length = MIN_WKC_LENGTH + metadata.length;
        byte[] wkc = new byte[length];
        Bytes.putShort(wkc, length - 2, length);
        Hmac mac = serverMac(serverKey);
        try {
            mac.update(wkc, length - 2, 2);
            mac.update(kc, 0, kc.length);
            mac.update(metadata, 0, metadata.length);
            mac.doFinal(wkc, 0);
        } finally {
            mac.wipe();
        }
        byte[] plain = new byte[CLIENT_KEY_LENGTH + metadata.length];
        System.arraycopy(kc, 0, plain, 0, CLIENT_KEY_LENGTH);
        System.arraycopy(metadata, 0, plain, CLIENT_KEY_LENGTH, metadata.length);
        try {
            ctr(serverKey, Cipher.ENCRYPT_MODE, wkc, 0, plain, 0, plain.length, wkc, TAG_LENGTH);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
        return wkc;
    }

    /**
     * Unwraps {@code in[off, off + length)} with a server key ({@code tls_crypt_v2_unwrap_client_key}):
     * length field checked before any cryptography, tag compared in constant time.
     */
    public static Unwrapped unwrap(byte[] serverKey, byte[] in, int off, int length) throws KeyException {
        if (length > MAX_WKC_LENGTH) {
            throw new KeyException(Problem.TOO_LONG, "wrapped client key too big");
        }
        if (length < MIN_WKC_LENGTH) {
            throw new KeyException(Problem.TOO_SHORT, "wrapped client key too short (" + length + " bytes)");
        }
        if (Bytes.getShort(in, off + length - 2) != length) {
            throw new KeyException(Problem.LENGTH_MISMATCH, "invalid length");
        }
        int plainLength = length - TAG_LENGTH - 2;
        byte[] plain = new byte[plainLength];
        byte[] check = new byte[TAG_LENGTH];
        Hmac mac = serverMac(serverKey);
        try {
            ctr(serverKey, Cipher.DECRYPT_MODE, in, off, in, off + TAG_LENGTH, plainLength, plain, 0);
            mac.update(in, off + length - 2, 2);
            mac.update(plain, 0, plainLength);
            mac.doFinal(check, 0);
            if (!Bytes.constantTimeEquals(check, 0, in, off, TAG_LENGTH)) {
                throw new KeyException(Problem.AUTH_FAILED, "client key authentication error (a client key made for"
                        + " another tls-crypt-v2 server key?)");
            }
            return new Unwrapped(Arrays.copyOf(plain, CLIENT_KEY_LENGTH),
                    Arrays.copyOfRange(plain, CLIENT_KEY_LENGTH, plainLength));
        } finally {
            mac.wipe();
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** Ka: the first 32 bytes of the server key's HMAC half. */
    private static Hmac serverMac(byte[] serverKey) {
        return new Hmac(AuthAlgorithm.SHA256, serverKey, 64, 32);
    }

    /** AES-256-CTR with Ke = serverKey[0..32) and IV = tag[tagOff..tagOff+16). */
    private static void ctr(byte[] serverKey, int mode, byte[] tag, int tagOff, byte[] in, int inOff, int inLength,
            byte[] out, int outOff) {
        WipeableKey ke = new WipeableKey(serverKey, 0, 32, "AES");
        try {
            Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
            c.init(mode, ke, new IvParameterSpec(tag, tagOff, 16));
            c.doFinal(in, inOff, inLength, out, outOff);
            WipeableKey.rekeyWithZeros(c, mode, "AES", 32, new IvParameterSpec(new byte[16]));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-CTR", e);
        } finally {
            ke.destroy();
        }
    }

    /** The bytes of the one PEM block labelled {@code label}. */
    private static byte[] pemBytes(char[] pem, String label) throws KeyException {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        CharBuffer text = CharBuffer.wrap(pem);
        int b = FileContent.indexOf(text, begin, 0);
        int e = b < 0 ? -1 : FileContent.indexOf(text, end, b);
        if (b < 0 || e < 0) {
            throw new KeyException(Problem.WRONG_PEM, "no '" + begin + "' block");
        }
        // Base64 without a String of the key: strip whitespace into a byte array, decode, wipe.
        byte[] ascii = new byte[e - b - begin.length()];
        int n = 0;
        for (int i = b + begin.length(); i < e; i++) {
            char c = pem[i];
            if (!Character.isWhitespace(c)) {
                ascii[n++] = (byte) c;
            }
        }
        try {
            java.nio.ByteBuffer decoded = Base64.getDecoder().decode(java.nio.ByteBuffer.wrap(ascii, 0, n));
            byte[] out = new byte[decoded.remaining()];
            decoded.get(out);
            Arrays.fill(decoded.array(), (byte) 0);
            return out;
        } catch (IllegalArgumentException ex) {
            throw new KeyException(Problem.BAD_BASE64, "the " + label + " is not valid base64");
        } finally {
            Arrays.fill(ascii, (byte) 0);
        }
    }
}
