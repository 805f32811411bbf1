package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.culvert.e2e.PeerConfig.Role;

/**
 * One VPN peer process (stock OpenVPN or Culvert) running inside a namespace of a {@link Netns}. Its
 * stdout and stderr go to {@code <dir>/<label>.log}, registered with {@link PeerLogs} so a failing
 * test prints it. The process is stopped by PID only: {@link #stop} sends SIGTERM, {@link #kill}
 * SIGKILL, and the owning {@link Netns} stops whatever is left when it closes. Used from the test
 * thread only.
 */
public final class Peer implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);

    private final String label;
    private final Impl impl;
    private final String ns;
    private final Path log;
    private final Process process;

    private Peer(String label, Impl impl, String ns, Path log, Process process) {
        this.label = label;
        this.impl = impl;
        this.ns = ns;
        this.log = log;
        this.process = process;
    }

    /** Writes {@code config} to {@code <dir>/<label>.conf} and starts {@code impl --config} on it. */
    public static Peer startWithConfig(Netns net, String ns, Impl impl, PeerConfig config, Path dir, String label) {
        Path conf = dir.resolve(label + ".conf");
        try {
            Files.writeString(conf, config.toConfigText(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return startConfigFile(net, ns, impl, conf, dir, label);
    }

    /** Starts {@code impl --config conf} with working directory {@code cwd} (relative paths resolve there). */
    public static Peer startConfigFile(Netns net, String ns, Impl impl, Path conf, Path cwd, String label) {
        return start(net, ns, impl, impl.commandForConfig(conf), cwd, label);
    }

    /** Starts {@code impl} with the options as command-line arguments. */
    public static Peer startWithArgs(Netns net, String ns, Impl impl, List<String> args, Path dir, String label) {
        return start(net, ns, impl, impl.command(args), dir, label);
    }

    /** Two peers of one tunnel: {@code a} in namespace a, {@code b} in namespace b. */
    public record Pair(Peer a, Peer b) {
        /** Stops both (SIGTERM, a first) and returns their exit statuses as "exit a=.. b=..". */
        public String stop(Duration timeout) {
            int exitA = a.stop(timeout);
            int exitB = b.stop(timeout);
            return "exit a=" + exitA + " b=" + exitB;
        }
    }

    /**
     * Starts a pair from configs written to {@code <dir>/<label>.conf}: the tcp-server first, waiting
     * until it listens (a tcp-client gives up between retries, which would only slow the case down);
     * for UDP b first, then a. {@code roleA} is a's link role; b's is the opposite.
     */
    public static Pair startPair(Netns net, Path dir, Role roleA, Impl implA, PeerConfig cfgA, String labelA, Impl implB, PeerConfig cfgB,
            String labelB) {
        Peer a;
        Peer b;
        if (roleA == Role.TCP_SERVER) {
            a = startWithConfig(net, net.a(), implA, cfgA, dir, labelA);
            a.awaitTcpListening(net, PeerConfig.PORT, E2eEnv.readyTimeout());
            b = startWithConfig(net, net.b(), implB, cfgB, dir, labelB);
        } else if (roleA == Role.TCP_CLIENT) {
            b = startWithConfig(net, net.b(), implB, cfgB, dir, labelB);
            b.awaitTcpListening(net, PeerConfig.PORT, E2eEnv.readyTimeout());
            a = startWithConfig(net, net.a(), implA, cfgA, dir, labelA);
        } else {
            b = startWithConfig(net, net.b(), implB, cfgB, dir, labelB);
            a = startWithConfig(net, net.a(), implA, cfgA, dir, labelA);
        }
        return new Pair(a, b);
    }

    private static Peer start(Netns net, String ns, Impl impl, List<String> command, Path cwd, String label) {
        Path log = cwd.resolve(label + ".log");
        try {
            Files.writeString(log, "# " + String.join(" ", command) + "  (in " + ns + ")\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PeerLogs.register(label + " [" + impl + " in " + ns + "]", log);
        Process p = net.start(ns, cwd, log, command);
        return new Peer(label, impl, ns, log, p);
    }

    public String label() {
        return label;
    }

    public Impl impl() {
        return impl;
    }

    public String ns() {
        return ns;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return log;
    }

    /** The whole log so far. */
    public String logText() {
        try {
            return PeerLogs.readText(log);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Waits until {@code target} answers a ping sent from {@code fromNs} through the tunnel, polling
     * {@code ping -c 1 -W 1} until {@code timeout}. Fails early, with the log tail, if any of
     * {@code peers} exits meanwhile.
     *
     * @return how long it took
     */
    public static Duration awaitTunnel(Netns net, String fromNs, String target, Duration timeout, Peer... peers) {
        Duration d = pollTunnel(net, fromNs, target, timeout, peers);
        if (d == null) {
            fail("no ping through the tunnel to " + target + " from " + fromNs + " within " + timeout.toSeconds() + " s");
        }
        return d;
    }

    /** Like {@link #awaitTunnel}, but returns null instead of failing when no ping passed within {@code timeout}. */
    public static Duration pollTunnel(Netns net, String fromNs, String target, Duration timeout, Peer... peers) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (true) {
            for (Peer p : peers) {
                p.assertAlive("before the tunnel came up");
            }
            if (net.run(fromNs, Duration.ofSeconds(5), "ping", "-n", "-q", "-c", "1", "-W", "1", target).ok()) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            pause();
        }
    }

    /** Waits until something listens on TCP {@code port} in this peer's namespace (a tcp-server is up). */
    public void awaitTcpListening(Netns net, int port, Duration timeout) {
        awaitSocket(net, "-Hltn", "TCP", port, timeout);
    }

    /** Waits until a UDP socket is bound to {@code port} in this peer's namespace. */
    public void awaitUdpBound(Netns net, int port, Duration timeout) {
        awaitSocket(net, "-Huan", "UDP", port, timeout);
    }

    private void awaitSocket(Netns net, String ssFlags, String what, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            assertAlive("before listening on " + what + " port " + port);
            Proc.Result r = net.run(ns, Duration.ofSeconds(5), "ss", ssFlags, "sport = :" + port);
            if (r.ok() && !r.output().isBlank()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail(label + " did not listen on " + what + " port " + port + " within " + timeout.toSeconds() + " s");
            }
            pause();
        }
    }

    /**
     * Waits until a line matching {@code regex} appears in the log after the first {@code skipChars}
     * characters (pass the log length seen earlier to wait for a new line).
     */
    public void awaitLog(String regex, int skipChars, Duration timeout) {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex, java.util.regex.Pattern.MULTILINE);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = logText();
            if (text.length() > skipChars && p.matcher(text.substring(skipChars)).find()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail(label + ": no log line matching /" + regex + "/ within " + timeout.toSeconds() + " s");
            }
            assertAlive("while waiting for /" + regex + "/");
            pause();
        }
    }

    /** Fails with the log tail if the process has exited. */
    public void assertAlive(String when) {
        if (!process.isAlive()) {
            fail(label + " (" + impl + ", pid " + pid() + ") exited with status " + process.exitValue() + " " + when
                    + "; log tail:\n" + PeerLogs.tail(log, 30));
        }
    }

    /**
     * Sends SIGTERM (to this PID only) and waits up to {@code timeout} for the exit.
     *
     * @return the exit status
     */
    public int stop(Duration timeout) {
        process.destroy();
        return awaitExit(timeout);
    }

    /** Waits for the process to end by itself; fails (and kills it) after {@code timeout}. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                Proc.terminate(process.toHandle(), Duration.ofSeconds(2));
                fail(label + " (pid " + pid() + ") did not exit within " + timeout.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
        return process.exitValue();
    }

    /** SIGKILL, as a crash would; waits until the process is gone. */
    public void kill() {
        Proc.kill(process.toHandle());
    }

    /** Stops the process if it still runs (SIGTERM, then SIGKILL); never throws. */
    @Override
    public void close() {
        if (process.isAlive()) {
            Proc.terminate(process.toHandle(), Duration.ofSeconds(8));
        }
    }

    @Override
    public String toString() {
        return label + " (" + impl + " in " + ns + ", pid " + pid() + ")";
    }

    static void pause() {
        try {
            Thread.sleep(POLL.toMillis()); // poll interval only; every wait has a deadline
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    /** Generates a static key with {@code openvpn --genkey secret} (mode 0600). */
    public static Path genKey(Path dir) {
        Path key = dir.resolve("static.key");
        Proc.run(Duration.ofSeconds(20), "openvpn", "--genkey", "secret", key.toString()).check();
        try {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return key;
    }

    /** A fresh per-case folder under the work dir for configs, keys and logs. */
    public static Path caseDir(String name) {
        Path dir = E2eEnv.workDir().resolve(name.replaceAll("[^A-Za-z0-9._-]+", "_"));
        try {
            if (Files.exists(dir)) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
