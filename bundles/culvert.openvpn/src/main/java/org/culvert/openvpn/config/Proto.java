package org.culvert.openvpn.config;

/**
 * The link protocol ({@code --proto}). In point-to-point mode plain {@code tcp} is ambiguous, as in
 * OpenVPN: a config must say {@code tcp-client} or {@code tcp-server}.
 */
public enum Proto {
    UDP,
    TCP_CLIENT,
    TCP_SERVER;

    /** OpenVPN's spelling: {@code udp}, {@code tcp-client} or {@code tcp-server}. */
    public String optionName() {
        return this == UDP ? "udp" : this == TCP_CLIENT ? "tcp-client" : "tcp-server";
    }

    /** True for both TCP roles (16-bit length framing, no explicit-exit-notify). */
    public boolean isTcp() {
        return this != UDP;
    }

    /**
     * The OCC {@code proto} item: {@code UDPv4}, {@code TCPv4_CLIENT} or {@code TCPv4_SERVER} (always
     * "v4", even over IPv6). The expected-remote string swaps client and server.
     */
    public String occName(boolean remote) {
        switch (this) {
            case UDP:
                return "UDPv4";
            case TCP_CLIENT:
                return remote ? "TCPv4_SERVER" : "TCPv4_CLIENT";
            default:
                return remote ? "TCPv4_CLIENT" : "TCPv4_SERVER";
        }
    }
}
