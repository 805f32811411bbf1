package org.culvert.tun.linux;

import java.nio.ByteBuffer;

/**
 * Checks IP packets the slow, obvious way (byte pairs, no shared code with {@link InetChecksum}), for
 * tests: the packet is {@code position 0 .. limit} of a buffer.
 */
final class IpCheck {
    private IpCheck() {
    }

    private static int onesSum(ByteBuffer b, int from, int to, int acc) {
        for (int i = from; i < to; i += 2) {
            int hi = b.get(i) & 0xFF;
            int lo = i + 1 < to ? b.get(i + 1) & 0xFF : 0;
            acc += (hi << 8) | lo;
            acc = (acc & 0xFFFF) + (acc >>> 16);
        }
        return acc;
    }

    static boolean ipv4HeaderValid(ByteBuffer p) {
        return onesSum(p, 0, (p.get(0) & 0x0F) * 4, 0) == 0xFFFF;
    }

    static int l4Offset(ByteBuffer p) {
        return (p.get(0) & 0xF0) == 0x40 ? (p.get(0) & 0x0F) * 4 : 40;
    }

    static int protocol(ByteBuffer p) {
        return (p.get(0) & 0xF0) == 0x40 ? p.get(9) & 0xFF : p.get(6) & 0xFF;
    }

    /** The TCP or UDP checksum over the pseudo-header and the whole L4 part verifies. */
    static boolean l4Valid(ByteBuffer p) {
        boolean v4 = (p.get(0) & 0xF0) == 0x40;
        int l4 = l4Offset(p);
        int length = p.limit() - l4;
        int acc = v4 ? onesSum(p, 12, 20, 0) : onesSum(p, 8, 40, 0);
        acc = onesSum(ByteBuffer.allocate(4).putShort(0, (short) protocol(p)).putShort(2, (short) length), 0, 4, acc);
        acc = onesSum(p, l4, p.limit(), acc);
        return acc == 0xFFFF;
    }

    /** IP and TCP/UDP headers' length. */
    static int headersLength(ByteBuffer p) {
        int l4 = l4Offset(p);
        return protocol(p) == 6 ? l4 + ((p.get(l4 + 12) & 0xF0) >>> 4) * 4 : l4 + 8;
    }

    /** Fills in the IPv4 header checksum and the TCP/UDP checksum of the packet, the obvious way. */
    static void fillChecksums(ByteBuffer p) {
        boolean v4 = (p.get(0) & 0xF0) == 0x40;
        int l4 = l4Offset(p);
        if (v4) {
            p.putShort(10, (short) 0);
            p.putShort(10, (short) ~onesSum(p, 0, l4, 0));
        }
        int at = l4 + (protocol(p) == 6 ? 16 : 6);
        p.putShort(at, (short) 0);
        int length = p.limit() - l4;
        int acc = v4 ? onesSum(p, 12, 20, 0) : onesSum(p, 8, 40, 0);
        acc = onesSum(ByteBuffer.allocate(4).putShort(0, (short) protocol(p)).putShort(2, (short) length), 0, 4, acc);
        p.putShort(at, (short) ~onesSum(p, l4, p.limit(), acc));
    }
}
