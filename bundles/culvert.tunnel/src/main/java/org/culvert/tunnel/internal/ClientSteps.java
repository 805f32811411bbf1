package org.culvert.tunnel.internal;

import java.time.Instant;

import org.culvert.api.link.LinkSocket;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelSettings;
import org.culvert.api.tunnel.TunnelState;

/**
 * Publishes OpenVPN's client states for one tunnel at the moments OpenVPN sets them in
 * point-to-point mode: CONNECTING once at start (init.c, when management opens), ASSIGN_IP when a
 * fresh device gets its addresses (tun.c do_ifconfig), ADD_ROUTES when IPv4 routes follow (route.c
 * add_routes), TCP_CONNECT before each TCP connect (socket.c), CONNECTED with "Initialization Sequence
 * Completed" (init.c), RECONNECTING and EXITING with OpenVPN's reason (sig.c signal_restart_status),
 * RESOLVE before a remote's name is looked up (socket.c openvpn_getaddrinfo, through {@link ProfileWalk}).
 * WAIT and AUTH, and in pull mode GET_CONFIG and AUTH_PENDING, come from the loop ({@link PointToPointLoop}).
 * Tunnel thread only.
 */
final class ClientSteps {
    private final StatusSink sink;
    private boolean started;

    ClientSteps(StatusSink sink) {
        this.sink = sink;
    }

    /** CONNECTING, once per tunnel, before any hold: OpenVPN sets it when its management opens and not again after a restart. */
    void starting() {
        if (!started) {
            started = true;
            sink.clientState(ClientState.CONNECTING);
        }
    }

    /** A device was opened (not kept from the last run under --persist-tun): ASSIGN_IP and ADD_ROUTES as OpenVPN's do_open_tun. */
    void deviceConfigured(TunSpec spec) {
        if (spec.ifconfigLocal() != null || spec.ifconfigIpv6Local() != null) {
            sink.clientState(ClientState.ASSIGN_IP);
        }
        for (TunRoute r : spec.routes()) {
            if (!r.isIpv6()) {
                // OpenVPN names the step only for IPv4 routes (rl->routes).
                sink.clientState(ClientState.ADD_ROUTES);
                return;
            }
        }
    }

    /**
     * The connection as the sink publishes it: the link (null before it opens), the tun addresses and
     * the configuration in effect from the plan, and what the session negotiated.
     */
    static TunnelConnection connection(TunnelPlan p, LinkSocket link, Instant handshake, String negotiated, PeerSession session) {
        return connection(p, p.tunSpec, link, handshake, negotiated, session, java.util.List.of());
    }

    /**
     * @param t the device as opened (in pull mode: as the server's options made it)
     * @param pushed in pull mode, the pushed options as taken; empty otherwise
     */
    static TunnelConnection connection(TunnelPlan p, TunSpec t, LinkSocket link, Instant handshake, String negotiated,
            PeerSession session, java.util.List<String> pushed) {
        TunnelSettings.Builder settings = TunnelSettings.builder().ifconfig(t.ifconfigLocal(), t.ifconfigRemoteOrNetmask())
                .ifconfigIpv6(t.ifconfigIpv6Local() == null ? null : t.ifconfigIpv6Local() + "/" + t.ifconfigIpv6Prefix());
        for (TunRoute r : t.routes()) {
            settings.route(r.toString());
        }
        if (session != null) {
            session.describe(settings);
        }
        if (!pushed.isEmpty()) {
            settings.pushed(true);
            pushed.forEach(settings::option);
        }
        String tunRemote = t == p.tunSpec ? p.tunRemoteIpv4
                : t.layer() == org.culvert.api.tun.TunLayer.TUN ? t.ifconfigRemoteOrNetmask() : null;
        return new TunnelConnection(link == null ? null : link.local(), link == null ? null : link.remote(), t.ifconfigLocal(),
                tunRemote, t.ifconfigIpv6Local(), handshake, p.role, negotiated, settings.build());
    }

    /** A remote's host name is being looked up (socket.c openvpn_getaddrinfo): RESOLVE. */
    void resolving() {
        sink.clientState(ClientState.RESOLVE);
    }

    void tcpConnect() {
        sink.clientState(ClientState.TCP_CONNECT);
    }

    /** "Initialization Sequence Completed" without errors: UP and CONNECTED,SUCCESS, told to listeners once. */
    void connected() {
        sink.status(TunnelState.UP, TunnelReason.NONE, "", ClientState.CONNECTED, "SUCCESS");
    }

    /** The tunnel restarts: RECONNECTING with OpenVPN's reason, with the state change. */
    void reconnecting(TunnelReason reason, String detail) {
        sink.status(TunnelState.RECONNECTING, reason, detail, ClientState.RECONNECTING, reason.signalText(detail));
    }

    /** The tunnel ends ({@code state} STOPPED or FAILED): EXITING with OpenVPN's reason, with the state change. */
    void exiting(TunnelState state, TunnelReason reason, String detail) {
        exiting(state, reason, detail, reason.signalText(detail));
    }

    /** @param openVpnReason OpenVPN's text where the reason alone does not give it ({@code exit-with-notification}) */
    void exiting(TunnelState state, TunnelReason reason, String detail, String openVpnReason) {
        sink.status(state, reason, detail, ClientState.EXITING, openVpnReason);
    }
}
