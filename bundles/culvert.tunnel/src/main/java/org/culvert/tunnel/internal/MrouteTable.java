package org.culvert.tunnel.internal;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's internal routing table: OpenVPN's {@code m->vhash} with its {@code mroute_helper}
 * ({@code multi.c} {@code multi_learn_addr}, {@code multi_get_instance_by_virtual_addr},
 * {@code multi_add_iroutes}; {@code mroute.c}). It maps client virtual addresses (IPv4, IPv6), iroutes
 * (prefixes) and, in tap mode, learned MAC addresses to the client instance that owns them.
 *
 * <p>A lookup tries the exact host first, then the iroute prefixes in use, longest first (OpenVPN
 * keeps the list of prefix lengths in use, {@code mroute_helper.net_len}); a prefix hit is cached as
 * a host route ({@code C} in the status) that expires {@value #CACHE_EXPIRY_MILLIS} ms after its last
 * use, as OpenVPN's {@code MULTI_CACHE_ROUTE_TTL}. Keys live in primitive arrays (open addressing), so
 * a lookup allocates nothing. Thread-safe: the server's link thread and its data threads look up at once.
 *
 * @param <T> the owner (a client instance)
 */
final class MrouteTable<T> {
    /** OpenVPN's {@code MULTI_CACHE_ROUTE_TTL}. */
    static final long CACHE_EXPIRY_MILLIS = 60_000;
    /** OpenVPN's {@code --max-routes-per-client} default: learned MAC addresses per client. */
    static final int MAX_LEARNED_PER_CLIENT = 256;

    private static final byte FREE = 0;
    private static final byte USED = 1;
    private static final byte DELETED = 2;
    /** Entry flags. */
    static final int PRIMARY = 1;
    static final int IROUTE = 2;
    static final int CACHED = 4;
    static final int LEARNED = 8;

    /** One route, for the status ({@code ROUTING_TABLE}). */
    record Route<T>(String address, T owner, long lastReference, int flags) {
    }

    private byte[] state = new byte[64];
    private int[] keyKind = new int[64];
    private long[] keyHi = new long[64];
    private long[] keyLo = new long[64];
    private Object[] owner = new Object[64];
    private long[] lastRef = new long[64];
    private int[] flags = new int[64];
    private int used;
    private int occupied;
    /** Prefix lengths with an iroute, per family, longest first; counts of routes of each length. */
    private final int[] v4Bits = new int[33];
    private final int[] v6Bits = new int[129];
    private final Map<T, int[]> learnedCount = new IdentityHashMap<>();

    private static int kindKey(int kind, int bits) {
        return kind | bits << 8;
    }

    private static int hash(int kk, long hi, long lo) {
        long h = hi * 0x9E3779B97F4A7C15L ^ lo * 0xC2B2AE3D27D4EB4FL ^ kk * 0x165667B19E3779F9L;
        return (int) (h ^ h >>> 29 ^ h >>> 47);
    }

    private int find(int kk, long hi, long lo) {
        int mask = state.length - 1;
        for (int i = hash(kk, hi, lo) & mask;; i = (i + 1) & mask) {
            byte s = state[i];
            if (s == FREE) {
                return -1;
            }
            if (s == USED && keyKind[i] == kk && keyHi[i] == hi && keyLo[i] == lo) {
                return i;
            }
        }
    }

    /** Adds or replaces an entry; returns the previous owner or null. */
    private Object put(int kk, long hi, long lo, Object o, int f, long now) {
        int existing = find(kk, hi, lo);
        if (existing >= 0) {
            Object before = owner[existing];
            owner[existing] = o;
            flags[existing] = f;
            lastRef[existing] = now;
            return before;
        }
        if ((occupied + 1) * 2 > state.length) {
            rehash(used * 4 > state.length ? state.length * 2 : state.length);
        }
        int mask = state.length - 1;
        int i = hash(kk, hi, lo) & mask;
        while (state[i] == USED) {
            i = (i + 1) & mask;
        }
        if (state[i] == FREE) {
            occupied++;
        }
        state[i] = USED;
        keyKind[i] = kk;
        keyHi[i] = hi;
        keyLo[i] = lo;
        owner[i] = o;
        flags[i] = f;
        lastRef[i] = now;
        used++;
        return null;
    }

    private void removeAt(int i) {
        state[i] = DELETED;
        owner[i] = null;
        used--;
        int kind = keyKind[i] & 0xFF;
        int bits = keyKind[i] >>> 8;
        if ((flags[i] & IROUTE) != 0) {
            (kind == Mroute.IPV4 ? v4Bits : v6Bits)[bits]--;
        }
    }

    private void rehash(int capacity) {
        byte[] oldState = state;
        int[] oldKind = keyKind;
        long[] oldHi = keyHi;
        long[] oldLo = keyLo;
        Object[] oldOwner = owner;
        long[] oldRef = lastRef;
        int[] oldFlags = flags;
        state = new byte[capacity];
        keyKind = new int[capacity];
        keyHi = new long[capacity];
        keyLo = new long[capacity];
        owner = new Object[capacity];
        lastRef = new long[capacity];
        flags = new int[capacity];
        used = 0;
        occupied = 0;
        for (int i = 0; i < oldState.length; i++) {
            if (oldState[i] == USED) {
                put(oldKind[i], oldHi[i], oldLo[i], oldOwner[i], oldFlags[i], oldRef[i]);
            }
        }
    }

    /**
     * {@code multi_learn_addr} for a client's own address ({@code ifconfig-push}, the pool): the host
     * route of {@code address} leads to {@code client}, replacing any other owner.
     *
     * @return the previous owner, or null
     */
    @SuppressWarnings("unchecked")
    synchronized T addHost(Mroute.Addr address, T client, long now) {
        return (T) put(kindKey(address.kind, Mroute.hostBits(address.kind)), address.hi, address.lo, client, PRIMARY, now);
    }

    /** {@code multi_add_iroutes}: the prefix {@code address/bits} leads to {@code client}. Host-length prefixes are host routes. */
    synchronized void addIroute(Mroute.Addr address, int bits, T client, long now) {
        int kind = address.kind;
        if (kind != Mroute.IPV4 && kind != Mroute.IPV6 || bits < 0 || bits > Mroute.hostBits(kind)) {
            throw new IllegalArgumentException("iroute " + address + "/" + bits);
        }
        long hi = Mroute.maskHi(kind, address.hi, bits);
        long lo = Mroute.maskLo(kind, address.lo, bits);
        int kk = kindKey(kind, bits);
        int at = find(kk, hi, lo);
        if (at >= 0 && (flags[at] & IROUTE) != 0) {
            (kind == Mroute.IPV4 ? v4Bits : v6Bits)[bits]--;
        }
        put(kk, hi, lo, client, IROUTE, now);
        (kind == Mroute.IPV4 ? v4Bits : v6Bits)[bits]++;
        // a cached host route may now lead elsewhere: OpenVPN flushes its cache on a new iroute too
        for (int i = 0; i < state.length; i++) {
            if (state[i] == USED && (flags[i] & CACHED) != 0) {
                removeAt(i);
            }
        }
    }

    /**
     * OpenVPN's {@code multi_get_instance_by_virtual_addr}: the owner of {@code address}, exact host
     * first, then iroutes longest first (a hit is cached), else null. Refreshes the entry's last use.
     */
    @SuppressWarnings("unchecked")
    synchronized T lookup(Mroute.Addr address, long now) {
        int kind = address.kind;
        int full = Mroute.hostBits(kind);
        int at = find(kindKey(kind, full), address.hi, address.lo);
        if (at >= 0) {
            lastRef[at] = now;
            return (T) owner[at];
        }
        if (kind == Mroute.ETHER) {
            return null;
        }
        int[] bitsInUse = kind == Mroute.IPV4 ? v4Bits : v6Bits;
        for (int bits = full; bits >= 0; bits--) {
            if (bitsInUse[bits] == 0) {
                continue;
            }
            int hit = find(kindKey(kind, bits), Mroute.maskHi(kind, address.hi, bits), Mroute.maskLo(kind, address.lo, bits));
            if (hit >= 0) {
                lastRef[hit] = now;
                Object o = owner[hit];
                put(kindKey(kind, full), address.hi, address.lo, o, CACHED, now);
                return (T) o;
            }
        }
        return null;
    }

    /**
     * Tap: {@code multi_learn_addr} for a source MAC seen from {@code client}; it is taken from any
     * other owner. False when the client already has {@value #MAX_LEARNED_PER_CLIENT} learned addresses.
     */
    @SuppressWarnings("unchecked")
    synchronized boolean learn(Mroute.Addr mac, T client, long now) {
        int kk = kindKey(mac.kind, Mroute.hostBits(mac.kind));
        int at = find(kk, mac.hi, mac.lo);
        if (at >= 0 && owner[at] == client) {
            lastRef[at] = now;
            return true;
        }
        int[] count = learnedCount.computeIfAbsent(client, c -> new int[1]);
        if (count[0] >= MAX_LEARNED_PER_CLIENT) {
            return false;
        }
        Object before = put(kk, mac.hi, mac.lo, client, LEARNED, now);
        if (before != null) {
            int[] c = learnedCount.get((T) before);
            if (c != null) {
                c[0]--;
            }
        }
        count[0]++;
        return true;
    }

    /** {@code multi_del_iroutes} and the address removal of {@code multi_close_instance}: every route to {@code client} goes. */
    synchronized void removeOwner(T client) {
        for (int i = 0; i < state.length; i++) {
            if (state[i] == USED && owner[i] == client) {
                removeAt(i);
            }
        }
        learnedCount.remove(client);
    }

    /** {@code multi_reap}: cached host routes unused for {@value #CACHE_EXPIRY_MILLIS} ms go. */
    synchronized int reap(long now) {
        int n = 0;
        for (int i = 0; i < state.length; i++) {
            if (state[i] == USED && (flags[i] & CACHED) != 0 && now - lastRef[i] >= CACHE_EXPIRY_MILLIS) {
                removeAt(i);
                n++;
            }
        }
        return n;
    }

    /**
     * {@code check_stale_routes} ({@code --stale-routes-check}): iroutes, learned addresses and cached
     * host routes not used for {@code ageingMillis} go. A client's own address stays: OpenVPN drops it
     * too, after which an idle client's packets are refused as from a bad source until it reconnects.
     *
     * @return how many routes went
     */
    @SuppressWarnings("unchecked")
    synchronized int removeStale(long now, long ageingMillis) {
        int n = 0;
        for (int i = 0; i < state.length; i++) {
            if (state[i] == USED && (flags[i] & (IROUTE | LEARNED | CACHED)) != 0 && now - lastRef[i] >= ageingMillis) {
                if ((flags[i] & LEARNED) != 0) {
                    int[] c = learnedCount.get((T) owner[i]);
                    if (c != null) {
                        c[0]--;
                    }
                }
                removeAt(i);
                n++;
            }
        }
        return n;
    }

    /** Every route, for the status. Allocates. */
    @SuppressWarnings("unchecked")
    synchronized List<Route<T>> routes() {
        List<Route<T>> all = new ArrayList<>(used);
        for (int i = 0; i < state.length; i++) {
            if (state[i] == USED) {
                int kind = keyKind[i] & 0xFF;
                int bits = keyKind[i] >>> 8;
                String text = Mroute.format(kind, keyHi[i], keyLo[i], bits) + ((flags[i] & CACHED) != 0 ? "C" : "");
                all.add(new Route<>(text, (T) owner[i], lastRef[i], flags[i]));
            }
        }
        return all;
    }

    synchronized int size() {
        return used;
    }
}
