package org.culvert.api.tun;

import java.util.Objects;

/**
 * One {@code --route} or {@code --route-ipv6}: destination prefix, optional gateway (null = the
 * tunnel's remote end or the device itself) and metric (negative = default).
 */
public final class TunRoute {
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
