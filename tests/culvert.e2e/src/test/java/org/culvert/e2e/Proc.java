package org.culvert.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs short commands with a deadline and stops long-running ones by PID. Every process this harness
 * starts is stopped through {@link #terminate}: SIGTERM to it and its descendants, then SIGKILL to
 * whatever is still alive after a bounded wait.
 */
public final class Proc {
    private Proc() {
    }

    /** The outcome of a finished command: exit status and stdout+stderr merged. */
    public record Result(int exit, String output, List<String> command) {
        public boolean ok() {
            return exit == 0;
        }

        /** Throws with the command and its output unless it exited 0. */
        public Result check() {
            if (exit != 0) {
                throw new IllegalStateException("command failed (exit " + exit + "): " + String.join(" ", command) + "\n" + output);
            }
            return this;
        }
    }

    /**
     * Runs {@code command} to completion, killing it when {@code timeout} passes (exit is then -1).
     * Output is read on a helper thread so that a chatty command cannot block on a full pipe.
     */
    public static Result run(Duration timeout, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(p.getInputStream(), out), "e2e-output-" + p.pid());
        reader.setDaemon(true);
        reader.start();
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            terminate(p.toHandle(), Duration.ofSeconds(2));
        }
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String text;
        synchronized (out) {
            text = out.toString(StandardCharsets.UTF_8);
        }
        return new Result(finished ? p.exitValue() : -1, text, List.copyOf(command));
    }

    public static Result run(Duration timeout, String... command) {
        return run(timeout, List.of(command));
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (out) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // The process went away; what was read is kept.
        }
    }

    /**
     * Stops a process and its descendants: SIGTERM, wait up to {@code grace}, then SIGKILL. Never
     * throws. Descendants are collected first, because they are reparented once their parent dies.
     *
     * @return true if everything was gone within the grace period (no SIGKILL was needed)
     */
    public static boolean terminate(ProcessHandle process, Duration grace) {
        List<ProcessHandle> all = new ArrayList<>();
        try {
            process.descendants().forEach(all::add);
        } catch (RuntimeException e) {
            // Process table raced with an exit: use what was collected.
        }
        all.add(0, process);
        for (ProcessHandle h : all) {
            h.destroy();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        boolean clean = true;
        for (ProcessHandle h : all) {
            long left = deadline - System.nanoTime();
            try {
                h.onExit().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                if (h.isAlive()) {
                    clean = false;
                    h.destroyForcibly();
                }
            }
        }
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // Unkillable (D state); nothing more to do from here.
            }
        }
        return clean;
    }

    /** Sends SIGKILL to one process (no grace, no descendants) and waits for it to be gone. */
    public static void kill(ProcessHandle process) {
        process.destroyForcibly();
        try {
            process.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Reported by the caller's next isAlive() check.
        }
    }
}
