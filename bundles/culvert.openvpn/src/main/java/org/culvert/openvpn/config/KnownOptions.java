package org.culvert.openvpn.config;

import java.util.Set;

/** Option names OpenVPN 2.6 knows, so that Culvert can tell "not implemented" from "not an option". */
final class KnownOptions {
    private KnownOptions() {
    }

    /**
     * TLS-mode options Culvert refuses because its TLS engine cannot honour them (verification
     * scripts, revocation lists, client-specific keys, encrypted keys, user/password authentication).
     * The TLS options it implements, and pull and server mode, are handled by {@link OptionsBuilder}.
     */
    static final Set<String> TLS = Set.of(
            "tls-crypt-v2", "tls-crypt-v2-verify", "tls-verify", "tls-cert-profile", "tls-exit", "tls-export-cert",
            "capath", "crl-verify", "extra-certs", "pkcs12", "verify-hash", "auth-user-pass", "auth-token",
            "auth-retry", "auth-nocache", "remote-cert-eku", "remote-cert-ku", "ns-cert-type", "x509-track",
            "x509-username-field", "cryptoapicert", "askpass", "server-bridge");

    /** Options that can be written as a {@code <name>...</name>} block in OpenVPN 2.6. */
    static final Set<String> INLINE = Set.of(
            "secret", "ca", "cert", "key", "dh", "tls-auth", "tls-crypt", "tls-crypt-v2", "peer-fingerprint",
            "extra-certs", "pkcs12", "crl-verify", "http-proxy-user-pass", "auth-user-pass", "connection",
            "auth-gen-token-secret");

    /** Every other option name OpenVPN 2.6 accepts (from its options.c). */
    static final Set<String> OTHER_OPENVPN = Set.of(
            "allow-nonadmin", "allow-pull-fqdn", "allow-recursive-routing", "auth-gen-token",
            "auth-gen-token-secret", "auth-token-user", "auth-user-pass-optional", "auth-user-pass-verify",
            "bcast-buffers", "bind-dev", "block-ipv6", "block-outside-dns", "ccd-exclusive", "cd",
            "client-cert-not-required", "client-config-dir", "client-connect", "client-crresponse",
            "client-disconnect", "client-nat", "client-to-client", "comp-noadapt", "compat-mode", "compat-names",
            "connect-freq", "connect-freq-initial", "connect-retry-max", "connection", "daemon", "dhcp-internal",
            "dhcp-option", "dhcp-pre-release", "dhcp-release", "dhcp-renew", "disable", "disable-occ", "dns",
            "down-pre", "duplicate-cn", "echo", "engine", "errors-to-stderr", "fast-io",
            "force-tls-key-material-export", "fragment", "genkey", "gremlin", "hash-size", "help", "http-proxy",
            "http-proxy-option", "http-proxy-override", "http-proxy-retry", "http-proxy-timeout",
            "http-proxy-user-pass", "ifconfig-ipv6-pool", "ifconfig-ipv6-push", "ifconfig-noexec",
            "ifconfig-nowarn", "ifconfig-pool", "ifconfig-pool-persist", "ifconfig-push",
            "ifconfig-push-constraint", "ignore-unknown-option", "ip-remote-hint", "ip-win32", "ipchange",
            "iproute", "iroute", "iroute-ipv6", "key-derivation", "keying-material-exporter", "learn-address",
            "lladdr", "log", "log-append", "machine-readable-output", "management", "management-client",
            "management-client-auth", "management-client-group", "management-client-user",
            "management-external-cert", "management-external-key", "management-forget-disconnect",
            "management-hold", "management-log-cache", "management-query-passwords", "management-query-proxy",
            "management-query-remote", "management-signal", "management-up-down", "mark", "max-clients",
            "max-packet-size", "max-routes", "max-routes-per-client", "memstats", "mktun", "mlock", "msg-channel",
            "mtu-disc", "mtu-dynamic", "mtu-test", "multihome", "ncp-ciphers", "nice", "no-name-remapping",
            "opt-verify", "parameter", "passtos", "pause-exit", "peer-id", "persist-local-ip",
            "persist-remote-ip", "ping-timer-rem", "pkcs11-cert-private", "pkcs11-id", "pkcs11-id-management",
            "pkcs11-pin-cache", "pkcs11-private-mode", "pkcs11-protected-authentication", "pkcs11-providers",
            "plugin", "port-share", "preresolve", "prng", "proto-force", "protocol-flags", "providers",
            "pull-filter", "push", "push-continuation", "push-peer-info", "push-remove", "push-reset",
            "rdns-internal", "redirect-gateway", "redirect-private", "register-dns", "remap-usr1",
            "remote-random", "remote-random-hostname", "replay-persist", "rmtun", "route-delay",
            "route-gateway", "route-ipv6-gateway", "route-method", "route-metric", "route-noexec", "route-nopull",
            "route-pre-down", "route-up", "server-ipv6", "server-poll-timeout", "service", "session-timeout",
            "setcon", "setenv", "setenv-safe", "shaper", "show-adapters", "show-ciphers", "show-curves",
            "show-digests", "show-engines", "show-gateway", "show-groups", "show-net", "show-net-up",
            "show-pkcs11-ids", "show-tls", "show-valid-subnets", "single-session", "socket-flags", "socks-proxy",
            "socks-proxy-retry", "stale-routes-check", "static-challenge", "status", "status-version",
            "suppress-timestamps", "syslog", "tap-sleep", "tcp-nodelay", "tcp-queue-limit", "test-crypto",
            "tmp-dir", "tun-mtu-max", "txqueuelen", "udp-mtu", "up-delay", "up-restart",
            "use-prediction-resistance", "username-as-common-name", "verify-client-cert", "version",
            "vlan-accept", "vlan-pvid", "vlan-tagging", "win-sys", "windows-driver");
}
