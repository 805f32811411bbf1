package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Culvert as the server: OpenVPN's shipped sample {@code server.conf} (its two log paths under
 * {@code /var/log/openvpn} redirected into the case folder on the command line, as
 * {@link ShippedClientServerTest} does for stock OpenVPN) with the shipped keys in one namespace, and
 * the shipped {@code client.conf} (remote made the server's address) in the other: first on stock
 * OpenVPN 2.6, then on Culvert. Each client must get 10.8.0.x/24 from the server's pool, ping 10.8.0.1
 * and be pinged back; the stock client's addresses and routes must be what it gets from a stock
 * server ({@code ShippedClientServerTest} checks that side); the pool-persist file must name the
 * client once the server stopped.
 */
@ExtendWith(PeerLogs.class)
class ServerModeTest {
    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shippedServerConfOnCulvertServesStockAndCulvertClients() throws Exception {
        try (ServerCase sc = ServerCase.create("server-mode-shipped-udp", "")) {
            Peer server = sc.startServer("server-culvert-udp");
            ShippedClientServerTest.Seen stock = ShippedClientServerTest.connect(sc.net, Impl.OPENVPN, sc.clientDir,
                    "client-openvpn-udp", server, c -> { });
            ShippedClientServerTest.Seen culvert = ShippedClientServerTest.connect(sc.net, Impl.CULVERT, sc.clientDir,
                    "client-culvert-udp", server, c -> { });
            // Both clients carry the shipped client certificate (CN "Test-Client"): the pool gives the
            // name its address again, as OpenVPN's ifconfig-pool does.
            assertEquals(stock.address(), culvert.address(), "the same common name gets the same pool address");
            assertTrue(stock.address().startsWith("10.8.0."), stock.address());
            server.assertAlive("after two clients");
            assertEquals(0, server.stop(Duration.ofSeconds(20)), "the server's exit status");
            String persisted = Files.readString(sc.serverDir.resolve("ipp.txt"));
            String ip = stock.address().substring(0, stock.address().indexOf('/'));
            assertTrue(persisted.contains("," + ip), "ifconfig-pool-persist names the client's address: " + persisted);
            Report.line("shipped server.conf on Culvert over udp: stock openvpn client " + stock.address() + " up in "
                    + stock.upMillis() + " ms, Culvert client " + culvert.address() + " up in " + culvert.upMillis() + " ms");
        }
    }

    /**
     * The shipped server.conf with OpenVPN's server scripts: {@code auth-user-pass-verify via-file}
     * (run off the data path), a {@code client-connect} whose file gives the client a fixed address
     * ({@code ifconfig-push}) and a {@code client-disconnect} that leaves a mark; a stock client with the
     * right password gets that address and pings through, one with a wrong password gets AUTH_FAILED.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void serverScriptsDecideStockClients() throws Exception {
        Path dir = Peer.caseDir("server-mode-scripts-udp");
        Path serverDir = dir.resolve("server");
        Path verify = ServerCase.script(serverDir, "verify.sh", "#!/bin/sh\n"
                + "[ \"$(sed -n 1p \"$1\")\" = alice ] && [ \"$(sed -n 2p \"$1\")\" = s3cret ] && exit 0\nexit 1\n");
        Path connect = ServerCase.script(serverDir, "connect.sh", "#!/bin/sh\necho 'ifconfig-push 10.8.0.77 255.255.255.0' > \"$1\"\n");
        Path mark = serverDir.resolve("disconnected.txt").toAbsolutePath();
        Path disconnect = ServerCase.script(serverDir, "disconnect.sh", "#!/bin/sh\necho \"$common_name $username\" > " + mark + "\n");
        try (ServerCase sc = ServerCase.create(dir, "script-security 2\nauth-user-pass-verify " + verify
                + " via-file\nclient-connect " + connect + "\nclient-disconnect " + disconnect + "\n")) {
            Path conf = sc.clientDir.resolve("client.conf");
            String shipped = Files.readString(conf);
            // explicit-exit-notify: the client says when it stops, so the server closes it (and runs client-disconnect) now.
            Files.writeString(conf, shipped + "\nauth-user-pass up.txt\nexplicit-exit-notify 1\n");
            Files.writeString(sc.clientDir.resolve("up.txt"), "alice\ns3cret\n");
            Peer server = sc.startServer("server-culvert-scripts");
            ShippedClientServerTest.Seen good = ShippedClientServerTest.connect(sc.net, Impl.OPENVPN, sc.clientDir,
                    "client-openvpn-alice", server, c -> { });
            assertEquals("10.8.0.77/24", good.address(), "client-connect's ifconfig-push");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(mark) && System.nanoTime() < deadline) {
                Peer.pause();
            }
            // The stock client's exit notification closes its instance; client-disconnect then runs.
            assertTrue(Files.exists(mark), "client-disconnect did not run");
            assertEquals("Test-Client alice", Files.readString(mark).trim());

            Files.writeString(sc.clientDir.resolve("up.txt"), "alice\nwrong\n");
            Peer bad = sc.startClient(sc.net.b(), Impl.OPENVPN, sc.clientDir, "client-openvpn-wrong-password");
            bad.awaitLog("AUTH_FAILED", 0, E2eEnv.readyTimeout());
            bad.close();
            server.assertAlive("after a refused client");
            Report.line("shipped server.conf on Culvert with auth-user-pass-verify, client-connect and client-disconnect:"
                    + " stock client got " + good.address() + " from client-connect in " + good.upMillis() + " ms; a wrong password: AUTH_FAILED");
        }
    }

    /**
     * {@code verify-client-cert none} with {@code auth-user-pass-verify} and {@code username-as-common-name}:
     * a stock client without a certificate (the shipped client.conf without its cert and key lines)
     * logs in with its username and password, gets a pool address and pings through.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aClientWithoutCertificateLogsInWithItsPassword() throws Exception {
        Path dir = Peer.caseDir("server-mode-no-client-cert");
        Path verify = ServerCase.script(dir.resolve("server"), "verify.sh", "#!/bin/sh\n"
                + "[ \"$(sed -n 1p \"$1\")\" = bob ] && [ \"$(sed -n 2p \"$1\")\" = h0rse ] && exit 0\nexit 1\n");
        try (ServerCase sc = ServerCase.create(dir, "verify-client-cert none\nusername-as-common-name\n"
                + "script-security 2\nauth-user-pass-verify " + verify + " via-file\n")) {
            Path conf = sc.clientDir.resolve("client.conf");
            String client = Files.readString(conf);
            assertTrue(client.contains("\ncert client.crt\n") && client.contains("\nkey client.key\n"), "the shipped cert and key lines");
            Files.writeString(conf, client.replace("\ncert client.crt\n", "\n").replace("\nkey client.key\n", "\n")
                    + "\nauth-user-pass up.txt\n");
            Files.writeString(sc.clientDir.resolve("up.txt"), "bob\nh0rse\n");
            Peer server = sc.startServer("server-culvert-no-client-cert");
            ShippedClientServerTest.Seen seen = ShippedClientServerTest.connect(sc.net, Impl.OPENVPN, sc.clientDir,
                    "client-openvpn-no-cert", server, c -> { });
            assertTrue(seen.address().startsWith("10.8.0."), seen.address());
            server.assertAlive("after a client without a certificate");
            Report.line("Culvert server with verify-client-cert none: a stock client without a certificate logged in by password, got "
                    + seen.address() + " in " + seen.upMillis() + " ms");
        }
    }

    /**
     * Three stock clients at once, each in a namespace of its own with its own certificate (signed by the
     * shipped sample CA in the test), on the shipped server.conf with {@code client-to-client}: each gets
     * its own pool address, and each pings the two others through the server (namespace a does not
     * forward, so only the server's client-to-client carries those packets).
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void threeStockClientsPingEachOtherWithClientToClient() throws Exception {
        try (ServerCase sc = ServerCase.create("server-mode-three-clients", "client-to-client\n")) {
            String[] namespaces = {sc.net.b(), sc.clientNamespace(1), sc.clientNamespace(2)};
            String[] servers = {sc.net.linkAddrA(), sc.serverAddrFor(1), sc.serverAddrFor(2)};
            sc.startServer("server-culvert-three");
            List<Peer> clients = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path cdir = sc.clientFolder("client" + i, servers[i], sc.issue("client" + i), "");
                clients.add(sc.startClient(namespaces[i], Impl.OPENVPN, cdir, "client-openvpn-" + i));
            }
            String[] addresses = new String[3];
            for (int i = 0; i < 3; i++) {
                addresses[i] = sc.awaitUp(clients.get(i), namespaces[i], 0);
            }
            assertEquals(3, java.util.Set.of(addresses).size(), "three different addresses: " + List.of(addresses));
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    if (i != j) {
                        sc.awaitPing(namespaces[i], addresses[j], clients.toArray(new Peer[0]));
                    }
                }
            }
            sc.server().assertAlive("after three clients");
            Report.line("Culvert server, shipped server.conf + client-to-client: three stock clients " + List.of(addresses)
                    + " pinged each other through the server");
        }
    }

    /**
     * The management interface of a Culvert server with a stock client: {@code status 3} lists the client
     * (CLIENT_LIST with its common name and pool address), {@code client-kill CID} sends it RESTART on the
     * control channel, and the stock client comes back by itself and is listed again under a new CID.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void managementListsAndKillsAStockClient() throws Exception {
        Path dir = Peer.caseDir("server-mode-client-kill");
        Path sock = dir.resolve("server").resolve("mgmt.sock").toAbsolutePath();
        try (ServerCase sc = ServerCase.create(dir, "management " + sock + " unix\n")) {
            Peer server = sc.startServer("server-culvert-mgmt");
            Peer client = sc.startClient(sc.net.b(), Impl.OPENVPN, sc.clientDir, "client-openvpn-killed");
            try (ManagementSession m = ManagementSession.unix("server-mgmt", sock, Duration.ofSeconds(10))) {
                sc.awaitUp(client, sc.net.b(), 0);
                sc.awaitPing(sc.net.b(), "10.8.0.1", client);
                m.until(l -> l.startsWith(">INFO:"), Duration.ofSeconds(10));
                String cid = clientId(m, "Test-Client");
                m.send("client-kill " + cid);
                m.until(l -> l.startsWith("SUCCESS: client-kill command succeeded"), Duration.ofSeconds(10));
                // Stock OpenVPN's words for a RESTART pushed on the control channel.
                client.awaitLog("server-pushed-connection-reset", 0, Duration.ofSeconds(20));
                int afterKill = client.logText().indexOf("server-pushed-connection-reset");
                sc.awaitUp(client, sc.net.b(), afterKill);
                sc.awaitPing(sc.net.b(), "10.8.0.1", client);
                String again = clientId(m, "Test-Client");
                assertTrue(!again.equals(cid), "the client came back as a new instance: CID " + cid + " then " + again);
                server.assertAlive("after client-kill");
                m.send("signal SIGTERM");
                m.until(l -> l.startsWith("SUCCESS: signal SIGTERM thrown"), Duration.ofSeconds(10));
                assertEquals(0, server.awaitExit(Duration.ofSeconds(20)), "the server stopped on the management's SIGTERM");
                Report.line("Culvert server management: status 3 listed the stock client (CID " + cid + "), client-kill sent RESTART, the client came back as CID "
                        + again + "; signal SIGTERM stopped the server");
            }
        }
    }

    /**
     * The shipped server.conf has {@code explicit-exit-notify 1}: when the Culvert server stops it tells
     * its stock client {@code RESTART} on the control channel (OpenVPN's words on the client:
     * "server-pushed-connection-reset"), within a bounded stop.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void theServersStopTellsAStockClientToRestart() throws Exception {
        try (ServerCase sc = ServerCase.create("server-mode-exit-notify", "")) {
            assertTrue(Files.readString(sc.serverDir.resolve("server.conf")).contains("\nexplicit-exit-notify 1"), "the shipped option");
            Peer server = sc.startServer("server-culvert-exit-notify");
            Peer client = sc.startClient(sc.net.b(), Impl.OPENVPN, sc.clientDir, "client-openvpn-told");
            sc.awaitUp(client, sc.net.b(), 0);
            sc.awaitPing(sc.net.b(), "10.8.0.1", client);
            int before = client.logText().length();
            long started = System.nanoTime();
            assertEquals(0, server.stop(Duration.ofSeconds(20)), "the server's exit status");
            long stopMillis = (System.nanoTime() - started) / 1_000_000;
            client.awaitLog("server-pushed-connection-reset", before, Duration.ofSeconds(10));
            Report.line("Culvert server with explicit-exit-notify 1: its stop told the stock client RESTART; the stop took " + stopMillis + " ms");
        }
    }

    /**
     * A stock client bound to a fixed port ({@code lport}, instead of the shipped {@code nobind}) that
     * dies and comes back from the same address and port: its new session is screened with the cookie
     * and replaces the old instance at once, long before the server's ping-restart (120 s here, from
     * keepalive 10 120) would close the old one.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aStockClientRestartedFromTheSamePortIsServedAtOnce() throws Exception {
        try (ServerCase sc = ServerCase.create("server-mode-same-port-restart", "")) {
            Path conf = sc.clientDir.resolve("client.conf");
            String shipped = Files.readString(conf);
            assertTrue(shipped.contains("\nnobind\n"), "the shipped nobind");
            Files.writeString(conf, shipped.replace("\nnobind\n", "\nlport 41194\n"));
            sc.startServer("server-culvert-same-port");
            Peer first = sc.startClient(sc.net.b(), Impl.OPENVPN, sc.clientDir, "client-openvpn-first");
            sc.awaitUp(first, sc.net.b(), 0);
            sc.awaitPing(sc.net.b(), "10.8.0.1", first);
            first.kill(); // a crash: no exit notification, the server still holds the instance
            long started = System.nanoTime();
            Peer second = sc.startClient(sc.net.b(), Impl.OPENVPN, sc.clientDir, "client-openvpn-again");
            second.awaitLog("Initialization Sequence Completed", 0, Duration.ofSeconds(60));
            long upMillis = (System.nanoTime() - started) / 1_000_000;
            sc.awaitPing(sc.net.b(), "10.8.0.1", second);
            assertTrue(upMillis < 120_000, "served before the old instance's ping-restart: " + upMillis + " ms");
            sc.server().assertAlive("after a client restarted from the same port");
            Report.line("Culvert server: a stock client restarted from the same address and port was served again in " + upMillis
                    + " ms (the old instance's ping-restart: 120 s)");
        }
    }

    /** The CID of the client {@code cn} in {@code status 3}'s CLIENT_LIST (with a 10.8.0.x address). */
    static String clientId(ManagementSession m, String cn) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            m.send("status 3");
            List<String> lines;
            try {
                lines = m.until(l -> l.equals("END"), Duration.ofSeconds(10));
            } catch (AssertionError e) {
                throw new AssertionError("status 3 unanswered; management transcript: " + m.transcript(), e);
            }
            for (String l : lines) {
                String[] f = l.split("\t");
                if (f[0].equals("CLIENT_LIST") && f.length > 10 && f[1].equals(cn) && f[3].startsWith("10.8.0.")) {
                    return f[10];
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no established " + cn + " in status 3: " + lines);
            }
            Peer.pause();
        }
    }

    /** Culvert on the shipped server.conf, its two paths under /var/log/openvpn in the case folder; returns once it serves. */
    static Peer startServer(Netns net, Path serverDir, String label) {
        Peer server = Peer.startWithArgs(net, net.a(), Impl.CULVERT, List.of("--config", "server.conf",
                "--ifconfig-pool-persist", "ipp.txt", "--status", "openvpn-status.log"), serverDir, label);
        server.awaitUdpBound(net, 1194, E2eEnv.readyTimeout());
        server.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
        return server;
    }
}
