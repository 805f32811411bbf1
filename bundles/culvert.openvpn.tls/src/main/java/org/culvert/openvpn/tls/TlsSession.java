package org.culvert.openvpn.tls;

import org.culvert.openvpn.crypto.Verdict;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.Keepalive;
import org.culvert.openvpn.session.TimerEvent;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Objects;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.config.Compression;
import org.culvert.openvpn.config.Proto;
import org.culvert.openvpn.config.PushReply;
import org.culvert.openvpn.config.PushedOptions;
import org.culvert.openvpn.session.DataPayload;
import org.culvert.openvpn.session.Decompressor;
import org.culvert.openvpn.session.ExitNotify;
import org.culvert.openvpn.session.MssClamp;
import org.culvert.openvpn.session.OccStrings;
import org.culvert.openvpn.session.PeerEngine;
import org.culvert.openvpn.tls.internal.Bytes;
import org.culvert.openvpn.tls.internal.ControlPacket;
import org.culvert.openvpn.tls.internal.ControlSession;
import org.culvert.openvpn.tls.internal.ControlWrap;
import org.culvert.openvpn.tls.internal.DataScratch;
import org.culvert.openvpn.tls.internal.IvSource;
import org.culvert.openvpn.tls.internal.KeyState;
import org.culvert.openvpn.tls.internal.PeerVerifier;
import org.culvert.openvpn.tls.internal.SeenResets;
import org.culvert.openvpn.tls.internal.SessionConfig;
import org.culvert.openvpn.tls.internal.TlsDataChannel;
import org.culvert.openvpn.tls.internal.TlsEndpoint;

/**
 * The I/O-free OpenVPN 2.6 TLS point-to-point engine for one tunnel run: a {@link PeerEngine}, as
 * {@link org.culvert.openvpn.session.StaticKeySession} is, so the tunnel loop drives either.
 *
 * <p><b>How the loop uses it</b> (one thread, the tunnel's loop thread; the class is not
 * thread-safe):
 * <ul>
 *   <li>Tun packets go through {@link #encapsulate}: sealed in place into {@code P_DATA_V2} (or
 *       {@code P_DATA_V1}) with the current key, or refused with {@link Verdict#NOT_KEYED} before
 *       the first key exists.</li>
 *   <li>Link packets go through {@link #decapsulate}: data packets are opened in place
 *       ({@link Incoming#TUN_PACKET}); control packets (resets, TLS records, ACKs) are handled here
 *       ({@link Incoming#CONSUMED}); the peer's exit announcement gives {@link Incoming#PEER_EXIT}.</li>
 *   <li>After every {@code decapsulate} and whenever {@link #nextTimerMillis()} is reached, the loop
 *       calls {@link #checkTimers()} and then {@link #pollOutgoing} until it returns false, sending
 *       each packet it yields (handshake and renegotiation packets, ACKs, retransmissions, pings,
 *       OCC replies, exit notifications).</li>
 * </ul>
 * {@link #isKeyed()} turning true is OpenVPN's "Initialization Sequence Completed". A failure
 * (certificate rejected, wrong tls-auth key, handshake timeout, ...) makes {@link #checkTimers()}
 * return {@link TimerEvent#HANDSHAKE_FAILED} and {@link #lastError()} say why; the loop should then
 * end this run (OpenVPN restarts with a new session). After a failure no data is accepted or sent.
 *
 * <p><b>Control-channel defences</b>, as OpenVPN 2.6's {@code tls_multi} slots: the session in
 * progress or keyed (TM_ACTIVE) is never replaced by a hard reset with an unknown session id; that
 * opens a session in the untrusted slot (TM_INITIAL), which takes over once keyed. Replayed resets are
 * refused by the tls-auth/tls-crypt packet-id check, which also remembers the resets that earlier
 * sessions of the run accepted. An unexpected exception fails the control session it hit
 * ({@link TlsFailure.Reason#INTERNAL_ERROR}) rather than escaping.
 *
 * <p><b>Buffers</b> belong to the caller; nothing is retained after a call. Framing works in place
 * within {@link #headroom()} bytes before and {@link #tailroom()} bytes after the payload, so a
 * buffer read from the tun with that much room is sealed without copying out of it. TCP length
 * framing is the link's job, not the engine's.
 *
 * <p><b>Cost.</b> The data path ({@code encapsulate}/{@code decapsulate} of data packets, pings)
 * allocates nothing. Control-channel work (TLS handshakes, renegotiation) allocates as needed.
 *
 * <p><b>Time</b> comes only from the injected {@link Clock}: monotonic milliseconds for timers,
 * Unix seconds for packet-id timestamps and certificate validity.
 */
public final class TlsSession implements PeerEngine {
    private static final byte[] PING = DataPayload.ping();
    /** Largest control packet produced or accepted (OpenVPN's TLS_CHANNEL_BUF_SIZE region). */
    private static final int MAX_CONTROL_PACKET = 2048;
    /** OpenVPN's TAP_MTU_EXTRA_DEFAULT: the Ethernet header room a tap payload has beyond tun-mtu. */
    private static final int TAP_MTU_EXTRA = 32;

    /** The session's overall state. */
    public enum State {
        /** Handshaking; no data key yet. */
        CONNECTING,
        /** A data key exists ("Initialization Sequence Completed"); renegotiations happen underneath. */
        KEYED,
        /** Failed; see {@link #lastError()}. */
        FAILED,
        /** {@link #close()} was called. */
        CLOSED
    }

    private final TlsSettings settings;
    private final Clock clock;
    private final SecureRandom random;
    private final SessionConfig config;
    private final DataScratch scratch = new DataScratch();
    private final IvSource ivs;
    /** The framing sent: Culvert never compresses, so a real algorithm sends its "not compressed" framing. */
    /** Final except in pull mode, where a pushed comp-lzo/compress framing replaces it before keys exist. */
    private Compression compression;
    private Decompressor decompressor;
    private final int headroom;
    private final int tailroom;
    private final int innerHeadroom;
    private final int innerTailroom;
    private final byte[] occReply;
    private final byte[] occExit;
    /** Replaced once in pull mode, by the pushed ping/ping-restart/inactive, before keys exist. */
    private Keepalive keepalive;
    /** Pull mode: the server's options and the log lines about them. */
    private final TlsPull pull;
    private final byte[] controlIn = new byte[DataScratch.MAX_PACKET];
    private final byte[] controlOut = new byte[MAX_CONTROL_PACKET + 256];
    /** OpenVPN's TM_ACTIVE: the session in progress, or the keyed one. */
    private ControlSession active;
    /**
     * OpenVPN's untrusted slot (TM_UNTRUSTED, TM_INITIAL in 2.6): a session opened by a hard reset
     * with an unknown session id. It replaces {@link #active} only once it is keyed (see
     * {@link #promoteCandidate}), so forged resets cannot disturb the handshake or the keys we have.
     */
    private ControlSession candidate;
    /** The control session handling the current packet, to blame if it throws. */
    private ControlSession receiving;
    /** The hard resets this run accepted, to refuse their replays (see {@link ControlSession#receive}). */
    private final SeenResets seenResets = new SeenResets();
    private MssClamp clamp;
    /** {@code mode server}: this client's side of the pull; null otherwise. */
    private final ServerPull serverPull;

    private long pingsReceived;
    private boolean lastWasData;
    private boolean occReplyDue;
    private String lastOccMismatch;
    private final ExitNotify exit = new ExitNotify();
    private boolean closed;
    private UserPassSource userPass;
    private Verdict lastVerdict = Verdict.OK;

    /**
     * Validates the settings, loads the credentials and prepares the first control session. A
     * tls-client sends its hard reset on the first {@link #pollOutgoing}; a tls-server waits for one.
     *
     * @param clock drives every timer and timestamp; the session starts "now"
     * @param random keys, session ids, key-method-2 randoms, TLS and CBC IVs come from it
     * @throws TlsConfigException if {@link TlsSettings#validate()} would
     */
    public TlsSession(TlsSettings settings, Clock clock, SecureRandom random) throws TlsConfigException {
        this(settings, clock, random, (HandshakeCookie.Admission) null);
    }

    /**
     * A server's session for a client that completed the stateless three-way handshake
     * ({@link HandshakeCookie}): it continues from there (OpenVPN's {@code session_skip_to_pre_start}),
     * so the caller next feeds it the packet that was admitted.
     *
     * @param admission from {@link HandshakeCookie#admission()}; null for a session that starts afresh
     * @throws IllegalArgumentException if {@code admission} is given to a tls-client
     * @since 2.2
     */
    public TlsSession(TlsSettings settings, Clock clock, SecureRandom random, HandshakeCookie.Admission admission)
            throws TlsConfigException {
        if (admission != null && settings.role() != TlsRole.SERVER) {
            throw new IllegalArgumentException("only a tls-server admits clients by cookie");
        }
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        TlsSettings.Resolved resolved = settings.resolveForSession();
        PeerVerifier verifier;
        try {
            verifier = PeerVerifier.create(resolved.credentials().caCertificates(), settings.peerFingerprints(),
                    settings.remoteCertTls(), settings.verifyX509Name(), settings.verifyX509Type(),
                    settings.peerChecks(), clock);
        } catch (org.culvert.openvpn.tls.internal.BadOption e) {
            resolved.credentials().close();
            throw new TlsConfigException(e.option(), TlsConfigException.Reason.INVALID, e.getMessage());
        }
        ControlWrap.Kind wrapKind = settings.hasTlsAuth() ? ControlWrap.Kind.TLS_AUTH
                : settings.hasTlsCrypt() || settings.hasTlsCryptV2() ? ControlWrap.Kind.TLS_CRYPT : ControlWrap.Kind.NONE;
        byte[] wrapKey = settings.hasTlsAuth() ? settings.tlsAuthKey() : settings.hasTlsCrypt() ? settings.tlsCryptKey()
                : settings.tlsCryptV2Kc();
        boolean v2Server = admission != null && admission.tlsCryptV2Kc() != null;
        if (v2Server) {
            // tls-crypt-v2: this client's own key Kc wraps its control channel (a copy: the caller wipes the admission).
            wrapKind = ControlWrap.Kind.TLS_CRYPT;
            wrapKey = admission.tlsCryptV2Kc().clone();
        }
        this.config = new SessionConfig(settings.role() == TlsRole.SERVER, resolved.profile(), resolved.credentials(),
                verifier, wrapKind, wrapKey, settings.tlsAuthDirection(), settings.auth(), resolved.dataCiphers(),
                resolved.fallback(), settings.renegSeconds(), settings.renegBytes(), settings.renegPackets(),
                settings.handWindow(), settings.tlsTimeout(), settings.tranWindow(), settings.replayWindow(),
                settings.localOptionsString(), settings.expectedRemoteOptionsString(), settings.maxPacketSize(),
                settings.pull() ? SessionConfig.IV_PROTO_PULL : settings.ivProto(),
                settings.peerKnown() && !settings.proto().isTcp(), settings.announceKeyExportAlways(), settings.pull(),
                settings.compression().decompresses(),
                settings.occ().tunMtu(), settings.pushPeerInfo(), settings.tlsCryptV2Wkc(), settings.serverMode(), v2Server,
                settings.verifyClientCert());
        this.ivs = new IvSource(random);
        this.compression = settings.compression().sendFraming();
        // OpenVPN's frame payload size: the tun MTU plus, for tap, the default tun-mtu-extra.
        this.decompressor = new Decompressor(settings.compression(),
                settings.occ().tunMtu() + ("tap".equals(settings.occ().devType()) ? TAP_MTU_EXTRA : 0));
        int inner = 0;
        int innerTail = 0;
        for (DataCipher c : resolved.dataCiphers()) {
            inner = Math.max(inner, TlsDataChannel.headroom(c, settings.auth()));
            innerTail = Math.max(innerTail, TlsDataChannel.tailroom(c));
        }
        if (resolved.fallback() != null) {
            inner = Math.max(inner, TlsDataChannel.headroom(resolved.fallback(), settings.auth()));
            innerTail = Math.max(innerTail, TlsDataChannel.tailroom(resolved.fallback()));
        }
        this.innerHeadroom = inner;
        this.innerTailroom = innerTail;
        // In pull mode the server may push any stub framing: leave room for the widest.
        this.headroom = inner + (settings.pull() ? TlsPull.MAX_FRAME_HEADROOM : DataPayload.frameHeadroom(compression));
        this.tailroom = innerTail + (settings.pull() ? TlsPull.MAX_FRAME_TAILROOM : DataPayload.frameTailroom(compression));
        this.pull = settings.pull() ? new TlsPull() : null;
        this.occReply = DataPayload.occMessage(DataPayload.OCC_REPLY, settings.localOptionsString());
        this.occExit = DataPayload.occMessage(DataPayload.OCC_EXIT, null);
        this.keepalive = new Keepalive(settings.ping(), settings.pingRestart(), settings.pingExit(), settings.inactive(),
                settings.inactiveBytes(), clock.monotonicMillis());
        this.serverPull = settings.serverMode() ? new ServerPull(this, clock) : null;
        this.active = admission == null ? newControlSession(0)
                : ControlSession.afterCookie(config, clock, random, ivs, scratch, admission.serverSessionId(),
                        admission.clientSessionId(), seenResets);
    }

    /** Most bytes {@link #encapsulate} and {@link #pollOutgoing} put before the payload. */
    @Override
    public int headroom() {
        return headroom;
    }

    /** Most bytes {@link #encapsulate} and {@link #pollOutgoing} put after the payload. */
    @Override
    public int tailroom() {
        return tailroom;
    }

    /**
     * Clamps the MSS of TCP SYNs crossing the tunnel in both directions ({@code --mssfix}); null turns
     * clamping off. The core computes the limit for the negotiated cipher and link family.
     */
    @Override
    public void setMssClamp(MssClamp value) {
        this.clamp = value;
    }

    /**
     * A packet read from the tun, {@code packet[position, limit)}, with {@link #headroom()} bytes free
     * before it and {@link #tailroom()} after: seals it in place with the current data key. On
     * {@link Verdict#OK}, {@code packet[position, limit)} is the link packet; otherwise the buffer
     * holds no packet to send. Allocation-free.
     */
    @Override
    public Verdict encapsulate(ByteBuffer packet) {
        if (closed || active.failure() != null) {
            return Verdict.SESSION_CLOSED;
        }
        if (!packet.hasRemaining()) {
            return Verdict.SHORT_PACKET;
        }
        long now = clock.monotonicMillis();
        KeyState ks = active.sendKey(now);
        if (ks == null) {
            return Verdict.NOT_KEYED;
        }
        if (clamp != null) {
            clamp.clamp(packet);
        }
        Verdict v = frameAndSeal(packet, ks);
        if (v == Verdict.OK) {
            keepalive.sent(now);
            keepalive.activity(now, packet.remaining());
        }
        return v;
    }

    /**
     * A packet from the link, {@code packet[position, limit)}: a data packet is opened in place (for
     * {@link Incoming#TUN_PACKET}, {@code packet[position, limit)} is then the tun packet, MSS
     * clamped); a control packet is processed and consumed. Only authentic packets restart the
     * ping-restart timer. {@link Incoming#CONSUMED} does not vouch for the sender: without a wrapper a
     * forged hard reset is consumed into the untrusted slot; only an accepted data packet
     * ({@link #lastWasData()}) proves the peer (OpenVPN floats only on those). Never throws for any
     * packet content; data packets allocate nothing.
     */
    @Override
    public Incoming decapsulate(ByteBuffer packet) {
        if (closed) {
            lastVerdict = Verdict.SESSION_CLOSED;
            return Incoming.DROP;
        }
        int length = packet.remaining();
        if (length == 0) {
            lastVerdict = Verdict.SHORT_PACKET;
            return Incoming.DROP;
        }
        int first = packet.get(packet.position()) & 0xFF;
        int op = first >>> 3;
        lastWasData = op == ControlPacket.OP_DATA_V1 || op == ControlPacket.OP_DATA_V2;
        if (lastWasData) {
            return decapsulateData(packet, first & 7, length);
        }
        if (length > controlIn.length) {
            lastVerdict = Verdict.OVERSIZED;
            return Incoming.DROP;
        }
        packet.get(packet.position(), controlIn, 0, length);
        try {
            return decapsulateControl(op, first & 7, length);
        } catch (RuntimeException e) {
            return internalError(e);
        }
    }

    private Incoming decapsulateData(ByteBuffer packet, int keyId, int length) {
        try {
            return openData(packet, keyId, length);
        } catch (RuntimeException e) {
            // No data-path code is known to throw; if a defect does, the packet is dropped and counted.
            lastVerdict = Verdict.INTERNAL_ERROR;
            return Incoming.DROP;
        }
    }

    private Incoming openData(ByteBuffer packet, int keyId, int length) {
        KeyState ks = active.failure() == null ? active.receiveKey(keyId) : null;
        if (ks == null) {
            lastVerdict = active.failure() != null ? Verdict.SESSION_CLOSED
                    : active.keyed() ? Verdict.UNKNOWN_KEY_ID : Verdict.NOT_KEYED;
            return Incoming.DROP;
        }
        Verdict v = ks.data().open(packet);
        if (v != Verdict.OK) {
            lastVerdict = v;
            return Incoming.DROP;
        }
        ks.count(length);
        ks.markPeerUsed();
        if (!decompressor.unframe(packet)) {
            lastVerdict = Verdict.BAD_COMPRESSION;
            return Incoming.DROP;
        }
        lastVerdict = Verdict.OK;
        if (!packet.hasRemaining()) {
            // Authentic but empty: OpenVPN ignores it and does not count it as a sign of life.
            return Incoming.CONSUMED;
        }
        long now = clock.monotonicMillis();
        keepalive.received(now);
        if (DataPayload.isPing(packet)) {
            pingsReceived++;
            return Incoming.CONSUMED;
        }
        if (DataPayload.isOcc(packet)) {
            return handleOcc(packet);
        }
        if (clamp != null) {
            clamp.clamp(packet);
        }
        keepalive.activity(now, packet.remaining());
        return Incoming.TUN_PACKET;
    }

    private Incoming decapsulateControl(int op, int keyId, int length) {
        ControlSession target = active;
        long sid = length >= ControlWrap.HEADER ? Bytes.getLong(controlIn, 1) : 0;
        if (candidate != null && candidate.remoteKnown() && candidate.remoteSessionId() == sid) {
            target = candidate;
        }
        receiving = target;
        Verdict v = target.receive(controlIn, length);
        ControlSession accepted = target;
        int peerReset = settings.role() == TlsRole.SERVER ? ControlPacket.OP_HARD_RESET_CLIENT_V2
                : ControlPacket.OP_HARD_RESET_SERVER_V2;
        // In server mode a restarted client goes through the server's cookie again (see ServerPull),
        // so no untrusted slot is opened here: it would wait for a decision nobody makes.
        if (v == Verdict.WRONG_SESSION && target == active && op == peerReset && keyId == 0
                && active.failure() == null && serverPull == null) {
            v = admitNewcomer(length);
            accepted = candidate;
        }
        receiving = null;
        lastVerdict = v;
        if (v != Verdict.OK) {
            return Incoming.DROP;
        }
        promoteCandidate();
        if (accepted == active || accepted.answered()) {
            // Only packets of the trusted session, or of a candidate whose peer proved it receives us
            // (a restarted peer), are a sign of life for --ping-restart. OpenVPN resets the timer on
            // any control packet tls_pre_decrypt takes, so a stream of forged resets would keep a
            // tunnel whose peer is gone from ever restarting; we are stricter.
            keepalive.received(clock.monotonicMillis());
        }
        if (active.takePeerExit()) {
            if (serverPull != null) {
                serverPull.clientExit(ServerPull.EXIT_DELAY_MILLIS);
            }
            return Incoming.PEER_EXIT;
        }
        return Incoming.CONSUMED;
    }

    /**
     * A hard reset with a session id no session knows: the peer restarted, gave up a renegotiation
     * and began a new session, or someone forged it. As in OpenVPN's tls_pre_decrypt it opens a new
     * session in the untrusted slot, replacing whatever waited there, and the session in progress
     * (or keyed) carries on untouched. Stricter than OpenVPN: a candidate that the peer answered
     * (it proved it receives our packets) and that is still talking is not overwritten, so a stream
     * of blind forgeries cannot cut a restarted peer's handshake short either.
     */
    private Verdict admitNewcomer(int length) {
        long now = clock.monotonicMillis();
        if (candidate != null && candidate.answered() && candidate.failure() == null
                && now - candidate.lastValidControl() < 2 * config.tlsTimeoutMillis) {
            return Verdict.WRONG_SESSION;
        }
        // Without a wrapper the newcomer keeps our session id, as OpenVPN's TM_INITIAL keeps its
        // session_id when a reset rebinds it. Our replies to forged resets reach the real peer too: a
        // second session id from us would look like a new session to it (a stock OpenVPN peer binds
        // its TM_INITIAL to it, drops a handshake in progress, or after keying starts a whole new
        // session with us, again at every forgery). Under our id it drops them for their ACK of
        // another peer id. A tls-client bound by a forged server reset also still accepts the real
        // server's reset, which answers our id (promoteCandidate then lets it take over). With
        // tls-auth/tls-crypt forgeries fail the wrapper, and two senders under one id would collide
        // in the peer's packet-id window, so a newcomer gets its own id. The price, without a
        // wrapper only: a stock peer that gave up a renegotiation and opens a new session while its
        // lame duck still holds our id drops our replies as "stale session-id" until that lame duck
        // expires (--tran-window), where OpenVPN, answering from its own TM_INITIAL id, would not.
        long keepSid = config.wrapKind == ControlWrap.Kind.NONE ? active.localSessionId() : 0;
        receiving = null; // nothing to blame should the constructor throw
        ControlSession fresh = newControlSession(keepSid);
        receiving = fresh;
        Verdict v = fresh.receive(controlIn, length);
        if (v != Verdict.OK) {
            fresh.close();
            return v;
        }
        if (candidate != null) {
            candidate.close();
        }
        candidate = fresh;
        return v;
    }

    /** An exception escaped while handling a control packet: fail the session it reached, drop it. */
    private Incoming internalError(RuntimeException e) {
        ControlSession s = receiving;
        receiving = null;
        if (s != null) {
            s.failInternal(e);
            if (s != active && s != candidate) {
                s.close();
            }
        }
        lastVerdict = Verdict.INTERNAL_ERROR;
        promoteCandidate();
        return Incoming.DROP;
    }

    /**
     * True when the last packet given to {@link #decapsulate} was a data-channel packet ({@code P_DATA_V1}
     * or {@code V2}); after an accepted one the buffer frames its decrypted payload.
     */
    @Override
    public boolean lastWasData() {
        return lastWasData;
    }

    /** Why the last {@link #decapsulate} gave {@link Incoming#DROP} ({@link Verdict#OK} after an accepted packet). */
    @Override
    public Verdict lastVerdict() {
        return lastVerdict;
    }

    /**
     * If the session has a packet of its own to send, writes it into {@code slot} and returns true;
     * {@code slot[position, limit)} is then the link packet. Control packets come first (handshake,
     * retransmissions, ACKs), then exit notification, OCC reply and ping, which are data-channel
     * packets whose payload is placed at {@code headroom} as a tun read would be. Call repeatedly
     * until it returns false.
     *
     * @param headroom where a data payload starts; at least {@link #headroom()}
     * @throws IllegalArgumentException if the slot cannot hold the largest control packet
     *         ({@code --max-packet-size} plus {@link #tailroom()} bytes after {@code headroom}) or the
     *         headroom is too small
     */
    @Override
    public boolean pollOutgoing(ByteBuffer slot, int headroom) {
        int room = settings.maxPacketSize() + tailroom;
        if (headroom < this.headroom || slot.capacity() < headroom + room) {
            throw new IllegalArgumentException("slot needs " + this.headroom + " bytes of headroom and " + room
                    + " more after it");
        }
        if (closed) {
            return false;
        }
        int n = pollControl(active);
        if (n == 0 && candidate != null) {
            n = pollControl(candidate);
        }
        if (n > 0) {
            slot.limit(slot.capacity()).position(headroom);
            slot.put(controlOut, 0, n);
            slot.limit(headroom + n).position(headroom);
            return true;
        }
        if (active.failure() != null) {
            return false;
        }
        long now = clock.monotonicMillis();
        exit.advance(now);
        KeyState ks = active.sendKey(now);
        if (ks == null) {
            return false;
        }
        byte[] message;
        boolean activity = true;
        if (exit.takePacket()) {
            message = occExit;
        } else if (occReplyDue) {
            occReplyDue = false;
            message = occReply;
        } else if (keepalive.pingDue(now)) {
            message = PING;
            activity = false;
        } else {
            return false;
        }
        slot.limit(slot.capacity()).position(headroom);
        slot.put(message);
        slot.limit(headroom + message.length).position(headroom);
        Verdict v = frameAndSeal(slot, ks);
        keepalive.sent(now);
        if (v != Verdict.OK) {
            return false;
        }
        if (activity) {
            keepalive.activity(now, slot.remaining());
        }
        return true;
    }

    /** The monotonic time by which {@link #checkTimers()} and {@link #pollOutgoing} must next run. */
    @Override
    public long nextTimerMillis() {
        long now = clock.monotonicMillis();
        if (closed) {
            return Long.MAX_VALUE;
        }
        if (active.failure() != null || exit.packetDue() || occReplyDue) {
            return now;
        }
        long next = active.nextTimer();
        if (candidate != null) {
            next = Math.min(next, candidate.nextTimer());
        }
        if (active.keyed()) {
            next = Math.min(next, keepalive.nextPingMillis(now));
        }
        next = Math.min(next, keepalive.nextExpiryMillis());
        return Math.min(next, exit.nextMillis());
    }

    /**
     * Runs the timers: control-channel retransmission scheduling, handshake deadline, renegotiation
     * triggers and lame-duck expiry, then ping-restart/ping-exit and inactivity (each re-arms, so it
     * is reported once per period).
     */
    @Override
    public TimerEvent checkTimers() {
        if (closed) {
            return TimerEvent.NONE;
        }
        tick(active);
        if (candidate != null) {
            tick(candidate);
        }
        promoteCandidate();
        if (active.failure() != null) {
            return TimerEvent.HANDSHAKE_FAILED;
        }
        long now = clock.monotonicMillis();
        exit.advance(now);
        return keepalive.expire(now);
    }

    /**
     * Starts {@code --explicit-exit-notify} (UDP only): if the peer announced control-channel exit
     * notification, an {@code EXIT} message goes out reliably over the control channel; otherwise
     * {@link #pollOutgoing} yields an OCC_EXIT data packet now and then once a second.
     *
     * @return how many milliseconds the caller should keep the link open for it; 0 if nothing is sent
     */
    @Override
    public long beginExitNotify() {
        int seconds = pull != null ? pull.explicitExitNotify(settings.explicitExitNotify()) : settings.explicitExitNotify();
        if (closed || seconds <= 0 || settings.proto() != Proto.UDP || !active.keyed() || active.failure() != null) {
            return 0;
        }
        long now = clock.monotonicMillis();
        boolean ccExit = active.negotiation() != null && active.negotiation().ccExit();
        if (exit.start(now, seconds, !ccExit) && ccExit) {
            active.sendControlMessage("EXIT");
        }
        return exit.remainingMillis(now);
    }

    // ---------------------------------------------------------------- pull mode

    /**
     * Pull mode: how each PUSH_REPLY is read (one {@link PushReply} per pull, from the client's
     * configuration). Must be set before the first packet; without it a pull session never keys.
     */
    public void pushReplies(java.util.function.Supplier<PushReply> replies) {
        if (pull == null) {
            throw new IllegalStateException("not a pull session");
        }
        pull.replies(replies);
    }

    /**
     * Pull mode: true once the final PUSH_REPLY was applied and the data keys wait for
     * {@link #installPushedKeys()}: the caller now opens the tun device from {@link #pushedOptions()}
     * (OpenVPN's do_up: the device before the keys).
     */
    public boolean pushReady() {
        return pull != null && !pull.keysInstalled() && !closed && active.pushComplete();
    }

    /** Pull mode: the server's options once the final PUSH_REPLY was applied, else null. */
    public PushedOptions pushedOptions() {
        return pull == null ? null : pull.pushed();
    }

    /**
     * Pull mode, after {@link #pushReady()}: applies the pushed timers, exit notification and
     * compression framing, then derives key 0's data keys with the pushed cipher, peer-id and key
     * derivation (the key-method-2 randoms are wiped then). Idempotent.
     */
    public void installPushedKeys() {
        if (!pushReady()) {
            return;
        }
        PushedOptions p = pull.pushed();
        pull.installed();
        if (p.ping().isPresent() || p.pingRestart().isPresent() || p.pingExit().isPresent() || p.inactive().isPresent()) {
            keepalive = new Keepalive(p.ping().orElse(settings.ping()),
                    p.pingExit().isPresent() ? 0 : p.pingRestart().orElse(settings.pingRestart()),
                    p.pingRestart().isPresent() ? 0 : p.pingExit().orElse(settings.pingExit()),
                    p.inactive().orElse(settings.inactive()), settings.inactiveBytes(), clock.monotonicMillis());
        }
        if (p.compression().isPresent()) {
            compression = p.compression().get().sendFraming();
            decompressor = new Decompressor(p.compression().get(), p.tunMtu().orElse(settings.occ().tunMtu()));
        }
        active.completePull(p.cipher().orElse(null), p.peerId().orElse(-1), p.tlsEkm(), p.ccExit(), p.dynTlsCrypt());
    }

    /** Pull mode: the next line to log about the push or the server's messages, or null (no allocation then). */
    public String pollNotice() {
        if (serverPull != null) {
            return active.pushServer().takeNotice();
        }
        return pull == null ? null : pull.pollNotice();
    }

    /**
     * {@code mode server} ({@link TlsSettings#serverMode()}): this client's side of the pull (its
     * credentials and peer info, the caller's decision, client-kill); null for other sessions.
     *
     * @since 2.2
     */
    public ServerPull serverPull() {
        return serverPull;
    }

    /** The control session keys and messages go through (for {@link ServerPull}). */
    ControlSession activeControl() {
        return active;
    }

    /** The session's settings (for {@link ServerPull}). */
    TlsSettings settings() {
        return settings;
    }

    /** The resolved data ciphers and fallback (for {@link ServerPull}). */
    org.culvert.openvpn.tls.internal.SessionConfig config() {
        return config;
    }

    /**
     * Pull mode: the next client state the pull set (GET_CONFIG, AUTH_PENDING) or PUSH_REPLY after the
     * first (a renewed auth-token), oldest first; null when none (no allocation then).
     *
     * @since 2.2
     */
    public PullEvent pollPullEvent() {
        return pull == null ? null : pull.pollEvent();
    }

    /** Starts a renegotiation now (for tests and operators); false if no key is active to renew. */
    public boolean renegotiate() {
        return !closed && active.renegotiate();
    }

    public State state() {
        if (closed) {
            return State.CLOSED;
        }
        if (active.failure() != null) {
            return State.FAILED;
        }
        return active.keyed() ? State.KEYED : State.CONNECTING;
    }

    /** Whether a data key exists: OpenVPN's "Initialization Sequence Completed" happened. */
    @Override
    public boolean isKeyed() {
        return !closed && active.failure() == null && active.keyed();
    }

    /**
     * The {@code --auth-user-pass} credentials a tls-client writes into every key-method-2 message from
     * now on (null: empty fields, as without --auth-user-pass). Set before the first {@link #pollOutgoing}.
     *
     * @since 2.1
     */
    public void setUserPass(UserPassSource source) {
        this.userPass = source;
        active.userPass(source);
        if (candidate != null) {
            candidate.userPass(source);
        }
    }

    /** Test hook: queues a control message (as a server sends AUTH_FAILED) on the active session. */
    void sendControlMessage(String message) {
        active.sendControlMessage(message);
    }

    /** Test hook: the username the peer sent in its newest key-method-2 message. */
    String peerUsername() {
        return active.peerUsername();
    }

    /** The server's {@code AUTH_FAILED} that ended this session, or null. @since 2.1 */
    public AuthFailed authFailed() {
        return active.authFailed();
    }

    /** Why the session failed, or null. */
    public TlsFailure lastError() {
        return active.failure();
    }

    /** What was negotiated, once keyed; null before. Allocates (for logging, not per packet). */
    public Negotiated negotiated() {
        ControlSession.Negotiation n = active.negotiation();
        if (n == null) {
            return null;
        }
        TlsEndpoint tls = active.currentTls();
        KeyState ks = active.sendKey(clock.monotonicMillis());
        PeerVerifier.PeerIdentity peer = n.peer();
        return new Negotiated(tls == null ? null : tls.version(), tls == null ? null : tls.cipherSuite(), n.cipher(),
                n.ekm() ? "tls-ekm" : "openvpn-prf", n.dataV2(), n.peerId(), n.ccExit(), n.dynamicTlsCrypt(),
                peer == null ? null : peer.subject(), peer == null ? null : Bytes.colonHex(peer.sha256()),
                ks == null ? -1 : ks.keyId(), n.peerInfo(), n.optionsWarning());
    }

    /** 0 before the first data key, then 1 plus the completed renegotiations of the current control session. */
    @Override
    public int keyGeneration() {
        return isKeyed() ? 1 + renegotiations() : 0;
    }

    /** {@link #lastError()} as one line, or null. */
    @Override
    public String failure() {
        TlsFailure f = lastError();
        return f == null ? null : f.toString();
    }

    /**
     * "Peer connection established: " with the TLS version and suite, the peer's subject, the data
     * cipher, key derivation and packet format; empty before keyed. Allocates (for logging).
     */
    @Override
    public String negotiatedSummary() {
        Negotiated n = negotiated();
        if (n == null) {
            return "";
        }
        return "Peer connection established: " + n.tlsVersion() + ", " + n.tlsCipherSuite() + ", peer " + n.peerSubject()
                + "; data channel " + (n.dataCipher() == null ? "?" : n.dataCipher().openVpnName()) + ", key derivation "
                + n.keyDerivation() + (n.dataV2() ? ", DATA_V2 peer-id " + n.peerId() : ", DATA_V1");
    }

    /** Renegotiations that ran out of --hand-window and were restarted with the next key_id. */
    public int renegotiationRetries() {
        return active.renegotiationRetries();
    }

    /** Completed renegotiations (new keys after the first) in the current control session. */
    public int renegotiations() {
        return active.renegotiations();
    }

    /** Debug summary (no secrets). */
    String describe() {
        return active.describe();
    }

    /** Pings received from the peer (authentic, on the data channel). */
    public long pingsReceived() {
        return pingsReceived;
    }

    /** The OCC string this side sends (OpenVPN 2.6's format). */
    public String localOptionsString() {
        return settings.localOptionsString();
    }

    /** A one-line note when the peer's last OCC_REPLY differed from what we expect, else null. */
    public String lastOccMismatch() {
        return lastOccMismatch;
    }

    /** Drops all keys and TLS state; idempotent, never throws. Afterwards nothing is processed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        active.close();
        if (candidate != null) {
            candidate.close();
            candidate = null;
        }
        if (config.wrapKey != null) {
            java.util.Arrays.fill(config.wrapKey, (byte) 0);
        }
        config.credentials.close();
    }

    // ---------------------------------------------------------------- internals

    private ControlSession newControlSession(long localSid) {
        ControlSession s = new ControlSession(config, clock, random, ivs, scratch, localSid, seenResets);
        s.userPass(userPass);
        if (pull != null) {
            s.pullClient(pull);
        }
        return s;
    }

    private int pollControl(ControlSession s) {
        try {
            return s.poll(controlOut);
        } catch (RuntimeException e) {
            s.failInternal(e);
            promoteCandidate();
            return 0;
        }
    }

    private void tick(ControlSession s) {
        try {
            s.tick();
        } catch (RuntimeException e) {
            s.failInternal(e);
        }
    }

    /**
     * OpenVPN's tls_multi_process moves TM_INITIAL to TM_ACTIVE once it is authenticated (TLS done and
     * key method 2 exchanged). Before we are keyed, the candidate also takes over when the session in
     * progress failed or was bound by a reset that never answered us while the candidate's peer did.
     * A failed candidate is dropped; it never fails the tunnel (OpenVPN counts it as a soft error).
     */
    private void promoteCandidate() {
        if (candidate == null) {
            return;
        }
        if (candidate.failure() != null) {
            candidate.close();
            candidate = null;
            return;
        }
        boolean takeOver = candidate.keyed() || (!active.keyed()
                && (active.failure() != null || (candidate.answered() && !active.answered())));
        if (takeOver) {
            active.close();
            active = candidate;
            candidate = null;
        }
    }

    private Incoming handleOcc(ByteBuffer packet) {
        switch (DataPayload.occType(packet)) {
            case -1:
                break;
            case DataPayload.OCC_REQUEST:
                occReplyDue = true;
                break;
            case DataPayload.OCC_REPLY:
                lastOccMismatch = OccStrings.mismatch(settings.expectedRemoteOptionsString(),
                        occText(packet, packet.position() + DataPayload.OCC_TYPE_OFFSET + 1));
                break;
            case DataPayload.OCC_EXIT:
                if (serverPull != null) {
                    serverPull.clientExit(0);
                }
                return Incoming.PEER_EXIT;
            default:
                break;
        }
        return Incoming.CONSUMED;
    }

    private static String occText(ByteBuffer packet, int from) {
        int end = Math.min(packet.limit(), from + 1024);
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < end && packet.get(i) != 0; i++) {
            sb.append((char) (packet.get(i) & 0xFF));
        }
        return sb.toString();
    }

    private Verdict frameAndSeal(ByteBuffer buf, KeyState ks) {
        int position = buf.position();
        int limit = buf.limit();
        if (!DataPayload.frame(buf, compression, innerHeadroom, innerTailroom)) {
            return Verdict.OVERSIZED;
        }
        ControlSession.Negotiation n = active.negotiation();
        boolean v2 = n.dataV2();
        int header = v2 ? ((ControlPacket.OP_DATA_V2 << 3 | ks.keyId()) << 24) | (n.peerId() & 0xFFFFFF)
                : (ControlPacket.OP_DATA_V1 << 3 | ks.keyId()) << 24;
        Verdict v = ks.data().seal(buf, v2, header);
        if (v == Verdict.OK) {
            ks.count(buf.remaining());
        } else {
            buf.limit(limit).position(position);
        }
        return v;
    }

}
