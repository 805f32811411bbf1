package org.culvert.tun.linux;

import java.nio.ByteBuffer;

/**
 * Splits one large TCP or UDP packet the kernel handed up with a {@link VirtioNetHdr} ({@code GSO_TCPV4},
 * {@code GSO_TCPV6}, {@code GSO_UDP_L4}) into the packets it stands for, as the kernel's own
 * {@code tcp_gso_segment}/{@code __udp_gso_segment} would have: each segment carries {@code gso_size}
 * payload bytes (the last one what is left) behind a copy of the headers, with the IP length, the IPv4
 * id (incremented per segment) and header checksum, the TCP sequence number (advanced by the payload
 * before it), FIN and PSH only on the last segment and CWR only on the first, the UDP length, and a
 * full L4 checksum computed afresh (the kernel leaves only the pseudo-header sum in it).
 *
 * <p>{@link #prepare} checks what the kernel claims against the packet itself and refuses (returns
 * false) a header that lies: a zero {@code gso_size}, a type that does not match the IP version or
 * protocol, IP lengths that disagree with what was read, a {@code csum_start} that is not the L4
 * header, IPv4 fragments, IPv6 extension headers. Not thread-safe; allocates nothing.
 */
final class GsoSplit {
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;

    private ByteBuffer src;
    private int off;
    private boolean ipv4;
    private int protocol;
    private int l4;
    private int hdrLen;
    private int payload;
    private int gsoSize;
    private int segments;

    /**
     * Takes the packet of {@code len} bytes at {@code off} in {@code src} (big-endian) with its header's
     * fields; the packet must stay in place until the last {@link #segment} is taken.
     *
     * @return false when the packet cannot be what the header says (a malformed header: drop it)
     */
    boolean prepare(ByteBuffer src, int off, int len, int flags, int gsoType, int gsoSize, int csumStart) {
        this.segments = 0;
        int type = gsoType & ~VirtioNetHdr.GSO_ECN;
        if (gsoSize <= 0 || len < 20) {
            return false;
        }
        int version = (src.get(off) & 0xF0) >>> 4;
        int l4Offset;
        int proto;
        if (version == 4) {
            l4Offset = (src.get(off) & 0x0F) * 4;
            int fragment = src.getShort(off + 6) & 0x3FFF; // MF and the offset; DF may be set
            if (l4Offset < 20 || l4Offset > len || (src.getShort(off + 2) & 0xFFFF) != len || fragment != 0) {
                return false;
            }
            proto = src.get(off + 9) & 0xFF;
        } else if (version == 6) {
            l4Offset = 40;
            if (len < 40 || 40 + (src.getShort(off + 4) & 0xFFFF) != len) {
                return false;
            }
            proto = src.get(off + 6) & 0xFF;
        } else {
            return false;
        }
        switch (type) {
            case VirtioNetHdr.GSO_TCPV4:
                if (version != 4 || proto != PROTO_TCP) {
                    return false;
                }
                break;
            case VirtioNetHdr.GSO_TCPV6:
                if (version != 6 || proto != PROTO_TCP) {
                    return false;
                }
                break;
            case VirtioNetHdr.GSO_UDP_L4:
                if (proto != PROTO_UDP) {
                    return false;
                }
                break;
            default:
                return false; // GSO_UDP (UFO, IP fragments) is never enabled here; anything else is unknown
        }
        if ((flags & VirtioNetHdr.F_NEEDS_CSUM) != 0 && csumStart != l4Offset) {
            return false;
        }
        int headers;
        if (proto == PROTO_TCP) {
            if (l4Offset + 20 > len) {
                return false;
            }
            int doff = ((src.get(off + l4Offset + 12) & 0xF0) >>> 4) * 4;
            if (doff < 20) {
                return false;
            }
            headers = l4Offset + doff;
        } else {
            headers = l4Offset + 8;
        }
        if (headers >= len) {
            return false; // no payload: nothing the kernel would have segmented
        }
        this.src = src;
        this.off = off;
        this.ipv4 = version == 4;
        this.protocol = proto;
        this.l4 = l4Offset;
        this.hdrLen = headers;
        this.payload = len - headers;
        this.gsoSize = gsoSize;
        this.segments = (payload + gsoSize - 1) / gsoSize;
        return true;
    }

    /** Forgets the prepared packet: {@link #segments()} is 0 again. */
    void reset() {
        segments = 0;
    }

    /** How many packets the prepared packet splits into (0 when none is prepared). */
    int segments() {
        return segments;
    }

    /** Length of segment {@code k}. */
    int segmentLength(int k) {
        return hdrLen + Math.min(gsoSize, payload - k * gsoSize);
    }

    /**
     * Writes segment {@code k} as a complete IP packet at {@code at} in {@code dst} (big-endian; room
     * for {@link #segmentLength} bytes) and returns its length.
     */
    int segment(int k, ByteBuffer dst, int at) {
        int chunk = Math.min(gsoSize, payload - k * gsoSize);
        int len = hdrLen + chunk;
        dst.put(at, src, off, hdrLen);
        dst.put(at + hdrLen, src, off + hdrLen + k * gsoSize, chunk);
        if (ipv4) {
            dst.putShort(at + 2, (short) len);
            dst.putShort(at + 4, (short) (src.getShort(off + 4) + k));
            dst.putShort(at + 10, (short) 0);
            dst.putShort(at + 10, (short) ~InetChecksum.fold(InetChecksum.sum(dst, at, l4, 0)));
        } else {
            dst.putShort(at + 4, (short) (len - 40));
        }
        int t = at + l4;
        int l4Length = len - l4;
        int checksumAt;
        if (protocol == PROTO_TCP) {
            dst.putInt(t + 4, src.getInt(off + l4 + 4) + k * gsoSize);
            int tcpFlags = dst.get(t + 13) & 0xFF;
            if (k != segments - 1) {
                tcpFlags &= ~(TCP_FIN | TCP_PSH);
            }
            if (k != 0) {
                tcpFlags &= ~TCP_CWR;
            }
            dst.put(t + 13, (byte) tcpFlags);
            checksumAt = t + 16;
        } else {
            dst.putShort(t + 4, (short) l4Length);
            checksumAt = t + 6;
        }
        dst.putShort(checksumAt, (short) 0);
        int sum = ~InetChecksum.fold(InetChecksum.sum(dst, t, l4Length, InetChecksum.pseudoHeader(dst, at, protocol, l4Length))) & 0xFFFF;
        if (sum == 0 && protocol == PROTO_UDP) {
            sum = 0xFFFF; // 0 means "no checksum" in UDP
        }
        dst.putShort(checksumAt, (short) sum);
        return len;
    }

    /**
     * Completes a partial checksum ({@code VIRTIO_NET_HDR_F_NEEDS_CSUM}) as the kernel's
     * {@code skb_checksum_help} does: the field at {@code csumStart + csumOffset} holds the
     * pseudo-header sum; the sum from {@code csumStart} to the end, folded and inverted, replaces it.
     *
     * @return false when the offsets do not lie inside the packet (a malformed header: drop it)
     */
    static boolean completeChecksum(ByteBuffer b, int off, int len, int csumStart, int csumOffset) {
        if (csumStart < 20 || csumOffset < 0 || csumStart + csumOffset + 2 > len) {
            return false;
        }
        int sum = ~InetChecksum.fold(InetChecksum.sum(b, off + csumStart, len - csumStart, 0)) & 0xFFFF;
        b.putShort(off + csumStart + csumOffset, (short) (sum == 0 ? 0xFFFF : sum));
        return true;
    }
}
