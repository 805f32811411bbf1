package org.culvert.tunnel.internal;

import org.culvert.openvpn.config.AuthUserPass.AuthRetry;
import org.culvert.openvpn.tls.AuthFailed;

/**
 * What a client does after the server's {@code AUTH_FAILED}, in the order OpenVPN 2.6's
 * {@code receive_auth_failed} decides: a temporary failure reconnects after its backoff; a held
 * auth-token is dropped and the client reconnects with its own credentials whatever
 * {@code --auth-retry} says; otherwise {@code --auth-retry} decides. A malformed CRV1 challenge ends
 * the tunnel (OpenVPN exits on it). Pure.
 */
final class AuthFailurePolicy {
    private AuthFailurePolicy() {
    }

    enum Action {
        /** Stop the tunnel: FAILED with reason AUTH_FAILED. */
        STOP,
        /** Reconnect with the same credentials. */
        RETRY,
        /** Drop the token, reconnect with the original credentials. */
        DROP_TOKEN,
        /** Purge the credentials, ask them again, reconnect. */
        ASK_AGAIN,
        /** Purge the credentials, ask the response to the server's CRV1 challenge, reconnect. */
        ANSWER_CHALLENGE
    }

    /** @param minDelaySeconds the least pause before reconnecting (a TEMP failure's backoff) */
    record Decision(Action action, int minDelaySeconds) {
    }

    static Decision decide(AuthFailed failure, boolean tokenHeld, AuthRetry retry) {
        switch (failure.kind()) {
            case TEMPORARY:
                return new Decision(Action.RETRY, failure.backoffSeconds());
            case BAD_CHALLENGE:
                return new Decision(Action.STOP, 0);
            default:
                break;
        }
        if (tokenHeld) {
            return new Decision(Action.DROP_TOKEN, 0);
        }
        switch (retry) {
            case NOINTERACT:
                return new Decision(Action.RETRY, 0);
            case INTERACT:
                return new Decision(failure.kind() == AuthFailed.Kind.CHALLENGE ? Action.ANSWER_CHALLENGE : Action.ASK_AGAIN, 0);
            default:
                return new Decision(Action.STOP, 0);
        }
    }
}
