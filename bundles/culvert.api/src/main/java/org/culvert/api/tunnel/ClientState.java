package org.culvert.api.tunnel;

/**
 * OpenVPN's client states, as its management interface names them ({@code manage.h}
 * {@code OPENVPN_STATE_*}, shown by {@code state} and {@code >STATE:}), in the order a connection goes
 * through them. A point-to-point tunnel goes through the same sequence without the pull states
 * (AUTH_PENDING, GET_CONFIG), as OpenVPN's does; static-key tunnels also skip WAIT and AUTH.
 */
public enum ClientState {
    /** The first state, once, when the tunnel starts (OpenVPN sets it when its management opens). */
    CONNECTING,
    /** A host name could not be resolved yet and will be tried again (--resolv-retry). */
    RESOLVE,
    /** Connecting to the server over TCP (each attempt). */
    TCP_CONNECT,
    /** The first handshake packet is out; waiting for the peer's answer. */
    WAIT,
    /** The peer answered with an authenticated packet: TLS and key method 2 under way. */
    AUTH,
    /** The server deferred authentication (AUTH_PENDING); the description carries its hint. */
    AUTH_PENDING,
    /** Keys are made; asking the server for its configuration (PUSH_REQUEST). */
    GET_CONFIG,
    /** The tun device gets its addresses (OpenVPN's do_ifconfig); the entry carries them. */
    ASSIGN_IP,
    /** IPv4 routes are being added. */
    ADD_ROUTES,
    /** "Initialization Sequence Completed": description SUCCESS, or ERROR when OpenVPN says so; the entry carries all addresses. */
    CONNECTED,
    /** Restarting; the description is OpenVPN's reason (ping-restart, SIGUSR1, tls-error, connection-reset, ...). */
    RECONNECTING,
    /** Stopping for good; the description is OpenVPN's reason (SIGTERM, exit-with-notification, ping-exit, ...). */
    EXITING
}
