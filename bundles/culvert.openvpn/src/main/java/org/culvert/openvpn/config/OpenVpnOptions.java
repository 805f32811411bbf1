package org.culvert.openvpn.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.CipherAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.crypto.StaticKey;

/**
 * A validated point-to-point configuration, with OpenVPN 2.6's defaults applied and its helper
 * options expanded ({@code --keepalive} into ping and ping-restart, the default {@code --mssfix}).
 * Produced only by {@link ConfigParser}; immutable and thread-safe.
 *
 * <p>It runs in one of two modes: static key ({@code --secret}; {@link #tls()} is empty and
 * {@link #secret()} and {@link #cipher()} hold the key and cipher), or TLS ({@code --tls-client} or
 * {@code --tls-server}; {@link #tls()} holds the TLS options, and the data cipher is negotiated, so
 * {@link #secret()} and {@link #cipher()} throw). Everything else applies to both.
 *
 * <p>Times are in seconds, 0 meaning "off", as in OpenVPN. {@link #toString()} never shows key
 * material.
 */
public final class OpenVpnOptions {

    /** The parsed values, in one place so that the builder and this class cannot drift apart. */
    record Values(String sourceName, String dev, DevType devType, Optional<String> devNode, Proto proto,
            IpFamily linkFamily, Optional<String> local, int localPort, int remotePort, List<Remote> remotes,
            Optional<Proxy> proxy,
            boolean bind, boolean bindIpv6Only, boolean floatRemote, Optional<IfConfig> ifconfig,
            Optional<IfConfigIpv6> ifconfigIpv6, List<Route> routes, List<RouteIpv6> routesIpv6, Topology topology,
            int tunMtu, int occMtu, int tunMtuExtra, OptionalInt linkMtu, int mssfix, boolean mssfixEncap, boolean mssfixFixed,
            int sndbuf, int rcvbuf, Optional<Script> up, Optional<Script> down, int scriptSecurity,
            boolean persistTun, boolean persistKey, int ping, int pingRestart, int pingExit, int inactive,
            long inactiveBytes, int explicitExitNotify, StaticKey secret, Optional<Path> secretFile,
            boolean secretInline, KeyDirection keyDirection, CipherAlgorithm cipher, AuthAlgorithm auth,
            ReplayWindow.Settings replayWindow, Compression compression, Optional<AllowCompression> allowCompression,
            int verb, int mute, boolean muteReplayWarnings, int connectRetry, int connectRetryMax,
            int connectTimeout, int resolvRetry, Optional<Path> writepid, boolean disableDco,
            List<String> dataCiphers, Optional<String> dataCiphersFallback,
            boolean allowDeprecatedInsecureStaticCrypto, Optional<TlsOptions> tls, Optional<String> windowsDriver,
            Optional<Management> management, Optional<StatusFile> status, Optional<AuthUserPass> authUserPass,
            Optional<String> authToken, Optional<String> authTokenUser, List<String> warnings,
            List<ConnectionEntry> connections, boolean remoteRandom, boolean remoteRandomHostname,
            int connectRetryMaxCount, Optional<PullOptions> pull, List<String> echo, java.util.Map<String, String> setenvSafe) {
    }

    /** {@link #resolvRetry()} value meaning "retry forever" (OpenVPN's default). */
    public static final int RESOLV_RETRY_INFINITE = OptionsBuilder.RESOLV_RETRY_INFINITE;

    private final Values v;
    private final RouteSettings routeSettings;

    private final ServerAuthOptions serverAuth;

    OpenVpnOptions(Values values, RouteSettings routeSettings) {
        this(values, routeSettings, ServerAuthOptions.NONE);
    }

    OpenVpnOptions(Values values, RouteSettings routeSettings, ServerAuthOptions serverAuth) {
        this.v = values;
        this.routeSettings = routeSettings;
        this.serverAuth = serverAuth;
    }

    /** A server's authentication options ({@link ServerAuthOptions#NONE} when none are given). @since config 1.4 */
    public ServerAuthOptions serverAuth() {
        return serverAuth;
    }

    /**
     * {@code --route-gateway}, {@code --route-metric}, {@code --route-noexec}, {@code --route-delay},
     * {@code --redirect-gateway}/{@code --redirect-private}, {@code --dhcp-option} and {@code --dns}.
     */
    public RouteSettings routeSettings() {
        return routeSettings;
    }

    /** Pull mode ({@code --client} or {@code --pull}): the options come from the server's PUSH_REPLY too. */
    public Optional<PullOptions> pull() {
        return v.pull();
    }

    /** {@code --echo} texts of the configuration, in order: for a GUI (OpenVPN logs only those starting with "msg"). */
    public List<String> echo() {
        return v.echo();
    }

    /** {@code --setenv-safe}: variables for scripts, already named {@code OPENVPN_<name>}. */
    public java.util.Map<String, String> setenvSafe() {
        return v.setenvSafe();
    }

    /** The file name or "command line" the options came from. */
    public String sourceName() {
        return v.sourceName();
    }

    /** {@code --dev}: the device name as configured ("tun", "tun0", "tap3", ...). */
    public String dev() {
        return v.dev();
    }

    /** Tun or tap, from {@code --dev-type} or the {@code --dev} name. */
    public DevType devType() {
        return v.devType();
    }

    /** {@code --dev-node}. */
    public Optional<String> devNode() {
        return v.devNode();
    }

    /** The link protocol: {@code --proto}, or the first remote's own protocol. Default UDP. */
    public Proto proto() {
        return v.proto();
    }

    /** The address family forced by a "4"/"6" protocol name; ANY by default. */
    public IpFamily linkFamily() {
        return v.linkFamily();
    }

    /** {@code --local}: the address to bind, unresolved. */
    public Optional<String> local() {
        return v.local();
    }

    /** {@code --lport}/{@code --port}; default 1194. */
    public int localPort() {
        return v.localPort();
    }

    /** {@code --rport}/{@code --port}, the port of remotes that give none; default 1194. */
    public int remotePort() {
        return v.remotePort();
    }

    /** Every {@code --remote}, in order. */
    public List<Remote> remotes() {
        return v.remotes();
    }

    /**
     * The connection profiles in configuration order: the {@code <connection>} blocks, else one per
     * {@code --remote}, else one without a remote. Never empty. The link settings of this object
     * ({@link #proto()}, {@link #remote()}, {@link #local()}, ...) are those of the first; see
     * {@link #forConnection}.
     */
    public List<ConnectionEntry> connections() {
        return v.connections();
    }

    /**
     * These options as they apply while {@code entry} is the connection in use: its remote, protocol,
     * local binding, {@code --float}, {@code --connect-retry}, {@code --server-poll-timeout} and
     * {@code --explicit-exit-notify}; everything else unchanged.
     */
    public OpenVpnOptions forConnection(ConnectionEntry entry) {
        Values x = v;
        List<Remote> remotes = entry.remoteHost()
                .map(h -> List.of(new Remote(h, entry.remotePort(), Optional.of(entry.proto()), entry.family())))
                .orElse(List.of());
        return new OpenVpnOptions(new Values(x.sourceName(), x.dev(), x.devType(), x.devNode(), entry.proto(),
                entry.family(), entry.local(), entry.localPort(), entry.remotePort(), remotes, x.proxy(), entry.bind(),
                entry.bindIpv6Only(), entry.floatRemote(), x.ifconfig(), x.ifconfigIpv6(), x.routes(), x.routesIpv6(),
                x.topology(), x.tunMtu(), x.occMtu(), x.tunMtuExtra(), x.linkMtu(), x.mssfix(), x.mssfixEncap(),
                x.mssfixFixed(), x.sndbuf(), x.rcvbuf(), x.up(), x.down(), x.scriptSecurity(), x.persistTun(),
                x.persistKey(), x.ping(), x.pingRestart(), x.pingExit(), x.inactive(), x.inactiveBytes(),
                entry.explicitExitNotify(), x.secret(), x.secretFile(), x.secretInline(), x.keyDirection(), x.cipher(),
                x.auth(), x.replayWindow(), x.compression(), x.allowCompression(), x.verb(), x.mute(),
                x.muteReplayWarnings(), entry.connectRetry(), entry.connectRetryMax(), entry.connectTimeout(),
                x.resolvRetry(), x.writepid(), x.disableDco(), x.dataCiphers(), x.dataCiphersFallback(),
                x.allowDeprecatedInsecureStaticCrypto(), x.tls(), x.windowsDriver(), x.management(), x.status(),
                x.authUserPass(), x.authToken(), x.authTokenUser(), x.warnings(), List.of(entry), x.remoteRandom(), x.remoteRandomHostname(), x.connectRetryMaxCount(),
                x.pull(), x.echo(), x.setenvSafe()),
                routeSettings, serverAuth);
    }

    /** {@code --remote-random}: the profiles are shuffled once when the tunnel starts. */
    public boolean remoteRandom() {
        return v.remoteRandom();
    }

    /** {@code --remote-random-hostname}: a random label is put before each host name resolved. */
    public boolean remoteRandomHostname() {
        return v.remoteRandomHostname();
    }

    /**
     * {@code --connect-retry-max}: how many times each profile may fail in a row (OpenVPN counts
     * unsuccessful attempts against {@code profiles * n}) before the tunnel gives up; 0 = never.
     */
    public int connectRetryMaxCount() {
        return v.connectRetryMaxCount();
    }

    /** The remote a point-to-point tunnel uses: the first {@code --remote}. */
    public Optional<Remote> remote() {
        return v.remotes().isEmpty() ? Optional.empty() : Optional.of(v.remotes().get(0));
    }

    /** Whether to bind the local address/port: false with {@code --nobind}, and for a TCP client unless told to. */
    public boolean bind() {
        return v.bind();
    }

    /** {@code --bind ipv6only}. */
    public boolean bindIpv6Only() {
        return v.bindIpv6Only();
    }

    /** {@code --float}: accept authenticated packets from a new peer address and switch to it. */
    public boolean floatRemote() {
        return v.floatRemote();
    }

    /** {@code --ifconfig}. */
    public Optional<IfConfig> ifconfig() {
        return v.ifconfig();
    }

    /** {@code --ifconfig-ipv6}. */
    public Optional<IfConfigIpv6> ifconfigIpv6() {
        return v.ifconfigIpv6();
    }

    /** {@code --route}s with defaults applied. */
    public List<Route> routes() {
        return v.routes();
    }

    /** {@code --route-ipv6}s with defaults applied. */
    public List<RouteIpv6> routesIpv6() {
        return v.routesIpv6();
    }

    /** {@code --topology}; default net30. */
    public Topology topology() {
        return v.topology();
    }

    /** The tun device MTU: {@code --tun-mtu}, or derived from {@code --link-mtu}; default 1500. */
    public int tunMtu() {
        return v.tunMtu();
    }

    /** The second {@code --tun-mtu} argument (the MTU announced in OCC), or 0. */
    public int occMtu() {
        return v.occMtu();
    }

    /**
     * Bytes a frame may carry beyond the tun MTU ({@code --tun-mtu-extra}): 32 by default for tap
     * (the Ethernet header), 0 for tun. Part of OpenVPN's MTU arithmetic.
     */
    public int tunMtuExtra() {
        return v.tunMtuExtra();
    }

    /** {@code --link-mtu}, if given. */
    public OptionalInt linkMtu() {
        return v.linkMtu();
    }

    /**
     * The {@code --mssfix} budget after OpenVPN 2.6's defaulting (1492 with the default tun MTU,
     * otherwise the tun MTU); 0 disables MSS clamping. See {@link MtuMath#mssFix}.
     */
    public int mssfix() {
        return v.mssfix();
    }

    /** Whether the mssfix budget includes the link's IP/UDP headers ("mtu" flag; the default). */
    public boolean mssfixEncap() {
        return v.mssfixEncap();
    }

    /** Whether the mssfix budget is the inner IP packet size ("fixed" flag). */
    public boolean mssfixFixed() {
        return v.mssfixFixed();
    }

    /** {@code --sndbuf}; 0 = system default. */
    public int sndbuf() {
        return v.sndbuf();
    }

    /** {@code --rcvbuf}; 0 = system default. */
    public int rcvbuf() {
        return v.rcvbuf();
    }

    /** {@code --up}. */
    public Optional<Script> up() {
        return v.up();
    }

    /** {@code --down}. */
    public Optional<Script> down() {
        return v.down();
    }

    /** {@code --script-security}; default 1. */
    public int scriptSecurity() {
        return v.scriptSecurity();
    }

    /** {@code --persist-tun}. */
    public boolean persistTun() {
        return v.persistTun();
    }

    /** {@code --persist-key}. */
    public boolean persistKey() {
        return v.persistKey();
    }

    /** Seconds of send silence after which a ping is sent ({@code --ping}, {@code --keepalive}); 0 = off. */
    public int ping() {
        return v.ping();
    }

    /** Seconds without an authenticated packet before a restart ({@code --ping-restart}, {@code --keepalive}); 0 = off. */
    public int pingRestart() {
        return v.pingRestart();
    }

    /** Seconds without an authenticated packet before exiting ({@code --ping-exit}); 0 = off. */
    public int pingExit() {
        return v.pingExit();
    }

    /** {@code --inactive} seconds; 0 = off. */
    public int inactive() {
        return v.inactive();
    }

    /** {@code --inactive}'s byte threshold; 0 = any traffic counts. */
    public long inactiveBytes() {
        return v.inactiveBytes();
    }

    /** {@code --explicit-exit-notify} seconds (UDP only; 0 over TCP or when off). */
    public int explicitExitNotify() {
        return v.explicitExitNotify();
    }

    /**
     * The static key from {@code --secret} or an inline {@code <secret>} block.
     *
     * @throws IllegalStateException in TLS mode ({@link #tls()} is present), which has no static key
     */
    public StaticKey secret() {
        if (v.secret() == null) {
            throw new IllegalStateException("TLS mode: there is no static key (see tls())");
        }
        return v.secret();
    }

    /** The key file, unless the key was inline. */
    public Optional<Path> secretFile() {
        return v.secretFile();
    }

    /** Whether the key came from an inline {@code <secret>} block. */
    public boolean secretInline() {
        return v.secretInline();
    }

    /**
     * The key direction: from {@code --secret file dir}, {@code --tls-auth file dir} or
     * {@code --key-direction}; default bidirectional. Used by the static key, or in TLS mode by
     * {@code --tls-auth} ({@code --tls-crypt} ignores it).
     */
    public KeyDirection keyDirection() {
        return v.keyDirection();
    }

    /**
     * The static-key data cipher: {@code --cipher} (or {@code --data-ciphers-fallback}).
     *
     * @throws IllegalStateException in TLS mode, where the data cipher is negotiated from
     *     {@link #dataCiphers()}, with {@link #dataCiphersFallback()} for peers that announce none
     */
    public CipherAlgorithm cipher() {
        if (v.cipher() == null) {
            throw new IllegalStateException("TLS mode: the data cipher is negotiated (see dataCiphers())");
        }
        return v.cipher();
    }

    /** {@code --auth}; default SHA1. In TLS mode: the HMAC of CBC data ciphers and of {@code --tls-auth}. */
    public AuthAlgorithm auth() {
        return v.auth();
    }

    /** {@code --replay-window}; default 64 packets, 15 seconds. */
    public ReplayWindow.Settings replayWindow() {
        return v.replayWindow();
    }

    /** The compression framing; default none. */
    public Compression compression() {
        return v.compression();
    }

    /** {@code --allow-compression}, if given. */
    public Optional<AllowCompression> allowCompression() {
        return v.allowCompression();
    }

    /** {@code --verb}; default 1. */
    public int verb() {
        return v.verb();
    }

    /** {@code --mute}; 0 = off. */
    public int mute() {
        return v.mute();
    }

    /** {@code --management} with its hold and log-cache modifiers; empty when not configured. */
    public Optional<Management> management() {
        return v.management();
    }

    /** {@code --status} with {@code --status-version}; empty when not configured. */
    public Optional<StatusFile> status() {
        return v.status();
    }

    /** {@code --mute-replay-warnings}. */
    public boolean muteReplayWarnings() {
        return v.muteReplayWarnings();
    }

    /** {@code --connect-retry} first argument; default 1 second. */
    public int connectRetry() {
        return v.connectRetry();
    }

    /** {@code --connect-retry} second argument; default 300 seconds. */
    public int connectRetryMax() {
        return v.connectRetryMax();
    }

    /**
     * {@code --http-proxy} or {@code --socks-proxy}, if given (tcp-client only). The owner of the
     * options calls {@link Proxy#wipe()} when it drops them.
     *
     * @since config 1.3
     */
    public Optional<Proxy> proxy() {
        return v.proxy();
    }

    /** {@code --connect-timeout}; default 120 seconds. */
    public int connectTimeout() {
        return v.connectTimeout();
    }

    /** {@code --resolv-retry} seconds, or {@link #RESOLV_RETRY_INFINITE} (the default). */
    public int resolvRetry() {
        return v.resolvRetry();
    }

    /** {@code --writepid}. */
    public Optional<Path> writepid() {
        return v.writepid();
    }

    /** {@code --disable-dco} (Culvert has no DCO; recorded only). */
    public boolean disableDco() {
        return v.disableDco();
    }

    /**
     * {@code --data-ciphers}, the ciphers offered in TLS mode in order of preference; OpenVPN 2.6's
     * default {@code AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305}. In TLS mode every entry is one
     * Culvert implements, or optional ({@code ?} prefix). Recorded only in static-key mode.
     */
    public List<String> dataCiphers() {
        return v.dataCiphers();
    }

    /**
     * The cipher used when the peer announces no {@code IV_CIPHERS}. Static-key mode: the value of
     * {@code --data-ciphers-fallback}, if given (it also sets {@link #cipher()}). TLS mode: the last of
     * {@code --data-ciphers-fallback} and {@code --cipher} (in point-to-point TLS an explicit
     * {@code --cipher} enables the fallback), as OpenVPN's canonical name; empty when neither was given.
     */
    public Optional<String> dataCiphersFallback() {
        return v.dataCiphersFallback();
    }

    /** {@code --allow-deprecated-insecure-static-crypto} (an OpenVPN 2.7 option; recorded). */
    public boolean allowDeprecatedInsecureStaticCrypto() {
        return v.allowDeprecatedInsecureStaticCrypto();
    }

    /** The TLS options when the configuration runs TLS mode ({@code --tls-client}/{@code --tls-server}). */
    public Optional<TlsOptions> tls() {
        return v.tls();
    }

    /**
     * {@code --windows-driver}: {@code tap-windows6} or {@code wintun}, if given. Meaningful only on
     * Windows (the core hands it to tun drivers as the driver option {@code windows-driver}).
     */
    public Optional<String> windowsDriver() {
        return v.windowsDriver();
    }

    /** {@code --auth-user-pass} with {@code --auth-retry}, {@code --auth-nocache}, {@code --static-challenge}. @since config 1.3 */
    public Optional<AuthUserPass> authUserPass() {
        return v.authUserPass();
    }

    /** {@code --auth-token} given in the configuration (a server usually pushes it). @since config 1.3 */
    public Optional<String> authToken() {
        return v.authToken();
    }

    /** {@code --auth-token-user}, base64-decoded. @since config 1.3 */
    public Optional<String> authTokenUser() {
        return v.authTokenUser();
    }

    /** Notes an operator should see (deprecations, weak settings, ignored options), one line each. */
    public List<String> warnings() {
        return v.warnings();
    }

    @Override
    public String toString() {
        String head = "OpenVpnOptions[source=" + v.sourceName() + ", dev=" + v.dev() + ", proto=" + v.proto()
                + ", remote=" + remote().map(r -> r.host() + ":" + r.port()).orElse("-");
        if (v.tls().isPresent()) {
            return head + ", " + v.tls().get() + ", data-ciphers=" + String.join(":", v.dataCiphers()) + ", auth="
                    + v.auth().openVpnName() + "]";
        }
        return head + ", cipher=" + v.cipher().openVpnName() + ", auth=" + v.auth().openVpnName() + ", keyDirection="
                + v.keyDirection() + ", secret=" + (v.secretInline() ? "<inline>" : v.secretFile().map(Path::toString).orElse("?"))
                + "]";
    }
}
