package org.culvert.api.tun;

/**
 * OpenVPN's {@code --redirect-gateway} / {@code --redirect-private} flags, for the driver that adds the
 * routes (the core cannot: the old default gateway and the server's route are the machine's).
 *
 * @param enabled        one of the options was given for IPv4 (not cancelled by {@code !ipv4})
 * @param rerouteGateway {@code redirect-gateway}: replace the default route ({@code redirect-private} does not)
 * @param def1           0.0.0.0/1 and 128.0.0.0/1 instead of replacing the default route
 * @param local          no host route to the server through the old default gateway
 * @param autoLocal      {@code local} when the server is on the old default gateway's subnet
 * @param blockLocal     the old default gateway's subnet into the tunnel too
 * @param bypassDhcp     Windows: the DHCP server stays on the old gateway (ignored on Linux, as by OpenVPN)
 * @param bypassDns      Windows: the DNS servers stay on the old gateway (ignored on Linux, as by OpenVPN)
 * @param ipv6           ::/3, 2000::/4, 3000::/4 and fc00::/7 into the tunnel
 * @since 1.2
 */
public record TunRedirect(boolean enabled, boolean rerouteGateway, boolean def1, boolean local, boolean autoLocal,
        boolean blockLocal, boolean bypassDhcp, boolean bypassDns, boolean ipv6) {
    /** No redirection. */
    public static final TunRedirect NONE = new TunRedirect(false, false, false, false, false, false, false, false, false);

    /** Whether the routes depend on the machine's default gateway or the server's address. */
    public boolean any() {
        return enabled || ipv6;
    }
}
