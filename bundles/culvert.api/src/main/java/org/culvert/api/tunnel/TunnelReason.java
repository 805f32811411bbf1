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
    /**
     * The server refused the {@code --auth-user-pass} credentials ({@code AUTH_FAILED}) and
     * {@code --auth-retry} says not to try again; the detail has the server's reason.
     *
     * @since 1.4
     */
    AUTH_FAILED,
    /** Waiting for {@code --auth-user-pass} credentials from a {@link CredentialsSource} or {@code tunnel:auth}. @since 1.4 */
    CREDENTIALS_NEEDED,
    /** The credentials could not be had: no console to ask, a cancelled request, an unreadable file. @since 1.4 */
    CREDENTIALS_UNAVAILABLE,
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
    INTERNAL_ERROR,
    /**
     * The server did not answer the first handshake packet within {@code --server-poll-timeout}
     * (OpenVPN's "server_poll"): the tunnel moves on to its next connection profile at once.
     */
    SERVER_POLL_TIMEOUT,
    /** Every connection profile failed {@code --connect-retry-max} times in a row: the tunnel gives up. */
    CONNECT_RETRY_MAX;

    /**
     * OpenVPN's name for this cause in its RECONNECTING and EXITING state lines (the signal text of
     * sig.c {@code signal_restart_status} and the {@code register_signal} calls across OpenVPN):
     * {@code ping-restart}, {@code SIGUSR1}, {@code tls-error}, {@code connection-reset}, ...; a cause
     * OpenVPN has no name for is its own name in lower case with dashes.
     *
     * @param detail the status detail (it tells SIGHUP from SIGUSR1, a reset from another link error)
     */
    public String signalText(String detail) {
        String d = detail == null ? "" : detail;
        switch (this) {
            case NONE:
                return "SIGUSR1";
            case PING_RESTART:
                return "ping-restart";
            case PING_EXIT:
                return "ping-exit";
            case INACTIVITY:
                return "inactive";
            case PEER_EXIT:
                return "remote-exit";
            case HANDSHAKE_FAILED:
                return "tls-error";
            case DECRYPT_ERROR:
                return "decryption-error";
            case LINK_ERROR:
                if (d.startsWith("CONNECTION_RESET")) {
                    return "connection-reset";
                }
                // socket.c: a TCP connect that fails is a SIGUSR1 "connection-failed".
                return d.startsWith("CONNECTION_REFUSED") ? "connection-failed" : "link-error";
            case PUSH_FAILED:
                return "process-push-msg-failed";
            case SERVER_RESTART:
                return "server-pushed-connection-reset";
            case SERVER_HALT:
                return "server-pushed-halt";
            case AUTH_FAILED:
                return "auth-failure"; // push.c receive_auth_failed
            case SERVER_POLL_TIMEOUT:
                return "server_poll"; // init.c: the poll timeout's restart text
            case TUN_ERROR:
                return "tun-abort"; // forward.c: a failed tun read or write
            case USER_STOP:
                return "SIGTERM";
            case USER_RESTART:
                return d.contains("SIGHUP") ? "SIGHUP" : "SIGUSR1";
            default:
                return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }
}
