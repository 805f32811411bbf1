package org.culvert.api.tunnel;

import java.net.SocketAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * One step of OpenVPN's client state sequence, as OpenVPN's management records it
 * ({@code manage.c} {@code management_set_state}): the state, its description, when, and the
 * addresses OpenVPN gives with it — the tun addresses with {@link ClientState#ASSIGN_IP} and
 * {@link ClientState#CONNECTED}, the link's remote and local addresses with CONNECTED only; null
 * where OpenVPN leaves the field empty. Immutable.
 */
public final class ClientStatus {
    private final ClientState state;
    private final String description;
    private final Instant time;
    private final String tunLocalIpv4;
    private final SocketAddress remote;
    private final SocketAddress local;
    private final String tunLocalIpv6;

    public ClientStatus(ClientState state, String description, Instant time, String tunLocalIpv4, SocketAddress remote,
            SocketAddress local, String tunLocalIpv6) {
        this.state = Objects.requireNonNull(state, "state");
        this.description = description == null ? "" : description;
        this.time = Objects.requireNonNull(time, "time");
        this.tunLocalIpv4 = tunLocalIpv4;
        this.remote = remote;
        this.local = local;
        this.tunLocalIpv6 = tunLocalIpv6;
    }

    public ClientState state() {
        return state;
    }

    /** OpenVPN's detail text: SUCCESS or ERROR for CONNECTED, the reason for RECONNECTING and EXITING, else mostly empty. */
    public String description() {
        return description;
    }

    public Instant time() {
        return time;
    }

    /** The local tun IPv4 address (pushed or --ifconfig), without prefix; null when none or not given with this state. */
    public String tunLocalIpv4() {
        return tunLocalIpv4;
    }

    /** The server's (peer's) link address with CONNECTED, else null. */
    public SocketAddress remote() {
        return remote;
    }

    /** The link socket's local address with CONNECTED, else null. */
    public SocketAddress local() {
        return local;
    }

    /** The local tun IPv6 address, without prefix; null when none or not given with this state. */
    public String tunLocalIpv6() {
        return tunLocalIpv6;
    }

    @Override
    public String toString() {
        return state + (description.isEmpty() ? "" : "," + description) + (tunLocalIpv4 != null ? " " + tunLocalIpv4 : "")
                + (tunLocalIpv6 != null ? " " + tunLocalIpv6 : "") + (remote != null ? " remote " + remote : "");
    }
}
