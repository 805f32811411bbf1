package org.culvert.tunnel.internal;

import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.BooleanSupplier;

import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.openvpn.config.AuthUserPass;
import org.culvert.openvpn.tls.AuthFailed;

/**
 * The {@code --auth-user-pass} side of one tunnel: before each connection it makes sure credentials
 * are held (from the file or inline block, else asked through the {@link CredentialsBroker}), and
 * after the server's {@code AUTH_FAILED} it applies {@link AuthFailurePolicy}. The secrets live in
 * the {@link UserPassCache} the TLS engine reads. Tunnel thread only, except {@link #cache()}.
 */
final class TunnelCredentials {
    /** Whether a connection may go on. */
    enum Ready { READY, STOPPED, UNAVAILABLE }

    private final String tunnelName;
    private final AuthUserPass settings;
    private final UserPassCache cache;
    private final CredentialsBroker broker;
    private final TunnelLog log;
    private final StatusSink sink;
    /** --management-query-passwords: only the management interface is asked. */
    private final boolean managementOnly;
    private AuthFailed.Challenge challenge;
    private String previousFailure;
    private String unavailable = "";

    TunnelCredentials(String tunnelName, AuthUserPass settings, boolean managementOnly, CredentialsBroker broker, TunnelLog log,
            StatusSink sink) {
        this.managementOnly = managementOnly;
        this.tunnelName = tunnelName;
        this.settings = settings;
        this.cache = new UserPassCache(settings.nocache());
        this.broker = broker;
        this.log = log;
        this.sink = sink;
    }

    AuthUserPass settings() {
        return settings;
    }

    /** What the TLS engine writes into each key-method-2 message. */
    UserPassCache cache() {
        return cache;
    }

    /** Why {@link #ensure} said UNAVAILABLE. */
    String unavailableDetail() {
        return unavailable;
    }

    /** Credentials for the next connection: held, read, or asked (waiting in WAITING/CREDENTIALS_NEEDED). */
    Ready ensure(BooleanSupplier stopped) throws InterruptedException {
        if (challenge != null) {
            AuthFailed.Challenge c = challenge;
            PendingCredentials r = new PendingCredentials(tunnelName, false, false, c.text(), c.echo(), true, null);
            Ready ready = ask(r, "CHALLENGE: " + c.text(), stopped);
            if (ready == Ready.READY) {
                char[] response = r.takeResponse();
                char[] password = c.password(response);
                try {
                    cache.set(c.username(), password);
                } finally {
                    Arrays.fill(response, '\0');
                    Arrays.fill(password, '\0');
                }
                challenge = null;
            }
            return ready;
        }
        if (cache.defined()) {
            return Ready.READY;
        }
        String user = null;
        char[] pass = null;
        try {
            if (!settings.needsSource()) {
                char[][] lines = readSource();
                if (lines == null) {
                    return Ready.UNAVAILABLE;
                }
                user = new String(lines[0]);
                pass = lines[1];
            }
            AuthUserPass.StaticChallenge sc = settings.staticChallenge().orElse(null);
            if (user != null && pass != null && sc == null) {
                cache.set(user, pass);
                return Ready.READY;
            }
            PendingCredentials r = new PendingCredentials(tunnelName, user == null, pass == null, sc == null ? null : sc.text(),
                    sc != null && sc.echo(), false, previousFailure);
            Ready ready = ask(r, "Need 'Auth' username/password", stopped);
            if (ready != Ready.READY) {
                return ready;
            }
            if (user == null) {
                user = r.username();
            }
            if (pass == null) {
                pass = r.takePassword();
            }
            if (sc != null) {
                char[] response = r.takeResponse();
                char[] scrv1 = staticChallengePassword(pass, response);
                Arrays.fill(response, '\0');
                Arrays.fill(pass, '\0');
                pass = scrv1;
            }
            cache.set(user, pass);
            previousFailure = null;
            return Ready.READY;
        } finally {
            if (pass != null) {
                Arrays.fill(pass, '\0');
            }
        }
    }

    private Ready ask(PendingCredentials r, String what, BooleanSupplier stopped) throws InterruptedException {
        // Published before the state is, so that whoever sees the state finds the request.
        broker.publish(r, managementOnly);
        sink.status(TunnelState.WAITING, TunnelReason.CREDENTIALS_NEEDED, what);
        log.info(managementOnly ? what + " (asked of the management interface, --management-query-passwords)"
                : broker.hasSource(false) ? what + " (asked of the credentials source)"
                : what + ": no credentials source; answer with tunnel:auth " + tunnelName);
        switch (broker.await(r, stopped)) {
            case SUPPLIED:
                return Ready.READY;
            case CANCELLED:
                unavailable = "the credentials were not given: " + r.cancelReason();
                log.warn("ERROR: " + unavailable);
                return Ready.UNAVAILABLE;
            default:
                return Ready.STOPPED;
        }
    }

    /** The file's or inline block's first line (username) and second (password, null if absent); null if unusable. */
    private char[][] readSource() {
        char[] all;
        String shown = settings.file().map(Object::toString).orElse("[[INLINE]]");
        if (settings.inline().isPresent()) {
            all = settings.inline().get().chars();
        } else {
            try {
                byte[] raw = Files.readAllBytes(settings.file().get());
                CharBuffer decoded = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(raw));
                Arrays.fill(raw, (byte) 0);
                all = new char[decoded.remaining()];
                decoded.get(all);
                if (decoded.hasArray()) {
                    Arrays.fill(decoded.array(), '\0');
                }
            } catch (IOException e) {
                unavailable = "Error reading username from Auth authfile: " + shown + " (" + e.getMessage() + ")";
                log.warn(unavailable);
                return null;
            }
        }
        try {
            char[][] lines = splitLines(all);
            if (lines[0] == null || lines[0].length == 0) {
                unavailable = "Error reading username from Auth authfile: " + shown;
                log.warn(unavailable);
                return null;
            }
            return lines;
        } finally {
            Arrays.fill(all, '\0');
        }
    }

    /**
     * The first two lines of {@code all}, each without its line end and trailing blanks (OpenVPN's
     * chomp); the second is null when there is none (then the password is asked).
     */
    static char[][] splitLines(char[] all) {
        char[][] lines = new char[2][];
        int start = 0;
        for (int line = 0; line < 2 && start < all.length; line++) {
            int nl = start;
            while (nl < all.length && all[nl] != '\n') {
                nl++;
            }
            int end = nl;
            while (end > start && (all[end - 1] == '\r' || all[end - 1] == ' ' || all[end - 1] == '\t')) {
                end--;
            }
            lines[line] = Arrays.copyOfRange(all, start, end);
            start = nl + 1;
        }
        return lines;
    }

    /** {@code SCRV1:<base64 password>:<base64 response>} (OpenVPN 2.6's static-challenge password). */
    static char[] staticChallengePassword(char[] password, char[] response) {
        char[] p = base64(password);
        char[] r = base64(response);
        char[] out = new char[6 + p.length + 1 + r.length];
        "SCRV1:".getChars(0, 6, out, 0);
        System.arraycopy(p, 0, out, 6, p.length);
        out[6 + p.length] = ':';
        System.arraycopy(r, 0, out, 7 + p.length, r.length);
        Arrays.fill(p, '\0');
        Arrays.fill(r, '\0');
        return out;
    }

    private static char[] base64(char[] text) {
        java.nio.ByteBuffer utf8 = StandardCharsets.UTF_8.encode(CharBuffer.wrap(text));
        byte[] raw = new byte[utf8.remaining()];
        utf8.get(raw);
        if (utf8.hasArray()) {
            Arrays.fill(utf8.array(), (byte) 0);
        }
        byte[] enc = Base64.getEncoder().encode(raw);
        Arrays.fill(raw, (byte) 0);
        char[] out = new char[enc.length];
        for (int i = 0; i < enc.length; i++) {
            out[i] = (char) enc[i];
        }
        Arrays.fill(enc, (byte) 0);
        return out;
    }

    /**
     * The server's AUTH_FAILED: logs it as OpenVPN does, tells the sources, and applies the policy.
     *
     * @return the decision; for STOP the tunnel fails with reason AUTH_FAILED
     */
    AuthFailurePolicy.Decision authFailed(AuthFailed failure) {
        log.warn("AUTH: Received control message: AUTH_FAILED" + (failure.reason().isEmpty() ? "" : "," + failure.reason()));
        for (String w : failure.warnings()) {
            log.warn(w);
        }
        broker.verificationFailed(failure.reason());
        AuthFailurePolicy.Decision d = AuthFailurePolicy.decide(failure, cache.hasToken(), settings.retry());
        switch (d.action()) {
            case DROP_TOKEN:
                cache.dropToken();
                log.info("the auth-token was refused; reconnecting with the original credentials");
                break;
            case ASK_AGAIN:
                cache.purge(false);
                previousFailure = failure.reason();
                break;
            case ANSWER_CHALLENGE:
                cache.purge(false);
                challenge = failure.challenge();
                break;
            case STOP:
                log.warn("SIGTERM[soft,auth-failure] received, process exiting: " + failure.describe());
                break;
            default:
                break;
        }
        return d;
    }

    /** A server's {@code auth-token} (pushed, or from the configuration). */
    void authToken(String token) {
        cache.token(token);
        broker.authTokenReceived(token);
    }

    /** A server's {@code auth-token-user}, decoded. */
    void authTokenUser(String user) {
        cache.tokenUser(user);
    }

    /** RESTART/HALT from the server: without {@code [P]} the cached password and token are purged. */
    void serverSignal(boolean keepPassword) {
        cache.purge(keepPassword);
    }

    void wipe() {
        cache.wipe();
    }
}
