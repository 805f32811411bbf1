package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.MISSING_ARGUMENT;
import static org.culvert.openvpn.config.OptionArgs.arity;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.ipv6;
import static org.culvert.openvpn.config.OptionArgs.parseIpv4;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.culvert.openvpn.config.OptionsBuilder.Line;

/**
 * {@code --dhcp-option} and OpenVPN 2.6's {@code --dns}: name service settings for the tunnel (both of
 * pull permission class DHCPDNS). On Linux OpenVPN only exports them to scripts; Culvert also hands
 * them to the tun driver, so addresses and domain names are checked here, where OpenVPN on Linux takes
 * any word: they end up as arguments of system tools.
 */
final class NameServiceOptions {
    /** dhcp-option types whose value is an address (options.c, the Windows branch). */
    private static final Set<String> ADDRESS_TYPES = Set.of("DNS", "DNS6", "WINS", "NTP", "NBDD");
    /** dhcp-option types whose value is a domain name. */
    private static final Set<String> DOMAIN_TYPES = Set.of("DOMAIN", "DOMAIN-SEARCH", "ADAPTER_DOMAIN_SUFFIX");
    /** A DNS name: letters, digits, '-', '_' and dots, not starting with '-' or '.'. */
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}");
    /** dns.h: {@code struct dns_server} holds at most 8 addresses. */
    static final int MAX_SERVER_ADDRESSES = 8;

    private NameServiceOptions() {
    }

    /** {@code dhcp-option TYPE [parm]}: kept as "dhcp-option TYPE parm" for {@code foreign_option_N}. */
    static void dhcpOption(OptionsBuilder b, Line l) throws ConfigException {
        arity(l, 1, 2);
        String type = l.arg(0);
        String value = l.count() == 2 ? l.arg(1) : null;
        if (ADDRESS_TYPES.contains(type) || DOMAIN_TYPES.contains(type)) {
            if (value == null) {
                throw error(MISSING_ARGUMENT, l, type + " needs a value");
            }
            if (ADDRESS_TYPES.contains(type)) {
                boolean v6 = value.indexOf(':') >= 0;
                if (type.equals("DNS6") || (type.equals("DNS") && v6)) {
                    ipv6(l, value);
                } else if (parseIpv4(value) == null) {
                    throw error(BAD_VALUE, l, type + " '" + value + "' is not an IPv4 address");
                }
            } else {
                domain(l, value);
            }
        } else if (type.equals("NBT") && value != null && !Set.of("1", "2", "4", "8").contains(value)) {
            throw error(BAD_VALUE, l, "NBT: parameter (" + value + ") must be 1, 2, 4, or 8");
        }
        b.routing.dhcpOptions.add("dhcp-option " + type + (value == null ? "" : " " + value));
    }

    /**
     * {@code dns search-domains DOMAIN...} or {@code dns server PRIORITY address|resolve-domains|dnssec|transport|sni
     * VALUE...}, with the checks and messages of options.c and dns.c.
     */
    static void dns(OptionsBuilder b, Line l) throws ConfigException {
        arity(l, 1, Integer.MAX_VALUE);
        if (l.arg(0).equals("search-domains") && l.count() >= 2) {
            for (String d : l.args().subList(1, l.count())) {
                b.routing.searchDomains.add(domain(l, d));
            }
            return;
        }
        if (!l.arg(0).equals("server") || l.count() < 4) {
            throw error(BAD_VALUE, l, "unknown option type '" + l.arg(0) + "' or missing or unknown parameter");
        }
        int priority;
        if (!l.arg(1).matches("-?[0-9]{1,3}") || Integer.parseInt(l.arg(1)) < -128 || Integer.parseInt(l.arg(1)) > 127) {
            throw error(BAD_VALUE, l, "invalid priority value '" + l.arg(1) + "' (-128..127)");
        }
        priority = Integer.parseInt(l.arg(1));
        RoutingState.ServerState s = b.routing.servers.computeIfAbsent(priority, p -> new RoutingState.ServerState(l.where()));
        List<String> values = l.args().subList(3, l.count());
        String what = "server " + priority + ": ";
        switch (l.arg(2)) {
            case "address":
                for (String a : values) {
                    serverAddress(l, s, a, what);
                }
                break;
            case "resolve-domains":
                for (String d : values) {
                    s.resolveDomains.add(domain(l, d));
                }
                break;
            case "dnssec":
                s.dnssec = single(l, values, Set.of("yes", "no", "optional"), what + "malformed dnssec value");
                break;
            case "transport":
                s.transport = single(l, values, Set.of("plain", "DoH", "DoT"), what + "malformed transport value");
                break;
            case "sni":
                if (values.size() != 1) {
                    throw error(BAD_VALUE, l, what + "sni takes one name");
                }
                s.sni = domain(l, values.get(0));
                break;
            default:
                throw error(BAD_VALUE, l, what + "unknown option type '" + l.arg(2) + "' or missing or unknown parameter");
        }
    }

    /** dns.c dns_server_addr_parse: {@code 1.2.3.4}, {@code 1.2.3.4:853}, {@code ab::cd} or {@code [ab::cd]:853}. */
    private static void serverAddress(Line l, RoutingState.ServerState s, String a, String what) throws ConfigException {
        String address = a;
        int port = 0;
        int first = a.indexOf(':');
        int last = a.lastIndexOf(':');
        String bad = what + "malformed address or maximum exceeded '" + a + "'";
        if (first < 0 || first == last) {
            if (last >= 0) {
                port = port(l, a.substring(last + 1), bad);
                address = a.substring(0, last);
            }
            if (parseIpv4(address) == null) {
                throw error(BAD_VALUE, l, bad);
            }
        } else {
            if (a.startsWith("[")) {
                int bracket = a.indexOf("]:");
                if (bracket < 0) {
                    throw error(BAD_VALUE, l, bad);
                }
                port = port(l, a.substring(bracket + 2), bad);
                address = a.substring(1, bracket);
            }
            ipv6(l, address);
        }
        if (s.addresses.size() >= MAX_SERVER_ADDRESSES) {
            throw error(BAD_VALUE, l, bad);
        }
        s.addresses.add(address);
        s.ports.add(port);
    }

    private static int port(Line l, String s, String bad) throws ConfigException {
        if (!s.matches("[0-9]{1,5}") || Integer.parseInt(s) == 0 || Integer.parseInt(s) > 65535) {
            throw error(BAD_VALUE, l, bad);
        }
        return Integer.parseInt(s);
    }

    private static String single(Line l, List<String> values, Set<String> allowed, String message) throws ConfigException {
        if (values.size() != 1 || !allowed.contains(values.get(0))) {
            throw error(BAD_VALUE, l, message + " '" + String.join(" ", values) + "'");
        }
        return values.get(0);
    }

    private static String domain(Line l, String d) throws ConfigException {
        if (!DOMAIN.matcher(d).matches()) {
            throw error(BAD_VALUE, l, "'" + d + "' is not a domain name");
        }
        return d;
    }
}
