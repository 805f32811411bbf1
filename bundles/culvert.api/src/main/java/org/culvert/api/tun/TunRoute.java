package org.culvert.api.tun;

import java.util.Objects;

/**
 * One {@code --route} or {@code --route-ipv6}: destination prefix, optional gateway (null = the
 * tunnel's remote end or the device itself) and metric (negative = default).
 *
 * <p>Since 1.2 an IPv4 route's network may be {@link #REMOTE_HOST} or {@link #NET_GATEWAY}, and its
 * gateway {@link #NET_GATEWAY} or {@link #REMOTE_HOST}: OpenVPN's special addresses, which only the
 * driver can resolve when it adds the route.
 */
public final class TunRoute {
    /** OpenVPN's {@code net_gateway}: the default gateway before the tunnel came up. */
    public static final String NET_GATEWAY = "net_gateway";
    /** OpenVPN's {@code remote_host}: the server's address. */
    public static final String REMOTE_HOST = "remote_host";

    private final String network;
    private final int prefixLength;
    private final String gateway;
    private final int metric;

    public TunRoute(String network, int prefixLength, String gateway, int metric) {
        this.network = Objects.requireNonNull(network, "network");
        this.prefixLength = prefixLength;
        this.gateway = gateway;
        this.metric = metric;
    }

    public String network() {
        return network;
    }

    public int prefixLength() {
        return prefixLength;
    }

    /** May be null. */
    public String gateway() {
        return gateway;
    }

    public int metric() {
        return metric;
    }

    public boolean isIpv6() {
        return network.indexOf(':') >= 0;
    }

    @Override
    public String toString() {
        return network + "/" + prefixLength + (gateway != null ? " via " + gateway : "") + (metric >= 0 ? " metric " + metric : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TunRoute && o.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
