package org.culvert.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stock OpenVPN 2.6 peer in a network namespace of its own, for tunnels whose Culvert end runs in
 * this JVM on a real Linux tun device: the test JVM cannot enter a namespace (the tunnel threads are
 * started by SCR's and ConfigAdmin's threads, which stay in the root namespace), so the namespace
 * holds the other end. A veth pair joins them: {@code 10.213.S.1/30} on the root side (Culvert's
 * link address), {@code 10.213.S.2/30} in the namespace (OpenVPN's); inside the tunnel Culvert is
 * {@code 10.214.S.1} and OpenVPN {@code 10.214.S.2}. S and the names are unique per process and
 * instance, so nothing else on the machine is touched. Ping runs inside the namespace towards
 * Culvert's tunnel address, so every echo crosses both tun devices and the link.
 *
 * <p>Processes are stopped by PID; {@link #close()} (idempotent, never throws) stops them, and
 * deleting the namespace removes both ends of the veth pair. Used from the test thread only.
 */
final class NetnsPeer implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final long COMMAND_TIMEOUT_SECONDS = 20;
    /** {@code ping -D}: "[1733580000.123456] 64 bytes from 10.214.S.1: icmp_seq=12 ttl=64 time=0.5 ms". */
    private static final Pattern REPLY = Pattern.compile("^\\[(\\d+)\\.(\\d{6})\\] \\d+ bytes from .*icmp_seq=(\\d+)", Pattern.MULTILINE);

    private static final String LISTENING = "Listening for incoming TCP connection";

    final int subnet;
    final String namespace;
    private final String rootVeth;
    private final Path dir;
    private final Path key;
    private final List<Process> processes = new ArrayList<>();
    private Process openvpn;
    private Path openvpnLog;
    private Process ping;
    private Path pingLog;
    private boolean closed;

    private NetnsPeer(int n, TunnelFiles files) {
        long pid = ProcessHandle.current().pid();
        this.subnet = (int) ((pid * 7 + n) % 250) + 1;
        this.namespace = "cvh7-" + pid + "-" + n;
        this.rootVeth = "cvh7r" + (pid % 10000) + n;
        this.dir = files.dir();
        this.key = files.key();
    }

    /**
     * Creates the namespace and the veth pair; both ends use {@code files}' static key, and the logs go
     * to its folder. On failure removes what was made.
     */
    static NetnsPeer create(TunnelFiles files) throws IOException, InterruptedException {
        NetnsPeer p = new NetnsPeer(COUNTER.incrementAndGet(), files);
        try {
            // OpenVPN warns about a key file others may read, as it should.
            Files.setPosixFilePermissions(p.key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            run("ip", "netns", "add", p.namespace);
            run("ip", "link", "add", p.rootVeth, "type", "veth", "peer", "name", "veth-peer", "netns", p.namespace);
            run("ip", "addr", "add", p.linkRoot() + "/30", "dev", p.rootVeth);
            run("ip", "link", "set", p.rootVeth, "up");
            run("ip", "-n", p.namespace, "addr", "add", p.linkPeer() + "/30", "dev", "veth-peer");
            run("ip", "-n", p.namespace, "link", "set", "veth-peer", "up");
            run("ip", "-n", p.namespace, "link", "set", "lo", "up");
        } catch (IOException | InterruptedException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    String linkRoot() {
        return "10.213." + subnet + ".1";
    }

    String linkPeer() {
        return "10.213." + subnet + ".2";
    }

    /** Culvert's address inside the tunnel. */
    String tunRoot() {
        return "10.214." + subnet + ".1";
    }

    /** OpenVPN's address inside the tunnel. */
    String tunPeer() {
        return "10.214." + subnet + ".2";
    }

    /**
     * The Culvert side's configuration: static key (direction 0), {@code proto} {@code udp} or
     * {@code tcp-client}, talking to the namespace's OpenVPN on port 1194.
     */
    String culvertConfig(String proto) {
        return "dev tun\n"
                + "proto " + proto + "\n"
                + (proto.startsWith("tcp") ? "nobind\n" : "local " + linkRoot() + "\nlport 1194\n")
                + "remote " + linkPeer() + "\n"
                + "rport 1194\n"
                + "ifconfig " + tunRoot() + " " + tunPeer() + "\n"
                + "cipher AES-256-CBC\n"
                + "auth SHA256\n"
                + "secret " + key.toAbsolutePath() + " 0\n"
                + "connect-retry 1 1\n";
    }

    /**
     * Starts stock OpenVPN in the namespace ({@code proto} {@code udp} or {@code tcp-server}) and waits
     * until its device is configured.
     */
    void startOpenVpn(String proto) throws Exception {
        openvpnLog = dir.resolve("openvpn-" + namespace + ".log");
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace, "openvpn",
                "--dev", "tun", "--proto", proto, "--local", linkPeer(), "--lport", "1194",
                "--ifconfig", tunPeer(), tunRoot(), "--secret", key.toAbsolutePath().toString(), "1",
                "--cipher", "AES-256-CBC", "--auth", "SHA256", "--verb", "3"));
        if (proto.equals("udp")) {
            cmd.addAll(List.of("--remote", linkRoot(), "--rport", "1194"));
        }
        openvpn = start(cmd, openvpnLog);
        // Static-key OpenVPN completes its initialisation only once the peer is seen; its link is ready before.
        String ready = proto.equals("udp") ? "UDPv4 link remote" : LISTENING;
        Poll.until("stock OpenVPN in " + namespace + " logging '" + ready + "'", Platform.TIMEOUT_MILLIS,
                () -> log(openvpnLog).contains(ready) || !openvpn.isAlive(), () -> log(openvpnLog));
        if (!openvpn.isAlive()) {
            throw new IOException("stock OpenVPN exited " + openvpn.exitValue() + ":\n" + log(openvpnLog));
        }
    }

    /** How often a tcp-server OpenVPN has started listening: it listens again after each lost connection. */
    int timesListening() throws IOException {
        int n = 0;
        for (int i = log(openvpnLog).indexOf(LISTENING); i >= 0; i = log(openvpnLog).indexOf(LISTENING, i + 1)) {
            n++;
        }
        return n;
    }

    /** Starts a ping every 50 ms from OpenVPN's side to Culvert's tunnel address, timestamped (-D). */
    void startPing() throws IOException {
        pingLog = dir.resolve("ping-" + namespace + ".log");
        ping = start(List.of("ip", "netns", "exec", namespace, "ping", "-n", "-D", "-i", "0.05", "-W", "1", tunRoot()), pingLog);
    }

    /**
     * Waits for an echo reply received at or after {@code sinceMillis} (wall clock, as ping's -D
     * timestamps).
     *
     * @return its receive time in wall-clock milliseconds
     */
    long awaitReplyAfter(long sinceMillis, long timeoutMillis, String what) throws Exception {
        long[] at = { -1 };
        Poll.until(what + ": an echo reply through the tunnel", timeoutMillis, () -> {
            at[0] = firstReplyAtOrAfter(sinceMillis);
            return at[0] >= 0;
        }, () -> "ping " + (ping.isAlive() ? "running" : "exited") + ", last lines: " + tail(log(pingLog), 3)
                + "; OpenVPN: " + tail(log(openvpnLog), 4));
        return at[0];
    }

    /** How many echo replies were received at or after {@code sinceMillis}. */
    int repliesSince(long sinceMillis) throws IOException {
        int n = 0;
        Matcher m = REPLY.matcher(log(pingLog));
        while (m.find()) {
            if (millis(m) >= sinceMillis) {
                n++;
            }
        }
        return n;
    }

    private long firstReplyAtOrAfter(long sinceMillis) throws IOException {
        Matcher m = REPLY.matcher(log(pingLog));
        while (m.find()) {
            long t = millis(m);
            if (t >= sinceMillis) {
                return t;
            }
        }
        return -1;
    }

    private static long millis(Matcher m) {
        return Long.parseLong(m.group(1)) * 1000 + Long.parseLong(m.group(2)) / 1000;
    }

    String openVpnLog() throws IOException {
        return log(openvpnLog);
    }

    private static String log(Path p) throws IOException {
        return p != null && Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join(" | ", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
    }

    private Process start(List<String> command, Path log) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        processes.add(p);
        return p;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + new String(out, StandardCharsets.UTF_8));
        }
    }

    /** Stops ping and OpenVPN by PID (SIGTERM, then SIGKILL), then deletes the namespace and with it the veth pair. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        try {
            run("ip", "netns", "del", namespace);
        } catch (IOException | InterruptedException e) {
            // Never created, or already gone.
        }
        try {
            run("ip", "link", "del", rootVeth);
        } catch (IOException | InterruptedException e) {
            // Normally gone with the namespace (deleting one end of a veth pair deletes both).
        }
    }
}
