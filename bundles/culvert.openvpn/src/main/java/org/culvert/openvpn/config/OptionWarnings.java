package org.culvert.openvpn.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The warnings OpenVPN 2.6 gives at start-up about a configuration that works but is insecure or
 * probably not meant (its {@code do_option_warnings} in init.c, and options.c), in OpenVPN's own
 * wording so that an operator who knows OpenVPN's log recognises them. {@link #of} reads the
 * finished options; warnings OpenVPN gives while reading one option are given by
 * {@link OptionsBuilder} there, with the texts kept here. docs/warnings.md lists them all, and the
 * ones of OpenVPN 2.6 that do not apply to Culvert.
 */
final class OptionWarnings {
    /** init.c do_option_warnings: a tls-client that does not check whose certificate it gets. */
    static final String NO_SERVER_VERIFICATION = "WARNING: No server certificate verification method has been enabled."
            + "  See http://openvpn.net/howto.html#mitm for more info.";
    /** init.c do_option_warnings. */
    static final String PING_WITHOUT_RESTART = "WARNING: --ping should normally be used with --ping-restart or --ping-exit";
    /** options.c options_postprocess_verify_ce. */
    static final String MANAGEMENT_WITHOUT_PASSWORD = "WARNING: Using --management on a TCP port WITHOUT passwords is"
            + " STRONGLY discouraged and considered insecure";
    /** init.c do_option_warnings, for --up/--down with --script-security 2 or more. */
    static final String SCRIPTS_ALLOWED = "NOTE: the current --script-security setting may allow this configuration to call"
            + " user-defined scripts";
    /** options.c check_file_access with CHKACC_PRIVATE: key and password files. */
    static final String FILE_ACCESSIBLE = "WARNING: file '%s' is group or others accessible";
    /** crypto.c init_key_type. */
    static final String CIPHER_NONE = "******* WARNING *******: '--cipher none' was specified. This means NO encryption will"
            + " be performed and tunnelled data WILL be transmitted in clear text over the network! PLEASE DO RECONSIDER"
            + " THIS SETTING!";
    /** crypto.c init_key_type. */
    static final String AUTH_NONE = "******* WARNING *******: '--auth none' was specified. This means no authentication will"
            + " be performed on received packets, meaning you CANNOT trust that the data received by the remote side have"
            + " NOT been manipulated. PLEASE DO RECONSIDER THIS SETTING!";
    /**
     * options.c show_compression_warning, with the last sentence adapted: OpenVPN's says "Sent packets
     * are not compressed unless "allow-compression yes" is also set", which Culvert refuses.
     */
    static final String COMPRESSION_RECEIVING = "WARNING: Compression for receiving enabled. Compression has been used in"
            + " the past to break encryption. Sent packets are not compressed (Culvert never compresses).";
    /** options.c add_option, for --secret. */
    static final String SECRET_DEPRECATED = "DEPRECATED OPTION: The option --secret is deprecated.";
    /** options.c add_option, for a second --redirect-gateway or --redirect-private. */
    static final String REDIRECT_TWICE = "WARNING: You have specified redirect-gateway and redirect-private at the same"
            + " time (or the same option multiple times). This is not well supported and may lead to unexpected results";
    /** options.c options_postprocess_mutate_ce. */
    static final String EXIT_NOTIFY_TCP = "NOTICE: --explicit-exit-notify ignored for --proto tcp";
    /** options.c options_postprocess_verify_ce. */
    static final String DH_ON_CLIENT = "WARNING: Ignoring option 'dh' in tls-client mode, please only include this in your"
            + " server configuration";
    /** options.c add_option, for --http-proxy-retry and --socks-proxy-retry (removed in 2.4). */
    static final String PROXY_RETRY_DEPRECATED = "DEPRECATED OPTION: http-proxy-retry and socks-proxy-retry: In OpenVPN 2.4 proxy"
            + " connection retries are handled like regular connections. Use connect-retry-max 1 to get a similar behavior as before.";
    /** options.c add_option, for --http-proxy-timeout (removed in 2.4). */
    static final String PROXY_TIMEOUT_DEPRECATED = "DEPRECATED OPTION: http-proxy-timeout: In OpenVPN 2.4 the timeout until a connection"
            + " to a server is established is managed with a single timeout set by connect-timeout";
    /** options.c add_option. */
    static final String TUN_IPV6 = "Note: option tun-ipv6 is ignored because modern operating systems do not need special"
            + " IPv6 tun handling anymore.";
    /** options.c add_option, for --inactive n bytes with bytes past INT_MAX. */
    static final String INACTIVE_BYTES = "WARNING: '--inactive' with a 'bytes' value >2 Gbyte was silently ignored in older"
            + " versions.  If  your VPN exits unexpectedly with 'Inactivity timeout' in %d seconds, revisit this value.";

    /** helper.c helper_client_server, for a server's IPv4 pool in topology net30. */
    static final String NET30_DEPRECATED = "WARNING: --topology net30 support for server configs with IPv4 pools will"
            + " be removed in a future release. Please migrate to --topology subnet as soon as possible.";
    /** init.c do_option_warnings, server mode. */
    static final String NO_KEEPALIVE = "WARNING: --keepalive option is missing from server config";
    /** init.c do_option_warnings, server mode. */
    static final String DUPLICATE_CN_CCD = "WARNING: using --duplicate-cn and --client-config-dir together is probably"
            + " not what you want";
    /** init.c do_option_warnings, server mode. */
    static final String DUPLICATE_CN_PERSIST = "WARNING: --ifconfig-pool-persist will not work with --duplicate-cn";
    /** options.c options_postprocess_verify_ce. */
    static final String VERIFY_CLIENT_CERT_DANGEROUS = "WARNING: POTENTIALLY DANGEROUS OPTION --verify-client-cert"
            + " none|optional may accept clients which do not present a certificate";

    /** Culvert's own (OpenVPN would hand the server's address to a client): an explicit pool holding --ifconfig's address. */
    static final String POOL_HOLDS_SERVER = "WARNING: --ifconfig-pool %s - %s contains the server's own address %s:"
            + " a client may be given it; start the pool after it";

    private OptionWarnings() {
    }

    /** OpenVPN's start-up warnings for the finished options, in the order OpenVPN gives them. */
    static List<String> of(OpenVpnOptions o) {
        List<String> out = new ArrayList<>();
        o.management().ifPresent(m -> {
            if (m.host().isPresent() && m.passwordFile().isEmpty()) {
                out.add(MANAGEMENT_WITHOUT_PASSWORD);
            }
        });
        if (o.ping() > 0 && o.pingRestart() == 0 && o.pingExit() == 0) {
            out.add(PING_WITHOUT_RESTART);
        }
        o.tls().ifPresent(t -> {
            // OpenVPN also counts --tls-verify and --ns-cert-type, which Culvert refuses.
            if (t.role() == TlsOptions.Role.CLIENT && t.remoteCertTls().isEmpty() && t.verifyX509Name().isEmpty()
                    && t.peerFingerprints().isEmpty() && !t.pki().remoteCertKuRequired()
                    && t.pki().remoteCertEku().isEmpty()) {
                out.add(NO_SERVER_VERIFICATION);
            }
        });
        if ((o.up().isPresent() || o.down().isPresent()) && o.scriptSecurity() >= 2) {
            out.add(SCRIPTS_ALLOWED);
        }
        return out;
    }
}
