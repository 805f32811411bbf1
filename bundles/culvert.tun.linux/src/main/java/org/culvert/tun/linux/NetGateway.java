package org.culvert.tun.linux;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The default gateway before the tunnel changes anything: OpenVPN's {@code route_gateway_info} on
 * Linux ({@code route.c get_default_gateway}): the best IPv4 default route (lowest metric), its
 * device, and the netmask of the device's address on the gateway's subnet, read from iproute2's
 * output. Parsing is pure, so it is tested on its own.
 *
 * @param gateway the gateway address, or null when the default route is on-link ({@code RGI_ON_LINK})
 * @param device  the device of the default route
 * @param netmask the netmask of the gateway's subnet on that device ({@code RGI_NETMASK_DEFINED}), or null
 */
record NetGateway(String gateway, String device, String netmask) {
    private static final Pattern METRIC = Pattern.compile("\\bmetric (\\d+)");
    private static final Pattern VIA = Pattern.compile("\\bvia (\\S+)");
    private static final Pattern DEV = Pattern.compile("\\bdev (\\S+)");
    private static final Pattern INET = Pattern.compile("\\binet (\\d+\\.\\d+\\.\\d+\\.\\d+)/(\\d+)");

    /** The address OpenVPN exports as {@code route_net_gateway}: 0.0.0.0 for an on-link default route. */
    String address() {
        return gateway != null ? gateway : "0.0.0.0";
    }

    /**
     * The best default route in {@code ip -4 route show default} output, or null when there is none
     * (or it is not usable: a blackhole/unreachable default, or one without a device).
     */
    static NetGateway fromDefaultRoutes(String ipRouteOutput) {
        NetGateway best = null;
        long bestMetric = Long.MAX_VALUE;
        for (String line : ipRouteOutput.split("\n")) {
            String l = line.strip();
            if (!l.startsWith("default ")) {
                continue;
            }
            Matcher dev = DEV.matcher(l);
            if (!dev.find()) {
                continue;
            }
            Matcher via = VIA.matcher(l);
            String gateway = via.find() ? via.group(1) : null;
            if (gateway != null && !DeviceSetup.isIpv4(gateway)) {
                continue;
            }
            Matcher m = METRIC.matcher(l);
            long metric = m.find() ? Long.parseLong(m.group(1)) : 0;
            if (metric < bestMetric) {
                bestMetric = metric;
                best = new NetGateway(gateway, dev.group(1), null);
            }
        }
        return best;
    }

    /**
     * The IPv6 route to one address, from {@code ip -6 route get ADDRESS} (OpenVPN's
     * {@code get_default_gateway_ipv6} with the server as destination), or null when there is none.
     */
    static NetGateway fromIpv6RouteGet(String ipRouteGetOutput) {
        String line = ipRouteGetOutput.strip();
        int end = line.indexOf('\n');
        line = end < 0 ? line : line.substring(0, end);
        if (line.isEmpty() || line.startsWith("unreachable") || line.startsWith("prohibit") || line.startsWith("blackhole")) {
            return null;
        }
        Matcher dev = DEV.matcher(line);
        if (!dev.find()) {
            return null;
        }
        Matcher via = VIA.matcher(line);
        String gateway = via.find() ? via.group(1) : null;
        if (gateway != null && gateway.indexOf(':') < 0) {
            return null;
        }
        return new NetGateway(gateway, dev.group(1), null);
    }

    /**
     * With the netmask of the device's address whose subnet holds the gateway, from
     * {@code ip -o -4 addr show dev DEVICE}; unchanged for an on-link route, as OpenVPN leaves it.
     */
    NetGateway withNetmaskFrom(String ipAddrOutput) {
        if (gateway == null) {
            return this;
        }
        int gw = DeviceSetup.ipv4ToInt(gateway);
        Matcher m = INET.matcher(ipAddrOutput);
        while (m.find()) {
            if (!DeviceSetup.isIpv4(m.group(1)) || Integer.parseInt(m.group(2)) > 32) {
                continue;
            }
            int prefix = Integer.parseInt(m.group(2));
            int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
            if (((DeviceSetup.ipv4ToInt(m.group(1)) ^ gw) & mask) == 0) {
                return new NetGateway(gateway, device, DeviceSetup.prefixToNetmask(prefix));
            }
        }
        return this;
    }

    /** OpenVPN's {@code test_local_addr}: whether {@code address} is on the gateway's subnet. */
    boolean isLocal(String address) {
        if (gateway == null || netmask == null || !DeviceSetup.isIpv4(address)) {
            return false;
        }
        int mask = DeviceSetup.ipv4ToInt(netmask);
        return ((DeviceSetup.ipv4ToInt(address) ^ DeviceSetup.ipv4ToInt(gateway)) & mask) == 0;
    }
}
