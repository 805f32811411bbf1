package org.culvert.tun.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external program (iproute2's {@code ip}, an {@code --up}/{@code --down} script) from the
 * calling thread and waits for it. The child inherits the calling thread's network namespace, which
 * is what lets a tunnel thread that entered a namespace configure its device there.
 *
 * <p>Output (stdout and stderr together) goes to a temporary file rather than a pipe, so that a
 * script that leaves a daemon holding its output open cannot make us wait forever; the last part
 * of it is returned for error messages.
 */
final class CommandRunner {
    /** How much of a command's output an error message quotes. */
    private static final int OUTPUT_TAIL = 1000;

    private CommandRunner() {
    }

    /** Exit status and the tail of the output of a finished command. */
    static final class Result {
        final int exitCode;
        final String output;
        final boolean timedOut;

        Result(int exitCode, String output, boolean timedOut) {
            this.exitCode = exitCode;
            this.output = output;
            this.timedOut = timedOut;
        }

        boolean succeeded() {
            return exitCode == 0 && !timedOut;
        }

        /** E.g. {@code "exit status 2: RTNETLINK answers: File exists"}. */
        String describe(long timeoutMillis) {
            String status = timedOut ? "timed out after " + timeoutMillis + " ms" : "exit status " + exitCode;
            return output.isEmpty() ? status : status + ": " + output;
        }
    }

    /**
     * @param command       program and arguments, no shell involved
     * @param environment   variables added to (or replacing) the JVM's environment; may be empty
     * @param timeoutMillis 0 or negative waits without limit; when it passes the process is killed
     * @throws IOException          if the program cannot be started
     * @throws InterruptedException if the calling thread is interrupted (the process is killed)
     */
    static Result run(List<String> command, Map<String, String> environment, long timeoutMillis)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("culvert-cmd", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(environment);
            Process process = builder.start();
            boolean finished;
            try {
                if (timeoutMillis > 0) {
                    finished = process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS);
                } else {
                    process.waitFor();
                    finished = true;
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                throw e;
            }
            if (!finished) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, tail(output), true);
            }
            return new Result(process.exitValue(), tail(output), false);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static String tail(Path output) throws IOException {
        try (FileChannel channel = FileChannel.open(output, StandardOpenOption.READ)) {
            long size = channel.size();
            long from = Math.max(0, size - OUTPUT_TAIL);
            ByteBuffer bytes = ByteBuffer.allocate((int) (size - from));
            while (bytes.hasRemaining() && channel.read(bytes, from + bytes.position()) > 0) {
                // read the tail completely
            }
            return new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8).strip();
        }
    }
}
