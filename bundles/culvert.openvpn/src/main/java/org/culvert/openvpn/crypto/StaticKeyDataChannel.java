package org.culvert.openvpn.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import org.culvert.openvpn.Clock;

/**
 * OpenVPN 2.6's static-key ({@code --secret}) data channel: no opcode byte, long-form packet-id.
 *
 * <pre>
 * CBC:          HMAC(H) | IV(16) | AES-CBC( pid u32 | time u32 | payload | PKCS#7 padding )
 * cipher none:  HMAC(H) | pid u32 | time u32 | payload
 * HMAC = HMAC-auth(key, everything after the HMAC field); absent with auth none.
 * </pre>
 *
 * The HMAC is checked first and in constant time; decryption and the replay check follow, so a
 * forged or replayed packet never changes the replay window. Keys come from the slots chosen by the
 * {@link KeyDirection}.
 *
 * <p><b>Implementation.</b> Each call copies the packet once into a scratch array, runs the JCE on
 * arrays and copies the result back, so heap and direct buffers are treated alike and nothing is
 * allocated per packet. The AES-CBC ciphers are initialised once with a zero IV; the packet's IV is
 * XORed into the first plaintext block before encryption and into the first output block after
 * decryption, which is CBC with that IV, without re-initialising a {@link Cipher} per packet.
 * PKCS#7 padding is added and checked here for the same reason. IVs come from {@link IvSource},
 * seeded from the given {@link SecureRandom}.
 *
 * <p>Loop-thread only; not thread-safe.
 */
public final class StaticKeyDataChannel implements DataChannel {
    /** The largest wire packet accepted or produced: the TCP length field's maximum. */
    public static final int MAX_WIRE_PACKET = 65535;
    private static final int PACKET_ID_BYTES = 8;

    private final CipherAlgorithm cipherAlgorithm;
    private final Hmac encryptMac;
    private final Hmac decryptMac;
    private final Cipher encryptCipher;
    private final Cipher decryptCipher;
    private final IvSource ivs;
    private final ReplayWindow replay;
    private final PacketIdSender sendId = new PacketIdSender();
    private final Clock clock;
    private final int macLength;
    private final int ivLength;
    private final int blockSize;
    private final int headroom;
    private final int minimumPacket;
    private final byte[] plain = new byte[MAX_WIRE_PACKET + 64];
    private final byte[] wire = new byte[MAX_WIRE_PACKET + 64];
    private final byte[] macScratch = new byte[64];

    /**
     * @param key the key file's keys; must pass {@link StaticKey#checkUsable}
     * @param replay the {@code --replay-window} settings for packets received
     * @param clock time for packet-id timestamps (Unix seconds) and replay expiry (monotonic)
     * @param random seeds the IV generator (read in this constructor only)
     * @throws IllegalArgumentException if the key fails {@link StaticKey#checkUsable}
     */
    public StaticKeyDataChannel(StaticKey key, KeyDirection dir, CipherAlgorithm c, AuthAlgorithm a,
            ReplayWindow.Settings replay, Clock clock, SecureRandom random) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(dir, "dir");
        this.cipherAlgorithm = Objects.requireNonNull(c, "cipher");
        Objects.requireNonNull(a, "auth");
        this.clock = Objects.requireNonNull(clock, "clock");
        try {
            key.checkUsable(dir, c);
        } catch (StaticKeyException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        this.replay = new ReplayWindow(Objects.requireNonNull(replay, "replay"), clock);
        this.macLength = a.digestLength();
        this.ivLength = c.ivLength();
        this.blockSize = c.blockSize();
        this.headroom = macLength + ivLength + PACKET_ID_BYTES;
        this.minimumPacket = c == CipherAlgorithm.NONE ? macLength + PACKET_ID_BYTES : macLength + ivLength + blockSize;

        if (a == AuthAlgorithm.NONE) {
            encryptMac = null;
            decryptMac = null;
        } else {
            encryptMac = newHmac(a, key, dir.encryptSlot());
            decryptMac = newHmac(a, key, dir.decryptSlot());
        }
        if (c == CipherAlgorithm.NONE) {
            encryptCipher = null;
            decryptCipher = null;
            ivs = null;
        } else {
            encryptCipher = newCipher(Cipher.ENCRYPT_MODE, key, dir.encryptSlot(), c);
            decryptCipher = newCipher(Cipher.DECRYPT_MODE, key, dir.decryptSlot(), c);
            ivs = new IvSource(Objects.requireNonNull(random, "random"));
        }
    }

    @Override
    public int headroom() {
        return headroom;
    }

    @Override
    public int tailroom() {
        return blockSize;
    }

    @Override
    public Verdict seal(ByteBuffer buf) {
        int position = buf.position();
        int payload = buf.limit() - position;
        int plainLength = PACKET_ID_BYTES + payload;
        int padding = blockSize == 0 ? 0 : blockSize - plainLength % blockSize;
        int wireLength = macLength + ivLength + plainLength + padding;
        int start = position - headroom;
        if (start < 0 || wireLength > MAX_WIRE_PACKET || start + wireLength > buf.capacity()) {
            return Verdict.OVERSIZED;
        }
        if (!sendId.advance(clock.unixSeconds())) {
            return Verdict.PACKET_ID_EXHAUSTED;
        }
        int body = macLength + ivLength;
        if (encryptCipher == null) {
            writeInt(wire, body, sendId.id());
            writeInt(wire, body + 4, sendId.time());
            buf.get(position, wire, body + PACKET_ID_BYTES, payload);
        } else {
            writeInt(plain, 0, sendId.id());
            writeInt(plain, 4, sendId.time());
            buf.get(position, plain, PACKET_ID_BYTES, payload);
            Arrays.fill(plain, plainLength, plainLength + padding, (byte) padding);
            ivs.next(wire, macLength, ivLength);
            xor(plain, 0, wire, macLength, blockSize);
            try {
                encryptCipher.doFinal(plain, 0, plainLength + padding, wire, body);
            } catch (GeneralSecurityException e) {
                // Unreachable: the input is whole blocks and the output fits.
                throw new IllegalStateException(e);
            }
        }
        if (encryptMac != null) {
            encryptMac.compute(wire, macLength, wireLength - macLength, wire, 0);
        }
        // Absolute bulk puts are bounded by the limit, so move it out first.
        buf.limit(start + wireLength);
        buf.put(start, wire, 0, wireLength);
        buf.position(start);
        return Verdict.OK;
    }

    @Override
    public Verdict open(ByteBuffer buf) {
        int position = buf.position();
        int length = buf.limit() - position;
        if (length > MAX_WIRE_PACKET) {
            return Verdict.OVERSIZED;
        }
        if (length < minimumPacket) {
            return Verdict.SHORT_PACKET;
        }
        buf.get(position, wire, 0, length);
        if (decryptMac != null) {
            decryptMac.compute(wire, macLength, length - macLength, macScratch, 0);
            if (!ConstantTime.equals(macScratch, 0, wire, 0, macLength)) {
                return Verdict.AUTH_FAILED;
            }
        }
        byte[] clear;
        int clearOffset;
        int clearLength;
        if (decryptCipher == null) {
            clear = wire;
            clearOffset = macLength;
            clearLength = length - macLength;
        } else {
            int cipherText = length - macLength - ivLength;
            if (cipherText % blockSize != 0) {
                return Verdict.DECRYPT_FAILED;
            }
            try {
                decryptCipher.doFinal(wire, macLength + ivLength, cipherText, plain, 0);
            } catch (GeneralSecurityException e) {
                return Verdict.DECRYPT_FAILED;
            }
            xor(plain, 0, wire, macLength, blockSize);
            int pad = plain[cipherText - 1] & 0xFF;
            if (pad == 0 || pad > blockSize || !paddingValid(plain, cipherText, pad)) {
                return Verdict.DECRYPT_FAILED;
            }
            clear = plain;
            clearOffset = 0;
            clearLength = cipherText - pad;
            if (clearLength < PACKET_ID_BYTES) {
                return Verdict.DECRYPT_FAILED;
            }
        }
        long packetId = readInt(clear, clearOffset);
        long time = readInt(clear, clearOffset + 4);
        if (!replay.accept(packetId, time)) {
            return Verdict.REPLAY;
        }
        int payload = clearLength - PACKET_ID_BYTES;
        int out = position + (length - payload);
        buf.put(out, clear, clearOffset + PACKET_ID_BYTES, payload);
        buf.position(out);
        return Verdict.OK;
    }

    /**
     * Overwrites the HMAC keys and the ciphers' key schedules; idempotent. Afterwards the channel
     * must not be used (the tunnel run that owns it has ended).
     */
    @Override
    public void wipe() {
        if (encryptMac != null) {
            encryptMac.wipe();
            decryptMac.wipe();
        }
        if (encryptCipher != null) {
            IvParameterSpec zeroIv = new IvParameterSpec(new byte[ivLength]);
            WipeableKey.rekeyWithZeros(encryptCipher, Cipher.ENCRYPT_MODE, "AES", cipherAlgorithm.keyLength(), zeroIv);
            WipeableKey.rekeyWithZeros(decryptCipher, Cipher.DECRYPT_MODE, "AES", cipherAlgorithm.keyLength(), zeroIv);
        }
    }

    /** Test hook: the receive-side window, to inspect the last accepted packet-id and time. */
    ReplayWindow replayWindowForTest() {
        return replay;
    }

    /** Test hook: the next packet sent carries packet-id {@code lastId + 1} and time {@code time}. */
    void resumeSendingAt(long lastId, long time) {
        sendId.resume(lastId, time);
    }

    private static boolean paddingValid(byte[] b, int end, int pad) {
        int diff = 0;
        for (int i = end - pad; i < end; i++) {
            diff |= (b[i] & 0xFF) ^ pad;
        }
        return diff == 0;
    }

    private static Hmac newHmac(AuthAlgorithm a, StaticKey key, int slot) {
        byte[] k = key.hmacKey(slot, a.digestLength());
        try {
            return new Hmac(a, k);
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }

    private static Cipher newCipher(int mode, StaticKey key, int slot, CipherAlgorithm c) {
        byte[] k = key.cipherKey(slot, c.keyLength());
        WipeableKey wk = new WipeableKey(k, 0, k.length, "AES");
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/NoPadding");
            cipher.init(mode, wk, new IvParameterSpec(new byte[c.ivLength()]));
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES/CBC", e);
        } finally {
            Arrays.fill(k, (byte) 0);
            wk.destroy();
        }
    }

    private static void xor(byte[] target, int targetOffset, byte[] mask, int maskOffset, int length) {
        for (int i = 0; i < length; i++) {
            target[targetOffset + i] ^= mask[maskOffset + i];
        }
    }

    private static void writeInt(byte[] b, int off, long v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    private static long readInt(byte[] b, int off) {
        return ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFFL) << 16) | ((b[off + 2] & 0xFFL) << 8) | (b[off + 3] & 0xFFL);
    }
}
