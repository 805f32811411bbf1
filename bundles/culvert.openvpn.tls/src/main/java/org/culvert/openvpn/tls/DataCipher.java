package org.culvert.openvpn.tls;

import java.util.Locale;

/**
 * The data-channel ciphers Culvert offers in TLS mode ({@code --data-ciphers},
 * {@code --data-ciphers-fallback}). AEAD ciphers ignore {@code --auth}; CBC ciphers are combined with
 * the {@code --auth} HMAC.
 */
public enum DataCipher {
    AES_256_GCM("AES-256-GCM", 32, true),
    AES_128_GCM("AES-128-GCM", 16, true),
    CHACHA20_POLY1305("CHACHA20-POLY1305", 32, true),
    AES_256_CBC("AES-256-CBC", 32, false),
    AES_128_CBC("AES-128-CBC", 16, false);

    private final String openVpnName;
    private final int keyLength;
    private final boolean aead;

    DataCipher(String openVpnName, int keyLength, boolean aead) {
        this.openVpnName = openVpnName;
        this.keyLength = keyLength;
        this.aead = aead;
    }

    /** The canonical name OpenVPN uses in {@code IV_CIPHERS} and its logs, e.g. {@code AES-256-GCM}. */
    public String openVpnName() {
        return openVpnName;
    }

    /** Key bytes taken from the start of a key slot's cipher half. */
    public int keyLength() {
        return keyLength;
    }

    /** Whether this is an AEAD cipher (tag before the ciphertext, no HMAC, no padding). */
    public boolean isAead() {
        return aead;
    }

    /**
     * Looks a cipher up by name, case-insensitively, accepting OpenSSL's aliases for the AES-GCM
     * ciphers ({@code id-aes256-GCM}) as OpenVPN's name translation does.
     *
     * @return the cipher, or null if Culvert does not implement it
     */
    public static DataCipher lookup(String name) {
        if (name == null) {
            return null;
        }
        String upper = name.trim().toUpperCase(Locale.ROOT);
        if (upper.equals("ID-AES256-GCM")) {
            return AES_256_GCM;
        }
        if (upper.equals("ID-AES128-GCM")) {
            return AES_128_GCM;
        }
        for (DataCipher c : values()) {
            if (c.openVpnName.equals(upper)) {
                return c;
            }
        }
        return null;
    }
}
