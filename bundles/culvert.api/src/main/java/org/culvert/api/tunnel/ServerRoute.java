package org.culvert.api.tunnel;

import java.time.Instant;

/**
 * One entry of a server's routing table as OpenVPN's {@code status 2} lists it ({@code ROUTING_TABLE}).
 *
 * @param virtualAddress {@code a.b.c.d}, {@code net/bits} for an iroute, an IPv6 address or prefix,
 *                       or a MAC address in tap mode; a cached host route ends in {@code C}
 * @param clientId the client the route leads to
 * @param commonName that client's common name
 * @param lastReference when a packet last used the route
 */
public record ServerRoute(String virtualAddress, long clientId, String commonName, Instant lastReference) {
}
