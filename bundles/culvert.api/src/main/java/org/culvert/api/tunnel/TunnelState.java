package org.culvert.api.tunnel;

/** Where a tunnel is in its life. */
public enum TunnelState {
    /** Configured, its thread starting. */
    STARTING,
    /** A plugin it needs is missing or unusable; comes up by itself when one appears. */
    WAITING,
    /** Plugins bound; opening the device and link, connecting or waiting for the peer. */
    CONNECTING,
    /** Traffic flows ("Initialization Sequence Completed"). */
    UP,
    /** Restarting after a ping-restart, a link error or a lost plugin (OpenVPN's SIGUSR1). */
    RECONNECTING,
    /** Asked to stop; releasing resources. */
    STOPPING,
    /** Stopped; its thread is gone. */
    STOPPED,
    /** Cannot run as configured (a bad option, a key that does not load); needs a new configuration. */
    FAILED
}
