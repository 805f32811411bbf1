package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.culvert.api.tun.TunDns;
import org.culvert.api.tun.TunRedirect;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelManager;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routing and DNS part of the tun spec, and the script variables OpenVPN 2.6 sets for them on Linux. */
class RouteSpecsTest {
    @TempDir
    Path dir;

    @BeforeEach
    void key() throws Exception {
        Files.writeString(dir.resolve("static.key"), PlanBuilderTest.KEY);
    }

    private TunSpec spec(String... lines) throws Exception {
        String config = "dev tun\nsecret static.key\ncipher AES-256-CBC\nremote 203.0.113.7\nifconfig 10.8.0.2 10.8.0.1\n"
                + String.join("\n", lines) + "\n";
        return PlanBuilder.fromConfiguration("t", Map.of(TunnelManager.PROP_NAME, "t", TunnelManager.PROP_CONFIG, config,
                "configSource", dir.resolve("p2p.conf").toString())).tunSpec;
    }

    @Test
    void redirectRemoteHostAndSpecialRoutes() throws Exception {
        TunSpec s = spec("redirect-gateway def1 bypass-dhcp", "route remote_host 255.255.255.255 net_gateway",
                "route-noexec", "route-delay 3");
        assertEquals(new TunRedirect(true, true, true, false, false, false, true, false, false), s.redirect());
        assertEquals("203.0.113.7", s.remoteHost());
        assertEquals(new TunRoute(TunRoute.REMOTE_HOST, 32, TunRoute.NET_GATEWAY, -1), s.routes().get(0));
        assertTrue(s.routeNoexec());
        assertEquals(3, s.routeDelaySeconds());
        TunSpec none = spec();
        assertEquals(TunRedirect.NONE, none.redirect());
        assertFalse(none.routeNoexec());
        assertEquals(0, none.routeDelaySeconds());
        assertEquals(TunDns.NONE, none.dns());
    }

    @Test
    void redirectIpv6AddsOpenVpnsFourRoutesWithTheDefaultMetric() throws Exception {
        TunSpec s = spec("ifconfig-ipv6 fd00::2/64 fd00::1", "redirect-gateway ipv6 !ipv4", "route-metric 20",
                "route-ipv6 2001:db8::/32", "route 10.9.0.0 255.255.0.0");
        assertFalse(s.redirect().enabled());
        String gw = " via fd00:0:0:0:0:0:0:1 metric 20";
        assertEquals(List.of("10.9.0.0/16 via 10.8.0.1 metric 20", "::/3" + gw, "2000::/4" + gw, "3000::/4" + gw, "fc00::/7" + gw,
                "2001:db8:0:0:0:0:0:0/32 via fd00:0:0:0:0:0:0:1 metric 20"),
                s.routes().stream().map(TunRoute::toString).toList());
    }

    @Test
    void routeGatewayReachesTheDriver() throws Exception {
        assertEquals("10.8.0.9", spec("route-gateway 10.8.0.9").driverOptions().get("route-gateway"));
        assertNull(spec().driverOptions().get("route-gateway"));
    }

    @Test
    void dhcpOptionsBecomeForeignOptionsAndTheResolverSettings() throws Exception {
        TunSpec s = spec("dhcp-option DNS 10.8.0.53", "dhcp-option DOMAIN corp.example", "dhcp-option DNS6 fd00::53",
                "dhcp-option DOMAIN-SEARCH lab.example", "dhcp-option WINS 10.8.0.54");
        Map<String, String> env = s.scriptEnvironment();
        assertEquals("dhcp-option DNS 10.8.0.53", env.get("foreign_option_1"));
        assertEquals("dhcp-option DOMAIN corp.example", env.get("foreign_option_2"));
        assertEquals("dhcp-option WINS 10.8.0.54", env.get("foreign_option_5"));
        assertNull(env.get("foreign_option_6"));
        assertNull(env.get("dns_server_1_address_1"), "dhcp-option sets no dns_* variables in 2.6");
        // As OpenVPN 2.7 hands --dhcp-option to its dns-updown: one server, DOMAIN first among the search domains.
        assertEquals(new TunDns(List.of(new TunDns.Server(List.of("10.8.0.53", "fd00::53"), List.of(0, 0), List.of(), null, null,
                null)), List.of("corp.example", "lab.example")), s.dns());
    }

    @Test
    void dnsOptionSetsOpenVpnsDnsVariables() throws Exception {
        TunSpec s = spec("dhcp-option DNS 192.0.2.1", "dns search-domains corp.example",
                "dns server 2 address 10.8.0.53 [fd00::53]:5353", "dns server 2 resolve-domains corp.example",
                "dns server 2 dnssec yes", "dns server 1 address 10.8.0.1", "dns server 1 transport DoT",
                "dns server 1 sni dns.corp.example");
        Map<String, String> env = s.scriptEnvironment();
        assertEquals("corp.example", env.get("dns_search_domain_1"));
        assertEquals("10.8.0.1", env.get("dns_server_1_address_1"));
        assertEquals("DoT", env.get("dns_server_1_transport"));
        assertEquals("dns.corp.example", env.get("dns_server_1_sni"));
        assertEquals("10.8.0.53", env.get("dns_server_2_address_1"));
        assertNull(env.get("dns_server_2_port_1"));
        assertEquals("fd00::53", env.get("dns_server_2_address_2"));
        assertEquals("5353", env.get("dns_server_2_port_2"));
        assertEquals("corp.example", env.get("dns_server_2_resolve_domain_1"));
        assertEquals("yes", env.get("dns_server_2_dnssec"));
        // The dns servers replace dhcp-option DNS among the foreign options (foreign_options_copy_dns).
        assertEquals("dhcp-option DNS 10.8.0.1", env.get("foreign_option_1"));
        assertEquals("dhcp-option DNS 10.8.0.53", env.get("foreign_option_2"));
        assertEquals("dhcp-option DNS6 fd00::53", env.get("foreign_option_3"));
        assertEquals("dhcp-option DOMAIN-SEARCH corp.example", env.get("foreign_option_4"));
        assertEquals(2, s.dns().servers().size());
        assertEquals("DoT", s.dns().servers().get(0).transport());
    }
}
