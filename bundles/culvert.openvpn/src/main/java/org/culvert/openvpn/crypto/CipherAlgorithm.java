package org.culvert.openvpn.crypto;

import java.util.Locale;

/**
 * The data-channel ciphers Culvert supports in static-key mode. OpenVPN 2.6 refuses AEAD ciphers
 * with {@code --secret}; its default BF-CBC has a 64-bit block and is not offered.
 */
public enum CipherAlgorithm {
    AES_256_CBC("AES-256-CBC", 32),
    AES_128_CBC("AES-128-CBC", 16),
    /** No encryption ({@code --cipher none}): packets are only authenticated, if {@code --auth} is set. */
    NONE("none", 0);

    private static final int AES_BLOCK = 16;

    private final String openVpnName;
    private final int keyLength;

    CipherAlgorithm(String openVpnName, int keyLength) {
        this.openVpnName = openVpnName;
        this.keyLength = keyLength;
    }

    /** The name OpenVPN uses in {@code --cipher} and in its logs, e.g. {@code AES-256-CBC}. */
    public String openVpnName() {
        return openVpnName;
    }

    /** The name in the OCC options string: the OpenVPN name, or {@code [null-cipher]} for none. */
    public String occName() {
        return this == NONE ? "[null-cipher]" : openVpnName;
    }

    /** Key bytes taken from the start of a key slot's cipher half; 0 for none. */
    public int keyLength() {
        return keyLength;
    }

    /** IV bytes sent in front of the ciphertext; 0 for none. */
    public int ivLength() {
        return this == NONE ? 0 : AES_BLOCK;
    }

    /** Cipher block size; 0 for none. */
    public int blockSize() {
        return this == NONE ? 0 : AES_BLOCK;
    }

    /**
     * Looks a cipher up by its OpenVPN name: AES names case-insensitively (as OpenSSL does),
     * {@code none} exactly (as OpenVPN does).
     *
     * @throws IllegalArgumentException if the name is not one of {@link #values()}
     */
    public static CipherAlgorithm fromOpenVpnName(String name) {
        if ("none".equals(name)) {
            return NONE;
        }
        String upper = name == null ? "" : name.toUpperCase(Locale.ROOT);
        for (CipherAlgorithm c : values()) {
            if (c != NONE && c.openVpnName.equals(upper)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unsupported cipher '" + name + "'");
    }
}
