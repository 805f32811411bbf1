package org.culvert.openvpn;

import java.security.SecureRandom;

/** A SecureRandom whose output is a fixed function of its seed, for reproducible IVs in tests. */
public final class DeterministicRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private long state;

    public DeterministicRandom(long seed) {
        this.state = seed;
    }

    @Override
    public void nextBytes(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            bytes[i] = (byte) (state >>> 56);
        }
    }
}
