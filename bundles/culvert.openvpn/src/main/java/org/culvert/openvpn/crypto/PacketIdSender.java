package org.culvert.openvpn.crypto;

/**
 * The sending side of OpenVPN's long-form packet-id: a 32-bit counter that starts at 1, plus the
 * Unix time at which the current sequence started (constant until the counter wraps). The counter
 * may wrap only if the clock has moved past that time; otherwise sending must stop. Not thread-safe.
 */
final class PacketIdSender {
    static final long MAX_ID = 0xFFFF_FFFFL;

    private long id;
    private long time;

    /**
     * Moves to the next packet-id.
     *
     * @param nowUnixSeconds the current wall-clock time
     * @return false if the id space is exhausted for this second (nothing may be sent)
     */
    boolean advance(long nowUnixSeconds) {
        if (time == 0) {
            time = nowUnixSeconds & MAX_ID;
        }
        if (id == MAX_ID) {
            long now = nowUnixSeconds & MAX_ID;
            if (now <= time) {
                return false;
            }
            time = now;
            id = 0;
        }
        id++;
        return true;
    }

    long id() {
        return id;
    }

    long time() {
        return time;
    }

    /** Test hook: continue from a given state (the next {@link #advance} yields {@code id + 1}). */
    void resume(long lastId, long sequenceTime) {
        this.id = lastId;
        this.time = sequenceTime;
    }
}
