package org.culvert.tunnel.internal;

import java.util.Arrays;

import org.culvert.openvpn.tls.UserPassSource;

/**
 * OpenVPN's {@code auth_user_pass} and {@code auth_token} of one tunnel: the credentials a client
 * writes into every key-method-2 message, kept across reconnections until purged. A held token
 * replaces the password (and {@code auth-token-user} the username); {@code --auth-nocache} purges the
 * password once a message carrying it was written, the token staying usable. Secrets are held as
 * characters and overwritten when purged; nothing here is logged. Thread-safe (the loop thread writes
 * messages, the tunnel thread fills and purges, the shell and management threads never touch it).
 */
final class UserPassCache implements UserPassSource {
    private final boolean nocache;
    private String username = "";
    private char[] password;
    private char[] token;
    private String tokenUser;

    UserPassCache(boolean nocache) {
        this.nocache = nocache;
    }

    /** Whether a password or a token is held: nothing needs to be asked before connecting. */
    synchronized boolean defined() {
        return password != null || token != null;
    }

    /** Takes the credentials (copies the password; the caller wipes its own). */
    synchronized void set(String user, char[] pass) {
        wipePassword();
        username = user == null ? "" : user;
        password = pass.clone();
    }

    @Override
    public synchronized String username() {
        return token != null && tokenUser != null ? tokenUser : username;
    }

    @Override
    public synchronized char[] password() {
        return token != null ? token.clone() : password != null ? password.clone() : new char[0];
    }

    @Override
    public synchronized void sent() {
        if (nocache) {
            // OpenVPN's --auth-nocache: forget the password once sent; a token received later still works.
            wipePassword();
        }
    }

    /** A server's {@code auth-token}: used instead of the password from now on. */
    synchronized void token(String value) {
        wipeToken();
        token = value.toCharArray();
    }

    /** A server's {@code auth-token-user} (decoded): the username sent with the token. */
    synchronized void tokenUser(String user) {
        tokenUser = user;
    }

    synchronized boolean hasToken() {
        return token != null;
    }

    /** OpenVPN's {@code ssl_clean_auth_token}: drops a held token; true if there was one. */
    synchronized boolean dropToken() {
        boolean had = token != null;
        wipeToken();
        tokenUser = null;
        return had;
    }

    /**
     * OpenVPN's {@code ssl_purge_auth}: forgets the password and the token (after AUTH_FAILED with
     * {@code --auth-retry interact}, or a server's RESTART/HALT without the {@code [P]} flag). Callable
     * from any thread; p1's RESTART/HALT handling calls it with {@code keepPassword} from the {@code [P]} flag.
     */
    synchronized void purge(boolean keepPassword) {
        if (keepPassword) {
            return;
        }
        wipePassword();
        dropToken();
    }

    /** Overwrites everything; the tunnel is gone. Idempotent. */
    synchronized void wipe() {
        wipePassword();
        dropToken();
        username = "";
    }

    private void wipePassword() {
        if (password != null) {
            Arrays.fill(password, '\0');
            password = null;
        }
    }

    private void wipeToken() {
        if (token != null) {
            Arrays.fill(token, '\0');
            token = null;
        }
    }

    @Override
    public String toString() {
        return "UserPassCache[" + (defined() ? "defined" : "empty") + (hasToken() ? ", token" : "") + "]"; // never the values
    }
}
