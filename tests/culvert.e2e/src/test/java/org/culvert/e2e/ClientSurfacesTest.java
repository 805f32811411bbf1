package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.culvert.e2e.ShippedClientServerTest.Seen;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The same client profile through every surface Culvert offers, against one stock OpenVPN server:
 * OpenVPN's shipped {@code server.conf} (UDP, plus one pushed {@code route} so that routes are compared)
 * in namespace a, and in namespace b, one after another, the shipped {@code client.conf} (changed only
 * in the server's host name) through {@code openvpn --config} (the reference), the headless
 * {@code culvert --config}, the shell's {@code tunnel:start}, a ConfigAdmin factory configuration of
 * {@code org.culvert.tunnel} (made from the shell through the ConfigurationAdmin service, and as a
 * fileinstall {@code .cfg} file: the distribution has no fileinstall, so the test installs it), and the
 * embedding API (the example appliance, {@code Culvert.startFromFile}). Each must give the reference's
 * pushed address, routes and MTU, carry a ping to the server's end, and stop leaving no tun behind.
 */
@ExtendWith(PeerLogs.class)
class ClientSurfacesTest {
    private static final String PUSHED_ROUTE = "192.168.77.0/24";
    private static final Duration UP_TIMEOUT = Duration.ofSeconds(40);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    @BeforeAll
    static void prerequisites() {
        ShippedClientServerTest.prerequisites();
        E2eEnv.requireCulvert();
        if (!Files.isRegularFile(E2eEnv.root().resolve("distribution/target/culvert.jar"))) {
            fail("distribution/target/culvert.jar is missing: build the distribution first");
        }
        ExampleApplianceTest.prerequisites();
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void theShippedClientConfGivesOpenVpnsAddressesAndRoutesThroughEverySurface() throws Exception {
        Path dir = Peer.caseDir("client-surfaces");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "push \"route 192.168.77.0 255.255.255.0\"\n");
            Path conf = clientDir.resolve("client.conf");
            Peer server = ShippedClientServerTest.startServer(net, serverDir, "udp", 1);

            Seen reference = viaCommand(net, Impl.OPENVPN, conf, "openvpn", server);
            assertTrue(reference.routes().stream().anyMatch(r -> r.startsWith(PUSHED_ROUTE + " via 10.8.0.1 dev tun0")),
                    "openvpn did not install the pushed route: " + reference.routes());
            Report.line("client surfaces: openvpn --config client.conf (reference): " + reference.address() + ", routes "
                    + reference.routes() + ", mtu " + reference.mtu());

            same(reference, viaCommand(net, Impl.CULVERT, conf, "culvert", server), "culvert --config");
            same(reference, viaTunnelStart(net, dir, conf, server), "culvert-shell tunnel:start");
            same(reference, viaConfigAdmin(net, dir, conf, server), "ConfigAdmin factory configuration (ConfigurationAdmin service)");
            same(reference, viaCfgFile(net, dir, conf, server), "ConfigAdmin factory configuration (fileinstall .cfg)");
            same(reference, viaEmbedding(net, dir, conf, server), "embedding API (Culvert.startFromFile)");
            server.stop(STOP_TIMEOUT);
        }
    }

    private static void same(Seen reference, Seen seen, String surface) {
        assertEquals(reference.address(), seen.address(), surface + ": the tun's address differs from openvpn's");
        assertEquals(reference.routes(), seen.routes(), surface + ": the client namespace's routes differ from openvpn's");
        assertEquals(reference.mtu(), seen.mtu(), surface + ": the tun's MTU differs from openvpn's");
        Report.line("client surfaces: " + surface + ": " + seen.address() + ", " + seen.routes().size()
                + " routes as openvpn's, mtu " + seen.mtu() + ", up in " + seen.upMillis() + " ms, ping to 10.8.0.1, stopped leaving no tun");
    }

    /** {@code openvpn --config} or {@code culvert --config}: up, checked, stopped by SIGTERM (exit 0). */
    private static Seen viaCommand(Netns net, Impl impl, Path conf, String label, Peer server) {
        long start = System.nanoTime();
        try (Peer client = Peer.startConfigFile(net, net.b(), impl, conf, conf.getParent(), "client-" + label)) {
            Seen seen = awaitUp(net, label, start, server, client::isAlive);
            assertEquals(0, client.stop(STOP_TIMEOUT), label + " exit status");
            ShippedClientServerTest.awaitNoTun(net);
            return seen;
        }
    }

    /** What one shell session does to start and to stop its tunnel. */
    private interface ShellSteps {
        void start(LineProcess shell) throws Exception;

        void stop(LineProcess shell) throws Exception;
    }

    /** The shell's tunnel:start, then tunnel:stop. */
    private static Seen viaTunnelStart(Netns net, Path dir, Path conf, Peer server) throws Exception {
        return viaShell(net, dir, "tunnel:start", "surfaces-shell", List.of(), server, new ShellSteps() {
            @Override
            public void start(LineProcess shell) throws Exception {
                shell.send("tunnel:start surfaces-shell " + conf);
                shell.await("tunnel surfaces-shell started", 0, UP_TIMEOUT);
            }

            @Override
            public void stop(LineProcess shell) throws Exception {
                int mark = shell.lineCount();
                shell.send("tunnel:stop surfaces-shell");
                shell.await("tunnel surfaces-shell stopped", mark, STOP_TIMEOUT);
            }
        });
    }

    /**
     * A factory configuration of {@code org.culvert.tunnel} created through the ConfigurationAdmin service
     * (from Gogo, as a host's code would); deleting it stops the tunnel.
     */
    private static Seen viaConfigAdmin(Netns net, Path dir, Path conf, Peer server) throws Exception {
        return viaShell(net, dir, "ConfigurationAdmin", "surfaces-cm", List.of(), server, new ShellSteps() {
            @Override
            public void start(LineProcess shell) throws Exception {
                shell.send("ctx = ${.context}");
                shell.send("ca = ($ctx getService ($ctx getServiceReference org.osgi.service.cm.ConfigurationAdmin))");
                shell.send("c = ($ca getFactoryConfiguration org.culvert.tunnel surfaces-cm \"?\")");
                shell.send("p = (new java.util.Hashtable)");
                shell.send("$p put name surfaces-cm");
                shell.send("$p put configFile " + conf);
                shell.send("$c update $p");
            }

            @Override
            public void stop(LineProcess shell) throws Exception {
                shell.send("$c delete");
            }
        });
    }

    /**
     * A fileinstall {@code .cfg} file (docs/osgi-hosts.md): Felix FileInstall, installed into the shell's
     * framework, watches a folder; the file is written beside it and moved in, and deleting it stops the tunnel.
     */
    private static Seen viaCfgFile(Netns net, Path dir, Path conf, Peer server) throws Exception {
        String jar = System.getProperty("culvert.e2e.fileinstall");
        assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "no fileinstall jar (culvert.e2e.fileinstall): " + jar);
        Path watched = dir.resolve("fileinstall");
        Files.createDirectories(watched);
        Path cfg = watched.resolve("org.culvert.tunnel-surfaces.cfg");
        List<String> env = List.of("CULVERT_JAVA_OPTS=-Dfelix.fileinstall.dir=" + watched + " -Dfelix.fileinstall.poll=200");
        return viaShell(net, dir, "fileinstall .cfg", "surfaces-cfg", env, server, new ShellSteps() {
            @Override
            public void start(LineProcess shell) throws Exception {
                int mark = shell.lineCount();
                shell.send("start file:" + jar);
                shell.send("lb -s fileinstall");
                shell.await("Active.*org\\.apache\\.felix\\.fileinstall", mark, UP_TIMEOUT);
                // Written elsewhere and moved in, so that fileinstall never reads half of it.
                Path tmp = dir.resolve("org.culvert.tunnel-surfaces.cfg.tmp");
                Files.writeString(tmp, "name = surfaces-cfg\nconfigFile = " + conf + "\n");
                Files.move(tmp, cfg, StandardCopyOption.ATOMIC_MOVE);
            }

            @Override
            public void stop(LineProcess shell) throws Exception {
                Files.delete(cfg);
            }
        });
    }

    /**
     * The interactive shell, commands on its standard input: {@code steps} start the tunnel, tunnel:list must
     * show it UP once the pushed route is in, {@code steps} stop it, then the device and the list entry must go
     * and Felix's stop 0 must end the process.
     */
    private static Seen viaShell(Netns net, Path dir, String surface, String name, List<String> env, Peer server, ShellSteps steps)
            throws Exception {
        long start = System.nanoTime();
        List<String> command = new ArrayList<>();
        if (!env.isEmpty()) {
            command.add("env");
            command.addAll(env);
        }
        command.add(E2eEnv.root().resolve("distribution/bin/culvert-shell").toString());
        try (LineProcess shell = LineProcess.start(net, net.b(), dir, "shell-" + name, command, null)) {
            steps.start(shell);
            Seen seen = awaitUp(net, surface, start, server, shell::isAlive);
            int mark = shell.lineCount();
            shell.send("tunnel:list");
            shell.await(name + "\\s+UP\\s+tun0", mark, STOP_TIMEOUT);
            // A configuration's removal reaches SCR asynchronously: the tunnel goes a moment after.
            steps.stop(shell);
            ShippedClientServerTest.awaitNoTun(net);
            awaitNoTunnels(shell);
            // Felix's stop 0 shuts the framework down: the shell must exit by itself.
            shell.send("stop 0");
            shell.awaitExit(STOP_TIMEOUT);
            return seen;
        }
    }

    /** The example appliance: {@code Culvert.builder().start()}, then {@code startFromFile}; {@code quit} closes Culvert. */
    private static Seen viaEmbedding(Netns net, Path dir, Path conf, Peer server) throws Exception {
        long start = System.nanoTime();
        try (LineProcess app = ExampleApplianceTest.startAppliance(net, net.b(), dir, conf)) {
            app.await("^STATE appliance UP ", 0, UP_TIMEOUT);
            Seen seen = awaitUp(net, "embedding", start, server, app::isAlive);
            int mark = app.lineCount();
            app.send("quit");
            app.await("^STATE appliance STOPPED USER_STOP", mark, STOP_TIMEOUT);
            ShippedClientServerTest.awaitNoTun(net);
            // The appliance then waits for the JDK's pools to end (up to a minute; ExampleApplianceTest checks
            // that): not this case's subject, so close() ends it by PID.
            return seen;
        }
    }

    /** Asks tunnel:list until it answers "no tunnels" (a stopped tunnel leaves the list a moment after its device goes). */
    private static void awaitNoTunnels(LineProcess shell) throws Exception {
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (true) {
            int mark = shell.lineCount();
            shell.send("tunnel:list");
            if (shell.waitFor("no tunnels", mark, Duration.ofMillis(500)) >= 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("tunnel:list still lists a tunnel " + STOP_TIMEOUT.toSeconds() + " s after it was stopped");
            }
        }
    }

    /**
     * Waits until the pushed route is in namespace b (routes come last, after the address), then
     * takes the tun's address, routes and MTU and pings the server's end through the tunnel.
     */
    private static Seen awaitUp(Netns net, String label, long startNanos, Peer server, java.util.function.BooleanSupplier alive) {
        long deadline = System.nanoTime() + UP_TIMEOUT.toNanos();
        while (ShippedClientServerTest.routes(net).stream().noneMatch(r -> r.startsWith(PUSHED_ROUTE + " "))) {
            if (!alive.getAsBoolean()) {
                fail(label + ": the client exited before the pushed route " + PUSHED_ROUTE + " appeared");
            }
            if (System.nanoTime() > deadline) {
                fail(label + ": no pushed route " + PUSHED_ROUTE + " within " + UP_TIMEOUT.toSeconds() + " s: "
                        + ShippedClientServerTest.routes(net));
            }
            Peer.pause();
        }
        long upMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        Seen seen = ShippedClientServerTest.observe(net, label, upMillis);
        Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server);
        assertTrue(alive.getAsBoolean(), label + ": the client exited after the ping");
        return seen;
    }
}
