package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_KEY;
import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.CONFLICT;
import static org.culvert.openvpn.config.ConfigException.Reason.EXTRA_ARGUMENT;
import static org.culvert.openvpn.config.ConfigException.Reason.FILE_ERROR;
import static org.culvert.openvpn.config.ConfigException.Reason.MISSING_ARGUMENT;
import static org.culvert.openvpn.config.ConfigException.Reason.MISSING_OPTION;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.CipherAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.crypto.StaticKey;
import org.culvert.openvpn.crypto.StaticKeyException;

/**
 * Accumulates options in order, as OpenVPN does (later options override earlier ones), and turns
 * them into validated {@link OpenVpnOptions} in {@link #finish}. One instance per parse.
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

    private static final String STATIC_CIPHERS = "static-key mode supports AES-256-CBC, AES-128-CBC, none";
    private static final Set<String> AEAD_CIPHERS = Set.of("AES-128-GCM", "AES-192-GCM", "AES-256-GCM", "CHACHA20-POLY1305");
    /** Cipher names OpenSSL knows but Culvert does not implement (anything else is a typo). */
    private static final Pattern OTHER_OPENSSL_CIPHER = Pattern.compile(
            "(BF|CAST5|DES|DES-EDE|DES-EDE3|DESX|IDEA|RC2|SEED|SM4|CAMELLIA-(128|192|256)|ARIA-(128|192|256)|AES-(128|192|256))"
                    + "-(CBC|CFB|CFB1|CFB8|OFB|CTR|ECB)|AES-192-CBC|BLOWFISH-CBC");
    private static final Set<String> OTHER_OPENSSL_DIGESTS = Set.of("MD5", "MD4", "RIPEMD160", "SHA224", "SHA384",
            "SHA512-224", "SHA512-256", "SHA3-224", "SHA3-256", "SHA3-384", "SHA3-512", "BLAKE2B512", "BLAKE2S256",
            "WHIRLPOOL", "SM3");
    private static final int MAX_INCLUDE_DEPTH = 10;
    /** Largest file a file-valued option may name (a generous CA bundle); guards against reading a device. */
    private static final long MAX_FILE_OPTION_BYTES = 4L << 20;
    /** The data-channel ciphers Culvert's TLS engine implements, in OpenVPN's canonical spelling. */
    private static final List<String> TLS_DATA_CIPHERS = List.of("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305",
            "AES-256-CBC", "AES-128-CBC");
    private static final String TLS_CIPHERS = "TLS mode supports " + String.join(", ", TLS_DATA_CIPHERS);
    private static final int SHA256_LENGTH = 32;
    /** TLS options OpenVPN 2.6 refuses without --tls-client/--tls-server ("can only be specified in TLS-mode"). */
    private static final Set<String> TLS_ONLY = Set.of("ca", "cert", "key", "dh", "tls-auth", "tls-crypt",
            "verify-x509-name", "remote-cert-tls", "tls-cipher", "tls-ciphersuites", "reneg-sec", "reneg-bytes",
            "reneg-pkts", "hand-window", "tls-timeout", "tran-window");
    /** TLS options OpenVPN 2.6 silently accepts without TLS; Culvert warns that they do nothing. */
    private static final Set<String> TLS_IGNORED_OTHERWISE = Set.of("peer-fingerprint", "tls-version-min",
            "tls-version-max", "tls-groups", "ecdh-curve", "key-method");

    /** The options {@link #apply} implements (or refuses for a reason of its own). */
    static final Set<String> IMPLEMENTED = Set.of("config", "dev", "dev-type", "dev-node", "topology", "proto", "local",
            "port", "lport", "rport", "remote", "nobind", "bind", "float", "ifconfig", "ifconfig-ipv6", "route",
            "route-ipv6", "tun-ipv6", "tun-mtu", "link-mtu", "udp-mtu", "mssfix", "sndbuf", "rcvbuf", "up", "down",
            "script-security", "persist-tun", "persist-key", "ping", "ping-restart", "ping-exit", "keepalive",
            "inactive", "explicit-exit-notify", "secret", "key-direction", "cipher", "data-ciphers-fallback",
            "data-ciphers", "ncp-ciphers", "auth", "replay-window", "no-replay", "mute-replay-warnings", "comp-lzo",
            "compress", "allow-compression", "verb", "mute", "connect-retry", "connect-timeout",
            "server-poll-timeout", "resolv-retry", "writepid", "disable-dco", "management", "management-hold",
            "management-log-cache", "management-client-group", "status", "status-version",
            "allow-deprecated-insecure-static-crypto", "user", "group", "chroot", "mode", "tun-mtu-extra",
            "tls-client", "tls-server", "ca", "cert", "key", "dh", "tls-auth", "tls-crypt", "peer-fingerprint",
            "verify-x509-name", "remote-cert-tls", "tls-version-min", "tls-version-max", "tls-cipher",
            "tls-ciphersuites", "tls-groups", "ecdh-curve", "reneg-sec", "reneg-bytes", "reneg-pkts", "hand-window",
            "tls-timeout", "tran-window", "key-method", "key-derivation", "windows-driver", "client", "pull",
            "server");

    /** Where an option was given, for messages about it. */
    record Where(String source, int line) {
    }

    /** One parsed option occurrence. */
    record Line(String name, List<String> args, boolean inline, Where where, Path baseDir) {
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
    }

    private final Includer includer;
    private final List<String> warnings = new ArrayList<>();
    private String topSource;

    private String dev;
    private Where devWhere;
    private String devType;
    private Where devTypeWhere;
    private String devNode;
    private Proto proto = Proto.UDP;
    private boolean protoAmbiguousTcp;
    private Where protoWhere;
    private IpFamily family = IpFamily.ANY;
    private String local;
    private Where localWhere;
    private int localPort = DEFAULT_PORT;
    private boolean localPortDefined;
    private Where lportWhere;
    private int remotePort = DEFAULT_PORT;
    private final List<RawRemote> remotes = new ArrayList<>();
    private boolean nobind;
    private Where nobindWhere;
    private boolean bindDefined;
    private boolean bindIpv6Only;
    private Where bindWhere;
    private boolean floatRemote;
    private IfConfig ifconfig;
    private Where ifconfigWhere;
    private IfConfigIpv6 ifconfigIpv6;
    private final List<RawRoute> routes = new ArrayList<>();
    private final List<RawRoute6> routes6 = new ArrayList<>();
    private Topology topology = Topology.NET30;
    private Integer tunMtu;
    private Where tunMtuWhere;
    private int occMtu;
    private Integer tunMtuExtra;
    private Integer linkMtu;
    private Where linkMtuWhere;
    private int mssfix;
    private boolean mssfixDefault = true;
    private boolean mssfixEncap = true;
    private boolean mssfixFixed;
    private int sndbuf;
    private int rcvbuf;
    private Script up;
    private Where upWhere;
    private Script down;
    private Where downWhere;
    private int scriptSecurity = 1;
    private boolean persistTun;
    private boolean persistKey;
    private int ping;
    private Where pingWhere;
    private int pingRecTimeout;
    private boolean pingExitAction;
    private Where pingRecWhere;
    private Integer keepalivePing;
    private int keepaliveTimeout;
    private Where keepaliveWhere;
    private int inactive;
    private long inactiveBytes;
    private int explicitExitNotify;
    private Where explicitExitWhere;
    private StaticKey secret;
    private Path secretFile;
    private boolean secretInline;
    private KeyDirection secretDirection;
    private Where secretWhere;
    private KeyDirection keyDirection;
    private Where keyDirectionWhere;
    private String cipherName;
    private String cipherOption;
    private Where cipherWhere;
    private String authName = "SHA1";
    private Where authWhere;
    private int replayWindow = ReplayWindow.Settings.DEFAULT.seqBacktrack();
    private int replayTime = ReplayWindow.Settings.DEFAULT.timeBacktrackSeconds();
    private Compression compression = Compression.NONE;
    private AllowCompression allowCompression;
    private int verb = 1;
    private int mute;
    private boolean muteReplayWarnings;
    private int connectRetry = 1;
    private int connectRetryMax = 300;
    private int connectTimeout = 120;
    private int resolvRetry = RESOLV_RETRY_INFINITE;
    private Path writepid;
    private boolean disableDco;
    private Line management;
    private Line managementClientGroup;
    private boolean managementHold;
    private Where managementHoldWhere;
    private int managementLogCache = Management.DEFAULT_LOG_CACHE;
    private Where managementLogCacheWhere;
    private StatusFile status;
    private int statusVersion = 1;
    private List<String> dataCiphers = DEFAULT_DATA_CIPHERS;
    private Where dataCiphersWhere;
    private String dataCiphersFallback;
    private boolean allowDeprecatedInsecureStaticCrypto;
    private String windowsDriver;
    private Where windowsDriverWhere;

    // TLS mode
    private Where tlsClientWhere;
    private Where tlsServerWhere;
    /** The first occurrence of each TLS option, for "only in TLS mode" messages. */
    private final Map<String, Where> tlsOptionsSeen = new LinkedHashMap<>();
    private FileContent ca;
    private FileContent cert;
    private FileContent key;
    private FileContent dh;
    private boolean dhNone;
    private Where dhWhere;
    private final List<String> peerFingerprints = new ArrayList<>();
    private String verifyX509Name;
    private TlsOptions.X509NameType verifyX509Type = TlsOptions.X509NameType.SUBJECT;
    private TlsOptions.Role remoteCertTls;
    private TlsOptions.Version tlsVersionMin;
    private Where tlsVersionMinWhere;
    private TlsOptions.Version tlsVersionMax;
    private String tlsCipher;
    private String tlsCiphersuites;
    private String tlsGroups;
    private String ecdhCurve;
    private FileContent tlsAuth;
    private int tlsAuthKeyCount;
    private KeyDirection tlsAuthDirection;
    private Where tlsAuthWhere;
    private FileContent tlsCrypt;
    private int tlsCryptKeyCount;
    private Where tlsCryptWhere;
    private int renegSeconds = TlsOptions.DEFAULT_RENEG_SECONDS;
    private OptionalInt renegSecondsMin = OptionalInt.empty();
    private long renegBytes = -1;
    private long renegPackets;
    private int handWindow = TlsOptions.DEFAULT_HAND_WINDOW;
    private int tlsTimeout = TlsOptions.DEFAULT_TLS_TIMEOUT;
    private int tranWindow = TlsOptions.DEFAULT_TRAN_WINDOW;

    private record RawRemote(String host, Integer port, Proto proto, IpFamily family, Where where) {
    }

    private record RawRoute(Inet4Address network, Inet4Address netmask, Inet4Address gateway, OptionalInt metric,
            Where where) {
    }

    private record RawRoute6(Inet6Address network, int bits, Inet6Address gateway, OptionalInt metric) {
    }

    OptionsBuilder(Includer includer) {
        this.includer = includer;
    }

    // ---------------------------------------------------------------- applying one option

    void apply(Line l, int depth) throws ConfigException {
        String name = l.name();
        if (l.inline() && !KnownOptions.INLINE.contains(name) && (IMPLEMENTED.contains(name) || isKnown(name))) {
            throw error(ConfigException.Reason.BAD_INLINE_BLOCK, l, "this option cannot be given as an inline <"
                    + name + "> block");
        }
        switch (name) {
            case "config":
                arity(l, 1, 1);
                if (depth >= MAX_INCLUDE_DEPTH) {
                    throw error(FILE_ERROR, l, "more than " + MAX_INCLUDE_DEPTH + " nested config files"
                            + " (does a file include itself?)");
                }
                includer.include(resolve(l, l.arg(0)), l.arg(0), l.where(), depth + 1);
                break;
            case "dev":
                arity(l, 1, 1);
                dev = l.arg(0);
                devWhere = l.where();
                break;
            case "dev-type":
                arity(l, 1, 1);
                devType = l.arg(0);
                devTypeWhere = l.where();
                break;
            case "dev-node":
                arity(l, 1, 1);
                devNode = l.arg(0);
                break;
            case "topology":
                arity(l, 1, 1);
                topology = parseTopology(l);
                break;
            case "proto":
                arity(l, 1, 1);
                setProto(l, l.arg(0));
                break;
            case "local":
                arity(l, 1, 1);
                local = l.arg(0);
                localWhere = l.where();
                break;
            case "port":
                arity(l, 1, 1);
                localPort = port(l, 0, true);
                remotePort = localPort;
                break;
            case "lport":
                arity(l, 1, 1);
                localPort = port(l, 0, true);
                localPortDefined = true;
                lportWhere = l.where();
                break;
            case "rport":
                arity(l, 1, 1);
                remotePort = port(l, 0, false);
                break;
            case "remote":
                arity(l, 1, 3);
                addRemote(l);
                break;
            case "nobind":
                arity(l, 0, 0);
                nobind = true;
                nobindWhere = l.where();
                break;
            case "bind":
                arity(l, 0, 1);
                if (l.count() == 1 && !"ipv6only".equals(l.arg(0))) {
                    throw error(BAD_VALUE, l, "the only argument --bind takes is 'ipv6only', not '" + l.arg(0) + "'");
                }
                bindDefined = true;
                bindIpv6Only = l.count() == 1;
                bindWhere = l.where();
                break;
            case "float":
                arity(l, 0, 0);
                floatRemote = true;
                break;
            case "ifconfig":
                arity(l, 2, 2);
                ifconfig = new IfConfig(ipv4(l, 0), ipv4(l, 1));
                ifconfigWhere = l.where();
                break;
            case "ifconfig-ipv6":
                arity(l, 2, 2);
                setIfconfigIpv6(l);
                break;
            case "route":
                arity(l, 1, 4);
                addRoute(l);
                break;
            case "route-ipv6":
                arity(l, 1, 3);
                addRoute6(l);
                break;
            case "tun-ipv6":
                arity(l, 0, 0);
                warnings.add(OptionWarnings.TUN_IPV6);
                break;
            case "tun-mtu":
                arity(l, 1, 2);
                tunMtu = integer(l, 0, TUN_MTU_MIN, TUN_MTU_MAX);
                occMtu = l.count() == 2 ? integer(l, 1, 0, TUN_MTU_MAX) : 0;
                tunMtuWhere = l.where();
                break;
            case "tun-mtu-extra":
                arity(l, 1, 1);
                tunMtuExtra = integer(l, 0, 0, TUN_MTU_MAX);
                break;
            case "mode":
                arity(l, 1, 1);
                if (l.arg(0).equals("server")) {
                    throw error(UNSUPPORTED_OPTION, l, "'server' is not supported by Culvert yet (point-to-point only)");
                }
                if (!l.arg(0).equals("p2p")) {
                    throw error(BAD_VALUE, l, "must be p2p or server, not '" + l.arg(0) + "'");
                }
                break;
            case "link-mtu":
            case "udp-mtu":
                arity(l, 1, 1);
                linkMtu = integer(l, 0, TUN_MTU_MIN, TUN_MTU_MAX);
                linkMtuWhere = l.where();
                warnings.add("--" + name + " is a legacy option: the tun MTU is derived from it; prefer --tun-mtu");
                break;
            case "mssfix":
                arity(l, 0, 2);
                setMssfix(l);
                break;
            case "sndbuf":
                arity(l, 1, 1);
                sndbuf = integer(l, 0, 0, Integer.MAX_VALUE);
                break;
            case "rcvbuf":
                arity(l, 1, 1);
                rcvbuf = integer(l, 0, 0, Integer.MAX_VALUE);
                break;
            case "up":
                up = script(l);
                upWhere = l.where();
                break;
            case "down":
                down = script(l);
                downWhere = l.where();
                break;
            case "script-security":
                arity(l, 1, 1);
                scriptSecurity = integer(l, 0, 0, 3);
                break;
            case "persist-tun":
                arity(l, 0, 0);
                persistTun = true;
                break;
            case "persist-key":
                arity(l, 0, 0);
                persistKey = true;
                break;
            case "ping":
                arity(l, 1, 1);
                ping = integer(l, 0, 0, Integer.MAX_VALUE);
                pingWhere = l.where();
                break;
            case "ping-restart":
            case "ping-exit":
                arity(l, 1, 1);
                pingRecTimeout = integer(l, 0, 0, Integer.MAX_VALUE);
                pingExitAction = name.equals("ping-exit");
                pingRecWhere = l.where();
                break;
            case "keepalive":
                arity(l, 2, 2);
                keepalivePing = integer(l, 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
                keepaliveTimeout = integer(l, 1, Integer.MIN_VALUE, Integer.MAX_VALUE);
                keepaliveWhere = l.where();
                break;
            case "inactive":
                arity(l, 1, 2);
                inactive = integer(l, 0, 0, Integer.MAX_VALUE);
                inactiveBytes = l.count() == 2 ? longValue(l, 1) : 0;
                if (inactiveBytes > Integer.MAX_VALUE) {
                    warnings.add(String.format(OptionWarnings.INACTIVE_BYTES, inactive));
                }
                break;
            case "explicit-exit-notify":
                arity(l, 0, 1);
                explicitExitNotify = l.count() == 1 ? integer(l, 0, 0, Integer.MAX_VALUE) : 1;
                explicitExitWhere = l.where();
                break;
            case "secret":
                setSecret(l);
                break;
            case "key-direction":
                arity(l, 1, 1);
                keyDirection = direction(l, 0);
                keyDirectionWhere = l.where();
                break;
            case "cipher":
            case "data-ciphers-fallback":
                arity(l, 1, 1);
                cipherName = l.arg(0);
                cipherOption = name;
                cipherWhere = l.where();
                if (name.equals("data-ciphers-fallback")) {
                    dataCiphersFallback = l.arg(0);
                }
                break;
            case "data-ciphers":
            case "ncp-ciphers":
                arity(l, 1, 1);
                dataCiphers = List.copyOf(Arrays.asList(l.arg(0).split(":")));
                dataCiphersWhere = l.where();
                break;
            case "auth":
                arity(l, 1, 1);
                authName = l.arg(0);
                authWhere = l.where();
                break;
            case "replay-window":
                arity(l, 1, 2);
                replayWindow = integer(l, 0, 0, ReplayWindow.Settings.MAX_SEQ_BACKTRACK);
                if (l.count() == 2) {
                    replayTime = integer(l, 1, 0, ReplayWindow.Settings.MAX_TIME_BACKTRACK);
                }
                break;
            case "no-replay":
                throw error(UNSUPPORTED_OPTION, l, "refused: it turns off replay protection, which is insecure");
            case "mute-replay-warnings":
                arity(l, 0, 0);
                muteReplayWarnings = true;
                break;
            case "comp-lzo":
                arity(l, 0, 1);
                setCompLzo(l);
                break;
            case "compress":
                arity(l, 0, 1);
                setCompress(l);
                break;
            case "allow-compression":
                arity(l, 1, 1);
                setAllowCompression(l);
                break;
            case "verb":
                arity(l, 1, 1);
                verb = integer(l, 0, 0, 15);
                break;
            case "mute":
                arity(l, 1, 1);
                mute = integer(l, 0, 0, Integer.MAX_VALUE);
                break;
            case "connect-retry":
                arity(l, 1, 2);
                connectRetry = Math.min(integer(l, 0, 0, Integer.MAX_VALUE), 0xFFFF);
                if (l.count() == 2) {
                    connectRetryMax = Math.max(integer(l, 1, 0, Integer.MAX_VALUE), connectRetry);
                }
                break;
            case "connect-timeout":
            case "server-poll-timeout":
                arity(l, 1, 1);
                connectTimeout = integer(l, 0, 0, Integer.MAX_VALUE);
                break;
            case "resolv-retry":
                arity(l, 1, 1);
                resolvRetry = "infinite".equals(l.arg(0)) ? RESOLV_RETRY_INFINITE : integer(l, 0, 0, Integer.MAX_VALUE);
                break;
            case "writepid":
                arity(l, 1, 1);
                writepid = resolve(l, l.arg(0));
                break;
            case "disable-dco":
                arity(l, 0, 0);
                disableDco = true;
                break;
            case "management":
                arity(l, 2, 3);
                if (l.count() == 3 && l.arg(2).equals("stdin")) {
                    throw error(UNSUPPORTED_OPTION, l, "a password from stdin needs a console, which Culvert does not have;"
                            + " give a password file");
                }
                if (!l.arg(1).equals("unix")) {
                    integer(l, 1, 1, 65535);
                }
                management = l;
                break;
            case "management-hold":
                arity(l, 0, 0);
                managementHold = true;
                managementHoldWhere = l.where();
                break;
            case "management-client-group":
                arity(l, 1, 1);
                managementClientGroup = l;
                break;
            case "management-log-cache":
                arity(l, 1, 1);
                managementLogCache = integer(l, 0, 1, 1_000_000);
                managementLogCacheWhere = l.where();
                break;
            case "status":
                arity(l, 1, 2);
                status = new StatusFile(resolve(l, l.arg(0)), l.count() == 2 ? integer(l, 1, 1, Integer.MAX_VALUE)
                        : StatusFile.DEFAULT_SECONDS, 1);
                break;
            case "status-version":
                arity(l, 0, 1);
                statusVersion = l.count() == 0 ? 1 : integer(l, 0, 1, 3);
                break;
            case "allow-deprecated-insecure-static-crypto":
                arity(l, 0, 0);
                allowDeprecatedInsecureStaticCrypto = true;
                warnings.add("--allow-deprecated-insecure-static-crypto is an OpenVPN 2.7 option: an OpenVPN 2.6 peer"
                        + " reading this configuration rejects it");
                break;
            case "user":
            case "group":
                throw error(UNSUPPORTED_OPTION, l, "refused: a JVM cannot drop privileges after start-up; run Culvert"
                        + " as an unprivileged user with CAP_NET_ADMIN instead");
            case "chroot":
                throw error(UNSUPPORTED_OPTION, l, "refused: a JVM cannot confine itself with chroot after start-up;"
                        + " confine the service from outside instead");
            case "windows-driver":
                arity(l, 1, 1);
                setWindowsDriver(l);
                break;
            case "client":
            case "pull":
                throw error(UNSUPPORTED_OPTION, l, "not supported by Culvert yet: pull mode (options pushed by an OpenVPN"
                        + " server) is not implemented; for a point-to-point tunnel use --tls-client with --remote");
            case "server":
                throw error(UNSUPPORTED_OPTION, l, "not supported by Culvert yet: server mode (many clients) is not"
                        + " implemented; for a point-to-point tunnel use --tls-server");
            case "key-derivation":
                arity(l, 1, 1);
                if (!l.arg(0).equals("tls-ekm")) {
                    throw error(BAD_VALUE, l, "unknown key-derivation method '" + l.arg(0) + "' (OpenVPN knows tls-ekm)");
                }
                warnings.add("--key-derivation is ignored: point-to-point peers negotiate it (tls-ekm whenever both"
                        + " support it)");
                break;
            default:
                if (!applyTls(l)) {
                    unimplemented(l);
                }
        }
    }

    /** The TLS options; false if {@code l} is not one of them. */
    private boolean applyTls(Line l) throws ConfigException {
        String name = l.name();
        switch (name) {
            case "tls-client":
                arity(l, 0, 0);
                tlsClientWhere = l.where();
                break;
            case "tls-server":
                arity(l, 0, 0);
                tlsServerWhere = l.where();
                break;
            case "ca":
                arity(l, 1, 1);
                ca = readFileOption(l, "CA file");
                requirePem(l, ca, "CERTIFICATE-----", "a PEM certificate ('-----BEGIN CERTIFICATE-----')");
                break;
            case "cert":
                arity(l, 1, 1);
                cert = readFileOption(l, "certificate file");
                requirePem(l, cert, "CERTIFICATE-----", "a PEM certificate ('-----BEGIN CERTIFICATE-----')");
                break;
            case "key":
                arity(l, 1, 1);
                setKey(l);
                break;
            case "dh":
                arity(l, 1, 1);
                if (!l.inline() && l.arg(0).equals("none")) {
                    dh = null;
                    dhNone = true;
                } else {
                    dh = readFileOption(l, "DH parameter file");
                    requirePem(l, dh, "DH PARAMETERS-----",
                            "PEM DH parameters ('-----BEGIN DH PARAMETERS-----') or 'none'");
                    dhNone = false;
                }
                dhWhere = l.where();
                break;
            case "tls-auth":
                arity(l, 1, 2);
                tlsAuth = readFileOption(l, "key file");
                tlsAuthKeyCount = staticKeyCount(l, tlsAuth);
                if (l.count() == 2) {
                    // As OpenVPN: only a given direction changes it; a later bare --tls-auth keeps it.
                    tlsAuthDirection = direction(l, 1);
                }
                tlsAuthWhere = l.where();
                break;
            case "tls-crypt":
                arity(l, 1, 2);
                if (l.count() == 2) {
                    warnings.add("--tls-crypt: the second argument '" + l.arg(1) + "' is ignored, as by OpenVPN: the"
                            + " key direction follows the TLS role");
                }
                tlsCrypt = readFileOption(l, "key file");
                tlsCryptKeyCount = staticKeyCount(l, tlsCrypt);
                tlsCryptWhere = l.where();
                break;
            case "peer-fingerprint":
                arity(l, 1, 1);
                addPeerFingerprints(l);
                break;
            case "verify-x509-name":
                arity(l, 1, 2);
                setVerifyX509Name(l);
                break;
            case "remote-cert-tls":
                arity(l, 1, 1);
                if (l.arg(0).equals("client")) {
                    remoteCertTls = TlsOptions.Role.CLIENT;
                } else if (l.arg(0).equals("server")) {
                    remoteCertTls = TlsOptions.Role.SERVER;
                } else {
                    throw error(BAD_VALUE, l, "must be 'client' or 'server', not '" + l.arg(0) + "'");
                }
                break;
            case "tls-version-min":
                arity(l, 1, 2);
                setTlsVersionMin(l);
                break;
            case "tls-version-max":
                arity(l, 1, 1);
                tlsVersionMax = TlsOptions.Version.fromOptionValue(l.arg(0));
                if (tlsVersionMax == null) {
                    throw error(BAD_VALUE, l, "unknown TLS version '" + l.arg(0) + "' (1.0, 1.1, 1.2 or 1.3)");
                }
                if (tlsVersionMax.compareTo(TlsOptions.Version.TLS_1_2) < 0) {
                    throw error(UNSUPPORTED_OPTION, l, "TLS " + l.arg(0) + " is not supported by Culvert (it runs TLS 1.2"
                            + " and 1.3 only)");
                }
                break;
            case "tls-cipher":
                tlsCipher = text(l);
                break;
            case "tls-ciphersuites":
                tlsCiphersuites = text(l);
                break;
            case "tls-groups":
                tlsGroups = text(l);
                break;
            case "ecdh-curve":
                ecdhCurve = text(l);
                break;
            case "reneg-sec":
                arity(l, 1, 2);
                renegSeconds = integer(l, 0, 0, Integer.MAX_VALUE);
                renegSecondsMin = l.count() == 2 ? OptionalInt.of(integer(l, 1, 0, Integer.MAX_VALUE)) : OptionalInt.empty();
                break;
            case "reneg-bytes":
                // OpenVPN reads these with atoi: an int, whatever the platform's long.
                arity(l, 1, 1);
                renegBytes = integer(l, 0, 0, Integer.MAX_VALUE);
                break;
            case "reneg-pkts":
                arity(l, 1, 1);
                renegPackets = integer(l, 0, 0, Integer.MAX_VALUE);
                break;
            case "hand-window":
                arity(l, 1, 1);
                handWindow = integer(l, 0, 1, Integer.MAX_VALUE);
                break;
            case "tls-timeout":
                arity(l, 1, 1);
                tlsTimeout = integer(l, 0, 1, Integer.MAX_VALUE);
                break;
            case "tran-window":
                arity(l, 1, 1);
                tranWindow = integer(l, 0, 1, Integer.MAX_VALUE);
                break;
            case "key-method":
                arity(l, 1, 1);
                if (l.arg(0).equals("1")) {
                    throw error(UNSUPPORTED_OPTION, l, "key method 1 is not supported (OpenVPN removed it in 2.5)");
                }
                if (!l.arg(0).equals("2")) {
                    throw error(BAD_VALUE, l, "must be 2, not '" + l.arg(0) + "'");
                }
                warnings.add("--key-method 2 is the only key method; OpenVPN 2.6 no longer accepts the option, so"
                        + " remove it from configurations stock peers read");
                break;
            default:
                return false;
        }
        tlsOptionsSeen.putIfAbsent(name, l.where());
        return true;
    }

    private static boolean isKnown(String name) {
        return KnownOptions.TLS.contains(name) || KnownOptions.OTHER_OPENVPN.contains(name)
                || KnownOptions.INLINE.contains(name) || name.startsWith("management");
    }

    private void unimplemented(Line l) throws ConfigException {
        String name = l.name();
        if (KnownOptions.TLS.contains(name)) {
            throw error(UNSUPPORTED_OPTION, l, "not supported by Culvert yet" + tlsRefusalHint(name));
        }
        if (isKnown(name)) {
            throw error(UNSUPPORTED_OPTION, l, "not supported by Culvert yet");
        }
        throw new ConfigException(ConfigException.Reason.UNKNOWN_OPTION, l.where().source(), l.where().line(), name, "");
    }

    /** Why a TLS option is refused, and what to use instead; starts with " (" or ": ". */
    private static String tlsRefusalHint(String name) {
        switch (name) {
            case "askpass":
                return ": it unlocks encrypted private keys, which Culvert cannot read; store --key unencrypted"
                        + " (e.g. 'openssl pkey -in enc.key -out plain.key') and restrict it with file permissions";
            case "pkcs12":
                return ": give --ca, --cert and --key as PEM files or inline blocks instead";
            case "crl-verify":
                return ": certificate revocation lists are not checked; pin peers with --peer-fingerprint instead";
            case "tls-verify":
                return ": it runs a script to verify certificates; use --verify-x509-name, --remote-cert-tls or"
                        + " --peer-fingerprint";
            case "verify-hash":
                return " (OpenVPN 2.6 deprecates it): use --peer-fingerprint";
            case "ns-cert-type":
                return " (a deprecated Netscape extension): use --remote-cert-tls";
            case "tls-crypt-v2":
            case "tls-crypt-v2-verify":
                return ": client-specific keys belong to server mode; use --tls-crypt";
            default:
                return " (Culvert's TLS point-to-point mode cannot honour it)";
        }
    }

    // ---------------------------------------------------------------- option details

    /** The content of a file-valued option: the inline block, or the named file read now. */
    private FileContent readFileOption(Line l, String what) throws ConfigException {
        if (l.inline()) {
            return new FileContent(l.arg(0), Optional.empty());
        }
        Path file = resolve(l, l.arg(0));
        try {
            if (Files.size(file) > MAX_FILE_OPTION_BYTES) {
                throw error(FILE_ERROR, l, "the " + what + " '" + l.arg(0) + "' is larger than 4 MiB");
            }
            // Decoded straight to characters: the file may be a key, which must not become a String.
            char[] chars = decode(Files.readAllBytes(file), StandardCharsets.UTF_8);
            try {
                return new FileContent(chars, Optional.of(file));
            } finally {
                Arrays.fill(chars, '\0');
            }
        } catch (IOException e) {
            throw error(FILE_ERROR, l, "cannot read " + what + " '" + l.arg(0) + "': " + describe(e), e);
        }
    }

    /** Decodes a file's bytes to characters without a String, overwriting the bytes and the decoder's buffer. */
    private static char[] decode(byte[] bytes, java.nio.charset.Charset charset) {
        CharBuffer decoded = charset.decode(ByteBuffer.wrap(bytes));
        try {
            char[] out = new char[decoded.remaining()];
            decoded.get(out);
            return out;
        } finally {
            Arrays.fill(bytes, (byte) 0);
            if (decoded.hasArray()) {
                Arrays.fill(decoded.array(), '\0');
            }
        }
    }

    /** A light shape check so that a wrong file is reported with its line; the TLS engine parses it fully. */
    private static void requirePem(Line l, FileContent content, String endOfBeginLine, String expected)
            throws ConfigException {
        int begin = content.indexOf("-----BEGIN ", 0);
        if (begin < 0 || content.indexOf(endOfBeginLine, begin) < 0) {
            throw error(BAD_VALUE, l, (content.inline() ? "the inline block" : "'" + l.arg(0) + "'") + " does not hold "
                    + expected);
        }
    }

    private void setKey(Line l) throws ConfigException {
        FileContent k = readFileOption(l, "private key file");
        requirePem(l, k, "PRIVATE KEY-----", "a PEM private key ('-----BEGIN PRIVATE KEY-----')");
        if (k.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || k.contains("Proc-Type: 4,ENCRYPTED")) {
            throw error(UNSUPPORTED_OPTION, l, "the private key is encrypted, which needs --askpass; Culvert cannot read"
                    + " encrypted keys: store it unencrypted (e.g. 'openssl pkey -in enc.key -out plain.key') and"
                    + " restrict it with file permissions");
        }
        k.file().ifPresent(f -> warnIfShared(f, l.arg(0)));
        key = k;
    }

    /** Checks an OpenVPN static key's syntax; returns how many 128-byte keys it holds. */
    private int staticKeyCount(Line l, FileContent content) throws ConfigException {
        content.file().ifPresent(f -> warnIfShared(f, l.arg(0)));
        char[] text = content.chars();
        try {
            StaticKey key = StaticKey.parse(CharBuffer.wrap(text));
            key.wipe();
            return key.keyCount();
        } catch (StaticKeyException e) {
            throw error(BAD_KEY, l, e.getMessage(), e);
        } finally {
            Arrays.fill(text, '\0');
        }
    }

    /**
     * Adds {@code --peer-fingerprint}s: one per line of an inline block (blank lines and {@code #}/{@code ;}
     * comments skipped), or the one argument, each 32 colon-separated hex bytes as OpenVPN 2.6 requires.
     */
    private void addPeerFingerprints(Line l) throws ConfigException {
        int added = 0;
        for (String raw : l.arg(0).split("\n", -1)) {
            String entry = raw.strip();
            if (entry.isEmpty() || entry.startsWith("#") || entry.startsWith(";")) {
                continue;
            }
            peerFingerprints.add(sha256Fingerprint(l, entry));
            added++;
        }
        if (added == 0) {
            throw error(BAD_VALUE, l, "no fingerprint given");
        }
    }

    private static String sha256Fingerprint(Line l, String entry) throws ConfigException {
        String[] bytes = entry.split(":", -1);
        for (String b : bytes) {
            if (b.length() != 2 || Character.digit(b.charAt(0), 16) < 0 || Character.digit(b.charAt(1), 16) < 0) {
                throw error(BAD_VALUE, l, "format error in '" + shorten(entry) + "': a SHA-256 fingerprint is 32"
                        + " hex bytes separated by colons (AB:CD:...)");
            }
        }
        if (bytes.length != SHA256_LENGTH) {
            throw error(BAD_VALUE, l, "'" + shorten(entry) + "' has " + bytes.length + " bytes; a SHA-256 fingerprint"
                    + " has " + SHA256_LENGTH);
        }
        return entry.toUpperCase(Locale.ROOT);
    }

    private static String shorten(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "...";
    }

    private void setVerifyX509Name(Line l) throws ConfigException {
        if (l.arg(0).isEmpty()) {
            throw error(BAD_VALUE, l, "the name is empty");
        }
        TlsOptions.X509NameType type = TlsOptions.X509NameType.SUBJECT;
        if (l.count() == 2) {
            type = null;
            for (TlsOptions.X509NameType t : TlsOptions.X509NameType.values()) {
                if (t.optionValue().equals(l.arg(1))) {
                    type = t;
                }
            }
            if (type == null) {
                throw error(BAD_VALUE, l, "unknown X.509 name type '" + l.arg(1) + "' (subject, name or name-prefix)");
            }
        }
        verifyX509Name = l.arg(0);
        verifyX509Type = type;
    }

    private void setTlsVersionMin(Line l) throws ConfigException {
        boolean orHighest = l.count() == 2;
        if (orHighest && !l.arg(1).equals("or-highest")) {
            throw error(BAD_VALUE, l, "the only second argument is 'or-highest', not '" + l.arg(1) + "'");
        }
        TlsOptions.Version v = TlsOptions.Version.fromOptionValue(l.arg(0));
        if (v == null) {
            if (!orHighest) {
                throw error(BAD_VALUE, l, "unknown TLS version '" + l.arg(0) + "' (1.0, 1.1, 1.2 or 1.3; add"
                        + " 'or-highest' to use the highest version instead)");
            }
            // As OpenVPN: an unknown version with or-highest means the highest the library offers.
            v = TlsOptions.Version.TLS_1_3;
        }
        if (v.compareTo(TlsOptions.Version.TLS_1_2) < 0) {
            warnings.add("--tls-version-min " + v.optionValue() + ": Culvert never negotiates below TLS 1.2");
        }
        tlsVersionMin = v;
        tlsVersionMinWhere = l.where();
    }

    /** A single non-empty word (cipher lists, group names), kept as written. */
    private String text(Line l) throws ConfigException {
        arity(l, 1, 1);
        if (l.arg(0).isBlank()) {
            throw error(BAD_VALUE, l, "the value is empty");
        }
        return l.arg(0);
    }

    private void setWindowsDriver(Line l) throws ConfigException {
        switch (l.arg(0)) {
            case "tap-windows6":
            case "wintun":
                windowsDriver = l.arg(0);
                windowsDriverWhere = l.where();
                break;
            case "ovpn-dco":
                throw error(UNSUPPORTED_OPTION, l, "'ovpn-dco' is not supported by Culvert (it has no data channel"
                        + " offload); use wintun or tap-windows6");
            default:
                throw error(BAD_VALUE, l, "must be tap-windows6 or wintun, not '" + l.arg(0) + "'");
        }
    }

    private void setProto(Line l, String value) throws ConfigException {
        String v = value.toLowerCase(Locale.ROOT);
        IpFamily fam = IpFamily.ANY;
        if (v.matches("(udp|tcp|tcp-client|tcp-server)")) {
            fam = IpFamily.ANY;
        } else if (v.matches("(udp|tcp)4(-client|-server)?")) {
            fam = IpFamily.IPV4;
            v = v.replace("4", "");
        } else if (v.matches("(udp|tcp)6(-client|-server)?")) {
            fam = IpFamily.IPV6;
            v = v.replace("6", "");
        } else {
            throw error(BAD_VALUE, l, "bad protocol '" + value + "' (allowed: udp, udp4, udp6, tcp-client,"
                    + " tcp4-client, tcp6-client, tcp-server, tcp4-server, tcp6-server)");
        }
        protoAmbiguousTcp = v.equals("tcp");
        proto = v.equals("udp") ? Proto.UDP : v.equals("tcp-client") ? Proto.TCP_CLIENT : Proto.TCP_SERVER;
        family = fam;
        protoWhere = l.where();
    }

    private void addRemote(Line l) throws ConfigException {
        Integer port = l.count() >= 2 ? port(l, 1, false) : null;
        Proto p = null;
        IpFamily fam = IpFamily.ANY;
        if (l.count() == 3) {
            // Parse the per-remote protocol with the same rules as --proto, without disturbing it.
            Proto savedProto = proto;
            IpFamily savedFamily = family;
            boolean savedAmbiguous = protoAmbiguousTcp;
            Where savedWhere = protoWhere;
            setProto(l, l.arg(2));
            if (protoAmbiguousTcp) {
                throw error(CONFLICT, l, "protocol 'tcp' is ambiguous in point-to-point mode: use tcp-client or tcp-server");
            }
            p = proto;
            fam = family;
            proto = savedProto;
            family = savedFamily;
            protoAmbiguousTcp = savedAmbiguous;
            protoWhere = savedWhere;
        }
        remotes.add(new RawRemote(l.arg(0), port, p, fam, l.where()));
    }

    private void setIfconfigIpv6(Line l) throws ConfigException {
        String spec = l.arg(0);
        int slash = spec.indexOf('/');
        if (slash < 0) {
            throw error(BAD_VALUE, l, "'" + spec + "' needs a prefix length, e.g. fd00::1/64");
        }
        Inet6Address address = ipv6(l, spec.substring(0, slash));
        int bits = prefixLength(l, spec.substring(slash + 1), 128);
        if (bits < 64 || bits > 124) {
            throw error(BAD_VALUE, l, "prefix length /" + bits + " must be between 64 and 124");
        }
        ifconfigIpv6 = new IfConfigIpv6(address, bits, ipv6(l, l.arg(1)));
    }

    private void addRoute(Line l) throws ConfigException {
        Inet4Address network = ipv4(l, 0);
        Inet4Address netmask = defined(l, 1) ? ipv4(l, 1) : address4(255, 255, 255, 255);
        Inet4Address gateway = null;
        if (defined(l, 2)) {
            String g = l.arg(2);
            if (g.equals("net_gateway") || g.equals("remote_host")) {
                throw error(UNSUPPORTED_OPTION, l, "gateway '" + g + "' is not supported by Culvert yet");
            }
            // vpn_gateway means the default, which is only known once --ifconfig has been read.
            gateway = g.equals("vpn_gateway") ? null : ipv4(l, 2);
        }
        OptionalInt metric = defined(l, 3) ? OptionalInt.of(integer(l, 3, 0, Integer.MAX_VALUE)) : OptionalInt.empty();
        byte[] n = network.getAddress();
        byte[] m = netmask.getAddress();
        for (int i = 0; i < 4; i++) {
            if ((n[i] & ~m[i]) != 0) {
                throw error(BAD_VALUE, l, "network " + l.arg(0) + " is inconsistent with netmask "
                        + netmask.getHostAddress());
            }
        }
        routes.add(new RawRoute(network, netmask, gateway, metric, l.where()));
    }

    private void addRoute6(Line l) throws ConfigException {
        String spec = l.arg(0);
        int slash = spec.indexOf('/');
        Inet6Address network = ipv6(l, slash < 0 ? spec : spec.substring(0, slash));
        int bits = slash < 0 ? 128 : prefixLength(l, spec.substring(slash + 1), 128);
        Inet6Address gateway = defined(l, 1) ? ipv6(l, l.arg(1)) : null;
        OptionalInt metric = defined(l, 2) ? OptionalInt.of(integer(l, 2, 0, Integer.MAX_VALUE)) : OptionalInt.empty();
        routes6.add(new RawRoute6(network, bits, gateway, metric));
    }

    private void setMssfix(Line l) throws ConfigException {
        if (l.count() >= 1) {
            mssfix = integer(l, 0, 0, TUN_MTU_MAX);
            mssfixEncap = false;
            mssfixDefault = false;
            mssfixFixed = false;
        } else {
            mssfixDefault = true;
            mssfixEncap = true;
            mssfixFixed = false;
        }
        if (l.count() == 2) {
            if (l.arg(1).equals("mtu")) {
                mssfixEncap = true;
            } else if (l.arg(1).equals("fixed")) {
                mssfixFixed = true;
            } else {
                throw error(BAD_VALUE, l, "unknown flag '" + l.arg(1) + "' (allowed: mtu, fixed)");
            }
        }
    }

    private Script script(Line l) throws ConfigException {
        if (l.count() == 0) {
            throw error(MISSING_ARGUMENT, l, "needs a command");
        }
        if (l.count() > 1) {
            throw error(EXTRA_ARGUMENT, l, "takes one argument; put a command with arguments in quotes");
        }
        String command = l.arg(0).trim();
        if (command.isEmpty()) {
            throw error(BAD_VALUE, l, "the command is empty");
        }
        String program = command.split("\\s+", 2)[0];
        return new Script(command, resolve(l, program));
    }

    private void setSecret(Line l) throws ConfigException {
        arity(l, 1, 2);
        char[] text;
        if (l.inline()) {
            text = l.arg(0).toCharArray();
            secretFile = null;
            secretInline = true;
            secretDirection = null;
        } else {
            Path file = resolve(l, l.arg(0));
            secretDirection = l.count() == 2 ? direction(l, 1) : null;
            try {
                text = decode(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                throw error(FILE_ERROR, l, "cannot read key file '" + l.arg(0) + "': " + describe(e), e);
            }
            warnIfShared(file, l.arg(0));
            secretFile = file;
            secretInline = false;
        }
        try {
            secret = StaticKey.parse(CharBuffer.wrap(text));
        } catch (StaticKeyException e) {
            throw error(BAD_KEY, l, e.getMessage(), e);
        } finally {
            Arrays.fill(text, '\0');
        }
        secretWhere = l.where();
    }

    /** As OpenVPN's check_file_access for private files: any access by group or others is warned about. */
    private void warnIfShared(Path file, String shown) {
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

    private void setCompLzo(Line l) throws ConfigException {
        String v = l.count() == 1 ? l.arg(0) : null;
        if ("no".equals(v)) {
            compression = Compression.LZO_STUB;
        } else if (v == null || v.equals("yes") || v.equals("adaptive")) {
            throw error(UNSUPPORTED_OPTION, l, "LZO compression is not supported by Culvert; use 'comp-lzo no' on"
                    + " both peers (same framing, no compression)");
        } else {
            throw error(BAD_VALUE, l, "bad value '" + v + "' (allowed: yes, no, adaptive)");
        }
    }

    private void setCompress(Line l) throws ConfigException {
        String v = l.count() == 1 ? l.arg(0) : "stub";
        switch (v) {
            case "stub":
                compression = Compression.STUB;
                break;
            case "stub-v2":
                compression = Compression.STUB_V2;
                break;
            case "lzo":
            case "lz4":
            case "lz4-v2":
            case "migrate":
                throw error(UNSUPPORTED_OPTION, l, "'" + v + "' is not supported by Culvert (compression is a known"
                        + " attack vector; supported: stub, stub-v2)");
            default:
                throw error(BAD_VALUE, l, "bad algorithm '" + v + "' (allowed: stub, stub-v2, lzo, lz4, lz4-v2, migrate)");
        }
    }

    private void setAllowCompression(Line l) throws ConfigException {
        String v = l.arg(0);
        if (v.equals("no")) {
            allowCompression = AllowCompression.NO;
            return;
        }
        if (allowCompression == AllowCompression.NO) {
            throw error(CONFLICT, l, "cannot be set to '" + v + "' after it was set to 'no'");
        }
        if (v.equals("asym")) {
            allowCompression = AllowCompression.ASYM;
        } else if (v.equals("yes")) {
            allowCompression = AllowCompression.YES;
        } else {
            throw error(BAD_VALUE, l, "bad value '" + v + "' (allowed: yes, no, asym)");
        }
    }

    private Topology parseTopology(Line l) throws ConfigException {
        switch (l.arg(0)) {
            case "net30":
                return Topology.NET30;
            case "p2p":
                return Topology.P2P;
            case "subnet":
                return Topology.SUBNET;
            default:
                throw error(BAD_VALUE, l, "must be net30, p2p or subnet, not '" + l.arg(0) + "'");
        }
    }

    // ---------------------------------------------------------------- cross-option checks

    OpenVpnOptions finish(String sourceName) throws ConfigException {
        topSource = sourceName;
        if (dev == null) {
            throw new ConfigException(MISSING_OPTION, sourceName, 0, "dev", "a TUN/TAP device is required (e.g. 'dev tun')");
        }
        DevType type = resolveDevType();
        if (protoAmbiguousTcp) {
            throw at(CONFLICT, protoWhere, "proto", "'tcp' is ambiguous in point-to-point mode: use tcp-client or tcp-server");
        }
        boolean tlsMode = checkMode(sourceName);
        Management managementOption = resolveManagement();
        StatusFile statusOption = status == null ? null : new StatusFile(status.file(), status.seconds(), statusVersion);
        KeyDirection direction = resolveKeyDirection();
        AuthAlgorithm auth = resolveAuth();
        CipherAlgorithm cipher = null;
        TlsOptions tls = null;
        Optional<String> fallback = Optional.ofNullable(dataCiphersFallback);
        if (tlsMode) {
            tls = resolveTls(sourceName, direction);
            fallback = resolveTlsFallback();
            checkTlsDataCiphers();
            if (linkMtu != null) {
                throw at(UNSUPPORTED_OPTION, linkMtuWhere, "link-mtu", "not supported by Culvert in TLS mode (the"
                        + " overhead depends on the negotiated cipher); set --tun-mtu instead");
            }
        } else {
            checkNoTlsOptions();
            cipher = resolveCipher(sourceName);
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

        List<Remote> resolvedRemotes = new ArrayList<>();
        for (RawRemote r : remotes) {
            resolvedRemotes.add(new Remote(r.host(), r.port() != null ? r.port() : remotePort,
                    Optional.ofNullable(r.proto()), r.family()));
        }
        Proto effectiveProto = proto;
        IpFamily effectiveFamily = family;
        if (!remotes.isEmpty() && remotes.get(0).proto() != null) {
            effectiveProto = remotes.get(0).proto();
            effectiveFamily = remotes.get(0).family();
        }
        checkBinding(effectiveProto);
        checkAddresses();

        int effectiveExitNotify = explicitExitNotify;
        if (effectiveExitNotify > 0 && effectiveProto.isTcp()) {
            warnings.add(OptionWarnings.EXIT_NOTIFY_TCP);
            effectiveExitNotify = 0;
        }
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
        List<Route> resolvedRoutes = resolveRoutes(type);
        List<RouteIpv6> resolvedRoutes6 = new ArrayList<>();
        for (RawRoute6 r : routes6) {
            Inet6Address gw = r.gateway() != null ? r.gateway() : ifconfigIpv6 != null ? ifconfigIpv6.remote() : null;
            resolvedRoutes6.add(new RouteIpv6(r.network(), r.bits(), Optional.ofNullable(gw), r.metric()));
        }
        OpenVpnOptions built = new OpenVpnOptions(new OpenVpnOptions.Values(sourceName, dev, type, Optional.ofNullable(devNode),
                effectiveProto, effectiveFamily, Optional.ofNullable(local), localPort, remotePort,
                List.copyOf(resolvedRemotes), bindsLocally(effectiveProto), bindIpv6Only, floatRemote,
                Optional.ofNullable(ifconfig), Optional.ofNullable(ifconfigIpv6), List.copyOf(resolvedRoutes),
                List.copyOf(resolvedRoutes6), topology, effectiveTunMtu, occMtu,
                tunMtuExtra != null ? tunMtuExtra : type == DevType.TAP ? TAP_MTU_EXTRA : 0,
                linkMtu == null ? OptionalInt.empty() : OptionalInt.of(linkMtu), effectiveMssfix, effectiveEncap,
                effectiveFixed, sndbuf, rcvbuf, Optional.ofNullable(up), Optional.ofNullable(down), scriptSecurity,
                persistTun, persistKey, pings[0], pingExitAction ? 0 : pings[1], pingExitAction ? pings[1] : 0,
                inactive, inactiveBytes, effectiveExitNotify, secret, Optional.ofNullable(secretFile), secretInline,
                direction, cipher, auth, new ReplayWindow.Settings(replayWindow, replayTime), compression,
                Optional.ofNullable(allowCompression), verb, mute, muteReplayWarnings, connectRetry, connectRetryMax,
                connectTimeout, resolvRetry, Optional.ofNullable(writepid), disableDco, dataCiphers, fallback,
                allowDeprecatedInsecureStaticCrypto, Optional.ofNullable(tls), Optional.ofNullable(windowsDriver),
                Optional.ofNullable(managementOption), Optional.ofNullable(statusOption), Collections.unmodifiableList(warnings)));
        // OpenVPN's start-up warnings read the finished options; the list above is a view, and this
        // builder is done with after build().
        warnings.addAll(OptionWarnings.of(built));
        return built;
    }

    private Management resolveManagement() throws ConfigException {
        if (management == null) {
            Where modifier = managementHoldWhere != null ? managementHoldWhere : managementLogCacheWhere;
            if (modifier == null && managementClientGroup != null) {
                modifier = managementClientGroup.where();
            }
            if (modifier != null) {
                throw at(CONFLICT, modifier, managementHoldWhere != null ? "management-hold"
                        : managementLogCacheWhere != null ? "management-log-cache" : "management-client-group",
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
                    managementLogCache, clientGroup);
        }
        if (managementClientGroup != null) {
            // OpenVPN's wording (options.c): it is a usage error there too.
            throw error(CONFLICT, managementClientGroup, "--management-client-(user|group) can only be used on unix domain sockets");
        }
        return new Management(Optional.of(l.arg(0)), Integer.parseInt(l.arg(1)), Optional.empty(), passwordFile,
                managementHold, managementLogCache);
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
                throw at(UNSUPPORTED_OPTION, w, option, "the null device is not supported by Culvert yet");
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
        if (cert == null) {
            throw new ConfigException(MISSING_OPTION, sourceName, 0, "cert", "TLS mode needs this peer's certificate"
                    + " (--cert)");
        }
        if (key == null) {
            throw new ConfigException(MISSING_OPTION, sourceName, 0, "key", "TLS mode needs this peer's private key"
                    + " (--key)");
        }
        if (ca == null && peerFingerprints.isEmpty()) {
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
        if (tlsVersionMin != null && tlsVersionMax != null && tlsVersionMax.compareTo(tlsVersionMin) < 0) {
            throw at(CONFLICT, tlsVersionMinWhere, "tls-version-min", "TLS " + tlsVersionMin.optionValue()
                    + " is above --tls-version-max " + tlsVersionMax.optionValue());
        }
        return new TlsOptions(role, Optional.ofNullable(ca), cert, key, Optional.ofNullable(effectiveDh),
                effectiveDhNone, peerFingerprints, Optional.ofNullable(verifyX509Name), verifyX509Type,
                Optional.ofNullable(remoteCertTls), Optional.ofNullable(tlsVersionMin), Optional.ofNullable(tlsVersionMax),
                Optional.ofNullable(tlsCipher), Optional.ofNullable(tlsCiphersuites), Optional.ofNullable(tlsGroups),
                Optional.ofNullable(ecdhCurve), Optional.ofNullable(tlsAuth), Optional.ofNullable(tlsCrypt), renegSeconds,
                renegSecondsMin, renegBytes, renegPackets, handWindow, tlsTimeout, tranWindow);
    }

    /**
     * TLS mode: {@code --cipher} or {@code --data-ciphers-fallback} names the cipher for a peer that
     * announces none (OpenVPN 2.6 point-to-point: an explicit --cipher enables the fallback).
     */
    private Optional<String> resolveTlsFallback() throws ConfigException {
        if (cipherName == null) {
            return Optional.empty();
        }
        String canonical = canonicalTlsCipher(cipherName);
        if (canonical == null) {
            throw unusableTlsCipher(cipherWhere, cipherOption, cipherName, "");
        }
        return Optional.of(canonical);
    }

    /** TLS mode: every --data-ciphers entry is one Culvert implements, unless marked optional with '?'. */
    private void checkTlsDataCiphers() throws ConfigException {
        boolean usable = false;
        for (String entry : dataCiphers) {
            String name = entry.strip();
            boolean optional = name.startsWith("?");
            String bare = optional ? name.substring(1) : name;
            if (bare.isEmpty()) {
                continue;
            }
            if (canonicalTlsCipher(bare) != null) {
                usable = true;
            } else if (!optional) {
                throw unusableTlsCipher(dataCiphersWhere, "data-ciphers", bare, "; mark ciphers a peer may lack"
                        + " as optional with '?'");
            }
        }
        if (!usable) {
            throw at(BAD_VALUE, dataCiphersWhere, "data-ciphers", "no cipher Culvert implements in the list ("
                    + TLS_CIPHERS + ")");
        }
    }

    /** OpenVPN's canonical name of a TLS data cipher Culvert implements (OpenSSL spelling tolerated), or null. */
    private static String canonicalTlsCipher(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (upper.equals("ID-AES256-GCM")) {
            return "AES-256-GCM";
        }
        if (upper.equals("ID-AES128-GCM")) {
            return "AES-128-GCM";
        }
        return TLS_DATA_CIPHERS.contains(upper) ? upper : null;
    }

    private ConfigException unusableTlsCipher(Where where, String option, String name, String hint) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (name.equals("none")) {
            return at(UNSUPPORTED_OPTION, where, option, "'none' is not supported by Culvert in TLS mode (traffic is"
                    + " always encrypted; " + TLS_CIPHERS + ")" + hint);
        }
        if (OTHER_OPENSSL_CIPHER.matcher(upper).matches() || AEAD_CIPHERS.contains(upper)) {
            return at(UNSUPPORTED_OPTION, where, option, "'" + name + "' is not supported by Culvert (" + TLS_CIPHERS
                    + ")" + hint);
        }
        return at(BAD_VALUE, where, option, "unknown cipher '" + name + "' (" + TLS_CIPHERS + ")" + hint);
    }

    private CipherAlgorithm resolveCipher(String sourceName) throws ConfigException {
        if (cipherName == null) {
            throw new ConfigException(UNSUPPORTED_OPTION, sourceName, 0, "cipher", "not set, and OpenVPN 2.6's default"
                    + " BF-CBC is not supported by Culvert; set 'cipher AES-256-CBC' (or AES-128-CBC) on both peers");
        }
        String upper = cipherName.toUpperCase(Locale.ROOT);
        if (AEAD_CIPHERS.contains(upper)) {
            throw at(CONFLICT, cipherWhere, cipherOption, "'" + cipherName + "' is not allowed with --secret ("
                    + STATIC_CIPHERS + ")");
        }
        try {
            return CipherAlgorithm.fromOpenVpnName(cipherName);
        } catch (IllegalArgumentException e) {
            if (OTHER_OPENSSL_CIPHER.matcher(upper).matches()) {
                throw at(UNSUPPORTED_OPTION, cipherWhere, cipherOption, "'" + cipherName + "' is not supported by"
                        + " Culvert (" + STATIC_CIPHERS + ")");
            }
            throw at(BAD_VALUE, cipherWhere, cipherOption, "unknown cipher '" + cipherName + "' (" + STATIC_CIPHERS + ")");
        }
    }

    private AuthAlgorithm resolveAuth() throws ConfigException {
        try {
            return AuthAlgorithm.fromOpenVpnName(authName);
        } catch (IllegalArgumentException e) {
            String what = OTHER_OPENSSL_DIGESTS.contains(authName.toUpperCase(Locale.ROOT))
                    ? "is not supported by Culvert" : "is not a known digest";
            throw at(OTHER_OPENSSL_DIGESTS.contains(authName.toUpperCase(Locale.ROOT)) ? UNSUPPORTED_OPTION : BAD_VALUE,
                    authWhere, "auth", "'" + authName + "' " + what + " (supported: SHA1, SHA256, SHA512, none)");
        }
    }

    private void checkBinding(Proto effectiveProto) throws ConfigException {
        if (effectiveProto == Proto.TCP_CLIENT && remotes.isEmpty()) {
            throw at(MISSING_OPTION, protoWhere, "proto", "tcp-client needs --remote");
        }
        if (nobind) {
            if (bindDefined) {
                throw at(CONFLICT, nobindWhere, "nobind", "cannot be combined with --bind (" + describe(bindWhere) + ")");
            }
            if (local != null) {
                throw at(CONFLICT, nobindWhere, "nobind", "makes no sense with --local (" + describe(localWhere) + ")");
            }
            if (localPortDefined) {
                throw at(CONFLICT, nobindWhere, "nobind", "makes no sense with --lport (" + describe(lportWhere) + ")");
            }
            if (remotes.isEmpty()) {
                throw at(CONFLICT, nobindWhere, "nobind", "makes no sense without --remote");
            }
        }
    }

    private boolean bindsLocally(Proto effectiveProto) {
        if (nobind) {
            return false;
        }
        boolean needBind = local != null || localPortDefined || bindDefined;
        // Like OpenVPN, a TCP client uses an ephemeral source port unless told otherwise.
        return needBind || effectiveProto != Proto.TCP_CLIENT;
    }

    private void checkAddresses() throws ConfigException {
        if (!remotes.isEmpty() && local != null && remotes.get(0).host().equals(local)) {
            int rport = remotes.get(0).port() != null ? remotes.get(0).port() : remotePort;
            if (rport == localPort) {
                throw at(CONFLICT, remotes.get(0).where(), "remote", "same address and port as --local");
            }
        }
        if (ifconfig != null) {
            String l = ifconfig.local().getHostAddress();
            String r = ifconfig.remoteOrNetmask().getHostAddress();
            if (l.equals(r)) {
                throw at(CONFLICT, ifconfigWhere, "ifconfig", "local and remote/netmask addresses must differ");
            }
            for (RawRemote remote : remotes) {
                if (remote.host().equals(l) || remote.host().equals(r)) {
                    throw at(CONFLICT, remote.where(), "remote", "must differ from the --ifconfig addresses");
                }
            }
            if (local != null && (local.equals(l) || local.equals(r))) {
                throw at(CONFLICT, localWhere, "local", "must differ from the --ifconfig addresses");
            }
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
        return new int[] {keepalivePing, keepaliveTimeout};
    }

    private List<Route> resolveRoutes(DevType type) throws ConfigException {
        List<Route> out = new ArrayList<>();
        boolean implicitGateway = type == DevType.TUN && topology != Topology.SUBNET;
        for (RawRoute r : routes) {
            Inet4Address gw = r.gateway();
            if (gw == null) {
                if (!implicitGateway || ifconfig == null) {
                    throw at(CONFLICT, r.where(), "route", "no gateway: give one explicitly"
                            + (implicitGateway ? " or set --ifconfig" : " (tap and topology subnet have no implicit gateway)"));
                }
                gw = ifconfig.remoteOrNetmask();
            }
            out.add(new Route(r.network(), r.netmask(), gw, r.metric()));
        }
        return out;
    }

    // ---------------------------------------------------------------- argument helpers

    private void arity(Line l, int min, int max) throws ConfigException {
        if (l.count() < min) {
            throw error(MISSING_ARGUMENT, l, min == 1 && max == 1 ? "needs an argument"
                    : "needs at least " + min + " argument" + (min == 1 ? "" : "s"));
        }
        if (l.count() > max) {
            throw error(EXTRA_ARGUMENT, l, (max == 0 ? "takes no arguments" : "takes at most " + max + " argument"
                    + (max == 1 ? "" : "s")) + ", got extra '" + l.arg(max) + "'");
        }
    }

    private static boolean defined(Line l, int i) {
        return l.count() > i && !l.arg(i).equals("default");
    }

    private int integer(Line l, int i, int min, int max) throws ConfigException {
        String s = l.arg(i);
        long v;
        try {
            if (!s.matches("-?[0-9]{1,10}")) {
                throw new NumberFormatException();
            }
            v = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error(BAD_VALUE, l, "'" + s + "' is not a number");
        }
        if (v < min || v > max) {
            throw error(BAD_VALUE, l, v + " is out of range (" + min + ".." + max + ")");
        }
        return (int) v;
    }

    private long longValue(Line l, int i) throws ConfigException {
        String s = l.arg(i);
        if (!s.matches("[0-9]{1,18}")) {
            throw error(BAD_VALUE, l, "'" + s + "' is not a byte count");
        }
        return Long.parseLong(s);
    }

    private int port(Line l, int i, boolean allowZero) throws ConfigException {
        String s = l.arg(i);
        if (!s.matches("[0-9]{1,5}") || Integer.parseInt(s) > 65535 || (!allowZero && Integer.parseInt(s) == 0)) {
            throw error(BAD_VALUE, l, "'" + s + "' is not a port number (" + (allowZero ? 0 : 1) + "..65535)");
        }
        return Integer.parseInt(s);
    }

    private KeyDirection direction(Line l, int i) throws ConfigException {
        try {
            return KeyDirection.fromDigit(l.arg(i));
        } catch (IllegalArgumentException e) {
            throw error(BAD_VALUE, l, "key direction must be '0' or '1', not '" + l.arg(i) + "'");
        }
    }

    private int prefixLength(Line l, String s, int max) throws ConfigException {
        if (!s.matches("[0-9]{1,3}") || Integer.parseInt(s) > max) {
            throw error(BAD_VALUE, l, "'/" + s + "' is not a prefix length (0.." + max + ")");
        }
        return Integer.parseInt(s);
    }

    private Inet4Address ipv4(Line l, int i) throws ConfigException {
        Inet4Address a = parseIpv4(l.arg(i));
        if (a == null) {
            throw error(BAD_VALUE, l, "'" + l.arg(i) + "' is not an IPv4 address");
        }
        return a;
    }

    static Inet4Address parseIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        int[] b = new int[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("[0-9]{1,3}") || Integer.parseInt(parts[i]) > 255) {
                return null;
            }
            b[i] = Integer.parseInt(parts[i]);
        }
        return address4(b[0], b[1], b[2], b[3]);
    }

    private static Inet4Address address4(int a, int b, int c, int d) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private Inet6Address ipv6(Line l, String s) throws ConfigException {
        // Only hex digits, colons and dots: InetAddress then parses a literal and never resolves a name.
        if (s.indexOf(':') >= 0 && s.matches("[0-9A-Fa-f:.]+")) {
            try {
                InetAddress a = InetAddress.getByName(s);
                if (a instanceof Inet6Address) {
                    return (Inet6Address) a;
                }
            } catch (UnknownHostException e) {
                // fall through to the error below
            }
        }
        throw error(BAD_VALUE, l, "'" + s + "' is not an IPv6 address");
    }

    private static Path resolve(Line l, String file) {
        Path p = Path.of(file);
        return p.isAbsolute() || l.baseDir() == null ? p : l.baseDir().resolve(p);
    }

    private static String describe(IOException e) {
        String type = e.getClass().getSimpleName();
        return type.equals("NoSuchFileException") ? "no such file" : type.equals("AccessDeniedException")
                ? "permission denied" : e.getMessage() == null ? type : e.getMessage();
    }

    private static String describe(Where w) {
        return w == null ? "?" : w.line() > 0 ? w.source() + ":" + w.line() : w.source();
    }

    private static ConfigException error(ConfigException.Reason reason, Line l, String detail) {
        return new ConfigException(reason, l.where().source(), l.where().line(), l.name(), detail);
    }

    private static ConfigException error(ConfigException.Reason reason, Line l, String detail, Throwable cause) {
        return new ConfigException(reason, l.where().source(), l.where().line(), l.name(), detail, cause);
    }

    private ConfigException at(ConfigException.Reason reason, Where w, String option, String detail) {
        return new ConfigException(reason, w == null ? topSource : w.source(), w == null ? 0 : w.line(), option, detail);
    }
}
