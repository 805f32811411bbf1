package org.culvert.openvpn.config;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The address arithmetic of OpenVPN's server helpers and pools ({@code in_addr_t} sums,
 * {@code add_in6_addr}, {@code netmask_to_netbits}), shared by the config expansion and the
 * server's pool. Stateless.
 *
 * @since config 1.4
 */
public final class AddressMath {
    private AddressMath() {
    }

    /** An IPv4 address as an unsigned 32-bit number. */
    public static long u32(Inet4Address a) {
        byte[] x = a.getAddress();
        return ((x[0] & 0xFFL) << 24) | ((x[1] & 0xFFL) << 16) | ((x[2] & 0xFFL) << 8) | (x[3] & 0xFFL);
    }

    /** The IPv4 address of the low 32 bits of {@code v}. */
    public static Inet4Address ipv4(long v) {
        return OptionArgs.address4((int) (v >>> 24) & 0xFF, (int) (v >>> 16) & 0xFF, (int) (v >>> 8) & 0xFF, (int) v & 0xFF);
    }

    /** The prefix length of a contiguous netmask, or -1 for a mask with holes. */
    public static int netbits(Inet4Address mask) {
        long m = u32(mask);
        int bits = Long.bitCount(m);
        return m == netmask(bits) ? bits : -1;
    }

    /** The netmask of a prefix length 0..32, as a number. */
    public static long netmask(int bits) {
        return bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
    }

    /** The low 32 bits of an IPv6 address (where OpenVPN's IPv6 pools count). */
    public static long low32(Inet6Address a) {
        byte[] x = a.getAddress();
        return ((x[12] & 0xFFL) << 24) | ((x[13] & 0xFFL) << 16) | ((x[14] & 0xFFL) << 8) | (x[15] & 0xFFL);
    }

    /** {@code add_in6_addr}: the address plus {@code n}, carrying across all 128 bits (wrapping at the top). */
    public static Inet6Address add(Inet6Address a, long n) {
        BigInteger v = new BigInteger(1, a.getAddress()).add(BigInteger.valueOf(n));
        byte[] raw = v.toByteArray();
        byte[] out = new byte[16];
        int len = Math.min(16, raw.length);
        System.arraycopy(raw, raw.length - len, out, 16 - len, len);
        try {
            return (Inet6Address) InetAddress.getByAddress(out);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A dotted-quad IPv4 literal, or null (never a name lookup). */
    public static Inet4Address parseIpv4(String s) {
        return OptionArgs.parseIpv4(s);
    }

    /** An IPv6 literal, or null (only hex digits, colons and dots are looked at, so never a name lookup). */
    public static Inet6Address parseIpv6(String s) {
        if (s.indexOf(':') < 0 || !s.matches("[0-9A-Fa-f:.]{2,45}")) {
            return null;
        }
        try {
            InetAddress a = InetAddress.getByName(s);
            return a instanceof Inet6Address ? (Inet6Address) a : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * An address as OpenVPN prints it ({@code inet_ntop}): dotted IPv4, or IPv6 with the longest run of
     * two or more zero groups (the first on a tie) as {@code ::}, no scope.
     */
    public static String ipText(InetAddress ip) {
        if (!(ip instanceof Inet6Address)) {
            return ip.getHostAddress();
        }
        byte[] b = ip.getAddress();
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8;) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(w[i]));
        }
        return sb.toString();
    }
}
