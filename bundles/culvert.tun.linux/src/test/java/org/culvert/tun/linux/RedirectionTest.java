package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.culvert.api.tun.TunDns;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunRedirect;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;
import org.junit.jupiter.api.Test;

/** Gateway redirection, OpenVPN's special route addresses and the DNS commands, computed without the system. */
class RedirectionTest {
    private static final NetGateway LAN = new NetGateway("192.168.1.1", "eth0", "255.255.255.0");
    private static final String SERVER = "203.0.113.7";

    private static TunRedirect flags(String... names) {
        List<String> f = List.of(names);
        return new TunRedirect(!f.contains("!ipv4"), !f.contains("private") && !f.contains("!ipv4"), f.contains("def1"),
                f.contains("local"), f.contains("autolocal"), f.contains("block-local"), f.contains("bypass-dhcp"),
                f.contains("bypass-dns"), f.contains("ipv6"));
    }

    private static TunSpec.Builder tun() {
        return TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0.2", "10.8.0.1");
    }

    private static String steps(DeviceSetup s, boolean undo) {
        StringBuilder b = new StringBuilder();
        for (DeviceSetup.Step step : s.routeSteps()) {
            b.append(String.join(" ", undo ? step.undo() : step.apply())).append('\n');
        }
        return b.toString();
    }

    @Test
    void def1AddsTwoHalvesAndTheServerThroughTheOldGateway() throws TunException {
        DeviceSetup s = new DeviceSetup(tun().redirect(flags("def1")).route(new TunRoute("172.16.0.0", 12, null, -1)).build(),
                "tun0", LAN, SERVER);
        assertEquals("route add 203.0.113.7/32 via 192.168.1.1 dev eth0\n"
                + "route add 0.0.0.0/1 via 10.8.0.1\nroute add 128.0.0.0/1 via 10.8.0.1\n"
                + "route add 172.16.0.0/12 via 10.8.0.1\n", steps(s, false));
        assertEquals("route del 203.0.113.7/32 via 192.168.1.1 dev eth0\n"
                + "route del 0.0.0.0/1 via 10.8.0.1\nroute del 128.0.0.0/1 via 10.8.0.1\n"
                + "route del 172.16.0.0/12 via 10.8.0.1\n", steps(s, true));
        assertTrue(s.warnings().isEmpty(), s.warnings().toString());
        assertEquals("192.168.1.1", s.scriptEnvironment("up").get("route_net_gateway"));
    }

    @Test
    void withoutDef1TheDefaultRouteIsReplacedAndRestoredOnUndo() throws TunException {
        DeviceSetup s = new DeviceSetup(tun().redirect(flags()).build(), "tun0", LAN, SERVER);
        assertEquals("route add 203.0.113.7/32 via 192.168.1.1 dev eth0\n"
                + "route del 0.0.0.0/0 via 192.168.1.1 dev eth0\nroute add 0.0.0.0/0 via 10.8.0.1\n", steps(s, false));
        // Undone newest first: the VPN default goes, the old one comes back, then the server's route goes.
        assertEquals("route add 0.0.0.0/0 via 192.168.1.1 dev eth0", String.join(" ", s.routeSteps().get(1).undo()));
    }

    @Test
    void localAndAutolocalLeaveOutTheServerRoute() throws TunException {
        assertEquals("route add 0.0.0.0/1 via 10.8.0.1\nroute add 128.0.0.0/1 via 10.8.0.1\n",
                steps(new DeviceSetup(tun().redirect(flags("def1", "local")).build(), "tun0", LAN, SERVER), false));
        // autolocal: a server on the LAN is local, one beyond it is not.
        assertFalse(steps(new DeviceSetup(tun().redirect(flags("def1", "autolocal")).build(), "tun0", LAN, "192.168.1.20"),
                false).contains("/32"));
        assertTrue(steps(new DeviceSetup(tun().redirect(flags("def1", "autolocal")).build(), "tun0", LAN, SERVER), false)
                .contains("route add 203.0.113.7/32 via 192.168.1.1 dev eth0"));
    }

    @Test
    void blockLocalSendsTheLanIntoTheTunnel() throws TunException {
        DeviceSetup s = new DeviceSetup(tun().redirect(flags("def1", "block-local")).build(), "tun0", LAN, SERVER);
        assertEquals("route add 203.0.113.7/32 via 192.168.1.1 dev eth0\nroute add 192.168.1.1/32 via 192.168.1.1 dev eth0\n"
                + "route add 0.0.0.0/1 via 10.8.0.1\nroute add 128.0.0.0/1 via 10.8.0.1\n"
                + "route add 192.168.1.0/25 via 10.8.0.1\nroute add 192.168.1.128/25 via 10.8.0.1\n", steps(s, false));
        // Not when the server itself is on that LAN (add_block_local), nor without the LAN's netmask.
        assertFalse(steps(new DeviceSetup(tun().redirect(flags("def1", "block-local")).build(), "tun0", LAN, "192.168.1.9"),
                false).contains("/25"));
        assertFalse(steps(new DeviceSetup(tun().redirect(flags("def1", "block-local")).build(), "tun0",
                new NetGateway("192.168.1.1", "eth0", null), SERVER), false).contains("/25"));
    }

    @Test
    void redirectPrivateKeepsTheDefaultRouteAndWindowsFlagsChangeNothing() throws TunException {
        assertEquals("route add 203.0.113.7/32 via 192.168.1.1 dev eth0\n",
                steps(new DeviceSetup(tun().redirect(flags("private")).build(), "tun0", LAN, SERVER), false));
        assertEquals(steps(new DeviceSetup(tun().redirect(flags("def1")).build(), "tun0", LAN, SERVER), false),
                steps(new DeviceSetup(tun().redirect(flags("def1", "bypass-dhcp", "bypass-dns")).build(), "tun0", LAN, SERVER),
                        false));
        assertEquals("", steps(new DeviceSetup(tun().redirect(flags("!ipv4", "ipv6")).build(), "tun0", LAN, SERVER), false));
    }

    @Test
    void withoutADefaultGatewayNothingIsRedirectedAsOpenVpnWarns() throws TunException {
        DeviceSetup s = new DeviceSetup(tun().redirect(flags("def1")).build(), "tun0", null, SERVER);
        assertEquals("", steps(s, false));
        assertEquals(List.of(Redirection.NO_DEFAULT_GATEWAY), s.warnings());
        assertNull(s.scriptEnvironment("up").get("route_net_gateway"));
        // With local (or no IPv4 server), no old gateway is needed.
        assertEquals("route add 0.0.0.0/1 via 10.8.0.1\nroute add 128.0.0.0/1 via 10.8.0.1\n",
                steps(new DeviceSetup(tun().redirect(flags("def1", "local")).build(), "tun0", null, SERVER), false));
        assertEquals("route add 0.0.0.0/1 via 10.8.0.1\nroute add 128.0.0.0/1 via 10.8.0.1\n",
                steps(new DeviceSetup(tun().redirect(flags("def1")).build(), "tun0", LAN, "2001:db8::7"), false));
    }

    @Test
    void withoutAVpnGatewayNothingIsRedirected() throws TunException {
        DeviceSetup s = new DeviceSetup(TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0.2", "255.255.255.0")
                .driverOption("topology", "subnet").redirect(flags("def1")).build(), "tun0", LAN, SERVER);
        assertEquals("", steps(s, false));
        assertEquals(List.of(Redirection.NO_VPN_GATEWAY), s.warnings());
        DeviceSetup withGateway = new DeviceSetup(TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0.2", "255.255.255.0")
                .driverOption("topology", "subnet").driverOption("route-gateway", "10.8.0.1").redirect(flags("def1")).build(),
                "tun0", LAN, SERVER);
        assertTrue(steps(withGateway, false).contains("route add 0.0.0.0/1 via 10.8.0.1"));
    }

    @Test
    void specialAddressesInRoutes() throws TunException {
        DeviceSetup s = new DeviceSetup(tun().route(new TunRoute("10.0.0.0", 8, TunRoute.NET_GATEWAY, -1))
                .route(new TunRoute(TunRoute.REMOTE_HOST, 32, TunRoute.NET_GATEWAY, 5)).build(), "tun0", LAN, SERVER);
        assertEquals("route add 10.0.0.0/8 via 192.168.1.1\nroute add 203.0.113.7/32 via 192.168.1.1 metric 5\n", steps(s, false));
        Map<String, String> env = s.scriptEnvironment("up");
        assertEquals("203.0.113.7", env.get("route_network_2"));
        assertEquals("192.168.1.1", env.get("route_gateway_2"));
        // An on-link default route: out of its device.
        DeviceSetup onLink = new DeviceSetup(tun().route(new TunRoute("10.0.0.0", 8, TunRoute.NET_GATEWAY, -1)).build(),
                "tun0", new NetGateway(null, "ppp0", null), SERVER);
        assertEquals("route add 10.0.0.0/8 dev ppp0\n", steps(onLink, false));
        assertEquals("0.0.0.0", onLink.scriptEnvironment("up").get("route_net_gateway"));
    }

    @Test
    void specialAddressesThatCannotBeResolvedAreSkippedWithAWarning() throws TunException {
        DeviceSetup s = new DeviceSetup(tun().route(new TunRoute("10.0.0.0", 8, TunRoute.NET_GATEWAY, -1))
                .route(new TunRoute(TunRoute.REMOTE_HOST, 32, null, -1)).route(new TunRoute("10.9.0.0", 16, null, -1)).build(),
                "tun0", null, null);
        assertEquals("route add 10.9.0.0/16 via 10.8.0.1\n", steps(s, false));
        assertEquals(2, s.warnings().size(), s.warnings().toString());
        assertEquals("10.9.0.0", s.scriptEnvironment("up").get("route_network_1"));
    }

    @Test
    void anIpv6ServerCoveredByTheTunnelsRoutesKeepsItsOldRoute() throws TunException {
        TunSpec spec = TunSpec.builder(TunLayer.TUN).ifconfigIpv6("fd00::2", 64, "fd00::1")
                .route(new TunRoute("2000::", 4, "fd00::1", -1)).route(new TunRoute("fd99::", 16, "fd00::1", -1)).build();
        NetGateway old6 = NetGateway.fromIpv6RouteGet("2001:db8::7 from :: via fe80::1 dev eth0 proto ra src 2001:db8::2 metric 100 pref medium\n");
        assertEquals(new NetGateway("fe80::1", "eth0", null), old6);
        DeviceSetup s = new DeviceSetup(spec, "tun0", null, "2001:db8::7", old6);
        assertEquals("-6 route add 2001:db8::7/128 via fe80::1 dev eth0 metric 1\n-6 route add 2000::/4 via fd00::1 dev tun0\n"
                + "-6 route add fd99::/16 via fd00::1 dev tun0\n", steps(s, false));
        assertEquals("fe80::1", s.scriptEnvironment("up").get("net_gateway_ipv6"));
        // Not when no tunnel route covers the server, nor for an IPv4 server.
        assertFalse(new DeviceSetup(spec, "tun0", null, "fd01::7", old6).needsIpv6ServerRoute());
        assertFalse(new DeviceSetup(spec, "tun0", LAN, SERVER, old6).needsIpv6ServerRoute());
        assertTrue(DeviceSetup.covers("::", 3, "1fff::1"));
        assertFalse(DeviceSetup.covers("::", 3, "2001:db8::1"));
        assertNull(NetGateway.fromIpv6RouteGet("unreachable 2001:db8::7 dev lo table unspec proto kernel metric 4294967295"));
        assertNull(NetGateway.fromIpv6RouteGet(""));
        assertEquals(new NetGateway(null, "eth0", null), NetGateway.fromIpv6RouteGet("fd00::9 from :: dev eth0 proto kernel src fd00::2 metric 256"));
    }

    @Test
    void badAddressesAreRefused() {
        assertThrows(TunException.class, () -> new DeviceSetup(tun().route(new TunRoute("vpn_gateway", 32, null, -1)).build(),
                "tun0", LAN, SERVER));
        assertThrows(TunException.class, () -> new DeviceSetup(tun().route(new TunRoute("10.0.0.0", 8, "-net", -1)).build(),
                "tun0", LAN, SERVER));
        assertThrows(TunException.class, () -> new DeviceSetup(tun().build(), "tun0", LAN, "example.com"));
    }

    @Test
    void defaultGatewayParsing() {
        NetGateway gw = NetGateway.fromDefaultRoutes("default via 192.168.1.1 dev eth0 proto dhcp metric 600\n"
                + "default via 10.0.0.1 dev wlan0 proto dhcp metric 100\n");
        assertEquals(new NetGateway("10.0.0.1", "wlan0", null), gw);
        assertEquals(new NetGateway("10.0.0.1", "wlan0", "255.255.254.0"), gw.withNetmaskFrom(
                "3: wlan0    inet 172.16.0.5/16 brd 172.16.255.255 scope global wlan0\\n"
                + "3: wlan0    inet 10.0.1.20/23 brd 10.0.1.255 scope global dynamic wlan0\\n"));
        assertEquals(gw, gw.withNetmaskFrom("3: wlan0    inet 172.16.0.5/16 scope global wlan0"));
        assertEquals(new NetGateway(null, "ppp0", null), NetGateway.fromDefaultRoutes("default dev ppp0 scope link\n"));
        assertEquals(new NetGateway("192.168.1.1", "eth0", null), NetGateway.fromDefaultRoutes("default via 192.168.1.1 dev eth0"));
        assertNull(NetGateway.fromDefaultRoutes(""));
        assertNull(NetGateway.fromDefaultRoutes("blackhole default"));
        assertNull(NetGateway.fromDefaultRoutes("default via fe80::1 dev eth0"));
        assertNull(NetGateway.fromDefaultRoutes("10.0.0.0/8 via 10.1.1.1 dev eth0"));
        assertTrue(LAN.isLocal("192.168.1.200"));
        assertFalse(LAN.isLocal("192.168.2.1"));
        assertFalse(LAN.isLocal("fd00::1"));
        assertFalse(new NetGateway("192.168.1.1", "eth0", null).isLocal("192.168.1.2"));
    }

    @Test
    void dnsThroughResolvectlAsOpenVpn27DnsUpdown() {
        List<String> problem = new java.util.ArrayList<>();
        TunDns dns = new TunDns(List.of(new TunDns.Server(List.of("10.8.0.53", "fd00::53"), List.of(0, 5353), List.of(), null,
                null, null)), List.of("corp.example"));
        assertEquals(List.of(List.of("dns", "tun0", "10.8.0.53", "[fd00::53]:5353"), List.of("default-route", "tun0", "true"),
                List.of("domain", "tun0", "corp.example", "~."), List.of("dnssec", "tun0", "false"),
                List.of("dnsovertls", "tun0", "false")), ResolvedDns.up(dns, "tun0", problem));
        TunDns split = new TunDns(List.of(new TunDns.Server(List.of("10.8.0.1"), List.of(0), List.of("a.example"), null, "DoH", null),
                new TunDns.Server(List.of("10.8.0.2"), List.of(853), List.of("corp.example", "lab.example"), "optional", "DoT",
                        "dns.corp.example")), List.of("corp.example"));
        assertEquals(List.of(List.of("dns", "tun0", "10.8.0.2:853#dns.corp.example"), List.of("default-route", "tun0", "false"),
                List.of("domain", "tun0", "corp.example", "~lab.example"), List.of("dnssec", "tun0", "allow-downgrade"),
                List.of("dnsovertls", "tun0", "true")), ResolvedDns.up(split, "tun0", problem));
        assertTrue(problem.isEmpty());
        TunDns onlyDoh = new TunDns(List.of(new TunDns.Server(List.of("10.8.0.1"), List.of(0), List.of(), "yes", "DoH", null)),
                List.of());
        assertEquals(List.of(), ResolvedDns.up(onlyDoh, "tun0", problem));
        assertEquals(List.of(ResolvedDns.NO_PROFILE), problem);
        assertEquals(List.of(), ResolvedDns.up(TunDns.NONE, "tun0", problem));
        assertEquals(List.of("revert", "tun0"), ResolvedDns.down("tun0"));
    }
}
