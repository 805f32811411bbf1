package org.culvert.tunnel.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.culvert.openvpn.config.ClientConfigOptions;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.ServerSettings;
import org.culvert.openvpn.server.PushReplyBuilder;
import org.culvert.openvpn.tls.ClientProtocol;
import org.culvert.openvpn.tls.HandshakeCookie;
import org.culvert.openvpn.tls.Negotiated;
import org.culvert.openvpn.tls.PeerInfo;
import org.culvert.openvpn.tls.ServerPull;
import org.culvert.openvpn.tls.TlsConfigException;
import org.culvert.openvpn.tls.TlsSession;
import org.culvert.openvpn.tls.TlsSettings;
import org.culvert.tunnel.internal.auth.AuthLog;
import org.culvert.tunnel.internal.auth.AuthWorkers;
import org.culvert.tunnel.internal.auth.ClientAuthState;
import org.culvert.tunnel.internal.auth.DeferredAuth;
import org.culvert.tunnel.internal.auth.ScriptEnv;
import org.culvert.tunnel.internal.auth.ScriptOutcome;
import org.culvert.tunnel.internal.auth.ServerAuthSettings;
import org.culvert.tunnel.internal.auth.ServerAuthenticator;
import org.culvert.tunnel.internal.auth.UserPassResult;

/**
 * {@link ServerEngines} over the TLS engine's server role: the stateless {@link HandshakeCookie} admits
 * a client on the link thread, each client's {@link TlsSession} runs on its data thread, and
 * {@link #step} takes OpenVPN's decisions once the client's key-method-2 message arrived: its ccd file
 * and addresses ({@link PoolAddressing}), its protocol options (cipher, peer-id) and its PUSH_REPLY
 * ({@link PushReplyBuilder}), or AUTH_FAILED.
 */
final class OpenVpnServerEngines implements ServerEngines {
    /** OpenVPN's reply buffer for the cookie's answer is far smaller; 512 bytes hold any reset. */
    private static final int REPLY_BYTES = 512;

    private final OpenVpnOptions options;
    private final ServerSettings server;
    private final TlsSettings settings;
    private final LoopClock clock;
    private final PoolAddressing addressing;
    private final TunnelLog log;
    private final SecureRandom random = new SecureRandom();
    private final int headroom;
    private final int tailroom;
    // Link thread only: the cookie and its buffers.
    private final HandshakeCookie cookie;
    private final byte[] packetBytes;
    private final byte[] replyBytes = new byte[REPLY_BYTES];
    private final byte[] addressBytes = new byte[18];
    private HandshakeCookie.Admission admitted;
    /** Peer-ids in use: OpenVPN gives the lowest free one. */
    private final BitSet peerIds = new BitSet();
    private volatile boolean closed;
    /** Authentication and the client scripts, on their own threads; null when nothing is configured. */
    private final ServerAuthSettings authSettings;
    private final ServerAuthenticator auth;
    private final AuthWorkers workers;
    private final Map<String, String> scriptBase;
    /** {@code --connect-freq-initial} and {@code --connect-freq}. Link thread. */
    private final ConnectLimits limits;
    /** {@code --tls-crypt-v2-verify}, or null. Link thread. */
    private final TlsCryptV2Gate v2Gate;
    private final long renegSeconds;
    /** {@code --management-client-auth}: each client waits for the management's client-auth/client-deny. */
    private final boolean managementClientAuth;
    /** Clients awaiting the management's verdict: client id to the KID it was told. */
    private final Map<Long, Long> awaited = new ConcurrentHashMap<>();
    /** How often held clients' {@code auth_control_file}s are read (a one-byte read each, on the poll thread). */
    static final long DEFERRED_POLL_MILLIS = 200;
    /** Clients whose user/pass check deferred; read by the poll thread. */
    private final Set<Held> held = ConcurrentHashMap.newKeySet();
    private boolean pollerStarted;

    OpenVpnServerEngines(OpenVpnOptions options, TlsSettings settings, PoolAddressing addressing, int maxLinkPacket, LoopClock clock,
            TunnelLog log) throws TlsConfigException {
        this.options = options;
        this.server = options.server().orElseThrow(() -> new IllegalArgumentException("not a server configuration"));
        this.settings = settings;
        this.clock = clock;
        this.addressing = addressing;
        this.log = log;
        this.packetBytes = new byte[maxLinkPacket];
        PeerSession probe = PeerSession.tls(options, settings, clock, random);
        this.headroom = probe.headroom();
        this.tailroom = probe.tailroom();
        probe.close();
        this.cookie = new HandshakeCookie(settings, OpenVpnClocks.of(clock), random);
        this.authSettings = ServerAuthSettings.from(options, ServerAuthSettings.DEFAULT_SCRIPT_TIMEOUT);
        this.managementClientAuth = options.management().map(m -> m.clientAuth()).orElse(false);
        // management-client-auth is one of OpenVPN's user/pass checks (man_def_auth in verify_user_pass):
        // a blank username is refused without auth-user-pass-optional, and username-as-common-name applies.
        boolean scripts = authSettings.userPassVerify() != null || authSettings.clientConnect() != null
                || authSettings.clientDisconnect() != null || authSettings.authToken() != null
                || authSettings.tlsCryptV2Verify() != null || managementClientAuth;
        AuthLog authLog = new AuthLog() {
            @Override
            public void warn(String message) {
                log.warn(message);
            }

            @Override
            public void info(String message) {
                log.info(message);
            }
        };
        this.auth = scripts ? new ServerAuthenticator(authSettings, options.tls().get().renegSeconds(), OpenVpnClocks.of(clock), random, authLog)
                : null;
        this.workers = scripts ? new AuthWorkers(options.sourceName(), 2) : null;
        this.renegSeconds = options.tls().get().renegSeconds();
        this.scriptBase = Map.of("script_context", "init", "dev", options.dev(), "verb", Integer.toString(options.verb()));
        this.limits = new ConnectLimits(server.connectFreqInitial(), server.connectFreq(), clock, log::warn);
        this.v2Gate = authSettings.tlsCryptV2Verify() == null || !settings.hasTlsCryptV2Server() ? null
                : new TlsCryptV2Gate(this::verifyTlsCryptV2, r -> workers.submit(() -> {
                    r.run();
                    return null;
                }), clock, Math.max(1, settings.handWindow()) * 1000L, Math.max(16, server.maxClients()));
    }

    /** {@code do_pre_decrypt_check}: the cookie's answer, an admission, or a drop. Link thread. */
    @Override
    public Admission admit(ByteBuffer packet, SocketAddress from, ByteBuffer reply) {
        int length = packet.remaining();
        if (length > packetBytes.length || !(from instanceof InetSocketAddress)) {
            return Admission.DROP;
        }
        packet.get(packet.position(), packetBytes, 0, length);
        addressBytes(from);
        HandshakeCookie.Action action = cookie.screen(packetBytes, length, addressBytes, replyBytes);
        switch (action) {
            case REPLY: {
                int n = cookie.replyLength();
                if (reply.remaining() < n || !limits.resetAllowed()) {
                    return Admission.DROP;
                }
                int start = reply.position();
                reply.put(replyBytes, 0, n);
                reply.limit(reply.position());
                reply.position(start);
                return Admission.REPLY;
            }
            case ADMIT:
                if (admitted != null) {
                    admitted.wipe();
                }
                admitted = cookie.admission();
                if (v2Gate != null && admitted.tlsCryptV2Metadata() != null
                        && v2Gate.check(addressBytes, admitted.clientSessionId(), (InetSocketAddress) from,
                                admitted.tlsCryptV2Metadata()) != TlsCryptV2Gate.Verdict.ADMIT) {
                    admitted.wipe();
                    admitted = null;
                    return Admission.DROP;
                }
                if (!limits.newInstanceAllowed()) {
                    admitted.wipe();
                    admitted = null;
                    return Admission.DROP;
                }
                return Admission.CREATE;
            default:
                return Admission.DROP;
        }
    }

    /** {@code tls_crypt_v2_verify_metadata}, on an auth worker: the script's exit status decides. */
    private boolean verifyTlsCryptV2(InetSocketAddress from, int metadataType, byte[] metadata) {
        ScriptEnv env = new ScriptEnv(scriptBase).untrusted(from);
        ScriptOutcome o = auth.scripts().tlsCryptV2Verify(env, metadataType, metadata);
        if (!o.accepted()) {
            log.warn(from + " TLS Error: --tls-crypt-v2-verify refused the client key (metadata type " + metadataType
                    + "): " + o.detail());
        }
        return o.accepted();
    }

    /** Drops by {@code --connect-freq-initial} and {@code --connect-freq}. Tests. */
    long[] connectLimitDrops() {
        return new long[] {limits.droppedResets(), limits.droppedConnects()};
    }

    /** The tls-crypt-v2-verify gate's counts (started, admitted, refused, full), or null without one. Tests. */
    long[] tlsCryptV2VerifyCounts() {
        return v2Gate == null ? null : new long[] {v2Gate.started(), v2Gate.admitted(), v2Gate.refused(), v2Gate.full()};
    }

    /** The address as the cookie's HMAC input: the port, then the IP bytes, zero-padded to 16. */
    private void addressBytes(SocketAddress from) {
        InetSocketAddress a = (InetSocketAddress) from;
        java.util.Arrays.fill(addressBytes, (byte) 0);
        addressBytes[0] = (byte) (a.getPort() >>> 8);
        addressBytes[1] = (byte) a.getPort();
        if (a.getAddress() != null) {
            byte[] ip = a.getAddress().getAddress();
            System.arraycopy(ip, 0, addressBytes, 2, Math.min(ip.length, 16));
        }
    }

    /** Link thread, right after {@link #admit} said CREATE: the session starts from the cookie's admission. */
    @Override
    public PeerSession newSession(long clientId, SocketAddress real) throws TlsConfigException {
        HandshakeCookie.Admission a = admitted;
        admitted = null;
        try {
            return PeerSession.tls(options, settings, clock, random, a);
        } finally {
            if (a != null) {
                a.wipe();
            }
        }
    }

    @Override
    public int headroom() {
        return headroom;
    }

    @Override
    public int tailroom() {
        return tailroom;
    }

    @Override
    public String commonName(PeerSession session) {
        // Before the keys (the server decides then) the pull knows the verified certificate; afterwards both do.
        ServerPull p = pull(session);
        return p == null ? null : commonNameOf(p.peerSubject());
    }

    /** The name the checks settled on ({@code --username-as-common-name}), else the certificate's. Owner thread. */
    @Override
    public String commonName(MultiInstance m) {
        String cn = m.engineState instanceof ClientState ? ((ClientState) m.engineState).commonName : null;
        return cn != null ? cn : commonName(m.session);
    }

    /** The CN of an OpenVPN-style subject ({@code C=.., O=.., CN=..}), or null. */
    static String commonNameOf(String subject) {
        if (subject == null) {
            return null;
        }
        for (String part : subject.split(",\\s*")) {
            if (part.startsWith("CN=")) {
                return part.substring(3);
            }
        }
        return null;
    }

    @Override
    public String username(PeerSession session) {
        ServerPull p = pull(session);
        String u = p == null ? null : p.username();
        return u == null || u.isEmpty() ? null : u;
    }

    @Override
    public int peerId(PeerSession session) {
        TlsSession t = tls(session);
        Negotiated n = t == null ? null : t.negotiated();
        return n != null && n.dataV2() ? n.peerId() : -1;
    }

    @Override
    public String dataCipher(PeerSession session) {
        TlsSession t = tls(session);
        Negotiated n = t == null ? null : t.negotiated();
        return n == null ? null : n.dataCipher().openVpnName();
    }

    @Override
    public Map<String, String> environment(PeerSession session) {
        ServerPull p = pull(session);
        PeerInfo info = p == null ? null : p.peerInfo();
        return info == null ? Map.of() : info.values();
    }

    /** {@code client-kill}: RESTART or HALT on the control channel; the pull's exit deadline closes the client. */
    @Override
    public boolean sendControl(PeerSession session, String message) {
        ServerPull p = pull(session);
        if (p == null) {
            return false;
        }
        p.kill(message);
        return true;
    }

    @Override
    public long step(MultiInstance m, ServerLoop loop) {
        ServerPull p = pull(m.session);
        if (p == null) {
            return 0;
        }
        if (p.clientReady() && "UNDECIDED".equals(p.decision())) {
            decide(m, p, loop);
        }
        long deadline = p.exitDeadline();
        return deadline == Long.MAX_VALUE ? 0 : deadline == 0 ? 1 : deadline;
    }

    /** One client's authentication as the engine tracks it; owner thread unless said. */
    private static final class ClientState {
        final ClientAuthState auth = new ClientAuthState();
        ScriptEnv env;
        /** The checks started: no second decision is begun (the first ends in accept or deny). */
        boolean started;
        /** The common name after the user/pass check ({@code --username-as-common-name}); null before. */
        volatile String commonName;
        /** The user/pass check's result once it authenticated (for its auth-token); null without one. */
        UserPassResult userPass;
        /** A deferred user/pass check being polled, or null. */
        Held held;
        /** client-connect ran and accepted: client-disconnect runs at close. */
        boolean connected;
        long connectedAtMillis;
    }

    /** A client whose {@code auth-user-pass-verify} deferred: polled until its verdict or {@code expireAt}. */
    private record Held(MultiInstance m, ServerPull p, ServerLoop loop, String certCn, UserPassResult result, long expireAt) {
    }

    /**
     * OpenVPN's {@code multi_connection_established} up to {@code send_push_reply}, in OpenVPN's order:
     * the user/pass check (on the auth workers, never on a data thread; polled while deferred), the
     * management's verdict under {@code --management-client-auth}, {@code client-connect} (auth workers),
     * then {@link #finish} on the client's data thread. The client's data thread.
     */
    private void decide(MultiInstance m, ServerPull p, ServerLoop loop) {
        ClientState state = state(m);
        if (state.started) {
            return;
        }
        state.started = true;
        char[] password = p.takePassword();
        String cn = commonName(m.session);
        if (auth != null) {
            ScriptEnv env = new ScriptEnv(scriptBase);
            env.put("common_name", cn);
            env.putAll(environment(m.session));
            if (m.real instanceof InetSocketAddress) {
                env.untrusted((InetSocketAddress) m.real);
            }
            state.env = env;
        }
        if (auth == null || (authSettings.userPassVerify() == null && authSettings.authToken() == null && !managementClientAuth)) {
            wipe(password); // nothing checks it (as OpenVPN without --auth-user-pass-verify)
            keyAuthenticated(m, p, loop, cn, null);
            return;
        }
        String username = p.username() == null ? "" : p.username();
        ScriptEnv env = state.env;
        workers.submit(() -> {
            try {
                return auth.verifyUserPass(state.auth, env, cn, username, password == null ? new char[0] : password);
            } finally {
                wipe(password);
            }
        }).whenComplete((r, failure) -> m.owner.postToClient(m, () -> {
            if (gone(m, p)) {
                if (r != null && r.deferred() != null) {
                    r.deferred().close();
                }
                return;
            }
            if (failure != null) {
                log.warn("MULTI: " + m + ": authentication failed to run: " + failure);
                p.deny("");
            } else if (r.reason() == UserPassResult.Reason.DEFERRED) {
                defer(m, p, loop, cn, r);
            } else if (!r.authenticated()) {
                log.warn("MULTI: " + m + ": TLS Auth Error: Auth Username/Password verification failed (" + r.reason() + ")");
                p.deny(r.clientReason() == null ? "" : r.clientReason());
            } else {
                keyAuthenticated(m, p, loop, cn, r);
            }
        }));
    }

    /** The client went or was decided meanwhile: a late result is dropped. */
    private static boolean gone(MultiInstance m, ServerPull p) {
        String d = p.decision();
        return m.halted || !("UNDECIDED".equals(d) || "PENDING".equals(d));
    }

    /**
     * {@code KS_AUTH_DEFERRED}: the client is held while the poll thread reads its {@code auth_control_file};
     * with an {@code auth_pending_file}, the client is told {@code AUTH_PENDING} and {@code INFO_PRE} first.
     * OpenVPN caps the pending timeout at {@code max(reneg-sec / 2, hand-window)}; Culvert's handshake ends
     * at {@code hand-window} whatever the timeout, so it caps at that and tells the client no more.
     */
    private void defer(MultiInstance m, ServerPull p, ServerLoop loop, String certCn, UserPassResult r) {
        DeferredAuth check = r.deferred();
        long waitSeconds = settings.handWindow();
        java.util.Optional<DeferredAuth.PendingRequest> request = check.pendingRequest();
        if (request.isPresent()) {
            waitSeconds = Math.min(request.get().timeoutSeconds(),
                    Math.min(Math.max(renegSeconds / 2, settings.handWindow()), settings.handWindow()));
            if (!p.pending((int) waitSeconds, request.get().extra())) {
                log.warn("MULTI: " + m + ": auth pending: the extra text of auth_pending_file may be too long");
                check.close();
                p.deny("");
                return;
            }
        }
        // The handshake ends hand-window after the client's first packet: the verdict is due a second
        // before, so that a client without one is told AUTH_FAILED (OpenVPN's KS_AUTH_FALSE) rather than dropped.
        long sinceStart = java.time.Duration.between(m.connectedSince, java.time.Instant.now()).toMillis();
        long waitMillis = Math.max(0, Math.min(waitSeconds * 1000L, settings.handWindow() * 1000L - sinceStart - 1000));
        Held h = new Held(m, p, loop, certCn, r, clock.millis() + waitMillis);
        state(m).held = h;
        held.add(h);
        synchronized (held) {
            if (!pollerStarted) {
                pollerStarted = workers.every(DEFERRED_POLL_MILLIS, this::pollHeld);
            }
        }
        log.info("MULTI: " + m + ": authentication deferred, waiting up to " + waitSeconds + " s for its auth_control_file");
    }

    /** The poll thread: each held client's control file, its verdict (or expiry) posted to its data thread. */
    private void pollHeld() {
        try {
            long now = clock.millis();
            for (Held h : held) {
                DeferredAuth check = h.result().deferred();
                if (h.m().halted) {
                    held.remove(h);
                    check.close();
                    continue;
                }
                DeferredAuth.Status status = check.poll();
                if (status == DeferredAuth.Status.PENDING && now < h.expireAt()) {
                    continue;
                }
                held.remove(h);
                String reason = status == DeferredAuth.Status.REFUSED ? check.clientReason() : null;
                check.close();
                h.m().owner.postToClient(h.m(), () -> deferredVerdict(h, status, reason));
            }
        } catch (RuntimeException e) {
            log.warn("MULTI: polling deferred authentication failed: " + e);
        }
    }

    /** The deferred check's verdict on the client's data thread ({@code key_state_test_auth_control_file}). */
    private void deferredVerdict(Held h, DeferredAuth.Status status, String clientReason) {
        MultiInstance m = h.m();
        state(m).held = null;
        if (gone(m, h.p())) {
            return;
        }
        UserPassResult r = h.result();
        switch (status) {
            case ACCEPTED:
                log.info("MULTI: " + m + ": deferred authentication accepted (auth_control_file)");
                keyAuthenticated(m, h.p(), h.loop(), h.certCn(), new UserPassResult(true, UserPassResult.Reason.ACCEPTED,
                        r.commonName(), r.username(), null, r.authTokenLine(), null));
                break;
            case REFUSED:
                log.warn("MULTI: " + m + ": TLS Auth Error: Auth Username/Password verification failed (deferred: auth_control_file)");
                h.p().deny(clientReason == null ? "" : clientReason);
                break;
            default:
                log.warn("MULTI: " + m + ": TLS Auth Error: deferred authentication timed out (no verdict in auth_control_file)");
                h.p().deny("");
        }
    }

    /**
     * The key is authenticated (the user/pass check passed, or none is configured): under
     * {@code --management-client-auth} the client waits for the operator ({@code >CLIENT:CONNECT}), else
     * {@code client-connect} runs. Owner thread.
     */
    private void keyAuthenticated(MultiInstance m, ServerPull p, ServerLoop loop, String certCn, UserPassResult r) {
        ClientState state = state(m);
        String cn = r == null || r.commonName() == null ? certCn : r.commonName();
        state.commonName = cn;
        state.userPass = r;
        if (managementClientAuth) {
            // man_def_auth: the events carry the name the checks settled on
            m.commonName = cn == null ? org.culvert.api.tunnel.ServerClient.UNDEF : cn;
            if (r != null && r.username() != null && !r.username().isEmpty()) {
                m.username = r.username();
            }
            long kid = Math.max(0, m.session.keyGeneration() - 1);
            awaited.put(m.clientId, kid);
            m.connectTold = true;
            loop.publish(org.culvert.api.tunnel.ServerClientEvent.Kind.CONNECT, m, "", false, kid);
            return;
        }
        clientConnect(m, p, loop, List.of());
    }

    /**
     * The management's {@code client-auth}/{@code client-deny} for the key it was told: true when that
     * key awaited a verdict (at most once), false for an unknown or stale CID/KID. Any thread.
     */
    @Override
    public boolean clientAuth(MultiInstance m, ServerLoop loop, long keyId, boolean allow, List<String> configLines, String clientReason) {
        if (!awaited.remove(m.clientId, keyId)) {
            return false;
        }
        List<String> lines = configLines == null ? List.of() : List.copyOf(configLines);
        m.owner.postToClient(m, () -> {
            ServerPull p = pull(m.session);
            if (p == null || gone(m, p)) {
                return;
            }
            if (!allow) {
                log.warn("MULTI: " + m + ": refused by the management interface (client-deny)");
                p.deny(clientReason == null ? "" : clientReason);
                return;
            }
            clientConnect(m, p, loop, lines);
        });
        return true;
    }

    /** {@code client-pending-auth}: AUTH_PENDING and INFO_PRE to a client awaiting the management's verdict. Any thread. */
    @Override
    public boolean clientPendingAuth(MultiInstance m, ServerLoop loop, long keyId, String extra, int timeoutSeconds) {
        Long kid = awaited.get(m.clientId);
        if (kid == null || kid != keyId || extra == null || extra.length() > ServerPull.MAX_PENDING_EXTRA
                || !extra.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
            return false;
        }
        int timeout = Math.min(Math.max(0, timeoutSeconds), settings.handWindow());
        m.owner.postToClient(m, () -> {
            ServerPull p = pull(m.session);
            if (p != null && !gone(m, p)) {
                p.pending(timeout, extra);
            }
        });
        return true;
    }

    /** {@code client-connect} on the auth workers when configured, then {@link #finish}. Owner thread. */
    private void clientConnect(MultiInstance m, ServerPull p, ServerLoop loop, List<String> managementLines) {
        ClientState state = state(m);
        if (auth == null || authSettings.clientConnect() == null) {
            finish(m, p, loop, managementLines, null);
            return;
        }
        ScriptEnv env = state.env;
        env.put("common_name", state.commonName);
        if (m.real instanceof InetSocketAddress) {
            env.trusted((InetSocketAddress) m.real);
        }
        workers.submit(() -> auth.scripts().clientConnect(env)).whenComplete((connect, failure) -> m.owner.postToClient(m, () -> {
            if (gone(m, p)) {
                return;
            }
            if (failure != null) {
                log.warn("MULTI: " + m + ": client-connect failed to run: " + failure);
                p.deny("");
                return;
            }
            finish(m, p, loop, managementLines, connect);
        }));
    }

    /**
     * The decision once the checks are in: the ccd file, the management's {@code client-auth} lines and
     * client-connect's over it (OpenVPN's order), the addresses, the PUSH_REPLY.
     */
    private void finish(MultiInstance m, ServerPull p, ServerLoop loop, List<String> managementLines, ScriptOutcome connect) {
        ClientState st = state(m);
        String cn = st.commonName;
        String token = null;
        if (st.userPass != null) {
            String line = st.userPass.authTokenLine();
            token = line != null && line.startsWith("auth-token ") ? line.substring("auth-token ".length()) : null;
        }
        ClientConfigOptions cc = addressing.clientConfig(cn);
        if (cc == null) {
            p.deny("");
            return;
        }
        if (!managementLines.isEmpty()) {
            cc = cc.then(ClientConfigOptions.parse(String.join("\n", managementLines) + "\n", "client-auth", options, null));
        }
        if (connect != null && connect.reason() != ScriptOutcome.Reason.NOT_CONFIGURED) {
            if (!connect.accepted()) {
                log.warn("MULTI: " + m + ": client-connect refused the client: " + connect.detail());
                p.deny(connect.clientReason() == null ? "" : connect.clientReason());
                return;
            }
            state(m).connected = true;
            state(m).connectedAtMillis = clock.millis();
            if (!connect.configLines().isEmpty()) {
                cc = cc.then(ClientConfigOptions.parse(String.join("\n", connect.configLines()) + "\n", "client-connect", options, null));
            }
        }
        loop.deleteDuplicates(m, cn);
        PoolAddressing.Selected selected = addressing.selectWith(cn, cc);
        if (selected == null) {
            p.deny("");
            return;
        }
        m.lease(selected.lease());
        int peerId = allocatePeerId();
        m.assignedPeerId = peerId;
        ClientProtocol cp = p.protocol(peerId);
        if (cp == null || !cp.ok()) {
            log.warn("MULTI: " + m + ": " + (cp == null ? "no protocol options" : cp.failure()));
            p.deny(cp == null ? "" : cp.failure());
            return;
        }
        loop.peerIdAssigned(m, cp.peerId());
        List<String> replies;
        try {
            PushReplyBuilder b = new PushReplyBuilder(server.push()).clientConfig(selected.ccd()).addresses(selected.address());
            if (cp.peerId() >= 0) {
                b.peerId(cp.peerId());
            }
            if (token != null) {
                b.authToken(token);
            }
            if (cp.pushCipher() && cp.cipher() != null) {
                b.cipher(cp.cipher().openVpnName());
            }
            b.protocolFlags(cp.ccExit(), cp.tlsEkm(), cp.dynTlsCrypt());
            PeerInfo info = p.peerInfo();
            if (info != null && info.mtu() > 0) {
                b.tunMtu(options.tunMtu());
            }
            replies = b.build();
        } catch (PushReplyBuilder.PushException e) {
            log.warn("MULTI: " + m + ": PUSH_REPLY: " + e.getMessage());
            p.deny("");
            return;
        }
        if (!p.accept(cp, replies)) {
            log.warn("MULTI: " + m + ": the PUSH_REPLY was refused by the engine");
            p.deny("");
        }
    }

    private static ClientState state(MultiInstance m) {
        if (!(m.engineState instanceof ClientState)) {
            m.engineState = new ClientState();
        }
        return (ClientState) m.engineState;
    }

    private static void wipe(char[] password) {
        if (password != null) {
            java.util.Arrays.fill(password, '\0');
        }
    }

    private int allocatePeerId() {
        synchronized (peerIds) {
            int id = peerIds.nextClearBit(0);
            if (id >= ServerSettings.MAX_PEER_ID) {
                return -1;
            }
            peerIds.set(id);
            return id;
        }
    }

    @Override
    public void closed(MultiInstance m) {
        awaited.remove(m.clientId);
        if (m.engineState instanceof ClientState) {
            ClientState state = (ClientState) m.engineState;
            Held h = state.held;
            if (h != null) {
                held.remove(h);
                h.result().deferred().close();
            }
            if (state.connected && auth != null && authSettings.clientDisconnect() != null) {
                org.culvert.api.tunnel.ServerClient c = m.snapshot();
                long seconds = (clock.millis() - state.connectedAtMillis) / 1000;
                workers.submit(() -> auth.scripts().clientDisconnect(state.env, c.bytesReceived(), c.bytesSent(), seconds));
            }
        }
        int id = m.assignedPeerId;
        if (id >= 0) {
            synchronized (peerIds) {
                peerIds.clear(id);
            }
            m.assignedPeerId = -1;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cookie.close();
            settings.wipe();
            if (workers != null) {
                workers.close();
            }
            if (auth != null) {
                auth.close();
            }
        }
    }

    private static TlsSession tls(PeerSession session) {
        return session.engine() instanceof TlsSession ? (TlsSession) session.engine() : null;
    }

    private static ServerPull pull(PeerSession session) {
        TlsSession t = tls(session);
        return t == null ? null : t.serverPull();
    }
}
