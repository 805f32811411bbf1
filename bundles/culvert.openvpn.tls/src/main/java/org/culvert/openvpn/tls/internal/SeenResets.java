package org.culvert.openvpn.tls.internal;

/**
 * The wrapper packet-ids (id, time) of the hard resets one {@code TlsSession} accepted, shared by its
 * control sessions, so that a reset replayed after the session it opened is gone is still recognised.
 *
 * <p>Exact pairs, not a sliding window: a peer that restarts with its clock set back sends resets with
 * an older time, which a window would refuse for the rest of the run, while a replay (the only way to
 * get past tls-auth/tls-crypt without the key) always repeats a pair we accepted. The newest 256 are
 * kept, far more than the resets of all the peer restarts one run sees. Control path, loop thread.
 */
public final class SeenResets {
    private static final int SIZE = 256;
    private final long[] pairs = new long[SIZE];
    private int count;
    private int next;

    /** Records {@code (id, time)}; false if it was recorded before (a replay). */
    public boolean firstSighting(long id, long time) {
        long pair = (time & 0xFFFF_FFFFL) << 32 | (id & 0xFFFF_FFFFL);
        for (int i = 0; i < count; i++) {
            if (pairs[i] == pair) {
                return false;
            }
        }
        pairs[next] = pair;
        next = (next + 1) % SIZE;
        count = Math.max(count, next == 0 ? SIZE : next);
        return true;
    }
}
