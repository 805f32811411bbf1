package org.culvert.api.tunnel;

/** Why a tunnel is in its current state (NONE when up or when there is nothing to say). */
public enum TunnelReason {
    NONE,
    /** No tun driver service matches the tunnel's configuration. */
    DRIVER_MISSING,
    /** No event backend service matches. */
    BACKEND_MISSING,
    /** No link transport service matches. */
    TRANSPORT_MISSING,
    /** Backends exist, but none can wait on both the device's and the socket's handle kinds. */
    NO_COMPATIBLE_BACKEND,
    /** The configuration is invalid. */
    CONFIG_ERROR,
    /** The tun device failed to open or failed while running. */
    TUN_ERROR,
    /** The link socket failed to open or failed while running. */
    LINK_ERROR,
    /** No packet from the peer for --ping-restart seconds. */
    PING_RESTART,
    /** No packet from the peer for --ping-exit seconds. */
    PING_EXIT,
    /** No traffic for --inactive seconds. */
    INACTIVITY,
    /** The peer announced its exit (explicit-exit-notify). */
    PEER_EXIT,
    /** The TLS handshake or key exchange failed (certificate, fingerprint, tls-auth/tls-crypt key, timeout); the detail names which. */
    HANDSHAKE_FAILED,
    /** A packet failed authentication on a stream link, which OpenVPN treats as fatal for the connection. */
    DECRYPT_ERROR,
    /** Held until a management client sends {@code hold release} (--management-hold). */
    MANAGEMENT_HOLD,
    /** An operator stopped the tunnel. */
    USER_STOP,
    /** An operator restarted the tunnel. */
    USER_RESTART,
    /** Pull mode: the server sent no PUSH_REPLY within --hand-window (OpenVPN's {@code no-push-reply}). */
    NO_PUSH_REPLY,
    /** Pull mode: the server's options could not be used (OpenVPN's {@code process-push-msg-failed}); the detail says which. */
    PUSH_FAILED,
    /** Pull mode: the server told the client to reconnect ({@code RESTART}). */
    SERVER_RESTART,
    /** Pull mode: the server told the client to stop ({@code HALT}); the tunnel does not reconnect. */
    SERVER_HALT,
    /** A bug: an unexpected exception, logged in full. */
    INTERNAL_ERROR
}
