package org.culvert.tunnel.internal;

import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

import org.culvert.api.tunnel.CredentialsRequest;

/**
 * One {@link CredentialsRequest}: answered once from any thread, awaited by the tunnel thread.
 * The answer is held as characters until the tunnel takes it ({@link #takePassword()}), then wiped.
 */
final class PendingCredentials implements CredentialsRequest {
    /** OpenVPN's USER_PASS_LEN (a PKCS#11 build's) minus the NUL. */
    static final int MAX_BYTES = org.culvert.openvpn.config.AuthUserPass.MAX_USER_PASS;

    /** How the request ended, as the tunnel thread sees it. */
    enum Outcome { PENDING, SUPPLIED, CANCELLED, WITHDRAWN }

    private final String tunnelName;
    private final boolean needsUsername;
    private final boolean needsPassword;
    private final String challenge;
    private final boolean echo;
    private final boolean dynamic;
    private final String previousFailure;
    private Outcome outcome = Outcome.PENDING;
    private String username;
    private char[] password;
    private char[] response;
    private String cancelReason = "";

    PendingCredentials(String tunnelName, boolean needsUsername, boolean needsPassword, String challenge, boolean echo,
            boolean dynamic, String previousFailure) {
        this.tunnelName = tunnelName;
        this.needsUsername = needsUsername;
        this.needsPassword = needsPassword;
        this.challenge = challenge;
        this.echo = echo;
        this.dynamic = dynamic;
        this.previousFailure = previousFailure;
    }

    @Override
    public String tunnelName() {
        return tunnelName;
    }

    @Override
    public boolean needsUsername() {
        return needsUsername;
    }

    @Override
    public boolean needsPassword() {
        return needsPassword;
    }

    @Override
    public Optional<String> challenge() {
        return Optional.ofNullable(challenge);
    }

    @Override
    public boolean echoResponse() {
        return echo;
    }

    @Override
    public boolean dynamicChallenge() {
        return dynamic;
    }

    @Override
    public Optional<String> previousFailure() {
        return Optional.ofNullable(previousFailure);
    }

    @Override
    public synchronized boolean supply(String user, char[] pass, char[] resp) {
        if (outcome != Outcome.PENDING) {
            return false;
        }
        if (needsUsername && (user == null || user.isEmpty() || user.indexOf('\0') >= 0
                || user.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES)) {
            return false;
        }
        if (needsPassword && (pass == null || !fits(pass))) {
            return false;
        }
        if (challenge != null && (resp == null || !fits(resp))) {
            return false;
        }
        username = needsUsername ? user : null;
        password = needsPassword ? pass.clone() : null;
        response = challenge != null ? resp.clone() : null;
        outcome = Outcome.SUPPLIED;
        notifyAll();
        return true;
    }

    private static boolean fits(char[] chars) {
        for (char c : chars) {
            if (c == '\0') {
                return false;
            }
        }
        java.nio.ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        int n = b.remaining();
        if (b.hasArray()) {
            Arrays.fill(b.array(), (byte) 0);
        }
        return n <= MAX_BYTES;
    }

    @Override
    public synchronized void cancel(String why) {
        if (outcome == Outcome.PENDING) {
            outcome = Outcome.CANCELLED;
            cancelReason = why == null ? "" : why;
            notifyAll();
        }
    }

    /** The tunnel stopped: the request can no longer be answered. */
    synchronized void withdraw() {
        if (outcome == Outcome.PENDING) {
            outcome = Outcome.WITHDRAWN;
            notifyAll();
        } else {
            wipe();
        }
    }

    @Override
    public synchronized boolean isDone() {
        return outcome != Outcome.PENDING;
    }

    /** Waits up to {@code millis} for an answer; the outcome so far. */
    synchronized Outcome await(long millis) throws InterruptedException {
        if (outcome == Outcome.PENDING && millis > 0) {
            wait(millis);
        }
        return outcome;
    }

    synchronized String username() {
        return username;
    }

    /** The password given (the caller wipes it); null if none was asked. */
    synchronized char[] takePassword() {
        char[] p = password;
        password = null;
        return p;
    }

    /** The response given (the caller wipes it); null if none was asked. */
    synchronized char[] takeResponse() {
        char[] r = response;
        response = null;
        return r;
    }

    synchronized String cancelReason() {
        return cancelReason;
    }

    synchronized void wipe() {
        if (password != null) {
            Arrays.fill(password, '\0');
            password = null;
        }
        if (response != null) {
            Arrays.fill(response, '\0');
            response = null;
        }
    }

    @Override
    public String toString() {
        return "CredentialsRequest[" + tunnelName + ", " + outcome + (challenge != null ? ", challenge" : "") + "]";
    }
}
