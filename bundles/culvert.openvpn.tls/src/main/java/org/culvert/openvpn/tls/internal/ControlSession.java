package org.culvert.openvpn.tls.internal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.session.OccStrings;
import org.culvert.openvpn.tls.DataCipher;
import org.culvert.openvpn.tls.TlsFailure;
import org.culvert.openvpn.crypto.Verdict;

/**
 * One OpenVPN control session (a {@code tls_session}): the pair of session ids, the control-channel
 * wrapping, the primary key state and up to two retired ("lame duck") ones, driven as OpenVPN's
 * {@code tls_process} does:
 * hard or soft reset, three-way reset handshake, a fresh TLS session per key_id carried in
 * {@code P_CONTROL_V1} payloads, key method 2, data-key derivation, and renegotiation by either side.
 *
 * <p>The first key (key_id 0) also settles the point-to-point negotiation from the peer's
 * {@code IV_PROTO} and {@code IV_CIPHERS}: the data cipher, {@code P_DATA_V2} and its peer-id, key
 * export (else the TLS 1.0 PRF), control-channel exit notification and dynamic tls-crypt for
 * renegotiations.
 *
 * <p>I/O-free: {@link #receive} takes a control packet, {@link #poll} produces the next one to send,
 * {@link #tick} runs the timers. Control path only (it may allocate); loop thread only.
 */
public final class ControlSession {
    static final String EKM_DATA_KEYS = "EXPORTER-OpenVPN-datakeys";
    static final String EKM_PEER_ID = "EXPORTER-OpenVPN-p2p-peerid";
    static final String EKM_DYNAMIC_TLS_CRYPT = "EXPORTER-OpenVPN-dynamic-tls-crypt";
    /** OpenVPN's CONTROL_SEND_ACK_MAX: ACKs piggy-backed on a control packet. */
    private static final int CONTROL_ACKS = 4;
    private static final int MAX_PLAINTEXT = 64 * 1024;
    private static final int MAX_CONTROL_MESSAGE = 2048;

    private final SessionConfig cfg;
    private final Clock clock;
    private final SecureRandom random;
    private final IvSource ivs;
    private final DataScratch scratch;
    private final long localSid;
    private final ControlWrap wrap;
    private final SeenResets seenResets;
    private ControlWrap renegWrap;
    private long remoteSid;
    private boolean remoteKnown;
    private KeyState primary;
    /** Retired keys, newest first: still decrypted, and used to send until the newer key is trusted. */
    private KeyState retired0;
    private KeyState retired1;
    private int renegotiationRetries;
    private TlsFailure failure;
    private Negotiation negotiation;
    private boolean keyed;
    private int renegotiations;
    private int wrapFailures;
    private long authenticated;
    /** The peer acknowledged one of our packets (see {@link #answered()}). */
    private boolean answered;
    private boolean keyMethod1Seen;
    private long attemptStart = Long.MIN_VALUE;
    private long lastValidControl;
    private boolean peerExit;
    /** The --auth-user-pass credentials a client sends in each key-method-2 message, or null for none. */
    private org.culvert.openvpn.tls.UserPassSource userPass;
    private org.culvert.openvpn.tls.AuthFailed authFailed;
    /** The username in the peer's newest key-method-2 message (a server learns the client's here). */
    private String peerUsername = "";
    private final Deque<byte[]> outgoingMessages = new ArrayDeque<>();
    /** Pull mode: who reads the server's PUSH_ messages; null outside pull mode or until set. */
    private PullClient pullClient;
    /** Pull mode: key 0's key method 2 is done and PUSH_REQUESTs go out until the final PUSH_REPLY. */
    private boolean awaitingPush;
    /** Pull mode: the final PUSH_REPLY was applied; key 0 waits for {@link #completePull}. */
    private boolean pushComplete;
    private long nextPushRequest = Long.MAX_VALUE;
    /** Server mode: the pull as the server sees it; null otherwise. */
    private final PushServer pushServer;
    /** OpenVPN's push_request_interval: PUSH_REQUEST every 5 s until the reply. */
    static final long PUSH_REQUEST_INTERVAL_MILLIS = 5000;
    /**
     * OpenVPN looks for an established connection once a second (forward.c check_connection_established)
     * and only then sets GET_CONFIG and sends its first PUSH_REQUEST; a 2.6 server pushes unasked
     * meanwhile (IV_PROTO_REQUEST_PUSH), and then neither happens.
     */
    static final long FIRST_PUSH_REQUEST_DELAY_MILLIS = 1000;
    /** The first PUSH_REQUEST is out (GET_CONFIG was told). */
    private boolean pushRequested;
    private final ControlPacket packet = new ControlPacket();
    private final byte[] body = new byte[4096];
    private final byte[] header = new byte[ControlWrap.HEADER];
    private final byte[] chunk;

    /** The settled point-to-point negotiation (from the key_id 0 exchange). */
    public record Negotiation(DataCipher cipher, boolean ekm, boolean dataV2, int peerId, boolean ccExit,
            boolean dynamicTlsCrypt, String peerInfo, String optionsWarning, PeerVerifier.PeerIdentity peer) {
    }

    public ControlSession(SessionConfig cfg, Clock clock, SecureRandom random, IvSource ivs, DataScratch scratch) {
        this(cfg, clock, random, ivs, scratch, 0, null);
    }

    /**
     * @param localSid our session id, or 0 for a random one; a session that re-binds to another peer
     *        session id keeps ours, as OpenVPN's TM_INITIAL slot keeps its session_id when a new
     *        reset overwrites session_id_remote
     * @param seenResets the hard resets accepted by every session of one {@code TlsSession} (see
     *        {@link #receive}), or null
     */
    public ControlSession(SessionConfig cfg, Clock clock, SecureRandom random, IvSource ivs, DataScratch scratch,
            long localSid, SeenResets seenResets) {
        this(cfg, clock, random, ivs, scratch, localSid, seenResets, 0);
    }

    /**
     * A server session for a client that completed the stateless three-way handshake (OpenVPN's
     * {@code session_skip_to_pre_start}): our reset (message id 0, sent statelessly under
     * {@code localSid} with wrapper packet-id 1) counts as sent and acknowledged, the client's reset
     * (its message id 0) as received, so the session expects message id 1 and its wrapper's
     * packet-ids continue at 2. The caller then feeds it the packet that completed the handshake.
     */
    public static ControlSession afterCookie(SessionConfig cfg, Clock clock, SecureRandom random, IvSource ivs,
            DataScratch scratch, long localSid, long remoteSid, SeenResets seenResets) {
        if (!cfg.server || localSid == 0) {
            throw new IllegalArgumentException("a stateless handshake is a server's, with the session id it sent");
        }
        ControlSession s = new ControlSession(cfg, clock, random, ivs, scratch, localSid, seenResets, 1);
        s.skipToPreStart(remoteSid);
        return s;
    }

    private ControlSession(SessionConfig cfg, Clock clock, SecureRandom random, IvSource ivs, DataScratch scratch,
            long localSid, SeenResets seenResets, long lastSentWrapId) {
        this.seenResets = seenResets;
        this.cfg = cfg;
        this.clock = clock;
        this.random = random;
        this.ivs = ivs;
        this.scratch = scratch;
        this.wrap = cfg.newWrap(clock, lastSentWrapId);
        this.pushServer = cfg.serverMode ? new PushServer(this, clock) : null;
        this.chunk = new byte[cfg.maxControlPayload];
        long sid = localSid;
        while (sid == 0) {
            sid = random.nextLong();
        }
        this.localSid = sid;
        long now = clock.monotonicMillis();
        this.lastValidControl = now;
        if (!cfg.server || cfg.serverSendsFirst) {
            primary = new KeyState(0, cfg.server ? ControlPacket.OP_HARD_RESET_SERVER_V2
                    : cfg.tlsCryptV2Wkc != null ? ControlPacket.OP_HARD_RESET_CLIENT_V3 : ControlPacket.OP_HARD_RESET_CLIENT_V2,
                    cfg.tlsTimeoutMillis);
            attemptStart = now;
        }
    }

    private void skipToPreStart(long remote) {
        long now = clock.monotonicMillis();
        remoteSid = remote;
        remoteKnown = true;
        answered = true; // the client echoed our stateless session id: it receives what we send
        attemptStart = now;
        primary = new KeyState(0, ControlPacket.OP_HARD_RESET_SERVER_V2, cfg.tlsTimeoutMillis);
        process(now); // queues our reset as message id 0 ...
        primary.send.acknowledge(0); // ... which the client already acknowledged
        primary.receive.offer(0, ControlPacket.OP_HARD_RESET_CLIENT_V2, body, 0, 0); // its reset, ACKed statelessly
        process(now);
    }

    // ------------------------------------------------------------------ inputs

    /**
     * Processes one control packet {@code wire[0, length)} (opcode byte first). Wrapping is checked
     * before anything else is believed.
     *
     * @return OK if it was authentic and accepted, else why it was dropped
     */
    public Verdict receive(byte[] wire, int length) {
        long now = clock.monotonicMillis();
        if (attemptStart == Long.MIN_VALUE) {
            attemptStart = now;
        }
        int op = length > 0 ? (wire[0] & 0xFF) >>> 3 : 0;
        if (op == ControlPacket.OP_HARD_RESET_CLIENT_V1 || op == ControlPacket.OP_HARD_RESET_SERVER_V1) {
            if (!remoteKnown && failure == null && plausibleKeyMethod1Reset(wire, length)) {
                keyMethod1Seen = true;
                if (wrap.kind() != ControlWrap.Kind.NONE) {
                    // Authentic under tls-auth/tls-crypt, so it is the peer: say so at once.
                    fail(new TlsFailure(TlsFailure.Reason.KEY_METHOD_1, "the peer tried key method 1"
                            + " (P_CONTROL_HARD_RESET_*_V1), which OpenVPN 2.6 and Culvert no longer support;"
                            + " the peer must use key method 2"));
                }
                // Without a wrapper anyone can send one, and failing at once would let a forger end a
                // session waiting for its peer. OpenVPN drops it ("Peer tried unsupported key-method
                // 1"); so do we, and name it at the --hand-window timeout if no peer answered.
            }
            return Verdict.UNKNOWN_OPCODE;
        }
        if (op == ControlPacket.OP_CONTROL_WKC_V1 && cfg.tlsCryptV2Server && length > ControlWrap.HEADER + 2) {
            // A tls-crypt-v2 client repeats its WKc (our cookie reply asked for it): the packet is a
            // P_CONTROL_V1 followed by the WKc in clear, whose length ends it. The session already
            // has this client's Kc, so the WKc is only skipped (OpenVPN treats later ones so too).
            int wkcLength = Bytes.getShort(wire, length - 2);
            if (wkcLength < TlsCryptV2.MIN_WKC_LENGTH || wkcLength > length - ControlWrap.HEADER) {
                return Verdict.MALFORMED_CONTROL;
            }
            length -= wkcLength;
            op = ControlPacket.OP_CONTROL_V1;
        } else if (!ControlPacket.isControl(op) || op == ControlPacket.OP_HARD_RESET_CLIENT_V3
                || op == ControlPacket.OP_CONTROL_WKC_V1) {
            // Only a tls-crypt-v2 server's sessions read WKC_V1; Culvert's client sends these and
            // never receives them, so here they cannot be authentic.
            return Verdict.UNKNOWN_OPCODE;
        }
        if (failure != null) {
            return Verdict.SESSION_CLOSED;
        }
        if (length - ControlWrap.HEADER > body.length) {
            return Verdict.OVERSIZED; // OpenVPN: "Incoming control channel packet too big"
        }
        if (!packet.parseHeader(wire, length)) {
            return Verdict.MALFORMED_CONTROL;
        }
        boolean reset = ControlPacket.isHardResetV2(op);
        if (reset && (op == ControlPacket.OP_HARD_RESET_CLIENT_V2) != cfg.server) {
            return Verdict.MALFORMED_CONTROL; // client->client or server->server
        }
        if (remoteKnown ? packet.sessionId != remoteSid : !reset || packet.keyId != 0) {
            return Verdict.WRONG_SESSION;
        }
        ControlWrap w = wrapFor(packet.keyId);
        int bodyLength = w.unwrap(wire, ControlWrap.HEADER, length, body);
        if (bodyLength < 0) {
            return wrapVerdict(w, bodyLength);
        }
        if (!packet.parseBody(body, bodyLength)) {
            return Verdict.MALFORMED_CONTROL;
        }
        if (packet.ackCount > 0 && packet.ackRemoteSessionId != localSid) {
            return Verdict.MALFORMED_CONTROL;
        }
        if (reset && seenResets != null && w.kind() != ControlWrap.Kind.NONE
                && !seenResets.firstSighting(w.lastPacketId(), w.lastPacketTime())) {
            // OpenVPN 2.6 checks the wrapper's packet-id per tls_session only (tls_session_init gives
            // each session a fresh window), so a reset replayed after the session it opened is gone
            // reaches a fresh TM_INITIAL session there. We are stricter: a reset any session of this
            // run accepted is refused whichever session it meets.
            return Verdict.CONTROL_REPLAY;
        }
        authenticated++;
        if (packet.ackCount > 0) {
            answered = true;
        }
        lastValidControl = now;
        if (!remoteKnown) {
            remoteSid = packet.sessionId;
            remoteKnown = true;
            if (cfg.server && primary == null) {
                primary = new KeyState(0, ControlPacket.OP_HARD_RESET_SERVER_V2, cfg.tlsTimeoutMillis);
            } else {
                // The peer showed up: resend anything outstanding at once (OpenVPN's "burst").
                primary.send.scheduleNow(now);
            }
        }
        if (op == ControlPacket.OP_SOFT_RESET_V1 && packet.keyId == nextKeyId(primary.keyId)
                && (primary.phase == KeyState.Phase.ACTIVE || primary.data != null)) {
            if (primary.phase != KeyState.Phase.ACTIVE) {
                // The peer only renegotiates from an active key, so it holds this one even though
                // our last ACKs have not reached us back yet: the key is good for sending.
                activate(primary, now);
            }
            softReset(now);
        }
        KeyState ks = primary;
        if (packet.keyId != ks.keyId) {
            return Verdict.WRONG_SESSION; // "local/remote key IDs out of sync"
        }
        for (int i = 0; i < packet.ackCount; i++) {
            ks.send.acknowledge(packet.acks[i]);
        }
        if (op != ControlPacket.OP_ACK_V1 && !(reset && packet.messageId != 0)) {
            ReliableReceive.Offer offer = ks.receive.offer(packet.messageId, op, body, packet.payloadOffset,
                    packet.payloadLength);
            if (offer != ReliableReceive.Offer.BEYOND_WINDOW) {
                ks.acks.acknowledge(packet.messageId);
            }
        }
        process(now);
        return Verdict.OK;
    }

    /**
     * Writes the next control packet to send into {@code out} (at least 2048 bytes): a due
     * (re)transmission carrying up to 4 ACKs, else a bare {@code P_ACK_V1}.
     *
     * @return its length, or 0 if there is nothing to send
     */
    public int poll(byte[] out) {
        long now = clock.monotonicMillis();
        process(now);
        KeyState ks = primary;
        if (ks == null) {
            return 0;
        }
        ControlWrap w = wrapFor(ks.keyId);
        // OpenVPN caps ACK records at 4 for SoftEther in this one configuration.
        int maxAcks = w.kind() == ControlWrap.Kind.NONE && !cfg.server && (negotiation == null || !negotiation.ekm())
                ? CONTROL_ACKS : AckState.MAX;
        if (remoteKnown && ks.acks.hasPending() && needsWkc(ks) && ks.send.due(now) == null) {
            // OpenVPN: an ACK while the WKc is owed goes in an empty P_CONTROL_WKC_V1, which is
            // retransmitted until acknowledged, never in a P_ACK_V1 that could be lost.
            ks.send.queue(ControlPacket.OP_CONTROL_WKC_V1, body, 0, 0, now);
        }
        ReliableSend.Entry e = ks.send.due(now);
        if (e != null) {
            int n = writeAcks(ks, Math.min(CONTROL_ACKS, maxAcks));
            Bytes.putInt(body, n, e.id());
            n += 4;
            System.arraycopy(e.payload(), 0, body, n, e.length());
            n += e.length();
            int length = wrapInto(w, e.opcode(), ks.keyId, n, out);
            if (length < 0) {
                return 0;
            }
            ks.send.sent(e, now);
            return length;
        }
        if (remoteKnown && ks.acks.hasPending()) {
            int n = writeAcks(ks, maxAcks);
            int length = wrapInto(w, ControlPacket.OP_ACK_V1, ks.keyId, n, out);
            return Math.max(length, 0);
        }
        return 0;
    }

    /** Runs the timers: handshake deadline, renegotiation triggers, lame-duck expiry. */
    public void tick() {
        long now = clock.monotonicMillis();
        if (failure != null) {
            return;
        }
        process(now);
        if (failure != null) {
            return;
        }
        if (awaitingPush && now >= nextPushRequest) {
            if (!pushRequested && pullClient != null) {
                pullClient.gettingConfig(); // client state GET_CONFIG, once per session
            }
            pushRequested = true;
            sendControlMessage("PUSH_REQUEST");
            nextPushRequest = now + PUSH_REQUEST_INTERVAL_MILLIS;
        }
        KeyState ks = primary;
        if (ks != null && ks.phase != KeyState.Phase.ACTIVE && ks.phase != KeyState.Phase.INITIAL
                && now >= ks.mustNegotiate) {
            if (ks.keyId != 0 && usableRetiredKey(now)) {
                // A renegotiation ran out of time, but the previous key still works: keep the tunnel
                // and start over with the next key_id instead of failing (OpenVPN keeps its lame duck
                // and renegotiates in a fresh session; a soft reset achieves the same without one).
                renegotiationRetries++;
                softReset(now);
                process(now);
                return;
            }
            failTimeout();
            return;
        }
        if (ks == null && attemptStart != Long.MIN_VALUE && now >= attemptStart + cfg.handWindowMillis) {
            failTimeout();
            return;
        }
        if (ks != null && ks.phase == KeyState.Phase.ACTIVE && renegotiationDue(ks, now)) {
            softReset(now);
            process(now);
        }
        if (retired1 != null && now >= retired1.mustDie) {
            retired1.close();
            retired1 = null;
        }
        if (retired0 != null && now >= retired0.mustDie) {
            retired0.close();
            retired0 = retired1;
            retired1 = null;
        }
    }

    /** When {@link #tick} or {@link #poll} next has work; {@code Long.MAX_VALUE} if never. */
    public long nextTimer() {
        if (failure != null) {
            return Long.MAX_VALUE;
        }
        long next = awaitingPush ? nextPushRequest : Long.MAX_VALUE;
        KeyState ks = primary;
        if (ks != null) {
            if (ks.phase == KeyState.Phase.INITIAL || (remoteKnown && ks.acks.hasPending())) {
                return clock.monotonicMillis();
            }
            next = Math.min(next, ks.send.nextDeadline());
            if (ks.phase != KeyState.Phase.ACTIVE) {
                next = Math.min(next, ks.mustNegotiate);
            } else {
                long now = clock.monotonicMillis();
                if (renegotiationDue(ks, now)) {
                    return now; // a byte, packet or packet-id limit was reached by traffic
                }
                if (cfg.renegMillis > 0) {
                    next = Math.min(next, Math.max(ks.established + cfg.renegMillis,
                            ks.peerUsed ? 0 : ks.handshakeStart + cfg.handWindowMillis));
                }
                if ((cfg.renegBytes > 0 && ks.bytes >= cfg.renegBytes)
                        || (cfg.renegPackets > 0 && ks.packets >= cfg.renegPackets)) {
                    next = Math.min(next, ks.handshakeStart + cfg.handWindowMillis);
                }
            }
        } else if (attemptStart != Long.MIN_VALUE) {
            next = Math.min(next, attemptStart + cfg.handWindowMillis);
        }
        if (retired0 != null) {
            next = Math.min(next, retired0.mustDie);
        }
        if (retired1 != null) {
            next = Math.min(next, retired1.mustDie);
        }
        return next;
    }

    /** Starts a renegotiation now (as if a --reneg-* limit was reached), if the primary key is active. */
    public boolean renegotiate() {
        if (failure == null && primary != null && primary.phase == KeyState.Phase.ACTIVE) {
            softReset(clock.monotonicMillis());
            process(clock.monotonicMillis());
            return true;
        }
        return false;
    }

    /** Pull mode: who reads the server's PUSH_ and INFO messages (set before the first packet). */
    public void pullClient(PullClient client) {
        this.pullClient = client;
    }

    /** Pull mode: true once the final PUSH_REPLY was applied and key 0 waits for {@link #completePull}. */
    public boolean pushComplete() {
        return pushComplete && !keyed && failure == null;
    }

    /**
     * Pull mode, after the final PUSH_REPLY and once the tunnel device is up: keys key 0 with what the
     * server pushed, as OpenVPN's tls_session_update_crypto_params and the deferred key generation do.
     * Without a pushed cipher the server's OCC cipher is taken if listed, else the fallback.
     *
     * @param cipher the pushed cipher name (already checked against --data-ciphers), or null
     * @param peerId the pushed peer-id, or -1 for none (then P_DATA_V1)
     */
    public void completePull(String cipher, int peerId, boolean ekm, boolean ccExit, boolean dynTlsCrypt) {
        KeyState ks = primary;
        if (!pushComplete || keyed || failure != null || ks == null || ks.peerKm2 == null || ks.tls == null) {
            return;
        }
        DataCipher chosen = cipher == null ? null : DataCipher.lookup(cipher);
        if (chosen == null && cipher == null) {
            DataCipher occ = P2pNegotiation.occCipher(ks.peerKm2.options);
            chosen = occ != null && cfg.dataCiphers.contains(occ) ? occ : cfg.fallback;
        }
        if (chosen == null) {
            fail(new TlsFailure(TlsFailure.Reason.PUSH_FAILED, "no usable data cipher: the server pushed "
                    + (cipher == null ? "none and its OCC cipher is not in --data-ciphers" : "'" + P2pNegotiation.shown(cipher) + "'")));
            return;
        }
        if (ekm && !ks.tls.canExport()) {
            fail(new TlsFailure(TlsFailure.Reason.KEY_DERIVATION_FAILED, "the server pushed key-derivation tls-ekm,"
                    + " but this TLS session cannot export keying material"));
            return;
        }
        negotiation = new Negotiation(chosen, ekm, peerId >= 0, peerId >= 0 ? peerId : 0xFFFFFF, ccExit,
                dynTlsCrypt && ekm, P2pNegotiation.shown(ks.peerKm2.peerInfo), OccStrings.mismatch(cfg.expectedRemoteOptions,
                ks.peerKm2.options), ks.tls.peer());
        deriveKeys(ks);
        process(clock.monotonicMillis());
    }

    /** Queues a NUL-terminated control message (e.g. {@code EXIT}) for the peer, sent once key method 2 is done. */
    public void sendControlMessage(String message) {
        queueControlMessage(message);
        process(clock.monotonicMillis());
    }

    /** Queues without processing: safe from inside {@link #process} (key exchange writes the queue after reading). */
    void queueControlMessage(String message) {
        byte[] text = message.getBytes(StandardCharsets.US_ASCII);
        outgoingMessages.add(Arrays.copyOf(text, text.length + 1));
    }

    /** The credentials a client writes into each key-method-2 message from now on; null for empty ones. */
    public void userPass(org.culvert.openvpn.tls.UserPassSource source) {
        this.userPass = source;
    }

    /**
     * The server's AUTH_FAILED: this session is over (OpenVPN restarts or exits, as --auth-retry says).
     * Kept even when the session already failed in the same step (a cipher the server never offered):
     * the server's verdict on the credentials is what the user must act on.
     */
    private void authFailed(org.culvert.openvpn.tls.AuthFailed message) {
        if (authFailed == null) {
            authFailed = message;
        }
        fail(new TlsFailure(TlsFailure.Reason.AUTH_FAILED, "AUTH_FAILED: " + message.describe()));
    }

    // ------------------------------------------------------------------ server mode (see PushServer)

    /** Server mode: the pull as the server sees it; null otherwise. */
    public PushServer pushServer() {
        return pushServer;
    }

    /**
     * Server mode: keys key 0 with what the caller chose for the client whose key-method-2 message is
     * {@code km2} (the server's keys exist before its PUSH_REPLY, as in OpenVPN).
     *
     * @return false if key 0 cannot be keyed now (already keyed, failed, no TLS session yet)
     */
    boolean keyClient(DataCipher cipher, int peerId, boolean ekm, boolean ccExit, boolean dynTlsCrypt, KeyMethod2 km2) {
        KeyState ks = primary;
        if (negotiation != null || failure != null || ks == null || ks.keyId != 0 || ks.tls == null) {
            return false;
        }
        if (ekm && !ks.tls.canExport()) {
            fail(new TlsFailure(TlsFailure.Reason.KEY_DERIVATION_FAILED, "tls-ekm was chosen for the client, but this"
                    + " TLS session cannot export keying material"));
            return false;
        }
        negotiation = new Negotiation(cipher, ekm, peerId >= 0, peerId >= 0 ? peerId : 0xFFFFFF, ccExit,
                dynTlsCrypt && ekm, P2pNegotiation.shown(km2.peerInfo), OccStrings.mismatch(cfg.expectedRemoteOptions,
                km2.options), ks.tls.peer());
        deriveKeys(ks);
        return failure == null;
    }

    /** Server mode: the session neither failed nor was keyed yet (a decision can still apply). */
    boolean undecided() {
        return failure == null && negotiation == null;
    }

    /** Server mode: the client's control-channel EXIT. */
    void clientExit() {
        peerExit = true;
    }

    /** Runs the state machine now (after a decision queued messages or keyed key 0). */
    void processNow() {
        process(clock.monotonicMillis());
    }

    // ------------------------------------------------------------------ queries

    /** The username the peer sent in its newest key-method-2 message; empty if none. */
    public String peerUsername() {
        return peerUsername;
    }

    /** The server's AUTH_FAILED message, once received; else null. */
    public org.culvert.openvpn.tls.AuthFailed authFailed() {
        return authFailed;
    }

    public TlsFailure failure() {
        return failure;
    }

    /** Whether the first key became active (OpenVPN's "Initialization Sequence Completed"). */
    public boolean keyed() {
        return keyed;
    }

    public Negotiation negotiation() {
        return negotiation;
    }

    public int renegotiations() {
        return renegotiations;
    }

    public boolean remoteKnown() {
        return remoteKnown;
    }

    /**
     * Whether the peer acknowledged one of our packets: it names our random session id, so it
     * receives what we send. A blind forger of resets cannot do this.
     */
    public boolean answered() {
        return answered;
    }

    /**
     * Ends this session after an unexpected exception while handling a packet or a timer: the
     * tunnel restarts softly instead of the exception escaping to the loop.
     */
    public void failInternal(RuntimeException e) {
        fail(new TlsFailure(TlsFailure.Reason.INTERNAL_ERROR, "unexpected " + e.getClass().getSimpleName()
                + " in the TLS engine (a defect); the control session is restarted"));
    }

    public long remoteSessionId() {
        return remoteSid;
    }

    public long localSessionId() {
        return localSid;
    }

    /** Monotonic time of the last authentic control packet (or the session start). */
    public long lastValidControl() {
        return lastValidControl;
    }

    /** True once, after the peer sent the {@code EXIT} control message. */
    public boolean takePeerExit() {
        boolean e = peerExit;
        peerExit = false;
        return e;
    }

    /** The primary key state, or null. */
    public KeyState primary() {
        return primary;
    }

    /**
     * The key to encrypt with, as OpenVPN's {@code tls_select_encryption_key} over its two slots: the
     * primary key, unless it is still within its deferred window and the previous key is past its
     * own, in which case the previous key. "Previous" is the newest retired key that became active
     * (older retired keys are kept for receiving only, so sending never falls back further than a
     * peer holding two keys can follow). A key on which the peer already sent data is used at once.
     * Allocation-free.
     */
    public KeyState sendKey(long now) {
        KeyState selected = null;
        KeyState ks = primary;
        if (ks != null && ks.phase == KeyState.Phase.ACTIVE && ks.data != null) {
            selected = ks;
            if (now >= ks.authDeferredExpire || ks.peerUsed) {
                return ks;
            }
        }
        ks = usable(retired0) ? retired0 : usable(retired1) ? retired1 : null;
        if (ks != null && (selected == null || now >= ks.authDeferredExpire || ks.peerUsed)) {
            return ks;
        }
        return selected;
    }

    private static boolean usable(KeyState ks) {
        return ks != null && ks.phase == KeyState.Phase.ACTIVE && ks.data != null;
    }

    /** The key holding data-channel keys for {@code keyId}, or null. Allocation-free. */
    public KeyState receiveKey(int keyId) {
        KeyState ks = primary;
        if (ks != null && ks.keyId == keyId && ks.data != null) {
            return ks;
        }
        ks = retired0;
        if (ks != null && ks.keyId == keyId && ks.data != null) {
            return ks;
        }
        ks = retired1;
        if (ks != null && ks.keyId == keyId && ks.data != null) {
            return ks;
        }
        return null;
    }

    /** The TLS endpoint of the newest key that completed its handshake (for logging), or null. */
    public TlsEndpoint currentTls() {
        if (primary != null && primary.tls != null && primary.tls.handshakeComplete()) {
            return primary.tls;
        }
        return retired0 != null ? retired0.tls : null;
    }

    /** Debug summary of the key states (no secrets). */
    public String describe() {
        StringBuilder sb = new StringBuilder("wrapFailures=" + wrapFailures + " authenticated=" + authenticated
                + " remoteKnown=" + remoteKnown + " ");
        for (KeyState ks : new KeyState[] {primary, retired0, retired1}) {
            if (ks == null) {
                sb.append("[none]");
                continue;
            }
            sb.append("[kid=").append(ks.keyId).append(' ').append(ks.phase).append(" sendEmpty=").append(ks.send.empty())
                    .append(" sendNext=").append(ks.send.nextId()).append(" recvNext=").append(ks.receive.nextId())
                    .append(" tls=").append(ks.tls == null ? "-" : ks.tls.handshakeComplete() ? "done" : "hs")
                    .append(" km2Sent=").append(ks.km2Sent).append(" peerKm2=").append(ks.peerKm2 != null)
                    .append(" data=").append(ks.data != null).append(" start=").append(ks.handshakeStart)
                    .append(" deadline=").append(ks.mustNegotiate).append(ks.send.describe()).append(" tlsOut=")
                    .append(ks.tls == null ? 0 : ks.tls.availableOutput()).append(']');
        }
        return sb.toString();
    }

    /** Drops all keys and TLS state. Idempotent. */
    public void close() {
        if (primary != null) {
            primary.close();
            primary = null;
        }
        if (retired0 != null) {
            retired0.close();
            retired0 = null;
        }
        if (retired1 != null) {
            retired1.close();
            retired1 = null;
        }
        wrap.wipe();
        if (renegWrap != null) {
            renegWrap.wipe();
        }
        outgoingMessages.clear();
    }

    // ------------------------------------------------------------------ state machine

    private void process(long now) {
        boolean changed = true;
        int guard = 0;
        while (changed && failure == null && primary != null && guard++ < 64) {
            changed = step(primary, now);
        }
    }

    private boolean step(KeyState ks, long now) {
        boolean changed = false;
        if (ks.phase == KeyState.Phase.INITIAL) {
            ks.handshakeStart = now;
            ks.mustNegotiate = now + cfg.handWindowMillis;
            long deferred = cfg.handWindowMillis;
            if (cfg.renegMillis > 0) {
                deferred = Math.min(deferred, cfg.renegMillis / 2);
            }
            ks.authDeferredExpire = now + deferred;
            ks.send.queue(ks.initialOpcode, body, 0, 0, now);
            ks.phase = KeyState.Phase.PRE_START;
            changed = true;
        }
        if (ks.phase == KeyState.Phase.PRE_START && ks.send.empty()) {
            ks.phase = KeyState.Phase.START;
            ks.tls = cfg.server ? TlsEndpoint.server(cfg.profile, cfg.credentials, cfg.verifier, random, cfg.verifyClientCert)
                    : TlsEndpoint.client(cfg.profile, cfg.credentials, cfg.verifier, random);
            if (ks.tls.failure() != null) {
                fail(ks.tls.failure());
                return false;
            }
            changed = true;
        }
        while (ks.receive.ready()) {
            int op = ks.receive.nextOpcode();
            if (ks.receive.nextId() == 0 && (ControlPacket.isHardResetV2(op) || op == ControlPacket.OP_SOFT_RESET_V1)) {
                // A reset's payload is early-negotiation TLVs (tls-crypt-v2), never TLS.
                if (cfg.tlsCryptV2Wkc != null && ControlPacket.isHardResetV2(op)) {
                    ks.resendWkc = EarlyNegotiation.resendWkc(ks.receive.nextPayload(), ks.receive.nextLength());
                }
                ks.receive.advance();
                changed = true;
                continue;
            }
            if (ks.tls == null) {
                break;
            }
            if (!ks.tls.offer(ks.receive.nextPayload(), 0, ks.receive.nextLength())) {
                drainTls(ks, now);
                fail(ks.tls.failure());
                return false;
            }
            ks.receive.advance();
            changed = true;
        }
        if (ks.tls != null && ks.tls.handshakeComplete()) {
            changed |= keyExchange(ks, now);
            if (failure != null) {
                drainTls(ks, now);
                return false;
            }
        }
        if (ks.tls != null) {
            changed |= drainTls(ks, now);
            if (ks.tls.failure() != null) {
                fail(ks.tls.failure());
                return false;
            }
        }
        if (ks.phase == KeyState.Phase.START && ks.data != null && ks.send.empty()) {
            activate(ks, now);
            changed = true;
        }
        return changed;
    }

    /** OpenVPN's S_ACTIVE with keys generated: the key may now be used for sending. */
    private void activate(KeyState ks, long now) {
        ks.phase = KeyState.Phase.ACTIVE;
        ks.established = now;
        if (ks.keyId == 0) {
            keyed = true;
        } else {
            renegotiations++;
        }
    }

    /** Key method 2 and control messages over an established TLS session. */
    private boolean keyExchange(KeyState ks, long now) {
        boolean changed = false;
        if (!cfg.server && !ks.km2Sent) {
            changed |= sendKeyMethod2(ks);
        }
        int available = ks.tls.availableInput();
        if (available > 0) {
            if (ks.plainLength + available > MAX_PLAINTEXT) {
                fail(new TlsFailure(TlsFailure.Reason.PROTOCOL_ERROR, "the peer sent too much unparsed control data"));
                return true;
            }
            if (ks.plain.length < ks.plainLength + available) {
                ks.plain = Arrays.copyOf(ks.plain, Math.max(ks.plain.length * 2, ks.plainLength + available));
            }
            ks.plainLength += ks.tls.read(ks.plain, ks.plainLength, available);
            changed = true;
        }
        if (ks.peerKm2 == null && ks.plainLength > 0) {
            KeyMethod2.Parsed parsed = KeyMethod2.parse(ks.plain, ks.plainLength, cfg.server);
            if (parsed.keyMethod1) {
                fail(new TlsFailure(TlsFailure.Reason.KEY_METHOD_1, "the peer sent a key-method 1 message;"
                        + " OpenVPN 2.6 and Culvert require key method 2"));
                return true;
            }
            if (parsed.error != null) {
                fail(new TlsFailure(TlsFailure.Reason.PROTOCOL_ERROR, "invalid key-method-2 message: " + parsed.error));
                return true;
            }
            if (parsed.message != null) {
                ks.peerKm2 = parsed.message;
                peerUsername = parsed.message.username;
                consumePlain(ks, parsed.consumed);
                changed = true;
            }
        }
        if (cfg.server && ks.peerKm2 != null && !ks.km2Sent) {
            changed |= sendKeyMethod2(ks);
        }
        if (ks.peerKm2 != null && ks.km2Sent && ks.data == null && failure == null) {
            if (cfg.pull && negotiation == null) {
                // Deferred keys: key 0 is keyed with what the server pushes (cipher, peer-id, key
                // derivation), so ask for the push (in a second, then every 5 s) and keep the randoms.
                if (!awaitingPush && !pushComplete) {
                    awaitingPush = true;
                    nextPushRequest = now + FIRST_PUSH_REQUEST_DELAY_MILLIS;
                    changed = true;
                }
            } else if (pushServer != null && negotiation == null) {
                // Server mode: key 0 is keyed with what the caller decides for this client (see acceptClient).
                changed |= pushServer.clientKeyMethod2(ks.peerKm2);
            } else {
                deriveKeys(ks);
                changed = true;
            }
        }
        if (ks.peerKm2 != null) {
            changed |= readControlMessages(ks);
        }
        if (ks.km2Sent && failure == null) {
            while (!outgoingMessages.isEmpty()) {
                byte[] m = outgoingMessages.poll();
                if (!ks.tls.write(m, 0, m.length)) {
                    fail(ks.tls.failure());
                    return true;
                }
                changed = true;
            }
        }
        return changed;
    }

    private boolean sendKeyMethod2(KeyState ks) {
        ks.localKm2 = KeyMethod2.create(!cfg.server, random, cfg.localOptions,
                cfg.peerInfo(cfg.ivProto(ks.tls.canExport())));
        org.culvert.openvpn.tls.UserPassSource credentials = cfg.server ? null : userPass;
        byte[] message;
        if (credentials == null) {
            message = ks.localKm2.encode();
        } else {
            char[] password = credentials.password();
            try {
                message = ks.localKm2.encode(credentials.username(), password);
            } finally {
                Arrays.fill(password, '\0');
            }
        }
        try {
            if (!ks.tls.write(message, 0, message.length)) {
                fail(ks.tls.failure() != null ? ks.tls.failure()
                        : new TlsFailure(TlsFailure.Reason.TLS_ERROR, "cannot write the key-method-2 message"));
                return true;
            }
        } finally {
            Arrays.fill(message, (byte) 0);
        }
        ks.km2Sent = true;
        if (credentials != null) {
            credentials.sent();
        }
        return true;
    }

    /** NUL-separated text messages after key method 2 ({@code EXIT}; others are irrelevant in p2p). */
    private boolean readControlMessages(KeyState ks) {
        boolean changed = false;
        int start = 0;
        for (int i = 0; i < ks.plainLength; i++) {
            if (ks.plain[i] == 0) {
                String message = printableMessage(ks.plain, start, i);
                if (message != null) {
                    controlMessage(ks, message);
                }
                start = i + 1;
                changed = true;
            }
        }
        if (start > 0) {
            consumePlain(ks, start);
        } else if (ks.plainLength > MAX_CONTROL_MESSAGE) {
            // An unterminated message this long is garbage; drop it rather than buffer forever.
            consumePlain(ks, ks.plainLength);
        }
        return changed;
    }

    /**
     * OpenVPN's parse_incoming_control_channel_command: a client matches the prefixes in this order;
     * only EXIT means something outside pull mode.
     */
    private void controlMessage(KeyState ks, String m) {
        if (pushServer != null) {
            pushServer.controlMessage(m);
            return;
        }
        if (!cfg.server && org.culvert.openvpn.tls.AuthFailed.matches(m)) {
            // First in OpenVPN's order; also outside pull mode, where a server may still refuse our credentials.
            authFailed(org.culvert.openvpn.tls.AuthFailed.parse(m));
            return;
        }
        if (!cfg.pull || pullClient == null) {
            if ("EXIT".equals(m)) {
                peerExit = true;
            }
            return;
        }
        if (m.startsWith("PUSH_")) {
            pushMessage(m);
        } else if (m.startsWith("RESTART")) {
            fail(new TlsFailure(TlsFailure.Reason.SERVER_RESTART, "server pushed signal: " + m));
        } else if (m.startsWith("HALT")) {
            fail(new TlsFailure(TlsFailure.Reason.SERVER_HALT, "server pushed signal: " + m));
        } else if (m.startsWith("INFO_PRE") || m.startsWith("INFO")) {
            pullClient.notice(">INFOMSG:" + m.substring(m.indexOf(',') + 1));
        } else if (m.startsWith("AUTH_PENDING")) {
            authPending(ks, m);
        } else if (m.equals("EXIT")) {
            peerExit = true;
        } else {
            pullClient.notice("WARNING: Received unknown control message: " + m);
        }
    }

    private void pushMessage(String m) {
        PullClient.Push result = pullClient.pushMessage(m);
        if (!awaitingPush || pushComplete) {
            return; // a later PUSH_REPLY (a new auth-token) only updates stored values
        }
        if (result == PullClient.Push.COMPLETE) {
            pushComplete = true;
            awaitingPush = false;
            nextPushRequest = Long.MAX_VALUE;
        } else if (result == PullClient.Push.FAILED) {
            fail(new TlsFailure(TlsFailure.Reason.PUSH_FAILED, pullClient.pushFailure()));
        }
    }

    /**
     * AUTH_PENDING[,timeout N]: the server is still deciding (a web login, say); the push deadline
     * becomes the start plus min(N, max(reneg-sec/2, hand-window)), as in OpenVPN's receive_auth_pending.
     */
    private void authPending(KeyState ks, String m) {
        long seconds = cfg.handWindowMillis / 1000;
        int at = m.indexOf("timeout ");
        if (at >= 0) {
            try {
                long n = Long.parseLong(m.substring(at + 8).trim().split("[ ,]")[0]);
                seconds = Math.min(Math.max(n, 0), Math.max(cfg.renegMillis / 2000, cfg.handWindowMillis / 1000));
            } catch (NumberFormatException e) {
                pullClient.notice("WARNING: bad timeout in " + m);
            }
        }
        ks.mustNegotiate = Math.max(ks.mustNegotiate, ks.handshakeStart + seconds * 1000);
        pullClient.notice("AUTH_PENDING received, extending the push deadline to " + seconds + " s");
        pullClient.authPending(m.startsWith("AUTH_PENDING,") ? m.substring(13) : "");
    }

    private static String printableMessage(byte[] b, int from, int to) {
        int end = to;
        while (end > from && (b[end - 1] == '\r' || b[end - 1] == '\n')) {
            end--;
        }
        for (int i = from; i < end; i++) {
            if (b[i] < 0x20 || b[i] >= 0x7F) {
                return null; // OpenVPN drops messages with non-printable characters
            }
        }
        return new String(b, from, end - from, StandardCharsets.US_ASCII);
    }

    private static void consumePlain(KeyState ks, int n) {
        System.arraycopy(ks.plain, n, ks.plain, 0, ks.plainLength - n);
        Arrays.fill(ks.plain, ks.plainLength - n, ks.plainLength, (byte) 0);
        ks.plainLength -= n;
    }

    /** Moves TLS output into the send window as P_CONTROL_V1 messages. */
    private boolean drainTls(KeyState ks, long now) {
        boolean changed = false;
        while (ks.send.available() > 0 && ks.tls.availableOutput() > 0) {
            boolean wkc = needsWkc(ks);
            // The packet that carries the WKc carries that much less TLS, as in OpenVPN.
            int room = wkc ? Math.max(16, chunk.length - cfg.tlsCryptV2Wkc.length) : chunk.length;
            int n = ks.tls.readOutput(chunk, 0, Math.min(room, ks.tls.availableOutput()));
            ks.send.queue(wkc ? ControlPacket.OP_CONTROL_WKC_V1 : ControlPacket.OP_CONTROL_V1, chunk, 0, n, now);
            changed = true;
        }
        return changed;
    }

    private void deriveKeys(KeyState ks) {
        if (negotiation == null) {
            negotiation = P2pNegotiation.negotiate(cfg, ks, this::fail);
            if (negotiation == null) {
                return;
            }
        } else {
            // Later keys keep the first negotiation, as OpenVPN does; only the options warning is refreshed.
            negotiation = P2pNegotiation.withWarning(negotiation, OccStrings.mismatch(cfg.expectedRemoteOptions, ks.peerKm2.options));
        }
        DataCipher cipher = negotiation.cipher();
        byte[] block;
        if (negotiation.ekm()) {
            try {
                block = ks.tls.export(EKM_DATA_KEYS, 256);
            } catch (IllegalStateException e) {
                fail(new TlsFailure(TlsFailure.Reason.KEY_DERIVATION_FAILED, "TLS keying material export failed: "
                        + e.getMessage()));
                return;
            }
        } else {
            KeyMethod2 client = cfg.server ? ks.peerKm2 : ks.localKm2;
            KeyMethod2 server = cfg.server ? ks.localKm2 : ks.peerKm2;
            long clientSid = cfg.server ? remoteSid : localSid;
            long serverSid = cfg.server ? localSid : remoteSid;
            block = Prf.openVpnKeyBlock(client.preMaster, client.random1, server.random1, client.random2,
                    server.random2, clientSid, serverSid);
        }
        try {
            if (Bytes.allZero(block, 0, cipher.keyLength()) || Bytes.allZero(block, 128, cipher.keyLength())) {
                fail(new TlsFailure(TlsFailure.Reason.KEY_DERIVATION_FAILED, "bad dynamic key generated (all zeros)"));
                return;
            }
            ks.data = TlsDataChannel.fromKeyBlock(block, cfg.server, cipher, cfg.auth, cfg.replay, clock, ivs, scratch);
        } finally {
            Arrays.fill(block, (byte) 0);
        }
        ks.localKm2.wipe();
        ks.peerKm2.wipe();
        if (ks.keyId == 0 && negotiation.dynamicTlsCrypt()) {
            if (!ks.tls.canExport()) {
                fail(new TlsFailure(TlsFailure.Reason.KEY_DERIVATION_FAILED, "failed to generate the dynamic"
                        + " tls-crypt key: the TLS session cannot export keying material"));
                return;
            }
            byte[] key2 = ks.tls.export(EKM_DYNAMIC_TLS_CRYPT, 256);
            if (cfg.wrapKey != null) {
                for (int i = 0; i < cfg.wrapKey.length; i++) {
                    key2[i] ^= cfg.wrapKey[i];
                }
            }
            renegWrap = ControlWrap.tlsCrypt(key2, cfg.server, cfg.replay, clock);
            Arrays.fill(key2, (byte) 0);
        }
    }



    private boolean renegotiationDue(KeyState ks, long now) {
        if (ks.data.nearWrap()) {
            return true;
        }
        boolean limit = (cfg.renegMillis > 0 && now >= ks.established + cfg.renegMillis)
                || (cfg.renegBytes > 0 && ks.bytes >= cfg.renegBytes)
                || (cfg.renegPackets > 0 && ks.packets >= cfg.renegPackets);
        // Retiring the current key pushes out the one before it. A peer may keep sending on that
        // older key until its own deferred window (at most --hand-window) has passed, so wait until
        // the peer has used the current key or that long has gone by; otherwise its packets would be
        // dropped. OpenVPN does not wait, and loses data when one side renegotiates much faster.
        return limit && (ks.peerUsed || now >= ks.handshakeStart + cfg.handWindowMillis);
    }

    /**
     * Retires the primary key and starts the next key_id (OpenVPN's key_state_soft_reset). Two retired
     * keys are kept so that a renegotiation that failed half-way (its key known to one side only) does
     * not push out the last key both sides trust; when a third is retired, a key that never became
     * active goes first.
     */
    private void softReset(long now) {
        KeyState old = primary;
        old.mustDie = now + cfg.tranWindowMillis;
        if (retired1 != null) {
            boolean dropOlder = retired1.phase != KeyState.Phase.ACTIVE || retired0.phase == KeyState.Phase.ACTIVE;
            KeyState drop = dropOlder ? retired1 : retired0;
            drop.close();
            if (!dropOlder) {
                retired0 = retired1;
            }
            retired1 = null;
        }
        retired1 = retired0;
        retired0 = old;
        primary = new KeyState(nextKeyId(old.keyId), ControlPacket.OP_SOFT_RESET_V1, cfg.tlsTimeoutMillis);
    }

    private boolean usableRetiredKey(long now) {
        return (retired0 != null && retired0.phase == KeyState.Phase.ACTIVE && now < retired0.mustDie)
                || (retired1 != null && retired1.phase == KeyState.Phase.ACTIVE && now < retired1.mustDie);
    }

    /** Renegotiations abandoned after --hand-window and restarted with the next key_id. */
    public int renegotiationRetries() {
        return renegotiationRetries;
    }

    /** key_ids run 0, 1..7, 1..7, ...: 0 only ever names the first key of a session. */
    static int nextKeyId(int keyId) {
        int next = (keyId + 1) & 7;
        return next == 0 ? 1 : next;
    }

    /**
     * A key-method-1 reset ends the attempt only if it is well-formed and, with tls-auth/tls-crypt,
     * authentic: a stray byte must not be able to end a session that is waiting for its peer.
     */
    private boolean plausibleKeyMethod1Reset(byte[] wire, int length) {
        if (length - ControlWrap.HEADER > body.length || !packet.parseHeader(wire, length) || packet.keyId != 0) {
            return false;
        }
        int n = wrap.unwrap(wire, ControlWrap.HEADER, length, body);
        if (n < 0) {
            if (n == ControlWrap.FAIL_AUTH) {
                wrapFailures++;
            }
            return false;
        }
        return packet.parseBody(body, n) && packet.messageId == 0;
    }

    private ControlWrap wrapFor(int keyId) {
        return keyId > 0 && renegWrap != null ? renegWrap : wrap;
    }

    private int writeAcks(KeyState ks, int max) {
        if (!remoteKnown) {
            body[0] = 0;
            return 1;
        }
        return ks.acks.write(body, 0, max, remoteSid);
    }

    private int wrapInto(ControlWrap w, int opcode, int keyId, int bodyLength, byte[] out) {
        header[0] = (byte) (opcode << 3 | keyId);
        Bytes.putLong(header, 1, localSid);
        int length = w.wrap(header, ControlWrap.HEADER, body, bodyLength, out);
        if (length > 0 && cfg.tlsCryptV2Wkc != null && (opcode == ControlPacket.OP_HARD_RESET_CLIENT_V3
                || opcode == ControlPacket.OP_CONTROL_WKC_V1)) {
            // tls-crypt-v2: the WKc follows the wrapped packet in clear; the server unwraps it first.
            System.arraycopy(cfg.tlsCryptV2Wkc, 0, out, length, cfg.tlsCryptV2Wkc.length);
            length += cfg.tlsCryptV2Wkc.length;
        }
        return length;
    }

    /** OpenVPN's {@code control_packet_needs_wkc}: asked for, and message id 1 not yet queued. */
    private boolean needsWkc(KeyState ks) {
        return ks.resendWkc && ks.send.nextId() == 1;
    }

    private Verdict wrapVerdict(ControlWrap w, int code) {
        switch (code) {
            case ControlWrap.FAIL_AUTH:
                wrapFailures++;
                return w.kind() == ControlWrap.Kind.TLS_CRYPT ? Verdict.TLS_CRYPT_FAILED : Verdict.TLS_AUTH_FAILED;
            case ControlWrap.FAIL_REPLAY:
                return Verdict.CONTROL_REPLAY;
            default:
                // Too short to hold the wrapping: typically a peer that does not wrap at all.
                if (w.kind() != ControlWrap.Kind.NONE) {
                    wrapFailures++;
                }
                return w.kind() == ControlWrap.Kind.TLS_CRYPT ? Verdict.TLS_CRYPT_FAILED
                        : w.kind() == ControlWrap.Kind.TLS_AUTH ? Verdict.TLS_AUTH_FAILED : Verdict.MALFORMED_CONTROL;
        }
    }

    private void failTimeout() {
        fail(P2pNegotiation.timeoutFailure(awaitingPush || pushComplete, cfg.handWindowMillis / 1000, authenticated,
                wrapFailures, wrap.kind(), keyMethod1Seen));
    }

    private void fail(TlsFailure f) {
        if (failure == null) {
            failure = f == null ? new TlsFailure(TlsFailure.Reason.TLS_ERROR, "TLS failed") : f;
        }
    }



}
