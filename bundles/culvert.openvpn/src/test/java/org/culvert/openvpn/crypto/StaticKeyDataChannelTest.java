package org.culvert.openvpn.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.culvert.openvpn.DeterministicRandom;
import org.culvert.openvpn.Hex;
import org.culvert.openvpn.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StaticKeyDataChannelTest {
    private static final long NOW = 1_800_000_000L;
    private static final int SLACK = 100;

    private final ManualClock clock = new ManualClock(NOW);

    static List<Arguments> algorithms() {
        List<Arguments> out = new ArrayList<>();
        for (CipherAlgorithm c : CipherAlgorithm.values()) {
            for (AuthAlgorithm a : AuthAlgorithm.values()) {
                out.add(Arguments.of(c, a));
            }
        }
        return out;
    }

    private StaticKeyDataChannel channel(StaticKey key, KeyDirection dir, CipherAlgorithm c, AuthAlgorithm a) {
        return new StaticKeyDataChannel(key, dir, c, a, ReplayWindow.Settings.DEFAULT, clock, new DeterministicRandom(dir.ordinal() + 11));
    }

    private StaticKeyDataChannel aes256(KeyDirection dir) throws Exception {
        return channel(Vectors.vectorKey(), dir, CipherAlgorithm.AES_256_CBC, AuthAlgorithm.SHA256);
    }

    // ------------------------------------------------------------------ known answers

    /** Facts sheet §13.3(a): a ping captured from OpenVPN 2.6.14 running {@code --secret k 0}. */
    @Test
    void opensThePingCapturedFromOpenVpn() throws Exception {
        for (KeyDirection receiver : new KeyDirection[] {KeyDirection.INVERSE, KeyDirection.BIDIRECTIONAL}) {
            StaticKeyDataChannel ch = aes256(receiver);
            ByteBuffer buf = forOpen(Vectors.PING_PACKET, true);
            assertEquals(Verdict.OK, ch.open(buf), receiver.toString());
            assertArrayEquals(Vectors.PING_PAYLOAD, remaining(buf));
            assertEquals(1, ch.replayWindowForTest().highestId());
            assertEquals(Vectors.PING_TIME, ch.replayWindowForTest().sequenceTime());
            assertEquals(Verdict.REPLAY, ch.open(forOpen(Vectors.PING_PACKET, false)), "a second copy is a replay");
        }
    }

    @Test
    void thePeerWithTheSameDirectionCannotOpenIt() throws Exception {
        assertEquals(Verdict.AUTH_FAILED, aes256(KeyDirection.NORMAL).open(forOpen(Vectors.PING_PACKET, false)));
    }

    @Test
    void referenceDecryptionOfTheCapturedPingAgreesWithTheFactsSheet() throws Exception {
        byte[] plain = new ReferenceCodec(Hex.bytes(Vectors.KEY_HEX), 0, CipherAlgorithm.AES_256_CBC, AuthAlgorithm.SHA256)
                .open(Vectors.PING_PACKET);
        assertEquals("000000016b06af65" + Hex.string(Vectors.PING_PAYLOAD), Hex.string(plain));
    }

    @Test
    void sealedPacketsOpenWithAnIndependentImplementation() throws Exception {
        StaticKeyDataChannel ch = aes256(KeyDirection.NORMAL);
        ReferenceCodec peer = new ReferenceCodec(Hex.bytes(Vectors.KEY_HEX), 0, CipherAlgorithm.AES_256_CBC, AuthAlgorithm.SHA256);
        byte[] payload = "The quick little fox jumps over the bureaucratic hurdles".getBytes();
        byte[] previousIv = null;
        for (int i = 1; i <= 3; i++) {
            ByteBuffer buf = forSeal(payload, ch, true);
            assertEquals(Verdict.OK, ch.seal(buf));
            byte[] wire = remaining(buf);
            assertEquals(32 + 16 + 80, wire.length, "HMAC + IV + 5 blocks (8 + 56 bytes + a whole block of padding)");
            byte[] plain = peer.open(wire);
            assertEquals(i, ByteBuffer.wrap(plain).getInt(0), "packet-ids count from 1");
            assertEquals(NOW, ByteBuffer.wrap(plain).getInt(4) & 0xFFFFFFFFL, "time is the sequence start");
            assertArrayEquals(payload, Arrays.copyOfRange(plain, 8, plain.length));
            byte[] iv = Arrays.copyOfRange(wire, 32, 48);
            assertNotEquals(Hex.string(iv), previousIv == null ? "" : Hex.string(previousIv), "a fresh IV per packet");
            previousIv = iv;
            clock.advanceSeconds(3);
        }
    }

    @Test
    void sealIsDeterministicForADeterministicRandom() throws Exception {
        byte[] first = remaining(sealOnce(aes256(KeyDirection.NORMAL), new byte[] {1, 2, 3}));
        byte[] second = remaining(sealOnce(aes256(KeyDirection.NORMAL), new byte[] {1, 2, 3}));
        assertArrayEquals(first, second);
    }

    @Test
    void independentlyBuiltPacketsOpen() throws Exception {
        ReferenceCodec sender = new ReferenceCodec(Hex.bytes(Vectors.KEY_HEX), 1, CipherAlgorithm.AES_128_CBC, AuthAlgorithm.SHA1);
        StaticKeyDataChannel ch = channel(Vectors.vectorKey(), KeyDirection.NORMAL, CipherAlgorithm.AES_128_CBC, AuthAlgorithm.SHA1);
        for (int length : new int[] {0, 1, 7, 8, 15, 16, 100, 1400}) {
            byte[] payload = new byte[length];
            new DeterministicRandom(length).nextBytes(payload);
            ByteBuffer buf = forOpen(sender.seal(length + 1, NOW, payload, new byte[16]), length % 2 == 0);
            assertEquals(Verdict.OK, ch.open(buf), "length " + length);
            assertArrayEquals(payload, remaining(buf));
        }
    }

    // ------------------------------------------------------------------ round trips

    @ParameterizedTest
    @MethodSource("algorithms")
    void roundTripsEveryAlgorithmPairAndSize(CipherAlgorithm c, AuthAlgorithm a) throws Exception {
        StaticKey key = StaticKey.parse(Vectors.keyFile(Vectors.randomKeyHex(c.ordinal() * 10 + a.ordinal())));
        StaticKeyDataChannel left = channel(key, KeyDirection.NORMAL, c, a);
        StaticKeyDataChannel right = channel(key, KeyDirection.INVERSE, c, a);
        assertEquals(a.digestLength() + c.ivLength() + 8, left.headroom());
        assertEquals(c.blockSize(), left.tailroom());
        for (int length = 0; length <= 70; length++) {
            roundTrip(left, right, length, length % 2 == 0);
            roundTrip(right, left, length, length % 3 == 0);
        }
        roundTrip(left, right, 1500, true);
        roundTrip(left, right, 9000, false);
    }

    private void roundTrip(StaticKeyDataChannel from, StaticKeyDataChannel to, int length, boolean direct) {
        byte[] payload = new byte[length];
        new DeterministicRandom(length * 31L).nextBytes(payload);
        ByteBuffer buf = forSeal(payload, from, direct);
        int end = buf.limit();
        assertEquals(Verdict.OK, from.seal(buf));
        assertTrue(buf.position() >= SLACK - from.headroom() && buf.limit() <= end + from.tailroom());
        assertEquals(Verdict.OK, to.open(buf), "length " + length);
        assertArrayEquals(payload, remaining(buf));
    }

    @Test
    void wireSizesMatchOpenVpn() throws Exception {
        // An 80-byte ping for AES-256-CBC/SHA256 (facts sheet §3.2), 16 + 8 + 20 for none/SHA1.
        assertEquals(80, remaining(sealOnce(aes256(KeyDirection.NORMAL), Vectors.PING_PAYLOAD)).length);
        StaticKeyDataChannel plain = channel(Vectors.vectorKey(), KeyDirection.NORMAL, CipherAlgorithm.NONE, AuthAlgorithm.SHA1);
        assertEquals(44, remaining(sealOnce(plain, Vectors.PING_PAYLOAD)).length);
        byte[] wire = remaining(sealOnce(plain, Vectors.PING_PAYLOAD));
        assertEquals("00000002", Hex.string(Arrays.copyOfRange(wire, 20, 24)), "pid in the clear after the HMAC");
        assertArrayEquals(Vectors.PING_PAYLOAD, Arrays.copyOfRange(wire, 28, 44));
    }

    // ------------------------------------------------------------------ verifiers: every bad input

    @Test
    void everyFlippedBitInHmacIvOrCiphertextFailsAuthentication() throws Exception {
        StaticKeyDataChannel sender = aes256(KeyDirection.NORMAL);
        StaticKeyDataChannel receiver = aes256(KeyDirection.INVERSE);
        byte[] wire = remaining(sealOnce(sender, new byte[40]));
        for (int bit = 0; bit < wire.length * 8; bit++) {
            byte[] bad = wire.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            assertEquals(Verdict.AUTH_FAILED, receiver.open(forOpen(bad, bit % 2 == 0)), "bit " + bit);
        }
        assertEquals(Verdict.OK, receiver.open(forOpen(wire, false)), "failures left the replay window untouched");
    }

    @Test
    void truncationAtEveryLengthIsRejectedWithoutThrowing() throws Exception {
        for (CipherAlgorithm c : CipherAlgorithm.values()) {
            StaticKeyDataChannel sender = channel(Vectors.vectorKey(), KeyDirection.NORMAL, c, AuthAlgorithm.SHA256);
            StaticKeyDataChannel receiver = channel(Vectors.vectorKey(), KeyDirection.INVERSE, c, AuthAlgorithm.SHA256);
            byte[] wire = remaining(sealOnce(sender, new byte[33]));
            int minimum = c == CipherAlgorithm.NONE ? 32 + 8 : 32 + 16 + 16;
            for (int length = 0; length < wire.length; length++) {
                Verdict v = receiver.open(forOpen(Arrays.copyOf(wire, length), true));
                assertEquals(length < minimum ? Verdict.SHORT_PACKET : Verdict.AUTH_FAILED, v, c + " length " + length);
            }
            assertEquals(Verdict.OK, receiver.open(forOpen(wire, true)));
        }
    }

    @Test
    void authNoneRejectsMalformedCiphertextAsDecryptFailure() throws Exception {
        StaticKeyDataChannel receiver = channel(Vectors.vectorKey(), KeyDirection.INVERSE, CipherAlgorithm.AES_256_CBC, AuthAlgorithm.NONE);
        for (int length = 0; length < 32; length++) {
            Verdict v = receiver.open(forOpen(new byte[length], false));
            assertEquals(length < 32 ? Verdict.SHORT_PACKET : Verdict.DECRYPT_FAILED, v);
        }
        assertEquals(Verdict.DECRYPT_FAILED, receiver.open(forOpen(new byte[16 + 17], false)), "not whole blocks");
    }

    @Test
    void oversizedPacketsAreRejected() throws Exception {
        StaticKeyDataChannel receiver = aes256(KeyDirection.INVERSE);
        assertEquals(Verdict.OVERSIZED, receiver.open(forOpen(new byte[StaticKeyDataChannel.MAX_WIRE_PACKET + 1], true)));
        StaticKeyDataChannel sender = aes256(KeyDirection.NORMAL);
        assertEquals(Verdict.OVERSIZED, sender.seal(forSeal(new byte[StaticKeyDataChannel.MAX_WIRE_PACKET], sender, false)));
    }

    @Test
    void wrongKeyAndWrongDirectionFailAuthentication() throws Exception {
        byte[] wire = remaining(sealOnce(aes256(KeyDirection.NORMAL), new byte[100]));
        StaticKey other = StaticKey.parse(Vectors.keyFile(Vectors.randomKeyHex(99)));
        assertEquals(Verdict.AUTH_FAILED, channel(other, KeyDirection.INVERSE, CipherAlgorithm.AES_256_CBC, AuthAlgorithm.SHA256)
                .open(forOpen(wire, false)));
        assertEquals(Verdict.AUTH_FAILED, aes256(KeyDirection.NORMAL).open(forOpen(wire, false)), "same direction as the sender");
        byte[] fromInverse = remaining(sealOnce(aes256(KeyDirection.INVERSE), new byte[10]));
        assertEquals(Verdict.AUTH_FAILED, aes256(KeyDirection.BIDIRECTIONAL).open(forOpen(fromInverse, false)),
                "no direction uses slot 0; direction 1 sends with slot 1");
        assertEquals(Verdict.AUTH_FAILED, channel(Vectors.vectorKey(), KeyDirection.INVERSE, CipherAlgorithm.AES_256_CBC,
                AuthAlgorithm.SHA512).open(forOpen(wire, false)), "other digest");
    }

    @Test
    void replaysPidZeroAndOldTimesAreRejected() throws Exception {
        ReferenceCodec sender = new ReferenceCodec(Hex.bytes(Vectors.KEY_HEX), 0, CipherAlgorithm.AES_256_CBC, AuthAlgorithm.SHA256);
        StaticKeyDataChannel receiver = aes256(KeyDirection.INVERSE);
        byte[] iv = new byte[16];
        assertEquals(Verdict.REPLAY, receiver.open(forOpen(sender.seal(0, NOW, new byte[4], iv), false)), "pid 0");
        byte[] first = sender.seal(5, NOW, new byte[4], iv);
        assertEquals(Verdict.OK, receiver.open(forOpen(first, false)));
        assertEquals(Verdict.REPLAY, receiver.open(forOpen(first, true)), "duplicate");
        assertEquals(Verdict.REPLAY, receiver.open(forOpen(sender.seal(9, NOW - 1, new byte[4], iv), false)), "older time");
        assertEquals(Verdict.OK, receiver.open(forOpen(sender.seal(1, NOW + 1, new byte[4], iv), false)), "new sequence");
        assertEquals(Verdict.REPLAY, receiver.open(forOpen(sender.seal(6, NOW, new byte[4], iv), false)), "the old sequence is over");
    }

    @Test
    void authenticPacketsWithBadPaddingOrLengthFailDecryption() throws Exception {
        ReferenceCodec sender = new ReferenceCodec(Hex.bytes(Vectors.KEY_HEX), 0, CipherAlgorithm.AES_256_CBC, AuthAlgorithm.SHA256);
        StaticKeyDataChannel receiver = aes256(KeyDirection.INVERSE);
        byte[] iv = new byte[16];
        byte[] block = new byte[32];
        block[3] = 1;
        block[31] = 0;
        assertEquals(Verdict.DECRYPT_FAILED, receiver.open(forOpen(sender.sealRawBlocks(block, iv), false)), "pad byte 0");
        block[31] = 17;
        assertEquals(Verdict.DECRYPT_FAILED, receiver.open(forOpen(sender.sealRawBlocks(block, iv), false)), "pad byte > block");
        block[31] = 3;
        block[30] = 3;
        block[29] = 4;
        assertEquals(Verdict.DECRYPT_FAILED, receiver.open(forOpen(sender.sealRawBlocks(block, iv), false)), "inconsistent padding");
        byte[] sixteen = new byte[16];
        Arrays.fill(sixteen, (byte) 16);
        assertEquals(Verdict.DECRYPT_FAILED, receiver.open(forOpen(sender.sealRawBlocks(sixteen, iv), false)), "no room for a pid");
        byte[] ragged = sender.sign(new byte[16 + 20]);
        assertEquals(Verdict.DECRYPT_FAILED, receiver.open(forOpen(ragged, false)), "ciphertext not whole blocks");
        block[29] = 3;
        assertEquals(Verdict.OK, receiver.open(forOpen(sender.sealRawBlocks(block, iv), false)), "control: valid padding 3");
    }

    @Test
    void sealNeedsHeadroomAndTailroomAndLeavesTheBufferAloneOtherwise() throws Exception {
        StaticKeyDataChannel ch = aes256(KeyDirection.NORMAL);
        ByteBuffer noHead = ByteBuffer.allocate(200);
        noHead.position(ch.headroom() - 1).limit(ch.headroom() + 20);
        assertEquals(Verdict.OVERSIZED, ch.seal(noHead));
        assertEquals(ch.headroom() - 1, noHead.position());
        ByteBuffer noTail = ByteBuffer.allocate(ch.headroom() + 20 + 3);
        noTail.position(ch.headroom()).limit(ch.headroom() + 20);
        assertEquals(Verdict.OVERSIZED, ch.seal(noTail), "20 bytes + 8 pid need 4 bytes of padding");
        assertEquals(ch.headroom() + 20, noTail.limit());
        ByteBuffer exact = ByteBuffer.allocate(ch.headroom() + 20 + 4);
        exact.position(ch.headroom()).limit(ch.headroom() + 20);
        assertEquals(Verdict.OK, ch.seal(exact));
        assertEquals(0, exact.position());
        assertEquals(exact.capacity(), exact.limit());
    }

    @Test
    void packetIdExhaustionStopsSendingUntilTheClockMovesOn() throws Exception {
        StaticKeyDataChannel sender = aes256(KeyDirection.NORMAL);
        StaticKeyDataChannel receiver = aes256(KeyDirection.INVERSE);
        sender.resumeSendingAt(0xFFFF_FFFEL, NOW);
        ByteBuffer last = sealOnce(sender, new byte[1]);
        assertEquals(Verdict.OK, receiver.open(last));
        assertEquals(0xFFFF_FFFFL, receiver.replayWindowForTest().highestId());
        ByteBuffer blocked = forSeal(new byte[1], sender, false);
        int position = blocked.position();
        assertEquals(Verdict.PACKET_ID_EXHAUSTED, sender.seal(blocked));
        assertEquals(position, blocked.position());
        clock.advanceMillis(999);
        assertEquals(Verdict.PACKET_ID_EXHAUSTED, sender.seal(forSeal(new byte[1], sender, false)), "same second");
        clock.advanceMillis(1);
        ByteBuffer wrapped = sealOnce(sender, new byte[1]);
        assertEquals(Verdict.OK, receiver.open(wrapped), "a new time starts a new sequence at the receiver");
        assertEquals(1, receiver.replayWindowForTest().highestId());
        assertEquals(NOW + 1, receiver.replayWindowForTest().sequenceTime());
    }

    @Test
    void refusesUnusableKeys() throws Exception {
        StaticKey one = StaticKey.parse(Vectors.keyFile(Vectors.KEY_HEX.substring(0, 256)));
        assertThrows(IllegalArgumentException.class, () -> channel(one, KeyDirection.NORMAL, CipherAlgorithm.AES_256_CBC, AuthAlgorithm.SHA1));
    }

    // ------------------------------------------------------------------ allocation

    @Test
    void sealAndOpenAllocateNothingPerPacket() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        // Every cipher with every HMAC (and none): each is a separate code path through Mac/Cipher.
        for (CipherAlgorithm c : CipherAlgorithm.values()) {
            for (AuthAlgorithm a : AuthAlgorithm.values()) {
                StaticKeyDataChannel sender = channel(Vectors.vectorKey(), KeyDirection.NORMAL, c, a);
                StaticKeyDataChannel receiver = channel(Vectors.vectorKey(), KeyDirection.INVERSE, c, a);
                ByteBuffer buf = ByteBuffer.allocateDirect(2048);
                int headroom = sender.headroom();
                int calls = 20_000;
                for (int round = 0; round < 3; round++) {
                    // The first rounds warm up the JIT (and let it allocate what it will); the last is measured.
                    long before = threads.getThreadAllocatedBytes(thread);
                    for (int i = 0; i < calls; i++) {
                        buf.limit(headroom + 1400).position(headroom);
                        if (sender.seal(buf) != Verdict.OK || receiver.open(buf) != Verdict.OK) {
                            throw new AssertionError("round trip failed at " + i);
                        }
                    }
                    double perCall = (threads.getThreadAllocatedBytes(thread) - before) / (2.0 * calls);
                    if (round == 2) {
                        assertTrue(perCall < 16, c + "/" + a + ": " + perCall + " bytes allocated per call");
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static ByteBuffer forOpen(byte[] packet, boolean direct) {
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(packet.length + 2 * SLACK) : ByteBuffer.allocate(packet.length + 2 * SLACK);
        b.position(SLACK);
        b.put(packet);
        b.limit(SLACK + packet.length).position(SLACK);
        return b;
    }

    private static ByteBuffer forSeal(byte[] payload, StaticKeyDataChannel ch, boolean direct) {
        int capacity = SLACK + payload.length + ch.tailroom() + SLACK;
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        b.position(SLACK);
        b.put(payload);
        b.limit(SLACK + payload.length).position(SLACK);
        return b;
    }

    private static ByteBuffer sealOnce(StaticKeyDataChannel ch, byte[] payload) {
        ByteBuffer b = forSeal(payload, ch, false);
        assertEquals(Verdict.OK, ch.seal(b));
        return b;
    }

    private static byte[] remaining(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
