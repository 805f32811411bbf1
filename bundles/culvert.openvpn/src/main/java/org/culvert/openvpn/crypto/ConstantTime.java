package org.culvert.openvpn.crypto;

/** Comparisons whose running time does not depend on where inputs differ. */
final class ConstantTime {
    private ConstantTime() {
    }

    /** True if {@code a[aOff, aOff+len)} equals {@code b[bOff, bOff+len)}; always reads all bytes. */
    static boolean equals(byte[] a, int aOff, byte[] b, int bOff, int len) {
        int diff = 0;
        for (int i = 0; i < len; i++) {
            diff |= a[aOff + i] ^ b[bOff + i];
        }
        return diff == 0;
    }
}
