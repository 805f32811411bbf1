package org.culvert.tun.linux;

import java.util.ArrayList;
import java.util.List;

import org.culvert.api.tun.TunRedirect;

/**
 * OpenVPN 2.6's {@code redirect_default_route_to_vpn} and {@code add_block_local} on Linux, as
 * {@code ip} commands with their undo: the host route to the server through the old default gateway
 * (unless {@code local}, or {@code autolocal} finds the server on the gateway's subnet), the
 * {@code block-local} routes, and the default route replaced (or covered by 0/1 and 128/1 with
 * {@code def1}). {@code bypass-dhcp}/{@code bypass-dns} are Windows-only, ignored as OpenVPN ignores
 * them on Linux. Pure computation; the warnings are OpenVPN's.
 */
final class Redirection {
    static final String NO_VPN_GATEWAY = "NOTE: unable to redirect IPv4 default gateway -- VPN gateway parameter"
            + " (--route-gateway or --ifconfig) is missing";
    static final String NO_DEFAULT_GATEWAY = "NOTE: unable to redirect IPv4 default gateway -- Cannot read current"
            + " default gateway from system";

    private Redirection() {
    }

    /**
     * @param vpnGateway the tunnel's gateway ({@code route_vpn_gateway}), or null
     * @param net        the default gateway before the tunnel, or null when there is none
     * @param remoteHost the server's address, or null
     * @param warnings   receives OpenVPN's notes when it cannot redirect
     */
    static List<DeviceSetup.Step> steps(TunRedirect r, String vpnGateway, NetGateway net, String remoteHost,
            List<String> warnings) {
        List<DeviceSetup.Step> steps = new ArrayList<>();
        if (!r.enabled()) {
            return steps;
        }
        boolean local = r.local();
        boolean remoteIpv4 = DeviceSetup.isIpv4(remoteHost);
        if (vpnGateway == null && r.rerouteGateway()) {
            warnings.add(NO_VPN_GATEWAY);
            return steps;
        }
        // RTSA_REMOTE_HOST: OpenVPN only knows an IPv4 server here.
        if (net == null && !local && remoteIpv4) {
            warnings.add(NO_DEFAULT_GATEWAY);
            return steps;
        }
        if (r.autoLocal() && remoteIpv4) {
            local = net != null && net.isLocal(remoteHost);
        }
        if (!local && remoteIpv4 && net != null) {
            // The server stays reachable the way it was: through the old gateway.
            steps.add(add(remoteHost + "/32", net));
        }
        boolean remoteLocal = remoteIpv4 && net != null && net.isLocal(remoteHost);
        boolean blockLocal = r.blockLocal() && net != null && net.netmask() != null && vpnGateway != null
                && !"255.255.255.255".equals(net.netmask()) && !remoteLocal;
        if (blockLocal) {
            // add_bypass_address: the gateway itself stays on the LAN.
            steps.add(add(net.gateway() + "/32", net));
        }
        if (r.rerouteGateway()) {
            if (r.def1()) {
                steps.add(viaVpn("0.0.0.0/1", vpnGateway));
                steps.add(viaVpn("128.0.0.0/1", vpnGateway));
            } else {
                if (net != null) {
                    DeviceSetup.Step old = add("0.0.0.0/0", net);
                    steps.add(new DeviceSetup.Step(old.undo(), old.apply()));
                }
                steps.add(viaVpn("0.0.0.0/0", vpnGateway));
            }
        }
        if (blockLocal) {
            // add_block_local_item: the gateway's subnet split in two halves, each more specific than the LAN route.
            int mask = DeviceSetup.ipv4ToInt(net.netmask());
            int prefix = Integer.bitCount(mask) + 1;
            int network = DeviceSetup.ipv4ToInt(net.gateway()) & mask;
            int half = (~mask + 1) >>> 1;
            steps.add(viaVpn(DeviceSetup.intToIpv4(network) + "/" + prefix, vpnGateway));
            steps.add(viaVpn(DeviceSetup.intToIpv4(network + half) + "/" + prefix, vpnGateway));
        }
        return steps;
    }

    /** A route through the old default gateway and its device (OpenVPN's ROUTE_REF_GW). */
    private static DeviceSetup.Step add(String destination, NetGateway net) {
        List<String> c = new ArrayList<>(List.of("route", "add", destination));
        if (net.gateway() != null) {
            c.addAll(List.of("via", net.gateway()));
        }
        c.addAll(List.of("dev", net.device()));
        return new DeviceSetup.Step(c, DeviceSetup.undo(c));
    }

    private static DeviceSetup.Step viaVpn(String destination, String vpnGateway) {
        List<String> c = List.of("route", "add", destination, "via", vpnGateway);
        return new DeviceSetup.Step(c, DeviceSetup.undo(c));
    }

}
