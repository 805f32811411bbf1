package org.culvert.itests;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;

/**
 * One Gogo session, as the shell has, for running {@code tunnel:} commands the way an operator
 * types them. What a command prints and what it returns are kept apart so that tests can check
 * both. Test threads only; {@link #close()} is idempotent.
 */
final class GogoShell implements AutoCloseable {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CommandSession session;
    private boolean closed;

    GogoShell(CommandProcessor processor) {
        session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /**
     * Runs {@code commandLine} and returns its result as the shell would print it.
     *
     * @throws AssertionError if the command fails, with the failure as its cause
     */
    String run(String commandLine) {
        Object result;
        try {
            result = session.execute(commandLine);
        } catch (Exception e) {
            throw new AssertionError("'" + commandLine + "' failed: " + e, e);
        }
        if (result == null) {
            return "";
        }
        try {
            CharSequence text = session.format(result, Converter.INSPECT);
            return text.toString();
        } catch (Exception e) {
            return String.valueOf(result);
        }
    }

    /**
     * Runs {@code commandLine}, which must fail, and returns what it threw (Gogo rethrows the
     * command's own exception; the shell shows its message).
     *
     * @throws AssertionError if the command succeeds
     */
    Exception fail(String commandLine) {
        Object result;
        try {
            result = session.execute(commandLine);
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("'" + commandLine + "' should have failed but returned: " + result);
    }

    /** Everything commands printed to the session's output and error streams so far. */
    String printed() {
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            session.close();
        }
    }
}
