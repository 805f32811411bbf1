package org.culvert.api.tunnel;

import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A tunnel's request for its {@code --auth-user-pass} credentials (OpenVPN's
 * {@code >PASSWORD:Need 'Auth' username/password}), answered once by whichever surface has them: a
 * {@link CredentialsSource}, the shell's {@code tunnel:auth}, a management client. The first answer
 * wins; later ones are refused. Passwords and responses are copied: the caller wipes its own arrays.
 * Thread-safe.
 *
 * @since 1.4
 */
@ProviderType
public interface CredentialsRequest {
    /** The tunnel that asks. */
    String tunnelName();

    /** Whether a username must be given (false when a one-line {@code --auth-user-pass} file or a challenge gave it). */
    boolean needsUsername();

    /** Whether a password must be given (false when only a challenge response is asked). */
    boolean needsPassword();

    /**
     * The challenge to show, if a response is asked: the {@code --static-challenge} text, or the
     * text of the server's CRV1 dynamic challenge.
     */
    Optional<String> challenge();

    /** Whether the response may be echoed while typed (the challenge's echo flag). */
    boolean echoResponse();

    /** Whether this asks only the response to the server's CRV1 dynamic challenge. */
    boolean dynamicChallenge();

    /** The server's reason when the credentials are asked again after {@code AUTH_FAILED} ({@code --auth-retry interact}). */
    Optional<String> previousFailure();

    /**
     * Answers the request.
     *
     * @param username ignored unless {@link #needsUsername()}
     * @param password ignored unless {@link #needsPassword()}
     * @param response the challenge response; ignored unless {@link #challenge()} is present
     * @return false if the request was already answered, cancelled or withdrawn, or a needed value is
     *         missing or too long (4095 bytes at most, as OpenVPN's USER_PASS_LEN)
     */
    boolean supply(String username, char[] password, char[] response);

    /** Says the credentials cannot be had (no console, the user gave up); the tunnel fails, naming {@code why}. */
    void cancel(String why);

    /** Whether the request was answered, cancelled or withdrawn (the tunnel stopped). */
    boolean isDone();
}
