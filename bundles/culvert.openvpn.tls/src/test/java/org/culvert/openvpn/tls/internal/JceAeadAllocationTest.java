package org.culvert.openvpn.tls.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What the JDK's AEADs allocate per packet, sealed and opened separately, bounded per JDK.
 *
 * <p>The JCE takes a fresh parameter object per packet and rebuilds its engine state on each
 * {@code init} (GCM: the GHASH and counter state; ChaCha20-Poly1305: the key stream and Poly1305
 * state, and on JDK 17 a buffered copy of the input to open). No {@code Cipher} path avoids it:
 * heap and direct {@code ByteBuffer}s allocate as much or more (direct: up to three times as much,
 * as the JCE copies through temporary arrays), and {@code update} before {@code doFinal} buffers
 * the whole ciphertext when opening. The byte[] path {@link JceAead} uses is the cheapest, so the
 * bounds below are the figures measured on it (docs/benchmarks.md, "Per-packet costs") plus about
 * 10%: one more copy of a 1400-byte payload fails them.
 */
class JceAeadAllocationTest {
    private static final int LEN = 1400;
    private static final int PACKETS = 20_000;
    /** JDK 17, then JDK 21 and later: bytes per packet for seal and open. */
    private static final long[][] GCM_BOUNDS = { { 1_150, 1_260 }, { 1_230, 1_230 } };
    private static final long[][] CHACHA_BOUNDS = { { 1_400, 2_600 }, { 2_450, 2_500 } };

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void aes256GcmAllocationPerPacketIsBounded() {
        measure("AES-256-GCM", JceAead.aesGcm(key(), 0, 32, new DataScratch()), GCM_BOUNDS);
    }

    @Test
    void aes128GcmAllocationPerPacketIsBounded() {
        measure("AES-128-GCM", JceAead.aesGcm(key(), 0, 16, new DataScratch()), GCM_BOUNDS);
    }

    @Test
    void chaCha20Poly1305AllocationPerPacketIsBounded() {
        measure("CHACHA20-POLY1305", JceAead.chaCha20Poly1305(key(), 0, new DataScratch()), CHACHA_BOUNDS);
    }

    private void measure(String name, JceAead aead, long[][] bounds) {
        long[] bound = bounds[Runtime.version().feature() >= 21 ? 1 : 0];
        byte[] nonce = new byte[Aead.NONCE_LENGTH];
        byte[] aad = new byte[8];
        byte[] plain = new byte[LEN];
        new Random(7).nextBytes(plain);
        byte[] cipher = new byte[LEN];
        byte[] tag = new byte[Aead.TAG_LENGTH];
        byte[] back = new byte[LEN];
        long thread = Thread.currentThread().getId();
        long sealBytes = 0;
        long openBytes = 0;
        int counter = 0;
        // Rounds 0 and 1 warm up the JIT (which may allocate); round 2 is measured.
        for (int round = 0; round < 3; round++) {
            sealBytes = 0;
            openBytes = 0;
            for (int i = 0; i < PACKETS; i++) {
                counter++;
                nonce[0] = (byte) counter;
                nonce[1] = (byte) (counter >>> 8);
                nonce[2] = (byte) (counter >>> 16);
                long before = threads.getThreadAllocatedBytes(thread);
                aead.encrypt(nonce, aad, 0, aad.length, plain, 0, LEN, cipher, 0, tag, 0);
                long middle = threads.getThreadAllocatedBytes(thread);
                boolean opened = aead.decrypt(nonce, aad, 0, aad.length, cipher, 0, LEN, tag, 0, back, 0);
                long after = threads.getThreadAllocatedBytes(thread);
                if (!opened || back[LEN - 1] != plain[LEN - 1]) {
                    throw new AssertionError(name + ": the round trip failed at " + i);
                }
                sealBytes += middle - before;
                openBytes += after - middle;
            }
        }
        aead.wipe();
        long seal = sealBytes / PACKETS;
        long open = openBytes / PACKETS;
        System.out.println("[reliability] " + name + " allocation per packet, JDK " + Runtime.version().feature()
                + ": seal " + seal + " B, open " + open + " B (1400-byte payload, " + PACKETS + " packets)");
        assertTrue(seal <= bound[0], name + " seal allocates " + seal + " B per packet, bound " + bound[0]);
        assertTrue(open <= bound[1], name + " open allocates " + open + " B per packet, bound " + bound[1]);
    }

    private static byte[] key() {
        byte[] key = new byte[32];
        new Random(1).nextBytes(key);
        return key;
    }
}
