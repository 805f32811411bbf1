package org.culvert.tunnel.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import org.culvert.api.tun.TunDns;
import org.culvert.api.tun.TunRedirect;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;
import org.culvert.openvpn.config.DnsOptions;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.Redirect;
import org.culvert.openvpn.config.Route;
import org.culvert.openvpn.config.RouteIpv6;
import org.culvert.openvpn.config.RouteSettings;
import org.culvert.openvpn.config.SpecialAddress;

/**
 * The routing and name-service part of a {@link TunSpec}: the routes with OpenVPN's special
 * addresses, redirection, route-noexec/route-delay, the resolver settings, and the script variables
 * OpenVPN 2.6 sets for them on Linux ({@code foreign_option_N}, {@code dns_*}). What needs the
 * machine (the old default gateway, the server's address) is left to the driver.
 */
final class RouteSpecs {
    /** What {@code redirect-gateway ipv6} routes into the tunnel: all of IPv6's global and unique-local space. */
    private static final String[][] REDIRECT_IPV6 = {{"::", "3"}, {"2000::", "4"}, {"3000::", "4"}, {"fc00::", "7"}};
    private RouteSpecs() {
    }

    static void apply(OpenVpnOptions o, TunSpec.Builder tun) {
        apply(o, null, tun);
    }

    /** @param pushed in pull mode, the server's options over the configuration's; null otherwise */
    static void apply(OpenVpnOptions o, org.culvert.openvpn.config.PushedOptions pushed, TunSpec.Builder tun) {
        List<Route> routes = pushed != null ? pushed.routes() : o.routes();
        List<RouteIpv6> routes6 = pushed != null ? pushed.routesIpv6() : o.routesIpv6();
        java.util.Optional<org.culvert.openvpn.config.IfConfigIpv6> ifconfig6 = pushed != null ? pushed.ifconfigIpv6()
                : o.ifconfigIpv6();
        for (Route r : routes) {
            String network = r.specialNetwork().map(SpecialAddress::keyword).orElse(r.network().getHostAddress());
            String gateway = r.specialGateway().map(SpecialAddress::keyword).orElse(r.gateway().getHostAddress());
            tun.route(new TunRoute(network, PlanBuilder.prefixLength(r.netmask()), gateway, r.metric().orElse(-1)));
        }
        RouteSettings s = pushed != null ? pushed.routeSettings() : o.routeSettings();
        int defaultMetric = s.routeMetric() > 0 ? s.routeMetric() : -1;
        String ipv6Gateway = ifconfig6.map(i -> i.remote() == null ? null : i.remote().getHostAddress()).orElse(null);
        if (s.redirect().ipv6()) {
            // init.c do_init_route_ipv6_list: redirect-gateway ipv6 adds these before the --route-ipv6s.
            for (String[] prefix : REDIRECT_IPV6) {
                tun.route(new TunRoute(prefix[0], Integer.parseInt(prefix[1]), ipv6Gateway, defaultMetric));
            }
        }
        for (RouteIpv6 r : routes6) {
            tun.route(new TunRoute(r.network().getHostAddress(), r.prefixLength(),
                    r.gateway().map(InetAddress::getHostAddress).orElse(null), r.metric().orElse(defaultMetric)));
        }
        s.routeGateway().ifPresent(g -> tun.driverOption("route-gateway", g.getHostAddress()));
        Redirect r = s.redirect();
        tun.redirect(new TunRedirect(r.enabled(), r.rerouteGateway(), r.def1(), r.local(), r.autoLocal(), r.blockLocal(),
                r.bypassDhcp(), r.bypassDns(), r.ipv6()));
        o.remote().ifPresent(remote -> tun.remoteHost(remote.host()));
        tun.routeNoexec(s.routeNoexec());
        tun.routeDelaySeconds(Math.max(0, s.routeDelay()));
        tun.dns(dns(s));
        for (int i = 0; i < s.foreignOptions().size(); i++) {
            tun.scriptEnv("foreign_option_" + (i + 1), s.foreignOptions().get(i));
        }
        // options.c setenv_settings: the dns_* variables are set from the configuration when not pulling.
        setenvDns(s.dns(), tun);
    }

    /**
     * {@code --block-ipv6}: the answers' source, the {@code --ifconfig-ipv6} peer or fe80::7 (forward.c
     * {@code ipv6_send_icmp_unreachable}); null when IPv6 is not blocked.
     *
     * @throws PlanBuilder.PlanException for a tap device, whose Ethernet framing Culvert does not build
     */
    static byte[] blockIpv6Source(OpenVpnOptions o) throws PlanBuilder.PlanException {
        if (!o.routeSettings().blockIpv6()) {
            return null;
        }
        if (o.devType() != org.culvert.openvpn.config.DevType.TUN) {
            throw new PlanBuilder.PlanException(o.sourceName() + ": --block-ipv6 with --dev tap is not supported by Culvert"
                    + " yet", null);
        }
        return blockIpv6Source(o.ifconfigIpv6());
    }

    private static byte[] blockIpv6Source(java.util.Optional<org.culvert.openvpn.config.IfConfigIpv6> ifconfigIpv6) {
        return ifconfigIpv6.map(i -> i.remote().getAddress()).orElse(Ipv6Blocker.FALLBACK_SOURCE.clone());
    }

    /**
     * Pull mode: the {@code block-ipv6} answers' source for a pulled device, the pushed (or configured)
     * {@code ifconfig-ipv6} peer or fe80::7; null for a tap device, whose Ethernet framing Culvert does
     * not build (the caller warns). Only called when {@code pushed.routeSettings().blockIpv6()}.
     */
    static byte[] blockIpv6Source(org.culvert.api.tun.TunLayer layer, org.culvert.openvpn.config.PushedOptions pushed) {
        if (layer != org.culvert.api.tun.TunLayer.TUN) {
            return null;
        }
        return blockIpv6Source(pushed.ifconfigIpv6());
    }

    /**
     * The resolver settings: the {@code --dns} servers, or else, as OpenVPN 2.7 does for its dns-updown
     * ({@code options.c dhcp_options_postprocess_dns}), one server of priority 0 with the
     * {@code dhcp-option DNS} and {@code DNS6} addresses and the {@code DOMAIN} and {@code DOMAIN-SEARCH}
     * names as search domains.
     */
    static TunDns dns(RouteSettings s) {
        DnsOptions d = s.dns();
        if (!d.servers().isEmpty()) {
            List<TunDns.Server> servers = new ArrayList<>();
            for (DnsOptions.Server server : d.servers()) {
                servers.add(new TunDns.Server(server.address(), server.ports(), server.resolveDomains(),
                        server.dnssec().orElse(null), server.transport().orElse(null), server.sni().orElse(null)));
            }
            return new TunDns(servers, d.searchDomains());
        }
        List<String> v4 = new ArrayList<>();
        List<String> v6 = new ArrayList<>();
        String domain = null;
        List<String> search = new ArrayList<>();
        for (String option : s.foreignOptions()) {
            String[] f = option.split(" ");
            if (f.length != 3) {
                continue;
            }
            switch (f[1]) {
                case "DNS":
                    (f[2].indexOf(':') >= 0 ? v6 : v4).add(f[2]);
                    break;
                case "DNS6":
                    v6.add(f[2]);
                    break;
                case "DOMAIN":
                case "ADAPTER_DOMAIN_SUFFIX":
                    domain = f[2];
                    break;
                case "DOMAIN-SEARCH":
                    search.add(f[2]);
                    break;
                default:
                    break;
            }
        }
        List<String> addresses = new ArrayList<>(v4);
        addresses.addAll(v6);
        if (addresses.isEmpty()) {
            return new TunDns(List.of(), d.searchDomains());
        }
        if (addresses.size() > 8) {
            addresses = addresses.subList(0, 8);
        }
        List<String> domains = new ArrayList<>();
        if (domain != null) {
            domains.add(domain);
        }
        domains.addAll(search);
        List<Integer> ports = new ArrayList<>();
        addresses.forEach(a -> ports.add(0));
        return new TunDns(List.of(new TunDns.Server(addresses, ports, List.of(), null, null, null)), domains);
    }

    /** dns.c setenv_dns_options: dns_search_domain_N, dns_server_N_address_M, ..._port_M, ..._resolve_domain_M, ... */
    private static void setenvDns(DnsOptions d, TunSpec.Builder tun) {
        for (int i = 0; i < d.searchDomains().size(); i++) {
            tun.scriptEnv("dns_search_domain_" + (i + 1), d.searchDomains().get(i));
        }
        for (int i = 0; i < d.servers().size(); i++) {
            DnsOptions.Server s = d.servers().get(i);
            String prefix = "dns_server_" + (i + 1) + "_";
            for (int j = 0; j < s.address().size(); j++) {
                tun.scriptEnv(prefix + "address_" + (j + 1), s.address().get(j));
                if (s.ports().get(j) != 0) {
                    tun.scriptEnv(prefix + "port_" + (j + 1), Integer.toString(s.ports().get(j)));
                }
            }
            for (int j = 0; j < s.resolveDomains().size(); j++) {
                tun.scriptEnv(prefix + "resolve_domain_" + (j + 1), s.resolveDomains().get(j));
            }
            s.dnssec().ifPresent(v -> tun.scriptEnv(prefix + "dnssec", v));
            s.transport().ifPresent(v -> tun.scriptEnv(prefix + "transport", v));
            s.sni().ifPresent(v -> tun.scriptEnv(prefix + "sni", v));
        }
    }
}
