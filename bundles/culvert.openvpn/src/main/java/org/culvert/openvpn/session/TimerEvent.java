package org.culvert.openvpn.session;

/** What a protocol engine's {@code checkTimers()} found. */
public enum TimerEvent {
    NONE,
    /** {@code --ping-restart}: nothing authentic received for too long; restart the tunnel. */
    PING_RESTART,
    /** {@code --ping-exit}: nothing authentic received for too long; stop the tunnel. */
    PING_EXIT,
    /** {@code --inactive}: no tunnel traffic for too long; stop the tunnel. */
    INACTIVE,
    /** TLS only: the session failed (the engine's {@code lastError()} says why); end this run. Reported on every call from then on. */
    HANDSHAKE_FAILED
}
