package org.culvert.api.tunnel;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** An immutable snapshot of a tunnel's traffic counters since it was started. */
public final class TunnelCounters {
    private final long tunReadPackets;
    private final long tunReadBytes;
    private final long tunWritePackets;
    private final long tunWriteBytes;
    private final long linkReadPackets;
    private final long linkReadBytes;
    private final long linkWritePackets;
    private final long linkWriteBytes;
    private final Map<DropReason, Long> drops;
    private final long restarts;
    private final long linkAuthReadBytes;

    public TunnelCounters(long tunReadPackets, long tunReadBytes, long tunWritePackets, long tunWriteBytes,
            long linkReadPackets, long linkReadBytes, long linkWritePackets, long linkWriteBytes,
            Map<DropReason, Long> drops, long restarts) {
        this(tunReadPackets, tunReadBytes, tunWritePackets, tunWriteBytes, linkReadPackets, linkReadBytes, linkWritePackets,
                linkWriteBytes, drops, restarts, 0);
    }

    /** @param linkAuthReadBytes decrypted payload bytes of authentic data-channel packets (OpenVPN's "Auth read bytes") */
    public TunnelCounters(long tunReadPackets, long tunReadBytes, long tunWritePackets, long tunWriteBytes,
            long linkReadPackets, long linkReadBytes, long linkWritePackets, long linkWriteBytes,
            Map<DropReason, Long> drops, long restarts, long linkAuthReadBytes) {
        this.linkAuthReadBytes = linkAuthReadBytes;
        this.tunReadPackets = tunReadPackets;
        this.tunReadBytes = tunReadBytes;
        this.tunWritePackets = tunWritePackets;
        this.tunWriteBytes = tunWriteBytes;
        this.linkReadPackets = linkReadPackets;
        this.linkReadBytes = linkReadBytes;
        this.linkWritePackets = linkWritePackets;
        this.linkWriteBytes = linkWriteBytes;
        EnumMap<DropReason, Long> copy = new EnumMap<>(DropReason.class);
        copy.putAll(drops);
        this.drops = Collections.unmodifiableMap(copy);
        this.restarts = restarts;
    }

    /** Packets read from the tun device (plaintext, towards the peer). */
    public long tunReadPackets() {
        return tunReadPackets;
    }

    public long tunReadBytes() {
        return tunReadBytes;
    }

    /** Packets written to the tun device (decrypted, from the peer). */
    public long tunWritePackets() {
        return tunWritePackets;
    }

    public long tunWriteBytes() {
        return tunWriteBytes;
    }

    /** Packets received on the link, before authentication. */
    public long linkReadPackets() {
        return linkReadPackets;
    }

    public long linkReadBytes() {
        return linkReadBytes;
    }

    /**
     * Decrypted payload bytes of the data-channel packets that passed authentication, pings included,
     * control packets and headers not (OpenVPN's "Auth read bytes").
     */
    public long linkAuthReadBytes() {
        return linkAuthReadBytes;
    }

    public long linkWritePackets() {
        return linkWritePackets;
    }

    public long linkWriteBytes() {
        return linkWriteBytes;
    }

    /** Drops by reason; reasons never seen are absent. */
    public Map<DropReason, Long> drops() {
        return drops;
    }

    public long drops(DropReason reason) {
        return drops.getOrDefault(reason, 0L);
    }

    public long totalDrops() {
        long t = 0;
        for (long v : drops.values()) {
            t += v;
        }
        return t;
    }

    /** How many times the tunnel restarted (ping-restart, link errors, lost plugins). */
    public long restarts() {
        return restarts;
    }

    @Override
    public String toString() {
        return "tun read " + tunReadPackets + "p/" + tunReadBytes + "B, tun write " + tunWritePackets + "p/" + tunWriteBytes
                + "B, link read " + linkReadPackets + "p/" + linkReadBytes + "B, link write " + linkWritePackets + "p/"
                + linkWriteBytes + "B, drops " + drops + ", restarts " + restarts;
    }
}
