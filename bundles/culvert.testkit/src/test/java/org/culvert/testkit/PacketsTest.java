package org.culvert.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class PacketsTest {
    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    private static Inet4Address v4(int a, int b, int c, int d) throws Exception {
        return (Inet4Address) InetAddress.getByAddress(new byte[] { (byte) a, (byte) b, (byte) c, (byte) d });
    }

    private static Inet6Address v6(String literal) throws Exception {
        return (Inet6Address) InetAddress.getByName(literal);
    }

    @Test
    void ipv4HeaderChecksumMatchesTheTextbookExample() throws Exception {
        // RFC 1071-style example: 4500 0073 0000 4000 4011 xxxx c0a8 0001 c0a8 00c7 has checksum b861.
        byte[] packet = Packets.ipv4Udp(v4(192, 168, 0, 1), 1, v4(192, 168, 0, 199), 2, new byte[0x73 - 28]);
        assertEquals(0xb861, ByteBuffer.wrap(packet).getShort(10) & 0xFFFF);
    }

    @Test
    void ipv4UdpMatchesAnIndependentlyComputedPacket() throws Exception {
        byte[] packet = Packets.ipv4Udp(v4(10, 0, 0, 1), 1234, v4(10, 0, 0, 2), 5678, HELLO);
        ByteBuffer b = ByteBuffer.wrap(packet);
        assertEquals(33, packet.length);
        assertEquals(0x45, b.get(0) & 0xFF);
        assertEquals(33, b.getShort(2));
        assertEquals(0x4000, b.getShort(6), "DF set, no fragment");
        assertEquals(64, b.get(8));
        assertEquals(17, b.get(9));
        assertEquals(0x26ca, b.getShort(10) & 0xFFFF, "IPv4 header checksum");
        assertEquals(1234, b.getShort(20));
        assertEquals(5678, b.getShort(22) & 0xFFFF);
        assertEquals(13, b.getShort(24));
        assertEquals(0x8cff, b.getShort(26) & 0xFFFF, "UDP checksum with the IPv4 pseudo-header");
    }

    @Test
    void ipv6UdpChecksumMatchesAnIndependentlyComputedValue() throws Exception {
        byte[] packet = Packets.ipv6Udp(v6("fd00::1"), 1234, v6("fd00::2"), 5678, HELLO);
        ByteBuffer b = ByteBuffer.wrap(packet);
        assertEquals(53, packet.length);
        assertEquals(0x60, b.get(0) & 0xF0);
        assertEquals(13, b.getShort(4), "payload length");
        assertEquals(17, b.get(6));
        assertEquals(0xa6fd, b.getShort(46) & 0xFFFF, "UDP checksum with the IPv6 pseudo-header");
    }

    @Test
    void parsesWhatItBuilds() throws Exception {
        Packets.UdpPacket p4 = Packets.parseUdp(Packets.ipv4Udp(v4(10, 1, 2, 3), 1000, v4(10, 4, 5, 6), 2000, HELLO));
        assertNotNull(p4);
        assertEquals(4, p4.ipVersion());
        assertEquals(v4(10, 1, 2, 3), p4.source());
        assertEquals(1000, p4.sourcePort());
        assertEquals(v4(10, 4, 5, 6), p4.destination());
        assertEquals(2000, p4.destinationPort());
        assertArrayEquals(HELLO, p4.payload());
        assertTrue(p4.payloadEquals(HELLO));
        assertTrue(p4.checksumsValid());
        assertTrue(p4.isFlow(v4(10, 1, 2, 3), v4(10, 4, 5, 6), 2000));
        assertFalse(p4.isFlow(v4(10, 1, 2, 3), v4(10, 4, 5, 6), 2001));

        Packets.UdpPacket p6 = Packets.parseUdp(Packets.ipv6Udp(v6("fd00::a"), 65535, v6("fd00::b"), 0, HELLO));
        assertNotNull(p6);
        assertEquals(6, p6.ipVersion());
        assertEquals(v6("fd00::a"), p6.source());
        assertEquals(65535, p6.sourcePort());
        assertEquals(0, p6.destinationPort());
        assertArrayEquals(HELLO, p6.payload());
        assertTrue(p6.checksumsValid());
    }

    @Test
    void emptyAndLargestPayloadsRoundTrip() throws Exception {
        assertArrayEquals(new byte[0], Packets.parseUdp(Packets.ipv4Udp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, new byte[0])).payload());
        byte[] big = new byte[Packets.MAX_IPV4_UDP_PAYLOAD];
        big[big.length - 1] = 7;
        Packets.UdpPacket p = Packets.parseUdp(Packets.ipv4Udp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, big));
        assertTrue(p.checksumsValid());
        assertArrayEquals(big, p.payload());
        assertThrows(IllegalArgumentException.class,
                () -> Packets.ipv4Udp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, new byte[Packets.MAX_IPV4_UDP_PAYLOAD + 1]));
    }

    @Test
    void writesAtThePositionAndAdvancesIt() throws Exception {
        ByteBuffer slot = ByteBuffer.allocateDirect(200);
        slot.position(64);
        int length = Packets.writeIpv4Udp(slot, v4(10, 0, 0, 1), 1234, v4(10, 0, 0, 2), 5678, HELLO);
        assertEquals(33, length);
        assertEquals(64 + 33, slot.position());
        slot.limit(slot.position()).position(64);
        Packets.UdpPacket p = Packets.parseUdp(slot);
        assertArrayEquals(HELLO, p.payload());
        assertEquals(64, slot.position(), "parse must not move the buffer");
        assertEquals(0x8cff, slot.getShort(64 + 26) & 0xFFFF);
    }

    @Test
    void aPacketThatDoesNotFitLeavesTheBufferUnchanged() throws Exception {
        ByteBuffer small = ByteBuffer.allocate(32);
        small.position(1);
        assertThrows(BufferOverflowException.class, () -> Packets.writeIpv4Udp(small, v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 2, HELLO));
        assertEquals(1, small.position());
        assertThrows(BufferOverflowException.class,
                () -> Packets.writeIpv6Udp(ByteBuffer.allocate(52), v6("::1"), 1, v6("::2"), 2, HELLO));
    }

    @Test
    void portsOutsideTheRangeAreRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Packets.ipv4Udp(v4(1, 1, 1, 1), -1, v4(2, 2, 2, 2), 2, HELLO));
        assertThrows(IllegalArgumentException.class, () -> Packets.ipv4Udp(v4(1, 1, 1, 1), 1, v4(2, 2, 2, 2), 65536, HELLO));
        assertThrows(IllegalArgumentException.class, () -> Packets.ipv6Udp(v6("::1"), 70000, v6("::2"), 2, HELLO));
    }

    @Test
    void flippedBitsAreReportedAsBadChecksums() throws Exception {
        byte[] packet = Packets.ipv4Udp(v4(10, 0, 0, 1), 1234, v4(10, 0, 0, 2), 5678, HELLO);
        byte[] payloadBit = packet.clone();
        payloadBit[30] ^= 0x01;
        assertFalse(Packets.parseUdp(payloadBit).checksumsValid(), "payload corruption");
        byte[] headerBit = packet.clone();
        headerBit[8] ^= 0x01; // TTL
        assertFalse(Packets.parseUdp(headerBit).checksumsValid(), "header corruption");

        byte[] v6 = Packets.ipv6Udp(v6("fd00::1"), 1, v6("fd00::2"), 2, HELLO);
        v6[50] ^= 0x40;
        assertFalse(Packets.parseUdp(v6).checksumsValid());
    }

    @Test
    void zeroUdpChecksumIsValidOverIpv4Only() throws Exception {
        byte[] v4 = Packets.ipv4Udp(v4(10, 0, 0, 1), 1, v4(10, 0, 0, 2), 2, HELLO);
        v4[26] = 0;
        v4[27] = 0;
        assertTrue(Packets.parseUdp(v4).checksumsValid(), "IPv4 UDP checksum 0 means none");
        byte[] v6 = Packets.ipv6Udp(v6("fd00::1"), 1, v6("fd00::2"), 2, HELLO);
        v6[46] = 0;
        v6[47] = 0;
        assertFalse(Packets.parseUdp(v6).checksumsValid(), "IPv6 UDP checksum is mandatory");
    }

    @Test
    void whatIsNotAWholeUdpPacketIsNotParsed() throws Exception {
        byte[] good = Packets.ipv4Udp(v4(10, 0, 0, 1), 1, v4(10, 0, 0, 2), 2, HELLO);
        assertNull(Packets.parseUdp(new byte[0]), "empty");
        assertNull(Packets.parseUdp(new byte[] { 0x45, 0, 0 }), "truncated header");
        assertNull(Packets.parseUdp(java.util.Arrays.copyOf(good, good.length - 1)), "shorter than its total length");
        byte[] tcp = good.clone();
        tcp[9] = 6;
        assertNull(Packets.parseUdp(tcp), "TCP");
        byte[] fragment = good.clone();
        fragment[6] = 0x20; // more fragments
        assertNull(Packets.parseUdp(fragment), "a fragment");
        byte[] badIhl = good.clone();
        badIhl[0] = 0x44;
        assertNull(Packets.parseUdp(badIhl), "IHL below 5");
        byte[] badUdpLength = good.clone();
        badUdpLength[25] = 100;
        assertNull(Packets.parseUdp(badUdpLength), "UDP length beyond the packet");
        byte[] version5 = good.clone();
        version5[0] = 0x55;
        assertNull(Packets.parseUdp(version5), "IP version 5");
        byte[] v6 = Packets.ipv6Udp(v6("fd00::1"), 1, v6("fd00::2"), 2, HELLO);
        v6[6] = 0; // hop-by-hop extension header
        assertNull(Packets.parseUdp(v6), "IPv6 extension headers are not followed");
    }
}
