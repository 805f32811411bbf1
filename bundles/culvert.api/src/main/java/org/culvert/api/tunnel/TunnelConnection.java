package org.culvert.api.tunnel;

import java.net.SocketAddress;
import java.time.Instant;

/**
 * What a tunnel is connected to right now, for status displays and OpenVPN's {@code >STATE:} lines.
 * An immutable snapshot; fields are null when not known (no link yet, no --ifconfig, no handshake yet).
 */
public final class TunnelConnection {
    /** No link, no addresses, no handshake. */
    public static final TunnelConnection NONE = new TunnelConnection(null, null, null, null, null, null, "", "");

    private final SocketAddress linkLocal;
    private final SocketAddress linkRemote;
    private final String tunLocalIpv4;
    private final String tunRemoteIpv4;
    private final String tunLocalIpv6;
    private final Instant lastHandshake;
    private final String role;
    private final String negotiated;
    private final String pushedOptions;

    /**
     * @param role       {@code "static-key"}, {@code "tls-client"} or {@code "tls-server"}; may be empty
     * @param negotiated one line on the data channel in use (cipher, auth, peer id); may be empty
     */
    public TunnelConnection(SocketAddress linkLocal, SocketAddress linkRemote, String tunLocalIpv4, String tunRemoteIpv4,
            String tunLocalIpv6, Instant lastHandshake, String role, String negotiated) {
        this(linkLocal, linkRemote, tunLocalIpv4, tunRemoteIpv4, tunLocalIpv6, lastHandshake, role, negotiated, "");
    }

    /**
     * @param pushedOptions in pull mode, the server's pushed options as taken (comma-separated, as
     *     OpenVPN's PUSH_REPLY; auth-token redacted); empty otherwise
     * @since 1.4
     */
    public TunnelConnection(SocketAddress linkLocal, SocketAddress linkRemote, String tunLocalIpv4, String tunRemoteIpv4,
            String tunLocalIpv6, Instant lastHandshake, String role, String negotiated, String pushedOptions) {
        this.pushedOptions = pushedOptions == null ? "" : pushedOptions;
        this.linkLocal = linkLocal;
        this.linkRemote = linkRemote;
        this.tunLocalIpv4 = tunLocalIpv4;
        this.tunRemoteIpv4 = tunRemoteIpv4;
        this.tunLocalIpv6 = tunLocalIpv6;
        this.lastHandshake = lastHandshake;
        this.role = role == null ? "" : role;
        this.negotiated = negotiated == null ? "" : negotiated;
    }

    /** The link socket's local address while it is open. */
    public SocketAddress linkLocal() {
        return linkLocal;
    }

    /** The peer's link address once known (the configured remote, or where authenticated packets come from). */
    public SocketAddress linkRemote() {
        return linkRemote;
    }

    /** The local tunnel IPv4 address (--ifconfig), without prefix. */
    public String tunLocalIpv4() {
        return tunLocalIpv4;
    }

    /** The peer's tunnel IPv4 address (--ifconfig's second argument in tun mode). */
    public String tunRemoteIpv4() {
        return tunRemoteIpv4;
    }

    /** The local tunnel IPv6 address (--ifconfig-ipv6), without prefix. */
    public String tunLocalIpv6() {
        return tunLocalIpv6;
    }

    /** When data-channel keys were last made: the TLS handshake or renegotiation, or the start of a static-key run. */
    public Instant lastHandshake() {
        return lastHandshake;
    }

    public String role() {
        return role;
    }

    public String negotiated() {
        return negotiated;
    }

    /**
     * Pull mode: the options the server pushed and the client took, e.g. {@code topology subnet,ping 10,
     * ifconfig 10.8.0.2 255.255.255.0,...}; empty before the push and outside pull mode.
     *
     * @since 1.4
     */
    public String pushedOptions() {
        return pushedOptions;
    }

    @Override
    public String toString() {
        return "link " + linkLocal + " -> " + linkRemote + ", tun " + tunLocalIpv4 + " -> " + tunRemoteIpv4
                + (tunLocalIpv6 != null ? " " + tunLocalIpv6 : "") + ", role " + role + ", last handshake " + lastHandshake;
    }
}
