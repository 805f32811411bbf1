package org.culvert.openvpn.crypto;

import java.util.Locale;

/** The HMAC digests Culvert supports for {@code --auth}. OpenVPN 2.6's default is SHA1. */
public enum AuthAlgorithm {
    SHA1("SHA1", "SHA-1", 20, 64),
    SHA256("SHA256", "SHA-256", 32, 64),
    SHA512("SHA512", "SHA-512", 64, 128),
    /** No authentication ({@code --auth none}). */
    NONE("none", null, 0, 0);

    private final String openVpnName;
    private final String jceDigest;
    private final int digestLength;
    private final int hashBlockSize;

    AuthAlgorithm(String openVpnName, String jceDigest, int digestLength, int hashBlockSize) {
        this.openVpnName = openVpnName;
        this.jceDigest = jceDigest;
        this.digestLength = digestLength;
        this.hashBlockSize = hashBlockSize;
    }

    /** The name OpenVPN uses in {@code --auth}, e.g. {@code SHA256}. */
    public String openVpnName() {
        return openVpnName;
    }

    /** The name in the OCC options string: the OpenVPN name, or {@code [null-digest]} for none. */
    public String occName() {
        return this == NONE ? "[null-digest]" : openVpnName;
    }

    /** HMAC output bytes on the wire, which is also the HMAC key length OpenVPN uses; 0 for none. */
    public int digestLength() {
        return digestLength;
    }

    /** The JCE {@link java.security.MessageDigest} name, or null for none. */
    String jceDigest() {
        return jceDigest;
    }

    /** The hash function's internal block size (the HMAC pad length). */
    int hashBlockSize() {
        return hashBlockSize;
    }

    /**
     * Looks a digest up by its OpenVPN name, case-insensitively except {@code none}.
     *
     * @throws IllegalArgumentException if the name is not one of {@link #values()}
     */
    public static AuthAlgorithm fromOpenVpnName(String name) {
        if ("none".equals(name)) {
            return NONE;
        }
        String upper = name == null ? "" : name.toUpperCase(Locale.ROOT);
        for (AuthAlgorithm a : values()) {
            if (a != NONE && a.openVpnName.equals(upper)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unsupported auth digest '" + name + "'");
    }
}
