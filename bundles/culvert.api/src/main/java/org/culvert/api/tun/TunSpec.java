package org.culvert.api.tun;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a tunnel asks of a tun driver: OpenVPN's {@code --dev}, {@code --dev-type}, {@code --dev-node},
 * {@code --tun-mtu}, {@code --ifconfig}, {@code --ifconfig-ipv6}, {@code --route(-ipv6)},
 * {@code --up}/{@code --down} and {@code --persist-tun}, already parsed. Immutable.
 *
 * <p>{@link #scriptEnvironment()} holds the variables the core knows (e.g. {@code config},
 * {@code link_mtu}, {@code script_context}); the driver adds the device ones ({@code dev},
 * {@code tun_mtu}, {@code ifconfig_local}, ...) when it runs a script, as OpenVPN does.
 */
public final class TunSpec {
    private final TunLayer layer;
    private final String name;
    private final String deviceNode;
    private final int mtu;
    private final String ifconfigLocal;
    private final String ifconfigRemoteOrNetmask;
    private final String ifconfigIpv6Local;
    private final int ifconfigIpv6Prefix;
    private final String ifconfigIpv6Remote;
    private final List<TunRoute> routes;
    private final String upCommand;
    private final String downCommand;
    private final boolean persist;
    private final Map<String, String> scriptEnvironment;
    private final Map<String, String> driverOptions;
    private final TunRedirect redirect;
    private final String remoteHost;
    private final boolean routeNoexec;
    private final int routeDelaySeconds;
    private final TunDns dns;

    private TunSpec(Builder b) {
        redirect = b.redirect;
        remoteHost = b.remoteHost;
        routeNoexec = b.routeNoexec;
        routeDelaySeconds = b.routeDelaySeconds;
        dns = b.dns;
        layer = b.layer;
        name = b.name;
        deviceNode = b.deviceNode;
        mtu = b.mtu;
        ifconfigLocal = b.ifconfigLocal;
        ifconfigRemoteOrNetmask = b.ifconfigRemoteOrNetmask;
        ifconfigIpv6Local = b.ifconfigIpv6Local;
        ifconfigIpv6Prefix = b.ifconfigIpv6Prefix;
        ifconfigIpv6Remote = b.ifconfigIpv6Remote;
        routes = Collections.unmodifiableList(new ArrayList<>(b.routes));
        upCommand = b.upCommand;
        downCommand = b.downCommand;
        persist = b.persist;
        scriptEnvironment = Collections.unmodifiableMap(new LinkedHashMap<>(b.scriptEnvironment));
        driverOptions = Collections.unmodifiableMap(new LinkedHashMap<>(b.driverOptions));
    }

    public static Builder builder(TunLayer layer) {
        return new Builder(layer);
    }

    public TunLayer layer() {
        return layer;
    }

    /**
     * The requested device name. {@code "tun"} or {@code "tap"} alone (or null) lets the driver pick
     * the next free one, as OpenVPN's {@code --dev tun} does; {@code "tun5"} asks for that one.
     */
    public String name() {
        return name;
    }

    /** {@code --dev-node}, or null. */
    public String deviceNode() {
        return deviceNode;
    }

    /** {@code --tun-mtu}, default 1500. */
    public int mtu() {
        return mtu;
    }

    /** {@code --ifconfig} first argument, or null when the interface is left unconfigured. */
    public String ifconfigLocal() {
        return ifconfigLocal;
    }

    /** {@code --ifconfig} second argument: the remote end (tun) or a netmask (tap). */
    public String ifconfigRemoteOrNetmask() {
        return ifconfigRemoteOrNetmask;
    }

    public String ifconfigIpv6Local() {
        return ifconfigIpv6Local;
    }

    public int ifconfigIpv6Prefix() {
        return ifconfigIpv6Prefix;
    }

    public String ifconfigIpv6Remote() {
        return ifconfigIpv6Remote;
    }

    public List<TunRoute> routes() {
        return routes;
    }

    /** {@code --up} command line (run through the shell, as OpenVPN does), or null. */
    public String upCommand() {
        return upCommand;
    }

    public String downCommand() {
        return downCommand;
    }

    /** {@code --persist-tun}: the core keeps the device open across restarts. */
    public boolean persist() {
        return persist;
    }

    public Map<String, String> scriptEnvironment() {
        return scriptEnvironment;
    }

    /** Driver-specific settings (e.g. {@code windows-driver}, {@code component-id}). */
    public Map<String, String> driverOptions() {
        return driverOptions;
    }

    /** {@code --redirect-gateway}/{@code --redirect-private}; {@link TunRedirect#NONE} by default. @since 1.2 */
    public TunRedirect redirect() {
        return redirect;
    }

    /**
     * The server, as OpenVPN's {@code remote_host}: a literal address or a host name the driver
     * resolves, or null (no remote, e.g. a listening peer). Used for the route to the server through
     * the old default gateway and for routes naming {@link TunRoute#REMOTE_HOST}. @since 1.2
     */
    public String remoteHost() {
        return remoteHost;
    }

    /** {@code --route-noexec}: compute the routes and export them to scripts, add none. @since 1.2 */
    public boolean routeNoexec() {
        return routeNoexec;
    }

    /** {@code --route-delay}: seconds to wait after the {@code --up} script before adding routes; 0 = none. @since 1.2 */
    public int routeDelaySeconds() {
        return routeDelaySeconds;
    }

    /** The resolver settings for the device; {@link TunDns#NONE} by default. @since 1.2 */
    public TunDns dns() {
        return dns;
    }

    @Override
    public String toString() {
        return "TunSpec[" + layer.optionName() + " " + name + " mtu " + mtu
                + (ifconfigLocal != null ? " ifconfig " + ifconfigLocal + " " + ifconfigRemoteOrNetmask : "")
                + (ifconfigIpv6Local != null ? " ifconfig-ipv6 " + ifconfigIpv6Local + "/" + ifconfigIpv6Prefix : "")
                + (routes.isEmpty() ? "" : " routes " + routes) + (redirect.any() ? " " + redirect : "")
                + (persist ? " persist" : "") + "]";
    }

    /** Builder; every setter returns {@code this}. */
    public static final class Builder {
        private final TunLayer layer;
        private String name;
        private String deviceNode;
        private int mtu = 1500;
        private String ifconfigLocal;
        private String ifconfigRemoteOrNetmask;
        private String ifconfigIpv6Local;
        private int ifconfigIpv6Prefix = 64;
        private String ifconfigIpv6Remote;
        private final List<TunRoute> routes = new ArrayList<>();
        private String upCommand;
        private String downCommand;
        private boolean persist;
        private final Map<String, String> scriptEnvironment = new LinkedHashMap<>();
        private final Map<String, String> driverOptions = new LinkedHashMap<>();
        private TunRedirect redirect = TunRedirect.NONE;
        private String remoteHost;
        private boolean routeNoexec;
        private int routeDelaySeconds;
        private TunDns dns = TunDns.NONE;

        private Builder(TunLayer layer) {
            this.layer = Objects.requireNonNull(layer, "layer");
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder deviceNode(String v) {
            deviceNode = v;
            return this;
        }

        public Builder mtu(int v) {
            if (v < 68 || v > 65535) {
                throw new IllegalArgumentException("tun-mtu " + v + " outside 68..65535");
            }
            mtu = v;
            return this;
        }

        public Builder ifconfig(String local, String remoteOrNetmask) {
            ifconfigLocal = local;
            ifconfigRemoteOrNetmask = remoteOrNetmask;
            return this;
        }

        public Builder ifconfigIpv6(String local, int prefix, String remote) {
            ifconfigIpv6Local = local;
            ifconfigIpv6Prefix = prefix;
            ifconfigIpv6Remote = remote;
            return this;
        }

        public Builder route(TunRoute r) {
            routes.add(Objects.requireNonNull(r));
            return this;
        }

        public Builder up(String command) {
            upCommand = command;
            return this;
        }

        public Builder down(String command) {
            downCommand = command;
            return this;
        }

        public Builder persist(boolean v) {
            persist = v;
            return this;
        }

        public Builder scriptEnv(String key, String value) {
            scriptEnvironment.put(key, value);
            return this;
        }

        public Builder driverOption(String key, String value) {
            driverOptions.put(key, value);
            return this;
        }

        /** @since 1.2 */
        public Builder redirect(TunRedirect v) {
            redirect = Objects.requireNonNull(v, "redirect");
            return this;
        }

        /** @since 1.2 */
        public Builder remoteHost(String v) {
            remoteHost = v;
            return this;
        }

        /** @since 1.2 */
        public Builder routeNoexec(boolean v) {
            routeNoexec = v;
            return this;
        }

        /** @since 1.2 */
        public Builder routeDelaySeconds(int v) {
            if (v < 0) {
                throw new IllegalArgumentException("route-delay " + v + " is negative");
            }
            routeDelaySeconds = v;
            return this;
        }

        /** @since 1.2 */
        public Builder dns(TunDns v) {
            dns = Objects.requireNonNull(v, "dns");
            return this;
        }

        public TunSpec build() {
            return new TunSpec(this);
        }
    }
}
