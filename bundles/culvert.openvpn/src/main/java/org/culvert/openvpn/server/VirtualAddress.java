package org.culvert.openvpn.server;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.culvert.openvpn.config.ClientConfigOptions;
import org.culvert.openvpn.config.DevType;
import org.culvert.openvpn.config.IfConfig;
import org.culvert.openvpn.config.IfConfigIpv6;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.ServerSettings;
import org.culvert.openvpn.config.Topology;

/**
 * A client's tunnel addresses, chosen as OpenVPN 2.6's {@code multi_select_virtual_addr} chooses them:
 * {@code ifconfig-push} from the ccd file, else an entry of the pool; {@code ifconfig-ipv6-push}, else
 * the IPv6 of the same entry.
 *
 * @param ipv4 the client's IPv4 address (for the routing table; {@code ifconfig} may push an alias)
 * @param handle the pool entry taken (release it with {@link IfconfigPool#release} when the client
 *     goes), or -1
 * @param ifconfig what {@code ifconfig} pushes: the client's address and its netmask (subnet, tap) or
 *     peer (net30, p2p)
 * @param ifconfigIpv6 what {@code ifconfig-ipv6} pushes
 * @param log OpenVPN's messages about the choice (no free address, ...)
 */
public record VirtualAddress(Optional<Inet4Address> ipv4, int handle, Optional<IfConfig> ifconfig, Optional<IfConfigIpv6> ifconfigIpv6,
        List<String> log) {
    public VirtualAddress {
        log = List.copyOf(log);
    }

    /**
     * Chooses the addresses of a client that has just been authenticated.
     *
     * @param server the server's configuration
     * @param pool the server's pool, or null without one
     * @param ccd the client's ccd options ({@link ClientConfigOptions#empty()} without a file)
     * @param commonName the client's common name
     */
    public static VirtualAddress select(OpenVpnOptions server, IfconfigPool pool, ClientConfigOptions ccd,
            String commonName) {
        ServerSettings s = server.server().orElseThrow(() -> new IllegalArgumentException("not a server configuration"));
        List<String> log = new ArrayList<>();
        int handle = -1;
        IfConfig v4 = null;
        IfConfigIpv6 v6 = null;
        Inet4Address address = null;
        if (ccd.ifconfigPush().isPresent()) {
            ClientConfigOptions.IfconfigPush p = ccd.ifconfigPush().get();
            v4 = new IfConfig(p.localAlias().orElse(p.local()), p.remoteNetmask());
            address = p.local();
            if (s.poolIpv6().isPresent() && ccd.ifconfigIpv6Push().isEmpty()) {
                log.add("MULTI_sva: WARNING: if --ifconfig-push is used for IPv4, automatic IPv6 assignment from"
                        + " --ifconfig-ipv6-pool does not work.  Use --ifconfig-ipv6-push for IPv6 then.");
            }
        } else if (pool != null) {
            Optional<IfconfigPool.Lease> lease = pool.acquire(s.duplicateCn() ? null : commonName);
            if (lease.isEmpty()) {
                log.add("MULTI: no free --ifconfig-pool addresses are available");
            } else {
                IfconfigPool.Lease l = lease.get();
                handle = l.handle();
                if (l.remote().isPresent()) {
                    Inet4Address peer = peerOrNetmask(server, s, l);
                    if (peer != null) {
                        v4 = new IfConfig(l.remote().get(), peer);
                        address = l.remote().get();
                    } else {
                        log.add("MULTI: no --ifconfig-pool netmask parameter is available to push to " + commonName);
                    }
                }
                if (l.remoteIpv6().isPresent() && server.ifconfigIpv6().isPresent()) {
                    v6 = new IfConfigIpv6(l.remoteIpv6().get(), server.ifconfigIpv6().get().prefixLength(),
                            server.ifconfigIpv6().get().local());
                }
            }
        }
        if (ccd.ifconfigIpv6Push().isPresent()) {
            ClientConfigOptions.IfconfigIpv6Push p = ccd.ifconfigIpv6Push().get();
            v6 = new IfConfigIpv6(p.local(), p.prefixLength(), p.remote());
        }
        if (address == null) {
            log.add("MULTI: no dynamic or static remote --ifconfig address is available for " + commonName);
        } else if (s.network().isPresent() && (server.devType() == DevType.TAP || server.topology() == Topology.SUBNET)
                && !s.network().get().contains(address)) {
            // OpenVPN only logs this (its "JYFIXME -- this should cause the connection to fail").
            log.add("MULTI ERROR: primary virtual IP for " + commonName + " (" + address.getHostAddress()
                    + ") violates tunnel network/netmask constraint (" + s.network().get().network().getHostAddress()
                    + "/" + s.network().get().netmask().getHostAddress() + ")");
        }
        return new VirtualAddress(Optional.ofNullable(address), handle, Optional.ofNullable(v4), Optional.ofNullable(v6),
                log);
    }

    private static Inet4Address peerOrNetmask(OpenVpnOptions server, ServerSettings s, IfconfigPool.Lease l) {
        boolean subnet = server.devType() == DevType.TAP || server.topology() == Topology.SUBNET;
        if (subnet) {
            Optional<Inet4Address> mask = s.pool().flatMap(ServerSettings.Ipv4Pool::netmask);
            return mask.orElseGet(() -> server.ifconfig().map(IfConfig::remoteOrNetmask).orElse(null));
        }
        if (server.topology() == Topology.P2P) {
            return server.ifconfig().map(IfConfig::local).orElse(null);
        }
        return l.local().orElse(null);
    }

    /** The client's IPv6 address, for the routing table. */
    public Optional<Inet6Address> ipv6() {
        return ifconfigIpv6.map(IfConfigIpv6::local);
    }
}
