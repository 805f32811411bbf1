package org.culvert.openvpn;

import java.util.HexFormat;

/** Hex helpers for test vectors (whitespace in vectors is ignored). */
public final class Hex {
    private Hex() {
    }

    public static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    public static String string(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
