package org.culvert.tunnel.internal.auth;

/**
 * Where the authentication pieces log: the server's tunnel log (its {@code warn}/{@code info}). Never
 * given a password or a token.
 */
public interface AuthLog {
    void warn(String message);

    void info(String message);

    /** Logs nothing (tests). */
    AuthLog NONE = new AuthLog() {
        @Override
        public void warn(String message) {
        }

        @Override
        public void info(String message) {
        }
    };
}
