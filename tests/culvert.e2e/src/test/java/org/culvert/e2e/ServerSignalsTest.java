package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * OpenVPN's restart signals on a Culvert server running the shipped {@code server.conf} with a stock
 * client: {@code signal SIGUSR1} on the management interface and the OS's SIGHUP restart the server
 * (the shipped {@code explicit-exit-notify 1} tells the client RESTART first; {@code persist-tun} keeps the
 * device across the SIGUSR1), the client comes back by itself, and the server's counters go on.
 */
@ExtendWith(PeerLogs.class)
class ServerSignalsTest {
    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    /**
     * {@code signal SIGUSR1}: {@code >STATE} shows RECONNECTING,SIGUSR1 then CONNECTED,SUCCESS as OpenVPN's
     * server does; the stock client is told RESTART ("server-pushed-connection-reset") and reconnects;
     * {@code load-stats}' byte counts do not start again from zero.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void managementSigusr1RestartsTheServerAndTheStockClientComesBack() throws Exception {
        Path dir = Peer.caseDir("server-signal-sigusr1");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            Path sock = serverDir.resolve("mgmt.sock").toAbsolutePath();
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "management " + sock + " unix\n");
            slowRestartPause(clientDir);
            Peer server = ServerModeTest.startServer(net, serverDir, "server-culvert-sigusr1");
            Peer client = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, clientDir.resolve("client.conf"), clientDir, "client-openvpn-sigusr1");
            try (ManagementSession m = ManagementSession.unix("server-mgmt-sigusr1", sock, Duration.ofSeconds(10))) {
                client.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server, client);
                m.until(l -> l.startsWith(">INFO:"), Duration.ofSeconds(10));
                long bytesBefore = bytesIn(m);
                assertTrue(bytesBefore > 0, "load-stats counted the client's traffic");
                m.send("state on");
                m.until(l -> l.startsWith("SUCCESS: real-time state notification set to ON"), Duration.ofSeconds(10));
                int clientBefore = client.logText().length();
                int serverBefore = server.logText().length();
                long started = System.nanoTime();
                m.send("signal SIGUSR1");
                m.until(l -> l.startsWith("SUCCESS: signal SIGUSR1 thrown"), Duration.ofSeconds(10));
                m.until(l -> l.matches(">STATE:[0-9]+,RECONNECTING,SIGUSR1,.*"), Duration.ofSeconds(20));
                m.until(l -> l.matches(">STATE:[0-9]+,CONNECTED,SUCCESS,.*"), Duration.ofSeconds(20));
                client.awaitLog("server-pushed-connection-reset", clientBefore, Duration.ofSeconds(20));
                int afterReset = client.logText().indexOf("server-pushed-connection-reset", clientBefore);
                client.awaitLog("Initialization Sequence Completed", afterReset, E2eEnv.readyTimeout());
                Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server, client);
                long backMillis = (System.nanoTime() - started) / 1_000_000;
                String serverAfter = server.logText().substring(serverBefore);
                assertTrue(serverAfter.contains("SIGUSR1[soft,] received, process restarting"), serverAfter);
                assertTrue(serverAfter.contains("Preserving previous TUN/TAP instance"), "persist-tun kept the device: " + serverAfter);
                long bytesAfter = bytesIn(m);
                assertTrue(bytesAfter > bytesBefore, "the counters go on across the restart: " + bytesBefore + " then " + bytesAfter);
                server.assertAlive("after signal SIGUSR1");
                Report.line("Culvert server: management signal SIGUSR1 restarted it (RECONNECTING,SIGUSR1 then CONNECTED,SUCCESS, device kept); "
                        + "the stock client was told RESTART and was back through the tunnel in " + backMillis + " ms; load-stats bytesin "
                        + bytesBefore + " then " + bytesAfter);
            } finally {
                client.close();
                server.close();
            }
        }
    }

    /**
     * The OS's SIGHUP to the {@code culvert} process: the server re-reads {@code server.conf} (a
     * {@code push "route ..."} added meanwhile reaches the reconnecting stock client).
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void osSighupReReadsTheServersConfiguration() throws Exception {
        Path dir = Peer.caseDir("server-signal-sighup");
        long started = System.nanoTime();
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "");
            slowRestartPause(clientDir);
            Peer server = ServerModeTest.startServer(net, serverDir, "server-culvert-sighup");
            Peer client = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, clientDir.resolve("client.conf"), clientDir, "client-openvpn-sighup");
            try {
                client.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server, client);
                assertTrue(!client.logText().contains("10.99.0.0"), "the route is not pushed before the SIGHUP");
                Path conf = serverDir.resolve("server.conf");
                Files.writeString(conf, Files.readString(conf) + "\npush \"route 10.99.0.0 255.255.0.0\"\n");
                int clientBefore = client.logText().length();
                int serverBefore = server.logText().length();
                Proc.Result hup = Proc.run(Duration.ofSeconds(5), List.of("kill", "-HUP", Long.toString(server.pid())));
                assertTrue(hup.ok(), "kill -HUP: " + hup);
                client.awaitLog("server-pushed-connection-reset", clientBefore, Duration.ofSeconds(20));
                int afterReset = client.logText().indexOf("server-pushed-connection-reset", clientBefore);
                client.awaitLog("Initialization Sequence Completed", afterReset, E2eEnv.readyTimeout());
                Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server, client);
                assertTrue(client.logText().substring(afterReset).contains("route 10.99.0.0 255.255.0.0"),
                        "the re-read configuration's push reached the client");
                String serverAfter = server.logText().substring(serverBefore);
                assertTrue(serverAfter.contains("SIGHUP: configuration re-read"), serverAfter);
                server.assertAlive("after SIGHUP");
                Report.line("Culvert server: the OS's SIGHUP re-read server.conf; the stock client was told RESTART and got the new push (case took "
                        + (System.nanoTime() - started) / 1_000_000 + " ms)");
            } finally {
                client.close();
                server.close();
            }
        }
    }

    /**
     * The client waits 5 s (connect-retry) instead of 1 s after the RESTART, so that it comes back to the
     * restarted server rather than to the old run during its notice: that run still admits clients for up
     * to 2 s (docs/server.md, "Stopping") and one served then is lost with it until its ping-restart (120 s).
     */
    private static void slowRestartPause(Path clientDir) throws java.io.IOException {
        Path conf = clientDir.resolve("client.conf");
        Files.writeString(conf, Files.readString(conf) + "\nconnect-retry 5\n");
    }

    /** {@code load-stats}' bytesin (OpenVPN's server-wide link bytes read). */
    private static long bytesIn(ManagementSession m) {
        m.send("load-stats");
        List<String> lines = m.until(l -> l.startsWith("SUCCESS: nclients="), Duration.ofSeconds(10));
        String last = lines.get(lines.size() - 1);
        int i = last.indexOf("bytesin=");
        return Long.parseLong(last.substring(i + "bytesin=".length(), last.indexOf(',', i)));
    }
}
