package org.culvert.example.appliance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelException;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.embed.Culvert;
import org.culvert.embed.CulvertException;
import org.culvert.embed.EmbeddedTunnel;

/**
 * An appliance that embeds Culvert: the smallest program a vendor would start from. It runs one tunnel
 * from the configuration file given on the command line, prints every state change, prints counters
 * on request and periodically, and shuts down cleanly, showing that no thread is left behind.
 *
 * <pre>
 * java -Dculvert.bundles=distribution/target/bundles -cp APPLIANCE_AND_LIBRARY_JARS \
 *     org.culvert.example.appliance.Appliance office.conf [--name office] [--counters-every SECONDS]
 * </pre>
 * ({@code run.sh CONFIG} beside this module's pom does exactly that in a built repository.)
 *
 * <p>Standard output, one line each: {@code STATE <name> <state> <reason> <detail>} on every change,
 * {@code OPENVPN <name> <client state>[,<description>]} on every step of OpenVPN's client states,
 * {@code COUNTERS <name> <state> tun_read_bytes=N tun_write_bytes=N link_read_bytes=N link_write_bytes=N ...},
 * {@code LOG <name> <level> <message>}, and at the end {@code THREADS before=N after=M}. Standard input
 * takes the commands {@code counters}, {@code restart} (SIGUSR1), {@code threads} and {@code quit} (end of
 * input is {@code quit}).
 * Exits 0 when the thread count is back at its start, 1 if the tunnel could not be started, 2 if a
 * thread was left.
 */
public final class Appliance {
    private static final long JDK_POOL_WAIT_MILLIS = 75_000;

    private Appliance() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length < 1 || args[0].startsWith("-")) {
            System.err.println("usage: Appliance CONFIG_FILE [--name NAME] [--counters-every SECONDS]   (-Dculvert.bundles=DIR)");
            return 1;
        }
        Path config = Path.of(args[0]);
        String name = option(args, "--name", "appliance");
        long countersEvery = Long.parseLong(option(args, "--counters-every", "10"));

        // Every thread alive before Culvert starts; after close() the JVM should be back to these.
        Set<Thread> before = liveThreads();

        Culvert culvert;
        try {
            // The bundle folder comes from -Dculvert.bundles; .bundleDir(path) would name it in code.
            culvert = Culvert.builder().start();
        } catch (CulvertException e) {
            System.out.println("ERROR " + e.reason() + " " + e.getMessage());
            return 1;
        }
        // On SIGTERM or Ctrl-C the JVM exits; close Culvert first so the tunnel says goodbye and frees its device.
        Thread onExit = new Thread(culvert::close, "appliance-shutdown");
        Runtime.getRuntime().addShutdownHook(onExit);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "appliance-counters"));
        try {
            // Called on Culvert's event thread, in order; a slow host here never stalls the tunnel.
            culvert.addListener(e -> {
                boolean stateChanged = e.previous().state() != e.state() || e.previous().reason() != e.reason();
                if (stateChanged || !e.isClientStep()) {
                    System.out.println("STATE " + e.tunnelName() + " " + e.state() + " " + e.reason() + " " + e.current().detail());
                }
                if (e.isClientStep()) {
                    // OpenVPN's client state, as its management interface would show it.
                    ClientStatus c = e.clientState();
                    System.out.println("OPENVPN " + e.tunnelName() + " " + c.state() + (c.description().isEmpty() ? "" : "," + c.description()));
                }
            });
            culvert.addLogListener((tunnel, entry) -> System.out.println("LOG " + tunnel.name() + " " + entry.level() + " " + entry.message()));

            EmbeddedTunnel tunnel;
            try {
                tunnel = culvert.startFromFile(name, config);
            } catch (TunnelException e) {
                System.out.println("ERROR " + e.reason() + " " + e.getMessage());
                return 1;
            }
            ticker.scheduleAtFixedRate(() -> printCounters(tunnel), countersEvery, countersEvery, TimeUnit.SECONDS);
            readCommands(culvert, tunnel);
        } finally {
            ticker.shutdownNow();
            awaitQuietly(ticker);
            // Stops the tunnel (STATE ... STOPPED USER_STOP is printed before this returns) and every Culvert thread.
            culvert.close();
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is exiting already; the hook's close() is a no-op after ours.
            }
        }
        List<Thread> extra = awaitJdkPools(before);
        int after = liveThreads().size();
        System.out.println("THREADS before=" + before.size() + " after=" + after);
        if (after > before.size()) {
            System.out.println("LEFT " + names(extra));
            return 2;
        }
        return 0;
    }

    /** Commands from standard input until {@code quit} or its end. */
    private static void readCommands(Culvert culvert, EmbeddedTunnel tunnel) {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = in.readLine()) != null) {
                switch (line.trim()) {
                    case "counters":
                        printCounters(tunnel);
                        break;
                    case "restart":
                        tunnel.signal(TunnelSignal.SIGUSR1);
                        break;
                    case "threads":
                        System.out.println("RUNNING threads=" + liveThreads().size() + " culvert=" + culvert.ownedThreads().size());
                        break;
                    case "quit":
                        return;
                    case "":
                        break;
                    default:
                        System.out.println("ERROR unknown command '" + line.trim() + "' (counters, restart, threads, quit)");
                }
            }
        } catch (IOException | TunnelException e) {
            System.out.println("ERROR " + e.getMessage());
        }
    }

    private static void printCounters(EmbeddedTunnel tunnel) {
        TunnelCounters c = tunnel.snapshot().counters();
        System.out.println("COUNTERS " + tunnel.name() + " " + tunnel.status().state()
                + " tun_read_bytes=" + c.tunReadBytes() + " tun_write_bytes=" + c.tunWriteBytes()
                + " link_read_bytes=" + c.linkReadBytes() + " link_write_bytes=" + c.linkWriteBytes()
                + " tun_read_packets=" + c.tunReadPackets() + " tun_write_packets=" + c.tunWritePackets()
                + " restarts=" + c.restarts() + " drops=" + c.totalDrops());
    }

    /**
     * Culvert's close() has ended every thread Culvert started. What may remain are threads the JDK
     * pools for the whole JVM in its "system" thread group: the "process reaper" that waited for the tun
     * driver's `ip` commands ends by itself 60 s after the last one exited. Wait for those (by joining
     * them) so that the count is honest; any other new thread is reported at once.
     */
    private static List<Thread> awaitJdkPools(Set<Thread> before) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JDK_POOL_WAIT_MILLIS);
        while (true) {
            List<Thread> extra = new ArrayList<>(liveThreads());
            extra.removeAll(before);
            List<Thread> pooled = new ArrayList<>();
            for (Thread t : extra) {
                ThreadGroup g = t.getThreadGroup();
                if (g != null && g.getParent() == null) {
                    pooled.add(t);
                }
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (pooled.isEmpty() || pooled.size() < extra.size() || left <= 0) {
                return extra;
            }
            System.out.println("WAITING for the JDK's " + names(pooled) + " to end by itself");
            try {
                pooled.get(0).join(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return extra;
            }
        }
    }

    private static Set<Thread> liveThreads() {
        Set<Thread> live = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive()) {
                live.add(t);
            }
        }
        return live;
    }

    private static String names(List<Thread> threads) {
        List<String> n = new ArrayList<>();
        for (Thread t : threads) {
            n.add("'" + t.getName() + "'");
        }
        return String.join(", ", n);
    }

    private static void awaitQuietly(ScheduledExecutorService s) {
        try {
            s.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String option(String[] args, String flag, String fallback) {
        for (int i = 1; i + 1 < args.length; i++) {
            if (args[i].equals(flag)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
