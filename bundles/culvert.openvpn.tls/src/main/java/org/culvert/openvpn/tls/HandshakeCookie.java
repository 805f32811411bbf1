package org.culvert.openvpn.tls;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.tls.internal.Bytes;
import org.culvert.openvpn.tls.internal.ControlPacket;
import org.culvert.openvpn.tls.internal.ControlWrap;
import org.culvert.openvpn.tls.internal.Hmac;

/**
 * A UDP server's stateless three-way handshake (OpenVPN 2.6's {@code do_pre_decrypt_check},
 * {@code tls_reset_standalone}, {@code calculate_session_id_hmac}, {@code check_session_id_hmac};
 * facts sheet §5.2): a packet from an address no client instance has is {@link #screen screened}
 * without keeping any state.
 * <ul>
 *   <li>A valid {@code P_CONTROL_HARD_RESET_CLIENT_V2} (key_id 0, message id 0, no ACKs, passing
 *       tls-auth/tls-crypt) gets {@link Action#REPLY}: a {@code P_CONTROL_HARD_RESET_SERVER_V2} with one
 *       ACK of id 0 for the client's session id, message id 0 and wrapper packet-id 1, whose session id
 *       is HMAC-SHA256(random key, time slot ‖ client address ‖ client session id)[0..8), the slot being
 *       seconds / ((hand-window + 1) / 2).</li>
 *   <li>A {@code P_CONTROL_V1} (message id &le; 1) or {@code P_ACK_V1} whose ACK record echoes the
 *       session id of slot t, t−1 or t−2 for that address and client session id gets
 *       {@link Action#ADMIT}: the caller creates the client's instance with
 *       {@link TlsSession#TlsSession(TlsSettings, Clock, SecureRandom, Admission)} from
 *       {@link #admission()} and then feeds it this very packet. The check is done right, unlike
 *       OpenVPN 2.6.14's inverted one (CVE-2025-13086, fixed in 2.6.16).</li>
 *   <li>Anything else is {@link Action#DROP}, counted by {@link DropReason}.</li>
 * </ul>
 * A replayed reset only earns the same reply again (bounding those is the caller's
 * {@code connect-freq-initial}); a replayed third packet from the same address admits again, as in
 * OpenVPN, which is harmless while the instance it made exists.
 *
 * <p>With a tls-crypt-v2 server key the client's packets are {@code P_CONTROL_HARD_RESET_CLIENT_V3}
 * and {@code P_CONTROL_WKC_V1}: the WKc at their end is unwrapped with the server key first, then the
 * packet with the client's key Kc; the reply carries the early-negotiation TLV {@code RESEND_WKC}, so
 * the third packet brings the WKc again and the admission carries Kc and the metadata (for
 * {@code tls-crypt-v2-verify}). A client without early negotiation (OpenVPN 2.5) is dropped
 * ({@link DropReason#NO_EARLY_NEGOTIATION}): {@code allow-noncookie} is not supported yet.
 *
 * <p>Not thread-safe: one thread screens (or the caller serialises). Allocation-free per packet.
 * {@link #close()} wipes the cookie key and the wrapping keys; idempotent.
 *
 * @since 2.2
 */
public final class HandshakeCookie implements AutoCloseable {
    /** What to do with a screened packet. */
    public enum Action {
        /** Send {@code out[0, replyLength())} back to the address; keep nothing. */
        REPLY,
        /** The client proved its address: create its session from {@link #admission()} and feed it the packet. */
        ADMIT,
        /** Drop it; {@link #drops(DropReason)} counted why. */
        DROP
    }

    /** Why a packet was dropped. */
    public enum DropReason {
        /** Shorter than an opcode and session id, or than the wrapping needs. */
        SHORT,
        /** Larger than a control packet can be. */
        OVERSIZED,
        /** Not a client's reset, CONTROL_V1 or ACK_V1 (data, a server's reset, tls-crypt-v2, key method 1). */
        OPCODE,
        /** key_id other than 0. */
        KEY_ID,
        /** Failed the tls-auth HMAC or the tls-crypt tag. */
        WRAP,
        /** The body did not parse (ACK count, truncation), or a reset carried ACKs. */
        MALFORMED,
        /** A reset whose message id is not 0, or a third packet whose message id is above 1. */
        MESSAGE_ID,
        /** A third packet without an ACK record: nothing echoes our session id. */
        NO_ACK,
        /** The echoed session id is not ours for this address, client session id and the last three slots. */
        BAD_COOKIE,
        /** tls-crypt-v2: the client's WKc did not unwrap with the server key (too short or long, wrong tag). */
        BAD_WKC,
        /** tls-crypt-v2: a reset without early negotiation (an OpenVPN 2.5 client; needs allow-noncookie). */
        NO_EARLY_NEGOTIATION
    }

    /**
     * An admitted client: its session ids and, with tls-crypt-v2, its client key Kc and the WKc's
     * metadata (type byte first), which the caller wipes with {@link #wipe()} once its session exists.
     */
    public record Admission(long serverSessionId, long clientSessionId, byte[] tlsCryptV2Kc, byte[] tlsCryptV2Metadata) {
        public Admission(long serverSessionId, long clientSessionId) {
            this(serverSessionId, clientSessionId, null, null);
        }

        /** Overwrites Kc and the metadata. */
        public void wipe() {
            if (tlsCryptV2Kc != null) {
                Arrays.fill(tlsCryptV2Kc, (byte) 0);
            }
            if (tlsCryptV2Metadata != null) {
                Arrays.fill(tlsCryptV2Metadata, (byte) 0);
            }
        }

        @Override
        public String toString() {
            return "Admission[server sid " + Long.toHexString(serverSessionId) + ", client sid "
                    + Long.toHexString(clientSessionId) + (tlsCryptV2Kc != null ? ", tls-crypt-v2" : "") + "]";
        }
    }

    private static final int MAX_CONTROL = 2048;
    private static final int REPLY_BODY = 1 + 4 + 8 + 4;

    private final Clock clock;
    private final ControlWrap wrap;
    /** The tls-crypt-v2 server key, or null. */
    private final byte[] v2ServerKey;
    private final org.culvert.openvpn.crypto.ReplayWindow.Settings replay;
    /** The client key of the packet being screened (tls-crypt-v2), or null. */
    private org.culvert.openvpn.tls.internal.TlsCryptV2.Unwrapped v2Client;
    private final Hmac hmac;
    private final long slotSeconds;
    private final long[] drops = new long[DropReason.values().length];
    private final ControlPacket packet = new ControlPacket();
    private final byte[] body = new byte[MAX_CONTROL];
    private final byte[] header = new byte[ControlWrap.HEADER];
    private final byte[] slotBytes = new byte[8];
    private final byte[] sidBytes = new byte[8];
    private final byte[] mac = new byte[32];
    private final byte[] echoed = new byte[8];
    private final byte[] expected = new byte[8];
    private int replyLength;
    private Admission admission;
    private long replies;
    private long admitted;
    private boolean closed;

    /**
     * @param settings the server's settings (its tls-auth/tls-crypt key and hand-window)
     * @param random the cookie key comes from it (32 bytes, for this server's lifetime)
     */
    public HandshakeCookie(TlsSettings settings, Clock clock, SecureRandom random) {
        Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        byte[] key = new byte[32];
        random.nextBytes(key);
        this.hmac = new Hmac(AuthAlgorithm.SHA256, key, 0, 32);
        Arrays.fill(key, (byte) 0);
        this.slotSeconds = Math.max(1, (settings.handWindow() + 1) / 2);
        this.v2ServerKey = settings.hasTlsCryptV2Server() ? settings.tlsCryptV2ServerKey().clone() : null;
        this.replay = settings.replayWindow();
        if (settings.hasTlsAuth()) {
            wrap = ControlWrap.tlsAuth(settings.tlsAuthKey(), settings.tlsAuthDirection(), settings.auth(),
                    settings.replayWindow(), clock);
        } else if (settings.hasTlsCrypt()) {
            wrap = ControlWrap.tlsCrypt(settings.tlsCryptKey(), true, settings.replayWindow(), clock);
        } else {
            wrap = ControlWrap.none();
        }
    }

    /**
     * Screens {@code packet[0, length)} (opcode byte first) from {@code address} (any stable encoding of
     * the client's IP and port; the same bytes must be given for its later packets).
     *
     * @param out receives the reply on {@link Action#REPLY}; at least 256 bytes
     */
    public Action screen(byte[] packet, int length, byte[] address, byte[] out) {
        admission = null;
        replyLength = 0;
        if (closed) {
            return drop(DropReason.WRAP);
        }
        if (length < ControlWrap.HEADER + 1) {
            return drop(DropReason.SHORT);
        }
        if (length - ControlWrap.HEADER > body.length) {
            return drop(DropReason.OVERSIZED);
        }
        int op = (packet[0] & 0xFF) >>> 3;
        boolean known = v2ServerKey != null
                ? op == ControlPacket.OP_HARD_RESET_CLIENT_V3 || op == ControlPacket.OP_CONTROL_WKC_V1
                : op == ControlPacket.OP_HARD_RESET_CLIENT_V2 || op == ControlPacket.OP_CONTROL_V1 || op == ControlPacket.OP_ACK_V1;
        if (!known) {
            return drop(DropReason.OPCODE);
        }
        if ((packet[0] & 7) != 0) {
            return drop(DropReason.KEY_ID);
        }
        if (v2ServerKey == null) {
            return screenOpened(op, packet, length, wrap, address, out);
        }
        return screenTlsCryptV2(op, packet, length, address, out);
    }

    /** tls-crypt-v2: the WKc (its length in its last 2 bytes) unwraps with the server key, then the rest with Kc. */
    private Action screenTlsCryptV2(int op, byte[] packet, int length, byte[] address, byte[] out) {
        int wkcLength = Bytes.getShort(packet, length - 2);
        if (wkcLength < org.culvert.openvpn.tls.internal.TlsCryptV2.MIN_WKC_LENGTH || wkcLength > length - ControlWrap.HEADER) {
            return drop(DropReason.BAD_WKC);
        }
        try {
            v2Client = org.culvert.openvpn.tls.internal.TlsCryptV2.unwrap(v2ServerKey, packet, length - wkcLength, wkcLength);
        } catch (org.culvert.openvpn.tls.internal.TlsCryptV2.KeyException e) {
            return drop(DropReason.BAD_WKC);
        }
        // Control path only, and only for packets with a WKc made by our server key.
        ControlWrap kc = ControlWrap.tlsCrypt(v2Client.kc(), true, replay, clock);
        try {
            return screenOpened(op == ControlPacket.OP_HARD_RESET_CLIENT_V3 ? ControlPacket.OP_HARD_RESET_CLIENT_V2
                    : ControlPacket.OP_CONTROL_V1, packet, length - wkcLength, kc, address, out);
        } finally {
            kc.wipe();
            v2Client.wipe();
            v2Client = null;
        }
    }

    /** Checks the wrapping with {@code w}, then the reset or the third packet; {@code op} as a v2 client's would be without WKc. */
    private Action screenOpened(int op, byte[] packet, int length, ControlWrap w, byte[] address, byte[] out) {
        int n = w.open(packet, ControlWrap.HEADER, length, body);
        if (n == ControlWrap.FAIL_SHORT) {
            return drop(DropReason.SHORT);
        }
        if (n < 0) {
            return drop(DropReason.WRAP);
        }
        this.packet.parseHeader(packet, length);
        if (!this.packet.parseBody(body, n)) {
            return drop(DropReason.MALFORMED);
        }
        long clientSid = this.packet.sessionId;
        long slot = slot();
        if (op == ControlPacket.OP_HARD_RESET_CLIENT_V2) {
            if (this.packet.ackCount != 0) {
                return drop(DropReason.MALFORMED);
            }
            if (this.packet.messageId != 0) {
                return drop(DropReason.MESSAGE_ID); // OpenVPN 2.6.22 ignores such resets
            }
            if (v2Client != null && w.openedPacketId() < ControlWrap.EARLY_NEG_START) {
                return drop(DropReason.NO_EARLY_NEGOTIATION);
            }
            return reply(w, sessionId(slot, address, clientSid), clientSid, out);
        }
        if (op == ControlPacket.OP_CONTROL_V1 && this.packet.messageId > 1) {
            return drop(DropReason.MESSAGE_ID); // OpenVPN 2.6.15: packet 3 carries id 0 or 1
        }
        if (this.packet.ackCount == 0) {
            return drop(DropReason.NO_ACK);
        }
        Bytes.putLong(echoed, 0, this.packet.ackRemoteSessionId);
        boolean match = false;
        for (int back = 0; back <= 2; back++) {
            Bytes.putLong(expected, 0, sessionId(slot - back, address, clientSid));
            match |= Bytes.constantTimeEquals(echoed, 0, expected, 0, 8);
        }
        if (!match) {
            return drop(DropReason.BAD_COOKIE);
        }
        admission = v2Client == null ? new Admission(this.packet.ackRemoteSessionId, clientSid)
                : new Admission(this.packet.ackRemoteSessionId, clientSid, v2Client.kc().clone(),
                        v2Client.metadata().clone());
        admitted++;
        return Action.ADMIT;
    }

    /** The reply's length after {@link Action#REPLY}; 0 otherwise. */
    public int replyLength() {
        return replyLength;
    }

    /** The admitted client's session ids after {@link Action#ADMIT}; null otherwise. */
    public Admission admission() {
        return admission;
    }

    /** Packets dropped for {@code reason} so far. */
    public long drops(DropReason reason) {
        return drops[reason.ordinal()];
    }

    /** Resets answered so far. */
    public long replies() {
        return replies;
    }

    /** Clients admitted so far. */
    public long admitted() {
        return admitted;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            hmac.wipe();
            wrap.wipe();
            if (v2ServerKey != null) {
                Arrays.fill(v2ServerKey, (byte) 0);
            }
        }
    }

    private long slot() {
        return clock.monotonicMillis() / 1000 / slotSeconds;
    }

    private long sessionId(long slot, byte[] address, long clientSid) {
        Bytes.putLong(slotBytes, 0, slot);
        Bytes.putLong(sidBytes, 0, clientSid);
        hmac.update(slotBytes, 0, 8);
        hmac.update(address, 0, address.length);
        hmac.update(sidBytes, 0, 8);
        hmac.doFinal(mac, 0);
        long sid = Bytes.getLong(mac, 0);
        return sid == 0 ? 1 : sid; // 0 means "none" to a control session
    }

    private Action reply(ControlWrap w, long serverSid, long clientSid, byte[] out) {
        header[0] = (byte) (ControlPacket.OP_HARD_RESET_SERVER_V2 << 3);
        Bytes.putLong(header, 1, serverSid);
        body[0] = 1;
        Bytes.putInt(body, 1, 0);
        Bytes.putLong(body, 5, clientSid);
        Bytes.putInt(body, 13, 0);
        int bodyLength = REPLY_BODY;
        if (v2Client != null) {
            // Early negotiation: TLV EARLY_NEG_FLAGS (1), length 2, RESEND_WKC (1).
            Bytes.putShort(body, bodyLength, 1);
            Bytes.putShort(body, bodyLength + 2, 2);
            Bytes.putShort(body, bodyLength + 4, 1);
            bodyLength += 6;
        }
        int n = w.wrapWithPacketId(1, clock.unixSeconds(), header, ControlWrap.HEADER, body, bodyLength, out);
        Arrays.fill(body, 0, bodyLength, (byte) 0);
        if (n <= 0) {
            return drop(DropReason.WRAP);
        }
        replyLength = n;
        replies++;
        return Action.REPLY;
    }

    private Action drop(DropReason reason) {
        drops[reason.ordinal()]++;
        return Action.DROP;
    }
}
