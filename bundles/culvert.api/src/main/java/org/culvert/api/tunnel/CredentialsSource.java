package org.culvert.api.tunnel;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Supplies {@code --auth-user-pass} credentials to tunnels that need them and have no file to read
 * them from: a console prompt for the headless {@code culvert} command, the management interface under
 * {@code --management-query-passwords}, an embedding application's callback. Registered as an OSGi
 * service (whiteboard); a tunnel asks the highest-ranked source that serves it (see
 * {@link #MANAGEMENT_PROPERTY}), and also any
 * higher-ranked one that appears while its request is pending. Without any source the tunnel waits
 * in WAITING with reason {@link TunnelReason#CREDENTIALS_NEEDED}, where the shell's {@code tunnel:auth}
 * can answer.
 *
 * @since 1.4
 */
@ConsumerType
public interface CredentialsSource {
    /** Service property: the name of the one tunnel this source serves; without it, the source serves every tunnel. */
    String TUNNEL_PROPERTY = "culvert.credentials.tunnel";

    /**
     * Service property ({@code Boolean} true) of the management interface's source. A tunnel with
     * {@code --management-query-passwords} asks only such sources, as OpenVPN then asks only its
     * management interface; a tunnel without it asks only the others.
     */
    String MANAGEMENT_PROPERTY = "culvert.credentials.management";

    /**
     * A tunnel needs credentials. Called on a thread of the core that this call may block (never a
     * tunnel's packet loop); answer through the request, now or later, from any thread.
     */
    void requestCredentials(CredentialsRequest request);

    /**
     * The server refused the credentials ({@code AUTH_FAILED}); {@code reason} is the server's text,
     * empty if it gave none (OpenVPN's {@code >PASSWORD:Verification Failed: 'Auth' ['reason']}).
     */
    default void verificationFailed(String tunnelName, String reason) {
    }

    /** The server gave the tunnel an {@code auth-token} (OpenVPN's {@code >PASSWORD:Auth-Token:token}). */
    default void authTokenReceived(String tunnelName, String token) {
    }
}
