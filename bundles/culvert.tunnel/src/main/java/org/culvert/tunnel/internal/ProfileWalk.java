package org.culvert.tunnel.internal;

import java.net.InetSocketAddress;

import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.tunnel.TunnelReason;

/**
 * The tunnel thread's side of the connection profiles: which attempt the next run takes (OpenVPN's
 * {@code next_connection_entry}, through {@link ConnectionList}), that attempt's plan (its link and
 * session), the server poll deadline, and OpenVPN's log lines naming the server. A plan made by hand
 * (tests) has no profiles: each run then uses it as it is. Tunnel thread only.
 */
final class ProfileWalk {
    private final TunnelLog log;
    private final ConnectionList.Sleeper sleeper;
    private final RestartPause pause = new RestartPause();
    private ConnectionList connections;
    private ConnectionList.Attempt attempt;
    private TunnelPlan attemptPlan;
    /** The run of {@link #attemptPlan} is over: the next run takes the next attempt. */
    private boolean done = true;

    private final Runnable resolving;

    /** @param resolving told before a remote's host name is looked up (OpenVPN's client state RESOLVE) */
    ProfileWalk(TunnelLog log, ConnectionList.Sleeper sleeper, Runnable resolving) {
        this.log = log;
        this.sleeper = sleeper;
        this.resolving = resolving;
    }

    /** Starts over with {@code plan}'s profiles, at start and on SIGHUP. */
    void reset(TunnelPlan plan) {
        attempt = null;
        attemptPlan = null;
        done = true;
        connections = plan.options() == null ? null
                : new ConnectionList(plan.options(), ConnectionList.Resolver.SYSTEM, sleeper, new java.security.SecureRandom(),
                        log::info, resolving);
        pause.profiles(connections == null ? 1 : connections.size());
        // OpenVPN keeps unsuccessful_attempts in the options, which a SIGHUP reads afresh.
        pause.initializationCompleted();
    }

    /** True when the next run needs the next attempt (the last one ran, or none was taken yet). */
    boolean needsNext() {
        return done;
    }

    /**
     * Takes the next attempt for {@code plan} and counts it for the restart back-off when OpenVPN would.
     *
     * @throws ConnectionList.NoAttempt when the tunnel must end ({@code --connect-retry-max},
     *     {@code --resolv-retry 0}, a profile the plan cannot be made for)
     */
    void next(TunnelPlan plan) throws ConnectionList.NoAttempt {
        done = false;
        if (connections == null) {
            attemptPlan = plan;
            pause.attemptStarted();
            return;
        }
        boolean[] counted = new boolean[1];
        try {
            attempt = connections.next(counted);
            attemptPlan = plan.forAttempt(attempt);
        } catch (ConnectionList.NoAttempt e) {
            runEnded();
            throw e;
        } catch (PlanBuilder.PlanException e) {
            runEnded();
            throw new ConnectionList.NoAttempt(TunnelReason.CONFIG_ERROR, true, e.getMessage());
        } finally {
            if (counted[0]) {
                pause.attemptStarted();
            }
        }
    }

    /** The run of the current attempt ended (or never started): the next run takes the next attempt. */
    void runEnded() {
        done = true;
    }

    /** The current attempt's plan; null before the first. */
    TunnelPlan plan() {
        return attemptPlan;
    }

    /**
     * OpenVPN's restart pause after a run, in seconds: for the link of the run that ended (else
     * {@code fallback}'s) and the unsuccessful attempts since the tunnel was last up.
     */
    long restartPauseSeconds(TunnelPlan fallback) {
        TunnelPlan p = attemptPlan != null ? attemptPlan : fallback;
        return pause.nextPauseSeconds(p.linkSpec, "tls-client".equals(p.role));
    }

    /** "Initialization Sequence Completed": the back-off starts over and the next run stays on this server. */
    void up() {
        pause.initializationCompleted();
        if (connections != null) {
            connections.initializationCompleted();
        }
    }

    /** Arms {@code --server-poll-timeout} for a TLS client's session, counted from {@code startedAt}. */
    void armServerPoll(PeerSession session, TunnelPlan p, long startedAt) {
        if (attempt != null && "tls-client".equals(p.role) && attempt.entry().connectTimeout() > 0) {
            session.serverPollDeadline(startedAt + attempt.entry().connectTimeout() * 1000L);
        }
    }

    /** The server of this attempt as OpenVPN prints it ({@code [AF_INET]192.0.2.1:1194}). */
    String remote(LinkSpec spec) {
        return attempt != null ? attempt.describe() : spec.remoteHost() + ":" + spec.remotePort();
    }

    /** OpenVPN's "UDP link remote: [AF_INET]..." or "TCP connection established with [AF_INET]..." line, or null. */
    static String linkRemoteLine(LinkSocket link) {
        if (!(link.remote() instanceof InetSocketAddress)) {
            return null;
        }
        String remote = ConnectionList.printSockaddr((InetSocketAddress) link.remote());
        switch (link.protocol()) {
            case UDP:
                return "UDP link remote: " + remote;
            case TCP_CLIENT:
                return "TCP connection established with " + remote;
            default:
                return null;
        }
    }
}
