package org.culvert.openvpn.tls;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.tls.internal.PushServer;
import org.culvert.openvpn.tls.internal.KeyMethod2;
import org.culvert.openvpn.tls.internal.TlsEndpoint;

/**
 * One client's side of the pull as a {@code mode server} sees it (OpenVPN's {@code push.c} and the
 * auth part of {@code multi.c} for one instance), obtained from {@link TlsSession#serverPull()}.
 *
 * <p><b>Sequence.</b> Once the client's key-method-2 message arrived ({@link #clientReady()}), the
 * caller reads {@link #peerInfo()}, {@link #username()} and {@link #takePassword()}, authenticates,
 * settles the client's protocol options with {@link #protocol(int)} and then either
 * <ul>
 *   <li>{@link #accept}: key 0 is keyed at once with the chosen cipher, peer-id and key derivation
 *       (the server's keys before its PUSH_REPLY, as in OpenVPN), and the PUSH_REPLY messages go out
 *       when the client asks ({@code PUSH_REQUEST}, also one that came before the decision) or at
 *       once if it announced IV_PROTO_REQUEST_PUSH; a repeated request within 30 s is ignored;</li>
 *   <li>{@link #pending}: {@code AUTH_PENDING} (and {@code INFO_PRE}) while the decision is deferred;</li>
 *   <li>{@link #deny}: {@code AUTH_FAILED[,reason]}; the instance is to close 5 s later.</li>
 * </ul>
 * Renegotiations (new key_ids, from either side's {@code reneg-*}) need nothing from the caller: they
 * keep the first decision, with no new push. {@link #kill} sends {@code RESTART}/{@code HALT} (the
 * management {@code client-kill}). {@link #exitDeadline()} says when the caller closes the instance:
 * 5 s after a denial, a kill or the client's control-channel {@code EXIT}, at once after its OCC exit.
 * The session's own ping-restart ({@link org.culvert.openvpn.session.TimerEvent#PING_RESTART}) closes it
 * silently. Loop thread only, as the session.
 *
 * <p><b>A client that restarts</b> from the same address sends a new reset: the instance drops it
 * ({@link org.culvert.openvpn.crypto.Verdict#WRONG_SESSION}, or {@code UNKNOWN_OPCODE} for a
 * tls-crypt-v2 {@code P_CONTROL_HARD_RESET_CLIENT_V3}) and opens no second session. The caller screens
 * such dropped control packets with its {@link HandshakeCookie} as if the address were unknown: a
 * reply goes out statelessly, and only an {@link HandshakeCookie.Action#ADMIT} (the client proved the
 * address) replaces the old instance with a new one. Forged resets thus cost an established client
 * nothing.
 *
 * @since 2.2
 */
public final class ServerPull {
    /** OpenVPN closes an instance this long after AUTH_FAILED, a client-kill or the client's EXIT. */
    public static final long EXIT_DELAY_MILLIS = 5000;

    private final TlsSession session;
    private final Clock clock;
    private long exitDeadline = Long.MAX_VALUE;
    private PeerInfo peerInfo;

    ServerPull(TlsSession session, Clock clock) {
        this.session = session;
        this.clock = clock;
    }

    /** The client's key-method-2 message arrived and awaits a decision (UNDECIDED or PENDING). */
    public boolean clientReady() {
        PushServer p = push();
        return session.state() == TlsSession.State.CONNECTING && p.clientKeyMethod2() != null
                && p.decision() != PushServer.Decision.DENIED;
    }

    /** The client's peer info (IV_ variables) once {@link #clientReady()}, else null. */
    public PeerInfo peerInfo() {
        KeyMethod2 km2 = push().clientKeyMethod2();
        if (km2 == null) {
            return peerInfo;
        }
        if (peerInfo == null || !peerInfo.text().equals(km2.peerInfo)) {
            peerInfo = PeerInfo.parse(km2.peerInfo);
        }
        return peerInfo;
    }

    /**
     * The client certificate's subject, OpenVPN style ({@code C=.., O=.., CN=..}), once its TLS handshake
     * verified it; null before, or for a client without a certificate. The server needs the common name
     * before the keys (ccd file, pool entry, duplicate-cn), when {@link TlsSession#negotiated()} is still null.
     */
    public String peerSubject() {
        TlsEndpoint tls = session.activeControl().currentTls();
        org.culvert.openvpn.tls.internal.PeerVerifier.PeerIdentity peer = tls == null ? null : tls.peer();
        return peer == null ? null : peer.subject();
    }

    /** The username the client sent (empty without {@code auth-user-pass}), or null before {@link #clientReady()}. */
    public String username() {
        KeyMethod2 km2 = push().clientKeyMethod2();
        return km2 == null ? null : km2.username;
    }

    /**
     * The password the client sent, as a copy the caller wipes; the engine's copy is wiped now, so a
     * second call gives an empty array. Null before {@link #clientReady()}.
     */
    public char[] takePassword() {
        KeyMethod2 km2 = push().clientKeyMethod2();
        if (km2 == null) {
            return null;
        }
        char[] copy = km2.password.clone();
        Arrays.fill(km2.password, '\0');
        return copy;
    }

    /** The client's OCC options string (for its {@code cipher} and compatibility warnings), or null. */
    public String occOptions() {
        KeyMethod2 km2 = push().clientKeyMethod2();
        return km2 == null ? null : km2.options;
    }

    /**
     * OpenVPN's {@code multi_client_set_protocol_options} for this client with the server's
     * {@code --data-ciphers} and fallback; null before {@link #clientReady()}.
     *
     * @param peerId the peer-id assigned to the client (OpenVPN: the lowest free slot)
     */
    public ClientProtocol protocol(int peerId) {
        PeerInfo info = peerInfo();
        if (info == null || !clientReady()) {
            return null;
        }
        TlsEndpoint tls = session.activeControl().currentTls();
        return ClientProtocol.choose(info, occCipher(occOptions()), session.config().dataCiphers,
                session.config().fallback, peerId, tls != null && tls.canExport());
    }

    /**
     * Accepts the client: keys key 0 with {@code protocol}, then sends {@code pushReplies} (complete
     * control messages, {@code PUSH_REPLY,...}, built by the caller with {@link ClientProtocol#pushOptions()})
     * as described above.
     *
     * @return false if there was nothing to accept (not {@link #clientReady()}, no shared cipher, failed)
     *         or a message holds a character that is not printable ASCII
     */
    public boolean accept(ClientProtocol protocol, List<String> pushReplies) {
        Objects.requireNonNull(pushReplies, "pushReplies");
        PeerInfo info = peerInfo();
        if (protocol == null || !protocol.ok() || info == null || !clientReady()) {
            return false;
        }
        for (String m : pushReplies) {
            if (!m.equals(printable(m))) {
                return false; // a NUL or line break would end the message early and start another
            }
        }
        return push().accept(protocol.cipher(), protocol.peerId(), protocol.tlsEkm(),
                protocol.ccExit(), protocol.dynTlsCrypt(), pushReplies, info.has(PeerInfo.IV_PROTO_REQUEST_PUSH));
    }

    /** OpenVPN refuses an INFO_PRE text that would not fit its 1024-byte control buffer with the keyword. */
    public static final int MAX_PENDING_EXTRA = 1024 - 20;

    /**
     * Defers the decision: {@code AUTH_PENDING,timeout N} (bare {@code AUTH_PENDING} to clients without
     * IV_PROTO_AUTH_PENDING_KW), then {@code INFO_PRE,extra} if {@code extra} is given.
     *
     * @return false, sending nothing, if {@code extra} is longer than {@link #MAX_PENDING_EXTRA} or holds
     *         a character that is not printable ASCII (OpenVPN: "Extra parameter may be too long")
     */
    public boolean pending(int timeoutSeconds, String extra) {
        if (extra != null && (extra.length() > MAX_PENDING_EXTRA || !extra.chars().allMatch(c -> c >= 0x20 && c < 0x7F))) {
            return false;
        }
        PeerInfo info = peerInfo();
        boolean keyword = info != null && info.has(PeerInfo.IV_PROTO_AUTH_PENDING_KW);
        push().pending(keyword ? "AUTH_PENDING,timeout " + Math.max(0, timeoutSeconds) : "AUTH_PENDING",
                extra == null ? null : "INFO_PRE," + extra);
        return true;
    }

    /**
     * Refuses the client: {@code AUTH_FAILED[,clientReason]} (unprintable characters as {@code _}); the instance closes 5 s later. Does
     * nothing to a client already accepted (use {@link #kill}) or denied.
     */
    public void deny(String clientReason) {
        PushServer p = push();
        p.deny(clientReason == null || clientReason.isEmpty() ? "AUTH_FAILED" : "AUTH_FAILED," + printable(clientReason));
        if (p.decision() == PushServer.Decision.DENIED) {
            clientExit(EXIT_DELAY_MILLIS);
        }
    }

    /**
     * The management {@code client-kill}: sends {@code message} ({@code RESTART} if null; e.g.
     * {@code HALT}, {@code RESTART,[N]}); the instance closes 5 s later.
     */
    public void kill(String message) {
        session.activeControl().sendControlMessage(message == null ? "RESTART" : printable(message));
        clientExit(EXIT_DELAY_MILLIS);
    }

    /** The decision so far: UNDECIDED, PENDING, ACCEPTED or DENIED. */
    public String decision() {
        return push().decision().name();
    }

    /** PUSH_REQUESTs the client sent. */
    public int pushRequests() {
        return push().pushRequests();
    }

    /** When (monotonic ms) the caller closes this instance; {@code Long.MAX_VALUE} while it lives on. */
    public long exitDeadline() {
        return exitDeadline;
    }

    /** Schedules the close {@code delayMillis} from now (never later than one already scheduled). */
    void clientExit(long delayMillis) {
        exitDeadline = Math.min(exitDeadline, clock.monotonicMillis() + delayMillis);
    }

    /** A control message's text: unprintable characters (NUL would end the message early) become '_'. */
    private static String printable(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? c : '_');
        }
        return sb.toString();
    }

    private PushServer push() {
        return session.activeControl().pushServer();
    }

    private static String occCipher(String options) {
        if (options == null) {
            return null;
        }
        for (String item : options.split(",")) {
            if (item.startsWith("cipher ")) {
                return item.substring(7).trim();
            }
        }
        return null;
    }
}
