package org.culvert.tunnel.internal.auth;

/**
 * The outcome of a client's username/password check ({@code verify_user_pass}).
 *
 * @param authenticated whether the key is authenticated ({@code KS_AUTH_TRUE})
 * @param reason        why
 * @param commonName    the client's common name afterwards (the username under
 *                      {@code --username-as-common-name}, else the certificate's as given)
 * @param username      the username after OpenVPN's character remapping (empty for an empty-user token)
 * @param clientReason  for a refusal: the text for {@code AUTH_FAILED,<reason>} (e.g. {@code SESSION: token
 *                      expired}), or null for a plain {@code AUTH_FAILED}
 * @param authTokenLine for an accepted client under {@code --auth-gen-token}: {@code auth-token T}, to push
 *                      (last in the PUSH_REPLY, as {@code prepare_auth_token_push_reply}); else null.
 *                      Holds a secret: never log it.
 * @param deferred      for {@link Reason#DEFERRED}: the check to poll ({@code auth_control_file}); else null
 */
public record UserPassResult(boolean authenticated, Reason reason, String commonName, String username,
        String clientReason, String authTokenLine, DeferredAuth deferred) {
    /** Why a user/pass check ended as it did. */
    public enum Reason {
        /** The script (or nothing configured) accepted. */
        ACCEPTED,
        /** A valid auth-token stood in for the password; no script ran. */
        TOKEN_ACCEPTED,
        /** An auth-token that does not verify (bad HMAC, another session, garbage). */
        TOKEN_INVALID,
        /** An auth-token past its renewal window or lifetime. */
        TOKEN_EXPIRED,
        /** No username and no {@code --auth-user-pass-optional}. */
        BLANK_USERNAME,
        /** {@code --username-as-common-name} with a username over 64 characters. */
        USERNAME_TOO_LONG,
        /** The username differs from the one this client authenticated with before. */
        USERNAME_CHANGED,
        /**
         * The script deferred the decision (exit status 2): not authenticated yet; the caller polls
         * {@link UserPassResult#deferred()} until {@code --hand-window} ends (OpenVPN's {@code KS_AUTH_DEFERRED}).
         */
        DEFERRED,
        /** The {@code --auth-user-pass-verify} script refused (or failed to run, or timed out). */
        SCRIPT_REFUSED
    }

    @Override
    public String toString() {
        return "UserPassResult[" + authenticated + ", " + reason + ", cn=" + commonName + ", user=" + username
                + (authTokenLine == null ? "" : ", auth-token pushed") + "]";
    }
}
