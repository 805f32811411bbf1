package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigFixtures.keyBlock;
import static org.culvert.openvpn.config.ConfigFixtures.keyHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.culvert.openvpn.config.ConfigException.Reason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routing and name-service options a client takes: good and bad arguments for each. */
class RoutingOptionsTest {
    @TempDir
    Path dir;

    private static final String BASE = "dev tun\nsecret static.key\ncipher AES-256-CBC\nifconfig 10.8.0.2 10.8.0.1\n";

    @BeforeEach
    void keyFiles() throws Exception {
        ConfigFixtures.writeKey(dir, "static.key", keyBlock(keyHex()));
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(BASE + text, "p2p.conf", dir);
    }

    private ConfigException fails(String text, Reason reason, String option, String detail) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(text));
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(option, e.option(), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        return e;
    }

    @Test
    void noneOfTheOptionsMeansNoSettings() throws Exception {
        assertEquals(RouteSettings.NONE, parse("").routeSettings());
    }

    @Test
    void redirectGatewayFlags() throws Exception {
        Redirect plain = parse("redirect-gateway\n").routeSettings().redirect();
        assertEquals(new Redirect(true, true, false, false, false, false, false, false, false), plain);
        Redirect all = parse("redirect-gateway def1 local autolocal block-local ipv6 bypass-dhcp bypass-dns\n")
                .routeSettings().redirect();
        assertEquals(new Redirect(true, true, true, true, true, true, true, true, true), all);
        Redirect v6only = parse("redirect-gateway ipv6 !ipv4\n").routeSettings().redirect();
        assertFalse(v6only.enabled());
        assertFalse(v6only.rerouteGateway());
        assertTrue(v6only.ipv6());
        assertTrue(v6only.any());
        Redirect priv = parse("redirect-private local\n").routeSettings().redirect();
        assertTrue(priv.enabled());
        assertFalse(priv.rerouteGateway(), "redirect-private never changes the default route");
        assertTrue(priv.local());
    }

    @Test
    void redirectGivenTwiceIsWarnedAboutAsOpenVpnDoes() throws Exception {
        OpenVpnOptions o = parse("redirect-gateway def1\nredirect-private local\n");
        assertTrue(o.warnings().contains(OptionWarnings.REDIRECT_TWICE), o.warnings().toString());
        assertTrue(o.routeSettings().redirect().def1() && o.routeSettings().redirect().local(), "flags accumulate");
        assertFalse(parse("redirect-gateway def1\n").warnings().contains(OptionWarnings.REDIRECT_TWICE));
    }

    @Test
    void badRedirectFlags() {
        fails("redirect-gateway def2\n", Reason.BAD_VALUE, "redirect-gateway", "unknown flag 'def2'");
        fails("redirect-private IPV6\n", Reason.BAD_VALUE, "redirect-private", "unknown flag 'IPV6'");
        fails("redirect-gateway a b c d e f g h i j k l m n o p\n", Reason.EXTRA_ARGUMENT, "redirect-gateway", "at most 15");
    }

    @Test
    void routeGatewayIsTheDefaultGatewayOfRoutes() throws Exception {
        OpenVpnOptions o = ConfigParser.parse("dev tun\nsecret static.key\ncipher AES-256-CBC\ntopology subnet\n"
                + "ifconfig 10.8.0.2 255.255.255.0\nroute-gateway 10.8.0.1\nroute 192.168.1.0 255.255.255.0\n", "p2p.conf", dir);
        assertEquals("10.8.0.1", o.routes().get(0).gateway().getHostAddress());
        assertEquals("10.8.0.1", o.routeSettings().routeGateway().orElseThrow().getHostAddress());
        // It also wins over the net30 peer, as in init.c do_init_route_list.
        assertEquals("10.8.0.9", parse("route-gateway 10.8.0.9\nroute 192.168.1.0 255.255.255.0\n").routes().get(0)
                .gateway().getHostAddress());
        assertTrue(parse("route-gateway dhcp\n").routeSettings().routeGatewayDhcp());
    }

    @Test
    void badRouteGateway() {
        fails("route-gateway 10.8.0\n", Reason.BAD_VALUE, "route-gateway", "must be an IPv4 address or 'dhcp'");
        fails("route-gateway gw.example.com\n", Reason.BAD_VALUE, "route-gateway", "must be an IPv4 address");
        fails("route-gateway\n", Reason.MISSING_ARGUMENT, "route-gateway", "needs an argument");
        fails("route-gateway 10.8.0.1 10.8.0.2\n", Reason.EXTRA_ARGUMENT, "route-gateway", "extra");
        // topology subnet without route-gateway: a route has no gateway, as OpenVPN warns.
        assertThrows(ConfigException.class, () -> ConfigParser.parse("dev tun\nsecret static.key\ncipher AES-256-CBC\n"
                + "topology subnet\nifconfig 10.8.0.2 255.255.255.0\nroute 10.1.0.0 255.255.0.0\n", "p2p.conf", dir));
    }

    @Test
    void routeKeywordsNetGatewayAndRemoteHost() throws Exception {
        OpenVpnOptions o = parse("route 10.0.0.0 255.0.0.0 net_gateway\nroute remote_host 255.255.255.255 net_gateway\n"
                + "route 172.16.0.0 255.240.0.0 vpn_gateway\n");
        Route viaNet = o.routes().get(0);
        assertEquals(Optional.of(SpecialAddress.NET_GATEWAY), viaNet.specialGateway());
        assertEquals(Optional.empty(), viaNet.specialNetwork());
        Route server = o.routes().get(1);
        assertEquals(Optional.of(SpecialAddress.REMOTE_HOST), server.specialNetwork());
        assertEquals(Optional.of(SpecialAddress.NET_GATEWAY), server.specialGateway());
        assertEquals("10.8.0.1", o.routes().get(2).gateway().getHostAddress());
        assertEquals(Optional.empty(), o.routes().get(2).specialGateway());
        fails("route vpn_gateway\n", Reason.BAD_VALUE, "route", "'vpn_gateway' is not supported");
        fails("route net_gatewy 255.0.0.0\n", Reason.BAD_VALUE, "route", "not an IPv4 address");
    }

    @Test
    void routeMetricIsTheDefaultMetric() throws Exception {
        OpenVpnOptions o = parse("route-metric 50\nroute 10.1.0.0 255.255.0.0\nroute 10.2.0.0 255.255.0.0 vpn_gateway 7\n");
        assertEquals(OptionalInt.of(50), o.routes().get(0).metric());
        assertEquals(OptionalInt.of(7), o.routes().get(1).metric(), "an explicit metric wins");
        assertEquals(50, o.routeSettings().routeMetric());
        assertEquals(OptionalInt.empty(), parse("route 10.1.0.0 255.255.0.0\n").routes().get(0).metric());
        fails("route-metric -1\n", Reason.BAD_VALUE, "route-metric", "out of range");
        fails("route-metric x\n", Reason.BAD_VALUE, "route-metric", "not a number");
        fails("route-metric\n", Reason.MISSING_ARGUMENT, "route-metric", "needs an argument");
    }

    @Test
    void routeNoexecAndRouteDelay() throws Exception {
        assertTrue(parse("route-noexec\n").routeSettings().routeNoexec());
        fails("route-noexec yes\n", Reason.EXTRA_ARGUMENT, "route-noexec", "takes no arguments");
        RouteSettings d = parse("route-delay 5 10\n").routeSettings();
        assertEquals(5, d.routeDelay());
        assertEquals(10, d.routeDelayWindow());
        assertEquals(0, parse("route-delay\n").routeSettings().routeDelay());
        assertEquals(-1, parse("").routeSettings().routeDelay());
        fails("route-delay -2\n", Reason.BAD_VALUE, "route-delay", "out of range");
        fails("route-delay 1 2 3\n", Reason.EXTRA_ARGUMENT, "route-delay", "at most 2");
    }

    @Test
    void dhcpOptionsAreExportedInOrder() throws Exception {
        RouteSettings s = parse("dhcp-option DNS 10.8.0.1\ndhcp-option DOMAIN corp.example\ndhcp-option DNS6 fd00::53\n"
                + "dhcp-option DISABLE-NBT\ndhcp-option PROXY_HTTP proxy\n").routeSettings();
        assertEquals(List.of("dhcp-option DNS 10.8.0.1", "dhcp-option DOMAIN corp.example", "dhcp-option DNS6 fd00::53",
                "dhcp-option DISABLE-NBT", "dhcp-option PROXY_HTTP proxy"), s.foreignOptions());
    }

    @Test
    void badDhcpOptions() {
        fails("dhcp-option DNS 10.8.0\n", Reason.BAD_VALUE, "dhcp-option", "'10.8.0' is not an IPv4 address");
        fails("dhcp-option DNS6 10.8.0.1\n", Reason.BAD_VALUE, "dhcp-option", "not an IPv6 address");
        fails("dhcp-option DNS\n", Reason.MISSING_ARGUMENT, "dhcp-option", "DNS needs a value");
        fails("dhcp-option DOMAIN -rf\n", Reason.BAD_VALUE, "dhcp-option", "'-rf' is not a domain name");
        fails("dhcp-option NBT 3\n", Reason.BAD_VALUE, "dhcp-option", "must be 1, 2, 4, or 8");
        fails("dhcp-option DNS 1.1.1.1 2.2.2.2\n", Reason.EXTRA_ARGUMENT, "dhcp-option", "at most 2");
        fails("dhcp-option\n", Reason.MISSING_ARGUMENT, "dhcp-option", "needs");
    }

    @Test
    void dnsServersAndSearchDomains() throws Exception {
        DnsOptions dns = parse("dns search-domains corp.example lab.example\ndns server 5 address 10.8.0.53 [fd00::53]:5353\n"
                + "dns server -3 address 10.8.0.1:853\ndns server -3 transport DoT\ndns server -3 sni dns.corp.example\n"
                + "dns server 5 resolve-domains corp.example\ndns server 5 dnssec optional\n").routeSettings().dns();
        assertEquals(List.of("corp.example", "lab.example"), dns.searchDomains());
        assertEquals(2, dns.servers().size());
        DnsOptions.Server first = dns.servers().get(0);
        assertEquals(-3, first.priority(), "lowest priority first, as dns_server_get keeps them");
        assertEquals(List.of("10.8.0.1"), first.address());
        assertEquals(List.of(853), first.ports());
        assertEquals(Optional.of("DoT"), first.transport());
        assertEquals(Optional.of("dns.corp.example"), first.sni());
        DnsOptions.Server second = dns.servers().get(1);
        assertEquals(List.of("10.8.0.53", "fd00::53"), second.address());
        assertEquals(List.of(0, 5353), second.ports());
        assertEquals(List.of("corp.example"), second.resolveDomains());
        assertEquals(Optional.of("optional"), second.dnssec());
    }

    @Test
    void dnsReplacesDhcpOptionDnsInTheForeignOptionsAsOpenVpnOnLinux() throws Exception {
        RouteSettings s = parse("dhcp-option DNS 192.0.2.1\ndhcp-option DOMAIN corp.example\n"
                + "dhcp-option DOMAIN-SEARCH old.example\ndns server 1 address 10.8.0.53 fd00::53\n").routeSettings();
        // foreign_options_copy_dns: DNS entries give way to the servers; DOMAIN-SEARCH stays (no search-domains).
        assertEquals(List.of("dhcp-option DOMAIN corp.example", "dhcp-option DOMAIN-SEARCH old.example",
                "dhcp-option DNS 10.8.0.53", "dhcp-option DNS6 fd00::53"), s.foreignOptions());
        RouteSettings t = parse("dhcp-option DOMAIN-SEARCH old.example\ndns search-domains new.example\n").routeSettings();
        assertEquals(List.of("dhcp-option DOMAIN-SEARCH new.example"), t.foreignOptions());
    }

    @Test
    void badDnsOptions() {
        fails("dns server 1 dnssec yes\n", Reason.CONFLICT, "dns", "dns server 1 does not have an address assigned");
        fails("dns server 128 address 10.8.0.1\n", Reason.BAD_VALUE, "dns", "invalid priority value '128'");
        fails("dns server x address 10.8.0.1\n", Reason.BAD_VALUE, "dns", "invalid priority value 'x'");
        fails("dns server 1 address 10.8.0\n", Reason.BAD_VALUE, "dns", "malformed address");
        fails("dns server 1 address 10.8.0.1:0\n", Reason.BAD_VALUE, "dns", "malformed address");
        fails("dns server 1 address [fd00::1]\n", Reason.BAD_VALUE, "dns", "malformed address");
        fails("dns server 1 address 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9\n",
                Reason.BAD_VALUE, "dns", "maximum exceeded '1.1.1.9'");
        fails("dns server 1 dnssec maybe\n", Reason.BAD_VALUE, "dns", "malformed dnssec value 'maybe'");
        fails("dns server 1 transport DoQ\n", Reason.BAD_VALUE, "dns", "malformed transport value 'DoQ'");
        fails("dns server 1 sni a b\n", Reason.BAD_VALUE, "dns", "sni takes one name");
        fails("dns server 1 port 53\n", Reason.BAD_VALUE, "dns", "unknown option type 'port'");
        fails("dns server 1 address\n", Reason.BAD_VALUE, "dns", "missing or unknown parameter");
        fails("dns search-domains\n", Reason.BAD_VALUE, "dns", "unknown option type 'search-domains'");
        fails("dns search-domains bad/domain\n", Reason.BAD_VALUE, "dns", "'bad/domain' is not a domain name");
        fails("dns resolver 1\n", Reason.BAD_VALUE, "dns", "unknown option type 'resolver'");
    }

    @Test
    void blockIpv6() throws Exception {
        assertTrue(parse("block-ipv6\n").routeSettings().blockIpv6());
        assertFalse(parse("").routeSettings().blockIpv6());
        fails("block-ipv6 yes\n", Reason.EXTRA_ARGUMENT, "block-ipv6", "takes no arguments");
    }

    @Test
    void devNullRefusesRedirection() {
        assertThrows(ConfigException.class, () -> ConfigParser.parse("dev null\nsecret static.key\ncipher AES-256-CBC\n"
                + "redirect-gateway def1\n", "p2p.conf", dir));
    }
}
