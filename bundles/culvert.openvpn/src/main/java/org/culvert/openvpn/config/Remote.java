package org.culvert.openvpn.config;

import java.util.Objects;
import java.util.Optional;

/**
 * One {@code --remote host [port] [proto]} entry.
 *
 * @param host a host name or address literal, unresolved
 * @param port the entry's port, or the {@code --rport}/{@code --port} default (1194)
 * @param proto the protocol given on this line, if any (it overrides {@code --proto})
 * @param family the address family given on this line ({@code udp4}, ...), else ANY
 */
public record Remote(String host, int port, Optional<Proto> proto, IpFamily family) {
    public Remote {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(proto, "proto");
        Objects.requireNonNull(family, "family");
    }
}
