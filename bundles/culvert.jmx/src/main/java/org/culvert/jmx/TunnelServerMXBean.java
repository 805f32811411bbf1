package org.culvert.jmx;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The clients of one server-mode tunnel as JMX shows them, registered under
 * {@code org.culvert:type=TunnelServer,name=<quoted tunnel name>} ({@link TunnelMBeans#serverObjectName})
 * beside the tunnel's {@link TunnelMXBean}, for a tunnel whose {@code Tunnel.server()} is present.
 * What OpenVPN's management {@code status 2} lists, as open types: each client and each route is a
 * {@code CompositeData} in an array. Read live on every call; thread-safe.
 *
 * @since 1.2
 */
@ProviderType
public interface TunnelServerMXBean {
    /** The tunnel's name. */
    String getName();

    /** Every client instance, handshaking ones included. */
    int getClientCount();

    /** The clients that finished connecting (OpenVPN's {@code nclients}). */
    int getConnectedClientCount();

    /** The clients, by client id (OpenVPN's CLIENT_LIST). */
    List<ServerClientInfo> getClients();

    /** The routing table (OpenVPN's ROUTING_TABLE). */
    List<ServerRouteInfo> getRoutes();

    /**
     * OpenVPN's {@code client-kill CID}: the client is told RESTART and closed shortly after.
     *
     * @return false if no client has that id
     */
    boolean killClient(long clientId);

    /**
     * OpenVPN's {@code kill cn} / {@code kill IP:port}: closes the matching clients at once.
     *
     * @param commonNameOrAddress a common name, or {@code a.b.c.d:port}
     * @return how many clients were closed
     */
    int kill(String commonNameOrAddress);
}
