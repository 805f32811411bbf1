package org.culvert.openvpn.tls.internal;

/**
 * The sending half of OpenVPN's control-channel reliability layer for one key_id: numbers messages
 * from 0 (the reset), keeps at most {@link #WINDOW} consecutive ids outstanding, retransmits each
 * after its timeout (starting at {@code --tls-timeout} and doubling after every transmission), or
 * early once {@link #FAST_RETRANSMIT} ACKs for later ids have arrived. Payloads are copied. Control
 * path; loop thread only.
 */
public final class ReliableSend {
    /** OpenVPN's TLS_RELIABLE_N_SEND_BUFFERS. */
    public static final int WINDOW = 6;
    /** OpenVPN's N_ACK_RETRANSMIT. */
    static final int FAST_RETRANSMIT = 3;
    /**
     * The timeout stops doubling at this multiple of {@code --tls-timeout}. OpenVPN doubles without
     * limit, which leaves only five attempts inside the 60-second hand window; capping it keeps
     * trying every 8 seconds (with the defaults), so that a run of losses does not end a handshake.
     * Retransmitting sooner is invisible to the peer apart from the extra packets.
     */
    static final int MAX_BACKOFF_FACTOR = 4;
    private final long maxTimeout;

    /** One outstanding message. */
    public static final class Entry {
        boolean active;
        long id;
        int opcode;
        byte[] payload = new byte[0];
        int length;
        long nextTry;
        long timeout;
        int laterAcks;

        public long id() {
            return id;
        }

        public int opcode() {
            return opcode;
        }

        public byte[] payload() {
            return payload;
        }

        public int length() {
            return length;
        }
    }

    private final Entry[] entries = new Entry[WINDOW];
    private final long initialTimeout;
    private long nextId;

    /** @param initialTimeoutMillis {@code --tls-timeout} in milliseconds */
    public ReliableSend(long initialTimeoutMillis) {
        this.initialTimeout = initialTimeoutMillis;
        this.maxTimeout = initialTimeoutMillis * MAX_BACKOFF_FACTOR;
        for (int i = 0; i < WINDOW; i++) {
            entries[i] = new Entry();
        }
    }

    /** How many more messages may be queued now. */
    public int available() {
        boolean any = false;
        long min = 0;
        for (Entry e : entries) {
            if (e.active && (!any || (int) (e.id - min) < 0)) {
                min = e.id;
                any = true;
            }
        }
        return any ? WINDOW - (int) (nextId - min) : WINDOW;
    }

    /** Queues a message for immediate transmission; false if the window is full. */
    public boolean queue(int opcode, byte[] data, int off, int len, long now) {
        if (available() <= 0) {
            return false;
        }
        for (Entry e : entries) {
            if (!e.active) {
                e.active = true;
                e.id = nextId;
                nextId = (nextId + 1) & 0xFFFF_FFFFL;
                e.opcode = opcode;
                if (e.payload.length < len) {
                    e.payload = new byte[len];
                }
                System.arraycopy(data, off, e.payload, 0, len);
                e.length = len;
                e.nextTry = now;
                e.timeout = initialTimeout;
                e.laterAcks = 0;
                return true;
            }
        }
        return false;
    }

    /** The lowest-id message due for (re)transmission, or null. */
    public Entry due(long now) {
        Entry best = null;
        for (Entry e : entries) {
            if (e.active && (e.laterAcks >= FAST_RETRANSMIT || now >= e.nextTry)
                    && (best == null || (int) (e.id - best.id) < 0)) {
                best = e;
            }
        }
        return best;
    }

    /** Records a transmission: the next one is due after the current timeout, which then doubles. */
    public void sent(Entry e, long now) {
        e.nextTry = now + e.timeout;
        e.timeout = Math.min(e.timeout * 2, maxTimeout);
        e.laterAcks = 0;
    }

    /** Processes one acknowledged id (unknown and duplicate ids are harmless). */
    public void acknowledge(long id) {
        for (Entry e : entries) {
            if (!e.active) {
                continue;
            }
            if (e.id == id) {
                e.active = false;
            } else if ((int) (e.id - id) < 0) {
                e.laterAcks++;
            }
        }
    }

    /** Every queued message has been acknowledged. */
    public boolean empty() {
        for (Entry e : entries) {
            if (e.active) {
                return false;
            }
        }
        return true;
    }

    /** The next id that {@link #queue} will assign. */
    public long nextId() {
        return nextId;
    }

    /** When {@link #due} will next return something; {@code Long.MAX_VALUE} if nothing is outstanding. */
    public long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (Entry e : entries) {
            if (e.active) {
                next = Math.min(next, e.laterAcks >= FAST_RETRANSMIT ? Long.MIN_VALUE : e.nextTry);
            }
        }
        return next;
    }

    /** Debug: outstanding ids with their current timeout and next try. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            if (e.active) {
                sb.append(" id").append(e.id).append(" op").append(e.opcode).append(" to=").append(e.timeout)
                        .append(" next=").append(e.nextTry).append(" acks=").append(e.laterAcks);
            }
        }
        return sb.toString();
    }

    /** Makes every outstanding message due now (OpenVPN's "burst" when the peer shows up). */
    public void scheduleNow(long now) {
        for (Entry e : entries) {
            if (e.active) {
                e.nextTry = Math.min(e.nextTry, now);
            }
        }
    }
}
