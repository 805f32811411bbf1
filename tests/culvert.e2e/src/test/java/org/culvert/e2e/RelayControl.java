package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The test's handle on a {@link LossyRelay} process running in a namespace: sends one command line
 * and waits (with a deadline) for its one-line answer. Test thread only; the process belongs to the
 * {@link Netns} that started it and is stopped when that closes.
 */
public final class RelayControl implements AutoCloseable {
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);
    private static final String EOF = "\u0000eof";

    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private RelayControl(Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readLines, "relay-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the relay in {@code ns} and waits for its {@code ready} line. */
    public static RelayControl start(Netns net, String ns, Path dir, String listenA, String peerA, String listenB, String peerB) {
        Path log = dir.resolve("relay.log");
        PeerLogs.register("lossy relay", log);
        Process p = net.startPiped(ns, log, List.of(E2eEnv.java().toString(), "-cp", E2eEnv.testClasses().toString(),
                LossyRelay.class.getName(), listenA, peerA, listenB, peerB));
        RelayControl c = new RelayControl(p);
        String first = c.nextLine(Duration.ofSeconds(20));
        if (!"ready".equals(first)) {
            fail("relay did not start: " + first + "\n" + PeerLogs.tail(log, 30));
        }
        return c;
    }

    private void readLines() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String l;
            while ((l = r.readLine()) != null) {
                lines.add(l);
            }
        } catch (IOException e) {
            // Process gone; EOF below tells the waiter.
        }
        lines.add(EOF);
    }

    private String nextLine(Duration timeout) {
        try {
            String l = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (l == null) {
                fail("relay did not answer within " + timeout.toSeconds() + " s");
            }
            if (EOF.equals(l)) {
                fail("relay exited unexpectedly");
            }
            return l;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends a command and returns the relay's answer; fails on an {@code error} answer. */
    public String command(String line) {
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("relay stdin closed", e);
        }
        String reply = nextLine(REPLY_TIMEOUT);
        if (reply.startsWith("error")) {
            fail("relay: " + line + " -> " + reply);
        }
        return reply;
    }

    /** Sends an injecting command ({@code replay/truncate/flip}) and returns how many packets it injected. */
    public int inject(String line) {
        String reply = command(line);
        String[] f = reply.split("\\s+");
        return Integer.parseInt(f[f.length - 1]);
    }

    /** Parses a {@code stats ...} answer into its key=value numbers. */
    public static Map<String, Long> parseStats(String reply) {
        if (!reply.startsWith("stats ")) {
            throw new IllegalArgumentException("not a stats line: " + reply);
        }
        Map<String, Long> m = new HashMap<>();
        for (String kv : reply.substring(6).trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("bad stats field '" + kv + "' in: " + reply);
            }
            m.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
        }
        return m;
    }

    /** Asks the relay to quit, then makes sure the process is gone. Never throws. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                stdin.write("quit\n");
                stdin.flush();
                process.waitFor(3, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            // Already gone.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (process.isAlive()) {
            Proc.terminate(process.toHandle(), Duration.ofSeconds(3));
        }
    }

    /** Polls {@code ss} until the UDP socket on {@code port} in {@code ns} has nothing left to read. */
    public static void awaitReceiveQueueEmpty(Netns net, String ns, int port) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Proc.Result r = net.run(ns, Duration.ofSeconds(5), "ss", "-Huan", "sport = :" + port);
            boolean empty = r.ok();
            for (String line : r.output().split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 2 && !"0".equals(f[1])) {
                    empty = false;
                }
            }
            if (empty) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("the peer's UDP socket still has unread data after 10 s:\n" + r.output());
            }
            Peer.pause();
        }
    }
}
