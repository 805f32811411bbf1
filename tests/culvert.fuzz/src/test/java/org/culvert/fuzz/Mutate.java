package org.culvert.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.Arrays;

/** What a network does to a packet in flight, chosen by the fuzzer. */
public final class Mutate {
    private Mutate() {
    }

    /**
     * {@code wire} unchanged, or a copy with one byte changed, cut short (1 byte at least unless
     * {@code allowEmpty}), or extended; {@code Arrays.equals(result, wire)} tells whether it is intact.
     */
    public static byte[] packet(FuzzedDataProvider in, byte[] wire, boolean allowEmpty) {
        byte[] b = wire.clone();
        switch (in.consumeInt(0, 3)) {
            case 1:
                b[in.consumeInt(0, b.length - 1)] ^= (byte) in.consumeInt(1, 255);
                return b;
            case 2:
                return Arrays.copyOf(b, in.consumeInt(allowEmpty ? 0 : 1, b.length - 1));
            case 3:
                return Arrays.copyOf(b, b.length + in.consumeInt(1, 32));
            default:
                return b;
        }
    }
}
