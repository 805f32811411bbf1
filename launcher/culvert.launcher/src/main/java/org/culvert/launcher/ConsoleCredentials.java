package org.culvert.launcher;

import java.io.Console;
import java.util.Arrays;

import org.culvert.api.tunnel.CredentialsRequest;
import org.culvert.api.tunnel.CredentialsSource;

/**
 * The headless {@code culvert} command's credentials: asked on the terminal as {@code openvpn} asks
 * them ({@code Enter Auth Username:}, {@code Enter Auth Password:} without echo, the challenge text),
 * and refused with a clear reason when there is no terminal, so that the command exits non-zero.
 */
final class ConsoleCredentials implements CredentialsSource {
    /** What is asked of the person at the terminal; null when there is none. */
    interface Prompter {
        /** A line typed with echo, or null at end of input. */
        String readLine(String prompt);

        /** A line typed without echo, or null at end of input; the caller wipes it. */
        char[] readPassword(String prompt);

        /** A line shown to the user. */
        void say(String line);
    }

    static final String NO_CONSOLE = "no terminal to ask the Auth username/password on; give them in a file"
            + " (--auth-user-pass FILE, line 1 the username, line 2 the password) or through the management interface";

    private final Prompter prompter;

    ConsoleCredentials(Prompter prompter) {
        this.prompter = prompter;
    }

    /** The process's console, or null when stdin/stdout are not a terminal. */
    static Prompter systemConsole() {
        Console c = System.console();
        if (c == null) {
            return null;
        }
        return new Prompter() {
            @Override
            public String readLine(String prompt) {
                return c.readLine("%s", prompt);
            }

            @Override
            public char[] readPassword(String prompt) {
                return c.readPassword("%s", prompt);
            }

            @Override
            public void say(String line) {
                c.printf("%s%n", line);
            }
        };
    }

    @Override
    public synchronized void requestCredentials(CredentialsRequest r) {
        if (prompter == null) {
            r.cancel(NO_CONSOLE);
            return;
        }
        r.previousFailure().ifPresent(f -> prompter.say("AUTH_FAILED" + (f.isEmpty() ? "" : ": " + f)));
        String user = null;
        char[] password = null;
        char[] response = null;
        try {
            if (r.needsUsername()) {
                user = prompter.readLine("Enter Auth Username: ");
                if (user == null) {
                    r.cancel("no Auth username was entered");
                    return;
                }
            }
            if (r.needsPassword()) {
                password = prompter.readPassword("Enter Auth Password: ");
                if (password == null) {
                    r.cancel("no Auth password was entered");
                    return;
                }
            }
            if (r.challenge().isPresent()) {
                String prompt = (r.dynamicChallenge() ? "CHALLENGE: " : "") + r.challenge().get() + " ";
                if (r.echoResponse()) {
                    String line = prompter.readLine(prompt);
                    response = line == null ? null : line.toCharArray();
                } else {
                    response = prompter.readPassword(prompt);
                }
                if (response == null) {
                    r.cancel("no challenge response was entered");
                    return;
                }
            }
            if (!r.supply(user, password, response)) {
                r.cancel("the credentials entered are too long or hold a NUL character");
            }
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
            if (response != null) {
                Arrays.fill(response, '\0');
            }
        }
    }
}
