package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_KEY;
import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.CONFLICT;
import static org.culvert.openvpn.config.ConfigException.Reason.MISSING_OPTION;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.describe;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.resolve;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.CipherAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.crypto.StaticKey;
import org.culvert.openvpn.crypto.StaticKeyException;

/**
 * Accumulates options in order, as OpenVPN does (later options override earlier ones), and turns
 * them into validated {@link OpenVpnOptions} in {@link #finish}. One instance per parse.
 *
 * <p>Each option is parsed by the themed table that registers it in {@link OptionRegistry}
 * ({@link LinkOptions}, {@link DeviceOptions}, {@link RoutingOptions}, {@link CryptoOptions},
 * {@link TlsModeOptions}, {@link ClientOptions}, {@link ServerOptions}, {@link OperationsOptions});
 * this class holds what they parse and the checks across options.
 */
final class OptionsBuilder {
    static final int DEFAULT_PORT = 1194;
    static final int TUN_MTU_DEFAULT = 1500;
    static final int TUN_MTU_MIN = 100;
    static final int TUN_MTU_MAX = 65536;
    static final int TAP_MTU_EXTRA = 32;
    static final int MSSFIX_DEFAULT = 1492;
    static final int RESOLV_RETRY_INFINITE = Integer.MAX_VALUE;
    static final List<String> DEFAULT_DATA_CIPHERS = List.of("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305");

    /** TLS options OpenVPN 2.6 refuses without --tls-client/--tls-server ("can only be specified in TLS-mode"). */
    private static final Set<String> TLS_ONLY = Set.of("ca", "cert", "key", "dh", "tls-auth", "tls-crypt",
            "verify-x509-name", "remote-cert-tls", "tls-cipher", "tls-ciphersuites", "reneg-sec", "reneg-bytes",
            "reneg-pkts", "hand-window", "tls-timeout", "tran-window", "remote-cert-ku", "remote-cert-eku", "crl-verify",
            "pkcs12", "extra-certs", "tls-crypt-v2");
    /** TLS options OpenVPN 2.6 silently accepts without TLS; Culvert warns that they do nothing. */
    private static final Set<String> TLS_IGNORED_OTHERWISE = Set.of("peer-fingerprint", "tls-version-min",
            "tls-version-max", "tls-groups", "ecdh-curve", "key-method");
    private static final OptionRegistry REGISTRY = OptionRegistry.STANDARD;

    /** Where an option was given, for messages about it. */
    record Where(String source, int line) {
    }

    /** One parsed option occurrence; {@code depth} counts the {@code --config} includes it was read through. */
    record Line(String name, List<String> args, boolean inline, Where where, Path baseDir, int depth) {
        int count() {
            return args.size();
        }

        String arg(int i) {
            return args.get(i);
        }
    }

    /** Reads {@code --config} files on behalf of the builder. */
    interface Includer {
        void include(Path file, String displayName, Where from, int depth) throws ConfigException;

        /** Reads the text of an inline {@code <connection>} block (given at {@code at}) into {@code target}. */
        void readBlock(OptionsBuilder target, String text, Where at, int depth) throws ConfigException;
    }

    // The parse state: package-private because the option tables (LinkOptions, TlsModeOptions, ...) write it.
    final Includer includer;
    final List<String> warnings = new ArrayList<>();
    /** --http-proxy, --socks-proxy and their options (ProxyOptions). */
    final ProxyOptions.State proxyState = new ProxyOptions.State();
    /** The server options (ServerOptions), and a ccd file's per-client options. */
    final ServerOptions.State server = new ServerOptions.State();
    private String topSource;

    String dev;
    Where devWhere;
    String devType;
    Where devTypeWhere;
    String devNode;
    Proto proto = Proto.UDP;
    boolean protoAmbiguousTcp;
    Where protoWhere;
    IpFamily family = IpFamily.ANY;
    String local;
    Where localWhere;
    int localPort = DEFAULT_PORT;
    boolean localPortDefined;
    Where lportWhere;
    int remotePort = DEFAULT_PORT;
    final List<RawRemote> remotes = new ArrayList<>();
    /** The {@code <connection>} blocks, in order; when there are any, {@link #remotes} is ignored, as in OpenVPN. */
    final List<ConnectionBlocks.RawConnection> connectionBlocks = new ArrayList<>();
    /** True while this builder reads one {@code <connection>} block. */
    boolean inConnectionBlock;
    boolean remoteRandom;
    boolean remoteRandomHostname;
    /** {@code --connect-retry-max}: full passes over the profiles before giving up; null = unlimited. */
    Integer connectRetryMaxCount;
    boolean nobind;
    Where nobindWhere;
    boolean bindDefined;
    boolean bindIpv6Only;
    Where bindWhere;
    boolean floatRemote;
    IfConfig ifconfig;
    Where ifconfigWhere;
    IfConfigIpv6 ifconfigIpv6;
    Where ifconfigIpv6Where;
    final List<RawRoute> routes = new ArrayList<>();
    final List<RawRoute6> routes6 = new ArrayList<>();
    /** Route defaults, redirection, dhcp-option and dns. */
    final RoutingState routing = new RoutingState();
    Where route6Where;
    Topology topology = Topology.NET30;
    Integer tunMtu;
    Where tunMtuWhere;
    int occMtu;
    Integer tunMtuExtra;
    Integer linkMtu;
    Where linkMtuWhere;
    int mssfix;
    boolean mssfixDefault = true;
    boolean mssfixEncap = true;
    boolean mssfixFixed;
    int sndbuf;
    int rcvbuf;
    Script up;
    Where upWhere;
    Script down;
    Where downWhere;
    int scriptSecurity = 1;
    boolean persistTun;
    boolean persistKey;
    int ping;
    Where pingWhere;
    int pingRecTimeout;
    boolean pingExitAction;
    Where pingRecWhere;
    Integer keepalivePing;
    int keepaliveTimeout;
    Where keepaliveWhere;
    int inactive;
    long inactiveBytes;
    int explicitExitNotify;
    Where explicitExitWhere;
    StaticKey secret;
    Path secretFile;
    boolean secretInline;
    KeyDirection secretDirection;
    Where secretWhere;
    KeyDirection keyDirection;
    Where keyDirectionWhere;
    String cipherName;
    String cipherOption;
    Where cipherWhere;
    String authName = "SHA1";
    Where authWhere;
    int replayWindow = ReplayWindow.Settings.DEFAULT.seqBacktrack();
    int replayTime = ReplayWindow.Settings.DEFAULT.timeBacktrackSeconds();
    Compression compression = Compression.NONE;
    Where compressionWhere;
    String compressionOption;
    AllowCompression allowCompression;
    Where allowCompressionWhere;
    int verb = 1;
    int mute;
    boolean muteReplayWarnings;
    int connectRetry = 1;
    int connectRetryMax = 300;
    int connectTimeout = 120;
    int resolvRetry = RESOLV_RETRY_INFINITE;
    Path writepid;
    boolean disableDco;
    Line management;
    Line managementClientGroup;
    boolean managementHold;
    Where managementHoldWhere;
    int managementLogCache = Management.DEFAULT_LOG_CACHE;
    Where managementLogCacheWhere;
    StatusFile status;
    int statusVersion = 1;
    List<String> dataCiphers = DEFAULT_DATA_CIPHERS;
    Where dataCiphersWhere;
    String dataCiphersFallback;
    boolean allowDeprecatedInsecureStaticCrypto;
    String windowsDriver;
    Where windowsDriverWhere;

    // Pull mode
    /** True for the overlay of pushed options ({@link PushReply}): warnings meant for configuration files are skipped. */
    boolean pushed;
    Where pullWhere;
    final List<PullFilter> pullFilters = new ArrayList<>();
    boolean routeNopull;
    boolean pushPeerInfo;
    Integer peerId;
    int pushContinuation;
    boolean ccExit;
    boolean keyDerivationEkm;
    boolean dynTlsCrypt;
    final List<String> echo = new ArrayList<>();
    final Map<String, String> setenvSafe = new LinkedHashMap<>();

    // TLS mode
    Where tlsClientWhere;
    Where tlsServerWhere;
    /** The first occurrence of each TLS option, for "only in TLS mode" messages. */
    final Map<String, Where> tlsOptionsSeen = new LinkedHashMap<>();
    FileContent ca;
    FileContent cert;
    FileContent key;
    FileContent dh;
    boolean dhNone;
    Where dhWhere;
    final List<String> peerFingerprints = new ArrayList<>();
    String verifyX509Name;
    TlsOptions.X509NameType verifyX509Type = TlsOptions.X509NameType.SUBJECT;
    TlsOptions.Role remoteCertTls;
    TlsOptions.Version tlsVersionMin;
    Where tlsVersionMinWhere;
    TlsOptions.Version tlsVersionMax;
    String tlsCipher;
    String tlsCiphersuites;
    String tlsGroups;
    String ecdhCurve;
    FileContent tlsAuth;
    int tlsAuthKeyCount;
    KeyDirection tlsAuthDirection;
    Where tlsAuthWhere;
    FileContent tlsCrypt;
    int tlsCryptKeyCount;
    Where tlsCryptWhere;
    int renegSeconds = TlsOptions.DEFAULT_RENEG_SECONDS;
    OptionalInt renegSecondsMin = OptionalInt.empty();
    long renegBytes = -1;
    long renegPackets;
    int handWindow = TlsOptions.DEFAULT_HAND_WINDOW;
    int tlsTimeout = TlsOptions.DEFAULT_TLS_TIMEOUT;
    int tranWindow = TlsOptions.DEFAULT_TRAN_WINDOW;
    // PKI a client profile carries (PkiModeOptions)
    List<Integer> remoteCertKu = List.of();
    boolean remoteCertKuRequired;
    String remoteCertEku;
    FileContent crlVerify;
    Path crlVerifyDir;
    FileContent pkcs12;
    boolean askpass;
    Path askpassFile;
    FileContent extraCerts;
    FileContent tlsCryptV2;
    Where tlsCryptV2Where;
    /** The --tls-crypt-v2 file holds a server key (else a client key). */
    boolean tlsCryptV2ServerKey;
    /** --tls-crypt-v2 key force-cookie (else allow-noncookie, OpenVPN's default). */
    boolean tlsCryptV2ForceCookie;

    // Credentials (CredentialOptions)
    Where authUserPassWhere;
    java.nio.file.Path authUserPassFile;
    FileContent authUserPassInline;
    AuthUserPass.AuthRetry authRetry = AuthUserPass.AuthRetry.NONE;
    boolean authNocache;
    AuthUserPass.StaticChallenge staticChallenge;
    String authToken;
    String authTokenUser;
    boolean managementQueryPasswords;
    Where managementQueryPasswordsWhere;
    boolean managementClientAuth;
    Where managementClientAuthWhere;

    record RawRemote(String host, Integer port, Proto proto, IpFamily family, Where where) {
    }

    record RawRoute(Inet4Address network, Inet4Address netmask, Inet4Address gateway, OptionalInt metric,
            Where where, Optional<SpecialAddress> specialNetwork, Optional<SpecialAddress> specialGateway) {
    }

    record RawRoute6(Inet6Address network, int bits, Inet6Address gateway, OptionalInt metric) {
    }

    OptionsBuilder(Includer includer) {
        this.includer = includer;
    }

    // ---------------------------------------------------------------- applying one option

    /** Applies one option through the table that registers it; refuses it by name if none handles it. */
    void apply(Line l) throws ConfigException {
        String name = l.name();
        if (l.inline() && !OptionRegistry.INLINE.contains(name) && REGISTRY.isKnown(name)) {
            throw error(ConfigException.Reason.BAD_INLINE_BLOCK, l, "this option cannot be given as an inline <"
                    + name + "> block");
        }
        OptionRegistry.Handler handler = REGISTRY.handler(name);
        if (handler != null || REGISTRY.isKnown(name)) {
            ConnectionBlocks.checkContext(this, name, l.where());
        }
        if (handler == null) {
            throw REGISTRY.refusal(l);
        }
        handler.apply(this, l);
        if (TLS_ONLY.contains(name) || TLS_IGNORED_OTHERWISE.contains(name)) {
            tlsOptionsSeen.putIfAbsent(name, l.where());
        }
    }

    /** As OpenVPN's check_file_access for private files: any access by group or others is warned about. */
    void warnIfShared(Path file, String shown) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(p -> p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE
                    && p != PosixFilePermission.OWNER_EXECUTE)) {
                warnings.add(String.format(OptionWarnings.FILE_ACCESSIBLE, shown));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Not a POSIX file system: nothing to check.
        }
    }

    // ---------------------------------------------------------------- cross-option checks

    OpenVpnOptions finish(String sourceName) throws ConfigException {
        topSource = sourceName;
        if (dev == null) {
            throw new ConfigException(MISSING_OPTION, sourceName, 0, "dev", "a TUN/TAP device is required (e.g. 'dev tun')");
        }
        DevType type = resolveDevType();
        List<String> serverPush = ServerExpansion.expand(this, type);
        if (type == DevType.NULL) {
            checkNothingToConfigure();
        }
        if (protoAmbiguousTcp && pullWhere != null) {
            // As OpenVPN: a pull client's plain 'tcp' is tcp-client.
            proto = Proto.TCP_CLIENT;
            protoAmbiguousTcp = false;
        }
        if (protoAmbiguousTcp && connectionBlocks.isEmpty()) {
            throw at(CONFLICT, protoWhere, "proto", "'tcp' is ambiguous in point-to-point mode: use tcp-client or tcp-server");
        }
        boolean tlsMode = checkMode(sourceName);
        if (pullWhere != null && tlsClientWhere == null) {
            throw at(CONFLICT, pullWhere, "pull", "needs --tls-client (or use --client, which sets both)");
        }
        CryptoOptions.checkCompression(this);
        Management managementOption = resolveManagement();
        Optional<AuthUserPass> authUserPass = CredentialOptions.settle(this, tlsClientWhere != null);
        StatusFile statusOption = status == null ? null : new StatusFile(status.file(), status.seconds(), statusVersion);
        KeyDirection direction = resolveKeyDirection();
        AuthAlgorithm auth = DataCipherChecks.resolveAuth(this);
        CipherAlgorithm cipher = null;
        TlsOptions tls = null;
        Optional<String> fallback = Optional.ofNullable(dataCiphersFallback);
        if (tlsMode) {
            tls = resolveTls(sourceName, direction);
            fallback = DataCipherChecks.resolveTlsFallback(this);
            DataCipherChecks.checkTlsDataCiphers(this);
            if (linkMtu != null) {
                throw at(UNSUPPORTED_OPTION, linkMtuWhere, "link-mtu", "not supported by Culvert in TLS mode (the"
                        + " overhead depends on the negotiated cipher); set --tun-mtu instead");
            }
        } else {
            checkNoTlsOptions();
            cipher = DataCipherChecks.resolveCipher(this, sourceName);
            try {
                secret.checkUsable(direction, cipher);
            } catch (StaticKeyException e) {
                throw at(BAD_KEY, secretWhere, "secret", e.getMessage());
            }
            warnings.add(OptionWarnings.SECRET_DEPRECATED);
            if (cipher == CipherAlgorithm.NONE) {
                warnings.add(OptionWarnings.CIPHER_NONE);
            }
            if (auth == AuthAlgorithm.NONE) {
                warnings.add(OptionWarnings.AUTH_NONE);
            }
        }
        if ("wintun".equals(windowsDriver) && type != DevType.TUN) {
            throw at(CONFLICT, windowsDriverWhere, "windows-driver", "wintun requires --dev tun");
        }

        List<ConnectionEntry> entries = resolveConnections();
        ConnectionEntry first = entries.get(0);
        Proto effectiveProto = first.proto();
        List<Remote> resolvedRemotes = new ArrayList<>();
        List<RawRemote> profileRemotes = profileRemotes();
        for (int i = 0; i < profileRemotes.size(); i++) {
            RawRemote r = profileRemotes.get(i);
            resolvedRemotes.add(new Remote(r.host(), entries.get(i).remotePort(), Optional.ofNullable(r.proto()), r.family()));
        }
        Proxy proxy = ProxyOptions.resolve(this, effectiveProto);
        checkAddresses(entries);
        checkScripts();
        int[] pings = resolvePings();
        if (tunMtu != null && linkMtu != null) {
            throw at(CONFLICT, linkMtuWhere, "link-mtu", "only one of --tun-mtu or --link-mtu may be given (--tun-mtu at "
                    + describe(tunMtuWhere) + ")");
        }
        int effectiveTunMtu = tunMtu != null ? tunMtu
                : linkMtu != null ? linkMtu - MtuMath.protocolHeaderSize(cipher, auth, effectiveProto, true) : TUN_MTU_DEFAULT;
        if (effectiveTunMtu < TUN_MTU_MIN) {
            throw at(BAD_VALUE, linkMtuWhere, "link-mtu", "leaves a tun MTU of " + effectiveTunMtu + ", below " + TUN_MTU_MIN);
        }
        int effectiveMssfix = mssfix;
        boolean effectiveEncap = mssfixEncap;
        boolean effectiveFixed = mssfixFixed;
        // OpenVPN 2.6: an unset (or bare) --mssfix becomes 1492 "mtu" with the default tun MTU, or
        // the tun MTU itself ("fixed") with any other; a --link-mtu-only config gets none.
        if (mssfixDefault && linkMtu == null) {
            if (effectiveTunMtu == TUN_MTU_DEFAULT) {
                effectiveMssfix = MSSFIX_DEFAULT;
                effectiveEncap = true;
            } else {
                effectiveMssfix = effectiveTunMtu;
                effectiveFixed = true;
            }
        }
        RouteSettings routeSettings = routing.finish(this);
        List<Route> resolvedRoutes = resolveRoutes(type);
        List<RouteIpv6> resolvedRoutes6 = new ArrayList<>();
        for (RawRoute6 r : routes6) {
            Inet6Address gw = r.gateway() != null ? r.gateway() : ifconfigIpv6 != null ? ifconfigIpv6.remote() : null;
            resolvedRoutes6.add(new RouteIpv6(r.network(), r.bits(), Optional.ofNullable(gw), r.metric()));
        }
        OpenVpnOptions built = new OpenVpnOptions(new OpenVpnOptions.Values(sourceName, dev, type, Optional.ofNullable(devNode),
                effectiveProto, first.family(), first.local(), first.localPort(), first.remotePort(),
                List.copyOf(resolvedRemotes), Optional.ofNullable(proxy), first.bind(), first.bindIpv6Only(), first.floatRemote(),
                Optional.ofNullable(ifconfig), Optional.ofNullable(ifconfigIpv6), List.copyOf(resolvedRoutes),
                List.copyOf(resolvedRoutes6), topology, effectiveTunMtu, occMtu,
                tunMtuExtra != null ? tunMtuExtra : type == DevType.TAP ? TAP_MTU_EXTRA : 0,
                linkMtu == null ? OptionalInt.empty() : OptionalInt.of(linkMtu), effectiveMssfix, effectiveEncap,
                effectiveFixed, sndbuf, rcvbuf, Optional.ofNullable(up), Optional.ofNullable(down), scriptSecurity,
                persistTun, persistKey, pings[0], pingExitAction ? 0 : pings[1], pingExitAction ? pings[1] : 0,
                inactive, inactiveBytes, first.explicitExitNotify(), secret, Optional.ofNullable(secretFile), secretInline,
                direction, cipher, auth, new ReplayWindow.Settings(replayWindow, replayTime), compression,
                Optional.ofNullable(allowCompression), verb, mute, muteReplayWarnings, first.connectRetry(),
                first.connectRetryMax(), first.connectTimeout(), resolvRetry, Optional.ofNullable(writepid), disableDco, dataCiphers, fallback,
                allowDeprecatedInsecureStaticCrypto, Optional.ofNullable(tls), Optional.ofNullable(windowsDriver),
                Optional.ofNullable(managementOption), Optional.ofNullable(statusOption), authUserPass,
                Optional.ofNullable(authToken), Optional.ofNullable(authTokenUser), Collections.unmodifiableList(warnings),
                List.copyOf(entries), remoteRandom, remoteRandomHostname,
                connectRetryMaxCount == null ? 0 : connectRetryMaxCount,
                pullWhere == null ? Optional.empty() : Optional.of(new PullOptions(pullFilters, routeNopull, pushPeerInfo)),
                List.copyOf(echo), Map.copyOf(setenvSafe)), routeSettings,
                serverPush == null ? null : ServerExpansion.settings(this, type, serverPush));
        // OpenVPN's start-up warnings read the finished options; the list above is a view, and this
        // builder is done with after build().
        warnings.addAll(OptionWarnings.of(built));
        return built;
    }

    private Management resolveManagement() throws ConfigException {
        if (management == null) {
            Where modifier = managementHoldWhere != null ? managementHoldWhere
                    : managementLogCacheWhere != null ? managementLogCacheWhere : managementQueryPasswordsWhere;
            if (modifier == null && managementClientGroup != null) {
                modifier = managementClientGroup.where();
            }
            if (modifier == null) {
                modifier = managementClientAuthWhere;
            }
            if (modifier != null) {
                throw at(CONFLICT, modifier, managementHoldWhere != null ? "management-hold"
                        : managementLogCacheWhere != null ? "management-log-cache"
                        : managementQueryPasswordsWhere != null ? "management-query-passwords"
                        : managementClientGroup != null ? "management-client-group" : "management-client-auth",
                        "needs --management, which is not given");
            }
            return null;
        }
        Line l = management;
        Optional<Path> passwordFile = l.count() == 3 ? Optional.of(resolve(l, l.arg(2))) : Optional.empty();
        passwordFile.filter(Files::exists).ifPresent(f -> warnIfShared(f, l.arg(2)));
        Optional<String> clientGroup = Optional.ofNullable(managementClientGroup).map(g -> g.arg(0));
        if (l.arg(1).equals("unix")) {
            return new Management(Optional.empty(), 0, Optional.of(resolve(l, l.arg(0))), passwordFile, managementHold,
                    managementLogCache, clientGroup, managementQueryPasswords, managementClientAuth);
        }
        if (managementClientGroup != null) {
            // OpenVPN's wording (options.c): it is a usage error there too.
            throw error(CONFLICT, managementClientGroup, "--management-client-(user|group) can only be used on unix domain sockets");
        }
        return new Management(Optional.of(l.arg(0)), Integer.parseInt(l.arg(1)), Optional.empty(), passwordFile,
                managementHold, managementLogCache, Optional.empty(), managementQueryPasswords, managementClientAuth);
    }

    private DevType resolveDevType() throws ConfigException {
        String t = devType;
        Where w = devTypeWhere;
        String option = "dev-type";
        if (t == null) {
            t = dev.startsWith("tun") ? "tun" : dev.startsWith("tap") ? "tap" : dev.startsWith("null") ? "null" : null;
            w = devWhere;
            option = "dev";
        }
        if (t == null) {
            throw at(BAD_VALUE, devWhere, "dev", "cannot tell whether '" + dev + "' is a tun or tap device; add"
                    + " 'dev-type tun' or 'dev-type tap'");
        }
        switch (t) {
            case "tun":
                return DevType.TUN;
            case "tap":
                return DevType.TAP;
            case "null":
                return DevType.NULL;
            default:
                throw at(BAD_VALUE, w, option, "device type must be tun, tap or null, not '" + t + "'");
        }
    }

    /**
     * Exactly one of --secret, --tls-client and --tls-server, as OpenVPN 2.6 requires.
     *
     * @return true for TLS mode
     */
    private boolean checkMode(String sourceName) throws ConfigException {
        boolean client = tlsClientWhere != null;
        boolean server = tlsServerWhere != null;
        if (client && server) {
            throw at(CONFLICT, tlsServerWhere, "tls-server", "specify only one of --tls-server, --tls-client or"
                    + " --secret (--tls-client at " + describe(tlsClientWhere) + ")");
        }
        if (secret != null && (client || server)) {
            throw at(CONFLICT, secretWhere, "secret", "specify only one of --tls-server, --tls-client or --secret (--"
                    + (client ? "tls-client at " + describe(tlsClientWhere) : "tls-server at " + describe(tlsServerWhere))
                    + ")");
        }
        if (secret == null && !client && !server) {
            throw new ConfigException(MISSING_OPTION, sourceName, 0, "secret", "neither a static key (--secret) nor"
                    + " TLS (--tls-client or --tls-server) is configured; Culvert does not run unencrypted tunnels");
        }
        return client || server;
    }

    /** The direction of the static key, or of the tls-auth key; a contradicting --key-direction is an error. */
    private KeyDirection resolveKeyDirection() throws ConfigException {
        KeyDirection given = secret != null ? secretDirection : tlsAuthDirection;
        if (given != null && keyDirection != null && given != keyDirection) {
            String option = secret != null ? "--secret" : "--tls-auth";
            throw at(CONFLICT, keyDirectionWhere, "key-direction", "direction " + keyDirection.digit()
                    + " contradicts direction " + given.digit() + " given with " + option + " at "
                    + describe(secret != null ? secretWhere : tlsAuthWhere));
        }
        if (given != null) {
            return given;
        }
        return keyDirection != null ? keyDirection : KeyDirection.BIDIRECTIONAL;
    }

    /** Static-key mode: TLS options OpenVPN refuses are conflicts; those it ignores get a warning. */
    private void checkNoTlsOptions() throws ConfigException {
        for (Map.Entry<String, Where> seen : tlsOptionsSeen.entrySet()) {
            if (TLS_ONLY.contains(seen.getKey())) {
                throw at(CONFLICT, seen.getValue(), seen.getKey(), "can only be used in TLS mode (with --tls-client or"
                        + " --tls-server), not with --secret");
            }
            if (TLS_IGNORED_OTHERWISE.contains(seen.getKey())) {
                warnings.add("--" + seen.getKey() + " is ignored without --tls-client or --tls-server ("
                        + describe(seen.getValue()) + ")");
            }
        }
    }

    /** The TLS options with OpenVPN 2.6's cross-checks for a point-to-point tls-client or tls-server. */
    private TlsOptions resolveTls(String sourceName, KeyDirection direction) throws ConfigException {
        TlsOptions.Role role = tlsServerWhere != null ? TlsOptions.Role.SERVER : TlsOptions.Role.CLIENT;
        checkPkcs12(sourceName);
        if (cert == null) {
            throw new ConfigException(MISSING_OPTION, sourceName, 0, "cert", "TLS mode needs this peer's certificate"
                    + " (--cert or --pkcs12)");
        }
        if (key == null) {
            throw new ConfigException(MISSING_OPTION, sourceName, 0, "key", "TLS mode needs this peer's private key"
                    + " (--key or --pkcs12)");
        }
        if (ca == null && peerFingerprints.isEmpty() && pkcs12 == null) {
            throw new ConfigException(MISSING_OPTION, sourceName, 0, "ca", "the peer cannot be verified: set --ca"
                    + " and/or --peer-fingerprint");
        }
        FileContent effectiveDh = dh;
        boolean effectiveDhNone = dhNone;
        if (role == TlsOptions.Role.SERVER) {
            if (dh == null && !dhNone) {
                throw new ConfigException(MISSING_OPTION, sourceName, 0, "dh", "a tls-server needs --dh: a DH parameter"
                        + " file, or 'dh none' to use elliptic-curve key exchange only");
            }
        } else if (dhWhere != null) {
            warnings.add(OptionWarnings.DH_ON_CLIENT);
            effectiveDh = null;
            effectiveDhNone = false;
        }
        if (tlsAuth != null && tlsCrypt != null) {
            throw at(CONFLICT, tlsCryptWhere, "tls-crypt", "--tls-auth (" + describe(tlsAuthWhere) + ") and --tls-crypt"
                    + " are mutually exclusive");
        }
        if (tlsAuth != null && tlsAuthKeyCount < direction.requiredKeys()) {
            throw at(BAD_KEY, tlsAuthWhere, "tls-auth", "the key file holds one key, but key direction "
                    + direction.digit() + " needs two; generate one with 'openvpn --genkey secret'");
        }
        if (tlsCrypt != null && tlsCryptKeyCount < 2) {
            throw at(BAD_KEY, tlsCryptWhere, "tls-crypt", "the key file holds one key, but --tls-crypt needs two;"
                    + " generate one with 'openvpn --genkey secret'");
        }
        if (tlsCryptV2 != null && (tlsAuth != null || tlsCrypt != null)) {
            throw at(CONFLICT, tlsCryptV2Where, "tls-crypt-v2", "--tls-crypt-v2, --tls-auth and --tls-crypt are"
                    + " mutually exclusive in client mode");
        }
        if (tlsCryptV2 != null && role == TlsOptions.Role.SERVER && !ServerExpansion.isServer(this)) {
            throw at(UNSUPPORTED_OPTION, tlsCryptV2Where, "tls-crypt-v2", "client-specific keys are unwrapped by a"
                    + " server in server mode (--mode server or --server); a point-to-point tls-server uses --tls-crypt");
        }
        if (tlsCryptV2 != null) {
            checkTlsCryptV2KeyKind(role);
        }
        if (tlsVersionMin != null && tlsVersionMax != null && tlsVersionMax.compareTo(tlsVersionMin) < 0) {
            throw at(CONFLICT, tlsVersionMinWhere, "tls-version-min", "TLS " + tlsVersionMin.optionValue()
                    + " is above --tls-version-max " + tlsVersionMax.optionValue());
        }
        return new TlsOptions(role, Optional.ofNullable(ca), cert, key, Optional.ofNullable(effectiveDh),
                effectiveDhNone, peerFingerprints, Optional.ofNullable(verifyX509Name), verifyX509Type,
                Optional.ofNullable(remoteCertTls), Optional.ofNullable(tlsVersionMin), Optional.ofNullable(tlsVersionMax),
                Optional.ofNullable(tlsCipher), Optional.ofNullable(tlsCiphersuites), Optional.ofNullable(tlsGroups),
                Optional.ofNullable(ecdhCurve), Optional.ofNullable(tlsAuth), Optional.ofNullable(tlsCrypt), renegSeconds,
                renegSecondsMin, renegBytes, renegPackets, handWindow, tlsTimeout, tranWindow,
                new PkiOptions(remoteCertKu, remoteCertKuRequired, Optional.ofNullable(remoteCertEku),
                        Optional.ofNullable(crlVerify), Optional.ofNullable(crlVerifyDir), Optional.ofNullable(pkcs12),
                        askpass, Optional.ofNullable(askpassFile), Optional.ofNullable(extraCerts),
                        Optional.ofNullable(tlsCryptV2)));
    }

    /** A client needs its client key, a server the server key that unwraps its clients' keys. */
    private void checkTlsCryptV2KeyKind(TlsOptions.Role role) throws ConfigException {
        String shown = tlsCryptV2.inline() ? "the inline block" : "'" + tlsCryptV2.file().map(Object::toString).orElse("") + "'";
        if (role == TlsOptions.Role.SERVER && !tlsCryptV2ServerKey) {
            tlsCryptV2.wipe();
            throw at(BAD_KEY, tlsCryptV2Where, "tls-crypt-v2", shown + " holds a tls-crypt-v2 client key, which belongs"
                    + " to a client: a server needs the server key ('openvpn --genkey tls-crypt-v2-server server.key')");
        }
        if (role != TlsOptions.Role.SERVER && tlsCryptV2ServerKey) {
            tlsCryptV2.wipe();
            throw at(BAD_KEY, tlsCryptV2Where, "tls-crypt-v2", shown + " holds a tls-crypt-v2 server key, which belongs"
                    + " to the server: a client needs its own client key"
                    + " ('openvpn --tls-crypt-v2 server.key --genkey tls-crypt-v2-client client.key')");
        }
        if (role == TlsOptions.Role.SERVER && !tlsCryptV2ForceCookie) {
            warnings.add("--tls-crypt-v2 allow-noncookie (OpenVPN's default): Culvert's server still requires the"
                    + " stateless cookie, so clients without early negotiation (OpenVPN 2.5 and older) are not"
                    + " served, as with force-cookie (" + OptionArgs.describe(tlsCryptV2Where) + ")");
        }
    }

    /** As OpenVPN: --pkcs12 replaces --cert and --key, which may then not be given. */
    private void checkPkcs12(String sourceName) throws ConfigException {
        if (pkcs12 == null) {
            return;
        }
        for (String clash : new String[] {"cert", "key"}) {
            Where w = tlsOptionsSeen.get(clash);
            if (w != null) {
                throw at(CONFLICT, w, clash, "cannot be used when --pkcs12 is also specified");
            }
        }
        cert = new FileContent("", Optional.empty());
        key = new FileContent("", Optional.empty());
    }

    /**
     * The connection profiles, as OpenVPN's {@code options_postprocess_mutate} makes them: the
     * {@code <connection>} blocks if there are any, else one per {@code --remote} with the connection
     * options given outside the blocks, else one without a remote.
     */
    private List<ConnectionEntry> resolveConnections() throws ConfigException {
        List<ConnectionBlocks.RawConnection> raw = new ArrayList<>(connectionBlocks);
        if (raw.isEmpty()) {
            for (RawRemote r : remotes) {
                raw.add(ConnectionBlocks.capture(this, r));
            }
        }
        if (raw.isEmpty()) {
            raw.add(ConnectionBlocks.capture(this, null));
        }
        List<ConnectionEntry> out = new ArrayList<>();
        boolean exitNotifyWarned = false;
        for (ConnectionBlocks.RawConnection c : raw) {
            RawRemote r = c.remote();
            Proto p = r != null && r.proto() != null ? r.proto() : c.proto();
            IpFamily f = r != null && r.proto() != null ? r.family() : c.family();
            if (c.protoAmbiguousTcp() && (r == null || r.proto() == null)) {
                throw at(CONFLICT, c.protoWhere(), "proto", "'tcp' is ambiguous in point-to-point mode: use tcp-client or tcp-server");
            }
            checkBinding(c, p);
            int exitNotify = c.explicitExitNotify();
            if (exitNotify > 0 && p.isTcp()) {
                if (!exitNotifyWarned) {
                    warnings.add(OptionWarnings.EXIT_NOTIFY_TCP);
                    exitNotifyWarned = true;
                }
                exitNotify = 0;
            }
            out.add(new ConnectionEntry(Optional.ofNullable(r == null ? null : r.host()),
                    r != null && r.port() != null ? r.port() : c.remotePort(), p, f, Optional.ofNullable(c.local()),
                    c.localPort(), bindsLocally(c, p), c.bindIpv6Only(), c.floatRemote(), c.connectRetry(),
                    c.connectRetryMax(), c.connectTimeout(), exitNotify));
        }
        return out;
    }

    /** The remotes the profiles are made of: the blocks' if there are any, else the plain ones. */
    private List<RawRemote> profileRemotes() {
        if (connectionBlocks.isEmpty()) {
            return remotes;
        }
        List<RawRemote> out = new ArrayList<>();
        for (ConnectionBlocks.RawConnection c : connectionBlocks) {
            out.add(c.remote());
        }
        return out;
    }

    private void checkBinding(ConnectionBlocks.RawConnection c, Proto effectiveProto) throws ConfigException {
        if (effectiveProto == Proto.TCP_CLIENT && c.remote() == null) {
            throw at(MISSING_OPTION, c.protoWhere(), "proto", "tcp-client needs --remote");
        }
        if (c.nobind()) {
            if (c.bindDefined()) {
                throw at(CONFLICT, c.nobindWhere(), "nobind", "cannot be combined with --bind (" + describe(c.bindWhere()) + ")");
            }
            if (c.local() != null) {
                throw at(CONFLICT, c.nobindWhere(), "nobind", "makes no sense with --local (" + describe(c.localWhere()) + ")");
            }
            if (c.localPortDefined()) {
                throw at(CONFLICT, c.nobindWhere(), "nobind", "makes no sense with --lport (" + describe(c.lportWhere()) + ")");
            }
            if (c.remote() == null) {
                throw at(CONFLICT, c.nobindWhere(), "nobind", "makes no sense without --remote");
            }
        }
    }

    private static boolean bindsLocally(ConnectionBlocks.RawConnection c, Proto effectiveProto) {
        if (c.nobind()) {
            return false;
        }
        boolean needBind = c.local() != null || c.localPortDefined() || c.bindDefined();
        // Like OpenVPN, a TCP client uses an ephemeral source port unless told otherwise.
        return needBind || effectiveProto != Proto.TCP_CLIENT;
    }

    private void checkAddresses(List<ConnectionEntry> entries) throws ConfigException {
        ConnectionEntry first = entries.get(0);
        if (first.remoteHost().isPresent() && first.local().isPresent() && first.remoteHost().equals(first.local())
                && first.remotePort() == first.localPort()) {
            throw at(CONFLICT, remotes.isEmpty() ? null : remotes.get(0).where(), "remote", "same address and port as --local");
        }
        if (ifconfig != null) {
            String l = ifconfig.local().getHostAddress();
            String r = ifconfig.remoteOrNetmask().getHostAddress();
            if (l.equals(r)) {
                throw at(CONFLICT, ifconfigWhere, "ifconfig", "local and remote/netmask addresses must differ");
            }
            for (RawRemote remote : profileRemotes()) {
                if (remote.host().equals(l) || remote.host().equals(r)) {
                    throw at(CONFLICT, remote.where(), "remote", "must differ from the --ifconfig addresses");
                }
            }
            if (local != null && (local.equals(l) || local.equals(r))) {
                throw at(CONFLICT, localWhere, "local", "must differ from the --ifconfig addresses");
            }
        }
    }

    /**
     * With {@code --dev null} there is no interface: OpenVPN 2.6 stops with a fatal error on
     * {@code --ifconfig} ("Linux can't set mtu (1500) on null") and fails every route it tries to add,
     * so Culvert refuses them when it reads the configuration. It also refuses {@code --up}/{@code --down},
     * which OpenVPN would run with {@code dev=null}: a script written for a device would act on none.
     */
    private void checkNothingToConfigure() throws ConfigException {
        String why = "there is no interface to configure with --dev null";
        if (ifconfig != null) {
            throw at(CONFLICT, ifconfigWhere, "ifconfig", why);
        }
        if (ifconfigIpv6 != null) {
            throw at(CONFLICT, ifconfigIpv6Where, "ifconfig-ipv6", why);
        }
        if (!routes.isEmpty()) {
            throw at(CONFLICT, routes.get(0).where(), "route", why);
        }
        if (!routes6.isEmpty()) {
            throw at(CONFLICT, route6Where, "route-ipv6", why);
        }
        if (routing.redirectEnabled || routing.redirectIpv6) {
            throw at(CONFLICT, null, "redirect-gateway", why);
        }
        if (up != null) {
            throw at(CONFLICT, upWhere, "up", "there is no interface for an --up script with --dev null");
        }
        if (down != null) {
            throw at(CONFLICT, downWhere, "down", "there is no interface for a --down script with --dev null");
        }
    }

    private void checkScripts() throws ConfigException {
        if (up != null && scriptSecurity < 2) {
            throw at(CONFLICT, upWhere, "up", "needs 'script-security 2' (or higher) to run external programs");
        }
        if (down != null && scriptSecurity < 2) {
            throw at(CONFLICT, downWhere, "down", "needs 'script-security 2' (or higher) to run external programs");
        }
    }

    /** @return {ping, ping-receive timeout} after expanding --keepalive */
    private int[] resolvePings() throws ConfigException {
        if (keepalivePing == null) {
            return new int[] {ping, pingRecTimeout};
        }
        if (keepalivePing <= 0 || keepaliveTimeout <= 0) {
            throw at(BAD_VALUE, keepaliveWhere, "keepalive", "both parameters must be > 0");
        }
        if ((long) keepalivePing * 2 > keepaliveTimeout) {
            throw at(BAD_VALUE, keepaliveWhere, "keepalive", "the restart timeout (" + keepaliveTimeout
                    + ") must be at least twice the ping interval (" + keepalivePing + "); 'keepalive 10 60' is typical");
        }
        if (ping != 0 || pingRecTimeout != 0) {
            Where other = ping != 0 ? pingWhere : pingRecWhere;
            throw at(CONFLICT, keepaliveWhere, "keepalive", "conflicts with --ping, --ping-restart and --ping-exit ("
                    + describe(other) + "); --keepalive replaces them");
        }
        pingExitAction = false;
        // helper_keepalive: a server pushes the timeout and waits twice as long itself.
        boolean server = ServerExpansion.isServer(this);
        return new int[] {keepalivePing, server ? keepaliveTimeout * 2 : keepaliveTimeout};
    }

    /** As init.c do_init_route_list: the default gateway is --route-gateway, else the net30/p2p tun peer. */
    private List<Route> resolveRoutes(DevType type) throws ConfigException {
        List<Route> out = new ArrayList<>();
        boolean implicitGateway = type == DevType.TUN && topology != Topology.SUBNET;
        Inet4Address vpnGateway = routing.routeGateway != null ? routing.routeGateway
                : implicitGateway && ifconfig != null ? ifconfig.remoteOrNetmask() : null;
        for (RawRoute r : routes) {
            Inet4Address gw = r.gateway();
            if (gw == null) {
                if (vpnGateway == null) {
                    throw at(CONFLICT, r.where(), "route", "no gateway: give one explicitly or set --route-gateway"
                            + (implicitGateway ? " or --ifconfig" : " (tap and topology subnet have no implicit gateway)"));
                }
                gw = vpnGateway;
            }
            OptionalInt metric = r.metric().isPresent() || routing.routeMetric == 0 ? r.metric()
                    : OptionalInt.of(routing.routeMetric);
            out.add(new Route(r.network(), r.netmask(), gw, metric, r.specialNetwork(), r.specialGateway()));
        }
        return out;
    }

    /** An error about an option found at {@code w}; without a place, about the configuration as a whole. */
    ConfigException at(ConfigException.Reason reason, Where w, String option, String detail) {
        return new ConfigException(reason, w == null ? topSource : w.source(), w == null ? 0 : w.line(), option, detail);
    }
}
