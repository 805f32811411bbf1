package org.culvert.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.LogManager;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelException;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.culvert.embed.Culvert;

/**
 * The {@code culvert} command: runs one tunnel in the foreground the way {@code openvpn} does.
 *
 * <pre>
 * culvert --config p2p.conf
 * culvert --dev tun --proto udp --secret static.key 1 --ifconfig 10.8.0.2 10.8.0.1 --remote peer
 * </pre>
 *
 * Options are OpenVPN's (one parser serves files, this command line and {@code tunnel:start}); three
 * more pick plugins: {@code --culvert-driver}, {@code --culvert-backend}, {@code --culvert-transport}
 * (a plugin name or an LDAP filter). Logs "Initialization Sequence Completed" when the tunnel is up;
 * exits 1 with one clear line on a bad option, and when the tunnel fails (AUTH_FAILED with
 * {@code --auth-retry none}, credentials that cannot be had); asks {@code --auth-user-pass} credentials
 * on the terminal; stops cleanly on SIGINT/SIGTERM; restarts on SIGUSR1, re-reads its configuration and
 * restarts on SIGHUP, and logs its counters on SIGUSR2.
 */
public final class Main {
    private static final String TUNNEL_NAME = "culvert";
    /** Read by the TLS engine's password source: only a host that owns the console lets it prompt. */
    static final String CONSOLE_PROMPTS = "org.culvert.consolePrompts";
    /** Held so that JUL keeps its level (JUL holds loggers weakly); set only after the log manager is chosen. */
    private static java.util.logging.Logger tunnelFallbackLogger;

    static {
        // Must happen before the first use of java.util.logging (see ShutdownSafeLogManager).
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.class.getName());
        }
    }

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] argv) {
        configureLogging();
        // This command owns its terminal: passwords (--askpass without a file) may be asked there.
        System.setProperty(CONSOLE_PROMPTS, "true");
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        if (args.isEmpty() || args.contains("--help") || args.contains("-h")) {
            System.out.println("usage: culvert --config FILE | culvert --OPTION ARGS...   (OpenVPN point-to-point options)");
            System.out.println("       plugin choice: --culvert-driver NAME|FILTER --culvert-backend NAME|FILTER --culvert-transport NAME|FILTER");
            return args.isEmpty() ? 1 : 0;
        }
        logJava();
        StartTrace.step("launcher running");
        Map<String, String> filters = new LinkedHashMap<>();
        try {
            takeFilter(args, "--culvert-driver", TunnelManager.PROP_DRIVER_TARGET, filters);
            takeFilter(args, "--culvert-backend", TunnelManager.PROP_BACKEND_TARGET, filters);
            takeFilter(args, "--culvert-transport", TunnelManager.PROP_TRANSPORT_TARGET, filters);
        } catch (IllegalArgumentException e) {
            System.err.println("Options error: " + e.getMessage());
            return 1;
        }
        Path cwd = Path.of("").toAbsolutePath();
        String configText;
        try {
            configText = CommandLineConfig.toConfigText(args, cwd);
        } catch (IllegalArgumentException e) {
            System.err.println("Options error: " + e.getMessage());
            return 1;
        }
        StartTrace.step("options read");
        Path bundles = bundleDir();
        CountDownLatch finished = new CountDownLatch(1);
        AtomicInteger exitCode = new AtomicInteger(0);
        Culvert culvert;
        try {
            // As openvpn, ask --auth-user-pass credentials on the terminal (or say there is none).
            // No Gogo shell in this command: its bundles would only cost start time.
            culvert = Culvert.builder().bundleDir(bundles).withoutBundles("culvert.shell", "org.apache.felix.gogo.runtime")
                    .credentials(new ConsoleCredentials(ConsoleCredentials.systemConsole())).start();
        } catch (Exception e) {
            System.err.println("cannot start Culvert: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(() -> {
            stopQuietly(culvert);
            finished.countDown();
        }, "culvert-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        // SIGTERM and SIGINT are a normal stop, as for openvpn: stop in order and exit 0.
        onSignal("TERM", finished);
        onSignal("INT", finished);
        culvert.addListener(event -> {
            if (!TUNNEL_NAME.equals(event.tunnelName())) {
                return;
            }
            TunnelStatus current = event.current();
            if (current.state() == TunnelState.UP) {
                StartTrace.step("tunnel up");
                ClassDataArchive.tunnelUp();
            } else if (current.state() == TunnelState.FAILED) {
                System.err.println("tunnel failed: " + current.reason() + (current.detail().isEmpty() ? "" : ": " + current.detail()));
                exitCode.set(1);
                finished.countDown();
            } else if (current.state() == TunnelState.STOPPED) {
                // --ping-exit, --inactive and a management client's SIGTERM end the process as OpenVPN's do, with status 0.
                finished.countDown();
            }
        });
        try {
            Tunnel tunnel = culvert.tunnelManager().start(TUNNEL_NAME, configText, cwd.toString(), filters);
            StartTrace.step("tunnel started");
            TunnelLogPrinter.attach(tunnel, System.out);
            // As openvpn: SIGHUP re-reads the configuration (--config is read again), SIGUSR1 restarts, SIGUSR2 logs the counters.
            forwardSignal("HUP", tunnel, TunnelSignal.SIGHUP);
            forwardSignal("USR1", tunnel, TunnelSignal.SIGUSR1);
            forwardSignal("USR2", tunnel, TunnelSignal.SIGUSR2);
        } catch (TunnelException e) {
            System.err.println("Options error: " + e.getMessage());
            Runtime.getRuntime().removeShutdownHook(hook);
            culvert.close();
            return 1;
        }
        try {
            finished.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            stopQuietly(culvert);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook does the stop.
        }
        return exitCode.get();
    }

    /** The first log line: which Java runs Culvert, and how bin/culvert chose it (-Dculvert.java.choice). */
    private static void logJava() {
        String choice = System.getProperty("culvert.java.choice", "");
        System.getLogger("org.culvert.launcher").log(System.Logger.Level.INFO, "Java " + Runtime.version() + " ("
                + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")" + (choice.isEmpty() ? "" : ": " + choice));
    }

    private static void onSignal(String name, CountDownLatch finished) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                // A signal sent to the process group (as timeout(1) does) may arrive twice: say it once.
                if (finished.getCount() > 0) {
                    System.getLogger("org.culvert.launcher").log(System.Logger.Level.INFO, "SIG" + name + " received, stopping");
                }
                finished.countDown();
            });
        } catch (IllegalArgumentException e) {
            // The signal does not exist here (or the JVM reserves it): the shutdown hook still stops cleanly.
        }
    }

    /** OS signal {@code name} is delivered to the tunnel as OpenVPN's {@code signal}. */
    private static void forwardSignal(String name, Tunnel tunnel, TunnelSignal signal) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> tunnel.signal(signal));
        } catch (IllegalArgumentException e) {
            // The signal does not exist here (Windows) or the JVM reserves it: the management interface still has it.
        }
    }

    private static void stopQuietly(Culvert culvert) {
        if (culvert.isClosed()) {
            return;
        }
        try {
            culvert.stop(TUNNEL_NAME);
        } catch (TunnelException e) {
            // Not there (failed or already stopped): nothing to stop.
        }
        culvert.close();
    }

    private static void takeFilter(List<String> args, String flag, String key, Map<String, String> filters) {
        int i = args.indexOf(flag);
        if (i < 0) {
            return;
        }
        if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(flag + " needs a plugin name or an LDAP filter");
        }
        String v = args.get(i + 1).trim();
        filters.put(key, v.startsWith("(") ? v : "(culvert.plugin.name=" + v + ")");
        args.remove(i + 1);
        args.remove(i);
    }

    /** The distribution's bundle folder: -Dculvert.bundles, else bundles/ beside the launcher jar. */
    static Path bundleDir() {
        String configured = System.getProperty("culvert.bundles");
        if (configured != null) {
            return Path.of(configured);
        }
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(jar) ? jar : jar.getParent();
            return dir.resolve("bundles");
        } catch (Exception e) {
            return Path.of("bundles");
        }
    }

    /** One line per message, with OpenVPN's kind of timestamp, on stdout like openvpn's log. */
    static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %5$s%6$s%n");
        LogManager.getLogManager().reset();
        // Tunnel lines reach the console through TunnelLogPrinter; the core's fallback logger would print them twice.
        tunnelFallbackLogger = java.util.logging.Logger.getLogger("org.culvert.tunnel");
        tunnelFallbackLogger.setLevel(java.util.logging.Level.OFF);
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        java.util.logging.StreamHandler handler = new java.util.logging.StreamHandler(System.out, new java.util.logging.SimpleFormatter()) {
            @Override
            public synchronized void publish(java.util.logging.LogRecord record) {
                super.publish(record);
                flush();
            }
        };
        handler.setLevel(Level.INFO);
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        if (LogManager.getLogManager() instanceof ShutdownSafeLogManager) {
            ((ShutdownSafeLogManager) LogManager.getLogManager()).keepHandlersUntilExit();
        }
    }
}
