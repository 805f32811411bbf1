package org.culvert.openvpn.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a server's PUSH_REPLY (all its parts) set, over the client's own configuration: the overlay
 * OpenVPN writes into its options struct. Built by {@link PushReply}; an empty value means "not
 * pushed, the configuration's own holds". Immutable; never holds key material.
 *
 * @param accepted every pushed item taken, as the server wrote it (for status surfaces)
 * @param ifconfig the effective {@code --ifconfig} (pushed, else the configuration's)
 * @param ifconfigIpv6 the effective {@code --ifconfig-ipv6}
 * @param topology the effective {@code --topology}
 * @param routes the configuration's routes, then the pushed ones, gateways resolved
 * @param routesIpv6 the configuration's IPv6 routes, then the pushed ones
 * @param tunMtu a pushed {@code tun-mtu}, already capped at {@link PushReply#TUN_MTU_MAX}
 * @param ping a pushed {@code ping}
 * @param pingRestart a pushed {@code ping-restart}
 * @param pingExit a pushed {@code ping-exit}
 * @param inactive a pushed {@code inactive}
 * @param explicitExitNotify a pushed {@code explicit-exit-notify}
 * @param cipher a pushed {@code cipher}, already checked against {@code --data-ciphers}
 * @param peerId a pushed {@code peer-id}: P_DATA_V2 with it both ways
 * @param tlsEkm {@code key-derivation tls-ekm} or {@code protocol-flags tls-ekm}: data keys by key export
 * @param ccExit {@code protocol-flags cc-exit}: exit notification on the control channel
 * @param dynTlsCrypt {@code protocol-flags dyn-tls-crypt}
 * @param compression a pushed {@code comp-lzo}/{@code compress} framing
 * @param echo pushed {@code echo} texts
 * @param setenvSafe pushed {@code setenv-safe} variables, named {@code OPENVPN_<name>}
 * @param routeSettings the effective route-gateway, redirect-gateway, route-metric, dhcp-option and dns: the
 *     pushed ones over the configuration's (dhcp-options and dns servers of other priorities accumulate)
 * @param authToken a pushed {@code auth-token}: the password of the next connections (a secret: never logged)
 * @param authTokenUser a pushed {@code auth-token-user}, base64-decoded: the username to go with it
 */
public record PushedOptions(List<String> accepted, Optional<IfConfig> ifconfig, Optional<IfConfigIpv6> ifconfigIpv6,
        Topology topology, List<Route> routes, List<RouteIpv6> routesIpv6, OptionalInt tunMtu, OptionalInt ping,
        OptionalInt pingRestart, OptionalInt pingExit, OptionalInt inactive, OptionalInt explicitExitNotify,
        Optional<String> cipher, OptionalInt peerId, boolean tlsEkm, boolean ccExit, boolean dynTlsCrypt,
        Optional<Compression> compression, List<String> echo, Map<String, String> setenvSafe,
        RouteSettings routeSettings, Optional<String> authToken, Optional<String> authTokenUser) {
    public PushedOptions {
        accepted = List.copyOf(accepted);
        routes = List.copyOf(routes);
        routesIpv6 = List.copyOf(routesIpv6);
        echo = List.copyOf(echo);
        setenvSafe = Map.copyOf(setenvSafe);
    }

    @Override
    public String toString() {
        // The record's own toString would print the auth-token.
        return "PushedOptions[" + summary() + "]";
    }

    /** The pushed configuration as one line, OpenVPN's "PUSH: Received control message" text without the prefix. */
    public String summary() {
        return String.join(",", accepted);
    }
}
