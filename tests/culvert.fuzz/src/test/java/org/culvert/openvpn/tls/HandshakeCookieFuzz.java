package org.culvert.openvpn.tls;

import static org.culvert.fuzz.Buffers.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import org.culvert.fuzz.FuzzRun;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.tls.internal.ControlWrap;
import org.junit.jupiter.api.AfterAll;

/**
 * A server's stateless cookie ({@link HandshakeCookie}) screening packets from unknown addresses,
 * without and with tls-auth: raw bytes, and genuine client resets and third packets built with the
 * real wrapping, then cut or with one byte changed.
 *
 * <p>Invariants: nothing throws; raw bytes are never admitted; a reply is a server reset acking the
 * client's session id; an intact third packet echoing the reply's session id from the same address is
 * admitted with those session ids; changed in its header or ACK record, or from another address, never.
 */
class HandshakeCookieFuzz {
    private static final FuzzRun RUN = new FuzzRun("the server's stateless handshake cookie (HandshakeCookie)");
    private static final byte[] KEY = new byte[256];
    private static final Clock CLOCK = new Clock() {
        @Override
        public long monotonicMillis() {
            return 1_000_000;
        }

        @Override
        public long unixSeconds() {
            return 1_700_000_000L;
        }
    };
    private static final HandshakeCookie PLAIN;
    private static final HandshakeCookie TLS_AUTH;
    private static final org.culvert.openvpn.crypto.AuthAlgorithm DIGEST;

    static {
        for (int i = 0; i < KEY.length; i++) {
            KEY[i] = (byte) (i * 13 + 5);
        }
        PLAIN = new HandshakeCookie(FuzzSettings.server().build(), CLOCK, new SecureRandom());
        TlsSettings withAuth = FuzzSettings.server().tlsAuth(KEY.clone(), KeyDirection.NORMAL).build();
        DIGEST = withAuth.auth();
        TLS_AUTH = new HandshakeCookie(withAuth, CLOCK, new SecureRandom());
    }

    @FuzzTest(maxDuration = "60s", maxExecutions = 100_000)
    void handshakeCookie(FuzzedDataProvider in) throws Exception {
        RUN.run(in, HandshakeCookieFuzz::run);
    }

    @AfterAll
    static void report() {
        RUN.report();
    }

    private static void run(FuzzedDataProvider in) {
        boolean auth = in.consumeBoolean();
        HandshakeCookie cookie = auth ? TLS_AUTH : PLAIN;
        ControlWrap wrap = auth ? ControlWrap.tlsAuth(KEY, KeyDirection.INVERSE,
                DIGEST, ReplayWindow.Settings.DEFAULT, CLOCK) : ControlWrap.none();
        byte[] address = in.consumeBytes(in.consumeInt(0, 18));
        byte[] out = new byte[2048];
        if (in.consumeBoolean()) {
            byte[] raw = in.consumeBytes(in.consumeInt(0, 2100));
            HandshakeCookie.Action a = cookie.screen(raw, raw.length, address, out);
            check(a != HandshakeCookie.Action.ADMIT, "raw bytes admitted");
            if (a == HandshakeCookie.Action.REPLY) {
                checkReply(out, cookie.replyLength(), ByteBuffer.wrap(raw, 1, 8).getLong());
            }
            return;
        }
        long clientSid = in.consumeLong();
        byte[] reset = build(wrap, 7, clientSid, new long[0], 0, 0, new byte[0]);
        HandshakeCookie.Action a = cookie.screen(reset, reset.length, address, out);
        check(a == HandshakeCookie.Action.REPLY, "a genuine reset got " + a);
        checkReply(out, cookie.replyLength(), clientSid);
        long serverSid = ByteBuffer.wrap(out, 1, 8).getLong();
        boolean ack = in.consumeBoolean();
        byte[] third = build(wrap, ack ? 5 : 4, clientSid, new long[] {0}, serverSid, in.consumeInt(0, 1),
                ack ? new byte[0] : in.consumeBytes(in.consumeInt(0, 300)));
        int cut = in.consumeInt(0, third.length);
        int index = in.consumeInt(0, third.length - 1);
        byte flip = in.consumeByte();
        boolean otherAddress = in.consumeBoolean();
        if (cut == third.length && flip == 0 && !otherAddress) {
            check(cookie.screen(third, third.length, address, out) == HandshakeCookie.Action.ADMIT, "intact third packet refused");
            check(cookie.admission().serverSessionId() == serverSid && cookie.admission().clientSessionId() == clientSid,
                    "admitted with other session ids");
            return;
        }
        byte[] bad = java.util.Arrays.copyOf(third, cut);
        if (index < cut) {
            bad[index] ^= flip;
        }
        byte[] from = otherAddress ? java.util.Arrays.copyOf(address, address.length + 1) : address;
        HandshakeCookie.Action r = cookie.screen(bad, bad.length, from, out);
        // tls-auth covers every byte. Without a wrapper only the opcode, the session id and the echoed
        // session id prove anything (the acked id and the payload are not part of the cookie).
        int minimum = ack ? 22 : 26;
        boolean changed = flip != 0 && index < cut;
        // A CONTROL_V1 cut after its ACK record whose opcode byte turned into ACK_V1's is a genuine
        // ACK_V1 third packet (it echoes the cookie): admitting it is right.
        boolean becameAck = !auth && !otherAddress && changed && index == 0 && bad[0] == (byte) (5 << 3) && cut == 22;
        boolean damagedHeader = !becameAck && (otherAddress || cut < (auth ? third.length : minimum)
                || (changed && (auth || index < 10 || (index >= 14 && index < 22))));
        if (damagedHeader) {
            check(r != HandshakeCookie.Action.ADMIT, "a damaged third packet admitted (cut " + cut + ", byte " + index + ")");
        }
    }

    private static void checkReply(byte[] out, int length, long clientSid) {
        check(length > 0 && length <= out.length, "reply length " + length);
        check((out[0] & 0xFF) == 8 << 3, "reply opcode");
    }

    /** A client control packet: header, then ack count, acks, remote sid, message id, payload, wrapped. */
    private static byte[] build(ControlWrap wrap, int op, long sid, long[] acks, long remoteSid, int messageId,
            byte[] payload) {
        byte[] header = new byte[9];
        header[0] = (byte) (op << 3);
        ByteBuffer.wrap(header, 1, 8).putLong(sid);
        ByteBuffer body = ByteBuffer.allocate(1 + 4 * acks.length + 8 + 4 + payload.length);
        body.put((byte) acks.length);
        for (long a : acks) {
            body.putInt((int) a);
        }
        if (acks.length > 0) {
            body.putLong(remoteSid);
        }
        if (op != 5) {
            body.putInt(messageId);
            body.put(payload);
        }
        byte[] b = java.util.Arrays.copyOf(body.array(), body.position());
        byte[] wire = new byte[9 + wrap.overhead() + b.length];
        int n = wrap.wrap(header, 9, b, b.length, wire);
        return java.util.Arrays.copyOf(wire, n);
    }
}
