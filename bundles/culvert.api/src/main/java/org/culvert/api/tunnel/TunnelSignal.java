package org.culvert.api.tunnel;

/** OpenVPN's signals, as an operator sends them to one tunnel (management {@code signal}, shell, embedder). */
public enum TunnelSignal {
    /** Hard restart: re-read the configuration (file-based tunnels) and start over, closing the tun device. */
    SIGHUP,
    /** Soft restart: reconnect with the same configuration, keeping the tun device under --persist-tun. */
    SIGUSR1,
    /** Write the tunnel's statistics to its log. */
    SIGUSR2,
    /** Stop the tunnel (it stays listed as STOPPED until removed). */
    SIGTERM
}
