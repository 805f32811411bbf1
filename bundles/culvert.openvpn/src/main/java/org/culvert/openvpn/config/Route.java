package org.culvert.openvpn.config;

import java.net.Inet4Address;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * {@code --route network [netmask] [gateway] [metric]} with OpenVPN's defaults applied: netmask
 * 255.255.255.255, gateway the {@code --ifconfig} peer address (tun, net30/p2p topology).
 */
public record Route(Inet4Address network, Inet4Address netmask, Inet4Address gateway, OptionalInt metric) {
    public Route {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(netmask, "netmask");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(metric, "metric");
    }
}
