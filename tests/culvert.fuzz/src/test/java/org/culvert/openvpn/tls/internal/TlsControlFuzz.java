package org.culvert.openvpn.tls.internal;

import static org.culvert.fuzz.Buffers.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import org.culvert.fuzz.Buffers;
import org.culvert.fuzz.FuzzRun;
import org.culvert.fuzz.Keys;
import org.culvert.openvpn.ManualClock;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.tls.FuzzSettings;
import org.culvert.openvpn.tls.TlsSession;
import org.culvert.openvpn.tls.TlsSettings;
import org.junit.jupiter.api.AfterAll;

/**
 * Control packets into a whole tls-server engine ({@link TlsSession}), under no wrapping,
 * {@code --tls-auth} and {@code --tls-crypt}, holding the key: each input opens with a client hard
 * reset and goes on with control packets built field by field (opcodes and key ids of every kind, the
 * client's or a new session id, ACKs of the server's real or invented message ids naming its real or a
 * wrong session id, message ids in and out of the window, TLS-record-like or raw payloads), wrapped
 * with the client's key so that they pass the HMAC or tag, with timer steps between them.
 *
 * <p>Invariants: {@code decapsulate} never throws (its contract) and gives a verdict with a reason
 * for every drop; everything the server sends back is a control packet that unwraps with the client's
 * key and parses; the engine never reports itself keyed (no TLS handshake can complete from these).
 */
class TlsControlFuzz {
    private static final FuzzRun RUN = new FuzzRun("control packets into the TLS engine (TlsSession, tls-auth/tls-crypt)");
    private static final byte[] KEY = Keys.keyFile(29);
    private static final TlsSettings[] SERVERS = new TlsSettings[3];
    /**
     * One server engine per wrapping, kept across inputs (building one loads its credentials, too slow
     * per input): each input is a new client, with a new session id, as on a real server.
     */
    private static final TlsSession[] ENGINES = new TlsSession[3];
    /** The client's sending wrap per wrapping: one attacker holding the key, its packet-ids only grow. */
    private static final ControlWrap[] SENDERS = new ControlWrap[3];
    /** The client's receiving wrap per server session id (a new server session starts its packet-ids anew). */
    private static final java.util.Map<Long, ControlWrap> RECEIVERS = new java.util.HashMap<>();
    private static final ManualClock CLOCK = new ManualClock(1_800_000_000L);
    private static int engineKind;
    /** Engines built: a failed handshake leaves an engine that takes no new reset, as the loop then restarts it. */
    private static long rebuilt;

    static {
        SERVERS[0] = FuzzSettings.server().build();
        SERVERS[1] = FuzzSettings.server().tlsAuth(KEY, KeyDirection.NORMAL).build();
        SERVERS[2] = FuzzSettings.server().tlsCrypt(KEY).build();
    }

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void tlsControl(FuzzedDataProvider in) throws Exception {
        RUN.run(in, TlsControlFuzz::run);
    }

    private static ControlWrap clientWrap(int kind) {
        return kind == 0 ? ControlWrap.none()
                : kind == 1 ? ControlWrap.tlsAuth(KEY, KeyDirection.INVERSE, AuthAlgorithm.SHA256, ReplayWindow.Settings.DEFAULT, CLOCK)
                : ControlWrap.tlsCrypt(KEY, false, ReplayWindow.Settings.DEFAULT, CLOCK);
    }

    private static void run(FuzzedDataProvider in) throws Exception {
        ManualClock clock = CLOCK;
        int kind = in.consumeInt(0, 2);
        if (ENGINES[kind] == null || ENGINES[kind].state() == TlsSession.State.FAILED) {
            if (ENGINES[kind] != null) {
                ENGINES[kind].close();
                ENGINES[kind].close(); // idempotent
            }
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            // A new seed each time: a rebuilt engine must not repeat an old engine's session ids.
            random.setSeed(++rebuilt);
            ENGINES[kind] = new TlsSession(SERVERS[kind], clock, random);
            SENDERS[kind] = clientWrap(kind);
        }
        engineKind = kind;
        TlsSession server = ENGINES[kind];
        ControlWrap wrap = SENDERS[kind];
        clock.advanceMillis(in.consumeInt(0, 2000));
        long sid = in.consumeLong();
        long serverSid = 0;
        long nextMessageId = 0;
        long serverMessages = 0;
        int steps = in.consumeInt(1, 8);
        for (int step = 0; step < steps && in.remainingBytes() > 0; step++) {
            boolean first = step == 0;
            int op = first ? ControlPacket.OP_HARD_RESET_CLIENT_V2 : in.pickValue(new int[] {ControlPacket.OP_CONTROL_V1,
                ControlPacket.OP_CONTROL_V1, ControlPacket.OP_ACK_V1, ControlPacket.OP_SOFT_RESET_V1,
                ControlPacket.OP_HARD_RESET_CLIENT_V2, ControlPacket.OP_HARD_RESET_CLIENT_V3, in.consumeInt(0, 31)});
            if (!first && in.consumeInt(0, 7) == 0) {
                clock.advanceMillis(in.consumeInt(0, 70_000));
                server.checkTimers();
            }
            byte[] header = new byte[ControlWrap.HEADER];
            header[0] = (byte) (op << 3 | (first || in.consumeBoolean() ? 0 : in.consumeInt(0, 7)));
            Bytes.putLong(header, 1, first || in.consumeBoolean() ? sid : in.consumeLong());
            ByteBuffer body = ByteBuffer.allocate(1 + 4 * 8 + 8 + 4 + 1600);
            int acks = first ? 0 : in.consumeInt(0, 8);
            body.put((byte) acks);
            for (int a = 0; a < acks; a++) {
                body.putInt((int) (in.consumeBoolean() ? in.consumeLong(0, Math.max(serverMessages, 1)) : in.consumeInt()));
            }
            if (acks > 0) {
                body.putLong(in.consumeBoolean() ? serverSid : in.consumeLong());
            }
            if (op != ControlPacket.OP_ACK_V1) {
                long id = first ? 0 : in.consumeBoolean() ? nextMessageId : in.consumeLong(0, 0xFFFF_FFFFL);
                body.putInt((int) id);
                if (id == nextMessageId) {
                    nextMessageId++;
                }
                byte[] payload = in.consumeBytes(in.consumeInt(0, first ? 64 : 600));
                if (!first && in.consumeBoolean() && payload.length >= 5) {
                    // Looks like a TLS record: handshake type, TLS 1.2, a length that may lie.
                    payload[0] = 0x16;
                    payload[1] = 3;
                    payload[2] = 3;
                }
                body.put(payload);
            }
            byte[] wire = new byte[ControlWrap.HEADER + wrap.overhead() + body.position()];
            int length = wrap.wrap(header, ControlWrap.HEADER, body.array(), body.position(), wire);
            check(length == wire.length, "wrap");
            ByteBuffer b = Buffers.slot(wire, 64, 64);
            Incoming r = server.decapsulate(b);
            check(r != null && server.lastVerdict() != null, "no verdict");
            check(r != Incoming.DROP || server.lastVerdict() != org.culvert.openvpn.crypto.Verdict.OK, "DROP without a reason");
            check(server.lastWasData() == (op == ControlPacket.OP_DATA_V1 || op == ControlPacket.OP_DATA_V2), "opcode " + op + " taken for data: " + server.lastWasData());
            // What the server answers.
            ByteBuffer slot = ByteBuffer.allocate(64 + 4096);
            for (int i = 0; i < 16 && server.pollOutgoing(slot, 64); i++) {
                byte[] reply = Buffers.bytes(slot);
                check(ControlPacket.isControl((reply[0] & 0xFF) >>> 3) || (reply[0] & 0xFF) >>> 3 == ControlPacket.OP_HARD_RESET_SERVER_V2,
                        "the server sent opcode " + ((reply[0] & 0xFF) >>> 3) + " before keying");
                byte[] clear = new byte[reply.length];
                ControlPacket p = new ControlPacket();
                check(p.parseHeader(reply, reply.length), "a short control packet");
                ControlWrap receiver = RECEIVERS.computeIfAbsent(kind * 31 + p.sessionId, k -> clientWrap(engineKind));
                int n = receiver.unwrap(reply, ControlWrap.HEADER, reply.length, clear);
                check(n >= 0, "the server's packet does not unwrap with the client's key: " + n);
                check(p.parseBody(clear, n), "the server's packet does not parse");
                serverSid = p.sessionId;
                if (p.opcode != ControlPacket.OP_ACK_V1) {
                    serverMessages = Math.max(serverMessages, p.messageId + 1);
                }
            }
            check(!server.isKeyed(), "keyed without a TLS handshake");
        }
        if (RECEIVERS.size() > 10_000) {
            RECEIVERS.clear();
        }
    }

    @AfterAll
    static void report() {
        RUN.report();
    }
}
