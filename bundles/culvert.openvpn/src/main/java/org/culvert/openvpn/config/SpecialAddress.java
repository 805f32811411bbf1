package org.culvert.openvpn.config;

/**
 * OpenVPN's special addresses in {@code --route} ({@code get_special_addr} in route.c) that only the
 * machine knows when the routes are added; {@code vpn_gateway} is resolved when the options are read.
 */
public enum SpecialAddress {
    /** {@code net_gateway}: the default gateway before the tunnel came up. */
    NET_GATEWAY("net_gateway"),
    /** {@code remote_host}: the server's address. */
    REMOTE_HOST("remote_host");

    private final String keyword;

    SpecialAddress(String keyword) {
        this.keyword = keyword;
    }

    /** The word as written in a configuration. */
    public String keyword() {
        return keyword;
    }
}
