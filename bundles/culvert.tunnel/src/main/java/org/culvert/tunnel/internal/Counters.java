package org.culvert.tunnel.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.EnumMap;
import java.util.Map;

import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.TunnelCounters;

/**
 * A tunnel's live counters. Written only by the tunnel's thread, so increments need no atomic
 * read-modify-write; readers on other threads see values published with release stores.
 */
final class Counters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int TUN_READ_P = 0;
    private static final int TUN_READ_B = 1;
    private static final int TUN_WRITE_P = 2;
    private static final int TUN_WRITE_B = 3;
    private static final int LINK_READ_P = 4;
    private static final int LINK_READ_B = 5;
    private static final int LINK_WRITE_P = 6;
    private static final int LINK_WRITE_B = 7;
    private static final int RESTARTS = 8;
    private static final int LINK_AUTH_READ_B = 9;
    private static final int DROPS = 10;
    private final long[] values = new long[DROPS + DropReason.values().length];

    private void add(int index, long n) {
        LONGS.setRelease(values, index, (long) LONGS.getOpaque(values, index) + n);
    }

    private long get(int index) {
        return (long) LONGS.getAcquire(values, index);
    }

    void tunRead(long bytes) {
        add(TUN_READ_P, 1);
        add(TUN_READ_B, bytes);
    }

    void tunWrite(long bytes) {
        add(TUN_WRITE_P, 1);
        add(TUN_WRITE_B, bytes);
    }

    void linkRead(long bytes) {
        add(LINK_READ_P, 1);
        add(LINK_READ_B, bytes);
    }

    /** A link packet passed authentication (OpenVPN's "Auth read bytes"). */
    void linkAuthRead(long bytes) {
        add(LINK_AUTH_READ_B, bytes);
    }

    void linkWrite(long bytes) {
        add(LINK_WRITE_P, 1);
        add(LINK_WRITE_B, bytes);
    }

    void drop(DropReason reason) {
        add(DROPS + reason.ordinal(), 1);
    }

    void restart() {
        add(RESTARTS, 1);
    }

    long linkReadBytes() {
        return get(LINK_READ_B);
    }

    long tunReadBytes() {
        return get(TUN_READ_B);
    }

    TunnelCounters snapshot() {
        Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            long v = get(DROPS + r.ordinal());
            if (v != 0) {
                drops.put(r, v);
            }
        }
        return new TunnelCounters(get(TUN_READ_P), get(TUN_READ_B), get(TUN_WRITE_P), get(TUN_WRITE_B), get(LINK_READ_P),
                get(LINK_READ_B), get(LINK_WRITE_P), get(LINK_WRITE_B), drops, get(RESTARTS), get(LINK_AUTH_READ_B));
    }

    /** {@code a + b}, field by field (a server's threads' counters, or its runs'). Allocates. */
    static TunnelCounters sum(TunnelCounters a, TunnelCounters b) {
        Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
        drops.putAll(a.drops());
        b.drops().forEach((k, v) -> drops.merge(k, v, Long::sum));
        return new TunnelCounters(a.tunReadPackets() + b.tunReadPackets(), a.tunReadBytes() + b.tunReadBytes(),
                a.tunWritePackets() + b.tunWritePackets(), a.tunWriteBytes() + b.tunWriteBytes(), a.linkReadPackets() + b.linkReadPackets(),
                a.linkReadBytes() + b.linkReadBytes(), a.linkWritePackets() + b.linkWritePackets(), a.linkWriteBytes() + b.linkWriteBytes(),
                drops, a.restarts() + b.restarts(), a.linkAuthReadBytes() + b.linkAuthReadBytes());
    }
}
