package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sends test traffic through a tunnel with {@code ping} and {@code iperf3}, and parses what they report. */
public final class Traffic {
    private static final Pattern PING_COUNTS = Pattern.compile("(\\d+) packets transmitted, (\\d+) (?:packets )?received");
    private static final Pattern PING_RTT = Pattern.compile("rtt min/avg/max/mdev = ([\\d.]+)/([\\d.]+)/([\\d.]+)/([\\d.]+) ms");
    private static final int IPERF_PORT = 5201;

    private Traffic() {
    }

    /** A ping summary. {@code avgMs} is NaN when nothing came back (ping prints no rtt line then). */
    public record PingResult(int transmitted, int received, double avgMs) {
        public int lost() {
            return transmitted - received;
        }
    }

    /** One bidirectional iperf3 run, in bits per second as received at each end. */
    public record IperfResult(double clientToServerBps, double serverToClientBps, long clientToServerBytes, long serverToClientBytes) {
        public String describe() {
            return mbit(clientToServerBps) + " Mbit/s client->server, " + mbit(serverToClientBps) + " Mbit/s server->client";
        }
    }

    /** Parses the summary lines of iputils {@code ping}; throws if there is none. */
    public static PingResult parsePing(String output) {
        Matcher m = PING_COUNTS.matcher(output);
        if (!m.find()) {
            throw new IllegalArgumentException("no ping summary in output:\n" + output);
        }
        int tx = Integer.parseInt(m.group(1));
        int rx = Integer.parseInt(m.group(2));
        Matcher r = PING_RTT.matcher(output);
        double avg = r.find() ? Double.parseDouble(r.group(2)) : Double.NaN;
        return new PingResult(tx, rx, avg);
    }

    /** {@code ping -c COUNT -i 0.05 -s SIZE -W 2 ADDR} from {@code ns}. */
    public static PingResult ping(Netns net, String ns, String addr, int size, int count) {
        Proc.Result r = net.run(ns, Duration.ofSeconds(10L + count), "ping", "-n", "-c", Integer.toString(count), "-i", "0.05",
                "-s", Integer.toString(size), "-W", "2", addr);
        return parsePing(r.output());
    }

    /**
     * A steady stream: {@code ping -O -c COUNT -i INTERVAL -s SIZE -W 2 ADDR}. {@code -O} makes ping
     * print "no answer yet for icmp_seq=N" for each late reply, so a failure can say which ones.
     */
    public static Proc.Result pingStream(Netns net, String ns, String addr, int size, int count, String intervalSeconds) {
        double interval = Double.parseDouble(intervalSeconds);
        return net.run(ns, Duration.ofSeconds(15L + (long) Math.ceil(count * interval)), "ping", "-n", "-O", "-c", Integer.toString(count),
                "-i", intervalSeconds, "-s", Integer.toString(size), "-W", "2", addr);
    }

    /** The "no answer yet" lines of a {@link #pingStream} output (which packets were late or lost). */
    public static String unanswered(String pingOutput) {
        StringBuilder sb = new StringBuilder();
        for (String line : pingOutput.split("\n")) {
            if (line.contains("no answer")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * Pings for {@code seconds} ({@code ping -w SECONDS -i 0.25 -W 1}), however many replies come: for
     * checking that a tunnel which must not come up passes nothing. Returns null when ping could not
     * start because {@code ns} had no route to {@code addr} at that moment (the tun device was down,
     * e.g. between a failed handshake and the retry); once started, ping keeps going through such gaps.
     */
    public static PingResult pingFor(Netns net, String ns, String addr, int seconds) {
        Proc.Result r = net.run(ns, Duration.ofSeconds(seconds + 10L), "ping", "-n", "-q", "-w", Integer.toString(seconds), "-i", "0.25", "-W",
                "1", addr);
        if (!PING_COUNTS.matcher(r.output()).find() && r.output().contains("Network is unreachable")) {
            return null;
        }
        return parsePing(r.output());
    }

    /** Pings {@code count} times at each size and asserts that nothing was lost. */
    public static String assertPingsAllSizes(Netns net, String ns, String addr, int count) {
        StringBuilder sb = new StringBuilder("ping");
        for (int size : new int[] {64, 1400, 3000}) {
            PingResult p = ping(net, ns, addr, size, count);
            assertEquals(count, p.transmitted(), "ping -s " + size + " transmitted");
            if (p.lost() != 0) {
                fail("ping -s " + size + " to " + addr + ": " + p.lost() + " of " + count + " lost; interface counters:\n" + interfaceStats(net));
            }
            sb.append(' ').append(size).append("B:").append(fmtMs(p.avgMs())).append("ms");
        }
        return sb.append(" (0 lost)").toString();
    }

    /** {@code ip -s link} of both namespaces: shows where packets were dropped (tun queue, veth, ...). */
    public static String interfaceStats(Netns net) {
        StringBuilder sb = new StringBuilder();
        for (String ns : List.of(net.a(), net.b())) {
            sb.append("--- ").append(ns).append(" ---\n").append(net.run(ns, Duration.ofSeconds(5), "ip", "-s", "link").output());
        }
        return sb.toString();
    }

    /**
     * Runs an iperf3 server in {@code serverNs} bound to {@code serverAddr} (one test, then it exits)
     * and a {@code --bidir} client in {@code clientNs} for {@code seconds}.
     */
    public static IperfResult iperfBidir(Netns net, String serverNs, String serverAddr, String clientNs, int seconds, Path dir) {
        Path log = dir.resolve("iperf3-server.log");
        PeerLogs.register("iperf3 server", log);
        Process server = net.start(serverNs, dir, log, List.of("iperf3", "-s", "-1", "-B", serverAddr, "-p", Integer.toString(IPERF_PORT)));
        try {
            awaitListening(net, serverNs, IPERF_PORT, server);
            Proc.Result r = net.run(clientNs, Duration.ofSeconds(seconds + 25L), "iperf3", "-c", serverAddr, "-p", Integer.toString(IPERF_PORT),
                    "-t", Integer.toString(seconds), "--bidir", "-J", "--connect-timeout", "5000");
            if (!r.ok()) {
                fail("iperf3 client failed (exit " + r.exit() + "):\n" + r.output());
            }
            return parseIperfBidir(r.output());
        } finally {
            if (server.isAlive()) {
                Proc.terminate(server.toHandle(), Duration.ofSeconds(3));
            }
        }
    }

    /** Extracts both directions' received rate and bytes from {@code iperf3 --bidir -J} output. */
    public static IperfResult parseIperfBidir(String json) {
        Object root = Json.parse(json);
        Object error = Json.path(root, "error");
        if (error != null) {
            throw new IllegalArgumentException("iperf3 reported an error: " + error);
        }
        return new IperfResult(Json.number(root, "end", "sum_received", "bits_per_second"),
                Json.number(root, "end", "sum_received_bidir_reverse", "bits_per_second"),
                (long) Json.number(root, "end", "sum_received", "bytes"),
                (long) Json.number(root, "end", "sum_received_bidir_reverse", "bytes"));
    }

    /** Asserts that both directions moved data. */
    public static void assertMoved(IperfResult r) {
        assertTrue(r.clientToServerBytes() > 0, "iperf3 moved nothing client->server: " + r.describe());
        assertTrue(r.serverToClientBytes() > 0, "iperf3 moved nothing server->client: " + r.describe());
    }

    private static void awaitListening(Netns net, String ns, int port, Process server) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            if (!server.isAlive()) {
                fail("iperf3 server exited with " + server.exitValue());
            }
            Proc.Result r = net.run(ns, Duration.ofSeconds(5), "ss", "-Hltn", "sport = :" + port);
            if (r.ok() && !r.output().isBlank()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("iperf3 server did not listen within 10 s");
            }
            Peer.pause();
        }
    }

    static String mbit(double bps) {
        return fmt(bps / 1e6);
    }

    static String fmtMs(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
