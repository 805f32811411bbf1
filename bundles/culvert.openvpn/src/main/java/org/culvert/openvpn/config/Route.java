package org.culvert.openvpn.config;

import java.net.Inet4Address;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code --route network [netmask] [gateway] [metric]} with OpenVPN's defaults applied: netmask
 * 255.255.255.255, gateway {@code --route-gateway} or the {@code --ifconfig} peer address (tun,
 * net30/p2p topology), metric {@code --route-metric}. {@code vpn_gateway} is resolved; the network
 * or gateway may instead be a {@link SpecialAddress} only known when the route is added, and then
 * {@link #network()} or {@link #gateway()} holds 0.0.0.0.
 */
public record Route(Inet4Address network, Inet4Address netmask, Inet4Address gateway, OptionalInt metric,
        Optional<SpecialAddress> specialNetwork, Optional<SpecialAddress> specialGateway) {
    public Route {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(netmask, "netmask");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(specialNetwork, "specialNetwork");
        Objects.requireNonNull(specialGateway, "specialGateway");
    }

    /** A route between literal addresses (the 1.2 form). */
    public Route(Inet4Address network, Inet4Address netmask, Inet4Address gateway, OptionalInt metric) {
        this(network, netmask, gateway, metric, Optional.empty(), Optional.empty());
    }
}
