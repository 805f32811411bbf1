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
    static long add(ByteBuffer b, int at, int length, long sum) {
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
     * The pseudo-header sum of an IPv4 ({@code version 4}) or IPv6 packet whose IP header starts at
     * {@code ip}: addresses, protocol and the transport length {@code l4Length}.
     */
    static long pseudoHeader(ByteBuffer b, int ip, int version, int protocol, int l4Length) {
        long sum = version == 4 ? add(b, ip + 12, 8, 0) : add(b, ip + 8, 32, 0);
        return sum + protocol + l4Length;
    }

    /** The IPv4 header checksum field's value for the {@code ihl}-byte header at {@code ip} (its own field counted as zero). */
    static int ipv4Header(ByteBuffer b, int ip, int ihl) {
        long sum = add(b, ip, ihl, 0) - (b.getShort(ip + 10) & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /** True when the transport segment at {@code l4} ({@code l4Length} bytes) carries a valid checksum. */
    static boolean transportValid(ByteBuffer b, int ip, int version, int protocol, int l4, int l4Length) {
        long sum = add(b, l4, l4Length, pseudoHeader(b, ip, version, protocol, l4Length));
        return fold(sum) == 0xFFFF;
    }
}
