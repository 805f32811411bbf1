package org.culvert.tun.linux;

import java.nio.ByteBuffer;

/** The Internet checksum (RFC 1071) over big-endian buffers, and the IPv4/IPv6 pseudo-headers of TCP and UDP. */
final class InetChecksum {
    private InetChecksum() {
    }

    /**
     * Adds {@code len} bytes at {@code off} to {@code acc} as 16-bit big-endian words (an odd last byte
     * padded with zero). 32-bit words may be summed because 2^16 is 1 modulo 2^16-1; {@link #fold}
     * brings the sum back to 16 bits. Absolute reads: the buffer must be big-endian.
     */
    static long sum(ByteBuffer b, int off, int len, long acc) {
        int i = off;
        int end = off + len;
        while (i + 4 <= end) {
            acc += b.getInt(i) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (i + 2 <= end) {
            acc += b.getShort(i) & 0xFFFF;
            i += 2;
        }
        if (i < end) {
            acc += (b.get(i) & 0xFF) << 8;
        }
        return acc;
    }

    /** Folds a sum to 16 bits (not inverted). */
    static int fold(long acc) {
        while ((acc >>> 16) != 0) {
            acc = (acc & 0xFFFF) + (acc >>> 16);
        }
        return (int) acc;
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
        long acc = sum(b, ip, ihl, 0) - (b.getShort(ip + 10) & 0xFFFF);
        return ~fold(acc) & 0xFFFF;
    }

    /** True when the transport segment at {@code l4} ({@code l4Length} bytes) of the IP packet at {@code ip} carries a valid checksum. */
    static boolean transportValid(ByteBuffer b, int ip, int protocol, int l4, int l4Length) {
        return fold(sum(b, l4, l4Length, pseudoHeader(b, ip, protocol, l4Length))) == 0xFFFF;
    }
}
