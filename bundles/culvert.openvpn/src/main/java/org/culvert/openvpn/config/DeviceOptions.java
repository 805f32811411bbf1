package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.integer;
import static org.culvert.openvpn.config.OptionArgs.ipv4;
import static org.culvert.openvpn.config.OptionArgs.ipv6;
import static org.culvert.openvpn.config.OptionArgs.prefixLength;
import static org.culvert.openvpn.config.OptionsBuilder.TUN_MTU_MAX;
import static org.culvert.openvpn.config.OptionsBuilder.TUN_MTU_MIN;

import java.net.Inet6Address;
import org.culvert.openvpn.config.OptionsBuilder.Line;

/**
 * OpenVPN 2.6 manual, "Virtual Network Adapter (VPN interface)" without its routing options, and
 * "Windows-Specific Options" (which configure the adapter there).
 */
final class DeviceOptions {
    private DeviceOptions() {
    }

    static void register(OptionRegistry.Table t) {
        t.option("dev", 1, 1, (b, l) -> {
            b.dev = l.arg(0);
            b.devWhere = l.where();
        });
        t.option("dev-type", 1, 1, (b, l) -> {
            b.devType = l.arg(0);
            b.devTypeWhere = l.where();
        });
        t.option("dev-node", 1, 1, (b, l) -> b.devNode = l.arg(0));
        t.option("topology", 1, 1, (b, l) -> b.topology = parseTopology(l));
        t.option("ifconfig", 2, 2, (b, l) -> {
            b.ifconfig = new IfConfig(ipv4(l, 0), ipv4(l, 1));
            b.ifconfigWhere = l.where();
        });
        t.option("ifconfig-ipv6", 2, 2, (b, l) -> {
            b.ifconfigIpv6 = parseIfconfigIpv6(l);
            b.ifconfigIpv6Where = l.where();
        });
        t.option("tun-ipv6", 0, 0, (b, l) -> b.warnings.add(OptionWarnings.TUN_IPV6));
        t.option("tun-mtu", 1, 2, (b, l) -> {
            b.tunMtu = integer(l, 0, TUN_MTU_MIN, TUN_MTU_MAX);
            b.occMtu = l.count() == 2 ? integer(l, 1, 0, TUN_MTU_MAX) : 0;
            b.tunMtuWhere = l.where();
        });
        t.option("tun-mtu-extra", 1, 1, (b, l) -> b.tunMtuExtra = integer(l, 0, 0, TUN_MTU_MAX));
        t.option("persist-tun", 0, 0, (b, l) -> b.persistTun = true);
        t.permit("topology", PullPermission.UP);
        t.permit("ifconfig", PullPermission.UP);
        t.permit("ifconfig-ipv6", PullPermission.UP);
        t.permit("tun-mtu", PullPermission.PUSH_MTU);
        t.permit("persist-tun", PullPermission.PERSIST);
        t.option("disable-dco", 0, 0, (b, l) -> b.disableDco = true);
        t.option("dhcp-option", NameServiceOptions::dhcpOption);
        // Pull class ROUTE in OpenVPN.
        t.option("block-ipv6", 0, 0, (b, l) -> b.routing.blockIpv6 = true);
        t.permit("block-ipv6", PullPermission.ROUTE);
        t.permit("dhcp-option", PullPermission.DHCPDNS);
        t.notSupported("bind-dev", "ifconfig-noexec", "ifconfig-nowarn", "lladdr",
                "mktun", "rmtun", "tun-mtu-max", "txqueuelen");
        // Windows-specific options
        t.option("windows-driver", 1, 1, DeviceOptions::setWindowsDriver);
        t.notSupported("allow-nonadmin", "block-outside-dns", "dhcp-pre-release", "dhcp-release", "dhcp-renew",
                "ip-win32", "pause-exit", "register-dns", "service", "show-adapters", "show-net", "show-net-up",
                "show-valid-subnets", "tap-sleep", "win-sys");
        t.notSupportedBecause("cryptoapicert", OptionRegistry.TLS_ENGINE_CANNOT_HONOUR);
    }

    private static Topology parseTopology(Line l) throws ConfigException {
        switch (l.arg(0)) {
            case "net30":
                return Topology.NET30;
            case "p2p":
                return Topology.P2P;
            case "subnet":
                return Topology.SUBNET;
            default:
                throw error(BAD_VALUE, l, "must be net30, p2p or subnet, not '" + l.arg(0) + "'");
        }
    }

    private static IfConfigIpv6 parseIfconfigIpv6(Line l) throws ConfigException {
        String spec = l.arg(0);
        int slash = spec.indexOf('/');
        if (slash < 0) {
            throw error(BAD_VALUE, l, "'" + spec + "' needs a prefix length, e.g. fd00::1/64");
        }
        Inet6Address address = ipv6(l, spec.substring(0, slash));
        int bits = prefixLength(l, spec.substring(slash + 1), 128);
        if (bits < 64 || bits > 124) {
            throw error(BAD_VALUE, l, "prefix length /" + bits + " must be between 64 and 124");
        }
        return new IfConfigIpv6(address, bits, ipv6(l, l.arg(1)));
    }

    private static void setWindowsDriver(OptionsBuilder b, Line l) throws ConfigException {
        switch (l.arg(0)) {
            case "tap-windows6":
            case "wintun":
                b.windowsDriver = l.arg(0);
                b.windowsDriverWhere = l.where();
                break;
            case "ovpn-dco":
                throw error(UNSUPPORTED_OPTION, l, "'ovpn-dco' is not supported by Culvert (it has no data channel"
                        + " offload); use wintun or tap-windows6");
            default:
                throw error(BAD_VALUE, l, "must be tap-windows6 or wintun, not '" + l.arg(0) + "'");
        }
    }
}
