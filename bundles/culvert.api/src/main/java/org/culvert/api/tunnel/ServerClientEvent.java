package org.culvert.api.tunnel;

import java.util.Map;

/**
 * A change in a server's clients, in OpenVPN's words ({@code >CLIENT:} notifications of the
 * management interface).
 *
 * @param kind what happened
 * @param client the client as it is after the change
 * @param address for {@link Kind#ADDRESS}: the address or route learned, else empty
 * @param primary for {@link Kind#ADDRESS}: the client's own address (true) or an iroute (false)
 * @param environment OpenVPN's client environment ({@code common_name}, {@code untrusted_ip}, IV_ lines,
 *                    ...), never a password
 * @param keyId for {@link Kind#CONNECT} and {@link Kind#REAUTH}: the key id (OpenVPN's {@code mda_key_id})
 *              that {@link TunnelServer#clientAuth} must give; 0 otherwise (since 1.5, added with the
 *              management surfaces)
 */
public record ServerClientEvent(Kind kind, ServerClient client, String address, boolean primary,
        Map<String, String> environment, long keyId) {
    /** The kinds of {@code >CLIENT:} notification. */
    public enum Kind {
        /** A client finished its handshake and asks to connect ({@code >CLIENT:CONNECT}). */
        CONNECT,
        /** A connected client renegotiated ({@code >CLIENT:REAUTH}). */
        REAUTH,
        /** A client got its keys and address ({@code >CLIENT:ESTABLISHED}). */
        ESTABLISHED,
        /** A route to a client was learned ({@code >CLIENT:ADDRESS}). */
        ADDRESS,
        /** A client is gone ({@code >CLIENT:DISCONNECT}). */
        DISCONNECT
    }

    public ServerClientEvent {
        environment = Map.copyOf(environment);
    }

    /** An event without a key id (ESTABLISHED, ADDRESS, DISCONNECT). */
    public ServerClientEvent(Kind kind, ServerClient client, String address, boolean primary, Map<String, String> environment) {
        this(kind, client, address, primary, environment, 0);
    }
}
