package org.culvert.tun.linux;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;

/**
 * Turns a {@link TunSpec} into what OpenVPN 2.6 does on Linux for an opened device: the iproute2
 * commands that set MTU, link state, addresses and routes, and the arguments and environment of the
 * {@code --up}/{@code --down} scripts. Pure computation (no I/O), so it is tested on its own.
 *
 * <p>IPv4 on a tun device is point-to-point ({@code local L peer R}) unless the driver option
 * {@code topology=subnet} says the second {@code --ifconfig} argument is a netmask, as OpenVPN's
 * {@code --topology subnet} does; on tap it is always a netmask. Every address is checked to be a
 * literal (no name lookups, nothing that {@code ip} could read as an option) before use.
 */
final class DeviceSetup {
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final TunSpec spec;
    private final String device;
    /** The default gateway before the tunnel, or null when there is none (or it was not looked up). */
    private final NetGateway netGateway;
    /** The server's address (OpenVPN's remote_host), or null. */
    private final String remoteHost;
    /** An IPv6 server's route before the tunnel, or null. */
    private final NetGateway serverRoute6;
    /** The routes with OpenVPN's special addresses replaced; those that cannot be are left out (and warned about). */
    private final List<TunRoute> routes = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    /** Resolved routes "via net_gateway" when the default route is on-link: they leave through its device. */
    private final Set<TunRoute> viaNetDevice = Collections.newSetFromMap(new IdentityHashMap<>());

    /** One change to the routing table and what undoes it ({@code ip} arguments). */
    record Step(List<String> apply, List<String> undo) {
    }
    /** True when IPv4 is configured as local/peer (tun without topology subnet). */
    private final boolean pointToPoint;
    private final int ipv4Prefix;

    /** @throws TunException CONFIGURATION_FAILED if an address, netmask or route is malformed */
    DeviceSetup(TunSpec spec, String device) throws TunException {
        this(spec, device, null, null);
    }

    /**
     * @param netGateway the default gateway before the tunnel ({@link NetGateway}), or null if there is none
     * @param remoteHost the server's address, a literal, or null
     * @throws TunException CONFIGURATION_FAILED if an address, netmask or route is malformed
     */
    DeviceSetup(TunSpec spec, String device, NetGateway netGateway, String remoteHost) throws TunException {
        this(spec, device, netGateway, remoteHost, null);
    }

    /**
     * @param serverRoute6 for an IPv6 server: its route before the tunnel ({@code ip -6 route get}), or null
     * @throws TunException CONFIGURATION_FAILED if an address, netmask or route is malformed
     */
    DeviceSetup(TunSpec spec, String device, NetGateway netGateway, String remoteHost, NetGateway serverRoute6)
            throws TunException {
        this.spec = spec;
        this.device = device;
        this.netGateway = netGateway;
        this.remoteHost = remoteHost;
        this.serverRoute6 = serverRoute6;
        String topology = spec.driverOptions().getOrDefault("topology", "net30");
        this.pointToPoint = spec.layer() == TunLayer.TUN && !"subnet".equals(topology);
        if (spec.ifconfigLocal() != null) {
            requireIpv4("--ifconfig local address", spec.ifconfigLocal());
            String second = spec.ifconfigRemoteOrNetmask();
            if (second == null) {
                throw config("--ifconfig " + spec.ifconfigLocal() + " needs a second argument ("
                        + (pointToPoint ? "remote address" : "netmask") + ")");
            }
            requireIpv4(pointToPoint ? "--ifconfig remote address" : "--ifconfig netmask", second);
            ipv4Prefix = pointToPoint ? 32 : netmaskToPrefix(second);
        } else {
            ipv4Prefix = -1;
        }
        if (spec.ifconfigIpv6Local() != null) {
            requireIpv6("--ifconfig-ipv6 address", spec.ifconfigIpv6Local());
            requirePrefix("--ifconfig-ipv6", spec.ifconfigIpv6Prefix(), 128);
            if (spec.ifconfigIpv6Remote() != null) {
                requireIpv6("--ifconfig-ipv6 remote", spec.ifconfigIpv6Remote());
            }
        }
        for (Map.Entry<String, String> e : spec.scriptEnvironment().entrySet()) {
            String key = e.getKey();
            if (key == null || key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0
                    || e.getValue() == null || e.getValue().indexOf('\0') >= 0) {
                throw config("script environment variable '" + key + "' has an invalid name or value");
            }
        }
        for (TunRoute r : spec.routes()) {
            if (r.isIpv6()) {
                requireIpv6("--route-ipv6 " + r, r.network());
                requirePrefix("--route-ipv6 " + r, r.prefixLength(), 128);
                if (r.gateway() != null) {
                    requireIpv6("--route-ipv6 gateway", r.gateway());
                }
            } else {
                if (!isSpecial(r.network())) {
                    requireIpv4("--route " + r, r.network());
                }
                requirePrefix("--route " + r, r.prefixLength(), 32);
                if (r.gateway() != null && !isSpecial(r.gateway())) {
                    requireIpv4("--route gateway", r.gateway());
                }
            }
        }
        if (remoteHost != null && !isIpv4(remoteHost)) {
            requireIpv6("remote host", remoteHost);
        }
        for (TunRoute r : spec.routes()) {
            TunRoute resolved = r.isIpv6() ? r : resolveSpecial(r);
            if (resolved != null) {
                routes.add(resolved);
            }
        }
    }

    private static boolean isSpecial(String address) {
        return TunRoute.NET_GATEWAY.equals(address) || TunRoute.REMOTE_HOST.equals(address);
    }

    /** route.c get_special_addr: net_gateway and remote_host, or null (warned about) when the machine has no such address. */
    private TunRoute resolveSpecial(TunRoute r) {
        String network = special(r.network());
        String gateway = r.gateway() == null ? null : special(r.gateway());
        if (network == null || (r.gateway() != null && gateway == null)) {
            warnings.add("OpenVPN ROUTE: route " + r + " skipped: "
                    + (netGateway == null ? "no default gateway" : "no IPv4 remote host") + " to resolve it with");
            return null;
        }
        // An on-link default route has no gateway address: a route "via net_gateway" goes out of its device.
        boolean onLink = TunRoute.NET_GATEWAY.equals(r.gateway()) && netGateway.gateway() == null;
        TunRoute resolved = new TunRoute(network, r.prefixLength(), onLink ? null : gateway, r.metric());
        if (onLink) {
            viaNetDevice.add(resolved);
        }
        return resolved;
    }

    private String special(String address) {
        if (TunRoute.NET_GATEWAY.equals(address)) {
            return netGateway == null ? null : netGateway.address();
        }
        if (TunRoute.REMOTE_HOST.equals(address)) {
            return remoteHost != null && isIpv4(remoteHost) ? remoteHost : null;
        }
        return address;
    }

    /** What OpenVPN warned about while planning the routes (routes it could not add, redirection it could not do). */
    List<String> warnings() {
        return warnings;
    }

    /** {@code ip} argument lists (without the program) for MTU, link up and the addresses, in order. */
    List<List<String>> interfaceCommands() {
        List<List<String>> commands = new ArrayList<>();
        commands.add(List.of("link", "set", "dev", device, "up", "mtu", Integer.toString(spec.mtu())));
        if (spec.ifconfigLocal() != null) {
            if (pointToPoint) {
                commands.add(List.of("addr", "add", "dev", device, "local", spec.ifconfigLocal(),
                        "peer", spec.ifconfigRemoteOrNetmask()));
            } else {
                commands.add(List.of("addr", "add", "dev", device, spec.ifconfigLocal() + "/" + ipv4Prefix,
                        "broadcast", broadcast()));
            }
        }
        if (spec.ifconfigIpv6Local() != null) {
            commands.add(List.of("-6", "addr", "add", spec.ifconfigIpv6Local() + "/" + spec.ifconfigIpv6Prefix(),
                    "dev", device));
        }
        return commands;
    }

    /** {@code ip} argument lists that add the routes, in order (see {@link #routeSteps}). */
    List<List<String>> routeCommands() {
        List<List<String>> commands = new ArrayList<>();
        for (Step s : routeSteps()) {
            commands.add(s.apply());
        }
        return commands;
    }

    /**
     * OpenVPN's {@code add_routes} on Linux: the gateway redirection first
     * ({@code redirect_default_route_to_vpn}), then every {@code --route} and {@code --route-ipv6},
     * each with the command that undoes it ({@code delete_routes} runs them in reverse order).
     */
    List<Step> routeSteps() {
        List<Step> steps = new ArrayList<>(Redirection.steps(spec.redirect(), vpnGateway(), netGateway, remoteHost,
                warnings));
        boolean serverRouteAdded = false;
        for (TunRoute r : routes) {
            if (r.isIpv6() && !serverRouteAdded && needsIpv6ServerRoute()) {
                // route.c init_route_ipv6_list: an IPv6 route covering the server gets it a host route the old way first.
                List<String> c = new ArrayList<>(List.of("-6", "route", "add", remoteHost + "/128"));
                if (serverRoute6.gateway() != null) {
                    c.addAll(List.of("via", serverRoute6.gateway()));
                }
                c.addAll(List.of("dev", serverRoute6.device(), "metric", "1"));
                steps.add(new Step(c, undo(c)));
                serverRouteAdded = true;
            }
            List<String> c = new ArrayList<>();
            String destination = r.network() + "/" + r.prefixLength();
            if (r.isIpv6()) {
                c.addAll(List.of("-6", "route", "add", destination));
                if (r.gateway() != null) {
                    c.addAll(List.of("via", r.gateway()));
                }
                c.addAll(List.of("dev", device));
            } else {
                c.addAll(List.of("route", "add", destination));
                boolean outOfNetDevice = viaNetDevice.contains(r);
                String gateway = r.gateway() != null ? r.gateway() : outOfNetDevice ? null : vpnGateway();
                if (gateway != null) {
                    c.addAll(List.of("via", gateway));
                } else {
                    c.addAll(List.of("dev", outOfNetDevice ? netGateway.device() : device));
                }
            }
            if (r.metric() >= 0) {
                c.addAll(List.of("metric", Integer.toString(r.metric())));
            }
            steps.add(new Step(c, undo(c)));
        }
        return steps;
    }

    /** Whether the server is IPv6, its old route is known, and an IPv6 route through the tunnel covers it. */
    boolean needsIpv6ServerRoute() {
        if (serverRoute6 == null || remoteHost == null || remoteHost.indexOf(':') < 0) {
            return false;
        }
        for (TunRoute r : routes) {
            if (r.isIpv6() && covers(r.network(), r.prefixLength(), remoteHost)) {
                return true;
            }
        }
        return false;
    }

    /** route.c route_ipv6_match_host: whether {@code address} lies in {@code network/bits}. */
    static boolean covers(String network, int bits, String address) {
        byte[] n = ipv6Bytes(network);
        byte[] a = ipv6Bytes(address);
        if (n == null || a == null) {
            return false;
        }
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((n[i / 8] & mask) != (a[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ipv6Bytes(String literal) {
        if (literal == null || !IPV6.matcher(literal).matches()) {
            return null;
        }
        try {
            InetAddress a = InetAddress.getByName(literal);
            return a instanceof java.net.Inet6Address ? a.getAddress() : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The same {@code ip route} command with {@code add} turned into {@code del}. */
    static List<String> undo(List<String> add) {
        List<String> c = new ArrayList<>(add);
        c.set(c.indexOf("add"), "del");
        return c;
    }

    /**
     * The script's arguments after the command, as OpenVPN 2.6 appends them:
     * {@code tun_dev tun_mtu 0 ifconfig_local ifconfig_remote|ifconfig_netmask init|restart}. The
     * third was {@code link_mtu} before 2.6 and is now {@code 0}, unless the core passes a
     * {@code link_mtu} in the script environment.
     */
    List<String> scriptArguments() {
        return List.of(device, Integer.toString(spec.mtu()),
                spec.scriptEnvironment().getOrDefault("link_mtu", "0"),
                nullToEmpty(spec.ifconfigLocal()), nullToEmpty(spec.ifconfigRemoteOrNetmask()),
                scriptContext());
    }

    /**
     * The variables OpenVPN sets for {@code --up}/{@code --down} (see "Environmental Variables" in
     * openvpn(8)), over {@link TunSpec#scriptEnvironment()}: the device's own values win over the
     * core's, except {@code script_context} and {@code link_mtu}, which only the core knows.
     */
    Map<String, String> scriptEnvironment(String scriptType) {
        Map<String, String> env = new LinkedHashMap<>(spec.scriptEnvironment());
        env.put("script_type", scriptType);
        env.put("script_context", scriptContext());
        env.put("dev", device);
        env.put("dev_type", spec.layer().optionName());
        env.put("tun_mtu", Integer.toString(spec.mtu()));
        if (spec.ifconfigLocal() != null) {
            env.put("ifconfig_local", spec.ifconfigLocal());
            if (pointToPoint) {
                env.put("ifconfig_remote", spec.ifconfigRemoteOrNetmask());
            } else {
                env.put("ifconfig_netmask", spec.ifconfigRemoteOrNetmask());
                if (spec.layer() == TunLayer.TAP) {
                    env.put("ifconfig_broadcast", broadcast());
                }
            }
        }
        if (spec.ifconfigIpv6Local() != null) {
            env.put("ifconfig_ipv6_local", spec.ifconfigIpv6Local());
            env.put("ifconfig_ipv6_netbits", Integer.toString(spec.ifconfigIpv6Prefix()));
            if (spec.ifconfigIpv6Remote() != null) {
                env.put("ifconfig_ipv6_remote", spec.ifconfigIpv6Remote());
            }
        }
        String vpnGateway = vpnGateway();
        if (netGateway != null) {
            env.put("route_net_gateway", netGateway.address());
        }
        if (serverRoute6 != null && serverRoute6.gateway() != null) {
            env.put("net_gateway_ipv6", serverRoute6.gateway());
        }
        if (vpnGateway != null) {
            env.put("route_vpn_gateway", vpnGateway);
        }
        int v4 = 0;
        int v6 = 0;
        for (TunRoute r : routes) {
            if (r.isIpv6()) {
                v6++;
                env.put("route_ipv6_network_" + v6, r.network() + "/" + r.prefixLength());
                String gateway = r.gateway() != null ? r.gateway() : spec.ifconfigIpv6Remote();
                if (gateway != null) {
                    env.put("route_ipv6_gateway_" + v6, gateway);
                }
                if (r.metric() >= 0) {
                    env.put("route_ipv6_metric_" + v6, Integer.toString(r.metric()));
                }
            } else {
                v4++;
                env.put("route_network_" + v4, r.network());
                env.put("route_netmask_" + v4, prefixToNetmask(r.prefixLength()));
                String gateway = r.gateway() != null ? r.gateway() : vpnGateway;
                if (gateway != null) {
                    env.put("route_gateway_" + v4, gateway);
                }
                if (r.metric() >= 0) {
                    env.put("route_metric_" + v4, Integer.toString(r.metric()));
                }
            }
        }
        return env;
    }

    private String scriptContext() {
        return spec.scriptEnvironment().getOrDefault("script_context", "init");
    }

    /** OpenVPN's {@code route_vpn_gateway}: the point-to-point peer, or the {@code route-gateway} driver option. */
    String vpnGateway() {
        String configured = spec.driverOptions().get("route-gateway");
        if (configured != null && IPV4.matcher(configured).matches()) {
            return configured;
        }
        return pointToPoint && spec.ifconfigLocal() != null ? spec.ifconfigRemoteOrNetmask() : null;
    }

    private String broadcast() {
        int address = ipv4ToInt(spec.ifconfigLocal());
        int mask = ipv4Prefix == 0 ? 0 : -1 << (32 - ipv4Prefix);
        return intToIpv4(address | ~mask);
    }

    static int netmaskToPrefix(String netmask) throws TunException {
        int mask = ipv4ToInt(netmask);
        int prefix = Integer.bitCount(mask);
        int expected = prefix == 0 ? 0 : -1 << (32 - prefix);
        if (mask != expected) {
            throw config("netmask " + netmask + " is not contiguous");
        }
        return prefix;
    }

    static String prefixToNetmask(int prefix) {
        return intToIpv4(prefix == 0 ? 0 : -1 << (32 - prefix));
    }

    static boolean isIpv4(String s) {
        return s != null && IPV4.matcher(s).matches();
    }

    static int ipv4ToInt(String dotted) {
        String[] parts = dotted.split("\\.");
        int value = 0;
        for (String p : parts) {
            value = (value << 8) | Integer.parseInt(p);
        }
        return value;
    }

    static String intToIpv4(int v) {
        return ((v >>> 24) & 0xFF) + "." + ((v >>> 16) & 0xFF) + "." + ((v >>> 8) & 0xFF) + "." + (v & 0xFF);
    }

    private static void requireIpv4(String what, String value) throws TunException {
        if (value == null || !IPV4.matcher(value).matches()) {
            throw config(what + " '" + value + "' is not an IPv4 address");
        }
    }

    private static void requireIpv6(String what, String value) throws TunException {
        // The pattern keeps InetAddress from ever resolving a name: with a ':' it parses a literal.
        boolean ok = value != null && IPV6.matcher(value).matches();
        if (ok) {
            try {
                ok = InetAddress.getByName(value) instanceof java.net.Inet6Address;
            } catch (UnknownHostException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw config(what + " '" + value + "' is not an IPv6 address");
        }
    }

    private static void requirePrefix(String what, int prefix, int max) throws TunException {
        if (prefix < 0 || prefix > max) {
            throw config(what + ": prefix length " + prefix + " outside 0.." + max);
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static TunException config(String message) {
        return new TunException(TunException.Reason.CONFIGURATION_FAILED, message);
    }
}
