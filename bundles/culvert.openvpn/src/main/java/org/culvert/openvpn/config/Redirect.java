package org.culvert.openvpn.config;

/**
 * {@code --redirect-gateway} / {@code --redirect-private} with their flags, as OpenVPN 2.6 keeps them
 * in {@code route_option_list.flags} ({@code RG_*}) and, for {@code ipv6}, in the IPv6 route list.
 *
 * @param enabled        {@code RG_ENABLE}: one of the two options was given (and not cancelled by {@code !ipv4})
 * @param rerouteGateway {@code RG_REROUTE_GW}: {@code redirect-gateway} (redirect-private never changes the default route)
 * @param local          {@code RG_LOCAL}: both ends on one subnet, no host route to the server
 * @param autoLocal      {@code RG_AUTO_LOCAL}: decide {@code local} from the routing table
 * @param def1           {@code RG_DEF1}: 0.0.0.0/1 and 128.0.0.0/1 instead of replacing the default route
 * @param bypassDhcp     {@code RG_BYPASS_DHCP}: Windows only; accepted and ignored on Linux, as OpenVPN does
 * @param bypassDns      {@code RG_BYPASS_DNS}: Windows only; accepted and ignored on Linux, as OpenVPN does
 * @param blockLocal     {@code RG_BLOCK_LOCAL}: the local LAN's subnet into the tunnel too
 * @param ipv6           {@code ipv6}: ::/3, 2000::/4, 3000::/4 and fc00::/7 into the tunnel
 */
public record Redirect(boolean enabled, boolean rerouteGateway, boolean local, boolean autoLocal, boolean def1,
        boolean bypassDhcp, boolean bypassDns, boolean blockLocal, boolean ipv6) {
    /** Neither option given. */
    public static final Redirect NONE = new Redirect(false, false, false, false, false, false, false, false, false);

    /** Whether any route changes: IPv4 redirection or the IPv6 routes. */
    public boolean any() {
        return enabled || ipv6;
    }
}
