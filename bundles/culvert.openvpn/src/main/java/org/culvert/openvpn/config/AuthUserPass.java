package org.culvert.openvpn.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code --auth-user-pass} with the options that shape how a client gives its credentials:
 * {@code --auth-retry}, {@code --auth-nocache} and {@code --static-challenge}.
 *
 * <p>The file is named, not read: OpenVPN reads it when the credentials are first needed, and again
 * after {@code --auth-nocache} purged them. An inline block is held as characters ({@link FileContent}).
 * Without either, the credentials come from whoever runs the tunnel (a console, the management
 * interface, an application). Immutable.
 *
 * @param file    the file (line 1 the username, line 2 the password; with one line the password is asked)
 * @param inline  the inline {@code <auth-user-pass>} block
 * @param retry   {@code --auth-retry}, default {@link AuthRetry#NONE}
 * @param nocache {@code --auth-nocache}: forget the password once it was sent
 * @param staticChallenge {@code --static-challenge}
 * @since config 1.3
 */
public record AuthUserPass(Optional<Path> file, Optional<FileContent> inline, AuthRetry retry, boolean nocache,
        Optional<StaticChallenge> staticChallenge) {

    /** What the client does after {@code AUTH_FAILED} (OpenVPN's {@code --auth-retry}). */
    public enum AuthRetry {
        /** Exit (the default). */
        NONE,
        /** Reconnect with the same credentials. */
        NOINTERACT,
        /** Ask for the credentials again, then reconnect. */
        INTERACT;

        /** The option's value as written. */
        public String optionValue() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * {@code --static-challenge "text" 0|1}: a response asked with the password and sent as
     * {@code SCRV1:<base64 password>:<base64 response>}.
     *
     * @param text the challenge shown to the user
     * @param echo whether the response may be echoed while typed
     */
    public record StaticChallenge(String text, boolean echo) {
        public StaticChallenge {
            Objects.requireNonNull(text, "text");
        }
    }

    public AuthUserPass {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(inline, "inline");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(staticChallenge, "staticChallenge");
    }

    /** OpenVPN's USER_PASS_LEN of a PKCS#11 build (Debian's) minus the NUL: the longest username, password or token. */
    public static final int MAX_USER_PASS = 4095;

    /**
     * A username sent base64-encoded ({@code auth-token-user}, a CRV1 challenge), decoded as UTF-8;
     * null if it is not base64, is empty or longer than {@link #MAX_USER_PASS} bytes, or holds a NUL.
     */
    public static String decodeUsername(String b64) {
        if (b64 == null || b64.isEmpty() || b64.length() > (MAX_USER_PASS + 2) / 3 * 4) {
            return null;
        }
        try {
            byte[] raw = java.util.Base64.getDecoder().decode(b64);
            if (raw.length == 0) {
                return null;
            }
            for (byte x : raw) {
                if (x == 0) {
                    return null;
                }
            }
            return new String(raw, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether the credentials (or the password of a one-line file) must be asked of a user or an application. */
    public boolean needsSource() {
        return file.isEmpty() && inline.isEmpty();
    }

    @Override
    public String toString() {
        return "AuthUserPass[" + (inline.isPresent() ? "<inline>" : file.map(Path::toString).orElse("asked")) + ", auth-retry "
                + retry.optionValue() + (nocache ? ", auth-nocache" : "") + (staticChallenge.isPresent() ? ", static-challenge" : "")
                + "]";
    }
}
