package org.culvert.openvpn.session;

/**
 * OpenVPN's {@code --explicit-exit-notify} schedule, the same in static-key and TLS mode: once
 * started it runs for the configured seconds, and where the exit is announced with OCC_EXIT data
 * packets (always in static-key mode; in TLS mode when the peer did not announce control-channel
 * exit) one is due at once and then once a second until the deadline. Works on caller-given
 * monotonic milliseconds; not thread-safe (one engine, one thread).
 *
 * @since session 1.2
 */
public final class ExitNotify {
    private static final long INTERVAL_MILLIS = 1_000;

    private boolean started;
    private boolean notifying;
    private long deadline;
    private long nextPacket;
    private boolean packetDue;

    /**
     * Starts the schedule, the first time only.
     *
     * @param dataPackets whether OCC_EXIT packets are to be sent (false: the exit goes another way,
     *                    only the deadline runs)
     * @return true the first time, false when it had already started
     */
    public boolean start(long now, int seconds, boolean dataPackets) {
        if (started) {
            return false;
        }
        started = true;
        deadline = now + seconds * 1000L;
        if (dataPackets) {
            notifying = true;
            nextPacket = now;
        }
        return true;
    }

    /** How long the caller should still keep the link open for the exit announcement; 0 once past. */
    public long remainingMillis(long now) {
        return Math.max(deadline - now, 0);
    }

    /** Marks an OCC_EXIT packet due when its second has come; ends the schedule at the deadline. */
    public void advance(long now) {
        if (notifying) {
            if (now >= deadline) {
                notifying = false;
            } else if (now >= nextPacket) {
                packetDue = true;
                nextPacket = Math.max(nextPacket + INTERVAL_MILLIS, now + 1);
            }
        }
    }

    /** Whether an OCC_EXIT packet is due (see {@link #advance}). */
    public boolean packetDue() {
        return packetDue;
    }

    /** True, once, when an OCC_EXIT packet is due: the caller sends it now. */
    public boolean takePacket() {
        if (!packetDue) {
            return false;
        }
        packetDue = false;
        return true;
    }

    /** When {@link #advance} must next run for this schedule; {@link Long#MAX_VALUE} when it sends nothing more. */
    public long nextMillis() {
        return notifying ? Math.min(nextPacket, deadline) : Long.MAX_VALUE;
    }
}
