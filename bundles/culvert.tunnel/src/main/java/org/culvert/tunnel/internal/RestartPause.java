package org.culvert.tunnel.internal;

import org.culvert.api.link.LinkSpec;

/**
 * OpenVPN 2.6's pause before a soft restart ({@code socket_restart_pause} in {@code init.c}), so that a
 * failing Culvert tunnel retries exactly as often as stock OpenVPN and never backs off further.
 *
 * <p>The pause is 1 s for a tcp-server and {@code --connect-retry} (default 1 s) otherwise. A tcp-client
 * and a UDP tls-client back off after the fifth unsuccessful attempt (the {@code --connect-retry}
 * schedule of {@link LinkSpec#connectRetryDelaySeconds}: doubling, at most {@code --connect-retry}'s
 * second argument, default 300 s). OpenVPN counts an attempt each time it maps a connection entry
 * ({@code next_connection_entry}, once per run) and clears the count at "Initialization Sequence
 * Completed"; the count is divided by the number of connection profiles, as OpenVPN does. Tunnel-thread only.
 */
final class RestartPause {
    private int unsuccessfulAttempts;
    /** The connection profiles: OpenVPN backs off per profile ({@code unsuccessful_attempts / len}). */
    private int profiles = 1;

    /** How many connection profiles the tunnel walks (at least 1). */
    void profiles(int n) {
        profiles = Math.max(1, n);
    }

    /** A run moves to a profile: OpenVPN's {@code next_connection_entry} counts it as an attempt. */
    void attemptStarted() {
        unsuccessfulAttempts++;
    }

    /** The run came up ("Initialization Sequence Completed"): the count starts over. */
    void initializationCompleted() {
        unsuccessfulAttempts = 0;
    }

    /** Seconds to pause before the next run of a tunnel with this link (a SIGHUP may have changed it). */
    long nextPauseSeconds(LinkSpec link, boolean tlsClient) {
        return seconds(link, tlsClient, unsuccessfulAttempts / profiles);
    }

    /** {@code socket_restart_pause} for {@code unsuccessfulAttempts} counted since the tunnel was last up. */
    static long seconds(LinkSpec link, boolean tlsClient, int unsuccessfulAttempts) {
        switch (link.protocol()) {
            case TCP_SERVER:
                return 1;
            case TCP_CLIENT:
                return link.connectRetryDelaySeconds(unsuccessfulAttempts);
            default:
                // UDP backs off only as a tls-client: a static-key or tls-server peer keeps its plain retry pause.
                return tlsClient ? link.connectRetryDelaySeconds(unsuccessfulAttempts) : Math.max(0, link.connectRetrySeconds());
        }
    }
}
