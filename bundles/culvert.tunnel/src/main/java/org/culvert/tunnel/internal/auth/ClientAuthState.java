package org.culvert.tunnel.internal.auth;

import org.culvert.openvpn.auth.AuthTokens;

/**
 * What a server keeps per client across its TLS sessions (OpenVPN's {@code tls_multi}):
 * the locked username and the session's auth tokens ({@code auth_token_initial}, {@code auth_token}).
 * One client's authentication steps run one at a time (the caller's job); the fields are volatile so
 * that consecutive steps may run on different script threads.
 */
public final class ClientAuthState {
    volatile String lockedUsername;
    volatile AuthTokens.Token initialToken;
    volatile AuthTokens.Token token;
    volatile AuthTokens.State lastTokenState;

    /** {@code wipe_auth_token}: the session's tokens are forgotten (the client must log in again). */
    void wipeTokens() {
        initialToken = null;
        token = null;
    }

    /** The current token, to push again on renewal ({@code auth-token T}); null if none. */
    public AuthTokens.Token token() {
        return token;
    }
}
