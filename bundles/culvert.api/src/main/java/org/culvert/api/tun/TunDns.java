package org.culvert.api.tun;

import java.util.List;

/**
 * The name service a tunnel brings (OpenVPN 2.6's {@code --dns}, or its {@code --dhcp-option DNS},
 * {@code DNS6}, {@code DOMAIN} and {@code DOMAIN-SEARCH} when no {@code --dns} is given), for a driver
 * that configures the system's resolver for the device, as OpenVPN 2.7's dns-updown does.
 *
 * @param servers       in priority order, the preferred first
 * @param searchDomains domains appended to short names
 * @since 1.2
 */
public record TunDns(List<Server> servers, List<String> searchDomains) {
    /** Nothing to configure. */
    public static final TunDns NONE = new TunDns(List.of(), List.of());

    public TunDns {
        servers = List.copyOf(servers);
        searchDomains = List.copyOf(searchDomains);
    }

    public boolean isEmpty() {
        return servers.isEmpty() && searchDomains.isEmpty();
    }

    /**
     * One server profile.
     *
     * @param addresses      IPv4 or IPv6 literals
     * @param ports          one per address; 0 for the default port
     * @param resolveDomains the domains this server is for (split DNS); empty: every name
     * @param dnssec         "yes", "no", "optional", or null when not set
     * @param transport      "plain", "DoH", "DoT", or null when not set
     * @param sni            the server name for DoT/DoH, or null
     */
    public record Server(List<String> addresses, List<Integer> ports, List<String> resolveDomains, String dnssec,
            String transport, String sni) {
        public Server {
            addresses = List.copyOf(addresses);
            ports = List.copyOf(ports);
            resolveDomains = List.copyOf(resolveDomains);
            if (addresses.size() != ports.size()) {
                throw new IllegalArgumentException("one port per address");
            }
        }
    }
}
