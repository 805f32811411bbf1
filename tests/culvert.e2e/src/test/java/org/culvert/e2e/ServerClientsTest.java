package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Culvert server on OpenVPN's shipped {@code server.conf} with several stock OpenVPN 2.6 clients,
 * each in a namespace of its own (see {@link ServerCase}): a subnet behind a client ({@code iroute}),
 * one certificate on two clients ({@code duplicate-cn} off and on), {@code max-clients}, certificates
 * the server must refuse (another CA, {@code crl-verify}), a flood of forged resets, and a client
 * killed and back from a new port.
 */
@ExtendWith(PeerLogs.class)
class ServerClientsTest {
    private static final Duration REFUSAL = Duration.ofSeconds(20);

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    /**
     * A ccd file gives client "branch" {@code iroute 192.168.40.0/24} (a veth link in its namespace
     * holds 192.168.40.1); the server has {@code route} for that subnet and pushes it to clients: the
     * server's namespace and another client (through {@code client-to-client}) reach 192.168.40.1
     * through the tunnel, and the branch client is not pushed its own subnet.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSubnetBehindAClientIsReachedThroughItsIroute() throws Exception {
        try (ServerCase sc = ServerCase.create("server-clients-iroute", "client-config-dir ccd\nroute 192.168.40.0 255.255.255.0\n"
                + "push \"route 192.168.40.0 255.255.255.0\"\nclient-to-client\n")) {
            Files.createDirectories(sc.serverDir.resolve("ccd"));
            Files.writeString(sc.serverDir.resolve("ccd").resolve("branch"), "iroute 192.168.40.0 255.255.255.0\n");
            sc.startServer("server-culvert-iroute");
            Peer branch = sc.startStockClient(1, sc.issue("branch"), "client-openvpn-branch");
            Peer other = sc.startStockClient(2, sc.issue("other"), "client-openvpn-other");
            String branchNs = branch.ns();
            String otherNs = other.ns();
            // The branch's LAN: a veth pair inside its namespace (dummy links need a module containers often lack).
            sc.net.run(branchNs, Duration.ofSeconds(5), "ip", "link", "add", "lan0", "type", "veth", "peer", "name", "lan1").check();
            sc.net.run(branchNs, Duration.ofSeconds(5), "ip", "addr", "add", "192.168.40.1/24", "dev", "lan0").check();
            for (String link : List.of("lan0", "lan1")) {
                sc.net.run(branchNs, Duration.ofSeconds(5), "ip", "link", "set", link, "up").check();
            }
            sc.awaitUp(branch, branchNs, 0);
            sc.awaitUp(other, otherNs, 0);
            assertTrue(route(sc, otherNs).contains("dev tun0"), "the pushed route on the other client: " + route(sc, otherNs));
            assertFalse(route(sc, branchNs).contains("tun0"), "the branch is not pushed its own iroute: " + route(sc, branchNs));
            Duration fromServer = Peer.awaitTunnel(sc.net, sc.net.a(), "192.168.40.1", Duration.ofSeconds(15), sc.server(), branch);
            Duration fromClient = Peer.awaitTunnel(sc.net, otherNs, "192.168.40.1", Duration.ofSeconds(15), sc.server(), branch, other);
            Report.line("Culvert server, ccd iroute 192.168.40.0/24 behind a stock client: reached from the server's namespace (in "
                    + fromServer.toMillis() + " ms) and from another stock client through client-to-client (in " + fromClient.toMillis() + " ms)");
        }
    }

    /**
     * Without {@code duplicate-cn} a second client with the same certificate replaces the first: the
     * server closes the first (its log names the duplicate common name), the second gets the name's
     * address and traffic, and the first's packets no longer pass.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSecondClientWithTheSameCertificateReplacesTheFirst() throws Exception {
        try (ServerCase sc = ServerCase.create("server-clients-duplicate-cn-off", "")) {
            Peer server = sc.startServer("server-culvert-dup-off");
            Peer first = sc.startStockClient(1, null, "client-openvpn-first");
            String ns1 = first.ns();
            String addr1 = sc.awaitUp(first, ns1, 0);
            sc.awaitPing(ns1, "10.8.0.1", first);
            int mark = server.logText().length();
            Peer second = sc.startStockClient(2, null, "client-openvpn-second");
            String ns2 = second.ns();
            String addr2 = sc.awaitUp(second, ns2, 0);
            assertEquals(addr1, addr2, "the common name gets its pool address again");
            server.awaitLog("duplicate common name Test-Client", mark, Duration.ofSeconds(10));
            // OpenVPN's words for it, as a stock server logs them
            server.awaitLog("MULTI: new connection by client 'Test-Client' will cause previous active sessions by this client to be dropped",
                    mark, Duration.ofSeconds(10));
            sc.awaitPing(ns2, "10.8.0.1", second);
            sc.awaitPing(sc.net.a(), addr2, second);
            assertNull(Peer.pollTunnel(sc.net, ns1, "10.8.0.1", Duration.ofSeconds(3), server), "the replaced client still passes traffic");
            Report.line("Culvert server without duplicate-cn: a second stock client with the same certificate replaced the first (" + addr2
                    + "); the first's pings no longer pass");
        }
    }

    /** With {@code duplicate-cn} two clients with the same certificate both stay, each with its own address and traffic. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void withDuplicateCnBothClientsStay() throws Exception {
        try (ServerCase sc = ServerCase.create("server-clients-duplicate-cn-on", "duplicate-cn\n")) {
            Peer server = sc.startServer("server-culvert-dup-on");
            Peer first = sc.startStockClient(1, null, "client-openvpn-first");
            Peer second = sc.startStockClient(2, null, "client-openvpn-second");
            String ns1 = first.ns();
            String ns2 = second.ns();
            String addr1 = sc.awaitUp(first, ns1, 0);
            String addr2 = sc.awaitUp(second, ns2, 0);
            assertNotEquals(addr1, addr2, "each client its own address");
            for (int round = 0; round < 2; round++) {
                sc.awaitPing(ns1, "10.8.0.1", first, second);
                sc.awaitPing(ns2, "10.8.0.1", first, second);
                sc.awaitPing(sc.net.a(), addr1, first, second);
                sc.awaitPing(sc.net.a(), addr2, first, second);
            }
            assertFalse(server.logText().contains("duplicate common name"), "a client was closed as a duplicate");
            Report.line("Culvert server with duplicate-cn: two stock clients with the same certificate stayed, " + addr1 + " and " + addr2);
        }
    }

    /**
     * {@code max-clients 2}: a third client is refused (the server's log says why, as OpenVPN's does)
     * and the two keep their traffic.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aThirdClientBeyondMaxClientsIsRefused() throws Exception {
        try (ServerCase sc = ServerCase.create("server-clients-max-clients", "max-clients 2\n")) {
            Peer server = sc.startServer("server-culvert-max-clients");
            Peer[] clients = new Peer[3];
            for (int i = 0; i < 2; i++) {
                clients[i] = sc.startStockClient(i + 1, sc.issue("client" + i), "client-openvpn-" + i);
            }
            for (int i = 0; i < 2; i++) {
                sc.awaitUp(clients[i], clients[i].ns(), 0);
            }
            clients[2] = sc.startStockClient(3, sc.issue("client2"), "client-openvpn-2");
            server.awaitLog("MULTI: new incoming connection would exceed maximum number of clients \\(2\\)", 0, REFUSAL);
            for (int i = 0; i < 2; i++) {
                sc.awaitPing(clients[i].ns(), "10.8.0.1", clients[0], clients[1], clients[2]);
            }
            assertFalse(clients[2].logText().contains("Initialization Sequence Completed"), "the third client got in");
            server.assertAlive("after refusing a client");
            Report.line("Culvert server with max-clients 2: a third stock client was refused (the server's log: MULTI: new incoming connection"
                    + " would exceed maximum number of clients (2)), the two kept their traffic");
        }
    }

    /**
     * A client certificate from another CA (made in the test) and one the sample CA revoked
     * ({@code crl-verify} with a CRL made in the test) are refused, the server's log saying why for
     * each; a good client connected before stays up and keeps its traffic.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void wrongAndRevokedCertificatesAreRefused() throws Exception {
        try (ServerCase sc = ServerCase.create("server-clients-bad-certs", "crl-verify crl.pem\n")) {
            Pki.Identity revoked = sc.issue("revoked");
            Path crlDir = sc.dir.resolve("crl");
            Files.createDirectories(crlDir);
            Files.copy(Pki.crl(ServerCase.sampleCa(), crlDir, revoked), sc.serverDir.resolve("crl.pem"));
            Pki.Authority otherCa = Pki.authority(Files.createDirectories(sc.dir.resolve("other-ca")), "other-ca");
            Pki.Identity stranger = Pki.issue(otherCa, sc.dir.resolve("other-ca"), "stranger", Pki.Usage.CLIENT);
            Peer server = sc.startServer("server-culvert-bad-certs");
            Peer good = sc.startClient(sc.net.b(), Impl.OPENVPN, sc.clientDir, "client-openvpn-good");
            String goodAddr = sc.awaitUp(good, sc.net.b(), 0);
            Peer wrong = sc.startStockClient(1, stranger, "client-openvpn-other-ca");
            Peer bad = sc.startStockClient(2, revoked, "client-openvpn-revoked");
            server.awaitLog("TLS handshake failed: CERT_UNTRUSTED", 0, REFUSAL);
            server.awaitLog("TLS handshake failed: CERT_REVOKED", 0, REFUSAL);
            sc.awaitPing(sc.net.b(), "10.8.0.1", good, wrong, bad);
            sc.awaitPing(sc.net.a(), goodAddr, good, wrong, bad);
            for (Peer p : List.of(wrong, bad)) {
                assertFalse(p.logText().contains("Initialization Sequence Completed"), p.label() + " got in");
            }
            Report.line("Culvert server with crl-verify: a client certificate of another CA (CERT_UNTRUSTED) and a revoked one (CERT_REVOKED) refused; "
                    + "the good client kept " + goodAddr);
        }
    }

    /**
     * Forged resets ({@code P_CONTROL_HARD_RESET_CLIENT_V2}/{@code _V3}, a fresh session id each, from
     * 64 ports of a namespace of their own) flood the server while an established client pings it every
     * 50 ms: its loss stays small, and a new honest client connects during the flood. The rate and the
     * length: {@code -Dculvert.e2e.flood.rate} (resets per second, default 5000) and
     * {@code -Dculvert.e2e.flood.seconds} (default 8).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void forgedResetsDoNotDisturbEstablishedOrHonestClients() throws Exception {
        int rate = Integer.getInteger("culvert.e2e.flood.rate", 5000);
        int seconds = Integer.getInteger("culvert.e2e.flood.seconds", 8);
        try (ServerCase sc = ServerCase.create("server-clients-reset-flood", "")) {
            String floodNs = sc.clientNamespace(1);
            String honestNs = sc.clientNamespace(2);
            Peer server = sc.startServer("server-culvert-flood");
            Peer established = sc.startClient(sc.net.b(), Impl.OPENVPN, sc.clientDir, "client-openvpn-established");
            sc.awaitUp(established, sc.net.b(), 0);
            sc.awaitPing(sc.net.b(), "10.8.0.1", established);
            Path honestDir = sc.clientFolder("honest", sc.serverAddrFor(2), sc.issue("honest"), "");

            Path floodLog = sc.dir.resolve("flooder.log");
            PeerLogs.register("reset flooder", floodLog);
            Process flooder = sc.net.start(floodNs, sc.dir, floodLog, List.of(E2eEnv.java().toString(), "-cp", E2eEnv.testClasses().toString(),
                    ResetFlooder.class.getName(), sc.serverAddrFor(1), "1194", Integer.toString(rate), Integer.toString(seconds), "64"));
            ServerCase.awaitLogText(floodLog, flooder, "flooding ", Duration.ofSeconds(10), "the flooder");
            Path pingLog = sc.dir.resolve("ping-during-flood.log");
            // -w: the pings end with the flood (less a second for the flooder's own start); 50 ms apart.
            Process ping = sc.net.start(sc.net.b(), sc.dir, pingLog, List.of("ping", "-n", "-q", "-i", "0.05", "-w",
                    Integer.toString(Math.max(1, seconds - 1)), "10.8.0.1"));
            long started = System.nanoTime();
            Peer honest = sc.startClient(honestNs, Impl.OPENVPN, honestDir, "client-openvpn-honest");
            sc.awaitUp(honest, honestNs, 0);
            long connectMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            boolean honestDuringFlood = flooder.isAlive();
            assertTrue(ping.waitFor(seconds + 15L, TimeUnit.SECONDS), "ping did not end");
            assertTrue(flooder.waitFor(seconds + 15L, TimeUnit.SECONDS), "the flooder did not end");
            Matcher sent = Pattern.compile("sent (\\d+) in (\\d+) ms, answers (\\d+)").matcher(Files.readString(floodLog));
            assertTrue(sent.find(), "the flooder's report: " + Files.readString(floodLog));
            Matcher loss = Pattern.compile("(\\d+) packets transmitted, (\\d+) received").matcher(Files.readString(pingLog));
            assertTrue(loss.find(), "ping's summary: " + Files.readString(pingLog));
            long transmitted = Long.parseLong(loss.group(1));
            long received = Long.parseLong(loss.group(2));
            double lossPercent = 100.0 * (transmitted - received) / Math.max(1, transmitted);
            double sentRate = Long.parseLong(sent.group(1)) * 1000.0 / Math.max(1, Long.parseLong(sent.group(2)));
            sc.awaitPing(honestNs, "10.8.0.1", established, honest);
            server.assertAlive("after the flood");
            String size = String.format("%d forged resets/s asked for %d s from 64 ports", rate, seconds);
            System.out.printf("[reliability] server forged-reset flood: rate sent: %.0f resets/s (%s; %s stateless answers received)%n", sentRate,
                    size, sent.group(3));
            System.out.printf("[reliability] server forged-reset flood: established client's ping loss: %.1f %% (%d of %d pings, 50 ms apart; %s)%n",
                    lossPercent, transmitted - received, transmitted, size);
            System.out.printf("[reliability] server forged-reset flood: honest client's time to connect: %d ms (stock client, %s; %s)%n",
                    connectMillis, honestDuringFlood ? "up while the flood ran" : "the flood ended first", size);
            // The flood once floated the established client to the flooder's address (a stateless answer moved
            // the socket's remote mid-batch): no client may float here.
            assertFalse(server.logText().contains(" floated from "), "a client floated during the flood; see the server's log");
            assertTrue(transmitted >= (seconds - 1) * 10L, "too few pings sent: " + transmitted);
            assertTrue(lossPercent <= 5.0, "the established client lost " + lossPercent + " % of its pings during the flood");
            assertTrue(sentRate >= rate * 0.5, "the flooder reached only " + sentRate + " resets/s");
        }
    }

    /**
     * A client killed (SIGKILL: no exit notification) comes back from a new port (the shipped
     * {@code nobind}): it is served at once, its old instance closed as the duplicate of its common
     * name, and traffic returns both ways with the same address.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aKilledClientComesBackFromANewPort() throws Exception {
        try (ServerCase sc = ServerCase.create("server-clients-killed", "")) {
            Peer server = sc.startServer("server-culvert-killed");
            Peer first = sc.startClient(sc.net.b(), Impl.OPENVPN, sc.clientDir, "client-openvpn-killed");
            String addr = sc.awaitUp(first, sc.net.b(), 0);
            sc.awaitPing(sc.net.b(), "10.8.0.1", first);
            int oldPort = clientPort(sc, 0);
            int mark = server.logText().length();
            first.kill();
            ShippedClientServerTest.awaitNoTun(sc.net);
            long started = System.nanoTime();
            Peer again = sc.startClient(sc.net.b(), Impl.OPENVPN, sc.clientDir, "client-openvpn-back");
            assertEquals(addr, sc.awaitUp(again, sc.net.b(), 0), "the common name's address again");
            long upMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            sc.awaitPing(sc.net.b(), "10.8.0.1", again);
            sc.awaitPing(sc.net.a(), addr, again);
            int newPort = clientPort(sc, mark);
            assertNotEquals(oldPort, newPort, "the client came back from another port");
            server.awaitLog("duplicate common name Test-Client", mark, Duration.ofSeconds(10));
            Report.line("Culvert server: a stock client killed with SIGKILL came back from a new port (" + oldPort + " then " + newPort + ") and was served in " + upMillis
                    + " ms, its old instance closed as a duplicate");
        }
    }

    /** The port of the last client the server saw from namespace b ({@code /ADDR:PORT new client N}), after {@code skip} log characters. */
    private static int clientPort(ServerCase sc, int skip) {
        Matcher m = Pattern.compile(Pattern.quote("/" + sc.net.linkAddrB() + ":") + "(\\d+) new client").matcher(sc.server().logText().substring(skip));
        int port = -1;
        while (m.find()) {
            port = Integer.parseInt(m.group(1));
        }
        assertTrue(port > 0, "the server logged no client from " + sc.net.linkAddrB());
        return port;
    }

    private static String route(ServerCase sc, String ns) {
        return sc.net.run(ns, Duration.ofSeconds(5), "ip", "-4", "route", "show", "192.168.40.0/24").check().output();
    }
}
