package org.culvert.management.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * One line of OpenVPN's state history, as {@code state}, {@code state all} and {@code >STATE:} show it
 * (manage.c {@code management_set_state} and {@code log_entry_print}):
 *
 * <pre>
 * time,NAME,description,tun-IPv4,remote-address,remote-port,local-address,local-port[,tun-IPv6]
 * </pre>
 *
 * Empty fields stay as empty strings between their commas; the IPv6 field appears only when known.
 * Immutable.
 */
final class StateEntry {
    final long epochSeconds;
    final String name;
    final String description;
    final String tunIpv4;
    final SocketAddress remote;
    final SocketAddress local;
    final String tunIpv6;

    StateEntry(long epochSeconds, String name, String description, String tunIpv4, SocketAddress remote, SocketAddress local,
            String tunIpv6) {
        this.epochSeconds = epochSeconds;
        this.name = name;
        this.description = description == null ? "" : description;
        this.tunIpv4 = tunIpv4;
        this.remote = remote;
        this.local = local;
        this.tunIpv6 = tunIpv6;
    }

    /** The line without prefix or line end. */
    String format() {
        StringBuilder sb = new StringBuilder(96);
        sb.append(epochSeconds).append(',').append(name).append(',').append(description);
        sb.append(',').append(tunIpv4 == null ? "" : tunIpv4);
        appendAddress(sb, remote);
        appendAddress(sb, local);
        if (tunIpv6 != null && !tunIpv6.isEmpty()) {
            sb.append(',').append(tunIpv6);
        }
        return sb.toString();
    }

    /** ",address,port", or ",," when unknown. */
    private static void appendAddress(StringBuilder sb, SocketAddress address) {
        sb.append(',');
        if (address instanceof InetSocketAddress) {
            InetSocketAddress isa = (InetSocketAddress) address;
            InetAddress ip = isa.getAddress();
            sb.append(ip != null ? ipText(ip) : isa.getHostString()).append(',').append(isa.getPort());
        } else {
            sb.append(',');
        }
    }

    /** An address as OpenVPN prints it: dotted IPv4, or IPv6 in its shortest form (RFC 5952), no scope. */
    static String ipText(InetAddress ip) {
        if (!(ip instanceof Inet6Address)) {
            return ip.getHostAddress();
        }
        byte[] a = ip.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        // The longest run of two or more zero groups becomes "::" (the first such run on a tie).
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8;) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
