package org.culvert.openvpn.config;

import java.net.Inet4Address;
import java.util.Objects;

/**
 * {@code --ifconfig local remoteOrNetmask}: with tun in net30/p2p topology the second address is
 * the peer's tunnel address; with tap or topology subnet it is a netmask.
 */
public record IfConfig(Inet4Address local, Inet4Address remoteOrNetmask) {
    public IfConfig {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remoteOrNetmask, "remoteOrNetmask");
    }
}
