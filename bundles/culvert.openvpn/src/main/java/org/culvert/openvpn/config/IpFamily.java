package org.culvert.openvpn.config;

/** The link's address family as forced by {@code --proto udp4/udp6/...}; ANY when not forced. */
public enum IpFamily {
    ANY,
    IPV4,
    IPV6
}
