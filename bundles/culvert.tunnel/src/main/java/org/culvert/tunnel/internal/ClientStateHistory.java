package org.culvert.tunnel.internal;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.TunnelConnection;

/**
 * A tunnel's OpenVPN client states, the newest {@value #CAPACITY} (OpenVPN's
 * MANAGEMENT_STATE_BUFFER_SIZE), each with the addresses OpenVPN gives with it (manage.c
 * {@code management_set_state} callers): the tun addresses with ASSIGN_IP and CONNECTED, the link
 * addresses with CONNECTED only. Thread-safe: the tunnel thread adds, anyone reads.
 */
final class ClientStateHistory {
    static final int CAPACITY = 100;

    private final ArrayDeque<ClientStatus> entries = new ArrayDeque<>();

    /** Records a step with what {@code connection} holds now, and returns it. */
    synchronized ClientStatus add(ClientState state, String description, Instant time, TunnelConnection connection) {
        TunnelConnection c = connection == null ? TunnelConnection.NONE : connection;
        boolean tun = state == ClientState.ASSIGN_IP || state == ClientState.CONNECTED;
        boolean link = state == ClientState.CONNECTED;
        ClientStatus s = new ClientStatus(state, description, time, tun ? c.tunLocalIpv4() : null, link ? c.linkRemote() : null,
                link ? boundLocal(c.linkLocal()) : null, tun ? c.tunLocalIpv6() : null);
        if (entries.size() == CAPACITY) {
            entries.removeFirst();
        }
        entries.addLast(s);
        return s;
    }

    /**
     * The link's local address as OpenVPN gives it with CONNECTED: none for a socket bound to the
     * wildcard address (a --nobind UDP client), whose address and port columns stay empty.
     */
    private static java.net.SocketAddress boundLocal(java.net.SocketAddress local) {
        if (local instanceof java.net.InetSocketAddress && ((java.net.InetSocketAddress) local).getAddress() != null
                && ((java.net.InetSocketAddress) local).getAddress().isAnyLocalAddress()) {
            return null;
        }
        return local;
    }

    /** Oldest first. */
    synchronized List<ClientStatus> snapshot() {
        return new ArrayList<>(entries);
    }
}
