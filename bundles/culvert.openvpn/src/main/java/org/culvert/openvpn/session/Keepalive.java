package org.culvert.openvpn.session;

/**
 * OpenVPN's liveness timers, the same in static-key and TLS mode: {@code --ping} (send a ping after
 * that long without sending), {@code --ping-restart} / {@code --ping-exit} (give up after that long
 * without an authentic packet) and {@code --inactive} (give up after that long without tunnel traffic,
 * counted in bursts of {@code --inactive}'s byte threshold). Works on caller-given monotonic
 * milliseconds; not thread-safe (one engine, one thread). A value of 0 seconds turns a timer off.
 */
public final class Keepalive {
    private final long pingMillis;
    private final long receiveMillis;
    private final boolean exits;
    private final long inactiveMillis;
    private final long inactiveBytes;

    private long lastSent;
    private boolean sentAnything;
    private long lastReceived;
    private long lastActivity;
    private long activityBytes;

    /**
     * @param pingExit when positive, {@code --ping-exit} replaces {@code --ping-restart}, as OpenVPN's
     *                 options do
     * @param now      the engine's start: the receive and inactivity timers run from here
     */
    public Keepalive(int ping, int pingRestart, int pingExit, int inactive, long inactiveBytes, long now) {
        this.pingMillis = ping * 1000L;
        this.exits = pingExit > 0;
        this.receiveMillis = (exits ? pingExit : pingRestart) * 1000L;
        this.inactiveMillis = inactive * 1000L;
        this.inactiveBytes = inactiveBytes;
        this.lastReceived = now;
        this.lastActivity = now;
    }

    /** Something went out on the link (data or the engine's own packet): the ping timer restarts. */
    public void sent(long now) {
        lastSent = now;
        sentAnything = true;
    }

    /** True when a ping is due: nothing sent yet, or nothing for {@code --ping} seconds. */
    public boolean pingDue(long now) {
        return pingMillis > 0 && (!sentAnything || now - lastSent >= pingMillis);
    }

    /** When the next ping is due; {@code Long.MAX_VALUE} without {@code --ping}. */
    public long nextPingMillis(long now) {
        if (pingMillis == 0) {
            return Long.MAX_VALUE;
        }
        return sentAnything ? lastSent + pingMillis : now;
    }

    /** An authentic packet arrived (a ping counts, an empty packet does not): the receive timer restarts. */
    public void received(long now) {
        lastReceived = now;
    }

    /** Tunnel traffic of {@code bytes}; the inactivity timer restarts once the byte threshold is reached. */
    public void activity(long now, int bytes) {
        if (inactiveMillis == 0) {
            return;
        }
        activityBytes += bytes;
        if (activityBytes >= inactiveBytes) {
            activityBytes = 0;
            lastActivity = now;
        }
    }

    /** When the receive or inactivity timer next expires; {@code Long.MAX_VALUE} when both are off. */
    public long nextExpiryMillis() {
        long next = Long.MAX_VALUE;
        if (receiveMillis > 0) {
            next = Math.min(next, lastReceived + receiveMillis);
        }
        if (inactiveMillis > 0) {
            next = Math.min(next, lastActivity + inactiveMillis);
        }
        return next;
    }

    /**
     * INACTIVE, PING_EXIT or PING_RESTART when that timer expired (it re-arms, so each is reported once
     * per period; inactivity first), else NONE.
     */
    public TimerEvent expire(long now) {
        if (inactiveMillis > 0 && now - lastActivity >= inactiveMillis) {
            lastActivity = now;
            return TimerEvent.INACTIVE;
        }
        if (receiveMillis > 0 && now - lastReceived >= receiveMillis) {
            lastReceived = now;
            return exits ? TimerEvent.PING_EXIT : TimerEvent.PING_RESTART;
        }
        return TimerEvent.NONE;
    }
}
