package org.culvert.tun.linux;

import java.nio.ByteBuffer;

/**
 * Groups the TCP segments of one batch that the kernel's own GRO would merge
 * ({@code inet_gro_receive}/{@code ipv6_gro_receive}, {@code tcp_gro_receive}), so that each group
 * is written to the tun as one large packet with a virtio header ({@code GSO_TCPV4}/{@code GSO_TCPV6})
 * that the kernel segments again only if it must forward it.
 *
 * <p>A segment joins its flow's open group when: same IP version, protocol, addresses and ports;
 * IPv4 without options or fragmentation, valid header checksum, same TOS, TTL and DF, id one more
 * than the previous member's (or, with DF, the same id throughout); IPv6 with TCP or UDP as next
 * header (no extension headers), same first word (traffic class, flow label) and hop limit; TCP flags
 * exactly ACK (PSH allowed on the last member only), same ACK number, window and options; sequence
 * number right after the group's data; payload not larger than the first member's, and the group
 * not already ended by a smaller one; the merged IP packet at most 65535 bytes; and both it and the
 * group's first member carry a valid transport checksum (a merged packet gets a fresh checksum from
 * the kernel, so a damaged segment must never be hidden in one). UDP datagrams (only when built for
 * a tun with USO: {@code GSO_UDP_L4}) follow the IP rules, the sizes and the checksum rule; one
 * whose checksum is zero (IPv4's "none") is never merged.
 * A segment that cannot join closes its flow's group and opens a new one. Segments of different
 * flows may thus be reordered among themselves, as GRO does; those of one flow never are.
 *
 * <p>All state lives in arrays sized once for {@link #capacity()} packets: planning allocates nothing.
 * Not thread-safe: one per device, used by its writing thread.
 */
final class GroCoalescer {
    /** Largest IP packet a merged group may become (the IPv4 total length / IPv6 payload length field). */
    static final int MAX_MERGED = 65535;
    /** Most segments in one merged packet: one {@code writev} takes the header and each payload, within {@code IOV_MAX} (1024). */
    static final int MAX_SEGMENTS = 1023;

    private static final int TCP_ACK = 0x10;
    private static final int TCP_PSH = 0x08;

    private final int capacity;
    // Per packet of the window (index k = slot - from).
    private final int[] at;
    private final int[] length;
    private final int[] version;
    private final int[] ipHeader;
    private final int[] tcpHeader;
    /** {@link GsoSplit#PROTO_TCP} or {@link GsoSplit#PROTO_UDP}. */
    private final int[] protocol;
    private final int[] payload;
    private final int[] next;
    // Per group, in the order of their first packet.
    private final int[] head;
    private final int[] tail;
    private final int[] members;
    private final int[] dataBytes;
    private final boolean[] open;
    private final boolean[] headChecked;
    private final boolean[] fixedId;
    private final boolean udp;
    private int groups;
    private ByteBuffer b;

    /** @param udp also merge UDP datagrams ({@code GSO_UDP_L4}; only where the tun has USO) */
    GroCoalescer(int capacity, boolean udp) {
        this.capacity = capacity;
        this.udp = udp;
        at = new int[capacity];
        length = new int[capacity];
        version = new int[capacity];
        ipHeader = new int[capacity];
        tcpHeader = new int[capacity];
        protocol = new int[capacity];
        payload = new int[capacity];
        next = new int[capacity];
        head = new int[capacity];
        tail = new int[capacity];
        members = new int[capacity];
        dataBytes = new int[capacity];
        open = new boolean[capacity];
        headChecked = new boolean[capacity];
        fixedId = new boolean[capacity];
    }

    int capacity() {
        return capacity;
    }

    /**
     * Plans the window of {@code n} packets ({@code n <= capacity}) whose packet {@code k} is at
     * {@code offsets[k]}, {@code lengths[k]} bytes, in {@code backing} (big-endian); a negative
     * length marks a packet to leave out (already written). Returns the number of groups.
     */
    int plan(ByteBuffer backing, int[] offsets, int[] lengths, int n) {
        if (n > capacity) {
            throw new IllegalArgumentException(n + " packets for a coalescer of " + capacity);
        }
        b = backing;
        groups = 0;
        for (int k = 0; k < n; k++) {
            if (lengths[k] < 0) {
                continue;
            }
            at[k] = offsets[k];
            length[k] = lengths[k];
            next[k] = -1;
            boolean candidate = parse(k);
            int g = candidate ? openGroupOf(k) : -1;
            if (g >= 0 && canAppend(g, k)) {
                next[tail[g]] = k;
                tail[g] = k;
                members[g]++;
                dataBytes[g] += payload[k];
                // A smaller segment or a PSH ends the group (tcp_gro_receive flushes after them).
                if (payload[k] < payload[head[g]] || pushes(k)) {
                    open[g] = false;
                }
                continue;
            }
            if (g >= 0) {
                open[g] = false;
            }
            int ng = groups++;
            head[ng] = k;
            tail[ng] = k;
            members[ng] = 1;
            dataBytes[ng] = candidate ? payload[k] : 0;
            headChecked[ng] = false;
            fixedId[ng] = false;
            open[ng] = candidate && !pushes(k);
        }
        return groups;
    }

    /** First packet (window index) of group {@code g}. */
    int head(int g) {
        return head[g];
    }

    /** The packet after {@code k} in its group, or -1. */
    int next(int k) {
        return next[k];
    }

    int members(int g) {
        return members[g];
    }

    /** IP plus TCP header length of packet {@code k} (valid for members of merged groups). */
    int headerLength(int k) {
        return ipHeader[k] + tcpHeader[k];
    }

    /** Payload bytes of packet {@code k}. */
    int payload(int k) {
        return payload[k];
    }

    /** Segment size of a merged group: its first member's payload. */
    int gsoSize(int g) {
        return payload[head[g]];
    }

    /** Total TCP payload of a merged group. */
    int dataBytes(int g) {
        return dataBytes[g];
    }

    int version(int g) {
        return version[head[g]];
    }

    /** {@link GsoSplit#PROTO_TCP} or {@link GsoSplit#PROTO_UDP}, for a merged group. */
    int protocol(int g) {
        return protocol[head[g]];
    }

    /**
     * Writes group {@code g}'s merged headers (its first member's IP and TCP headers, with the merged
     * length, IPv4 header checksum, the last member's PSH and the TCP checksum field holding the
     * pseudo-header sum for {@code NEEDS_CSUM}) at {@code out[pos..]}; returns their length.
     */
    int mergedHeaders(int g, ByteBuffer out, int pos) {
        int k = head[g];
        int ip = at[k];
        int ihl = ipHeader[k];
        int thl = tcpHeader[k];
        for (int i = 0; i < ihl + thl; i++) {
            out.put(pos + i, b.get(ip + i));
        }
        int l4Length = thl + dataBytes[g];
        if (version[k] == 4) {
            out.putShort(pos + 2, (short) (ihl + l4Length));
            out.putShort(pos + 10, (short) InetChecksum.ipv4Header(out, pos, ihl));
        } else {
            out.putShort(pos + 4, (short) l4Length);
        }
        int pseudo = InetChecksum.fold(InetChecksum.pseudoHeader(out, pos, protocol[k], l4Length));
        if (protocol[k] == GsoSplit.PROTO_UDP) {
            out.putShort(pos + ihl + 4, (short) l4Length);
            out.putShort(pos + ihl + 6, (short) pseudo);
            return ihl + thl;
        }
        out.put(pos + ihl + 13, (byte) (flags(k) | (flags(tail[g]) & TCP_PSH)));
        out.putShort(pos + ihl + 16, (short) pseudo);
        return ihl + thl;
    }

    /** A TCP segment with PSH: it ends its group. */
    private boolean pushes(int k) {
        return protocol[k] == GsoSplit.PROTO_TCP && (flags(k) & TCP_PSH) != 0;
    }

    private int flags(int k) {
        return b.get(at[k] + ipHeader[k] + 13) & 0xFF;
    }

    /** Reads packet {@code k}'s headers; true when it is a TCP segment that may be merged at all. */
    private boolean parse(int k) {
        int p = at[k];
        int len = length[k];
        version[k] = 0;
        if (len < 29) {
            return false;
        }
        int v = (b.get(p) & 0xF0) >>> 4;
        int ihl;
        if (v == 4) {
            // 0x45: no options (inet_gro_receive flushes packets with options).
            if ((b.get(p) & 0xFF) != 0x45 || (b.getShort(p + 2) & 0xFFFF) != len || !mergeable(b.get(p + 9))) {
                return false;
            }
            // MF set or a fragment offset: a fragment.
            if ((b.getShort(p + 6) & 0x3FFF) != 0 || InetChecksum.ipv4Header(b, p, 20) != (b.getShort(p + 10) & 0xFFFF)) {
                return false;
            }
            ihl = 20;
        } else if (v == 6) {
            if (len < 49 || (b.getShort(p + 4) & 0xFFFF) != len - 40 || !mergeable(b.get(p + 6))) {
                return false;
            }
            ihl = 40;
        } else {
            return false;
        }
        int proto = v == 4 ? b.get(p + 9) : b.get(p + 6);
        if (proto == GsoSplit.PROTO_UDP) {
            // The UDP length must be the packet's; a zero checksum (IPv4's "none") cannot be vouched for.
            if ((b.getShort(p + ihl + 4) & 0xFFFF) != len - ihl || len - ihl <= 8 || b.getShort(p + ihl + 6) == 0) {
                return false;
            }
            version[k] = v;
            protocol[k] = proto;
            ipHeader[k] = ihl;
            tcpHeader[k] = 8;
            payload[k] = len - ihl - 8;
            return true;
        }
        if (len < ihl + 20) {
            return false;
        }
        int thl = ((b.get(p + ihl + 12) & 0xF0) >>> 4) * 4;
        if (thl < 20 || ihl + thl >= len) {
            // A segment without payload (a pure ACK) is never merged.
            return false;
        }
        int f = b.get(p + ihl + 13) & 0xFF;
        // Only ACK, or ACK|PSH; the reserved bits (and the NS bit beside them) must be clear.
        if ((f != TCP_ACK && f != (TCP_ACK | TCP_PSH)) || (b.get(p + ihl + 12) & 0x0F) != 0) {
            return false;
        }
        version[k] = v;
        protocol[k] = proto;
        ipHeader[k] = ihl;
        tcpHeader[k] = thl;
        payload[k] = len - ihl - thl;
        return true;
    }

    private boolean mergeable(byte proto) {
        return proto == GsoSplit.PROTO_TCP || (udp && proto == GsoSplit.PROTO_UDP);
    }

    /** The open group of {@code k}'s flow, newest first, or -1. */
    private int openGroupOf(int k) {
        for (int g = groups - 1; g >= 0; g--) {
            if (open[g] && sameFlow(head[g], k)) {
                return g;
            }
        }
        return -1;
    }

    private boolean sameFlow(int h, int k) {
        if (version[h] != version[k] || protocol[h] != protocol[k]) {
            return false;
        }
        int ph = at[h];
        int pk = at[k];
        int addr = version[h] == 4 ? 12 : 8;
        int addrLength = version[h] == 4 ? 8 : 32;
        if (!equal(ph + addr, pk + addr, addrLength)) {
            return false;
        }
        // Ports.
        return b.getInt(ph + ipHeader[h]) == b.getInt(pk + ipHeader[k]);
    }

    /** Whether {@code k} may join group {@code g}; if so, notes whether the group keeps a fixed IPv4 id. */
    private boolean canAppend(int g, int k) {
        boolean sameId = sameIpv4Id(g, k);
        boolean can = fitsRules(g, k, sameId);
        if (can) {
            fixedId[g] = sameId;
        }
        return can;
    }

    /** An IPv4 segment with DF whose id repeats the last member's (the sender's fixed id, which GRO accepts with DF). */
    private boolean sameIpv4Id(int g, int k) {
        return version[k] == 4 && (b.get(at[k] + 6) & 0x40) != 0
                && b.getShort(at[k] + 4) == b.getShort(at[tail[g]] + 4) && (members[g] == 1 || fixedId[g]);
    }

    private boolean fitsRules(int g, int k, boolean sameId) {
        int h = head[g];
        int t = tail[g];
        int ph = at[h];
        int pk = at[k];
        if (version[h] == 4) {
            // TOS, TTL and DF (with the reserved bit); ids must follow the last member's (inet_gro_receive's
            // flush_id), or with DF stay the same throughout.
            if (b.get(ph + 1) != b.get(pk + 1) || b.get(ph + 8) != b.get(pk + 8)
                    || (b.get(ph + 6) & 0xC0) != (b.get(pk + 6) & 0xC0)) {
                return false;
            }
            int lastId = b.getShort(at[t] + 4) & 0xFFFF;
            if (!sameId && ((b.getShort(pk + 4) & 0xFFFF) != ((lastId + 1) & 0xFFFF) || fixedId[g])) {
                return false;
            }
        } else if (b.getInt(ph) != b.getInt(pk) || b.get(ph + 7) != b.get(pk + 7)) {
            // Version, traffic class and flow label; hop limit.
            return false;
        }
        int th = ph + ipHeader[h];
        int tk = pk + ipHeader[k];
        if (protocol[h] == GsoSplit.PROTO_UDP) {
            // udp_gro_receive_segment: no larger datagram after the first; a smaller one ends the group.
            return payload[k] <= payload[h] && fits(g, k) && checksumsValid(g, h, k);
        }
        if (tcpHeader[h] != tcpHeader[k]
                || b.getInt(th + 8) != b.getInt(tk + 8)
                || b.getShort(th + 14) != b.getShort(tk + 14)
                || !equal(th + 20, tk + 20, tcpHeader[h] - 20)) {
            // ACK number, window, options.
            return false;
        }
        int expected = b.getInt(th + 4) + dataBytes[g];
        if (b.getInt(tk + 4) != expected || payload[k] > payload[h]) {
            return false;
        }
        return fits(g, k) && checksumsValid(g, h, k);
    }

    private boolean fits(int g, int k) {
        int h = head[g];
        return ipHeader[h] + tcpHeader[h] + dataBytes[g] + payload[k] <= MAX_MERGED && members[g] < MAX_SEGMENTS;
    }

    /** Both the group's first member (checked once) and {@code k} carry valid transport checksums. */
    private boolean checksumsValid(int g, int h, int k) {
        if (!headChecked[g]) {
            if (!InetChecksum.transportValid(b, at[h], protocol[h], at[h] + ipHeader[h], length[h] - ipHeader[h])) {
                // The first member is damaged: it goes alone and the kernel drops it; nothing joins it.
                open[g] = false;
                return false;
            }
            headChecked[g] = true;
        }
        return InetChecksum.transportValid(b, at[k], protocol[k], at[k] + ipHeader[k], length[k] - ipHeader[k]);
    }

    private boolean equal(int x, int y, int n) {
        for (int i = 0; i < n; i++) {
            if (b.get(x + i) != b.get(y + i)) {
                return false;
            }
        }
        return true;
    }
}
