package org.culvert.testkit;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Builds and parses IPv4/UDP and IPv6/UDP packets with correct checksums, for tests of tun devices
 * and of the tunnel core. Stateless and thread-safe. Not for the data path: it allocates.
 *
 * <p>Built packets have no IP options, IPv4 "don't fragment" set, TTL / hop limit 64, and a UDP
 * checksum (never 0; for IPv6 it is mandatory). Parsing accepts only unfragmented packets without
 * IPv4 options beyond the header length field or IPv6 extension headers, and reports checksum
 * validity instead of rejecting bad checksums, so tests can assert on them.
 */
public final class Packets {
    /** Length of the IPv4 header built here (no options). */
    public static final int IPV4_HEADER_LENGTH = 20;
    /** Length of the fixed IPv6 header. */
    public static final int IPV6_HEADER_LENGTH = 40;
    public static final int UDP_HEADER_LENGTH = 8;
    /** Largest UDP payload an IPv4 packet can carry (total length is 16 bits). */
    public static final int MAX_IPV4_UDP_PAYLOAD = 65535 - IPV4_HEADER_LENGTH - UDP_HEADER_LENGTH;
    /** Largest UDP payload an IPv6 packet without jumbogram option can carry. */
    public static final int MAX_IPV6_UDP_PAYLOAD = 65535 - UDP_HEADER_LENGTH;

    private static final int PROTO_UDP = 17;
    private static final int DEFAULT_TTL = 64;

    private Packets() {
    }

    /** An IPv4/UDP packet from {@code src:srcPort} to {@code dst:dstPort} carrying {@code payload}. */
    public static byte[] ipv4Udp(Inet4Address src, int srcPort, Inet4Address dst, int dstPort, byte[] payload) {
        byte[] packet = new byte[IPV4_HEADER_LENGTH + UDP_HEADER_LENGTH + payload.length];
        writeIpv4Udp(ByteBuffer.wrap(packet), src, srcPort, dst, dstPort, payload);
        return packet;
    }

    /**
     * Writes an IPv4/UDP packet at {@code out.position()} and advances the position past it (a
     * {@link org.culvert.api.packet.PacketBatch} slot prepared for reading has its position at the
     * headroom, so after this call {@code flip}-free framing is {@code limit(position).position(start)}).
     *
     * @return the packet's length
     * @throws BufferOverflowException if it does not fit, leaving {@code out} unchanged
     * @throws IllegalArgumentException on a port outside 0..65535 or an oversized payload
     */
    public static int writeIpv4Udp(ByteBuffer out, Inet4Address src, int srcPort, Inet4Address dst, int dstPort, byte[] payload) {
        checkPort(srcPort);
        checkPort(dstPort);
        if (payload.length > MAX_IPV4_UDP_PAYLOAD) {
            throw new IllegalArgumentException("UDP payload " + payload.length + " exceeds " + MAX_IPV4_UDP_PAYLOAD);
        }
        int udpLength = UDP_HEADER_LENGTH + payload.length;
        int total = IPV4_HEADER_LENGTH + udpLength;
        if (out.remaining() < total) {
            throw new BufferOverflowException();
        }
        int start = out.position();
        byte[] s = src.getAddress();
        byte[] d = dst.getAddress();
        out.put((byte) 0x45).put((byte) 0).putShort((short) total);
        out.putShort((short) 0).putShort((short) 0x4000); // id 0 with DF: never fragmented
        out.put((byte) DEFAULT_TTL).put((byte) PROTO_UDP).putShort((short) 0).put(s).put(d);
        out.putShort(start + 10, (short) ~onesComplementSum(out, start, IPV4_HEADER_LENGTH, 0));
        writeUdp(out, s, d, srcPort, dstPort, payload, udpLength);
        return total;
    }

    /** An IPv6/UDP packet from {@code [src]:srcPort} to {@code [dst]:dstPort} carrying {@code payload}. */
    public static byte[] ipv6Udp(Inet6Address src, int srcPort, Inet6Address dst, int dstPort, byte[] payload) {
        byte[] packet = new byte[IPV6_HEADER_LENGTH + UDP_HEADER_LENGTH + payload.length];
        writeIpv6Udp(ByteBuffer.wrap(packet), src, srcPort, dst, dstPort, payload);
        return packet;
    }

    /** As {@link #writeIpv4Udp}, for IPv6. */
    public static int writeIpv6Udp(ByteBuffer out, Inet6Address src, int srcPort, Inet6Address dst, int dstPort, byte[] payload) {
        checkPort(srcPort);
        checkPort(dstPort);
        if (payload.length > MAX_IPV6_UDP_PAYLOAD) {
            throw new IllegalArgumentException("UDP payload " + payload.length + " exceeds " + MAX_IPV6_UDP_PAYLOAD);
        }
        int udpLength = UDP_HEADER_LENGTH + payload.length;
        int total = IPV6_HEADER_LENGTH + udpLength;
        if (out.remaining() < total) {
            throw new BufferOverflowException();
        }
        byte[] s = src.getAddress();
        byte[] d = dst.getAddress();
        out.putInt(0x6000_0000).putShort((short) udpLength).put((byte) PROTO_UDP).put((byte) DEFAULT_TTL).put(s).put(d);
        writeUdp(out, s, d, srcPort, dstPort, payload, udpLength);
        return total;
    }

    private static void writeUdp(ByteBuffer out, byte[] src, byte[] dst, int srcPort, int dstPort, byte[] payload, int udpLength) {
        int udpStart = out.position();
        out.putShort((short) srcPort).putShort((short) dstPort).putShort((short) udpLength).putShort((short) 0).put(payload);
        int sum = onesComplementSum(out, udpStart, udpLength, pseudoHeaderSum(src, dst, udpLength));
        int checksum = ~sum & 0xFFFF;
        // 0 means "no checksum" on the wire, so a computed 0 is sent as its ones' complement twin.
        out.putShort(udpStart + 6, (short) (checksum == 0 ? 0xFFFF : checksum));
    }

    /**
     * Parses the IPv4/UDP or IPv6/UDP packet in {@code packet}'s {@code position..limit} without
     * moving them.
     *
     * @return the parsed packet, or null when it is not a well-formed, unfragmented UDP packet
     */
    public static UdpPacket parseUdp(ByteBuffer packet) {
        int start = packet.position();
        int length = packet.remaining();
        if (length < 1) {
            return null;
        }
        int version = (packet.get(start) & 0xFF) >>> 4;
        if (version == 4) {
            return parseIpv4Udp(packet, start, length);
        }
        if (version == 6) {
            return parseIpv6Udp(packet, start, length);
        }
        return null;
    }

    /** As {@link #parseUdp(ByteBuffer)}, for a whole array. */
    public static UdpPacket parseUdp(byte[] packet) {
        return parseUdp(ByteBuffer.wrap(packet));
    }

    private static UdpPacket parseIpv4Udp(ByteBuffer p, int start, int length) {
        if (length < IPV4_HEADER_LENGTH) {
            return null;
        }
        int headerLength = (p.get(start) & 0x0F) * 4;
        int total = p.getShort(start + 2) & 0xFFFF;
        int fragment = p.getShort(start + 6) & 0x3FFF; // MF flag and offset
        int protocol = p.get(start + 9) & 0xFF;
        if (headerLength < IPV4_HEADER_LENGTH || total < headerLength + UDP_HEADER_LENGTH || total > length
                || fragment != 0 || protocol != PROTO_UDP) {
            return null;
        }
        boolean headerOk = onesComplementSum(p, start, headerLength, 0) == 0xFFFF;
        byte[] src = bytes(p, start + 12, 4);
        byte[] dst = bytes(p, start + 16, 4);
        int udpStart = start + headerLength;
        int udpLength = p.getShort(udpStart + 4) & 0xFFFF;
        if (udpLength < UDP_HEADER_LENGTH || udpLength > total - headerLength) {
            return null;
        }
        int udpChecksum = p.getShort(udpStart + 6) & 0xFFFF;
        boolean udpOk = udpChecksum == 0
                || onesComplementSum(p, udpStart, udpLength, pseudoHeaderSum(src, dst, udpLength)) == 0xFFFF;
        return new UdpPacket(4, address(src), p.getShort(udpStart) & 0xFFFF, address(dst),
                p.getShort(udpStart + 2) & 0xFFFF, bytes(p, udpStart + UDP_HEADER_LENGTH, udpLength - UDP_HEADER_LENGTH),
                p.get(start + 8) & 0xFF, headerOk && udpOk);
    }

    private static UdpPacket parseIpv6Udp(ByteBuffer p, int start, int length) {
        if (length < IPV6_HEADER_LENGTH + UDP_HEADER_LENGTH) {
            return null;
        }
        int payloadLength = p.getShort(start + 4) & 0xFFFF;
        int nextHeader = p.get(start + 6) & 0xFF;
        if (nextHeader != PROTO_UDP || payloadLength < UDP_HEADER_LENGTH || payloadLength > length - IPV6_HEADER_LENGTH) {
            return null;
        }
        byte[] src = bytes(p, start + 8, 16);
        byte[] dst = bytes(p, start + 24, 16);
        int udpStart = start + IPV6_HEADER_LENGTH;
        int udpLength = p.getShort(udpStart + 4) & 0xFFFF;
        if (udpLength < UDP_HEADER_LENGTH || udpLength > payloadLength) {
            return null;
        }
        int udpChecksum = p.getShort(udpStart + 6) & 0xFFFF;
        // A zero UDP checksum is invalid over IPv6 (RFC 8200 section 8.1).
        boolean udpOk = udpChecksum != 0
                && onesComplementSum(p, udpStart, udpLength, pseudoHeaderSum(src, dst, udpLength)) == 0xFFFF;
        return new UdpPacket(6, address(src), p.getShort(udpStart) & 0xFFFF, address(dst),
                p.getShort(udpStart + 2) & 0xFFFF, bytes(p, udpStart + UDP_HEADER_LENGTH, udpLength - UDP_HEADER_LENGTH),
                p.get(start + 7) & 0xFF, udpOk);
    }

    /**
     * The 16-bit ones' complement sum (RFC 1071) of {@code length} bytes of {@code buf} from absolute
     * index {@code offset}, added to {@code initial}; an odd trailing byte is padded with zero. The
     * Internet checksum of a block is {@code ~sum & 0xFFFF}; a block that includes its correct
     * checksum sums to {@code 0xFFFF}.
     */
    public static int onesComplementSum(ByteBuffer buf, int offset, int length, int initial) {
        long sum = initial & 0xFFFF_FFFFL;
        int i = offset;
        int end = offset + length;
        for (; i + 1 < end; i += 2) {
            sum += buf.getShort(i) & 0xFFFF;
        }
        if (i < end) {
            sum += (buf.get(i) & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    private static int pseudoHeaderSum(byte[] src, byte[] dst, int udpLength) {
        ByteBuffer pseudo = ByteBuffer.allocate(src.length + dst.length + 8);
        pseudo.put(src).put(dst);
        if (src.length == 4) {
            pseudo.put((byte) 0).put((byte) PROTO_UDP).putShort((short) udpLength);
        } else {
            pseudo.putInt(udpLength).putShort((short) 0).put((byte) 0).put((byte) PROTO_UDP);
        }
        return onesComplementSum(pseudo, 0, pseudo.position(), 0);
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
    }

    private static byte[] bytes(ByteBuffer p, int index, int length) {
        byte[] b = new byte[length];
        p.get(index, b);
        return b;
    }

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("raw address of " + raw.length + " bytes", e); // 4 or 16: cannot happen
        }
    }

    /** A parsed UDP packet. Immutable; {@link #payload()} returns a copy. */
    public static final class UdpPacket {
        private final int ipVersion;
        private final InetAddress source;
        private final int sourcePort;
        private final InetAddress destination;
        private final int destinationPort;
        private final byte[] payload;
        private final int hopLimit;
        private final boolean checksumsValid;

        UdpPacket(int ipVersion, InetAddress source, int sourcePort, InetAddress destination, int destinationPort,
                byte[] payload, int hopLimit, boolean checksumsValid) {
            this.ipVersion = ipVersion;
            this.source = source;
            this.sourcePort = sourcePort;
            this.destination = destination;
            this.destinationPort = destinationPort;
            this.payload = payload;
            this.hopLimit = hopLimit;
            this.checksumsValid = checksumsValid;
        }

        /** 4 or 6. */
        public int ipVersion() {
            return ipVersion;
        }

        public InetAddress source() {
            return source;
        }

        public int sourcePort() {
            return sourcePort;
        }

        public InetAddress destination() {
            return destination;
        }

        public int destinationPort() {
            return destinationPort;
        }

        public byte[] payload() {
            return payload.clone();
        }

        /** True when the payload equals {@code expected}, without copying. */
        public boolean payloadEquals(byte[] expected) {
            return Arrays.equals(payload, expected);
        }

        /** IPv4 TTL or IPv6 hop limit. */
        public int hopLimit() {
            return hopLimit;
        }

        /** IPv4 header checksum and UDP checksum both verify (an IPv4 UDP checksum of 0 counts as valid). */
        public boolean checksumsValid() {
            return checksumsValid;
        }

        /** True when this packet goes from {@code src} to {@code dst}:{@code dstPort}. */
        public boolean isFlow(InetAddress src, InetAddress dst, int dstPort) {
            return Objects.equals(source, src) && Objects.equals(destination, dst) && destinationPort == dstPort;
        }

        @Override
        public String toString() {
            return "UDPv" + ipVersion + " " + source.getHostAddress() + ":" + sourcePort + " -> " + destination.getHostAddress()
                    + ":" + destinationPort + " " + payload.length + "B" + (checksumsValid ? "" : " bad checksum");
        }
    }
}
