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
    /** OpenVPN's warnings about the configuration, logged each time the plan is taken up. */
    final java.util.List<String> warnings;

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

    /** Pull mode: the device from the server's pushed options; null for a configuration that does not pull. */
    private java.util.function.Function<org.culvert.openvpn.config.PushedOptions, TunSpec> pulledTunSpec;

    void pulledTunSpec(java.util.function.Function<org.culvert.openvpn.config.PushedOptions, TunSpec> value) {
        this.pulledTunSpec = value;
    }

    /** True in pull mode: the device is opened only once the server's options are known (OpenVPN's do_up). */
    boolean pulls() {
        return pulledTunSpec != null;
    }

    /** Pull mode: the device to open for what the server pushed. */
    TunSpec tunSpec(org.culvert.openvpn.config.PushedOptions pushed) {
        return pulledTunSpec.apply(pushed);
    }

    /** For the owner that drops this plan for good: the keys it holds are overwritten. Idempotent. */
    void wipe() {
        sessionFactory.wipe();
    }

    TunLayer layer() {
        return tunSpec.layer();
    }

    LinkProtocol protocol() {
        return linkSpec.protocol();
    }
}
