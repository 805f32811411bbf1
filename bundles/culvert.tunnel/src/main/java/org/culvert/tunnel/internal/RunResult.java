package org.culvert.tunnel.internal;

import org.culvert.api.link.LinkException;
import org.culvert.api.tun.TunException;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;

/** How one run of a tunnel ended, and why in OpenVPN's words, for {@link TunnelRunner}'s restart loop. Tunnel thread only. */
final class RunResult {
    /** STOPPED or FAILED when the tunnel ends for good; null for a restart. */
    TunnelState finalState;
    TunnelReason reason = TunnelReason.NONE;
    String detail = "";
    /**
     * For a lost plugin (a Culvert-only cause) and a server poll timeout (OpenVPN restarts at once to try
     * the next server); every other restart cause pauses as {@link RestartPause} says.
     */
    boolean immediateRestart;
    /** Nothing was opened: the catalog changed under the choice, choose again. */
    boolean rechoose;
    /** The least pause before the next attempt (a server's AUTH_FAILED,TEMP backoff). */
    long minRestartMillis;

    /**
     * The loop ended for a cause of the session or its timers ({@code exit}), logged in OpenVPN's
     * words; the causes the runner itself asked for (stop, restart, lost plugin, server poll) are not here.
     *
     * @return whether the device may be kept for the next run (under --persist-tun)
     */
    boolean sessionEnded(PointToPointLoop.Exit exit, PeerSession session, TunnelLog log) {
        switch (exit) {
            case PING_RESTART:
                log.info("Inactivity timeout (--ping-restart), restarting");
                reason = TunnelReason.PING_RESTART;
                return true;
            case PING_EXIT:
                log.info("Inactivity timeout (--ping-exit), exiting");
                finalState = TunnelState.STOPPED;
                reason = TunnelReason.PING_EXIT;
                return false;
            case INACTIVE:
                log.info("Inactivity timeout (--inactive), exiting");
                finalState = TunnelState.STOPPED;
                reason = TunnelReason.INACTIVITY;
                return false;
            case PEER_EXIT:
                log.info("Peer announced its exit, restarting");
                reason = TunnelReason.PEER_EXIT;
                return true;
            case HANDSHAKE_FAILED:
                reason = PullPhase.reason(session.failureReason());
                log.warn((reason == TunnelReason.HANDSHAKE_FAILED ? "TLS Error: " : "") + session.failure());
                detail = session.failure();
                if (reason == TunnelReason.SERVER_HALT) {
                    finalState = TunnelState.STOPPED;
                } else if (reason == TunnelReason.AUTH_FAILED) {
                    // OpenVPN's default --auth-retry none: the client exits.
                    finalState = TunnelState.FAILED;
                }
                return true;
            case DECRYPT_ERROR:
                log.warn("Authentication failure on a TCP link, restarting (as OpenVPN does)");
                reason = TunnelReason.DECRYPT_ERROR;
                return true;
            case INTERNAL_ERROR:
                log.warn("the session keeps failing (see the internal errors above), restarting");
                reason = TunnelReason.INTERNAL_ERROR;
                detail = "the session's timers or output kept throwing";
                return true;
            default:
                throw new IllegalStateException(exit.toString());
        }
    }

    /** The tun device failed: restart, or FAILED when no retry mends it (unsupported, no permission). */
    void tunFailed(TunException e, TunnelLog log) {
        log.warn("tun: " + e.getMessage() + " [" + e.reason() + "]");
        reason = TunnelReason.TUN_ERROR;
        detail = e.reason() + ": " + e.getMessage();
        if (e.reason() == TunException.Reason.UNSUPPORTED || e.reason() == TunException.Reason.PERMISSION_DENIED) {
            finalState = TunnelState.FAILED;
        }
    }

    /** The link failed (a reset stream, a bad frame): restart. */
    void linkFailed(LinkException e, TunnelLog log) {
        log.warn("link: " + e.getMessage() + " [" + e.reason() + "]");
        reason = TunnelReason.LINK_ERROR;
        detail = e.reason() + ": " + e.getMessage();
    }

    /** E.g. "event backend epoll went away": the restart that follows may find another one of its kind. */
    static String lostPluginDetail(PluginSelection sel, TunnelReason reason) {
        switch (reason) {
            case BACKEND_MISSING:
                return "event backend " + sel.backend.name() + " went away";
            case TRANSPORT_MISSING:
                return "link transport " + sel.transport.name() + " went away";
            default:
                return "tun driver " + sel.driver.name() + " went away";
        }
    }
}
