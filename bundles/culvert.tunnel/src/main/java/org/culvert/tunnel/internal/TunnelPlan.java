package org.culvert.tunnel.internal;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelOperations;

/**
 * Everything a tunnel run needs, derived once from its OpenVPN options: what to ask of the driver
 * and transport, and how to make a fresh protocol engine for each run (OpenVPN re-initialises its
 * session state on every SIGUSR1 restart).
 */
final class TunnelPlan {
    interface SessionFactory {
        PeerSession newSession(LoopClock clock) throws Exception;

        /** Overwrites the key material sessions are built from; no session may be built afterwards. */
        default void wipe() {
        }
    }

    final TunSpec tunSpec;
    final LinkSpec linkSpec;
    final boolean floatAllowed;
    final int maxPayload;
    final SessionFactory sessionFactory;
    final String summary;
    /** "static-key", "tls-client" or "tls-server". */
    final String role;
    /** The peer's tunnel IPv4 address in tun mode, else null. */
    final String tunRemoteIpv4;
    final TunnelOperations operations;
    /**
     * {@code --block-ipv6}: the source address of the ICMPv6 answers (the {@code --ifconfig-ipv6} peer,
     * or fe80::7), or null when IPv6 is not blocked. Set by {@link PlanBuilder} before the plan is used.
     */
    byte[] blockIpv6Source;
    /** OpenVPN's warnings about the configuration, logged each time the plan is taken up. */
    final java.util.List<String> warnings;
    /** {@code --auth-user-pass} of a tls-client, or null; set by the {@link PlanBuilder}. */
    org.culvert.openvpn.config.AuthUserPass authUserPass;
    /** {@code --auth-token} and {@code --auth-token-user} given in the configuration, or null. */
    String authToken;
    /** {@code mode server}: the server loop's setup, made with the tunnel's log; null for a point-to-point tunnel. */
    java.util.function.Function<TunnelLog, ServerRunner.Setup> server;
    String authTokenUser;

    TunnelPlan(TunSpec tunSpec, LinkSpec linkSpec, boolean floatAllowed, int maxPayload, SessionFactory sessionFactory,
            String summary) {
        this(tunSpec, linkSpec, floatAllowed, maxPayload, sessionFactory, summary, "", null, TunnelOperations.DEFAULT);
    }

    TunnelPlan(TunSpec tunSpec, LinkSpec linkSpec, boolean floatAllowed, int maxPayload, SessionFactory sessionFactory,
            String summary, String role, String tunRemoteIpv4, TunnelOperations operations) {
        this(tunSpec, linkSpec, floatAllowed, maxPayload, sessionFactory, summary, role, tunRemoteIpv4, operations, java.util.List.of());
    }

    TunnelPlan(TunSpec tunSpec, LinkSpec linkSpec, boolean floatAllowed, int maxPayload, SessionFactory sessionFactory,
            String summary, String role, String tunRemoteIpv4, TunnelOperations operations, java.util.List<String> warnings) {
        this.warnings = java.util.List.copyOf(warnings);
        this.role = role;
        this.tunRemoteIpv4 = tunRemoteIpv4;
        this.operations = operations;
        this.tunSpec = tunSpec;
        this.linkSpec = linkSpec;
        this.floatAllowed = floatAllowed;
        this.maxPayload = maxPayload;
        this.sessionFactory = sessionFactory;
        this.summary = summary;
    }

    /** The options the plan was built from, for {@link #forAttempt}; null for a plan made by hand (tests). */
    private org.culvert.openvpn.config.OpenVpnOptions options;
    /** The session factory of each connection profile. */
    private java.util.function.Function<org.culvert.openvpn.config.ConnectionEntry, SessionFactory> sessionsFor;

    /** Lets {@link #forAttempt} make the plan of each connection profile; for {@link PlanBuilder}. */
    TunnelPlan withProfiles(org.culvert.openvpn.config.OpenVpnOptions o,
            java.util.function.Function<org.culvert.openvpn.config.ConnectionEntry, SessionFactory> sessions) {
        this.options = o;
        this.sessionsFor = sessions;
        return this;
    }

    /** The options the plan came from; null for a plan made by hand. */
    org.culvert.openvpn.config.OpenVpnOptions options() {
        return options;
    }

    /**
     * This plan for one attempt: the link to the attempt's profile and address, and the session for
     * its protocol; everything else shared. This plan itself for a plan made by hand.
     */
    TunnelPlan forAttempt(ConnectionList.Attempt attempt) throws PlanBuilder.PlanException {
        if (options == null || attempt == null) {
            return this;
        }
        org.culvert.openvpn.config.OpenVpnOptions o = options.forConnection(attempt.entry());
        // OpenVPN makes one connect per run; Culvert's tcp-client retries in place unless there is somewhere to move.
        boolean connectOnce = options.connections().size() > 1 || options.connectRetryMaxCount() > 0;
        LinkSpec link = PlanBuilder.linkSpec(o, attempt.remote(), connectOnce, linkSpec.proxy());
        TunnelPlan attemptPlan = new TunnelPlan(tunSpec, link, o.floatRemote(), maxPayload, sessionsFor.apply(attempt.entry()),
                summary, role, tunRemoteIpv4, operations, warnings);
        attemptPlan.blockIpv6Source = blockIpv6Source;
        attemptPlan.authUserPass = authUserPass;
        attemptPlan.authToken = authToken;
        attemptPlan.authTokenUser = authTokenUser;
        attemptPlan.pulledTunSpec = pulledTunSpec;
        return attemptPlan;
    }

    /** Pull mode: the device from the server's pushed options; null for a configuration that does not pull. */
    private java.util.function.BiFunction<org.culvert.openvpn.config.PushedOptions, String, TunSpec> pulledTunSpec;

    /** @param value the device for what the server pushed and the server's address (for redirect-gateway's host route) */
    void pulledTunSpec(java.util.function.BiFunction<org.culvert.openvpn.config.PushedOptions, String, TunSpec> value) {
        this.pulledTunSpec = value;
    }

    /** True in pull mode: the device is opened only once the server's options are known (OpenVPN's do_up). */
    boolean pulls() {
        return pulledTunSpec != null;
    }

    /** Pull mode: the device to open for what the server pushed, connected to {@code server} (an address literal, or null). */
    TunSpec tunSpec(org.culvert.openvpn.config.PushedOptions pushed, String server) {
        return pulledTunSpec.apply(pushed, server);
    }

    /** For the owner that drops this plan for good: the keys it holds are overwritten. Idempotent. */
    void wipe() {
        sessionFactory.wipe();
        if (linkSpec.proxy() != null) {
            linkSpec.proxy().wipe();
        }
    }

    /** The {@code culvert.link.proxies} value the transport must serve, or null for a direct link. */
    String proxyKind() {
        org.culvert.api.link.ProxySpec p = linkSpec.proxy();
        return p == null ? null : p.type() == org.culvert.api.link.ProxySpec.Type.HTTP
                ? org.culvert.api.plugin.PluginProperties.PROXY_HTTP : org.culvert.api.plugin.PluginProperties.PROXY_SOCKS5;
    }

    TunLayer layer() {
        return tunSpec.layer();
    }

    LinkProtocol protocol() {
        return linkSpec.protocol();
    }
}
