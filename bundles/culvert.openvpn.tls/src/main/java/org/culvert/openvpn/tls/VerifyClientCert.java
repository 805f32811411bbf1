package org.culvert.openvpn.tls;

/**
 * A server's {@code --verify-client-cert none|optional|require} ({@code require} is OpenVPN's default).
 * Without a required certificate the client must be authenticated another way
 * ({@code --auth-user-pass-verify}, {@code --management-client-auth}), as OpenVPN's option check says.
 *
 * @since tls 2.2
 */
public enum VerifyClientCert {
    /** The server does not ask for a certificate; one sent anyway is not looked at. */
    NONE,
    /** Asked for; a client without one is let through, a certificate sent is verified as usual. */
    OPTIONAL,
    /** Asked for and verified; a client without one fails the handshake. */
    REQUIRE
}
