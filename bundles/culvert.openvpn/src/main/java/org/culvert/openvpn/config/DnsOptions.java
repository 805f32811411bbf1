package org.culvert.openvpn.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * OpenVPN 2.6's {@code --dns} option ({@code dns.h} {@code struct dns_options}): search domains and
 * servers in priority order (lowest first), each with up to eight addresses.
 */
public record DnsOptions(List<String> searchDomains, List<Server> servers) {
    /** No {@code --dns} given. */
    public static final DnsOptions NONE = new DnsOptions(List.of(), List.of());

    public DnsOptions {
        searchDomains = List.copyOf(searchDomains);
        servers = List.copyOf(servers);
    }

    public boolean isEmpty() {
        return searchDomains.isEmpty() && servers.isEmpty();
    }

    /**
     * {@code dns server PRIORITY ...}.
     *
     * @param address        IPv4 or IPv6 literals without their port
     * @param ports          0 where no port was given
     * @param resolveDomains {@code resolve-domains}: the domains this server is for (split DNS)
     * @param dnssec         yes, no or optional
     * @param transport      plain, DoH or DoT
     */
    public record Server(int priority, List<String> address, List<Integer> ports, List<String> resolveDomains,
            Optional<String> dnssec, Optional<String> transport, Optional<String> sni) {
        public Server {
            address = List.copyOf(address);
            ports = List.copyOf(ports);
            resolveDomains = List.copyOf(resolveDomains);
            Objects.requireNonNull(dnssec, "dnssec");
            Objects.requireNonNull(transport, "transport");
            Objects.requireNonNull(sni, "sni");
        }
    }
}
