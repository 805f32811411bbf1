package org.culvert.shell.internal;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.apache.felix.service.command.CommandSession;

/**
 * Asks a secret in the shell: through the process's console without echo when there is one (the
 * {@code culvert-shell} terminal), else one line from the session's keyboard. Read into characters
 * that the caller wipes; never a String.
 */
final class Prompts {
    /** Longest line read (OpenVPN's USER_PASS_LEN is 4096 with the NUL). */
    private static final int MAX_LINE = 4096;

    private Prompts() {
    }

    /** The line typed, or null at end of input. */
    static char[] read(CommandSession session, String prompt, boolean echo) {
        Console console = System.console();
        if (console != null) {
            return echo ? toChars(console.readLine("%s", prompt)) : console.readPassword("%s", prompt);
        }
        PrintStream out = session.getConsole();
        if (out != null) {
            out.print(prompt);
            out.flush();
        }
        return readLine(session.getKeyboard());
    }

    static char[] readLine(InputStream in) {
        if (in == null) {
            return null;
        }
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (b != '\r' && line.size() <= MAX_LINE) {
                    line.write(b);
                }
            }
            if (b < 0 && line.size() == 0) {
                return null;
            }
            byte[] bytes = line.toByteArray();
            CharBuffer decoded = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes));
            Arrays.fill(bytes, (byte) 0);
            char[] out = new char[decoded.remaining()];
            decoded.get(out);
            if (decoded.hasArray()) {
                Arrays.fill(decoded.array(), '\0');
            }
            return out;
        } catch (IOException e) {
            return null;
        }
    }

    private static char[] toChars(String s) {
        return s == null ? null : s.toCharArray();
    }

    static void wipe(char[] secret) {
        if (secret != null) {
            Arrays.fill(secret, '\0');
        }
    }
}
