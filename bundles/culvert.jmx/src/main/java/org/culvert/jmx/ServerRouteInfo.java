package org.culvert.jmx;

import java.util.Date;

import javax.management.ConstructorParameters;

/**
 * One route of a server as {@link TunnelServerMXBean#getRoutes()} shows it: the columns of OpenVPN's
 * ROUTING_TABLE. Immutable; an open {@code CompositeData} over JMX.
 *
 * @since 1.2
 */
public final class ServerRouteInfo {
    private final String virtualAddress;
    private final long clientId;
    private final String commonName;
    private final Date lastReference;

    @ConstructorParameters({"virtualAddress", "clientId", "commonName", "lastReference"})
    public ServerRouteInfo(String virtualAddress, long clientId, String commonName, Date lastReference) {
        this.virtualAddress = virtualAddress;
        this.clientId = clientId;
        this.commonName = commonName;
        this.lastReference = lastReference == null ? null : new Date(lastReference.getTime());
    }

    /** {@code a.b.c.d}, {@code net/bits}, an IPv6 address or a MAC; a cached host route ends in {@code C}. */
    public String getVirtualAddress() {
        return virtualAddress;
    }

    public long getClientId() {
        return clientId;
    }

    public String getCommonName() {
        return commonName;
    }

    /** When a packet last used the route. */
    public Date getLastReference() {
        return lastReference == null ? null : new Date(lastReference.getTime());
    }
}
