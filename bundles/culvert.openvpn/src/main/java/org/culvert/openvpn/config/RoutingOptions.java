package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.address4;
import static org.culvert.openvpn.config.OptionArgs.defined;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.integer;
import static org.culvert.openvpn.config.OptionArgs.ipv4;
import static org.culvert.openvpn.config.OptionArgs.ipv6;
import static org.culvert.openvpn.config.OptionArgs.prefixLength;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.OptionalInt;
import org.culvert.openvpn.config.OptionsBuilder.Line;

/**
 * OpenVPN 2.6 manual, the routing options of "Virtual Network Adapter (VPN interface)": routes and
 * gateway redirection (the route scripts are with {@link OperationsOptions}, as in "Script Hooks").
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
        // Pull mode: pushed routes (and DHCP/DNS options) are not taken; see PullPermission.pullMask.
        t.option("route-nopull", 0, 0, (b, l) -> b.routeNopull = true);
        t.permit("route", PullPermission.ROUTE);
        t.permit("route-ipv6", PullPermission.ROUTE);
        t.notSupported("allow-recursive-routing", "max-routes", "redirect-gateway", "redirect-private",
                "route-delay", "route-gateway", "route-ipv6-gateway", "route-method", "route-metric",
                "route-noexec");
    }

    private static OptionsBuilder.RawRoute parseRoute(Line l) throws ConfigException {
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
        return new OptionsBuilder.RawRoute(network, netmask, gateway, metric, l.where());
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
}
