package org.culvert.openvpn.session;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import org.culvert.openvpn.config.DevType;
import org.culvert.openvpn.config.IfConfig;
import org.culvert.openvpn.config.MtuMath;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.Topology;
import org.culvert.openvpn.crypto.KeyDirection;

/**
 * OpenVPN's options-consistency (OCC) strings for a static-key point-to-point configuration, in
 * OpenVPN 2.6's exact format, and the comparison of a peer's string with what we expect. (TLS mode
 * builds its string in the TLS engine; it shares {@link #ifconfigItem}.)
 *
 * <pre>
 * V4,dev-type tun,link-mtu 1560,tun-mtu 1500,proto UDPv4[,tun-ipv6][,ifconfig A B][,comp-lzo]
 *   [,keydir D],cipher C,auth A,keysize K,secret
 * </pre>
 */
public final class OccStrings {
    private static final int MAX_ITEM_SHOWN = 64;

    private OccStrings() {
    }

    /** The string this peer sends in OCC_REPLY (static-key mode only: it needs {@link OpenVpnOptions#cipher()}). */
    public static String local(OpenVpnOptions o) {
        return build(o, false);
    }

    /** The string the peer should send if its configuration matches ours. */
    public static String expectedRemote(OpenVpnOptions o) {
        return build(o, true);
    }

    private static String build(OpenVpnOptions o, boolean remote) {
        StringBuilder sb = new StringBuilder("V4");
        sb.append(",dev-type ").append(o.devType().openVpnName());
        sb.append(",link-mtu ").append(MtuMath.occLinkMtu(o));
        sb.append(",tun-mtu ").append(o.occMtu() != 0 ? o.occMtu() : o.tunMtu());
        sb.append(",proto ").append(o.proto().occName(remote));
        if (o.ifconfigIpv6().isPresent()) {
            sb.append(",tun-ipv6");
        }
        String ifconfig = ifconfigItem(o, remote);
        if (ifconfig != null) {
            sb.append(",ifconfig ").append(ifconfig);
        }
        if (o.compression().contextConfigured()) {
            sb.append(",comp-lzo");
        }
        KeyDirection dir = remote ? o.keyDirection().opposite() : o.keyDirection();
        if (dir.digit() != null) {
            sb.append(",keydir ").append(dir.digit());
        }
        sb.append(",cipher ").append(o.cipher().occName());
        sb.append(",auth ").append(o.auth().occName());
        sb.append(",keysize ").append(o.cipher().keyLength() * 8);
        sb.append(",secret");
        return sb.toString();
    }

    /**
     * The value of the OCC {@code ifconfig} item in OpenVPN 2.6's format (for tun in net30/p2p the
     * peer's address first in the local string, swapped in the expected-remote one; for tap or topology
     * subnet the network and netmask), or null without {@code --ifconfig}.
     *
     * @param remote true for the string a matching peer sends
     */
    public static String ifconfigItem(OpenVpnOptions o, boolean remote) {
        return o.ifconfig().map(ifc -> ifconfigItem(o, ifc, remote)).orElse(null);
    }

    private static String ifconfigItem(OpenVpnOptions o, IfConfig ifc, boolean remote) {
        if (o.devType() == DevType.TAP || o.topology() == Topology.SUBNET) {
            byte[] a = ifc.local().getAddress();
            byte[] m = ifc.remoteOrNetmask().getAddress();
            return (a[0] & m[0] & 0xFF) + "." + (a[1] & m[1] & 0xFF) + "." + (a[2] & m[2] & 0xFF) + "."
                    + (a[3] & m[3] & 0xFF) + " " + text(ifc.remoteOrNetmask());
        }
        // The local string names the peer's address first; the expected-remote string swaps them.
        Inet4Address first = remote ? ifc.local() : ifc.remoteOrNetmask();
        Inet4Address second = remote ? ifc.remoteOrNetmask() : ifc.local();
        return text(first) + " " + text(second);
    }

    private static String text(Inet4Address a) {
        return a.getHostAddress();
    }

    /**
     * Compares the peer's options string with the expected one, item by item, as OpenVPN does.
     *
     * @return null if they are equal, else one line listing each difference
     */
    public static String mismatch(String expected, String received) {
        if (expected.equals(received)) {
            return null;
        }
        List<String> notes = new ArrayList<>();
        if (received.length() < 2 || !received.startsWith(expected.substring(0, 2))) {
            notes.add("version differs (local '" + expected.substring(0, 2) + "', remote '" + shown(received.length() >= 2
                    ? received.substring(0, 2) : received) + "')");
        }
        List<String> mine = items(expected);
        List<String> theirs = items(received);
        for (String item : mine) {
            if (theirs.contains(item)) {
                continue;
            }
            String counterpart = withPrefix(theirs, prefix(item));
            if (counterpart != null) {
                notes.add("'" + prefix(item) + "' is used inconsistently, local='" + item + "', remote='"
                        + shown(counterpart) + "'");
            } else {
                notes.add("'" + prefix(item) + "' is present in local config but missing in remote config, local='"
                        + item + "'");
            }
        }
        for (String item : theirs) {
            if (withPrefix(mine, prefix(item)) == null) {
                notes.add("'" + shown(prefix(item)) + "' is present in remote config but missing in local config,"
                        + " remote='" + shown(item) + "'");
            }
        }
        if (notes.isEmpty()) {
            notes.add("the options strings differ in order or spacing");
        }
        return "peer options differ: " + String.join("; ", notes);
    }

    private static List<String> items(String s) {
        List<String> out = new ArrayList<>();
        String[] parts = s.split(",", -1);
        for (int i = 1; i < parts.length; i++) {
            if (!parts[i].isEmpty()) {
                out.add(parts[i]);
            }
        }
        return out;
    }

    private static String prefix(String item) {
        int space = item.indexOf(' ');
        return space < 0 ? item : item.substring(0, space);
    }

    private static String withPrefix(List<String> items, String prefix) {
        for (String item : items) {
            if (prefix(item).equals(prefix)) {
                return item;
            }
        }
        return null;
    }

    /** The peer's text is untrusted: printable ASCII only, bounded length. */
    private static String shown(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < MAX_ITEM_SHOWN; i++) {
            char c = s.charAt(i);
            out.append(c >= 0x20 && c < 0x7F && c != '\'' ? c : '?');
        }
        return s.length() > MAX_ITEM_SHOWN ? out + "..." : out.toString();
    }
}
