package org.culvert.tunnel.internal;

import java.nio.ByteBuffer;

import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunException;

/**
 * OpenVPN's {@code --block-ipv6} on the client side (forward.c {@code process_ip_header} with
 * {@code PIPV6_IMCP_NOHOST_CLIENT}, {@code ipv6_send_icmp_unreachable}): every IPv6 packet read
 * from the tun is answered with an ICMPv6 "no route to destination" written back to the tun, and is
 * not sent. The answer comes from the {@code --ifconfig-ipv6} peer address, else from fe80::7, and
 * carries as much of the packet as fits in 1280 bytes and the tun MTU.
 *
 * <p>Loop thread only; the answer is built in a batch of its own allocated once, so nothing is
 * allocated per packet. A tun that cannot take the answer at once loses it (the sender's stack
 * times out as it would without the answer), as a best-effort ICMP message may be lost.
 */
final class Ipv6Blocker {
    /** RFC 4443: an ICMPv6 error message must not exceed the minimum IPv6 MTU. */
    static final int MAX_ICMPV6_LENGTH = 1280;
    static final int IPV6_HEADER = 40;
    static final int ICMPV6_HEADER = 8;
    private static final int NEXT_HEADER_ICMPV6 = 58;
    private static final int DESTINATION_UNREACHABLE = 1;
    private static final int NO_ROUTE = 0;
    /** OpenVPN's source when there is no --ifconfig-ipv6 peer. */
    static final byte[] FALLBACK_SOURCE = {(byte) 0xfe, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};

    private final TunDevice tun;
    private final Counters counters;
    private final byte[] source;
    private final int tunMtu;
    private final PacketBatch reply;

    /** @param source the 16 bytes of the answer's source address */
    Ipv6Blocker(TunDevice tun, Counters counters, byte[] source, int tunMtu) {
        this.tun = tun;
        this.counters = counters;
        this.source = source.clone();
        this.tunMtu = tunMtu;
        this.reply = PacketBatch.allocate(1, 0, MAX_ICMPV6_LENGTH);
    }

    /**
     * Answers {@code packet} (position..limit, untouched) if it is IPv6.
     *
     * @return true when it was IPv6: it must not be sent
     */
    boolean intercept(ByteBuffer packet) {
        if (packet.remaining() < 1 || (packet.get(packet.position()) & 0xF0) != 0x60) {
            return false;
        }
        ByteBuffer out = reply.prepareSlot(0);
        if (unreachable(packet, out, source, tunMtu)) {
            reply.count(1);
            try {
                if (tun.write(reply, 0) == 1) {
                    counters.tunWrite(out.remaining());
                }
            } catch (TunException e) {
                // The answer is best effort; the packet is blocked either way.
            }
        }
        return true;
    }

    /**
     * Writes into {@code out} (from its position) the ICMPv6 destination-unreachable answer to the IPv6
     * packet {@code in}, and flips {@code out} to frame it.
     *
     * @return false when {@code in} is shorter than an IPv6 header (nothing to answer)
     */
    static boolean unreachable(ByteBuffer in, ByteBuffer out, byte[] source, int tunMtu) {
        int start = in.position();
        int length = in.remaining();
        if (length < IPV6_HEADER) {
            return false;
        }
        int payload = Math.min(Math.min(MAX_ICMPV6_LENGTH, tunMtu) - IPV6_HEADER - ICMPV6_HEADER, length);
        payload = Math.max(0, Math.min(payload, out.remaining() - IPV6_HEADER - ICMPV6_HEADER));
        int o = out.position();
        // IPv6 header: version, traffic class, flow label and hop limit as in the packet, reversed addresses.
        out.putInt(o, in.getInt(start));
        out.putShort(o + 4, (short) (ICMPV6_HEADER + payload));
        out.put(o + 6, (byte) NEXT_HEADER_ICMPV6);
        out.put(o + 7, in.get(start + 7));
        out.put(o + 8, source);
        for (int i = 0; i < 16; i++) {
            out.put(o + 24 + i, in.get(start + 8 + i));
        }
        int icmp = o + IPV6_HEADER;
        out.put(icmp, (byte) DESTINATION_UNREACHABLE);
        out.put(icmp + 1, (byte) NO_ROUTE);
        out.putShort(icmp + 2, (short) 0);
        out.putInt(icmp + 4, 0);
        for (int i = 0; i < payload; i++) {
            out.put(icmp + ICMPV6_HEADER + i, in.get(start + i));
        }
        int icmpLength = ICMPV6_HEADER + payload;
        out.putShort(icmp + 2, (short) checksum(out, o + 8, icmp, icmpLength));
        out.limit(icmp + icmpLength);
        out.position(o);
        return true;
    }

    /** RFC 4443 §2.3: the ones' complement sum over the pseudo-header (addresses, length, next header) and the message. */
    static int checksum(ByteBuffer b, int addresses, int message, int length) {
        long sum = 0;
        for (int i = 0; i < 32; i += 2) {
            sum += b.getShort(addresses + i) & 0xFFFF;
        }
        sum += length;
        sum += NEXT_HEADER_ICMPV6;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += b.getShort(message + i) & 0xFFFF;
        }
        if ((length & 1) != 0) {
            sum += (b.get(message + length - 1) & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }
}
