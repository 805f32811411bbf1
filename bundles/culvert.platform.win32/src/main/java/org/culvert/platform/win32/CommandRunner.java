package org.culvert.platform.win32;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Runs an external program (netsh, an {@code --up} script) without a shell: {@code argv[0]} is the
 * program, every further element one argument (Java quotes arguments with spaces for Windows). Tests
 * record the calls instead of running anything. Setup path only; any thread.
 */
@ConsumerType
public interface CommandRunner {
    /**
     * @param environment added to (and overriding) the inherited environment
     * @param output      receives the program's merged stdout/stderr (at most 64 KiB) when not null
     * @return the exit code
     * @throws IOException when the program cannot be started, or does not end within the timeout (it
     *                     is then killed)
     */
    int run(List<String> argv, Map<String, String> environment, long timeoutMillis, StringBuilder output) throws IOException;

    /** A runner that starts real processes. */
    static CommandRunner processes() {
        return (argv, environment, timeoutMillis, output) -> {
            // Output goes to a file, not a pipe: a program that hangs with the pipe open could
            // otherwise block us beyond the timeout.
            Path log = Files.createTempFile("culvert-cmd", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
                pb.redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
                pb.environment().putAll(environment);
                Process p = pb.start();
                try {
                    if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                        p.destroyForcibly();
                        throw new IOException(argv.get(0) + " did not finish within " + timeoutMillis + " ms");
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                    throw new IOException(argv.get(0) + " interrupted", e);
                }
                if (output != null) {
                    byte[] bytes = Files.readAllBytes(log);
                    output.append(new String(bytes, 0, Math.min(bytes.length, 64 * 1024), Charset.defaultCharset()));
                }
                return p.exitValue();
            } finally {
                Files.deleteIfExists(log);
            }
        };
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
