package org.culvert.openvpn.session;

import static org.culvert.fuzz.Buffers.check;
import static org.culvert.fuzz.Buffers.checkWithin;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import org.culvert.fuzz.Buffers;
import org.culvert.fuzz.FuzzRun;
import org.culvert.openvpn.config.Compression;
import org.junit.jupiter.api.AfterAll;

/**
 * Opened payloads of a peer that may compress ({@code comp-lzo}, {@code compress lz4}, {@code lz4-v2})
 * into {@link Decompressor}: LZO1X and LZ4 decoding of any bytes, behind every marker.
 *
 * <p>Invariants: nothing throws; an accepted payload lies inside the caller's buffer and is at most
 * the configured maximum; a refused one leaves the buffer's bounds inside its capacity.
 */
class DecompressFuzz {
    private static final FuzzRun RUN = new FuzzRun("decompression (Decompressor: LZO1X, LZ4)");
    private static final Compression[] REAL = {Compression.LZO, Compression.LZ4, Compression.LZ4_V2};
    private static final byte[][] MARKERS = {{0x66}, {(byte) 0xFA}, {0x69}, {(byte) 0xFB}, {0x50, 0x01}, {0x50, 0x00}, {}};

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void decompress(FuzzedDataProvider in) throws Exception {
        RUN.run(in, DecompressFuzz::run);
    }

    private static void run(FuzzedDataProvider in) {
        Compression c = in.pickValue(REAL);
        int max = in.consumeInt(1, 2000);
        byte[] marker = in.pickValue(MARKERS);
        byte[] body = in.consumeRemainingAsBytes();
        byte[] data = new byte[marker.length + body.length];
        System.arraycopy(marker, 0, data, 0, marker.length);
        System.arraycopy(body, 0, data, marker.length, body.length);
        ByteBuffer b = Buffers.slot(data, 16, Math.max(0, 1600 - data.length));
        boolean ok = new Decompressor(c, max).unframe(b);
        checkWithin(b, 0, b.capacity(), "unframe");
        if (ok) {
            check(b.remaining() <= Math.max(max, data.length), b.remaining() + " bytes accepted with a maximum of " + max);
        }
    }

    @AfterAll
    static void report() {
        RUN.report();
    }
}
