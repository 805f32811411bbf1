package org.culvert.tunnel.internal;

import java.nio.ByteBuffer;
import java.security.SecureRandom;

import org.culvert.api.tunnel.DropReason;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.config.DevType;
import org.culvert.openvpn.config.MtuMath;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.crypto.StaticKeyDataChannel;
import org.culvert.openvpn.crypto.Verdict;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.MssClamp;
import org.culvert.openvpn.session.PeerEngine;
import org.culvert.openvpn.session.StaticKeySession;
import org.culvert.openvpn.session.TimerEvent;
import org.culvert.openvpn.tls.Negotiated;
import org.culvert.openvpn.tls.TlsConfigException;
import org.culvert.openvpn.tls.TlsMtu;
import org.culvert.openvpn.tls.TlsSession;
import org.culvert.openvpn.tls.TlsSettings;

/**
 * What the loop needs of an OpenVPN protocol engine, whatever its mode: a {@link PeerEngine} seen
 * through the core's vocabulary. Here, once for every engine, verdicts become {@link DropReason}s,
 * the data-channel failures that end a TCP connection are told apart from control-channel rejects,
 * and {@code --mssfix} is applied once its limit is known. Loop thread only.
 */
final class PeerSession {
    /**
     * The {@code --mssfix} limit of an engine for the link's IP family: an IPv4 MSS, 0 for no
     * clamping, or -1 while it cannot be known (TLS mode before the cipher is negotiated).
     */
    interface MssRule {
        int mss(boolean ipv6Link);

        /** No clamping, for engines that need none. */
        MssRule NONE = ipv6Link -> 0;
    }

    /** What an engine tells of the configuration in effect (cipher, peer id); nothing by default. */
    interface Describer {
        void describe(org.culvert.api.tunnel.TunnelSettings.Builder settings);

        Describer NOTHING = settings -> { };
    }

    private final PeerEngine engine;
    /** Pull mode: the TLS engine whose data keys wait for the server's push; null otherwise. */
    private TlsSession pull;
    private final MssRule mssRule;
    private final Describer describer;
    private final DevType layer;
    private boolean ipv6Link;
    private boolean clampSet;
    private DropReason lastDrop = DropReason.MALFORMED;
    private Verdict lastVerdict = Verdict.OK;
    /** OpenVPN's {@code server_poll_interval}: when the first answer must have come; -1 for none. */
    private long serverPollDeadline = -1;
    /** OpenVPN's {@code tls_initial_packet_received}: a packet from the peer was accepted. */
    private boolean peerHeard;

    /**
     * @param layer tun or tap, for the clamp
     * @param ipv6LinkAssumed the link family to clamp for until {@link #linkIpv6} tells
     */
    PeerSession(PeerEngine engine, MssRule mssRule, DevType layer, boolean ipv6LinkAssumed) {
        this(engine, mssRule, layer, ipv6LinkAssumed, Describer.NOTHING);
    }

    PeerSession(PeerEngine engine, MssRule mssRule, DevType layer, boolean ipv6LinkAssumed, Describer describer) {
        this.describer = describer;
        this.engine = engine;
        this.mssRule = mssRule;
        this.layer = layer;
        this.ipv6Link = ipv6LinkAssumed;
    }

    /** The static-key engine of {@code culvert.openvpn}; its MSS limit depends only on the link family. */
    static PeerSession staticKey(OpenVpnOptions o, LoopClock loopClock, SecureRandom random) {
        Clock clock = OpenVpnClocks.of(loopClock);
        StaticKeyDataChannel dc = new StaticKeyDataChannel(o.secret(), o.keyDirection(), o.cipher(), o.auth(), o.replayWindow(), clock, random);
        return new PeerSession(new StaticKeySession(o, dc, clock), ipv6 -> MtuMath.mssFix(o, ipv6), o.devType(),
                MtuMath.assumeIpv6Link(o), settings -> settings.cipher(o.cipher().openVpnName()));
    }

    /** The TLS engine of {@code culvert.openvpn.tls}; its MSS limit is known once the cipher is negotiated. */
    static PeerSession tls(OpenVpnOptions o, TlsSettings settings, LoopClock loopClock, SecureRandom random)
            throws TlsConfigException {
        return tls(o, settings, loopClock, random, null);
    }

    /** A server's instance for a client its cookie admitted ({@code admission}; null over TCP, which has no cookie). */
    static PeerSession tls(OpenVpnOptions o, TlsSettings settings, LoopClock loopClock, SecureRandom random,
            org.culvert.openvpn.tls.HandshakeCookie.Admission admission) throws TlsConfigException {
        TlsSession session = new TlsSession(settings, OpenVpnClocks.of(loopClock), random, admission);
        if (settings.pull()) {
            session.pushReplies(() -> new org.culvert.openvpn.config.PushReply(o));
        }
        // OpenVPN 2.6's mssfix for the negotiated cipher (checked against stock openvpn's logged mss_fix).
        MssRule rule = ipv6 -> {
            Negotiated n = session.negotiated();
            return n == null ? -1 : TlsMtu.mssFix(o, n, ipv6);
        };
        PeerSession peer = new PeerSession(session, rule, o.devType(), false, effective -> {
            Negotiated n = session.negotiated();
            if (n != null) {
                effective.cipher(n.dataCipher().openVpnName()).peerId(n.dataV2() ? n.peerId() : -1);
            }
        });
        if (settings.pull()) {
            peer.pull = session;
        }
        return peer;
    }

    /** Pull mode: the server's final PUSH_REPLY is applied and the device may be opened for it. */
    boolean pushReady() {
        return pull != null && pull.pushReady();
    }

    /** Pull mode: what the server pushed, once {@link #pushReady()}; null otherwise. */
    org.culvert.openvpn.config.PushedOptions pushed() {
        return pull == null ? null : pull.pushedOptions();
    }

    /** Pull mode, once the device is open: the data keys are made with what the server pushed. */
    void installPushedKeys() {
        if (pull != null) {
            pull.installPushedKeys();
        }
    }

    /** Pull mode: the next line to log about the push or the server's messages, or null. */
    String pollNotice() {
        return pull == null ? null : pull.pollNotice();
    }

    /** Pull mode: the next client state the pull set or later PUSH_REPLY, or null (no allocation then). */
    org.culvert.openvpn.tls.PullEvent pollPullEvent() {
        return pull == null ? null : pull.pollPullEvent();
    }

    /** Why the engine failed, typed, or null: the runner maps the pull mode's causes to its reasons. */
    org.culvert.openvpn.tls.TlsFailure.Reason failureReason() {
        if (engine instanceof TlsSession) {
            org.culvert.openvpn.tls.TlsFailure f = ((TlsSession) engine).lastError();
            return f == null ? null : f.reason();
        }
        return null;
    }

    /** The one mapping of engine verdicts to the core's drop reasons. */
    static DropReason map(Verdict v) {
        switch (v) {
            case SHORT_PACKET:
                return DropReason.SHORT_PACKET;
            case OVERSIZED:
                return DropReason.OVERSIZED;
            case AUTH_FAILED:
            case TLS_AUTH_FAILED:
            case TLS_CRYPT_FAILED:
                return DropReason.AUTH_FAILED;
            case DECRYPT_FAILED:
                return DropReason.DECRYPT_FAILED;
            case REPLAY:
            case CONTROL_REPLAY:
                return DropReason.REPLAY;
            case BAD_COMPRESSION:
                return DropReason.BAD_COMPRESSION;
            case PACKET_ID_EXHAUSTED:
                return DropReason.PACKET_ID_EXHAUSTED;
            case NOT_KEYED:
            case UNKNOWN_KEY_ID:
                return DropReason.NO_KEY;
            case INTERNAL_ERROR:
                return DropReason.INTERNAL_ERROR;
            default:
                return DropReason.MALFORMED;
        }
    }

    /** Bytes the engine may put before a payload. */
    int headroom() {
        return engine.headroom();
    }

    /** Bytes the engine may add after a payload. */
    int tailroom() {
        return engine.tailroom();
    }

    /** Encapsulates a tun packet in place; null on success, else why it was dropped. */
    DropReason encapsulate(ByteBuffer packet) {
        Verdict v = engine.encapsulate(packet);
        return v == Verdict.OK ? null : map(v);
    }

    /** Authenticates and decapsulates a link packet in place. */
    Incoming decapsulate(ByteBuffer packet) {
        Incoming in = engine.decapsulate(packet);
        if (in == Incoming.DROP) {
            lastVerdict = engine.lastVerdict();
            lastDrop = map(lastVerdict);
        } else {
            peerHeard = true;
        }
        return in;
    }

    /**
     * {@code --server-poll-timeout} for a client: unless a packet from the server is accepted by
     * {@code deadlineMillis} (loop clock), {@link #serverPollExpired} turns true, and the tunnel moves to its
     * next connection profile ({@code check_server_poll_timeout} in OpenVPN's {@code forward.c}).
     */
    void serverPollDeadline(long deadlineMillis) {
        serverPollDeadline = deadlineMillis;
    }

    /** True once the server-poll deadline passed with nothing heard from the server. */
    boolean serverPollExpired(long nowMillis) {
        return serverPollDeadline >= 0 && !peerHeard && nowMillis - serverPollDeadline >= 0;
    }

    /** Why the last {@link #decapsulate} dropped its packet. */
    DropReason lastDropReason() {
        return lastDrop;
    }

    /**
     * True when the last packet {@link #decapsulate} accepted was a data-channel packet (then the buffer
     * frames its decrypted payload, which OpenVPN counts as "Auth read bytes"); false for control packets.
     */
    boolean lastAcceptedWasData() {
        return engine.lastWasData();
    }

    /**
     * True when the last drop was a data-channel authentication, decryption or replay failure, which
     * OpenVPN treats as fatal for a TCP connection. Control-channel rejects (TLS_AUTH_FAILED,
     * TLS_CRYPT_FAILED, CONTROL_REPLAY) are counted, not fatal.
     */
    boolean lastDropFailedDataChannel() {
        return lastVerdict == Verdict.AUTH_FAILED || lastVerdict == Verdict.DECRYPT_FAILED || lastVerdict == Verdict.REPLAY;
    }

    /** Writes one packet of the engine's own (handshake, ping, OCC, exit notify) into {@code slot}, if one is due. */
    boolean pollOutgoing(ByteBuffer slot, int headroom) {
        return engine.pollOutgoing(slot, headroom);
    }

    /** Monotonic milliseconds at which {@link #checkTimers()} must run next. */
    long nextTimerMillis() {
        long next = engine.nextTimerMillis();
        return serverPollDeadline >= 0 && !peerHeard && serverPollDeadline - next < 0 ? serverPollDeadline : next;
    }

    TimerEvent checkTimers() {
        return engine.checkTimers();
    }

    /** True once data keys exist ("Initialization Sequence Completed"); static-key sessions are up at once. */
    boolean isUp() {
        boolean up = engine.isKeyed();
        if (up && !clampSet) {
            applyClamp();
        }
        return up;
    }

    /** Counts the data-channel keys made so far in this session (0 before the first); see {@link PeerEngine#keyGeneration()}. */
    int keyGeneration() {
        return engine.keyGeneration();
    }

    /** One line on why the session failed, for {@link TimerEvent#HANDSHAKE_FAILED}; never key material. */
    String failure() {
        String f = engine.failure();
        return f == null ? "handshake failed" : f;
    }

    /** One line on what was negotiated, logged when the session comes up; may be empty. */
    String negotiated() {
        return engine.negotiatedSummary();
    }

    /** Adds what the engine knows of the configuration in effect (the data cipher, a peer id). Allocates. */
    void describe(org.culvert.api.tunnel.TunnelSettings.Builder settings) {
        describer.describe(settings);
    }

    /** Tells the session the link's IP family once the socket is open (it changes the MSS clamp). */
    void linkIpv6(boolean ipv6) {
        ipv6Link = ipv6;
        applyClamp();
    }

    /** Sets the engine's clamp once its limit is known; the rule says -1 until then. */
    private void applyClamp() {
        int mss = mssRule.mss(ipv6Link);
        if (mss >= 0) {
            clampSet = true;
            engine.setMssClamp(mss > 0 ? new MssClamp(mss, layer) : null);
        }
    }

    /** Releases the engine's state (keys are wiped). Idempotent. */
    void close() {
        engine.close();
    }

    /** The {@code --auth-user-pass} credentials a TLS client writes into each key-method-2 message. */
    void userPass(org.culvert.openvpn.tls.UserPassSource source) {
        if (engine instanceof TlsSession) {
            ((TlsSession) engine).setUserPass(source);
        }
    }

    /** The engine itself, for tests that drive it. */
    PeerEngine engine() {
        return engine;
    }

    /** The server's AUTH_FAILED that ended the session, or null. */
    org.culvert.openvpn.tls.AuthFailed authFailed() {
        return engine instanceof TlsSession ? ((TlsSession) engine).authFailed() : null;
    }

    /** Starts explicit-exit-notify; returns for how many milliseconds to keep sending, 0 for none. */
    long beginExitNotify() {
        return engine.beginExitNotify();
    }
}
