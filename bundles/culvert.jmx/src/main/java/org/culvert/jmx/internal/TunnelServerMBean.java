package org.culvert.jmx.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;


import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.ServerRoute;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelServer;
import org.culvert.jmx.ServerClientInfo;
import org.culvert.jmx.ServerRouteInfo;
import org.culvert.jmx.TunnelServerMXBean;

/**
 * The MXBean of one server-mode tunnel: reads {@code Tunnel.server()} on every call, so it shows the
 * server as it is now and answers as for no clients if the tunnel stops being a server.
 */
final class TunnelServerMBean extends DescribedMBean implements TunnelServerMXBean {
    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "Name", "The tunnel's name",
            "ClientCount", "Client instances, handshaking ones included",
            "ConnectedClientCount", "Clients that finished connecting (OpenVPN's nclients)",
            "Clients", "The clients, as OpenVPN's status CLIENT_LIST",
            "Routes", "The routing table, as OpenVPN's status ROUTING_TABLE",
            "killClient", "OpenVPN's client-kill CID: tell the client RESTART and close it",
            "kill", "OpenVPN's kill cn|IP:port: close the matching clients at once");

    private final Tunnel tunnel;

    TunnelServerMBean(Tunnel tunnel) {
        super(TunnelServerMXBean.class, DESCRIPTIONS);
        this.tunnel = tunnel;
    }

    Tunnel tunnel() {
        return tunnel;
    }

    private List<ServerClient> clients() {
        List<ServerClient> clients = tunnel.server().map(TunnelServer::clients).orElse(List.of());
        List<ServerClient> sorted = new ArrayList<>(clients);
        sorted.sort(Comparator.comparingLong(ServerClient::clientId));
        return sorted;
    }

    @Override
    public String getName() {
        return tunnel.name();
    }

    @Override
    public int getClientCount() {
        return clients().size();
    }

    @Override
    public int getConnectedClientCount() {
        return (int) clients().stream().filter(ServerClient::established).count();
    }

    @Override
    public List<ServerClientInfo> getClients() {
        List<ServerClientInfo> out = new ArrayList<>();
        for (ServerClient c : clients()) {
            out.add(new ServerClientInfo(c.clientId(), c.commonName(), c.username(), TunnelMBean.address(c.realAddress()),
                    c.virtualAddress(), c.virtualIpv6Address(), c.bytesReceived(), c.bytesSent(), Date.from(c.connectedSince()),
                    c.peerId(), c.dataCipher(), c.established()));
        }
        return out;
    }

    @Override
    public List<ServerRouteInfo> getRoutes() {
        List<ServerRouteInfo> out = new ArrayList<>();
        for (ServerRoute r : tunnel.server().map(TunnelServer::routes).orElse(List.of())) {
            out.add(new ServerRouteInfo(r.virtualAddress(), r.clientId(), r.commonName(), Date.from(r.lastReference())));
        }
        return out;
    }

    @Override
    public boolean killClient(long clientId) {
        return tunnel.server().map(s -> s.clientKill(clientId, null)).orElse(false);
    }

    @Override
    public int kill(String commonNameOrAddress) {
        if (commonNameOrAddress == null || commonNameOrAddress.isEmpty()) {
            throw new IllegalArgumentException("kill needs a common name or a.b.c.d:port");
        }
        return tunnel.server().map(s -> s.kill(commonNameOrAddress)).orElse(0);
    }

    @Override
    String description() {
        return "The clients of server-mode tunnel " + tunnel.name();
    }
}
