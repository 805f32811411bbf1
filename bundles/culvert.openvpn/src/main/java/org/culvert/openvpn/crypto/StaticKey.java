package org.culvert.openvpn.crypto;

import java.util.Arrays;

/**
 * The contents of an OpenVPN static key file ({@code openvpn --genkey secret}): one or two keys,
 * each 64 bytes of cipher key followed by 64 bytes of HMAC key.
 *
 * <p>Parsing follows OpenVPN 2.6's reader: text before the BEGIN line is ignored, whitespace inside
 * the block is ignored, any other non-hex character is an error, reading stops after 256 bytes, and
 * the END line must be present. Algorithms use the first {@code keyLength} bytes of a slot's cipher
 * half and the first {@code digestLength} bytes of its HMAC half.
 *
 * <p>Thread-safe; immutable until {@link #wipe()}. {@link #toString()} never prints key bytes.
 */
public final class StaticKey {
    /** Bytes in one key: cipher[64] then hmac[64]. */
    public static final int KEY_BYTES = 128;
    private static final int HALF = 64;
    private static final int MAX_BYTES = 2 * KEY_BYTES;

    static final String HEADER = "-----BEGIN OpenVPN Static key V1-----";
    static final String FOOTER = "-----END OpenVPN Static key V1-----";

    private final byte[] material;
    private final int keyCount;

    private StaticKey(byte[] material, int keyCount) {
        this.material = material;
        this.keyCount = keyCount;
    }

    /**
     * Parses a key file's text.
     *
     * @throws StaticKeyException with the reason the text is not a usable key file
     */
    public static StaticKey parse(String fileText) throws StaticKeyException {
        return parse((CharSequence) fileText);
    }

    /**
     * Parses a key file's text given as characters (e.g. a {@code CharBuffer} over an array the
     * caller wipes), so that no String copy of the key is made.
     *
     * @throws StaticKeyException with the reason the text is not a usable key file
     * @since crypto 1.1
     */
    public static StaticKey parse(CharSequence fileText) throws StaticKeyException {
        byte[] out = new byte[MAX_BYTES];
        int count = 0;
        int lineNumber = 1;
        int column = 0;
        int matched = 0;
        int nibble = -1;
        State state = State.BEFORE_HEADER;
        CharSequence text = fileText == null ? "" : fileText;
        try {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\n') {
                    lineNumber++;
                    column = 0;
                    matched = 0;
                    continue;
                }
                if (column == 0) {
                    if (state == State.HEADER_SEEN) {
                        state = State.DATA;
                    }
                    if ((state == State.DATA || state == State.DATA_COMPLETE) && c == '-') {
                        state = State.FOOTER;
                    }
                }
                if (state == State.BEFORE_HEADER) {
                    if (column < HEADER.length() && c == HEADER.charAt(column) && ++matched == HEADER.length()) {
                        state = State.HEADER_SEEN;
                    }
                } else if (state == State.FOOTER) {
                    if (column < FOOTER.length() && c == FOOTER.charAt(column) && ++matched == FOOTER.length()) {
                        state = State.FINISHED;
                    }
                } else if (state == State.DATA) {
                    int v = Character.digit(c, 16);
                    if (v >= 0 && c < 128) {
                        if (nibble < 0) {
                            nibble = v;
                        } else {
                            out[count++] = (byte) (nibble << 4 | v);
                            nibble = -1;
                            if (count == MAX_BYTES) {
                                state = State.DATA_COMPLETE;
                            }
                        }
                    } else if (!isSpace(c)) {
                        throw new StaticKeyException(StaticKeyException.Reason.NON_HEX_CHARACTER,
                                "non-hex character " + describe(c) + " at line " + lineNumber + " of the static key");
                    }
                }
                column++;
            }
            if (state == State.BEFORE_HEADER) {
                throw new StaticKeyException(StaticKeyException.Reason.MISSING_HEADER,
                        "no '" + HEADER + "' line in the static key");
            }
            int keys = count / KEY_BYTES;
            if (keys == 0) {
                throw new StaticKeyException(StaticKeyException.Reason.INSUFFICIENT_KEY_MATERIAL,
                        "static key holds " + count + " bytes, at least " + KEY_BYTES + " are needed");
            }
            if (state != State.FINISHED) {
                throw new StaticKeyException(StaticKeyException.Reason.MISSING_FOOTER,
                        "no '" + FOOTER + "' line after the static key data");
            }
            return new StaticKey(Arrays.copyOf(out, keys * KEY_BYTES), keys);
        } finally {
            Arrays.fill(out, (byte) 0);
        }
    }

    /** 1 or 2. */
    public int keyCount() {
        return keyCount;
    }

    /**
     * Checks that this key can be used with a direction and cipher: enough keys for the direction,
     * and no all-zero cipher key among those used. {@link StaticKeyDataChannel} refuses keys that
     * fail this check.
     */
    public void checkUsable(KeyDirection direction, CipherAlgorithm cipher) throws StaticKeyException {
        if (keyCount < direction.requiredKeys()) {
            throw new StaticKeyException(StaticKeyException.Reason.INSUFFICIENT_KEYS_FOR_DIRECTION,
                    "the static key holds " + keyCount + " key but key direction " + direction.digit()
                            + " needs " + direction.requiredKeys() + "; generate a new one with 'openvpn --genkey secret'"
                            + " or use it without a direction");
        }
        if (cipher.keyLength() > 0) {
            for (int slot : new int[] {direction.encryptSlot(), direction.decryptSlot()}) {
                boolean zero = true;
                for (int i = 0; i < cipher.keyLength(); i++) {
                    zero &= material[slot * KEY_BYTES + i] == 0;
                }
                if (zero) {
                    throw new StaticKeyException(StaticKeyException.Reason.ZERO_CIPHER_KEY,
                            "cipher key #" + slot + " of the static key is all zeros; generate a new one");
                }
            }
        }
    }

    /** A copy of the first {@code length} bytes of a slot's cipher half; the caller wipes it. */
    byte[] cipherKey(int slot, int length) {
        return Arrays.copyOfRange(material, slot * KEY_BYTES, slot * KEY_BYTES + length);
    }

    /** A copy of the first {@code length} bytes of a slot's HMAC half; the caller wipes it. */
    byte[] hmacKey(int slot, int length) {
        int from = slot * KEY_BYTES + HALF;
        return Arrays.copyOfRange(material, from, from + length);
    }

    /**
     * Overwrites the key bytes; idempotent. Data channels built earlier hold their own copies (wiped
     * by {@link DataChannel#wipe()}); a wiped key must not be used to build another one.
     *
     * @since crypto 1.1
     */
    public void wipe() {
        Arrays.fill(material, (byte) 0);
    }

    @Override
    public String toString() {
        return "StaticKey[keys=" + keyCount + "]";
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == 0x0B;
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7F ? "'" + c + "'" : String.format("0x%02x", (int) c);
    }

    private enum State { BEFORE_HEADER, HEADER_SEEN, DATA, DATA_COMPLETE, FOOTER, FINISHED }
}
