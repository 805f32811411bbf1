package org.culvert.api.tunnel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The configuration in effect for the current connection, for status displays: the tun addresses,
 * routes and DNS servers applied, the data cipher and peer id, and — for a client that pulled its
 * configuration — the pushed options as the server sent them. Point-to-point tunnels report their
 * own options here ({@link #pushed()} false, no option texts). Immutable; build with {@link #builder()}.
 */
public final class TunnelSettings {
    /** Nothing in effect (no connection). */
    public static final TunnelSettings NONE = builder().build();

    private final boolean pushed;
    private final String ifconfigLocal;
    private final String ifconfigRemoteOrNetmask;
    private final String ifconfigIpv6;
    private final List<String> routes;
    private final List<String> dns;
    private final String cipher;
    private final int peerId;
    private final List<String> options;

    private TunnelSettings(Builder b) {
        this.pushed = b.pushed;
        this.ifconfigLocal = b.ifconfigLocal;
        this.ifconfigRemoteOrNetmask = b.ifconfigRemoteOrNetmask;
        this.ifconfigIpv6 = b.ifconfigIpv6;
        this.routes = Collections.unmodifiableList(new ArrayList<>(b.routes));
        this.dns = Collections.unmodifiableList(new ArrayList<>(b.dns));
        this.cipher = b.cipher;
        this.peerId = b.peerId;
        this.options = Collections.unmodifiableList(new ArrayList<>(b.options));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True when the server pushed this configuration (PUSH_REPLY), false for a tunnel's own options. */
    public boolean pushed() {
        return pushed;
    }

    /** The local tun IPv4 address, or null. */
    public String ifconfigLocal() {
        return ifconfigLocal;
    }

    /** The peer's tun address (p2p, net30) or the netmask (subnet), as --ifconfig's second argument; or null. */
    public String ifconfigRemoteOrNetmask() {
        return ifconfigRemoteOrNetmask;
    }

    /** The local tun IPv6 address with its prefix length ({@code fd00::2/64}), or null. */
    public String ifconfigIpv6() {
        return ifconfigIpv6;
    }

    /** The routes in effect, IPv4 and IPv6, one text each ({@code 10.1.0.0/24 via 10.8.0.1}). */
    public List<String> routes() {
        return routes;
    }

    /** The DNS servers in effect (dhcp-option DNS, dns server), in order. */
    public List<String> dns() {
        return dns;
    }

    /** The data-channel cipher, or null when not known (yet). */
    public String cipher() {
        return cipher;
    }

    /** The peer id the server gave (DATA_V2), or -1 for none. */
    public int peerId() {
        return peerId;
    }

    /** The pushed options as the server sent them, each one option with its arguments, in order; empty unless pushed. */
    public List<String> options() {
        return options;
    }

    /**
     * The settings as lines for a display, each as an option would say it: {@code ifconfig A B},
     * {@code ifconfig-ipv6 A/N}, {@code route ...}, {@code dns ...}, {@code cipher ...},
     * {@code peer-id N}, then each pushed option as {@code pushed: ...}. Empty for {@link #NONE}.
     */
    public List<String> lines() {
        List<String> l = new ArrayList<>();
        if (ifconfigLocal != null) {
            l.add("ifconfig " + ifconfigLocal + (ifconfigRemoteOrNetmask != null ? " " + ifconfigRemoteOrNetmask : ""));
        }
        if (ifconfigIpv6 != null) {
            l.add("ifconfig-ipv6 " + ifconfigIpv6);
        }
        routes.forEach(r -> l.add("route " + r));
        dns.forEach(d -> l.add("dns " + d));
        if (cipher != null) {
            l.add("cipher " + cipher);
        }
        if (peerId >= 0) {
            l.add("peer-id " + peerId);
        }
        options.forEach(o -> l.add("pushed: " + o));
        return l;
    }

    @Override
    public String toString() {
        return (pushed ? "pushed" : "local") + lines();
    }

    /** Collects the settings; not thread-safe. */
    public static final class Builder {
        private boolean pushed;
        private String ifconfigLocal;
        private String ifconfigRemoteOrNetmask;
        private String ifconfigIpv6;
        private final List<String> routes = new ArrayList<>();
        private final List<String> dns = new ArrayList<>();
        private String cipher;
        private int peerId = -1;
        private final List<String> options = new ArrayList<>();

        private Builder() {
        }

        public Builder pushed(boolean v) {
            pushed = v;
            return this;
        }

        public Builder ifconfig(String local, String remoteOrNetmask) {
            ifconfigLocal = local;
            ifconfigRemoteOrNetmask = remoteOrNetmask;
            return this;
        }

        /** @param addressWithPrefix e.g. {@code fd00::2/64} */
        public Builder ifconfigIpv6(String addressWithPrefix) {
            ifconfigIpv6 = addressWithPrefix;
            return this;
        }

        public Builder route(String route) {
            routes.add(route);
            return this;
        }

        public Builder dns(String server) {
            dns.add(server);
            return this;
        }

        public Builder cipher(String v) {
            cipher = v;
            return this;
        }

        public Builder peerId(int v) {
            peerId = v;
            return this;
        }

        /** One pushed option with its arguments, as the server sent it. */
        public Builder option(String optionText) {
            options.add(optionText);
            return this;
        }

        public TunnelSettings build() {
            return new TunnelSettings(this);
        }
    }
}
