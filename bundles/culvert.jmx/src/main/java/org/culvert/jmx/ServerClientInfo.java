package org.culvert.jmx;

import java.util.Date;

import javax.management.ConstructorParameters;

/**
 * One client of a server as {@link TunnelServerMXBean#getClients()} shows it: the columns of OpenVPN's
 * CLIENT_LIST. Immutable; an open {@code CompositeData} over JMX.
 *
 * @since 1.2
 */
public final class ServerClientInfo {
    private final long clientId;
    private final String commonName;
    private final String username;
    private final String realAddress;
    private final String virtualAddress;
    private final String virtualIpv6Address;
    private final long bytesReceived;
    private final long bytesSent;
    private final Date connectedSince;
    private final long peerId;
    private final String dataCipher;
    private final boolean established;

    @ConstructorParameters({"clientId", "commonName", "username", "realAddress", "virtualAddress", "virtualIpv6Address",
            "bytesReceived", "bytesSent", "connectedSince", "peerId", "dataCipher", "established"})
    public ServerClientInfo(long clientId, String commonName, String username, String realAddress, String virtualAddress,
            String virtualIpv6Address, long bytesReceived, long bytesSent, Date connectedSince, long peerId, String dataCipher,
            boolean established) {
        this.clientId = clientId;
        this.commonName = commonName;
        this.username = username;
        this.realAddress = realAddress;
        this.virtualAddress = virtualAddress;
        this.virtualIpv6Address = virtualIpv6Address;
        this.bytesReceived = bytesReceived;
        this.bytesSent = bytesSent;
        this.connectedSince = connectedSince == null ? null : new Date(connectedSince.getTime());
        this.peerId = peerId;
        this.dataCipher = dataCipher;
        this.established = established;
    }

    /** OpenVPN's CID. */
    public long getClientId() {
        return clientId;
    }

    /** The certificate's common name; {@code UNDEF} while the handshake runs. */
    public String getCommonName() {
        return commonName;
    }

    /** The username the client sent, or {@code UNDEF}. */
    public String getUsername() {
        return username;
    }

    /** {@code a.b.c.d:port}, or an IPv6 address without port, as OpenVPN prints it. */
    public String getRealAddress() {
        return realAddress;
    }

    /** The IPv4 address given to the client; empty if none. */
    public String getVirtualAddress() {
        return virtualAddress;
    }

    /** The IPv6 address given to the client; empty if none. */
    public String getVirtualIpv6Address() {
        return virtualIpv6Address;
    }

    public long getBytesReceived() {
        return bytesReceived;
    }

    public long getBytesSent() {
        return bytesSent;
    }

    public Date getConnectedSince() {
        return connectedSince == null ? null : new Date(connectedSince.getTime());
    }

    /** The peer-id of its DATA_V2 packets, -1 if none. */
    public long getPeerId() {
        return peerId;
    }

    /** The data-channel cipher; empty until negotiated. */
    public String getDataCipher() {
        return dataCipher;
    }

    /** Whether the client has its keys and address. */
    public boolean isEstablished() {
        return established;
    }
}
