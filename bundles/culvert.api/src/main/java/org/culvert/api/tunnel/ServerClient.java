package org.culvert.api.tunnel;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * One client of a server-mode tunnel as OpenVPN's {@code status 2} lists it ({@code CLIENT_LIST}):
 * a snapshot, immutable.
 *
 * @param clientId OpenVPN's CID: a counter from 0 per server, never reused while it runs
 * @param commonName the certificate's common name (or the username under
 *                   {@code username-as-common-name}); {@code "UNDEF"} while the handshake runs
 * @param username the username the client sent, or {@code "UNDEF"}
 * @param realAddress the client's address and port on the link
 * @param virtualAddress the IPv4 address given to the client, empty if none
 * @param virtualIpv6Address the IPv6 address given to the client, empty if none
 * @param bytesReceived bytes read from this client on the link
 * @param bytesSent bytes written to this client on the link
 * @param connectedSince when the instance was created
 * @param peerId the peer-id of its DATA_V2 packets, -1 if none
 * @param dataCipher the negotiated data-channel cipher, empty until known
 * @param established whether the client has its keys and address (OpenVPN's CAS_CONNECT_DONE)
 */
public record ServerClient(long clientId, String commonName, String username, InetSocketAddress realAddress,
        String virtualAddress, String virtualIpv6Address, long bytesReceived, long bytesSent, Instant connectedSince,
        int peerId, String dataCipher, boolean established) {
    /** OpenVPN's text for a name not known (yet). */
    public static final String UNDEF = "UNDEF";
}
