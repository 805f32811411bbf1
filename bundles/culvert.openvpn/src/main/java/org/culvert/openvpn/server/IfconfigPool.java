package org.culvert.openvpn.server;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.config.AddressMath;
import org.culvert.openvpn.config.ServerSettings;

/**
 * OpenVPN 2.6's {@code --ifconfig-pool} and {@code --ifconfig-ipv6-pool} ({@code pool.c}): one list of
 * entries whose index gives a client its IPv4 address (or /30 block in net30) and its IPv6 address
 * alike.
 *
 * <p>The allocation rule is {@code ifconfig_pool_find}'s: the free entry this common name held before,
 * else the free, non-reserved entry released longest ago (never used counts as released at time 0;
 * ties go to the lowest index); with {@code --duplicate-cn}, simply the first free entry, and no name is
 * kept. A disconnect is a soft release: the entry keeps the name, so the client gets the same address
 * next time unless the pool ran short. Entries read from a read-only {@code --ifconfig-pool-persist}
 * file ({@code sec} 0) are reserved ("fixed"): only their own name gets them.
 *
 * <p>Thread-safe: every method locks the pool, so several data threads may share one.
 */
public final class IfconfigPool {
    /** An acquired entry: its index (OpenVPN's handle) and the addresses it gives. */
    public record Lease(int handle, Optional<Inet4Address> local, Optional<Inet4Address> remote,
            Optional<Inet6Address> remoteIpv6) {
    }

    /** One entry as the persist file shows it: the name on it and its addresses (the /30 base in net30). */
    public record Entry(String commonName, Optional<Inet4Address> ipv4Base, Optional<Inet6Address> ipv6) {
    }

    private static final class Slot {
        boolean inUse;
        String commonName;
        long lastRelease;
        boolean fixed;
    }

    private final Clock clock;
    private final long originMillis;
    private final boolean duplicateCn;
    private final ServerSettings.PoolType type;
    private final long ipv4Base;
    private final boolean ipv4;
    private final Inet6Address ipv6Base;
    private final int ipv6Bits;
    private final Slot[] slots;
    private final List<String> notes = new ArrayList<>();

    /**
     * {@code ifconfig_pool_init}.
     *
     * @param ipv4Pool the IPv4 pool, or empty
     * @param ipv6Pool the IPv6 pool, or empty; at least one must be given
     * @param duplicateCn {@code --duplicate-cn}: first free entry, names not kept
     * @param clock gives the release times
     * @throws IllegalArgumentException a pool of fewer than 2 entries, as OpenVPN refuses it (M_FATAL)
     */
    public IfconfigPool(Optional<ServerSettings.Ipv4Pool> ipv4Pool, Optional<ServerSettings.Ipv6Pool> ipv6Pool,
            boolean duplicateCn, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.originMillis = clock.monotonicMillis();
        this.duplicateCn = duplicateCn;
        if (ipv4Pool.isEmpty() && ipv6Pool.isEmpty()) {
            throw new IllegalArgumentException("no pool: neither --ifconfig-pool nor --ifconfig-ipv6-pool");
        }
        int size = -1;
        int size4 = -1;
        if (ipv4Pool.isPresent()) {
            ServerSettings.Ipv4Pool p = ipv4Pool.get();
            long start = AddressMath.u32(p.start());
            long end = AddressMath.u32(p.end());
            if (start > end || end - start >= ServerSettings.IFCONFIG_POOL_MAX) {
                throw new IllegalArgumentException("bad --ifconfig-pool range " + p.start().getHostAddress() + " - "
                        + p.end().getHostAddress());
            }
            type = p.type();
            if (type == ServerSettings.PoolType.NET30) {
                ipv4Base = start & ~3L;
                size4 = (int) ((((end | 3) + 1) - ipv4Base) >> 2);
            } else {
                ipv4Base = start;
                size4 = (int) (end - start + 1);
            }
            if (size4 < 2) {
                throw new IllegalArgumentException("IPv4 pool size is too small (" + size4 + "), must be at least 2");
            }
            ipv4 = true;
            size = size4;
        } else {
            type = ServerSettings.PoolType.INDIVIDUAL;
            ipv4Base = 0;
            ipv4 = false;
        }
        if (ipv6Pool.isPresent()) {
            ServerSettings.Ipv6Pool p = ipv6Pool.get();
            long host = AddressMath.low32(p.base());
            if (128 - p.prefixLength() < 32) {
                host &= (1L << (128 - p.prefixLength())) - 1;
            }
            Inet6Address base = p.base();
            if (host == 0) {
                // The subnet-router anycast address is not a client's: start at ::1.
                host++;
                base = AddressMath.add(base, 1);
            }
            ipv6Base = base;
            ipv6Bits = p.prefixLength();
            int size6 = p.prefixLength() >= 112 ? (int) ((1L << (128 - p.prefixLength())) - host)
                    : ServerSettings.IFCONFIG_POOL_MAX;
            if (size6 < 2) {
                throw new IllegalArgumentException("IPv6 pool size is too small (" + size6 + "), must be at least 2");
            }
            if (size <= 0 || size6 < size) {
                size = size6;
            }
            if (size4 > 0 && size4 < size6) {
                notes.add("NOTE: IPv4 pool size is " + size4 + ", IPv6 pool size is " + size6 + ". IPv4 pool size limits"
                        + " the number of clients that can be served from the pool");
            } else if (size4 > size6) {
                notes.add("WARNING: IPv4 pool size is " + size4 + ", IPv6 pool size is " + size6 + ". IPv6 pool size"
                        + " limits the number of clients that can be served from the pool. This is likely a MISTAKE -"
                        + " please check your configuration");
            }
        } else {
            ipv6Base = null;
            ipv6Bits = 0;
        }
        slots = new Slot[size];
        for (int i = 0; i < size; i++) {
            slots[i] = new Slot();
        }
    }

    /** The pool of a server's settings, or empty when it has none (no {@code --ifconfig-pool}, no IPv6 pool). */
    public static Optional<IfconfigPool> of(ServerSettings settings, Clock clock) {
        if (settings.pool().isEmpty() && settings.poolIpv6().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new IfconfigPool(settings.pool(), settings.poolIpv6(), settings.duplicateCn(), clock));
    }

    /** OpenVPN's notes about the pool sizes (to log once at start). */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** The number of entries (clients the pool can serve at once). */
    public int size() {
        return slots.length;
    }

    /**
     * {@code ifconfig_pool_acquire}: an entry for {@code commonName} (null with {@code --duplicate-cn},
     * as OpenVPN passes none then), or empty when every entry is in use or reserved.
     */
    public synchronized Optional<Lease> acquire(String commonName) {
        String cn = duplicateCn ? null : commonName;
        int i = find(cn);
        if (i < 0) {
            return Optional.empty();
        }
        Slot s = slots[i];
        s.inUse = true;
        s.commonName = cn;
        s.lastRelease = 0;
        return Optional.of(lease(i));
    }

    /** {@code ifconfig_pool_find}. */
    private int find(String cn) {
        long earliest = 0;
        int previous = -1;
        int fresh = -1;
        for (int i = 0; i < slots.length; i++) {
            Slot s = slots[i];
            if (s.inUse) {
                continue;
            }
            if (duplicateCn) {
                return i;
            }
            if ((fresh == -1 || s.lastRelease < earliest) && !s.fixed) {
                earliest = s.lastRelease;
                fresh = i;
            }
            if (previous < 0 && cn != null && cn.equals(s.commonName)) {
                previous = i;
            }
        }
        return previous >= 0 ? previous : fresh;
    }

    /**
     * {@code ifconfig_pool_release}: a soft release (a client went away) keeps the name on the entry
     * and stamps the time; a hard one clears both. An unknown handle is ignored (false).
     */
    public synchronized boolean release(int handle, boolean hard) {
        if (handle < 0 || handle >= slots.length) {
            return false;
        }
        Slot s = slots[handle];
        s.inUse = false;
        if (hard) {
            s.commonName = null;
            s.lastRelease = 0;
        } else {
            s.lastRelease = now();
        }
        return true;
    }

    /**
     * {@code ifconfig_pool_set}: gives entry {@code handle} to {@code commonName} from a persist file;
     * {@code fixed} reserves it for that name.
     */
    public synchronized void set(String commonName, int handle, boolean fixed) {
        Objects.requireNonNull(commonName, "commonName");
        Slot s = slots[handle];
        s.inUse = false;
        s.commonName = commonName;
        s.lastRelease = now();
        s.fixed = fixed;
    }

    /** {@code ifconfig_pool_ip_base_to_handle}: the entry of an IPv4 address (the /30 base in net30), or -1. */
    public int handleOf(Inet4Address address) {
        if (!ipv4) {
            return -1;
        }
        long d = AddressMath.u32(address) - ipv4Base;
        long h = type == ServerSettings.PoolType.NET30 ? d >> 2 : d;
        return d < 0 || h >= slots.length ? -1 : (int) h;
    }

    /** {@code ifconfig_pool_ipv6_base_to_handle}: the entry of an IPv6 address, or -1. */
    public int handleOf(Inet6Address address) {
        if (ipv6Base == null) {
            return -1;
        }
        byte[] a = address.getAddress();
        byte[] b = ipv6Base.getAddress();
        for (int i = 0; i < 12; i++) {
            if (a[i] != b[i]) {
                return -1;
            }
        }
        long d = AddressMath.low32(address) - AddressMath.low32(ipv6Base);
        return d < 0 || d >= slots.length ? -1 : (int) d;
    }

    /** True when the pool has IPv4 addresses. */
    public boolean hasIpv4() {
        return ipv4;
    }

    /** True when the pool has IPv6 addresses. */
    public boolean hasIpv6() {
        return ipv6Base != null;
    }

    /** The IPv6 prefix length given to clients, or 0 without an IPv6 pool. */
    public int ipv6PrefixLength() {
        return ipv6Bits;
    }

    /** {@code ifconfig_pool_list}: the entries that carry a name, in index order (what the persist file holds). */
    public synchronized List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < slots.length; i++) {
            if (slots[i].commonName != null) {
                out.add(new Entry(slots[i].commonName,
                        ipv4 ? Optional.of(AddressMath.ipv4(ipv4Base + (type == ServerSettings.PoolType.NET30 ? (long) i << 2 : i)))
                                : Optional.empty(),
                        ipv6Base == null ? Optional.empty() : Optional.of(AddressMath.add(ipv6Base, i))));
            }
        }
        return out;
    }

    /** Entries in use now. */
    public synchronized int inUse() {
        int n = 0;
        for (Slot s : slots) {
            n += s.inUse ? 1 : 0;
        }
        return n;
    }

    /** OpenVPN's {@code now} in whole seconds, from 1 so that a release is always later than "never used" (0). */
    private long now() {
        return (clock.monotonicMillis() - originMillis) / 1000 + 1;
    }

    private Lease lease(int i) {
        Optional<Inet4Address> local = Optional.empty();
        Optional<Inet4Address> remote = Optional.empty();
        if (ipv4) {
            if (type == ServerSettings.PoolType.NET30) {
                long b = ipv4Base + ((long) i << 2);
                local = Optional.of(AddressMath.ipv4(b + 1));
                remote = Optional.of(AddressMath.ipv4(b + 2));
            } else {
                remote = Optional.of(AddressMath.ipv4(ipv4Base + i));
            }
        }
        return new Lease(i, local, remote, ipv6Base == null ? Optional.empty() : Optional.of(AddressMath.add(ipv6Base, i)));
    }
}
