package org.culvert.openvpn.tls.internal;

/**
 * The receiving half of the reliability layer for one key_id: accepts message ids within
 * {@link #WINDOW} of the next expected one, buffers them, and releases them strictly in order.
 * Control path; loop thread only.
 */
public final class ReliableReceive {
    /** OpenVPN's TLS_RELIABLE_N_REC_BUFFERS. */
    public static final int WINDOW = 12;

    /** What became of an offered message. */
    public enum Offer {
        /** New and in the window: stored; acknowledge it. */
        STORED,
        /** Already delivered or already stored: acknowledge it again, do not deliver again. */
        DUPLICATE,
        /** Too far ahead: dropped without acknowledgement (the sender will retry). */
        BEYOND_WINDOW
    }

    private final long[] ids = new long[WINDOW];
    private final boolean[] present = new boolean[WINDOW];
    private final int[] opcodes = new int[WINDOW];
    private final byte[][] payloads = new byte[WINDOW][];
    private final int[] lengths = new int[WINDOW];
    private long nextExpected;

    public Offer offer(long id, int opcode, byte[] data, int off, int len) {
        int distance = (int) (id - nextExpected);
        if (distance < 0) {
            return Offer.DUPLICATE;
        }
        if (distance >= WINDOW) {
            return Offer.BEYOND_WINDOW;
        }
        int slot = (int) (id % WINDOW);
        if (present[slot]) {
            return Offer.DUPLICATE;
        }
        present[slot] = true;
        ids[slot] = id;
        opcodes[slot] = opcode;
        if (payloads[slot] == null || payloads[slot].length < len) {
            payloads[slot] = new byte[Math.max(len, 64)];
        }
        System.arraycopy(data, off, payloads[slot], 0, len);
        lengths[slot] = len;
        return Offer.STORED;
    }

    /** Whether the next message in order is here. */
    public boolean ready() {
        int slot = (int) (nextExpected % WINDOW);
        return present[slot] && ids[slot] == nextExpected;
    }

    /** The id {@link #ready()} refers to. */
    public long nextId() {
        return nextExpected;
    }

    public int nextOpcode() {
        return opcodes[(int) (nextExpected % WINDOW)];
    }

    public byte[] nextPayload() {
        return payloads[(int) (nextExpected % WINDOW)];
    }

    public int nextLength() {
        return lengths[(int) (nextExpected % WINDOW)];
    }

    /** Releases the message {@link #ready()} referred to. */
    public void advance() {
        int slot = (int) (nextExpected % WINDOW);
        present[slot] = false;
        nextExpected = (nextExpected + 1) & 0xFFFF_FFFFL;
    }
}
