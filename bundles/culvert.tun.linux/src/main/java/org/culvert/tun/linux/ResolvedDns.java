package org.culvert.tun.linux;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.culvert.api.tun.TunDns;

/**
 * A tunnel's DNS settings for systemd-resolved, as OpenVPN 2.7's default dns-updown script
 * ({@code distro/dns-scripts/systemd-dns-updown.sh}) applies them: {@code resolvectl} on the tun
 * link, with the first server profile that does not need DNS-over-HTTPS; {@code resolvectl revert}
 * undoes all of it. Pure computation: the arguments of {@code resolvectl}, without the program.
 */
final class ResolvedDns {
    /** OpenVPN's message when no server profile can be used. */
    static final String NO_PROFILE = "setting DNS failed, no compatible server profile";

    private ResolvedDns() {
    }

    /**
     * The {@code resolvectl} argument lists that set {@code dns} on {@code device}; empty when there is
     * nothing to set or no usable server (then {@code problem} receives why).
     */
    static List<List<String>> up(TunDns dns, String device, List<String> problem) {
        List<List<String>> commands = new ArrayList<>();
        if (dns.isEmpty()) {
            return commands;
        }
        TunDns.Server server = null;
        for (TunDns.Server s : dns.servers()) {
            if (!"DoH".equals(s.transport())) {
                server = s;
                break;
            }
        }
        if (server == null) {
            problem.add(NO_PROFILE);
            return commands;
        }
        String sni = "DoT".equals(server.transport()) && server.sni() != null ? "#" + server.sni() : "";
        List<String> servers = new ArrayList<>(List.of("dns", device));
        for (int i = 0; i < server.addresses().size(); i++) {
            String a = server.addresses().get(i);
            int port = server.ports().get(i);
            servers.add(port == 0 ? a + sni : (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":" + port + sni);
        }
        commands.add(servers);
        // Search domains for every name; split DNS when the server is only for some domains.
        Set<String> domains = new LinkedHashSet<>(dns.searchDomains());
        boolean split = !server.resolveDomains().isEmpty();
        commands.add(List.of("default-route", device, split ? "false" : "true"));
        if (split) {
            for (String d : server.resolveDomains()) {
                if (!domains.contains(d)) {
                    domains.add("~" + d);
                }
            }
        } else {
            domains.add("~.");
        }
        List<String> domain = new ArrayList<>(List.of("domain", device));
        domain.addAll(domains);
        commands.add(domain);
        String dnssec = "optional".equals(server.dnssec()) ? "allow-downgrade" : "yes".equals(server.dnssec()) ? "true"
                : "false";
        commands.add(List.of("dnssec", device, dnssec));
        commands.add(List.of("dnsovertls", device, "DoT".equals(server.transport()) ? "true" : "false"));
        return commands;
    }

    /** {@code resolvectl revert DEVICE}: drops every setting made on the link. */
    static List<String> down(String device) {
        return List.of("revert", device);
    }
}
