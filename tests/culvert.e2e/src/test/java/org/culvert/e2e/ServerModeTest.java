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
        Path dir = Peer.caseDir("server-mode-shipped-udp");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "");
            Peer server = startServer(net, serverDir, "server-culvert-udp");
            try {
                ShippedClientServerTest.Seen stock = ShippedClientServerTest.connect(net, Impl.OPENVPN, clientDir,
                        "client-openvpn-udp", server, c -> { });
                ShippedClientServerTest.Seen culvert = ShippedClientServerTest.connect(net, Impl.CULVERT, clientDir,
                        "client-culvert-udp", server, c -> { });
                // Both clients carry the shipped client certificate (CN "Test-Client"): the pool gives the
                // name its address again, as OpenVPN's ifconfig-pool does.
                assertEquals(stock.address(), culvert.address(), "the same common name gets the same pool address");
                assertTrue(stock.address().startsWith("10.8.0."), stock.address());
                server.assertAlive("after two clients");
                assertEquals(0, server.stop(Duration.ofSeconds(20)), "the server's exit status");
                String persisted = Files.readString(serverDir.resolve("ipp.txt"));
                String ip = stock.address().substring(0, stock.address().indexOf('/'));
                assertTrue(persisted.contains("," + ip), "ifconfig-pool-persist names the client's address: " + persisted);
                Report.line("shipped server.conf on Culvert over udp: stock openvpn client " + stock.address() + " up in "
                        + stock.upMillis() + " ms, Culvert client " + culvert.address() + " up in " + culvert.upMillis() + " ms");
            } finally {
                server.close();
            }
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
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            Path verify = script(serverDir, "verify.sh", "#!/bin/sh\n"
                    + "[ \"$(sed -n 1p \"$1\")\" = alice ] && [ \"$(sed -n 2p \"$1\")\" = s3cret ] && exit 0\nexit 1\n");
            Path connect = script(serverDir, "connect.sh", "#!/bin/sh\necho 'ifconfig-push 10.8.0.77 255.255.255.0' > \"$1\"\n");
            Path disconnect = script(serverDir, "disconnect.sh", "#!/bin/sh\necho \"$common_name $username\" > "
                    + serverDir.resolve("disconnected.txt") + "\n");
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "script-security 2\nauth-user-pass-verify " + verify
                    + " via-file\nclient-connect " + connect + "\nclient-disconnect " + disconnect + "\n");
            Path conf = clientDir.resolve("client.conf");
            String shipped = Files.readString(conf);
            // explicit-exit-notify: the client says when it stops, so the server closes it (and runs client-disconnect) now.
            Files.writeString(conf, shipped + "\nauth-user-pass up.txt\nexplicit-exit-notify 1\n");
            Files.writeString(clientDir.resolve("up.txt"), "alice\ns3cret\n");
            Peer server = startServer(net, serverDir, "server-culvert-scripts");
            try {
                ShippedClientServerTest.Seen good = ShippedClientServerTest.connect(net, Impl.OPENVPN, clientDir,
                        "client-openvpn-alice", server, c -> { });
                assertEquals("10.8.0.77/24", good.address(), "client-connect's ifconfig-push");
                Path mark = serverDir.resolve("disconnected.txt");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!Files.exists(mark) && System.nanoTime() < deadline) {
                    Peer.pause();
                }
                // The stock client's exit notification closes its instance; client-disconnect then runs.
                assertTrue(Files.exists(mark), "client-disconnect did not run");
                assertEquals("Test-Client alice", Files.readString(mark).trim());

                Files.writeString(clientDir.resolve("up.txt"), "alice\nwrong\n");
                Peer bad = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, conf, clientDir, "client-openvpn-wrong-password");
                try {
                    bad.awaitLog("AUTH_FAILED", 0, E2eEnv.readyTimeout());
                } finally {
                    bad.close();
                }
                server.assertAlive("after a refused client");
                Report.line("shipped server.conf on Culvert with auth-user-pass-verify, client-connect and client-disconnect:"
                        + " stock client got " + good.address() + " from client-connect in " + good.upMillis() + " ms; a wrong password: AUTH_FAILED");
            } finally {
                server.close();
            }
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
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            Path verify = script(serverDir, "verify.sh", "#!/bin/sh\n"
                    + "[ \"$(sed -n 1p \"$1\")\" = bob ] && [ \"$(sed -n 2p \"$1\")\" = h0rse ] && exit 0\nexit 1\n");
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "verify-client-cert none\nusername-as-common-name\n"
                    + "script-security 2\nauth-user-pass-verify " + verify + " via-file\n");
            Path conf = clientDir.resolve("client.conf");
            String client = Files.readString(conf);
            assertTrue(client.contains("\ncert client.crt\n") && client.contains("\nkey client.key\n"), "the shipped cert and key lines");
            Files.writeString(conf, client.replace("\ncert client.crt\n", "\n").replace("\nkey client.key\n", "\n")
                    + "\nauth-user-pass up.txt\n");
            Files.writeString(clientDir.resolve("up.txt"), "bob\nh0rse\n");
            Peer server = startServer(net, serverDir, "server-culvert-no-client-cert");
            try {
                ShippedClientServerTest.Seen seen = ShippedClientServerTest.connect(net, Impl.OPENVPN, clientDir,
                        "client-openvpn-no-cert", server, c -> { });
                assertTrue(seen.address().startsWith("10.8.0."), seen.address());
                server.assertAlive("after a client without a certificate");
                Report.line("Culvert server with verify-client-cert none: a stock client without a certificate logged in by password, got "
                        + seen.address() + " in " + seen.upMillis() + " ms");
            } finally {
                server.close();
            }
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
        Path dir = Peer.caseDir("server-mode-three-clients");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            ShippedClientServerTest.prepare(net, serverDir, dir.resolve("unused-client"), "udp", "client-to-client\n");
            Path keys = LoopbackSamplesTest.EXAMPLES.resolve("sample-keys");
            Pki.Authority ca = new Pki.Authority("sample CA", keys.resolve("ca.crt"), keys.resolve("ca.key"));
            String shipped = Files.readString(LoopbackSamplesTest.EXAMPLES.resolve("sample-config-files").resolve("client.conf"));
            String[] namespaces = {net.b(), net.addLinkedToA(1), net.addLinkedToA(2)};
            String[] servers = {net.linkAddrA(), net.linkAddrToA(1), net.linkAddrToA(2)};
            Peer server = startServer(net, serverDir, "server-culvert-three");
            List<Peer> clients = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Path cdir = dir.resolve("client" + i);
                    Files.createDirectories(cdir);
                    Pki.Identity id = Pki.issue(ca, cdir, "client" + i, Pki.Usage.CLIENT);
                    Files.copy(keys.resolve("ca.crt"), cdir.resolve("ca.crt"));
                    Files.writeString(cdir.resolve("client.conf"), shipped.replace("\nremote my-server-1 1194\n", "\nremote " + servers[i] + " 1194\n")
                            .replace("\ncert client.crt\n", "\ncert " + id.cert().getFileName() + "\n")
                            .replace("\nkey client.key\n", "\nkey " + id.key().getFileName() + "\n"));
                    clients.add(Peer.startConfigFile(net, namespaces[i], Impl.OPENVPN, cdir.resolve("client.conf"), cdir, "client-openvpn-" + i));
                }
                String[] addresses = new String[3];
                for (int i = 0; i < 3; i++) {
                    clients.get(i).awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                    String addr = net.run(namespaces[i], Duration.ofSeconds(5), "ip", "-4", "-o", "addr", "show", "dev", "tun0").check().output();
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("inet (10\\.8\\.0\\.\\d+)/24").matcher(addr);
                    assertTrue(m.find(), "client " + i + ": no pool address on tun0: " + addr);
                    addresses[i] = m.group(1);
                }
                assertEquals(3, java.util.Set.of(addresses).size(), "three different addresses: " + List.of(addresses));
                Peer[] all = {server, clients.get(0), clients.get(1), clients.get(2)};
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        if (i != j) {
                            Peer.awaitTunnel(net, namespaces[i], addresses[j], Duration.ofSeconds(15), all);
                        }
                    }
                }
                server.assertAlive("after three clients");
                Report.line("Culvert server, shipped server.conf + client-to-client: three stock clients " + List.of(addresses)
                        + " pinged each other through the server");
            } finally {
                for (Peer c : clients) {
                    c.close();
                }
                server.close();
            }
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
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            Path sock = serverDir.resolve("mgmt.sock").toAbsolutePath();
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "management " + sock + " unix\n");
            Peer server = startServer(net, serverDir, "server-culvert-mgmt");
            Peer client = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, clientDir.resolve("client.conf"), clientDir, "client-openvpn-killed");
            try (ManagementSession m = ManagementSession.unix("server-mgmt", sock, Duration.ofSeconds(10))) {
                client.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server, client);
                m.until(l -> l.startsWith(">INFO:"), Duration.ofSeconds(10));
                String cid = clientId(m);
                m.send("client-kill " + cid);
                m.until(l -> l.startsWith("SUCCESS: client-kill command succeeded"), Duration.ofSeconds(10));
                // Stock OpenVPN's words for a RESTART pushed on the control channel.
                client.awaitLog("server-pushed-connection-reset", 0, Duration.ofSeconds(20));
                int afterKill = client.logText().indexOf("server-pushed-connection-reset");
                client.awaitLog("Initialization Sequence Completed", afterKill, E2eEnv.readyTimeout());
                Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server, client);
                String again = clientId(m);
                assertTrue(!again.equals(cid), "the client came back as a new instance: CID " + cid + " then " + again);
                server.assertAlive("after client-kill");
                m.send("signal SIGTERM");
                m.until(l -> l.startsWith("SUCCESS: signal SIGTERM thrown"), Duration.ofSeconds(10));
                assertEquals(0, server.awaitExit(Duration.ofSeconds(20)), "the server stopped on the management's SIGTERM");
                Report.line("Culvert server management: status 3 listed the stock client (CID " + cid + "), client-kill sent RESTART, the client came back as CID "
                        + again + "; signal SIGTERM stopped the server");
            } finally {
                client.close();
                server.close();
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
        Path dir = Peer.caseDir("server-mode-exit-notify");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "");
            assertTrue(Files.readString(serverDir.resolve("server.conf")).contains("\nexplicit-exit-notify 1"), "the shipped option");
            Peer server = startServer(net, serverDir, "server-culvert-exit-notify");
            Peer client = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, clientDir.resolve("client.conf"), clientDir, "client-openvpn-told");
            try {
                client.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server, client);
                int before = client.logText().length();
                long started = System.nanoTime();
                assertEquals(0, server.stop(Duration.ofSeconds(20)), "the server's exit status");
                long stopMillis = (System.nanoTime() - started) / 1_000_000;
                client.awaitLog("server-pushed-connection-reset", before, Duration.ofSeconds(10));
                Report.line("Culvert server with explicit-exit-notify 1: its stop told the stock client RESTART; the stop took " + stopMillis + " ms");
            } finally {
                client.close();
                server.close();
            }
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
        Path dir = Peer.caseDir("server-mode-same-port-restart");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "");
            Path conf = clientDir.resolve("client.conf");
            String shipped = Files.readString(conf);
            assertTrue(shipped.contains("\nnobind\n"), "the shipped nobind");
            Files.writeString(conf, shipped.replace("\nnobind\n", "\nlport 41194\n"));
            Peer server = startServer(net, serverDir, "server-culvert-same-port");
            Peer first = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, conf, clientDir, "client-openvpn-first");
            Peer second = null;
            try {
                first.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server, first);
                first.kill(); // a crash: no exit notification, the server still holds the instance
                long started = System.nanoTime();
                second = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, conf, clientDir, "client-openvpn-again");
                second.awaitLog("Initialization Sequence Completed", 0, Duration.ofSeconds(60));
                long upMillis = (System.nanoTime() - started) / 1_000_000;
                Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server, second);
                assertTrue(upMillis < 120_000, "served before the old instance's ping-restart: " + upMillis + " ms");
                server.assertAlive("after a client restarted from the same port");
                Report.line("Culvert server: a stock client restarted from the same address and port was served again in " + upMillis
                        + " ms (the old instance's ping-restart: 120 s)");
            } finally {
                if (second != null) {
                    second.close();
                }
                first.close();
                server.close();
            }
        }
    }

    /** The CID of the only client in {@code status 3}'s CLIENT_LIST (its common name Test-Client, a 10.8.0.x address). */
    private static String clientId(ManagementSession m) {
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
                if (f[0].equals("CLIENT_LIST") && f.length > 10 && f[1].equals("Test-Client") && f[3].startsWith("10.8.0.")) {
                    return f[10];
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no established Test-Client in status 3: " + lines);
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

    static Path script(Path dir, String name, String text) throws java.io.IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve(name).toAbsolutePath();
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return p;
    }
}
