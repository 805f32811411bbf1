package org.culvert.fuzz;

/** Key material for the targets: fixed, so that every input is reproducible. */
public final class Keys {
    private Keys() {
    }

    /** 256 bytes of a static key file (two 128-byte key slots); {@code seed} varies the bytes. */
    public static byte[] keyFile(int seed) {
        byte[] key = new byte[256];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i * 73 + seed);
        }
        return key;
    }

    /** {@code key} as an inline {@code <secret>} block of a configuration file. */
    public static String secretBlock(byte[] key) {
        StringBuilder b = new StringBuilder("<secret>\n-----BEGIN OpenVPN Static key V1-----\n");
        for (int i = 0; i < key.length; i++) {
            b.append(String.format("%02x", key[i] & 0xFF)).append(i % 16 == 15 ? "\n" : "");
        }
        return b.append("-----END OpenVPN Static key V1-----\n</secret>\n").toString();
    }
}
