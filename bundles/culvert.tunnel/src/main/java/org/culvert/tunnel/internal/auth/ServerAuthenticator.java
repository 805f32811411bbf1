package org.culvert.tunnel.internal.auth;

import java.security.SecureRandom;
import java.util.Arrays;

import org.culvert.openvpn.Clock;
import org.culvert.openvpn.auth.AuthTokens;

/**
 * A server's username/password authentication of one client key, in OpenVPN 2.6's order
 * ({@code ssl_verify.c} {@code verify_user_pass}): character remapping; an {@code --auth-gen-token}
 * token checked first (a valid one skips the script unless {@code external-auth}, an invalid or expired
 * one fails at once); the environment ({@code username}, {@code common_name}, {@code session_id},
 * {@code session_state}); the {@code --auth-user-pass-verify} script; {@code --username-as-common-name};
 * the username lock; a new or renewed token to push. Blocking (the script): script threads only.
 */
public final class ServerAuthenticator implements AutoCloseable {
    /** OpenVPN's {@code TLS_USERNAME_LEN}. */
    static final int TLS_USERNAME_LEN = 64;

    private final ServerAuthSettings settings;
    private final ServerScripts scripts;
    private final AuthTokens tokens;
    private final AuthLog log;

    /**
     * @param renegSeconds {@code --reneg-sec}: the token renewal when {@code --auth-gen-token} gives none
     */
    public ServerAuthenticator(ServerAuthSettings settings, long renegSeconds, Clock clock, SecureRandom random,
            AuthLog log) {
        this.settings = settings;
        this.log = log;
        this.scripts = new ServerScripts(settings, log);
        ServerAuthSettings.AuthGenToken t = settings.authToken();
        if (t == null) {
            tokens = null;
        } else {
            long renewal = t.renewalSeconds() > 0 ? t.renewalSeconds() : renegSeconds;
            if (t.secretPem() != null) {
                byte[] key = AuthTokens.readSecret(t.secretPem());
                try {
                    tokens = new AuthTokens(key, t.lifetimeSeconds(), renewal, clock, random);
                } finally {
                    Arrays.fill(key, (byte) 0);
                }
            } else {
                tokens = AuthTokens.ephemeral(t.lifetimeSeconds(), renewal, clock, random);
            }
        }
    }

    /** The scripts, for client-connect, client-disconnect and tls-crypt-v2-verify. */
    public ServerScripts scripts() {
        return scripts;
    }

    /**
     * Checks the username and password a client sent in its key-method-2 message.
     *
     * @param state      the client's state across its TLS sessions
     * @param env        the client's environment: untrusted address, certificate variables, IV_* already set;
     *                   this adds {@code username}, {@code common_name} and the token variables
     * @param commonName the certificate's common name, or null without a certificate
     * @param password   not kept; the caller wipes it
     */
    public UserPassResult verifyUserPass(ClientAuthState state, ScriptEnv env, String commonName, String username,
            char[] password) {
        String user = remap(username);
        char[] pass = password.clone();
        try {
            for (int i = 0; i < pass.length; i++) {
                if (pass[i] < 0x20 || pass[i] == 0x7F) {
                    pass[i] = '_';
                }
            }
            return verify(state, env, commonName == null ? "" : commonName, user, pass);
        } finally {
            Arrays.fill(pass, '\0');
        }
    }

    private UserPassResult verify(ClientAuthState state, ScriptEnv env, String commonName, String user, char[] pass) {
        boolean skipAuth = false;
        AuthTokens.Verification tv = null;
        boolean isToken = tokens != null && AuthTokens.isAuthToken(java.nio.CharBuffer.wrap(pass));
        if (isToken) {
            tv = tokens.verify(user, java.nio.CharBuffer.wrap(pass), state.initialToken);
            state.lastTokenState = tv.state();
            if (state.initialToken == null && tv.token() != null) {
                state.initialToken = tv.token();
            }
            if (tv.state() == AuthTokens.State.VALID_EMPTY_USER || tv.state() == AuthTokens.State.EXPIRED_EMPTY_USER) {
                user = ""; // the token vouches for no username
            }
            if (settings.authToken().externalAuth()) {
                // The script sees session_state and decides.
            } else if (tv.state() == AuthTokens.State.VALID) {
                log.warn("TLS: Username/auth-token authentication succeeded for username '" + user + "'");
                skipAuth = true;
            } else {
                state.wipeTokens();
                log.warn("TLS: Username/auth-token authentication failed for username '" + user + "'");
                boolean expired = tv.state().expired();
                if (expired) {
                    log.info("--auth-gen-token: auth-token from client expired");
                }
                return refuse(expired ? UserPassResult.Reason.TOKEN_EXPIRED : UserPassResult.Reason.TOKEN_INVALID,
                        commonName, user, expired ? AuthTokens.EXPIRED_REASON : null);
            }
        }
        // set_verify_user_pass_env
        if (!settings.userPassOptional() && user.isEmpty()) {
            log.warn("TLS Auth Error: peer provided a blank username");
            return refuse(UserPassResult.Reason.BLANK_USERNAME, commonName, user, null);
        }
        env.put("username", user).put("common_name", commonName);
        if (tokens != null) {
            sessionTokenEnv(state, env, user, isToken, tv, pass);
        }
        ScriptOutcome script = null;
        if (!skipAuth) {
            script = scripts.userPassVerify(env, user, pass);
        }
        if (settings.usernameAsCommonName() && user.length() > TLS_USERNAME_LEN) {
            log.warn("TLS Auth Error: --username-as-common name specified and username is longer than the maximum"
                    + " permitted Common Name length of " + TLS_USERNAME_LEN + " characters");
            closeDeferred(script);
            return refuse(UserPassResult.Reason.USERNAME_TOO_LONG, commonName, user, null);
        }
        boolean deferred = script != null && script.reason() == ScriptOutcome.Reason.DEFERRED;
        if (script != null && !script.accepted() && !deferred) {
            log.warn("TLS Auth Error: Auth Username/Password verification failed for peer");
            return refuse(UserPassResult.Reason.SCRIPT_REFUSED, commonName, user, script.clientReason());
        }
        // tls_lock_username
        String locked = state.lockedUsername;
        if (locked != null && !locked.equals(user)) {
            log.warn("TLS Auth Error: username attempted to change from '" + locked + "' to '" + user
                    + "' -- tunnel disabled");
            closeDeferred(script);
            return refuse(UserPassResult.Reason.USERNAME_CHANGED, commonName, user, null);
        }
        state.lockedUsername = user;
        String cn = settings.usernameAsCommonName() ? user : commonName;
        if (settings.usernameAsCommonName()) {
            env.put("common_name", cn);
        }
        String tokenLine = null;
        if (tokens != null) {
            if (state.token == null && tv != null && tv.token() != null && !tv.state().expired()) {
                state.token = tv.token();
            }
            boolean emptyUser = tv != null && (tv.state() == AuthTokens.State.VALID_EMPTY_USER);
            AuthTokens.Token next = state.initialToken != null ? tokens.renew(state.initialToken, user, emptyUser)
                    : tokens.generate(user);
            if (state.initialToken == null) {
                state.initialToken = next;
            }
            state.token = next;
            tokenLine = AuthTokens.pushLine(next);
        }
        log.info("TLS: Username/Password authentication " + (deferred ? "deferred" : "succeeded") + " for username '"
                + user + "'" + (settings.usernameAsCommonName() ? " [CN SET]" : ""));
        if (deferred) {
            return new UserPassResult(false, UserPassResult.Reason.DEFERRED, cn, user, null, tokenLine, script.deferred());
        }
        return new UserPassResult(true, skipAuth ? UserPassResult.Reason.TOKEN_ACCEPTED : UserPassResult.Reason.ACCEPTED,
                cn, user, null, tokenLine, null);
    }

    /** {@code add_session_token_env}: {@code session_state} and {@code session_id}. */
    private void sessionTokenEnv(ClientAuthState state, ScriptEnv env, String user, boolean isToken,
            AuthTokens.Verification tv, char[] pass) {
        String sessionState = !isToken ? "Initial" : tv.state().sessionState();
        env.put("session_state", sessionState);
        AuthTokens.Token source;
        if (tv != null && tv.token() != null && !tv.state().expired()) {
            source = tv.token();
        } else {
            if (state.initialToken == null) {
                state.initialToken = tokens.generate(user);
            }
            source = state.initialToken;
        }
        env.put("session_id", source.sessionIdText());
    }

    private static UserPassResult refuse(UserPassResult.Reason reason, String cn, String user, String clientReason) {
        return new UserPassResult(false, reason, cn, user, clientReason, null, null);
    }

    private static void closeDeferred(ScriptOutcome script) {
        if (script != null && script.deferred() != null) {
            script.deferred().close();
        }
    }

    /** OpenVPN's {@code string_mod_remap_name}: characters that are not printable become {@code _}. */
    static String remap(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7F ? '_' : c);
        }
        return sb.toString();
    }

    /**
     * A renewed token for a client whose renegotiation came ({@code check_send_auth_token}): the push
     * line, or null without {@code --auth-gen-token} or before the client has a token.
     */
    public String renewToken(ClientAuthState state) {
        if (tokens == null || state.initialToken == null || state.lockedUsername == null) {
            return null;
        }
        boolean emptyUser = state.lastTokenState == AuthTokens.State.VALID_EMPTY_USER;
        AuthTokens.Token next = tokens.renew(state.initialToken, state.lockedUsername, emptyUser);
        state.token = next;
        return AuthTokens.pushLine(next);
    }

    /** Wipes the token key. Idempotent. */
    @Override
    public void close() {
        if (tokens != null) {
            tokens.wipe();
        }
    }
}
