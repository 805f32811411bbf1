package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.CONFLICT;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.integer;
import static org.culvert.openvpn.config.OptionArgs.ipv4;
import static org.culvert.openvpn.config.OptionArgs.resolve;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.culvert.openvpn.config.OptionsBuilder.Line;
import org.culvert.openvpn.config.OptionsBuilder.Where;

/**
 * OpenVPN 2.6 manual, "Server Options": one server for many clients. The options are parsed into a
 * {@link State}; {@link ServerExpansion} expands {@code --server}/{@code --server-ipv6} and checks
 * them across options when the configuration is finished. The per-client options of a ccd file
 * ({@code ifconfig-push}, {@code iroute}, {@code push-reset}, ...) are OpenVPN's {@code OPT_P_INSTANCE}
 * class: taken only while reading a ccd file ({@link ClientConfigOptions}), refused in the main
 * configuration with OpenVPN's message.
 */
final class ServerOptions {
    /** The options a ccd file may hold: OpenVPN's {@code CLIENT_CONNECT_OPT_MASK} classes, among those Culvert has. */
    static final Set<String> CLIENT_CONNECT_OPTIONS = Set.of("ifconfig-push", "ifconfig-ipv6-push", "iroute",
            "iroute-ipv6", "push", "push-reset", "push-remove", "disable", "echo", "ping", "ping-restart",
            "ping-exit", "inactive", "max-routes-per-client");

    private ServerOptions() {
    }

    /** What the server options set while parsing. */
    static final class State {
        /** True while reading a ccd file: the OPT_P_INSTANCE options are allowed. */
        boolean clientConfig;
        Where modeServerWhere;
        Where serverWhere;
        Inet4Address serverNetwork;
        Inet4Address serverNetmask;
        boolean nopool;
        Where serverIpv6Where;
        Inet6Address serverIpv6;
        int serverIpv6Bits;
        Where poolWhere;
        Inet4Address poolStart;
        Inet4Address poolEnd;
        Inet4Address poolNetmask;
        Where pool6Where;
        Inet6Address pool6Base;
        int pool6Bits;
        Where persistWhere;
        Path persistFile;
        int persistSeconds = ServerSettings.PoolPersistence.DEFAULT_SECONDS;
        final List<String> push = new ArrayList<>();
        Where ccdWhere;
        Path ccd;
        Where ccdExclusiveWhere;
        Where clientToClientWhere;
        Where duplicateCnWhere;
        int maxClients = ServerSettings.DEFAULT_MAX_CLIENTS;
        Where connectFreqWhere;
        ServerSettings.ConnectFreq connectFreq = ServerSettings.ConnectFreq.OFF;
        ServerSettings.ConnectFreq connectFreqInitial = ServerSettings.ConnectFreq.INITIAL_DEFAULT;
        int maxRoutesPerClient = ServerSettings.DEFAULT_MAX_ROUTES_PER_CLIENT;
        int tcpQueueLimit = ServerSettings.DEFAULT_TCP_QUEUE_LIMIT;
        Where hashSizeWhere;
        Where staleRoutesWhere;
        int staleRoutesAgeing;
        int staleRoutesInterval;
        Where usernameAsCnWhere;
        Where verifyClientCertWhere;
        ServerSettings.VerifyClientCert verifyClientCert = ServerSettings.VerifyClientCert.REQUIRE;
        Where authUserPassVerifyWhere;
        ServerSettings.AuthUserPassVerify authUserPassVerify;
        Where clientConnectWhere;
        Script clientConnect;
        Where clientDisconnectWhere;
        Script clientDisconnect;
        Where authGenTokenWhere;
        ServerSettings.AuthGenToken authGenToken;
        FileContent authGenTokenSecret;
        Where tlsCryptV2VerifyWhere;
        Script tlsCryptV2Verify;
        /** The per-client options of a ccd file, in order. */
        final ClientConfigOptions.Collector client = new ClientConfigOptions.Collector();
    }

    static void register(OptionRegistry.Table t) {
        t.option("server", 2, 3, ServerOptions::server);
        t.option("server-ipv6", 1, 1, (b, l) -> {
            State s = b.server;
            s.serverIpv6Bits = serverNetworkIpv6(l);
            s.serverIpv6 = OptionArgs.ipv6(l, prefix(l, l.arg(0))[0]);
            s.serverIpv6Where = l.where();
        });
        t.option("push", 1, 1, (b, l) -> {
            if (l.arg(0).indexOf(',') >= 0) {
                // OpenVPN's push_option_ex: a comma would split the option on the client.
                throw error(BAD_VALUE, l, "PUSH OPTION FAILED (illegal comma (',') in string): '" + l.arg(0) + "'");
            }
            if (b.server.clientConfig) {
                b.server.client.push(l.arg(0));
            } else {
                b.server.push.add(l.arg(0));
            }
        });
        t.option("ifconfig-pool", 2, 3, (b, l) -> {
            State s = b.server;
            s.poolStart = ipv4(l, 0);
            s.poolEnd = ipv4(l, 1);
            s.poolNetmask = l.count() == 3 ? ipv4(l, 2) : null;
            verifyRange(l, AddressMath.u32(s.poolStart), AddressMath.u32(s.poolEnd));
            s.poolWhere = l.where();
        });
        t.option("ifconfig-ipv6-pool", 1, 1, (b, l) -> {
            State s = b.server;
            s.pool6Bits = serverNetworkIpv6(l);
            s.pool6Base = OptionArgs.ipv6(l, prefix(l, l.arg(0))[0]);
            s.pool6Where = l.where();
        });
        t.option("ifconfig-pool-persist", 1, 2, (b, l) -> {
            b.server.persistFile = resolve(l, l.arg(0));
            b.server.persistSeconds = l.count() == 2 ? integer(l, 1, 0, Integer.MAX_VALUE)
                    : ServerSettings.PoolPersistence.DEFAULT_SECONDS;
            b.server.persistWhere = l.where();
        });
        t.option("client-config-dir", 1, 1, (b, l) -> {
            b.server.ccd = resolve(l, l.arg(0));
            b.server.ccdWhere = l.where();
        });
        t.option("ccd-exclusive", 0, 0, (b, l) -> b.server.ccdExclusiveWhere = l.where());
        t.option("client-to-client", 0, 0, (b, l) -> b.server.clientToClientWhere = l.where());
        t.option("duplicate-cn", 0, 0, (b, l) -> b.server.duplicateCnWhere = l.where());
        t.option("max-clients", 1, 1, (b, l) -> b.server.maxClients = integer(l, 0, 1, ServerSettings.MAX_PEER_ID - 1));
        t.option("connect-freq", 2, 2, (b, l) -> {
            b.server.connectFreq = new ServerSettings.ConnectFreq(integer(l, 0, 0, Integer.MAX_VALUE),
                    integer(l, 1, 0, Integer.MAX_VALUE));
            b.server.connectFreqWhere = l.where();
        });
        t.option("connect-freq-initial", 2, 2, (b, l) -> b.server.connectFreqInitial = new ServerSettings.ConnectFreq(
                integer(l, 0, 0, Integer.MAX_VALUE), integer(l, 1, 0, Integer.MAX_VALUE)));
        t.option("max-routes-per-client", 1, 1, (b, l) -> {
            // As OpenVPN: max_int(atoi(n), 1).
            int n = integer(l, 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
            b.server.maxRoutesPerClient = Math.max(n, 1);
            if (b.server.clientConfig) {
                b.server.client.maxRoutesPerClient = b.server.maxRoutesPerClient;
            }
        });
        t.option("hash-size", 2, 2, (b, l) -> {
            // Culvert's tables size themselves; the option is checked and accepted, as harmless.
            integer(l, 0, 1, Integer.MAX_VALUE);
            integer(l, 1, 1, Integer.MAX_VALUE);
            b.server.hashSizeWhere = l.where();
        });
        t.option("tcp-queue-limit", 1, 1, (b, l) -> b.server.tcpQueueLimit = integer(l, 0, 1, Integer.MAX_VALUE));
        t.option("stale-routes-check", 1, 2, (b, l) -> {
            b.server.staleRoutesAgeing = integer(l, 0, 1, Integer.MAX_VALUE);
            b.server.staleRoutesInterval = l.count() == 2 ? integer(l, 1, 1, Integer.MAX_VALUE) : b.server.staleRoutesAgeing;
            b.server.staleRoutesWhere = l.where();
        });
        t.option("username-as-common-name", 0, 0, (b, l) -> b.server.usernameAsCnWhere = l.where());
        t.option("verify-client-cert", 0, 1, (b, l) -> {
            String v = l.count() == 0 ? "require" : l.arg(0);
            switch (v) {
                case "none" -> b.server.verifyClientCert = ServerSettings.VerifyClientCert.NONE;
                case "optional" -> b.server.verifyClientCert = ServerSettings.VerifyClientCert.OPTIONAL;
                case "require" -> b.server.verifyClientCert = ServerSettings.VerifyClientCert.REQUIRE;
                default -> throw error(BAD_VALUE, l, "parameter to --verify-client-cert must be 'none', 'optional'"
                        + " or 'require'");
            }
            b.server.verifyClientCertWhere = l.where();
        });
        t.option("client-cert-not-required", 0, 0, (b, l) -> {
            throw error(UNSUPPORTED_OPTION, l, "REMOVED OPTION: --client-cert-not-required, use"
                    + " '--verify-client-cert none' instead");
        });
        t.option("auth-user-pass-verify", (b, l) -> {
            OptionArgs.arity(l, 1, 2);
            if (l.count() < 2) {
                throw error(ConfigException.Reason.MISSING_ARGUMENT, l, "--auth-user-pass-verify requires a second"
                        + " parameter ('via-env' or 'via-file')");
            }
            boolean viaFile;
            switch (l.arg(1)) {
                case "via-file" -> viaFile = true;
                case "via-env" -> viaFile = false;
                default -> throw error(BAD_VALUE, l, "second parm to --auth-user-pass-verify must be 'via-env' or"
                        + " 'via-file'");
            }
            b.server.authUserPassVerify = new ServerSettings.AuthUserPassVerify(OperationsOptions.script(
                    new Line(l.name(), List.of(l.arg(0)), false, l.where(), l.baseDir(), l.depth())), viaFile);
            b.server.authUserPassVerifyWhere = l.where();
        });
        t.option("client-connect", (b, l) -> {
            b.server.clientConnect = OperationsOptions.script(l);
            b.server.clientConnectWhere = l.where();
        });
        t.option("client-disconnect", (b, l) -> {
            b.server.clientDisconnect = OperationsOptions.script(l);
            b.server.clientDisconnectWhere = l.where();
        });
        t.option("auth-gen-token", 0, 3, ServerOptions::authGenToken);
        t.option("auth-gen-token-secret", 1, 1, ServerOptions::authGenTokenSecret);
        registerClientOptions(t);
        // learn-address: nothing runs it yet (the server tells no script of learned addresses).
        t.notSupported("learn-address", "auth-user-pass-optional", "bcast-buffers", "client-crresponse", "ifconfig-push-constraint",
                "multihome", "opt-verify", "port-share", "vlan-accept", "vlan-pvid", "vlan-tagging");
        t.notSupportedBecause("server-bridge", ": bridging a tap server into a LAN; use --server with --dev tap");
    }

    /** The OPT_P_INSTANCE options: a ccd file's, refused in the configuration as OpenVPN refuses them. */
    private static void registerClientOptions(OptionRegistry.Table t) {
        t.option("ifconfig-push", 2, 3, (b, l) -> instance(b, l).ifconfigPush(l));
        t.option("ifconfig-ipv6-push", 1, 2, (b, l) -> instance(b, l).ifconfigIpv6Push(l));
        t.option("iroute", 1, 2, (b, l) -> instance(b, l).iroute(l));
        t.option("iroute-ipv6", 1, 1, (b, l) -> instance(b, l).iroute6(l));
        t.option("push-reset", 0, 0, (b, l) -> instance(b, l).pushReset());
        t.option("push-remove", 1, 1, (b, l) -> instance(b, l).pushRemove(l.arg(0)));
        t.option("disable", 0, 0, (b, l) -> instance(b, l).disable = true);
    }

    private static ClientConfigOptions.Collector instance(OptionsBuilder b, Line l) throws ConfigException {
        if (!b.server.clientConfig) {
            // OpenVPN's verify_permission: OPT_P_INSTANCE is not in the configuration file's mask.
            throw error(CONFLICT, l, "option '" + l.name() + "' cannot be used in this context (" + l.where().source()
                    + "); it belongs in a --client-config-dir file");
        }
        return b.server.client;
    }

    private static void server(OptionsBuilder b, Line l) throws ConfigException {
        State s = b.server;
        s.serverNetwork = ipv4(l, 0);
        s.serverNetmask = ipv4(l, 1);
        if (AddressMath.u32(s.serverNetwork) == 0 || AddressMath.u32(s.serverNetmask) == 0) {
            throw error(BAD_VALUE, l, "error parsing --server parameters");
        }
        s.nopool = false;
        if (l.count() == 3) {
            if (!l.arg(2).equals("nopool")) {
                throw error(BAD_VALUE, l, "error parsing --server: " + l.arg(2) + " is not a recognized flag");
            }
            s.nopool = true;
        }
        s.serverWhere = l.where();
    }

    private static void authGenToken(OptionsBuilder b, Line l) throws ConfigException {
        int lifetime = l.count() >= 1 ? integer(l, 0, 0, Integer.MAX_VALUE) : 0;
        int renewal = 0;
        boolean external = false;
        for (int i = 1; i < l.count(); i++) {
            if (i == 1 && l.arg(i).matches("[0-9]{1,9}") && Integer.parseInt(l.arg(i)) > 0) {
                renewal = Integer.parseInt(l.arg(i));
            } else if (l.arg(i).equals("external-auth")) {
                external = true;
            } else {
                // OpenVPN only logs this; an operator's typo should not go unnoticed, so it is refused.
                throw error(BAD_VALUE, l, "Invalid argument to auth-gen-token: " + l.arg(i) + " (" + (i + 1) + ")");
            }
        }
        b.server.authGenToken = new ServerSettings.AuthGenToken(lifetime, renewal, external);
        b.server.authGenTokenWhere = l.where();
    }

    /** A secret: checked for its PEM shape (auth_token.c reads "OpenVPN auth-token server key") and its permissions. */
    private static void authGenTokenSecret(OptionsBuilder b, Line l) throws ConfigException {
        FileContent k = OptionFiles.read(l, "auth-token secret");
        try {
            OptionFiles.requirePem(l, k, "OpenVPN auth-token server key-----", "an auth-token server key ('-----BEGIN"
                    + " OpenVPN auth-token server key-----'; generate one with 'openvpn --genkey auth-token')");
        } catch (ConfigException e) {
            k.wipe();
            throw e;
        }
        k.file().ifPresent(f -> b.warnIfShared(f, l.arg(0)));
        if (b.server.authGenTokenSecret != null) {
            b.server.authGenTokenSecret.wipe();
        }
        b.server.authGenTokenSecret = k;
    }

    /** {@code ifconfig_pool_verify_range}. */
    static void verifyRange(Line l, long start, long end) throws ConfigException {
        if (start > end) {
            throw error(BAD_VALUE, l, "--ifconfig-pool start IP [" + l.arg(0) + "] is greater than end IP [" + l.arg(1) + "]");
        }
        if (end - start >= ServerSettings.IFCONFIG_POOL_MAX) {
            throw error(BAD_VALUE, l, "--ifconfig-pool address range is too large [" + l.arg(0) + " -> " + l.arg(1)
                    + "].  Current maximum is " + ServerSettings.IFCONFIG_POOL_MAX + " addresses");
        }
    }

    /** The prefix length of {@code --server-ipv6}/{@code --ifconfig-ipv6-pool}'s {@code P/bits}: /64 to /124. */
    private static int serverNetworkIpv6(Line l) throws ConfigException {
        String[] parts = prefix(l, l.arg(0));
        OptionArgs.ipv6(l, parts[0]);
        int bits = OptionArgs.prefixLength(l, parts[1], 128);
        if (bits < 64 || bits > 124) {
            throw error(BAD_VALUE, l, "network must be between /64 and /124 (not /" + bits + ")");
        }
        return bits;
    }

    /** Splits {@code addr/bits}; the prefix length is required. */
    static String[] prefix(Line l, String s) throws ConfigException {
        int slash = s.indexOf('/');
        if (slash < 0) {
            throw error(BAD_VALUE, l, "'" + s + "' needs a prefix length (address/bits)");
        }
        return new String[] {s.substring(0, slash), s.substring(slash + 1)};
    }
}
