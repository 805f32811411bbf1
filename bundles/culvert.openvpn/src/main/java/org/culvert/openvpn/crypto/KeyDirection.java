package org.culvert.openvpn.crypto;

/**
 * Which of the key file's two key slots a peer sends and receives with ({@code --secret file [0|1]}
 * or {@code --key-direction}). The two peers must use opposite directions, or both none.
 */
public enum KeyDirection {
    /** No direction: slot 0 both ways; a one-key (128-byte) file suffices. */
    BIDIRECTIONAL(0, 0, 1, null),
    /** Direction 0: send with slot 0, receive with slot 1. */
    NORMAL(0, 1, 2, "0"),
    /** Direction 1: send with slot 1, receive with slot 0. */
    INVERSE(1, 0, 2, "1");

    private final int encryptSlot;
    private final int decryptSlot;
    private final int requiredKeys;
    private final String digit;

    KeyDirection(int encryptSlot, int decryptSlot, int requiredKeys, String digit) {
        this.encryptSlot = encryptSlot;
        this.decryptSlot = decryptSlot;
        this.requiredKeys = requiredKeys;
        this.digit = digit;
    }

    /** The key slot (0 or 1) used to encrypt and sign. */
    public int encryptSlot() {
        return encryptSlot;
    }

    /** The key slot (0 or 1) used to verify and decrypt. */
    public int decryptSlot() {
        return decryptSlot;
    }

    /** How many keys the key file must hold for this direction. */
    public int requiredKeys() {
        return requiredKeys;
    }

    /** The direction the peer must use. */
    public KeyDirection opposite() {
        switch (this) {
            case NORMAL:
                return INVERSE;
            case INVERSE:
                return NORMAL;
            default:
                return BIDIRECTIONAL;
        }
    }

    /** "0" or "1" as written in configs and in the OCC {@code keydir} item; null for bidirectional. */
    public String digit() {
        return digit;
    }

    /**
     * Parses a direction argument as OpenVPN does: exactly "0" or "1".
     *
     * @throws IllegalArgumentException for anything else
     */
    public static KeyDirection fromDigit(String s) {
        if ("0".equals(s)) {
            return NORMAL;
        }
        if ("1".equals(s)) {
            return INVERSE;
        }
        throw new IllegalArgumentException("key direction must be '0' or '1'");
    }
}
