package org.culvert.openvpn.tls.internal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.crypto.WipeableKey;
import org.culvert.openvpn.tls.DataCipher;
import org.culvert.openvpn.crypto.Verdict;

/**
 * One key_id's data channel in TLS mode: seals and opens {@code P_DATA_V2} / {@code P_DATA_V1}
 * packets in place, with a short (32-bit) packet-id.
 *
 * <pre>
 * AEAD, V2: [0x48|kid][peer-id 3][pid 4][tag 16][ciphertext]   AAD = header(4) | pid
 * AEAD, V1: [0x30|kid][pid 4][tag 16][ciphertext]               AAD = pid
 *           nonce = pid | implicit IV (first 8 bytes of the slot's HMAC half)
 * CBC:      [header 4 or 1][HMAC(IV|ct)][IV 16][AES-CBC(pid | payload | PKCS#7)]
 * </pre>
 *
 * Authentication is checked before anything else, then the packet-id against the replay window, so
 * a forged or replayed packet changes nothing. Allocates only in the constructor; loop thread only.
 */
public final class TlsDataChannel {
    public static final int OP_DATA_V1 = 6;
    public static final int OP_DATA_V2 = 9;
    /** Sending stops here: the short packet-id cannot wrap. */
    static final long MAX_PACKET_ID = 0xFFFF_FFFFL;
    /** OpenVPN's PACKET_ID_WRAP_TRIGGER: renegotiate once the send id reaches this. */
    static final long WRAP_TRIGGER = 0xFF00_0000L;
    private static final int PID = 4;
    private static final int TAG = Aead.TAG_LENGTH;
    private static final int AES_BLOCK = 16;

    private final DataCipher cipher;
    private final DataScratch scratch;
    private final ReplayWindow replay;
    private final Aead sealAead;
    private final Aead openAead;
    private final byte[] sealNonce = new byte[Aead.NONCE_LENGTH];
    private final byte[] openNonce = new byte[Aead.NONCE_LENGTH];
    private final byte[] aad = new byte[8];
    private final Hmac sealMac;
    private final Hmac openMac;
    private final Cipher cbcEncrypt;
    private final Cipher cbcDecrypt;
    private final IvSource ivs;
    private final byte[] macCheck = new byte[64];
    private final int macLength;
    private long sendId;

    /**
     * Keys from OpenVPN's 256-byte key block: the tls-client encrypts with slot 0 (bytes 0..127) and
     * decrypts with slot 1; the tls-server the reverse. Within a slot the cipher key is at 0, the HMAC
     * key (and the AEAD implicit IV) at 64.
     */
    public static TlsDataChannel fromKeyBlock(byte[] keyBlock, boolean server, DataCipher cipher, AuthAlgorithm auth,
            ReplayWindow.Settings replay, Clock clock, IvSource ivs, DataScratch scratch) {
        int enc = server ? 128 : 0;
        int dec = server ? 0 : 128;
        return new TlsDataChannel(cipher, auth, keyBlock, enc, enc + 64, keyBlock, dec, dec + 64, replay, clock, ivs,
                scratch);
    }

    /**
     * Explicit keys (for known-answer tests): the cipher key of each direction at {@code *CipherOff},
     * the HMAC key / implicit IV at {@code *HmacOff}.
     */
    public TlsDataChannel(DataCipher cipher, AuthAlgorithm auth, byte[] sealKeys, int sealCipherOff, int sealHmacOff,
            byte[] openKeys, int openCipherOff, int openHmacOff, ReplayWindow.Settings replay, Clock clock, IvSource ivs,
            DataScratch scratch) {
        this.cipher = cipher;
        this.scratch = scratch;
        this.replay = new ReplayWindow(replay, clock);
        if (cipher.isAead()) {
            sealAead = newAead(cipher, sealKeys, sealCipherOff, scratch);
            openAead = newAead(cipher, openKeys, openCipherOff, scratch);
            System.arraycopy(sealKeys, sealHmacOff, sealNonce, PID, 8);
            System.arraycopy(openKeys, openHmacOff, openNonce, PID, 8);
            sealMac = null;
            openMac = null;
            cbcEncrypt = null;
            cbcDecrypt = null;
            this.ivs = null;
            macLength = 0;
        } else {
            if (auth == AuthAlgorithm.NONE) {
                throw new IllegalArgumentException("CBC in TLS mode needs an HMAC digest");
            }
            sealAead = null;
            openAead = null;
            macLength = auth.digestLength();
            sealMac = new Hmac(auth, sealKeys, sealHmacOff, macLength);
            openMac = new Hmac(auth, openKeys, openHmacOff, macLength);
            cbcEncrypt = newCbc(Cipher.ENCRYPT_MODE, sealKeys, sealCipherOff, cipher.keyLength());
            cbcDecrypt = newCbc(Cipher.DECRYPT_MODE, openKeys, openCipherOff, cipher.keyLength());
            this.ivs = ivs;
        }
    }

    public DataCipher cipher() {
        return cipher;
    }

    /** Most bytes written before the payload (with a 4-byte header). */
    public static int headroom(DataCipher cipher, AuthAlgorithm auth) {
        return cipher.isAead() ? 4 + PID + TAG : 4 + auth.digestLength() + AES_BLOCK + PID;
    }

    /** Most bytes written after the payload (CBC padding). */
    public static int tailroom(DataCipher cipher) {
        return cipher.isAead() ? 0 : AES_BLOCK;
    }

    /** The last packet-id sent (0 before the first). */
    public long sendPacketId() {
        return sendId;
    }

    /** Whether the send packet-id is close enough to wrapping that a renegotiation must start. */
    public boolean nearWrap() {
        return sendId >= WRAP_TRIGGER;
    }

    /**
     * Seals {@code buf[position, limit)} in place. {@code header} is the 32-bit V2 header word
     * ({@code (0x48|kid) << 24 | peerId}) when {@code v2}, else its top byte is the V1 opcode byte.
     * On OK, {@code buf[position, limit)} is the wire packet; otherwise nothing changed.
     */
    public Verdict seal(ByteBuffer buf, boolean v2, int header) {
        int position = buf.position();
        int payload = buf.limit() - position;
        int headerLength = v2 ? 4 : 1;
        int wireLength;
        int start;
        if (sealAead != null) {
            wireLength = headerLength + PID + TAG + payload;
            start = position - headerLength - PID - TAG;
        } else {
            int plainLength = PID + payload;
            int padding = AES_BLOCK - plainLength % AES_BLOCK;
            wireLength = headerLength + macLength + AES_BLOCK + plainLength + padding;
            start = position - headerLength - macLength - AES_BLOCK - PID;
        }
        if (start < 0 || wireLength > DataScratch.MAX_PACKET || start + wireLength > buf.capacity()) {
            return Verdict.OVERSIZED;
        }
        if (sendId == MAX_PACKET_ID) {
            return Verdict.PACKET_ID_EXHAUSTED;
        }
        long pid = ++sendId;
        byte[] wire = scratch.wire;
        byte[] plain = scratch.plain;
        if (v2) {
            Bytes.putInt(wire, 0, header & 0xFFFF_FFFFL);
        } else {
            wire[0] = (byte) (header >>> 24);
        }
        if (sealAead != null) {
            Bytes.putInt(wire, headerLength, pid);
            Bytes.putInt(sealNonce, 0, pid);
            buf.get(position, plain, 0, payload);
            // V2 authenticates the whole header; V1 only the packet-id (its opcode is prepended later).
            int aadStart = v2 ? 0 : headerLength;
            sealAead.encrypt(sealNonce, wire, aadStart, headerLength + PID - aadStart, plain, 0, payload, wire,
                    headerLength + PID + TAG, wire, headerLength + PID);
        } else {
            int ivOff = headerLength + macLength;
            int ctOff = ivOff + AES_BLOCK;
            int plainLength = PID + payload;
            int padding = AES_BLOCK - plainLength % AES_BLOCK;
            Bytes.putInt(plain, 0, pid);
            buf.get(position, plain, PID, payload);
            Arrays.fill(plain, plainLength, plainLength + padding, (byte) padding);
            ivs.next(wire, ivOff, AES_BLOCK);
            // The Cipher runs with a zero IV; XORing the real IV into the first block is CBC with it.
            Bytes.xor(plain, 0, wire, ivOff, AES_BLOCK);
            try {
                cbcEncrypt.doFinal(plain, 0, plainLength + padding, wire, ctOff);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            sealMac.compute(wire, ivOff, AES_BLOCK + plainLength + padding, wire, headerLength);
        }
        // Absolute bulk puts are bounded by the limit, and CBC padding may extend past it.
        buf.limit(start + wireLength).position(start);
        buf.put(start, wire, 0, wireLength);
        return Verdict.OK;
    }

    /**
     * Opens the wire packet {@code buf[position, limit)} (header included) in place. On OK,
     * {@code buf[position, limit)} is the plaintext; otherwise position and limit are unchanged and
     * the replay window untouched.
     */
    public Verdict open(ByteBuffer buf) {
        int position = buf.position();
        int length = buf.limit() - position;
        if (length > DataScratch.MAX_PACKET) {
            return Verdict.OVERSIZED;
        }
        if (length < 1) {
            return Verdict.SHORT_PACKET;
        }
        boolean v2 = ((buf.get(position) & 0xFF) >>> 3) == OP_DATA_V2;
        int headerLength = v2 ? 4 : 1;
        byte[] wire = scratch.wire;
        byte[] plain = scratch.plain;
        long pid;
        int clearOffset;
        int clearLength;
        if (openAead != null) {
            if (length < headerLength + PID + TAG) {
                return Verdict.SHORT_PACKET;
            }
            buf.get(position, wire, 0, length);
            pid = Bytes.getInt(wire, headerLength);
            System.arraycopy(wire, headerLength, openNonce, 0, PID);
            int aadStart = v2 ? 0 : headerLength;
            int ctLength = length - headerLength - PID - TAG;
            if (!openAead.decrypt(openNonce, wire, aadStart, headerLength + PID - aadStart, wire,
                    headerLength + PID + TAG, ctLength, wire, headerLength + PID, plain, 0)) {
                return Verdict.AUTH_FAILED;
            }
            clearOffset = 0;
            clearLength = ctLength;
        } else {
            int ivOff = headerLength + macLength;
            int ctOff = ivOff + AES_BLOCK;
            if (length < ctOff + AES_BLOCK) {
                return Verdict.SHORT_PACKET;
            }
            buf.get(position, wire, 0, length);
            openMac.compute(wire, ivOff, length - ivOff, macCheck, 0);
            if (!Bytes.constantTimeEquals(macCheck, 0, wire, headerLength, macLength)) {
                return Verdict.AUTH_FAILED;
            }
            int ctLength = length - ctOff;
            if (ctLength % AES_BLOCK != 0) {
                return Verdict.DECRYPT_FAILED;
            }
            try {
                cbcDecrypt.doFinal(wire, ctOff, ctLength, plain, 0);
            } catch (GeneralSecurityException e) {
                return Verdict.DECRYPT_FAILED;
            }
            Bytes.xor(plain, 0, wire, ivOff, AES_BLOCK);
            int pad = plain[ctLength - 1] & 0xFF;
            if (pad == 0 || pad > AES_BLOCK || !paddingValid(plain, ctLength, pad) || ctLength - pad < PID) {
                return Verdict.DECRYPT_FAILED;
            }
            pid = Bytes.getInt(plain, 0);
            clearOffset = PID;
            clearLength = ctLength - pad - PID;
        }
        if (!replay.accept(pid, 0)) {
            return Verdict.REPLAY;
        }
        int out = position + length - clearLength;
        buf.put(out, plain, clearOffset, clearLength);
        buf.position(out);
        return Verdict.OK;
    }

    /** Drops key material as far as possible. */
    public void wipe() {
        if (sealAead != null) {
            sealAead.wipe();
            openAead.wipe();
            Arrays.fill(sealNonce, (byte) 0);
            Arrays.fill(openNonce, (byte) 0);
        } else {
            sealMac.wipe();
            openMac.wipe();
            // The CBC engines keep the key schedules they expanded at init; overwrite them.
            IvParameterSpec zeroIv = new IvParameterSpec(new byte[AES_BLOCK]);
            WipeableKey.rekeyWithZeros(cbcEncrypt, Cipher.ENCRYPT_MODE, "AES", cipher.keyLength(), zeroIv);
            WipeableKey.rekeyWithZeros(cbcDecrypt, Cipher.DECRYPT_MODE, "AES", cipher.keyLength(), zeroIv);
        }
    }

    private static boolean paddingValid(byte[] b, int end, int pad) {
        int diff = 0;
        for (int i = end - pad; i < end; i++) {
            diff |= (b[i] & 0xFF) ^ pad;
        }
        return diff == 0;
    }

    private static Aead newAead(DataCipher cipher, byte[] keys, int off, DataScratch scratch) {
        return cipher == DataCipher.CHACHA20_POLY1305 ? JceAead.chaCha20Poly1305(keys, off, scratch)
                : JceAead.aesGcm(keys, off, cipher.keyLength(), scratch);
    }

    private static Cipher newCbc(int mode, byte[] keys, int off, int keyLength) {
        WipeableKey k = new WipeableKey(keys, off, keyLength, "AES");
        try {
            Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
            c.init(mode, k, new IvParameterSpec(new byte[AES_BLOCK]));
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES/CBC", e);
        } finally {
            k.destroy();
        }
    }
}
