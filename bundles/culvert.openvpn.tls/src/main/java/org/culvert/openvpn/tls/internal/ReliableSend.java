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
    /** Backoff stops growing here so that deadline arithmetic cannot overflow. */
    private static final long MAX_TIMEOUT = 3_600_000L;

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
        e.timeout = Math.min(e.timeout * 2, MAX_TIMEOUT);
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

    /** Makes every outstanding message due now (OpenVPN's "burst" when the peer shows up). */
    public void scheduleNow(long now) {
        for (Entry e : entries) {
            if (e.active) {
                e.nextTry = Math.min(e.nextTry, now);
            }
        }
    }
}
