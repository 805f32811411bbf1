package org.culvert.openvpn.session;

import java.nio.ByteBuffer;

/** Builds IPv4/IPv6 TCP packets with correct checksums, and checks checksums, for tests. */
final class Packets {
    private Packets() {
    }

    static final byte[] SRC4 = {10, (byte) 202, 0, 1};
    static final byte[] DST4 = {10, (byte) 202, 0, 2};
    static final byte[] SRC6 = ipv6(1);
    static final byte[] DST6 = ipv6(2);

    private static byte[] ipv6(int last) {
        byte[] a = new byte[16];
        a[0] = (byte) 0xfd;
        a[15] = (byte) last;
        return a;
    }

    /** TCP options: MSS, NOP, window scale, SACK permitted, timestamps — what Linux puts in a SYN. */
    static byte[] synOptions(int mss) {
        return new byte[] {2, 4, (byte) (mss >>> 8), (byte) mss, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0};
    }

    static byte[] tcp(int flags, byte[] options, int payload) {
        int header = 20 + options.length;
        ByteBuffer t = ByteBuffer.allocate(header + payload);
        t.putShort((short) 40000).putShort((short) 5001).putInt(12345).putInt(flags == 0x12 ? 777 : 0);
        t.put((byte) ((header / 4) << 4)).put((byte) flags).putShort((short) 64240).putShort((short) 0).putShort((short) 0);
        t.put(options);
        for (int i = 0; i < payload; i++) {
            t.put((byte) (i * 7));
        }
        return t.array();
    }

    static byte[] ipv4(byte[] tcp) {
        ByteBuffer p = ByteBuffer.allocate(20 + tcp.length);
        p.put((byte) 0x45).put((byte) 0).putShort((short) (20 + tcp.length)).putShort((short) 1).putShort((short) 0x4000);
        p.put((byte) 64).put((byte) 6).putShort((short) 0).put(SRC4).put(DST4).put(tcp);
        byte[] b = p.array();
        int ipSum = ~sum(b, 0, 20, 0) & 0xFFFF;
        b[10] = (byte) (ipSum >>> 8);
        b[11] = (byte) ipSum;
        setTcpChecksum(b, 20, 4);
        return b;
    }

    static byte[] ipv6(byte[] tcp) {
        ByteBuffer p = ByteBuffer.allocate(40 + tcp.length);
        p.putInt(0x60000000).putShort((short) tcp.length).put((byte) 6).put((byte) 64).put(SRC6).put(DST6).put(tcp);
        byte[] b = p.array();
        setTcpChecksum(b, 40, 6);
        return b;
    }

    private static void setTcpChecksum(byte[] b, int tcp, int version) {
        b[tcp + 16] = 0;
        b[tcp + 17] = 0;
        int c = ~tcpSum(b, tcp, version) & 0xFFFF;
        b[tcp + 16] = (byte) (c >>> 8);
        b[tcp + 17] = (byte) c;
    }

    /** True if the TCP checksum of the packet (IP header at {@code ip}) verifies. */
    static boolean tcpChecksumValid(byte[] b, int ip) {
        int version = (b[ip] & 0xFF) >>> 4;
        int tcp = version == 4 ? ip + (b[ip] & 0x0F) * 4 : ip + 40;
        return tcpSum(b, tcp, version) == 0xFFFF;
    }

    private static int tcpSum(byte[] b, int tcp, int version) {
        int ip = version == 4 ? tcp - 20 : tcp - 40;
        int length = b.length - tcp;
        int s = 0;
        if (version == 4) {
            s = sum(b, ip + 12, 8, s);
        } else {
            s = sum(b, ip + 8, 32, s);
        }
        s += 6 + length;
        s = sum(b, tcp, length, s);
        return fold(s);
    }

    private static int sum(byte[] b, int off, int len, int s) {
        for (int i = 0; i + 1 < len; i += 2) {
            s += ((b[off + i] & 0xFF) << 8) | (b[off + i + 1] & 0xFF);
        }
        if ((len & 1) != 0) {
            s += (b[off + len - 1] & 0xFF) << 8;
        }
        return fold(s);
    }

    private static int fold(int s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return s;
    }

    /** The value of the first MSS option, or -1. */
    static int mss(byte[] b, int ip) {
        int version = (b[ip] & 0xFF) >>> 4;
        int tcp = version == 4 ? ip + (b[ip] & 0x0F) * 4 : ip + 40;
        int end = tcp + ((b[tcp + 12] & 0xFF) >>> 4) * 4;
        for (int o = tcp + 20; o < end;) {
            int kind = b[o] & 0xFF;
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                o++;
                continue;
            }
            if (kind == 2) {
                return ((b[o + 2] & 0xFF) << 8) | (b[o + 3] & 0xFF);
            }
            o += b[o + 1] & 0xFF;
        }
        return -1;
    }

    static byte[] ethernet(int etherType, byte[] packet, boolean vlan) {
        ByteBuffer e = ByteBuffer.allocate((vlan ? 18 : 14) + packet.length);
        e.put(new byte[] {2, 0, 0, 0, 0, 2}).put(new byte[] {2, 0, 0, 0, 0, 1});
        if (vlan) {
            e.putShort((short) 0x8100).putShort((short) 42);
        }
        e.putShort((short) etherType).put(packet);
        return e.array();
    }
}
