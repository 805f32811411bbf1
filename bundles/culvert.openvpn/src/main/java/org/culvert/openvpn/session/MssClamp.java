package org.culvert.openvpn.session;

import java.nio.ByteBuffer;
import org.culvert.openvpn.config.DevType;

/**
 * Lowers the TCP MSS option of SYN packets that cross the tunnel, in either direction, so that the
 * resulting tunnel packets fit the link ({@code --mssfix}). IPv4 SYNs are clamped to
 * {@link #maxMss()}, IPv6 SYNs to 20 less (the larger IPv6 header), as OpenVPN 2.6 does. The TCP
 * checksum is adjusted incrementally (RFC 1624).
 *
 * <p>Only packets that are unfragmented, whose length fields match the buffer, and (IPv6) whose
 * next header is TCP directly are touched; anything malformed is left alone. With tap, the IP packet
 * follows the Ethernet header (and one 802.1Q tag, if present). Reads and writes
 * {@code packet[position, limit)} in place with absolute accesses, leaving position and limit as
 * they were; allocates nothing; never throws for any packet content. Immutable.
 */
public final class MssClamp {
    private static final int IPV4_MIN_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int TCP_MIN_HEADER = 20;
    private static final int ETHERNET_HEADER = 14;
    private static final int VLAN_ETHERNET_HEADER = 18;
    private static final int ETH_P_IPV4 = 0x0800;
    private static final int ETH_P_IPV6 = 0x86DD;
    private static final int ETH_P_8021Q = 0x8100;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_SYN = 0x02;
    private static final int TCPOPT_EOL = 0;
    private static final int TCPOPT_NOP = 1;
    private static final int TCPOPT_MAXSEG = 2;
    private static final int TCPOLEN_MAXSEG = 4;

    private final int maxMss;
    private final DevType layer;

    /**
     * @param maxMss the IPv4 MSS limit, e.g. from {@link org.culvert.openvpn.config.MtuMath#mssFix}
     * @param layer tun (packets start with the IP header) or tap (with an Ethernet header)
     */
    public MssClamp(int maxMss, DevType layer) {
        if (maxMss < 0 || maxMss > 0xFFFF) {
            throw new IllegalArgumentException("MSS must be 0..65535");
        }
        this.maxMss = maxMss;
        this.layer = layer;
    }

    /** The IPv4 limit; IPv6 SYNs are clamped to 20 less. */
    public int maxMss() {
        return maxMss;
    }

    /** Clamps the packet if it is a TCP SYN whose MSS exceeds the limit; returns whether it changed. */
    public boolean clamp(ByteBuffer packet) {
        int start = packet.position();
        int length = packet.limit() - start;
        int ip = start;
        if (layer == DevType.TAP) {
            if (length < ETHERNET_HEADER + IPV4_MIN_HEADER) {
                return false;
            }
            int etherType = u16(packet, start + 12);
            int header = ETHERNET_HEADER;
            if (etherType == ETH_P_8021Q) {
                if (length < VLAN_ETHERNET_HEADER + IPV4_MIN_HEADER) {
                    return false;
                }
                etherType = u16(packet, start + 16);
                header = VLAN_ETHERNET_HEADER;
            }
            int version = (packet.get(start + header) & 0xFF) >>> 4;
            if (!(etherType == ETH_P_IPV4 && version == 4) && !(etherType == ETH_P_IPV6 && version == 6)) {
                return false;
            }
            ip = start + header;
        } else if (length < IPV4_MIN_HEADER) {
            return false;
        }
        int ipLength = packet.limit() - ip;
        int version = (packet.get(ip) & 0xFF) >>> 4;
        if (version == 4) {
            return clampIpv4(packet, ip, ipLength);
        }
        if (version == 6) {
            return clampIpv6(packet, ip, ipLength);
        }
        return false;
    }

    private boolean clampIpv4(ByteBuffer p, int ip, int ipLength) {
        int headerLength = (p.get(ip) & 0x0F) * 4;
        if ((p.get(ip + 9) & 0xFF) != IPPROTO_TCP
                || u16(p, ip + 2) != ipLength
                || (u16(p, ip + 6) & 0x1FFF) != 0
                || headerLength < IPV4_MIN_HEADER
                || headerLength > ipLength
                || ipLength - headerLength < TCP_MIN_HEADER) {
            return false;
        }
        return clampTcp(p, ip + headerLength, ipLength - headerLength, maxMss);
    }

    private boolean clampIpv6(ByteBuffer p, int ip, int ipLength) {
        if (ipLength < IPV6_HEADER
                || u16(p, ip + 4) + IPV6_HEADER != ipLength
                || (p.get(ip + 6) & 0xFF) != IPPROTO_TCP
                || ipLength - IPV6_HEADER < TCP_MIN_HEADER) {
            return false;
        }
        return clampTcp(p, ip + IPV6_HEADER, ipLength - IPV6_HEADER, Math.max(maxMss - 20, 0));
    }

    private static boolean clampTcp(ByteBuffer p, int tcp, int tcpLength, int limit) {
        if ((p.get(tcp + 13) & TCP_SYN) == 0) {
            return false;
        }
        int headerLength = ((p.get(tcp + 12) & 0xFF) >>> 4) * 4;
        if (headerLength <= TCP_MIN_HEADER || headerLength > tcpLength) {
            return false;
        }
        boolean changed = false;
        int option = tcp + TCP_MIN_HEADER;
        int remaining = headerLength - TCP_MIN_HEADER;
        while (remaining > 1) {
            int kind = p.get(option) & 0xFF;
            if (kind == TCPOPT_EOL) {
                break;
            }
            int optionLength = 1;
            if (kind != TCPOPT_NOP) {
                optionLength = p.get(option + 1) & 0xFF;
                if (optionLength <= 0 || optionLength > remaining) {
                    break;
                }
                if (kind == TCPOPT_MAXSEG && optionLength == TCPOLEN_MAXSEG) {
                    int mss = u16(p, option + 2);
                    if (mss > limit) {
                        putU16(p, option + 2, limit);
                        int checksum = u16(p, tcp + 16);
                        // After an odd number of one-byte options the value straddles two checksum
                        // words: in ones'-complement arithmetic that is the same as a byte-swapped word.
                        boolean odd = ((option + 2 - tcp) & 1) != 0;
                        putU16(p, tcp + 16, adjustChecksum(checksum, odd ? swap(mss) : mss, odd ? swap(limit) : limit));
                        changed = true;
                    }
                }
            }
            option += optionLength;
            remaining -= optionLength;
        }
        return changed;
    }

    /** RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word changing from m to m'. */
    static int adjustChecksum(int checksum, int oldWord, int newWord) {
        int sum = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return ~sum & 0xFFFF;
    }

    private static int swap(int word) {
        return (word & 0xFF) << 8 | (word >>> 8);
    }

    /** Byte-wise, so the buffer's byte order does not matter. */
    private static void putU16(ByteBuffer p, int index, int value) {
        p.put(index, (byte) (value >>> 8));
        p.put(index + 1, (byte) value);
    }

    private static int u16(ByteBuffer p, int index) {
        return ((p.get(index) & 0xFF) << 8) | (p.get(index + 1) & 0xFF);
    }
}
