package org.culvert.openvpn.script;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external program (iproute2's {@code ip}, an {@code --up}/{@code --down} script, a server's
 * {@code --auth-user-pass-verify} or {@code --client-connect} script) from the calling thread and
 * waits for it. The child inherits the calling thread's network namespace, which is what lets a
 * tunnel thread that entered a namespace configure its device there. Setup and script threads only,
 * never a data thread: it blocks.
 *
 * <p>Output (stdout and stderr together) goes to a temporary file rather than a pipe, so that a
 * script that leaves a daemon holding its output open cannot make us wait forever; the last part
 * of it is returned for error messages.
 */
public final class CommandRunner {
    /** How much of a command's output an error message quotes. */
    private static final int OUTPUT_TAIL = 1000;

    private CommandRunner() {
    }

    /** Exit status and the tail of the output of a finished command. */
    public static final class Result {
        private final int exitCode;
        private final String output;
        private final boolean timedOut;

        Result(int exitCode, String output, boolean timedOut) {
            this.exitCode = exitCode;
            this.output = output;
            this.timedOut = timedOut;
        }

        /** The exit status; -1 if the command timed out. */
        public int exitCode() {
            return exitCode;
        }

        /** The last part of the command's output, stripped. */
        public String output() {
            return output;
        }

        public boolean timedOut() {
            return timedOut;
        }

        public boolean succeeded() {
            return exitCode == 0 && !timedOut;
        }

        /** E.g. {@code "exit status 2: RTNETLINK answers: File exists"}. */
        public String describe(long timeoutMillis) {
            String status = timedOut ? "timed out after " + timeoutMillis + " ms" : "exit status " + exitCode;
            return output.isEmpty() ? status : status + ": " + output;
        }
    }

    /**
     * The argument list that runs a configured script command line as OpenVPN does:
     * {@code /bin/sh -c 'COMMAND "$@"' NAME ARGS...}. The shell splits the configured line as
     * OpenVPN's own parser would, and OpenVPN's arguments are appended to it as separate words,
     * never re-parsed.
     *
     * @param name      {@code $0} of the shell, shown by {@code ps}
     * @param arguments OpenVPN's arguments (device, MTU, a temporary file...)
     */
    public static List<String> scriptCommand(String commandLine, String name, List<String> arguments) {
        List<String> command = new ArrayList<>(arguments.size() + 4);
        command.add("/bin/sh");
        command.add("-c");
        command.add(commandLine + " \"$@\"");
        command.add(name);
        command.addAll(arguments);
        return command;
    }

    /**
     * @param command       program and arguments, no shell involved
     * @param environment   variables added to (or replacing) the JVM's environment; may be empty
     * @param timeoutMillis 0 or negative waits without limit; when it passes the process is killed
     * @throws IOException          if the program cannot be started
     * @throws InterruptedException if the calling thread is interrupted (the process is killed)
     */
    public static Result run(List<String> command, Map<String, String> environment, long timeoutMillis)
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
                // The shell's children (the script itself under /bin/sh -c) go too, so that no
                // hung script outlives its bound. The shell goes first: killed after its child, it
                // would run the script's next command before its own end (seen in CI: "echo never").
                List<ProcessHandle> children = process.descendants().collect(java.util.stream.Collectors.toList());
                process.destroyForcibly();
                for (ProcessHandle child : children) {
                    child.descendants().forEach(ProcessHandle::destroyForcibly);
                    child.destroyForcibly();
                }
                process.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, tail(output), true);
            }
            return new Result(process.exitValue(), tail(output), false);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static String tail(Path output) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(output.toFile(), "r")) {
            long size = file.length();
            long from = Math.max(0, size - OUTPUT_TAIL);
            byte[] bytes = new byte[(int) (size - from)];
            file.seek(from);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8).strip();
        }
    }
}
