package org.culvert.testkit.credentials;

import java.util.Optional;

import org.culvert.api.tunnel.CredentialsRequest;

/**
 * A {@link CredentialsRequest} as the core makes one, for tests of the surfaces that answer it (the
 * management interface, the console, the shell): it records the answer or the cancel. Thread-safe.
 */
public final class RecordingCredentialsRequest implements CredentialsRequest {
    private final String tunnel;
    private final boolean user;
    private final boolean pass;
    private final String challenge;
    private final boolean echo;
    private final boolean dynamic;
    private final String previous;
    private String givenUser;
    private char[] givenPassword;
    private char[] givenResponse;
    private String cancelled;
    private boolean done;

    public RecordingCredentialsRequest(String tunnel, boolean user, boolean pass, String challenge, boolean echo, boolean dynamic,
            String previous) {
        this.tunnel = tunnel;
        this.user = user;
        this.pass = pass;
        this.challenge = challenge;
        this.echo = echo;
        this.dynamic = dynamic;
        this.previous = previous;
    }

    @Override
    public String tunnelName() {
        return tunnel;
    }

    @Override
    public boolean needsUsername() {
        return user;
    }

    @Override
    public boolean needsPassword() {
        return pass;
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
        return Optional.ofNullable(previous);
    }

    /** Takes the first answer that has what is needed, as the core's request does. */
    @Override
    public synchronized boolean supply(String username, char[] password, char[] response) {
        if (done || (user && (username == null || username.isEmpty())) || (pass && password == null)
                || (challenge != null && response == null)) {
            return false;
        }
        givenUser = username;
        givenPassword = password == null ? null : password.clone();
        givenResponse = response == null ? null : response.clone();
        done = true;
        return true;
    }

    @Override
    public synchronized void cancel(String why) {
        if (!done) {
            cancelled = why;
            done = true;
        }
    }

    @Override
    public synchronized boolean isDone() {
        return done;
    }

    public synchronized String givenUser() {
        return givenUser;
    }

    public synchronized char[] givenPassword() {
        return givenPassword;
    }

    public synchronized char[] givenResponse() {
        return givenResponse;
    }

    /** Why it was cancelled, or null. */
    public synchronized String cancelled() {
        return cancelled;
    }
}
