package org.culvert.openvpn.tls.internal;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import org.culvert.openvpn.crypto.WipeableKey;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;

/**
 * How control packets are protected on the wire: not at all, {@code --tls-auth} (an HMAC firewall) or
 * {@code --tls-crypt} (AES-256-CTR with a SIV-style HMAC-SHA256 tag). Both wrappers carry their own
 * long-form packet-id (id, time) with its own replay window, per control session.
 *
 * <pre>
 * none:      [op][sid 8][body]
 * tls-auth:  [op][sid 8][HMAC][pid 4][time 4][body]      HMAC over pid|time|op|sid|body
 * tls-crypt: [op][sid 8][pid 4][time 4][tag 32][CTR(body)]  tag = HMAC-SHA256(Ka, op|sid|pid|time|body), IV = tag[0..16)
 * body = ack count | acks | remote sid | message id | payload
 * </pre>
 *
 * Control path only; allocations are acceptable but kept low. Loop thread only.
 */
public abstract class ControlWrap {
    /** Unwrap result: the HMAC or tag did not verify. */
    public static final int FAIL_AUTH = -1;
    /** Unwrap result: authentic but a replayed (or too old) packet-id. */
    public static final int FAIL_REPLAY = -2;
    /** Unwrap result: too short to hold the wrapping. */
    public static final int FAIL_SHORT = -3;
    /** Wrap result: the long-form packet-id is used up for this second. */
    public static final int FAIL_EXHAUSTED = -4;
    /** Bytes of opcode and session id that start every control packet. */
    public static final int HEADER = 9;

    /** The kind, for logging and failure reasons. */
    public enum Kind { NONE, TLS_AUTH, TLS_CRYPT }

    /** The packet-id and time of the last packet {@link #unwrap} accepted (0 without a wrapper). */
    long lastId;
    long lastTime;
    /** The packet-id and time of the last packet {@link #open} authenticated. */
    long openedId;
    long openedTime;

    public abstract Kind kind();

    /** The long-form packet-id of the last accepted packet; 0 for {@link Kind#NONE}. */
    public long lastPacketId() {
        return lastId;
    }

    /** The time field of the last accepted packet's packet-id; 0 for {@link Kind#NONE}. */
    public long lastPacketTime() {
        return lastTime;
    }

    /** Bytes added on top of {@code op | sid | body}. */
    public abstract int overhead();

    /**
     * Wraps {@code header[0, headerLength) | body[0, bodyLength)} into {@code out}, which must have room
     * for {@code headerLength + overhead() + bodyLength} bytes.
     *
     * @return the wire length, or {@link #FAIL_EXHAUSTED}
     */
    public abstract int wrap(byte[] header, int headerLength, byte[] body, int bodyLength, byte[] out);

    /**
     * Checks and removes the wrapping of {@code in[0, length)}, whose first {@code headerLength} bytes
     * are the clear header, writing the body to {@code out}.
     *
     * @return the body length, or a negative {@code FAIL_*} code
     */
    public final int unwrap(byte[] in, int headerLength, int length, byte[] out) {
        int n = open(in, headerLength, length, out);
        if (n < 0 || kind() == Kind.NONE) {
            return n;
        }
        if (!replayWindow().accept(openedId, openedTime)) {
            return FAIL_REPLAY;
        }
        lastId = openedId;
        lastTime = openedTime;
        return n;
    }

    /**
     * {@link #unwrap} without the replay check and without recording the packet-id: what a server
     * checks statelessly before it keeps anything for a client (OpenVPN's tls_pre_decrypt_lite).
     * The packet-id it carried is then {@link #openedPacketId()}.
     *
     * @return the body length, or {@link #FAIL_AUTH} / {@link #FAIL_SHORT}
     */
    public abstract int open(byte[] in, int headerLength, int length, byte[] out);

    /** The packet-id of the packet the last successful {@link #open} took (0 without a wrapper). */
    public long openedPacketId() {
        return openedId;
    }

    /**
     * Wraps as {@link #wrap} does, but with the given long-form packet-id instead of this wrapper's
     * own counter (which is left alone): a server's stateless reset reply carries packet-id 1.
     */
    public int wrapWithPacketId(long id, long time, byte[] header, int headerLength, byte[] body,
            int bodyLength, byte[] out) {
        Bytes.putInt(pid, 0, id);
        Bytes.putInt(pid, 4, time);
        return seal(header, headerLength, body, bodyLength, out);
    }

    /** Wraps with the packet-id already in {@link #pid}. */
    int seal(byte[] header, int headerLength, byte[] body, int bodyLength, byte[] out) {
        throw new IllegalStateException("no packet-id to seal with");
    }

    /** The long-form packet-id (id, time) of the packet being wrapped. */
    final byte[] pid = new byte[8];

    /** The replay window of the wrappers that have one. */
    ReplayWindow replayWindow() {
        throw new IllegalStateException("no replay window");
    }

    /** Releases key material. */
    public abstract void wipe();

    public static ControlWrap none() {
        return new None();
    }

    /** {@code --tls-auth key [direction]} with the {@code --auth} digest. */
    public static ControlWrap tlsAuth(byte[] keyMaterial, KeyDirection direction, AuthAlgorithm digest,
            ReplayWindow.Settings replay, Clock clock) {
        return new TlsAuth(keyMaterial, direction, digest, replay, clock, 0);
    }

    /**
     * As {@link #tlsAuth}, sending packet-ids from {@code lastSentId + 1}: a server session that
     * continues a stateless handshake whose reply already used id 1 (OpenVPN's session_skip_to_pre_start).
     */
    public static ControlWrap tlsAuth(byte[] keyMaterial, KeyDirection direction, AuthAlgorithm digest,
            ReplayWindow.Settings replay, Clock clock, long lastSentId) {
        return new TlsAuth(keyMaterial, direction, digest, replay, clock, lastSentId);
    }

    /** {@code --tls-crypt key}: the tls-server sends with slot 0, the tls-client with slot 1. */
    public static ControlWrap tlsCrypt(byte[] keyMaterial, boolean server, ReplayWindow.Settings replay, Clock clock) {
        return new TlsCrypt(keyMaterial, server, replay, clock, 0);
    }

    /** As {@link #tlsCrypt}, sending packet-ids from {@code lastSentId + 1} (see {@link #tlsAuth(byte[], KeyDirection, AuthAlgorithm, ReplayWindow.Settings, Clock, long)}). */
    public static ControlWrap tlsCrypt(byte[] keyMaterial, boolean server, ReplayWindow.Settings replay, Clock clock,
            long lastSentId) {
        return new TlsCrypt(keyMaterial, server, replay, clock, lastSentId);
    }

    /**
     * OpenVPN's {@code EARLY_NEG_START}: a tls-crypt-v2 client's packet-ids start above it (the first is
     * 0x0F000001), which tells a 2.6 server that the client understands early negotiation.
     */
    public static final long EARLY_NEG_START = 0x0F00_0000L;

    /** A tls-crypt-v2 client: {@code --tls-crypt} with Kc, packet-ids starting after {@link #EARLY_NEG_START}. */
    public static ControlWrap tlsCryptV2Client(byte[] kc, ReplayWindow.Settings replay, Clock clock) {
        return new TlsCrypt(kc, false, replay, clock, EARLY_NEG_START);
    }

    /** OpenVPN's long-form packet-id sender: id from 1, time = Unix seconds of the first packet. */
    static final class LongPacketId {
        private final Clock clock;
        private long id;
        private long time;

        LongPacketId(Clock clock) {
            this(clock, 0);
        }

        /** @param firstId the id before the first one sent */
        LongPacketId(Clock clock, long firstId) {
            this.clock = clock;
            this.id = firstId;
        }

        /** Advances; false if the id space is used up for this second. */
        boolean next() {
            long now = clock.unixSeconds() & 0xFFFF_FFFFL;
            if (time == 0) {
                time = now;
            }
            if (id == 0xFFFF_FFFFL) {
                if (now <= time) {
                    return false;
                }
                time = now;
                id = 0;
            }
            id++;
            return true;
        }

        void write(byte[] b, int off) {
            Bytes.putInt(b, off, id);
            Bytes.putInt(b, off + 4, time);
        }
    }

    private static final class None extends ControlWrap {
        @Override
        public Kind kind() {
            return Kind.NONE;
        }

        @Override
        public int overhead() {
            return 0;
        }

        @Override
        public int wrap(byte[] header, int headerLength, byte[] body, int bodyLength, byte[] out) {
            System.arraycopy(header, 0, out, 0, headerLength);
            System.arraycopy(body, 0, out, headerLength, bodyLength);
            return headerLength + bodyLength;
        }

        @Override
        public int wrapWithPacketId(long id, long time, byte[] header, int headerLength, byte[] body, int bodyLength,
                byte[] out) {
            return wrap(header, headerLength, body, bodyLength, out);
        }

        @Override
        public int open(byte[] in, int headerLength, int length, byte[] out) {
            if (length < headerLength) {
                return FAIL_SHORT;
            }
            System.arraycopy(in, headerLength, out, 0, length - headerLength);
            return length - headerLength;
        }

        @Override
        public void wipe() {
        }
    }

    private static final class TlsAuth extends ControlWrap {
        private final Hmac sendMac;
        private final Hmac receiveMac;
        private final LongPacketId sendId;
        private final ReplayWindow replay;
        private final byte[] check = new byte[64];
        private final int macLength;

        TlsAuth(byte[] keys, KeyDirection direction, AuthAlgorithm digest, ReplayWindow.Settings replay, Clock clock,
                long firstId) {
            macLength = digest.digestLength();
            sendMac = new Hmac(digest, keys, direction.encryptSlot() * 128 + 64, macLength);
            receiveMac = new Hmac(digest, keys, direction.decryptSlot() * 128 + 64, macLength);
            sendId = new LongPacketId(clock, firstId);
            this.replay = new ReplayWindow(replay, clock);
        }

        @Override
        public Kind kind() {
            return Kind.TLS_AUTH;
        }

        @Override
        ReplayWindow replayWindow() {
            return replay;
        }

        @Override
        public int overhead() {
            return macLength + 8;
        }

        @Override
        public int wrap(byte[] header, int headerLength, byte[] body, int bodyLength, byte[] out) {
            if (!sendId.next()) {
                return FAIL_EXHAUSTED;
            }
            sendId.write(pid, 0);
            return seal(header, headerLength, body, bodyLength, out);
        }

        @Override
        int seal(byte[] header, int headerLength, byte[] body, int bodyLength, byte[] out) {
            sendMac.update(pid, 0, 8);
            sendMac.update(header, 0, headerLength);
            sendMac.update(body, 0, bodyLength);
            System.arraycopy(header, 0, out, 0, headerLength);
            sendMac.doFinal(out, headerLength);
            System.arraycopy(pid, 0, out, headerLength + macLength, 8);
            System.arraycopy(body, 0, out, headerLength + macLength + 8, bodyLength);
            return headerLength + macLength + 8 + bodyLength;
        }

        @Override
        public int open(byte[] in, int headerLength, int length, byte[] out) {
            int bodyStart = headerLength + macLength + 8;
            if (length < bodyStart) {
                return FAIL_SHORT;
            }
            receiveMac.update(in, headerLength + macLength, 8);
            receiveMac.update(in, 0, headerLength);
            receiveMac.update(in, bodyStart, length - bodyStart);
            receiveMac.doFinal(check, 0);
            if (!Bytes.constantTimeEquals(check, 0, in, headerLength, macLength)) {
                return FAIL_AUTH;
            }
            openedId = Bytes.getInt(in, headerLength + macLength);
            openedTime = Bytes.getInt(in, headerLength + macLength + 4);
            System.arraycopy(in, bodyStart, out, 0, length - bodyStart);
            return length - bodyStart;
        }

        @Override
        public void wipe() {
            sendMac.wipe();
            receiveMac.wipe();
        }
    }

    private static final class TlsCrypt extends ControlWrap {
        private static final int TAG = 32;
        private final Hmac sendMac;
        private final Hmac receiveMac;
        private final WipeableKey sendKey;
        private final WipeableKey receiveKey;
        private final Cipher ctr;
        private final LongPacketId sendId;
        private final ReplayWindow replay;
        private final byte[] check = new byte[TAG];

        TlsCrypt(byte[] keys, boolean server, ReplayWindow.Settings replay, Clock clock, long firstId) {
            // Direction is fixed by role (server NORMAL, client INVERSE); --key-direction is ignored.
            int sendSlot = server ? 0 : 128;
            int receiveSlot = server ? 128 : 0;
            sendMac = new Hmac(AuthAlgorithm.SHA256, keys, sendSlot + 64, 32);
            receiveMac = new Hmac(AuthAlgorithm.SHA256, keys, receiveSlot + 64, 32);
            sendKey = new WipeableKey(keys, sendSlot, 32, "AES");
            receiveKey = new WipeableKey(keys, receiveSlot, 32, "AES");
            try {
                ctr = Cipher.getInstance("AES/CTR/NoPadding");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks AES/CTR", e);
            }
            sendId = new LongPacketId(clock, firstId);
            this.replay = new ReplayWindow(replay, clock);
        }

        @Override
        public Kind kind() {
            return Kind.TLS_CRYPT;
        }

        @Override
        ReplayWindow replayWindow() {
            return replay;
        }

        @Override
        public int overhead() {
            return 8 + TAG;
        }

        @Override
        public int wrap(byte[] header, int headerLength, byte[] body, int bodyLength, byte[] out) {
            if (!sendId.next()) {
                return FAIL_EXHAUSTED;
            }
            sendId.write(pid, 0);
            return seal(header, headerLength, body, bodyLength, out);
        }

        @Override
        int seal(byte[] header, int headerLength, byte[] body, int bodyLength, byte[] out) {
            System.arraycopy(header, 0, out, 0, headerLength);
            System.arraycopy(pid, 0, out, headerLength, 8);
            int tagOff = headerLength + 8;
            sendMac.update(out, 0, headerLength + 8);
            sendMac.update(body, 0, bodyLength);
            sendMac.doFinal(out, tagOff);
            try {
                ctr.init(Cipher.ENCRYPT_MODE, sendKey, new IvParameterSpec(out, tagOff, 16));
                ctr.doFinal(body, 0, bodyLength, out, tagOff + TAG);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            return tagOff + TAG + bodyLength;
        }

        @Override
        public int open(byte[] in, int headerLength, int length, byte[] out) {
            int ctOff = headerLength + 8 + TAG;
            if (length < ctOff) {
                return FAIL_SHORT;
            }
            if (receiveKey.isDestroyed()) {
                return FAIL_AUTH; // wiped: nothing authenticates any more
            }
            int bodyLength = length - ctOff;
            try {
                ctr.init(Cipher.DECRYPT_MODE, receiveKey, new IvParameterSpec(in, headerLength + 8, 16));
                ctr.doFinal(in, ctOff, bodyLength, out, 0);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            receiveMac.update(in, 0, headerLength + 8);
            receiveMac.update(out, 0, bodyLength);
            receiveMac.doFinal(check, 0);
            if (!Bytes.constantTimeEquals(check, 0, in, headerLength + 8, TAG)) {
                Arrays.fill(out, 0, bodyLength, (byte) 0);
                return FAIL_AUTH;
            }
            openedId = Bytes.getInt(in, headerLength);
            openedTime = Bytes.getInt(in, headerLength + 4);
            return bodyLength;
        }

        @Override
        public void wipe() {
            sendMac.wipe();
            receiveMac.wipe();
            sendKey.destroy();
            receiveKey.destroy();
            // The CTR engine keeps the schedule of the last key it was given.
            WipeableKey.rekeyWithZeros(ctr, Cipher.DECRYPT_MODE, "AES", 32, new IvParameterSpec(new byte[16]));
        }
    }
}
