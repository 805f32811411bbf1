package org.culvert.openvpn.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

import org.culvert.openvpn.Hex;
import org.culvert.openvpn.config.Compression;
import org.junit.jupiter.api.Test;

/**
 * LZO vectors were made with liblzo2's {@code lzo1x_1_compress} (what OpenVPN's {@code lzo.c} sends);
 * LZ4 blocks with lz4-java's compressor (the same block format as liblz4's {@code LZ4_compress_default}).
 */
class DecompressorTest {
    private static final int MTU = 1500;
    private static final LZ4Compressor LZ4 = LZ4Factory.safeInstance().fastCompressor();

    /** name → {plain, compressed}. */
    private static Map<String, byte[][]> lzoVectors() throws IOException {
        Map<String, byte[][]> vectors = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                DecompressorTest.class.getResourceAsStream("lzo1x-vectors.txt"), StandardCharsets.US_ASCII))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.startsWith("#")) {
                    String[] f = line.split(" ");
                    vectors.put(f[0], new byte[][] {Hex.bytes(f[1]), Hex.bytes(f[2])});
                }
            }
        }
        return vectors;
    }

    private static ByteBuffer slot(byte[] payload, int before, int capacity) {
        ByteBuffer b = ByteBuffer.allocateDirect(capacity);
        b.position(before);
        b.put(payload);
        b.limit(before + payload.length).position(before);
        return b;
    }

    private static ByteBuffer slot(byte[] payload) {
        return slot(payload, 64, 64 + 2048);
    }

    private static byte[] remaining(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] lz4(byte[] plain) {
        return LZ4.compress(plain);
    }

    /** OpenVPN's lz4 v1 framing of a compressed block: 0x69 in front, the block's first byte moved to the end. */
    private static byte[] lz4v1Frame(byte[] block) {
        return concat(new byte[] {0x69}, Arrays.copyOfRange(block, 1, block.length), new byte[] {block[0]});
    }

    private static byte[] ipv4(int length, int fill) {
        byte[] p = new byte[length];
        Arrays.fill(p, (byte) fill);
        p[0] = 0x45;
        return p;
    }

    @Test
    void lzo1xVectorsFromLiblzo2() throws IOException {
        for (Map.Entry<String, byte[][]> v : lzoVectors().entrySet()) {
            byte[] plain = v.getValue()[0];
            byte[] comp = v.getValue()[1];
            byte[] out = new byte[plain.length];
            assertEquals(plain.length, Lzo1x.decompress(ByteBuffer.wrap(comp), 0, comp.length, out, out.length), v.getKey());
            assertArrayEquals(plain, out, v.getKey());
            // One byte less room than needed is refused, not overrun.
            assertEquals(Lzo1x.ERROR, Lzo1x.decompress(ByteBuffer.wrap(comp), 0, comp.length, new byte[plain.length - 1],
                    plain.length - 1), v.getKey() + " into too small a buffer");
        }
    }

    @Test
    void lzoFramingThroughTheDecompressor() throws IOException {
        Decompressor d = new Decompressor(Compression.LZO, MTU);
        for (Map.Entry<String, byte[][]> v : lzoVectors().entrySet()) {
            byte[] plain = v.getValue()[0];
            if (plain.length > MTU) {
                continue;
            }
            ByteBuffer b = slot(concat(new byte[] {0x66}, v.getValue()[1]));
            assertTrue(d.unframe(b), v.getKey());
            assertArrayEquals(plain, remaining(b), v.getKey());
        }
        ByteBuffer plain = slot(concat(new byte[] {(byte) 0xFA}, ipv4(100, 3)));
        assertTrue(d.unframe(plain), "0xFA: sent uncompressed");
        assertArrayEquals(ipv4(100, 3), remaining(plain));
        assertFalse(d.unframe(slot(concat(new byte[] {(byte) 0xFB}, ipv4(100, 3)))), "not an LZO marker");
        assertFalse(d.unframe(slot(concat(new byte[] {0x69}, ipv4(100, 3)))), "not an LZO marker");
    }

    @Test
    void lzoBombTruncationAndGarbageAreRefused() throws IOException {
        Decompressor d = new Decompressor(Compression.LZO, MTU);
        byte[][] big = lzoVectors().get("text60000");
        assertFalse(d.unframe(slot(concat(new byte[] {0x66}, big[1]), 64, 64 + 20000)), "60000 bytes > the MTU");
        byte[] comp = lzoVectors().get("text1400")[1];
        for (int n = 0; n < comp.length; n++) {
            ByteBuffer b = slot(concat(new byte[] {0x66}, Arrays.copyOf(comp, n)));
            assertFalse(d.unframe(b), "truncated to " + n);
        }
        assertFalse(d.unframe(slot(concat(new byte[] {0x66}, comp, new byte[] {0}))), "bytes after the end marker");
        // A match reaching before the start of the output.
        assertFalse(d.unframe(slot(Hex.bytes("66" + "12" + "61" + "4010" + "110000"))));
        Random random = new Random(11);
        int accepted = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] garbage = new byte[1 + random.nextInt(64)];
            random.nextBytes(garbage);
            if (i % 2 == 0) {
                // Mutate a real stream instead, to get deeper into the decoder.
                garbage = comp.clone();
                garbage[random.nextInt(garbage.length)] = (byte) random.nextInt(256);
            }
            ByteBuffer b = slot(concat(new byte[] {0x66}, garbage));
            if (d.unframe(b)) {
                accepted++;
                assertTrue(b.remaining() <= MTU);
            }
        }
        assertTrue(accepted < 200_000, "garbage is mostly refused");
    }

    @Test
    void lz4V1FramingBothMarkers() {
        Decompressor d = new Decompressor(Compression.LZ4, MTU);
        for (byte[] plain : new byte[][] {ipv4(1400, 0), ipv4(84, 0x61), ipv4(1, 0)}) {
            ByteBuffer b = slot(lz4v1Frame(lz4(plain)));
            assertTrue(d.unframe(b));
            assertArrayEquals(plain, remaining(b));
        }
        // Uncompressed: 0xFB swap, what Culvert and an asym OpenVPN send.
        byte[] plain = ipv4(200, 9);
        ByteBuffer b = slot(concat(new byte[] {(byte) 0xFB}, Arrays.copyOfRange(plain, 1, plain.length),
                new byte[] {plain[0]}));
        assertTrue(d.unframe(b));
        assertArrayEquals(plain, remaining(b));
        assertFalse(d.unframe(slot(concat(new byte[] {0x66}, lz4(plain)))), "an LZO marker");
    }

    @Test
    void lz4V2FramingAndEscapes() {
        Decompressor d = new Decompressor(Compression.LZ4_V2, MTU);
        byte[] plain = ipv4(1400, 0);
        ByteBuffer b = slot(concat(Hex.bytes("5001"), lz4(plain)));
        assertTrue(d.unframe(b));
        assertArrayEquals(plain, remaining(b));
        ByteBuffer raw = slot(ipv4(300, 1));
        assertTrue(d.unframe(raw), "no 0x50: raw");
        assertArrayEquals(ipv4(300, 1), remaining(raw));
        ByteBuffer escaped = slot(Hex.bytes("50005011"));
        assertTrue(d.unframe(escaped), "0x50 0x00 escape");
        assertArrayEquals(Hex.bytes("5011"), remaining(escaped));
        assertFalse(d.unframe(slot(Hex.bytes("50025011"))), "0x50 0x02 (LZO in v2) is not sent by OpenVPN");
        assertFalse(d.unframe(slot(Hex.bytes("500a5011"))), "OpenVPN's own receiver drops its 0x0A escape too");
    }

    @Test
    void lz4BombTruncationAndGarbageAreRefused() {
        Decompressor d = new Decompressor(Compression.LZ4_V2, MTU);
        assertFalse(d.unframe(slot(concat(Hex.bytes("5001"), lz4(new byte[60000])))), "60000 bytes > the MTU");
        assertFalse(new Decompressor(Compression.LZ4, MTU).unframe(slot(lz4v1Frame(lz4(new byte[MTU + 1])))));
        assertTrue(d.unframe(slot(concat(Hex.bytes("5001"), lz4(new byte[MTU])))), "exactly the MTU fits");
        byte[] block = lz4(ipv4(1400, 0x33));
        int refused = 0;
        for (int n = 0; n < block.length; n++) {
            // A prefix ending right after a literal run is a valid LZ4 block (liblz4 accepts it too).
            ByteBuffer b = slot(concat(Hex.bytes("5001"), Arrays.copyOf(block, n)));
            if (d.unframe(b)) {
                assertTrue(b.remaining() < 1400, "truncated to " + n);
            } else {
                refused++;
            }
        }
        assertTrue(refused >= block.length - 3, refused + " of " + block.length + " truncations refused");
        Random random = new Random(5);
        for (int i = 0; i < 100_000; i++) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            ByteBuffer b = slot(concat(Hex.bytes("5001"), garbage));
            if (d.unframe(b)) {
                assertTrue(b.remaining() <= MTU);
            }
        }
    }

    @Test
    void outputLargerThanTheCallersBufferIsRefused() {
        Decompressor d = new Decompressor(Compression.LZ4_V2, MTU);
        byte[] framed = concat(Hex.bytes("5001"), lz4(new byte[1000]));
        assertFalse(d.unframe(slot(framed, 8, 999)), "1000 bytes do not fit a 999-byte buffer");
        ByteBuffer b = slot(framed, 8, 1000);
        assertTrue(d.unframe(b), "moved to fit before the buffer's end");
        assertEquals(1000, b.remaining());
        assertEquals(1000, b.limit());
    }

    /** The decompress path allocates nothing per packet: LZO and LZ4 into the same direct buffer. */
    @Test
    void decompressionAllocatesNothing() throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        long thread = Thread.currentThread().getId();
        byte[] lzo = concat(new byte[] {0x66}, lzoVectors().get("text1400")[1]);
        byte[] lz4 = concat(Hex.bytes("5001"), lz4(lzoVectors().get("text1400")[0]));
        Decompressor dLzo = new Decompressor(Compression.LZO, MTU);
        Decompressor dLz4 = new Decompressor(Compression.LZ4_V2, MTU);
        ByteBuffer buf = ByteBuffer.allocateDirect(64 + 2048);
        int calls = 20_000;
        for (int round = 0; round < 2; round++) {
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < calls; i++) {
                for (int k = 0; k < 2; k++) {
                    byte[] framed = k == 0 ? lzo : lz4;
                    buf.clear().position(64);
                    buf.put(framed);
                    buf.limit(64 + framed.length).position(64);
                    if (!(k == 0 ? dLzo : dLz4).unframe(buf) || buf.remaining() != 1400) {
                        throw new AssertionError("decompression failed at " + i);
                    }
                }
            }
            double perCall = (threads.getThreadAllocatedBytes(thread) - before) / (2.0 * calls);
            if (round == 1) {
                assertTrue(perCall < 16, perCall + " bytes per call");
            }
        }
    }

    @Test
    void stubsPassThrough() {
        for (Compression c : new Compression[] {Compression.NONE, Compression.LZO_STUB, Compression.STUB,
                Compression.STUB_V2}) {
            Decompressor d = new Decompressor(c, MTU);
            byte[] plain = ipv4(64, 7);
            ByteBuffer b = slot(plain);
            assertTrue(DataPayload.frame(b, c, 0, 0));
            assertTrue(d.unframe(b), c.toString());
            assertArrayEquals(plain, remaining(b), c.toString());
        }
        assertFalse(new Decompressor(Compression.STUB_V2, MTU).unframe(slot(concat(Hex.bytes("5001"), lz4(new byte[10])))),
                "stub-v2 does not decompress");
    }
}
