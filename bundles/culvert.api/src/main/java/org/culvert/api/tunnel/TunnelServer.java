package org.culvert.api.tunnel;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The many-clients side of a tunnel run in server mode ({@code server}, {@code mode server}):
 * what OpenVPN's management interface shows and does for a server. Thread-safe.
 */
@ProviderType
public interface TunnelServer {
    /** The clients now, handshaking ones included, by client id. */
    List<ServerClient> clients();

    /** The routing table: client addresses, iroutes and cached host routes. */
    List<ServerRoute> routes();

    /**
     * OpenVPN's {@code client-kill CID [message]}: sends {@code message} ({@code RESTART} if null,
     * e.g. {@code HALT}) to the client, which is closed shortly after.
     *
     * @return false if no client has that id
     */
    boolean clientKill(long clientId, String message);

    /**
     * OpenVPN's {@code kill cn} and {@code kill addr:port}: closes the matching clients at once,
     * sending nothing.
     *
     * @param commonNameOrAddress a common name, or {@code a.b.c.d:port}
     * @return how many clients were closed
     */
    int kill(String commonNameOrAddress);

    /**
     * OpenVPN's {@code client-auth}, {@code client-auth-nt} and {@code client-deny} under
     * {@code management-client-auth}: the verdict on a client waiting after {@code >CLIENT:CONNECT}.
     *
     * @param keyId the key id of the notification (OpenVPN's {@code mda_key_id})
     * @param allow true to let the client connect
     * @param configLines for an allowed client: client-connect configuration lines ({@code push ...},
     *                    {@code ifconfig-push ...}); empty for none
     * @param clientReason for a denied client: the reason sent in {@code AUTH_FAILED,reason}, or null
     * @return false if no client waits with that id and key id
     */
    boolean clientAuth(long clientId, long keyId, boolean allow, List<String> configLines, String clientReason);

    /**
     * OpenVPN's {@code client-pending-auth CID KID EXTRA TIMEOUT}: tells a client waiting after
     * {@code >CLIENT:CONNECT} that authentication needs another step ({@code AUTH_PENDING} and
     * {@code INFO_PRE,EXTRA}), and extends its wait to {@code timeoutSeconds}; a later
     * {@link #clientAuth} gives the verdict. A server that cannot do it answers false.
     *
     * @return false if no client waits with that id and key id, or {@code extra} is too long
     * @since 1.5
     */
    default boolean clientPendingAuth(long clientId, long keyId, String extra, int timeoutSeconds) {
        return false;
    }
}
