package org.culvert.testkit;

import java.net.SocketAddress;
import java.util.Objects;

/**
 * An address on the {@link MemoryNetwork}: a host name (any string without meaning, {@code "*"} for
 * the wildcard) and a port. Immutable; written and parsed as {@code host:port}.
 */
public final class MemoryAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;
    /** The wildcard host a socket binds to when its spec names no local host. */
    public static final String WILDCARD = "*";

    private final String host;
    private final int port;

    private MemoryAddress(String host, int port) {
        this.host = Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
        this.port = port;
    }

    /** {@code host} (null means {@link #WILDCARD}) and {@code port}. */
    public static MemoryAddress of(String host, int port) {
        return new MemoryAddress(host == null ? WILDCARD : host, port);
    }

    /** Parses {@code host:port}. */
    public static MemoryAddress parse(String hostAndPort) {
        int colon = hostAndPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostAndPort.length() - 1) {
            throw new IllegalArgumentException("not host:port: '" + hostAndPort + "'");
        }
        try {
            return of(hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not host:port: '" + hostAndPort + "'", e);
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public boolean isWildcard() {
        return WILDCARD.equals(host);
    }

    /**
     * True when a packet from {@code this} counts as coming from {@code expected}: the same address, or
     * the same port where either host is the wildcard (a socket bound to {@code *} has no host of its
     * own to show, so its peers accept it under any host name).
     */
    public boolean matches(SocketAddress expected) {
        if (!(expected instanceof MemoryAddress)) {
            return false;
        }
        MemoryAddress other = (MemoryAddress) expected;
        return port == other.port && (host.equals(other.host) || isWildcard() || other.isWildcard());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemoryAddress && ((MemoryAddress) o).port == port && ((MemoryAddress) o).host.equals(host);
    }

    @Override
    public int hashCode() {
        return host.hashCode() * 31 + port;
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
