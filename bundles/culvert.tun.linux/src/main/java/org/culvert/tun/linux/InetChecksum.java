package org.culvert.tun.linux;

import java.nio.ByteBuffer;

/**
 * The Internet checksum (RFC 1071) over bytes of a big-endian buffer, without allocating: sums are
 * carried in a {@code long} and folded to 16 bits only at the end.
 */
final class InetChecksum {
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;

    private InetChecksum() {
    }

    /** Adds {@code length} bytes at absolute index {@code at} to {@code sum} (an odd last byte is padded with zero). */
    static long sum(ByteBuffer b, int at, int length, long sum) {
        int end = at + length;
        int i = at;
        for (; i + 3 < end; i += 4) {
            sum += b.getInt(i) & 0xFFFFFFFFL;
        }
        for (; i + 1 < end; i += 2) {
            sum += b.getShort(i) & 0xFFFF;
        }
        if (i < end) {
            sum += (b.get(i) & 0xFF) << 8;
        }
        return sum;
    }

    /** Folds a sum to 16 bits (not inverted). */
    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    /**
     * The pseudo-header sum of a TCP or UDP packet of {@code l4Length} bytes inside the IP packet at
     * {@code ip} (version from its first nibble; addresses read from the packet).
     */
    static long pseudoHeader(ByteBuffer b, int ip, int protocol, int l4Length) {
        if (((b.get(ip) & 0xF0) >>> 4) == 4) {
            return sum(b, ip + 12, 8, protocol + (long) l4Length);
        }
        return sum(b, ip + 8, 32, protocol + (long) l4Length);
    }

    /** The IPv4 header checksum field's value for the {@code ihl}-byte header at {@code ip} (its own field counted as zero). */
    static int ipv4Header(ByteBuffer b, int ip, int ihl) {
        long sum = sum(b, ip, ihl, 0) - (b.getShort(ip + 10) & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /** True when the transport segment at {@code l4} ({@code l4Length} bytes) carries a valid checksum. */
    static boolean transportValid(ByteBuffer b, int ip, int protocol, int l4, int l4Length) {
        long sum = sum(b, l4, l4Length, pseudoHeader(b, ip, protocol, l4Length));
        return fold(sum) == 0xFFFF;
    }
}
