package org.culvert.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two fresh network namespaces, {@code a} and {@code b}, joined by a veth pair: {@code 10.201.N.1/24}
 * in a, {@code 10.201.N.2/24} in b, {@code lo} up in both. N and the names ({@code cvt-<pid>-<n>-a/b})
 * are unique per instance, so tests never meet each other or anything else on the machine.
 *
 * <p>Every process started through {@link #start} is remembered; {@link #close()} stops them by PID
 * (SIGTERM, then SIGKILL after a bounded wait, descendants included), then kills anything still
 * inside the namespaces and deletes them. Use it with try-with-resources: teardown runs whether the
 * test passed or not. A JVM shutdown hook closes whatever is still open if the test JVM is stopped.
 * Instances are used from the test thread only.
 */
public final class Netns implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Set<Netns> OPEN = ConcurrentHashMap.newKeySet();
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_GRACE = Duration.ofSeconds(8);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Netns n : OPEN.toArray(new Netns[0])) {
                n.close();
            }
        }, "e2e-netns-cleanup"));
    }

    private final int subnet;
    private final String a;
    private final String b;
    private final List<ProcessHandle> started = new ArrayList<>();
    /** Namespaces added with {@link #addLinkedToA}, removed at close. */
    private final List<String> extras = new ArrayList<>();
    private boolean closed;

    private Netns(int n) {
        long pid = ProcessHandle.current().pid();
        this.subnet = (n % 250) + 1;
        this.a = "cvt-" + pid + "-" + n + "-a";
        this.b = "cvt-" + pid + "-" + n + "-b";
    }

    /** Creates the namespaces and the veth pair; on any failure removes what was made and throws. */
    public static Netns create() {
        Netns net = new Netns(COUNTER.incrementAndGet());
        OPEN.add(net);
        try {
            net.setUp();
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    private void setUp() {
        Proc.run(CMD_TIMEOUT, "ip", "netns", "add", a).check();
        Proc.run(CMD_TIMEOUT, "ip", "netns", "add", b).check();
        // Created inside a with its peer directly in b: the names never touch the root namespace.
        Proc.run(CMD_TIMEOUT, "ip", "-n", a, "link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b", "netns", b).check();
        Proc.run(CMD_TIMEOUT, "ip", "-n", a, "addr", "add", linkAddrA() + "/24", "dev", "veth-a").check();
        Proc.run(CMD_TIMEOUT, "ip", "-n", b, "addr", "add", linkAddrB() + "/24", "dev", "veth-b").check();
        for (String[] up : new String[][] {{a, "veth-a"}, {b, "veth-b"}, {a, "lo"}, {b, "lo"}}) {
            Proc.run(CMD_TIMEOUT, "ip", "-n", up[0], "link", "set", up[1], "up").check();
        }
    }

    /**
     * One more namespace ({@code k} from 1 to 9) with a veth link of its own to a: a's end
     * {@code 10.(210+k).N.1}, the new namespace's {@code 10.(210+k).N.2} (see {@link #linkAddrToA}); for
     * servers in a that serve clients from several namespaces. Removed at {@link #close}.
     *
     * @return the namespace's name
     */
    public synchronized String addLinkedToA(int k) {
        if (k < 1 || k > 9) {
            throw new IllegalArgumentException("k " + k);
        }
        String ns = a.substring(0, a.length() - 1) + "c" + k;
        extras.add(ns);
        Proc.run(CMD_TIMEOUT, "ip", "netns", "add", ns).check();
        Proc.run(CMD_TIMEOUT, "ip", "-n", a, "link", "add", "veth-c" + k, "type", "veth", "peer", "name", "veth-a", "netns", ns).check();
        Proc.run(CMD_TIMEOUT, "ip", "-n", a, "addr", "add", "10." + (210 + k) + "." + subnet + ".1/24", "dev", "veth-c" + k).check();
        Proc.run(CMD_TIMEOUT, "ip", "-n", ns, "addr", "add", "10." + (210 + k) + "." + subnet + ".2/24", "dev", "veth-a").check();
        for (String[] up : new String[][] {{a, "veth-c" + k}, {ns, "veth-a"}, {ns, "lo"}}) {
            Proc.run(CMD_TIMEOUT, "ip", "-n", up[0], "link", "set", up[1], "up").check();
        }
        return ns;
    }

    /** a's address on the link to the namespace {@link #addLinkedToA}{@code (k)} made. */
    public String linkAddrToA(int k) {
        return "10." + (210 + k) + "." + subnet + ".1";
    }

    public String a() {
        return a;
    }

    public String b() {
        return b;
    }

    /** The N in 10.201.N.x / 10.202.N.x. */
    public int subnet() {
        return subnet;
    }

    /** a's address on the veth link (the "outer" network the VPN runs over). */
    public String linkAddrA() {
        return "10.201." + subnet + ".1";
    }

    public String linkAddrB() {
        return "10.201." + subnet + ".2";
    }

    /** The tunnel address the test gives the peer in a ({@code --ifconfig}). */
    public String tunAddrA() {
        return "10.202." + subnet + ".1";
    }

    public String tunAddrB() {
        return "10.202." + subnet + ".2";
    }

    /** The namespace opposite {@code ns}. */
    public String other(String ns) {
        return ns.equals(a) ? b : a;
    }

    /** The given namespace's tunnel address. */
    public String tunAddr(String ns) {
        return ns.equals(a) ? tunAddrA() : tunAddrB();
    }

    /**
     * Starts {@code command} inside {@code ns} ({@code ip netns exec}, which execs, so the returned
     * process's PID is the command's own), stdout and stderr appended to {@code log}, stdin empty.
     */
    public Process start(String ns, Path cwd, Path log, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(inNs(ns, command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        return track(pb);
    }

    /** Like {@link #start} but with stdin/stdout as pipes (stderr to {@code log}): for the relay. */
    public Process startPiped(String ns, Path log, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(inNs(ns, command)).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return track(pb);
    }

    private Process track(ProcessBuilder pb) {
        if (closed) {
            throw new IllegalStateException("namespaces already closed");
        }
        try {
            Process p = pb.start();
            started.add(p.toHandle());
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", pb.command()), e);
        }
    }

    /** Runs a short command inside {@code ns} and waits for it (killed after {@code timeout}). */
    public Proc.Result run(String ns, Duration timeout, String... command) {
        return Proc.run(timeout, inNs(ns, Arrays.asList(command)));
    }

    /** Whether {@code ns} has a route to {@code addr}: for a tunnel address, whether the tun device is configured. */
    public boolean hasRoute(String ns, String addr) {
        return Proc.run(CMD_TIMEOUT, "ip", "-n", ns, "route", "get", addr).ok();
    }

    /** {@code ip -n NS link} output, one interface per line ({@code -o}). */
    public List<String> links(String ns) {
        String out = Proc.run(CMD_TIMEOUT, "ip", "-o", "-n", ns, "link").check().output();
        List<String> names = new ArrayList<>();
        for (String line : out.split("\n")) {
            // "7: tun0: <POINTOPOINT,...> mtu 1500 ..." ; veth shows as "veth-a@if6".
            String[] f = line.split(":\\s+", 3);
            if (f.length >= 2) {
                String name = f[1];
                int at = name.indexOf('@');
                names.add(at >= 0 ? name.substring(0, at) : name);
            }
        }
        return names;
    }

    private static List<String> inNs(String ns, List<String> command) {
        // A test JVM started as a background job inherits SIGINT ignored and passes that on to its children,
        // where no JVM or shell may undo it: env resets it, so a peer stops on SIGINT as it would from a terminal.
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns, "env", "--default-signal=INT"));
        full.addAll(command);
        return full;
    }

    /** Stops every started process, then removes both namespaces. Idempotent; never throws. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            ProcessHandle h = started.get(i);
            if (h.isAlive()) {
                Proc.terminate(h, STOP_GRACE);
            }
        }
        List<String> all = new ArrayList<>(List.of(a, b));
        synchronized (this) {
            all.addAll(extras);
        }
        for (String ns : all) {
            killLeftovers(ns);
            Proc.Result r = Proc.run(CMD_TIMEOUT, "ip", "netns", "del", ns);
            if (!r.ok() && !r.output().contains("No such file")) {
                System.err.println("[e2e] could not delete namespace " + ns + ": " + r.output().trim());
            }
        }
        OPEN.remove(this);
    }

    /** Anything still running in a namespace we made was started by this test: stop it by PID. */
    private void killLeftovers(String ns) {
        Proc.Result r = Proc.run(CMD_TIMEOUT, "ip", "netns", "pids", ns);
        if (!r.ok()) {
            return;
        }
        for (String line : r.output().split("\\s+")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                ProcessHandle.of(Long.parseLong(line.trim())).ifPresent(h -> Proc.terminate(h, STOP_GRACE));
            } catch (NumberFormatException e) {
                // Not a PID line (an error message); ignore.
            }
        }
    }

    @Override
    public String toString() {
        return a + " <-> " + b + " (10.201." + subnet + ".0/24)";
    }
}
