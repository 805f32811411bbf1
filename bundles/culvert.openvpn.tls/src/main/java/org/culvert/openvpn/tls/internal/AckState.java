package org.culvert.openvpn.tls.internal;

/**
 * The ACKs one key_id owes its peer: ids waiting to be acknowledged, plus OpenVPN's most-recently-used
 * list, from which every ACK record is filled so that recent ids are repeated (tolerating lost ACKs).
 * At most {@link #MAX} ids are pending; further ones are dropped, as in OpenVPN, and re-acknowledged
 * when their message is retransmitted.
 */
public final class AckState {
    /** OpenVPN's RELIABLE_ACK_SIZE. */
    public static final int MAX = 8;

    private final long[] pending = new long[MAX];
    private int pendingLength;
    private final long[] mru = new long[MAX];
    private int mruLength;

    /** Queues an id for acknowledgement (duplicates are kept once). */
    public void acknowledge(long id) {
        for (int i = 0; i < pendingLength; i++) {
            if (pending[i] == id) {
                return;
            }
        }
        if (pendingLength < MAX) {
            pending[pendingLength++] = id;
        }
    }

    public boolean hasPending() {
        return pendingLength > 0;
    }

    /** Bytes an ACK record with {@code n} ids takes: count, ids, and the remote session id if n > 0. */
    public static int size(int n) {
        return 1 + (n > 0 ? 4 * n + 8 : 0);
    }

    /**
     * Writes an ACK record of at most {@code max} ids at {@code out[off]}: the pending ids first, then
     * recently acknowledged ones repeated. Pending ids written are no longer pending.
     *
     * @return bytes written
     */
    public int write(byte[] out, int off, int max, long remoteSessionId) {
        int n = Math.min(pendingLength, max);
        for (int i = n - 1; i >= 0; i--) {
            toFront(pending[i]);
        }
        int total = Math.min(max, mruLength);
        out[off] = (byte) total;
        int p = off + 1;
        for (int i = 0; i < total; i++) {
            Bytes.putInt(out, p, mru[i]);
            p += 4;
        }
        if (total > 0) {
            Bytes.putLong(out, p, remoteSessionId);
            p += 8;
        }
        System.arraycopy(pending, n, pending, 0, pendingLength - n);
        pendingLength -= n;
        return p - off;
    }

    /** Moves {@code id} to the front of the MRU list (inserting it if absent). */
    private void toFront(long id) {
        int found = -1;
        for (int i = 0; i < mruLength; i++) {
            if (mru[i] == id) {
                found = i;
                break;
            }
        }
        int shiftFrom = found >= 0 ? found : Math.min(mruLength, MAX - 1);
        System.arraycopy(mru, 0, mru, 1, shiftFrom);
        mru[0] = id;
        if (found < 0 && mruLength < MAX) {
            mruLength++;
        }
    }
}
