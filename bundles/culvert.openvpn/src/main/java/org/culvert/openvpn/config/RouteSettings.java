package org.culvert.openvpn.config;

import java.net.Inet4Address;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a peer does to the host's routing and name resolution beyond its own {@code --route}s:
 * OpenVPN 2.6's {@code --route-gateway}, {@code --route-metric}, {@code --route-noexec},
 * {@code --route-delay}, {@code --redirect-gateway}/{@code --redirect-private}, {@code --dhcp-option},
 * {@code --dns} and {@code --block-ipv6}.
 *
 * @param routeGateway     {@code --route-gateway IP}: the default gateway of {@code --route}s (vpn_gateway)
 * @param routeGatewayDhcp {@code --route-gateway dhcp}: Windows learns it from the adapter's DHCP; nothing on Linux
 * @param routeMetric      {@code --route-metric}: the default metric of {@code --route}s; 0 = none
 * @param routeNoexec      {@code --route-noexec}: compute routes and export them to scripts, add none
 * @param routeDelay       {@code --route-delay N}: seconds to wait before adding routes; -1 when not given
 * @param routeDelayWindow {@code --route-delay N W}: Windows' wait for the adapter (ignored on Linux); default 30
 * @param foreignOptions   {@code foreign_option_N} values for scripts, in order ({@code dhcp-option TYPE value},
 *                         and the {@code --dns} servers and search domains as OpenVPN copies them on Linux)
 * @param blockIpv6        {@code --block-ipv6}: IPv6 packets from the tun are answered with ICMPv6 "no route", not sent
 */
public record RouteSettings(Optional<Inet4Address> routeGateway, boolean routeGatewayDhcp, int routeMetric,
        boolean routeNoexec, int routeDelay, int routeDelayWindow, Redirect redirect, List<String> foreignOptions,
        DnsOptions dns, boolean blockIpv6) {
    /** No option of this kind given. */
    public static final RouteSettings NONE = new RouteSettings(Optional.empty(), false, 0, false, -1, 30,
            Redirect.NONE, List.of(), DnsOptions.NONE, false);

    public RouteSettings {
        Objects.requireNonNull(routeGateway, "routeGateway");
        Objects.requireNonNull(redirect, "redirect");
        foreignOptions = List.copyOf(foreignOptions);
        Objects.requireNonNull(dns, "dns");
    }
}
