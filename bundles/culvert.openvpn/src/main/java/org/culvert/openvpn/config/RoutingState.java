package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.CONFLICT;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.culvert.openvpn.config.OptionsBuilder.Where;

/**
 * The parse state of {@link RouteSettings}: what {@link RoutingOptions}, {@code dhcp-option} and
 * {@code dns} write while a configuration is read, turned into the immutable settings by {@link #finish}.
 * Kept out of {@link OptionsBuilder} so that the routing and DNS options stay in one place.
 */
final class RoutingState {
    Inet4Address routeGateway;
    boolean routeGatewayDhcp;
    int routeMetric;
    boolean routeNoexec;
    int routeDelay = -1;
    int routeDelayWindow = 30;
    boolean redirectEnabled;
    boolean rerouteGateway;
    boolean local;
    boolean autoLocal;
    boolean def1;
    boolean bypassDhcp;
    boolean bypassDns;
    boolean blockLocal;
    boolean redirectIpv6;
    boolean blockIpv6;
    /** {@code dhcp-option TYPE [value]} as OpenVPN exports it: "dhcp-option TYPE value". */
    final List<String> dhcpOptions = new ArrayList<>();
    final List<String> searchDomains = new ArrayList<>();
    /** By priority, lowest first, as {@code dns_server_get} keeps them. */
    final Map<Integer, ServerState> servers = new TreeMap<>();

    /** One {@code dns server N} being read. */
    static final class ServerState {
        final Where where;
        final List<String> addresses = new ArrayList<>();
        final List<Integer> ports = new ArrayList<>();
        final List<String> resolveDomains = new ArrayList<>();
        String dnssec;
        String transport;
        String sni;

        ServerState(Where where) {
            this.where = where;
        }
    }

    RouteSettings finish(OptionsBuilder b) throws ConfigException {
        List<DnsOptions.Server> dnsServers = new ArrayList<>();
        for (Map.Entry<Integer, ServerState> e : servers.entrySet()) {
            ServerState s = e.getValue();
            if (s.addresses.isEmpty()) {
                // dns.c dns_options_verify: "dns server %ld does not have an address assigned".
                throw b.at(CONFLICT, s.where, "dns", "dns server " + e.getKey() + " does not have an address assigned");
            }
            dnsServers.add(new DnsOptions.Server(e.getKey(), s.addresses, s.ports, s.resolveDomains,
                    Optional.ofNullable(s.dnssec), Optional.ofNullable(s.transport), Optional.ofNullable(s.sni)));
        }
        DnsOptions dns = new DnsOptions(searchDomains, dnsServers);
        Redirect redirect = new Redirect(redirectEnabled, rerouteGateway, local, autoLocal, def1, bypassDhcp, bypassDns,
                blockLocal, redirectIpv6);
        return new RouteSettings(Optional.ofNullable(routeGateway), routeGatewayDhcp, routeMetric, routeNoexec,
                routeDelay, routeDelayWindow, redirect, foreignOptions(dns), dns, blockIpv6);
    }

    /**
     * OpenVPN 2.6 on Linux ({@code options.c foreign_options_copy_dns}): with {@code --dns} servers the
     * {@code dhcp-option DNS}/{@code DNS6} entries give way to them, with {@code --dns search-domains}
     * the {@code DOMAIN-SEARCH} ones do; the others keep their order and come first.
     */
    private List<String> foreignOptions(DnsOptions dns) {
        List<String> out = new ArrayList<>();
        for (String o : dhcpOptions) {
            boolean replaced = (!dns.searchDomains().isEmpty() && o.startsWith("dhcp-option DOMAIN-SEARCH"))
                    || (!dns.servers().isEmpty() && o.startsWith("dhcp-option DNS"));
            if (!replaced) {
                out.add(o);
            }
        }
        for (DnsOptions.Server s : dns.servers()) {
            for (String a : s.address()) {
                out.add((a.indexOf(':') >= 0 ? "dhcp-option DNS6 " : "dhcp-option DNS ") + a);
            }
        }
        for (String d : dns.searchDomains()) {
            out.add("dhcp-option DOMAIN-SEARCH " + d);
        }
        return out;
    }
}
