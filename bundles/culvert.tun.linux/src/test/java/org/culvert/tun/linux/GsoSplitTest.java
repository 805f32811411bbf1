package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** {@link GsoSplit} on crafted GSO packets, every segment checked by {@link IpCheck}'s independent checksums. */
class GsoSplitTest {
    private static final int TCP = 6;
    private static final int UDP = 17;

    @Test
    void tcpv4WithIpOptionsSplitsIntoMssSegmentsWithAShorterLast() {
        byte[] payload = payload(4000);
        ByteBuffer packet = tcp4(payload, 4, 0x80 | 0x10 | 0x08 | 0x01, 0x1234_5678, 0xFFF0);
        List<ByteBuffer> segments = split(packet, VirtioNetHdr.GSO_TCPV4, 1448);
        assertEquals(3, segments.size());
        assertEquals(List.of(1448, 1448, 1104), payloadLengths(segments));
        for (int k = 0; k < 3; k++) {
            ByteBuffer s = segments.get(k);
            assertEquals(24, (s.get(0) & 0x0F) * 4, "options kept");
            assertEquals(s.limit(), s.getShort(2) & 0xFFFF);
            assertEquals((0xFFF0 + k) & 0xFFFF, s.getShort(4) & 0xFFFF, "id incremented per segment (wrapping)");
            assertTrue(IpCheck.ipv4HeaderValid(s), "IPv4 header checksum of segment " + k);
            assertTrue(IpCheck.l4Valid(s), "TCP checksum of segment " + k);
            assertEquals(0x1234_5678 + k * 1448, s.getInt(24 + 4), "sequence advanced by the payload before");
            int flags = s.get(24 + 13) & 0xFF;
            assertEquals(k == 0, (flags & 0x80) != 0, "CWR only on the first");
            assertEquals(k == 2, (flags & 0x08) != 0, "PSH only on the last");
            assertEquals(k == 2, (flags & 0x01) != 0, "FIN only on the last");
            assertTrue((flags & 0x10) != 0, "ACK on every segment");
        }
        assertArrayEquals(payload, joinedPayload(segments));
    }

    @Test
    void tcpv6SplitsWithPayloadLengthAndChecksums() {
        byte[] payload = payload(3000);
        ByteBuffer packet = tcp6(payload, 0x18, 7);
        List<ByteBuffer> segments = split(packet, VirtioNetHdr.GSO_TCPV6 | VirtioNetHdr.GSO_ECN, 1000);
        assertEquals(3, segments.size());
        for (int k = 0; k < 3; k++) {
            ByteBuffer s = segments.get(k);
            assertEquals(s.limit() - 40, s.getShort(4) & 0xFFFF);
            assertTrue(IpCheck.l4Valid(s), "TCP checksum of segment " + k);
            assertEquals(7 + k * 1000, s.getInt(40 + 4));
            assertEquals(k == 2, (s.get(40 + 13) & 0x08) != 0);
        }
        assertArrayEquals(payload, joinedPayload(segments));
    }

    @Test
    void smallMssMakesManySegments() {
        byte[] payload = payload(60000);
        List<ByteBuffer> segments = split(tcp4(payload, 0, 0x18, 1, 1), VirtioNetHdr.GSO_TCPV4, 88);
        assertEquals((60000 + 87) / 88, segments.size());
        segments.forEach(s -> assertTrue(IpCheck.l4Valid(s) && IpCheck.ipv4HeaderValid(s)));
        assertArrayEquals(payload, joinedPayload(segments));
    }

    @Test
    void udpL4SplitsIntoDatagramsOverIpv4AndIpv6() {
        byte[] payload = payload(2500);
        for (ByteBuffer packet : List.of(udp4(payload), udp6(payload))) {
            List<ByteBuffer> segments = split(packet, VirtioNetHdr.GSO_UDP_L4, 1200);
            assertEquals(List.of(1200, 1200, 100), payloadLengths(segments));
            int l4 = (packet.get(0) >>> 4) == 4 ? 20 : 40;
            for (ByteBuffer s : segments) {
                assertEquals(s.limit() - l4, s.getShort(l4 + 4) & 0xFFFF, "UDP length");
                assertTrue(IpCheck.l4Valid(s), "UDP checksum");
                assertTrue(s.getShort(l4 + 6) != 0, "UDP checksum present");
            }
            assertArrayEquals(payload, joinedPayload(segments));
        }
    }

    @Test
    void onePayloadNoLargerThanGsoSizeIsOneSegment() {
        List<ByteBuffer> segments = split(tcp4(payload(500), 0, 0x19, 5, 5), VirtioNetHdr.GSO_TCPV4, 1448);
        assertEquals(1, segments.size());
        assertTrue(IpCheck.l4Valid(segments.get(0)));
        assertEquals(0x19, segments.get(0).get(20 + 13) & 0xFF, "the only segment keeps FIN and PSH");
    }

    @Test
    void headersThatLieAreRefused() {
        GsoSplit split = new GsoSplit();
        ByteBuffer v4 = tcp4(payload(3000), 0, 0x10, 1, 1);
        int n = v4.limit();
        assertFalse(split.prepare(v4, 0, n, 0, VirtioNetHdr.GSO_TCPV4, 0, 20), "gso_size 0");
        assertFalse(split.prepare(v4, 0, n, 0, VirtioNetHdr.GSO_TCPV6, 1000, 20), "TCPV6 on IPv4");
        assertFalse(split.prepare(v4, 0, n, 0, VirtioNetHdr.GSO_UDP_L4, 1000, 20), "UDP on a TCP packet");
        assertFalse(split.prepare(v4, 0, n, 0, VirtioNetHdr.GSO_UDP, 1000, 20), "UFO is never enabled");
        assertFalse(split.prepare(v4, 0, n, 0, 9, 1000, 20), "unknown type");
        assertFalse(split.prepare(v4, 0, n, VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_TCPV4, 1000, 24), "csum_start not the L4 header");
        assertFalse(split.prepare(v4, 0, n - 1, 0, VirtioNetHdr.GSO_TCPV4, 1000, 20), "IP length disagrees with the read");
        assertFalse(split.prepare(v4, 0, 19, 0, VirtioNetHdr.GSO_TCPV4, 1000, 20), "shorter than an IP header");
        assertEquals(0, split.segments());
        ByteBuffer bad = copy(v4);
        bad.put(20 + 12, (byte) 0x40);
        assertFalse(split.prepare(bad, 0, n, 0, VirtioNetHdr.GSO_TCPV4, 1000, 20), "TCP data offset below 5");
        bad = copy(v4);
        bad.putShort(6, (short) 0x2000);
        assertFalse(split.prepare(bad, 0, n, 0, VirtioNetHdr.GSO_TCPV4, 1000, 20), "an IPv4 fragment");
        bad = copy(v4);
        bad.put(0, (byte) 0x44);
        assertFalse(split.prepare(bad, 0, n, 0, VirtioNetHdr.GSO_TCPV4, 1000, 20), "IHL below 5");
        bad = copy(v4);
        bad.put(0, (byte) 0x55);
        bad.put(9, (byte) UDP);
        assertFalse(split.prepare(bad, 0, n, 0, VirtioNetHdr.GSO_TCPV4, 1000, 20), "not TCP");
        ByteBuffer v6 = tcp6(payload(2000), 0x10, 1);
        v6.put(6, (byte) 0); // hop-by-hop options: extension headers are not split
        assertFalse(split.prepare(v6, 0, v6.limit(), 0, VirtioNetHdr.GSO_TCPV6, 1000, 40), "IPv6 extension header");
        ByteBuffer headersOnly = tcp4(new byte[0], 0, 0x10, 1, 1);
        assertFalse(split.prepare(headersOnly, 0, headersOnly.limit(), 0, VirtioNetHdr.GSO_TCPV4, 1000, 20), "no payload");
        assertTrue(split.prepare(v4, 0, n, VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_TCPV4, 1000, 20), "the honest header");
    }

    @Test
    void partialChecksumsAreCompleted() {
        for (ByteBuffer p : List.of(tcp4(payload(777), 0, 0x18, 9, 9), udp6(payload(333)))) {
            boolean v4 = (p.get(0) >>> 4) == 4;
            int l4 = v4 ? 20 : 40;
            int at = l4 + (p.get(v4 ? 9 : 6) == TCP ? 16 : 6);
            int l4Length = p.limit() - l4;
            // As the kernel leaves it with CHECKSUM_PARTIAL: the folded pseudo-header sum, not inverted.
            p.putShort(at, (short) InetChecksum.fold(InetChecksum.pseudoHeader(p, 0, p.get(v4 ? 9 : 6), l4Length)));
            assertFalse(IpCheck.l4Valid(p));
            assertTrue(GsoSplit.completeChecksum(p, 0, p.limit(), l4, at - l4));
            assertTrue(IpCheck.l4Valid(p));
        }
        ByteBuffer p = tcp4(payload(100), 0, 0x18, 9, 9);
        assertFalse(GsoSplit.completeChecksum(p, 0, p.limit(), 10, 16), "csum_start inside the IP header");
        assertFalse(GsoSplit.completeChecksum(p, 0, p.limit(), 20, p.limit() - 21), "csum_offset past the end");
        assertFalse(GsoSplit.completeChecksum(p, 0, p.limit(), p.limit(), 0), "csum_start past the end");
    }

    // --- helpers ---

    static byte[] payload(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static List<ByteBuffer> split(ByteBuffer packet, int gsoType, int gsoSize) {
        GsoSplit split = new GsoSplit();
        int l4 = (packet.get(0) >>> 4) == 4 ? (packet.get(0) & 0x0F) * 4 : 40;
        assertTrue(split.prepare(packet, 0, packet.limit(), VirtioNetHdr.F_NEEDS_CSUM, gsoType, gsoSize, l4));
        List<ByteBuffer> out = new ArrayList<>();
        for (int k = 0; k < split.segments(); k++) {
            ByteBuffer dst = ByteBuffer.allocate(split.segmentLength(k) + 7);
            assertEquals(split.segmentLength(k), split.segment(k, dst, 7));
            out.add(dst.position(7).slice().limit(split.segmentLength(k)));
        }
        return out;
    }

    private static List<Integer> payloadLengths(List<ByteBuffer> segments) {
        List<Integer> out = new ArrayList<>();
        segments.forEach(s -> out.add(s.limit() - IpCheck.headersLength(s)));
        return out;
    }

    private static byte[] joinedPayload(List<ByteBuffer> segments) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer s : segments) {
            int h = IpCheck.headersLength(s);
            byte[] b = new byte[s.limit() - h];
            s.get(h, b);
            out.write(b, 0, b.length);
        }
        return out.toByteArray();
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.limit());
        c.put(0, b, 0, b.limit());
        return c;
    }

    /** An IPv4 TCP packet with {@code optionBytes} of IP options and a 12-byte TCP option (timestamps' size). */
    static ByteBuffer tcp4(byte[] payload, int optionBytes, int flags, int seq, int id) {
        int ihl = 20 + optionBytes;
        int len = ihl + 32 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(len);
        b.put(0, (byte) (0x40 | ihl / 4)).putShort(2, (short) len).putShort(4, (short) id).putShort(6, (short) 0x4000);
        b.put(8, (byte) 64).put(9, (byte) TCP).put(12, new byte[] {10, 1, 0, 1}).put(16, new byte[] {10, 1, 0, 2});
        for (int i = 20; i < ihl; i++) {
            b.put(i, (byte) 1); // NOP options
        }
        tcpHeader(b, ihl, flags, seq);
        b.put(ihl + 32, payload);
        return b;
    }

    static ByteBuffer tcp6(byte[] payload, int flags, int seq) {
        int len = 40 + 32 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(len);
        b.put(0, (byte) 0x60).putShort(4, (short) (len - 40)).put(6, (byte) TCP).put(7, (byte) 64);
        b.put(8 + 15, (byte) 1).put(8, (byte) 0xfd).put(24, (byte) 0xfd).put(24 + 15, (byte) 2);
        tcpHeader(b, 40, flags, seq);
        b.put(72, payload);
        return b;
    }

    private static void tcpHeader(ByteBuffer b, int at, int flags, int seq) {
        b.putShort(at, (short) 40000).putShort(at + 2, (short) 5201).putInt(at + 4, seq).putInt(at + 8, 99);
        b.put(at + 12, (byte) 0x80).put(at + 13, (byte) flags).putShort(at + 14, (short) 512);
        b.put(at + 20, new byte[] {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2});
    }

    static ByteBuffer udp4(byte[] payload) {
        int len = 28 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(len);
        b.put(0, (byte) 0x45).putShort(2, (short) len).putShort(4, (short) 77);
        b.put(8, (byte) 64).put(9, (byte) UDP).put(12, new byte[] {10, 1, 0, 1}).put(16, new byte[] {10, 1, 0, 2});
        b.putShort(20, (short) 5000).putShort(22, (short) 6000).putShort(24, (short) (len - 20));
        b.put(28, payload);
        return b;
    }

    static ByteBuffer udp6(byte[] payload) {
        int len = 48 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(len);
        b.put(0, (byte) 0x60).putShort(4, (short) (len - 40)).put(6, (byte) UDP).put(7, (byte) 64);
        b.put(8, (byte) 0xfd).put(8 + 15, (byte) 1).put(24, (byte) 0xfd).put(24 + 15, (byte) 2);
        b.putShort(40, (short) 5000).putShort(42, (short) 6000).putShort(44, (short) (len - 40));
        b.put(48, payload);
        return b;
    }
}
