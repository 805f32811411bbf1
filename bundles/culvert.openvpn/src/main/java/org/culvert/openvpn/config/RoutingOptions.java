package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.OptionArgs.address4;
import static org.culvert.openvpn.config.OptionArgs.arity;
import static org.culvert.openvpn.config.OptionArgs.defined;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.integer;
import static org.culvert.openvpn.config.OptionArgs.ipv4;
import static org.culvert.openvpn.config.OptionArgs.ipv6;
import static org.culvert.openvpn.config.OptionArgs.parseIpv4;
import static org.culvert.openvpn.config.OptionArgs.prefixLength;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.Optional;
import java.util.OptionalInt;
import org.culvert.openvpn.config.OptionsBuilder.Line;

/**
 * OpenVPN 2.6 manual, the routing options of "Virtual Network Adapter (VPN interface)": routes,
 * their defaults and gateway redirection (the route scripts are with {@link OperationsOptions}, as in
 * "Script Hooks").
 *
 * <p>OpenVPN's pull permission classes, for pushed options: {@code route}, {@code route-ipv6},
 * {@code redirect-gateway}, {@code redirect-private}, {@code route-metric} are ROUTE;
 * {@code route-gateway}, {@code route-delay} are ROUTE_EXTRAS; {@code route-noexec} is SCRIPT (not
 * pullable).
 */
final class RoutingOptions {
    private RoutingOptions() {
    }

    static void register(OptionRegistry.Table t) {
        t.option("route", 1, 4, (b, l) -> b.routes.add(parseRoute(l)));
        t.option("route-ipv6", 1, 3, (b, l) -> {
            b.routes6.add(parseRoute6(l));
            if (b.route6Where == null) {
                b.route6Where = l.where();
            }
        });
        t.option("route-gateway", 1, 1, RoutingOptions::setRouteGateway);
        t.option("route-metric", 1, 1, (b, l) -> b.routing.routeMetric = integer(l, 0, 0, Integer.MAX_VALUE));
        t.option("route-noexec", 0, 0, (b, l) -> b.routing.routeNoexec = true);
        t.option("route-delay", 0, 2, (b, l) -> {
            b.routing.routeDelay = l.count() >= 1 ? integer(l, 0, 0, Integer.MAX_VALUE) : 0;
            b.routing.routeDelayWindow = l.count() == 2 ? integer(l, 1, 0, Integer.MAX_VALUE) : 30;
        });
        t.option("redirect-gateway", RoutingOptions::setRedirect);
        t.option("redirect-private", RoutingOptions::setRedirect);
        t.notSupported("allow-recursive-routing", "max-routes", "route-ipv6-gateway", "route-method");
        // Pull mode: pushed routes (and DHCP/DNS options) are not taken; see PullPermission.pullMask.
        t.option("route-nopull", 0, 0, (b, l) -> b.routeNopull = true);
        t.permit("route", PullPermission.ROUTE);
        t.permit("route-ipv6", PullPermission.ROUTE);
        t.permit("route-gateway", PullPermission.ROUTE_EXTRAS);
        t.permit("route-delay", PullPermission.ROUTE_EXTRAS);
        t.permit("route-metric", PullPermission.ROUTE);
        t.permit("redirect-gateway", PullPermission.ROUTE);
        t.permit("redirect-private", PullPermission.ROUTE);
    }

    private static OptionsBuilder.RawRoute parseRoute(Line l) throws ConfigException {
        Optional<SpecialAddress> specialNetwork = special(l.arg(0));
        if (l.arg(0).equals("vpn_gateway")) {
            throw error(BAD_VALUE, l, "network 'vpn_gateway' is not supported by Culvert; give the address");
        }
        Inet4Address network = specialNetwork.isPresent() ? address4(0, 0, 0, 0) : ipv4(l, 0);
        Inet4Address netmask = defined(l, 1) ? ipv4(l, 1) : address4(255, 255, 255, 255);
        Inet4Address gateway = null;
        Optional<SpecialAddress> specialGateway = Optional.empty();
        if (defined(l, 2)) {
            String g = l.arg(2);
            specialGateway = special(g);
            // vpn_gateway means the default, which is only known once --ifconfig has been read.
            gateway = g.equals("vpn_gateway") ? null : specialGateway.isPresent() ? address4(0, 0, 0, 0) : ipv4(l, 2);
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
        return new OptionsBuilder.RawRoute(network, netmask, gateway, metric, l.where(), specialNetwork, specialGateway);
    }

    private static Optional<SpecialAddress> special(String word) {
        for (SpecialAddress s : SpecialAddress.values()) {
            if (s.keyword().equals(word)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    private static OptionsBuilder.RawRoute6 parseRoute6(Line l) throws ConfigException {
        String spec = l.arg(0);
        int slash = spec.indexOf('/');
        Inet6Address network = ipv6(l, slash < 0 ? spec : spec.substring(0, slash));
        int bits = slash < 0 ? 128 : prefixLength(l, spec.substring(slash + 1), 128);
        Inet6Address gateway = defined(l, 1) ? ipv6(l, l.arg(1)) : null;
        OptionalInt metric = defined(l, 2) ? OptionalInt.of(integer(l, 2, 0, Integer.MAX_VALUE)) : OptionalInt.empty();
        return new OptionsBuilder.RawRoute6(network, bits, gateway, metric);
    }

    /** {@code route-gateway IP|dhcp}; OpenVPN also takes a host name there, Culvert an address only. */
    private static void setRouteGateway(OptionsBuilder b, Line l) throws ConfigException {
        if (l.arg(0).equals("dhcp")) {
            b.routing.routeGatewayDhcp = true;
            return;
        }
        Inet4Address gateway = parseIpv4(l.arg(0));
        if (gateway == null) {
            throw error(BAD_VALUE, l, "'" + l.arg(0) + "' must be an IPv4 address or 'dhcp'");
        }
        b.routing.routeGateway = gateway;
    }

    /** As options.c: the flags accumulate over every occurrence of either option; a second one is warned about. */
    private static void setRedirect(OptionsBuilder b, Line l) throws ConfigException {
        arity(l, 0, 15);
        RoutingState r = b.routing;
        if (r.redirectEnabled) {
            b.warnings.add(OptionWarnings.REDIRECT_TWICE);
        }
        r.redirectEnabled = true;
        if (l.name().equals("redirect-gateway")) {
            r.rerouteGateway = true;
        }
        for (String flag : l.args()) {
            switch (flag) {
                case "local":
                    r.local = true;
                    break;
                case "autolocal":
                    r.autoLocal = true;
                    break;
                case "def1":
                    r.def1 = true;
                    break;
                case "bypass-dhcp":
                    r.bypassDhcp = true;
                    break;
                case "bypass-dns":
                    r.bypassDns = true;
                    break;
                case "block-local":
                    r.blockLocal = true;
                    break;
                case "ipv6":
                    r.redirectIpv6 = true;
                    break;
                case "!ipv4":
                    r.redirectEnabled = false;
                    r.rerouteGateway = false;
                    break;
                default:
                    throw error(BAD_VALUE, l, "unknown flag '" + flag + "' (def1, local, autolocal, block-local, ipv6,"
                            + " !ipv4, bypass-dhcp, bypass-dns)");
            }
        }
    }
}
