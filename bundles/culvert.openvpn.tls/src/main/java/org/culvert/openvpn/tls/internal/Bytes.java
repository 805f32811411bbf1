package org.culvert.openvpn.tls.internal;

import java.util.Arrays;

/** Big-endian integer access on arrays and small byte helpers; stateless. */
public final class Bytes {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Bytes() {
    }

    public static void putInt(byte[] b, int off, long v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    public static long getInt(byte[] b, int off) {
        return ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFFL) << 16) | ((b[off + 2] & 0xFFL) << 8) | (b[off + 3] & 0xFFL);
    }

    public static void putShort(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    public static int getShort(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }

    public static void putLong(byte[] b, int off, long v) {
        putInt(b, off, v >>> 32);
        putInt(b, off + 4, v);
    }

    public static long getLong(byte[] b, int off) {
        return (getInt(b, off) << 32) | getInt(b, off + 4);
    }

    /** True if the ranges are equal; the running time depends only on {@code len}. */
    public static boolean constantTimeEquals(byte[] a, int aOff, byte[] b, int bOff, int len) {
        int diff = 0;
        for (int i = 0; i < len; i++) {
            diff |= a[aOff + i] ^ b[bOff + i];
        }
        return diff == 0;
    }

    public static void xor(byte[] target, int targetOff, byte[] mask, int maskOff, int len) {
        for (int i = 0; i < len; i++) {
            target[targetOff + i] ^= mask[maskOff + i];
        }
    }

    public static boolean allZero(byte[] b, int off, int len) {
        int acc = 0;
        for (int i = 0; i < len; i++) {
            acc |= b[off + i];
        }
        return acc == 0;
    }

    /** Lower-case hex of the whole array (for tests and fingerprints, never for keys). */
    public static String hex(byte[] b) {
        return hex(b, 0, b.length);
    }

    public static String hex(byte[] b, int off, int len) {
        char[] out = new char[len * 2];
        for (int i = 0; i < len; i++) {
            out[2 * i] = HEX[(b[off + i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[b[off + i] & 0xF];
        }
        return new String(out);
    }

    /** Upper-case colon-separated hex, the way OpenVPN prints certificate fingerprints. */
    public static String colonHex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 3);
        for (int i = 0; i < b.length; i++) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Character.toUpperCase(HEX[(b[i] >> 4) & 0xF])).append(Character.toUpperCase(HEX[b[i] & 0xF]));
        }
        return sb.toString();
    }

    /**
     * Parses hex, ignoring whitespace and colons.
     *
     * @throws IllegalArgumentException on any other character or an odd digit count
     */
    public static byte[] parseHex(CharSequence s) {
        byte[] out = new byte[s.length() / 2 + 1];
        int n = 0;
        int nibble = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ':' || Character.isWhitespace(c)) {
                continue;
            }
            int v = Character.digit(c, 16);
            if (v < 0 || c > 127) {
                throw new IllegalArgumentException("not a hex digit at index " + i);
            }
            if (nibble < 0) {
                nibble = v;
            } else {
                out[n++] = (byte) (nibble << 4 | v);
                nibble = -1;
            }
        }
        try {
            if (nibble >= 0) {
                throw new IllegalArgumentException("odd number of hex digits");
            }
            return Arrays.copyOf(out, n);
        } finally {
            // The input may be key material: leave no copy behind.
            Arrays.fill(out, (byte) 0);
        }
    }
}
