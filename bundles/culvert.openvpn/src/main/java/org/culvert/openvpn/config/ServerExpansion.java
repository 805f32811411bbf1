package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.CONFLICT;
import static org.culvert.openvpn.config.AddressMath.add;
import static org.culvert.openvpn.config.AddressMath.netbits;
import static org.culvert.openvpn.config.AddressMath.u32;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.culvert.openvpn.config.OptionsBuilder.Where;
import org.culvert.openvpn.config.ServerOptions.State;

/**
 * OpenVPN 2.6's {@code helper_client_server} and the server half of {@code helper_keepalive}
 * ({@code helper.c}), and the server checks of {@code options_postprocess_verify_ce}, on the parse
 * state: {@code --server}/{@code --server-ipv6} become the server's own {@code --ifconfig},
 * {@code --ifconfig-ipv6} and routes, the pools, and the lines the server pushes.
 */
final class ServerExpansion {
    /** IFCONFIG_POOL_MIN_NETBITS. */
    private static final int POOL_MIN_NETBITS = 16;
    private ServerExpansion() {
    }

    /** True when the configuration runs a server: {@code --mode server}, {@code --server} or {@code --server-ipv6}. */
    static boolean isServer(OptionsBuilder b) {
        State s = b.server;
        return s.modeServerWhere != null || s.serverWhere != null || s.serverIpv6Where != null;
    }

    /**
     * Expands the helpers into {@code b} (ifconfig, routes, tls-server) and checks the server options.
     * Called before the point-to-point checks of {@link OptionsBuilder#finish}.
     *
     * @return the push list and pools so far (completed by {@link #settings}), or null when not a server
     */
    static List<String> expand(OptionsBuilder b, DevType type) throws ConfigException {
        State s = b.server;
        if (!isServer(b)) {
            refuseServerOnly(b);
            return null;
        }
        List<String> push = new ArrayList<>(s.push);
        if (s.serverIpv6Where != null) {
            if (b.pullWhere != null) {
                throw b.at(CONFLICT, s.serverIpv6Where, "server-ipv6", "--server-ipv6 and --client cannot be used together");
            }
            if (s.serverWhere != null && s.nopool) {
                throw b.at(CONFLICT, s.serverIpv6Where, "server-ipv6", "--server-ipv6 is incompatible with 'nopool' option");
            }
            if (s.pool6Where != null) {
                throw b.at(CONFLICT, s.pool6Where, "ifconfig-ipv6-pool", "--server-ipv6 already defines an"
                        + " ifconfig-ipv6-pool, so you can't also specify --ifconfig-pool explicitly");
            }
            b.tlsServerWhere = b.tlsServerWhere != null ? b.tlsServerWhere : s.serverIpv6Where;
            b.ifconfigIpv6 = new IfConfigIpv6(add(s.serverIpv6, 1), s.serverIpv6Bits, add(s.serverIpv6, 2));
            b.ifconfigIpv6Where = s.serverIpv6Where;
            s.pool6Base = add(s.serverIpv6, s.serverIpv6Bits < 112 ? 0x1000 : 2);
            s.pool6Bits = s.serverIpv6Bits;
            s.pool6Where = s.serverIpv6Where;
            push.add("tun-ipv6");
        }
        if (s.serverWhere != null) {
            expandServer(b, type, push);
        }
        checkServerMode(b, type);
        if (b.keepalivePing != null) {
            // helper_keepalive in server mode: the clients are told a and b, the server waits 2b itself.
            push.add("ping " + b.keepalivePing);
            push.add("ping-restart " + b.keepaliveTimeout);
        } else {
            b.warnings.add(OptionWarnings.NO_KEEPALIVE);
        }
        if (s.poolStart != null && b.ifconfig != null) {
            long local = u32(b.ifconfig.local());
            if (local >= u32(s.poolStart) && local <= u32(s.poolEnd)) {
                b.warnings.add(String.format(OptionWarnings.POOL_HOLDS_SERVER, s.poolStart.getHostAddress(),
                        s.poolEnd.getHostAddress(), b.ifconfig.local().getHostAddress()));
            }
        }
        if (s.verifyClientCert != ServerSettings.VerifyClientCert.REQUIRE) {
            b.warnings.add(OptionWarnings.VERIFY_CLIENT_CERT_DANGEROUS);
        }
        if (s.duplicateCnWhere != null && s.ccdWhere != null) {
            b.warnings.add(OptionWarnings.DUPLICATE_CN_CCD);
        }
        if (s.duplicateCnWhere != null && s.persistWhere != null) {
            b.warnings.add(OptionWarnings.DUPLICATE_CN_PERSIST);
        }
        return push;
    }

    private static void expandServer(OptionsBuilder b, DevType type, List<String> push) throws ConfigException {
        State s = b.server;
        Where w = s.serverWhere;
        if (b.pullWhere != null) {
            throw b.at(CONFLICT, w, "server", "--server and --client cannot be used together");
        }
        if (b.secret != null) {
            throw b.at(CONFLICT, w, "server", "--server and --secret cannot be used together (you must use SSL/TLS keys)");
        }
        if (!s.nopool && s.poolWhere != null) {
            throw b.at(CONFLICT, s.poolWhere, "ifconfig-pool", "--server already defines an ifconfig-pool, so you can't"
                    + " also specify --ifconfig-pool explicitly");
        }
        if (type != DevType.TUN && type != DevType.TAP) {
            throw b.at(CONFLICT, w, "server", "--server directive only makes sense with --dev tun or --dev tap");
        }
        long net = u32(s.serverNetwork);
        long mask = u32(s.serverNetmask);
        int bits = netbits(s.serverNetmask);
        if (bits < 0 || (net & ~mask & 0xFFFFFFFFL) != 0) {
            throw b.at(BAD_VALUE, w, "server", "--server directive network/netmask combination is invalid");
        }
        if (bits < POOL_MIN_NETBITS) {
            throw b.at(BAD_VALUE, w, "server", "--server directive netmask allows for too many host addresses (subnet"
                    + " must be 255.255.0.0 or higher)");
        }
        long broadcast = net | (~mask & 0xFFFFFFFFL);
        b.tlsServerWhere = b.tlsServerWhere != null ? b.tlsServerWhere : w;
        if (type == DevType.TUN) {
            if (bits > 29) {
                throw b.at(BAD_VALUE, w, "server", "--server directive when used with --dev tun must define a subnet of"
                        + " 255.255.255.248 or lower");
            }
            int endReserve = bits == 29 ? 0 : 4;
            if (b.topology == Topology.NET30 || b.topology == Topology.P2P) {
                b.ifconfig = new IfConfig(AddressMath.ipv4(net + 1), AddressMath.ipv4(net + 2));
                if (!s.nopool) {
                    setPool(s, net + 4, broadcast - endReserve, null);
                }
                b.routes.add(new OptionsBuilder.RawRoute(s.serverNetwork, s.serverNetmask, null,
                        java.util.OptionalInt.empty(), w, Optional.empty(), Optional.empty()));
                if (s.clientToClientWhere != null) {
                    push.add("route " + s.serverNetwork.getHostAddress() + " " + s.serverNetmask.getHostAddress());
                } else if (b.topology == Topology.NET30) {
                    push.add("route " + AddressMath.ipv4(net + 1).getHostAddress());
                }
            } else {
                b.ifconfig = new IfConfig(AddressMath.ipv4(net + 1), s.serverNetmask);
                if (!s.nopool) {
                    setPool(s, net + 2, broadcast - 1, s.serverNetmask);
                }
                s.poolNetmask = s.serverNetmask;
                push.add("route-gateway " + AddressMath.ipv4(net + 1).getHostAddress());
                if (b.routing.routeGateway == null) {
                    b.routing.routeGateway = AddressMath.ipv4(net + 2);
                }
            }
            push.add("topology " + b.topology.name().toLowerCase(java.util.Locale.ROOT));
            if (b.topology == Topology.NET30 && !s.nopool) {
                b.warnings.add(OptionWarnings.NET30_DEPRECATED);
            }
        } else {
            if (bits > 30) {
                throw b.at(BAD_VALUE, w, "server", "--server directive when used with --dev tap must define a subnet of"
                        + " 255.255.255.252 or lower");
            }
            b.ifconfig = new IfConfig(AddressMath.ipv4(net + 1), s.serverNetmask);
            if (!s.nopool) {
                setPool(s, net + 2, broadcast - 1, s.serverNetmask);
            }
            s.poolNetmask = s.serverNetmask;
            push.add("route-gateway " + AddressMath.ipv4(net + 1).getHostAddress());
        }
        b.ifconfigWhere = w;
    }

    private static void setPool(State s, long start, long end, Inet4Address netmask) {
        s.poolStart = AddressMath.ipv4(start);
        s.poolEnd = AddressMath.ipv4(end);
        s.poolNetmask = netmask;
        s.poolWhere = s.serverWhere;
    }

    /** The checks of {@code options_postprocess_verify_ce} for {@code --mode server}. */
    private static void checkServerMode(OptionsBuilder b, DevType type) throws ConfigException {
        State s = b.server;
        Where mode = s.modeServerWhere != null ? s.modeServerWhere : s.serverWhere != null ? s.serverWhere
                : s.serverIpv6Where;
        if (type != DevType.TUN && type != DevType.TAP) {
            throw b.at(CONFLICT, mode, "mode", "--mode server only works with --dev tun or --dev tap");
        }
        if (b.pullWhere != null) {
            throw b.at(CONFLICT, b.pullWhere, "pull", "--pull cannot be used with --mode server");
        }
        if (!b.pullFilters.isEmpty()) {
            b.warnings.add("--pull-filter ignored for --mode server");
        }
        if (b.tlsServerWhere == null) {
            throw b.at(CONFLICT, mode, "mode", "--mode server requires --tls-server");
        }
        if (b.protoAmbiguousTcp) {
            b.proto = Proto.TCP_SERVER;
            b.protoAmbiguousTcp = false;
        }
        if (!b.remotes.isEmpty()) {
            throw b.at(CONFLICT, b.remotes.get(0).where(), "remote", "--remote cannot be used with --mode server");
        }
        if (b.nobindWhere != null) {
            throw b.at(CONFLICT, b.nobindWhere, "nobind", "--nobind cannot be used with --mode server");
        }
        if (b.proxyState.httpProxy != null) {
            throw b.at(CONFLICT, b.proxyState.httpProxy.where(), "http-proxy", "--http-proxy cannot be used with --mode server");
        }
        if (b.proxyState.socksProxy != null) {
            throw b.at(CONFLICT, b.proxyState.socksProxy.where(), "socks-proxy", "--socks-proxy cannot be used with"
                    + " --mode server");
        }
        if (!b.connectionBlocks.isEmpty()) {
            throw b.at(CONFLICT, mode, "connection", "<connection> cannot be used with --mode server");
        }
        if (b.proto == Proto.TCP_CLIENT) {
            throw b.at(CONFLICT, b.protoWhere, "proto", "--mode server currently only supports --proto values of udp,"
                    + " tcp-server, tcp4-server, or tcp6-server");
        }
        if (b.proto != Proto.UDP && s.connectFreqWhere != null && s.connectFreq.enabled()) {
            throw b.at(CONFLICT, s.connectFreqWhere, "connect-freq", "--connect-freq only works with --mode server --proto"
                    + " udp.  Try --max-clients instead.");
        }
        if (s.serverWhere == null && s.poolNetmask != null && !(type == DevType.TAP
                || (type == DevType.TUN && b.topology == Topology.SUBNET))) {
            throw b.at(CONFLICT, s.poolWhere, "ifconfig-pool", "The third parameter to --ifconfig-pool (netmask) is only"
                    + " valid in --dev tap mode");
        }
        if (b.routing.redirectEnabled) {
            throw b.at(CONFLICT, mode, "redirect-gateway", "--redirect-gateway cannot be used with --mode server (however"
                    + " --push \"redirect-gateway\" is fine)");
        }
        if (b.routing.routeDelay >= 0) {
            throw b.at(CONFLICT, mode, "route-delay", "--route-delay cannot be used with --mode server");
        }
        if (s.poolWhere == null && s.pool6Where == null && s.persistWhere != null) {
            throw b.at(CONFLICT, s.persistWhere, "ifconfig-pool-persist", "--ifconfig-pool-persist must be used with"
                    + " --ifconfig-pool or --ifconfig-ipv6-pool");
        }
        if (s.pool6Where != null && b.ifconfigIpv6 == null) {
            throw b.at(CONFLICT, s.pool6Where, "ifconfig-ipv6-pool", "--ifconfig-ipv6-pool needs --ifconfig-ipv6");
        }
        if (b.authUserPassWhere != null) {
            throw b.at(CONFLICT, b.authUserPassWhere, "auth-user-pass", "--auth-user-pass cannot be used with --mode server"
                    + " (it should be used on the client side only)");
        }
        if (s.ccdExclusiveWhere != null && s.ccdWhere == null) {
            throw b.at(CONFLICT, s.ccdExclusiveWhere, "ccd-exclusive", "--ccd-exclusive must be used with"
                    + " --client-config-dir");
        }
        if (s.authGenTokenWhere != null && b.renegSeconds == 0) {
            throw b.at(CONFLICT, s.authGenTokenWhere, "auth-gen-token", "--auth-gen-token needs a non-infinite"
                    + " --reneg-sec setting");
        }
        if (s.authGenToken != null && s.authGenToken.renewal() > 0 && s.authGenToken.renewal() < 2 * b.handWindow) {
            throw b.at(CONFLICT, s.authGenTokenWhere, "auth-gen-token", "--auth-gen-token renewal time needs to be at"
                    + " least two times --hand-window (" + b.handWindow + ").");
        }
        // OpenVPN also accepts a plugin, which Culvert does not have.
        String postfix = "must be used with --management-client-auth, an --auth-user-pass-verify script, or plugin";
        boolean userPassCheck = s.authUserPassVerify != null || b.managementClientAuth;
        if (!userPassCheck && s.verifyClientCert != ServerSettings.VerifyClientCert.REQUIRE) {
            throw b.at(CONFLICT, s.verifyClientCertWhere, "verify-client-cert", "--verify-client-cert none|optional "
                    + postfix);
        }
        if (!userPassCheck && s.usernameAsCnWhere != null) {
            throw b.at(CONFLICT, s.usernameAsCnWhere, "username-as-common-name", "--username-as-common-name " + postfix);
        }
    }

    /** The server-only options in a configuration that is not a server: OpenVPN's "requires --mode server". */
    private static void refuseServerOnly(OptionsBuilder b) throws ConfigException {
        State s = b.server;
        Object[][] checks = {
            {s.poolWhere, "ifconfig-pool", "--ifconfig-pool/--ifconfig-pool-persist"},
            {s.persistWhere, "ifconfig-pool-persist", "--ifconfig-pool/--ifconfig-pool-persist"},
            {s.pool6Where, "ifconfig-ipv6-pool", "--ifconfig-ipv6-pool"},
            {s.hashSizeWhere, "hash-size", "--hash-size"},
            {s.clientConnectWhere, "client-connect", "--client-connect"},
            {s.clientDisconnectWhere, "client-disconnect", "--client-disconnect"},
            {s.ccdWhere, "client-config-dir", "--client-config-dir/--ccd-exclusive"},
            {s.ccdExclusiveWhere, "ccd-exclusive", "--client-config-dir/--ccd-exclusive"},
            {s.clientToClientWhere, "client-to-client", "--client-to-client"},
            {s.duplicateCnWhere, "duplicate-cn", "--duplicate-cn"},
            {s.connectFreqWhere, "connect-freq", "--connect-freq"},
            {s.verifyClientCert != ServerSettings.VerifyClientCert.REQUIRE ? s.verifyClientCertWhere : null,
                "verify-client-cert", "--verify-client-cert"},
            {s.usernameAsCnWhere, "username-as-common-name", "--username-as-common-name"},
            {s.authUserPassVerifyWhere, "auth-user-pass-verify", "--auth-user-pass-verify"},
            {s.authGenTokenWhere, "auth-gen-token", "--auth-gen-token"},
            {s.staleRoutesWhere, "stale-routes-check", "--stale-routes-check"},
        };
        for (Object[] c : checks) {
            if (c[0] != null) {
                throw b.at(CONFLICT, (Where) c[0], (String) c[1], c[2] + " requires --mode server");
            }
        }
        if (s.tlsCryptV2VerifyWhere != null) {
            // OpenVPN does not check it; it only ever runs on a server.
            b.warnings.add("--tls-crypt-v2-verify is ignored without --mode server (" + OptionArgs.describe(
                    s.tlsCryptV2VerifyWhere) + ")");
        }
    }

    /** The finished server settings, once {@link OptionsBuilder#finish} resolved the rest. */
    static ServerSettings settings(OptionsBuilder b, DevType type, List<String> push) {
        State s = b.server;
        Optional<ServerSettings.Ipv4Pool> pool = Optional.empty();
        if (s.poolStart != null) {
            ServerSettings.PoolType t = type == DevType.TUN && b.topology == Topology.NET30
                    ? ServerSettings.PoolType.NET30 : ServerSettings.PoolType.INDIVIDUAL;
            pool = Optional.of(new ServerSettings.Ipv4Pool(s.poolStart, s.poolEnd, Optional.ofNullable(s.poolNetmask), t));
        }
        return new ServerSettings(pool,
                s.pool6Base == null ? Optional.empty() : Optional.of(new ServerSettings.Ipv6Pool(s.pool6Base, s.pool6Bits)),
                s.persistFile == null ? Optional.empty()
                        : Optional.of(new ServerSettings.PoolPersistence(s.persistFile, s.persistSeconds)),
                push, Optional.ofNullable(s.ccd), s.ccdExclusiveWhere != null, s.clientToClientWhere != null,
                s.duplicateCnWhere != null, s.maxClients, s.connectFreq, s.connectFreqInitial, s.maxRoutesPerClient,
                s.tcpQueueLimit, s.staleRoutesAgeing, s.staleRoutesInterval, s.usernameAsCnWhere != null,
                s.verifyClientCert, Optional.ofNullable(s.authUserPassVerify), Optional.ofNullable(s.clientConnect),
                Optional.ofNullable(s.clientDisconnect),
                Optional.ofNullable(s.authGenToken), Optional.ofNullable(s.authGenTokenSecret),
                Optional.ofNullable(s.tlsCryptV2Verify),
                b.keepalivePing == null ? Optional.empty()
                        : Optional.of(new ServerSettings.Keepalive(b.keepalivePing, b.keepaliveTimeout)),
                s.serverWhere == null ? Optional.empty()
                        : Optional.of(new ServerSettings.Network(s.serverNetwork, s.serverNetmask)));
    }
}
