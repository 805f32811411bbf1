package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A process started inside a namespace that takes commands on its standard input and answers in
 * lines: its standard output is read line by line on a helper thread (and copied to
 * {@code <label>.out}), its standard error goes to {@code <label>.err}. Used for the example
 * appliance and for the interactive shell. Closing stops it by PID if it still runs.
 */
final class LineProcess implements AutoCloseable {
    private final Process process;
    private final Writer stdin;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;
    /** A line starting with this means the awaited line will never come (null: none). */
    private final String failPrefix;

    private LineProcess(Process process, Path out, String failPrefix) {
        this.process = process;
        this.failPrefix = failPrefix;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.reader = new Thread(() -> read(out), "e2e-line-process-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code command} in {@code ns}; its output files are {@code <dir>/<label>.out} and {@code .err}. */
    static LineProcess start(Netns net, String ns, Path dir, String label, List<String> command, String failPrefix)
            throws IOException {
        Path out = dir.resolve(label + ".out");
        Path err = dir.resolve(label + ".err");
        Files.createDirectories(dir);
        Files.writeString(out, "");
        Files.writeString(err, "");
        PeerLogs.register(label + " stdout [in " + ns + "]", out);
        PeerLogs.register(label + " stderr [in " + ns + "]", err);
        return new LineProcess(net.startPiped(ns, err, command), out, failPrefix);
    }

    private void read(Path out) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                Files.writeString(out, line + "\n", StandardOpenOption.APPEND);
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // The process ended; the lines read so far are kept.
        }
    }

    int lineCount() {
        synchronized (lines) {
            return lines.size();
        }
    }

    String line(int index) {
        synchronized (lines) {
            return lines.get(index);
        }
    }

    /** The index of the first line at or after {@code from} matching {@code regex}, or -1. */
    int find(String regex, int from) {
        Pattern p = Pattern.compile(regex);
        synchronized (lines) {
            for (int i = from; i < lines.size(); i++) {
                if (p.matcher(lines.get(i)).find()) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Waits for a line matching {@code regex} at or after index {@code from}; fails with the last lines on timeout. */
    int await(String regex, int from, Duration timeout) throws InterruptedException {
        int found = waitFor(regex, from, timeout);
        if (found < 0) {
            synchronized (lines) {
                fail("no line matching /" + regex + "/ within " + timeout.toSeconds() + " s"
                        + (process.isAlive() ? "" : " (the process exited with " + process.exitValue() + ")") + "; last lines:\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            }
        }
        return found;
    }

    /** Like {@link #await} but returns -1 on timeout (or when the process ended), for a caller that polls. */
    int waitFor(String regex, int from, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            int next = from;
            while (true) {
                for (; next < lines.size(); next++) {
                    if (p.matcher(lines.get(next)).find()) {
                        return next;
                    }
                    // A failed start stays down: no point waiting out the timeout.
                    if (failPrefix != null && lines.get(next).startsWith(failPrefix)) {
                        fail("failed while waiting for /" + regex + "/: " + lines.get(next));
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    return -1;
                }
                lines.wait(Math.min(left, 500));
            }
        }
    }

    void send(String command) throws IOException {
        stdin.write(command + "\n");
        stdin.flush();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("the process did not exit within " + timeout.toSeconds() + " s");
        }
        reader.join(5_000);
        return process.exitValue();
    }

    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException e) {
            // Already gone.
        }
        if (process.isAlive()) {
            Proc.terminate(process.toHandle(), Duration.ofSeconds(10));
        }
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
