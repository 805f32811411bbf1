package org.culvert.tun.linux;

import java.nio.ByteBuffer;

/**
 * Builds IPv4/IPv6 TCP segments with valid checksums for the GRO tests; each setter returns a
 * copy, so a test derives the next segment from the last. Checksums are computed here byte by
 * byte, independently of {@link InetChecksum}.
 */
final class TcpSegment {
    int version = 4;
    byte[] src = {10, 0, 0, 1};
    byte[] dst = {10, 0, 0, 2};
    int sport = 40000;
    int dport = 5201;
    int id = 100;
    int ttl = 64;
    int tos = 0;
    boolean df = true;
    int flowLabel = 0;
    long seq = 1000;
    long ack = 5000;
    int flags = 0x10;
    int window = 512;
    byte[] options = {};
    int ipOptions = 0;
    int payload = 1000;
    boolean badChecksum;
    /** A UDP datagram instead (its payload still numbered by {@link #seq}). */
    boolean udp;
    /** UDP: send a zero checksum (IPv4's "none"). */
    boolean zeroChecksum;

    static TcpSegment v4() {
        return new TcpSegment();
    }

    static TcpSegment v6() {
        TcpSegment s = new TcpSegment();
        s.version = 6;
        s.src = new byte[16];
        s.dst = new byte[16];
        s.src[0] = (byte) 0xfd;
        s.dst[0] = (byte) 0xfd;
        s.src[15] = 1;
        s.dst[15] = 2;
        return s;
    }

    private TcpSegment copy() {
        TcpSegment c = new TcpSegment();
        c.version = version;
        c.src = src;
        c.dst = dst;
        c.sport = sport;
        c.dport = dport;
        c.id = id;
        c.ttl = ttl;
        c.tos = tos;
        c.df = df;
        c.flowLabel = flowLabel;
        c.seq = seq;
        c.ack = ack;
        c.flags = flags;
        c.window = window;
        c.options = options;
        c.ipOptions = ipOptions;
        c.payload = payload;
        c.badChecksum = badChecksum;
        c.udp = udp;
        c.zeroChecksum = zeroChecksum;
        return c;
    }

    /** The segment that follows this one: next sequence number and IPv4 id. */
    TcpSegment following() {
        TcpSegment c = copy();
        c.seq = seq + payload;
        c.id = (id + 1) & 0xFFFF;
        return c;
    }

    TcpSegment with(java.util.function.Consumer<TcpSegment> change) {
        TcpSegment c = copy();
        change.accept(c);
        return c;
    }

    int ipHeaderLength() {
        return version == 4 ? 20 + ipOptions : 40;
    }

    int tcpHeaderLength() {
        return udp ? 8 : 20 + options.length;
    }

    /** Payload byte {@code i}: a function of the sequence number, so merged payloads can be checked. */
    static byte payloadByte(long seqOfByte) {
        return (byte) (seqOfByte * 31 + (seqOfByte >>> 8));
    }

    byte[] bytes() {
        int ihl = ipHeaderLength();
        int thl = tcpHeaderLength();
        int total = ihl + thl + payload;
        ByteBuffer b = ByteBuffer.allocate(total);
        if (version == 4) {
            b.put((byte) (0x40 | (ihl / 4))).put((byte) tos).putShort((short) total).putShort((short) id)
                    .putShort((short) (df ? 0x4000 : 0)).put((byte) ttl).put((byte) (udp ? 17 : 6)).putShort((short) 0)
                    .put(src).put(dst);
            for (int i = 0; i < ipOptions; i++) {
                b.put((byte) 1); // NOP options
            }
            b.putShort(10, (short) ~sum(b.array(), 0, ihl, 0));
        } else {
            b.putInt(0x60000000 | (tos << 20) | flowLabel).putShort((short) (thl + payload)).put((byte) (udp ? 17 : 6))
                    .put((byte) ttl).put(src).put(dst);
        }
        if (udp) {
            b.putShort((short) sport).putShort((short) dport).putShort((short) (thl + payload)).putShort((short) 0);
        } else {
            b.putShort((short) sport).putShort((short) dport).putInt((int) seq).putInt((int) ack)
                    .put((byte) ((thl / 4) << 4)).put((byte) flags).putShort((short) window).putShort((short) 0)
                    .putShort((short) 0).put(options);
        }
        for (int i = 0; i < payload; i++) {
            b.put(payloadByte(seq + i));
        }
        byte[] a = b.array();
        int check = ~transportSum(a, version, ihl) & 0xFFFF;
        if (badChecksum) {
            check ^= 0x0101;
        }
        if (udp && zeroChecksum) {
            check = 0;
        } else if (udp && check == 0) {
            check = 0xFFFF;
        }
        int field = ihl + (udp ? 6 : 16);
        a[field] = (byte) (check >>> 8);
        a[field + 1] = (byte) check;
        return a;
    }

    /** Folded one's complement sum of {@code a[from..from+n)}, added to {@code start}. */
    static int sum(byte[] a, int from, int n, int start) {
        long s = start;
        for (int i = 0; i < n; i++) {
            int v = a[from + i] & 0xFF;
            s += (i % 2 == 0) ? v << 8 : v;
        }
        while (s > 0xFFFF) {
            s = (s >>> 16) + (s & 0xFFFF);
        }
        return (int) s;
    }

    /** Sum of the pseudo header and the whole transport segment of packet {@code a} (IP header {@code ihl} bytes). */
    static int transportSum(byte[] a, int version, int ihl) {
        int l4 = a.length - ihl;
        int s = version == 4 ? sum(a, 12, 8, 0) : sum(a, 8, 32, 0);
        int protocol = a[version == 4 ? 9 : 6];
        s = sum(new byte[] {0, (byte) protocol, (byte) (l4 >>> 8), (byte) l4}, 0, 4, s);
        return sum(a, ihl, l4, s);
    }
}
