package org.culvert.openvpn.config;

import java.net.Inet6Address;
import java.util.Objects;

/** {@code --ifconfig-ipv6 local/bits remote}; bits is 64..124 as OpenVPN requires. */
public record IfConfigIpv6(Inet6Address local, int prefixLength, Inet6Address remote) {
    public IfConfigIpv6 {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
    }
}
