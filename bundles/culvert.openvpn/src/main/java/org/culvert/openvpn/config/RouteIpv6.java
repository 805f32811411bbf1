package org.culvert.openvpn.config;

import java.net.Inet6Address;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code --route-ipv6 network/bits [gateway] [metric]}; the gateway defaults to the
 * {@code --ifconfig-ipv6} peer address, and is empty when there is none (an on-link tun route).
 */
public record RouteIpv6(Inet6Address network, int prefixLength, Optional<Inet6Address> gateway, OptionalInt metric) {
    public RouteIpv6 {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(metric, "metric");
    }
}
