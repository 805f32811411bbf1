package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * Culvert as a TCP server ({@code tunnel_server_tcp}): OpenVPN's shipped {@code server.conf} with
 * {@code proto udp} made {@code proto tcp} (and its two log paths redirected into the case folder), the
 * shipped {@code client.conf} with {@code proto tcp} on stock OpenVPN 2.6 and on Culvert. Each client
 * gets 10.8.0.x/24 and pings 10.8.0.1 and is pinged back; then two clients at once, one killed
 * (SIGKILL: its connection closes under the server), the other pinging on.
 */
@ExtendWith(PeerLogs.class)
class TcpServerModeTest {
    private static final Pattern POOL_ADDRESS = Pattern.compile("inet (10\\.8\\.0\\.\\d+)/24");

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    static Peer startServer(Netns net, Path serverDir, String label) {
        Peer server = Peer.startWithArgs(net, net.a(), Impl.CULVERT, List.of("--config", "server.conf",
                "--ifconfig-pool-persist", "ipp.txt", "--status", "openvpn-status.log"), serverDir, label);
        server.awaitTcpListening(net, 1194, E2eEnv.readyTimeout());
        server.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
        return server;
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shippedServerConfOverTcpOnCulvertServesStockAndCulvertClients() throws Exception {
        Path dir = Peer.caseDir("server-mode-shipped-tcp");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "tcp", "");
            Peer server = startServer(net, serverDir, "server-culvert-tcp");
            try {
                ShippedClientServerTest.Seen stock = ShippedClientServerTest.connect(net, Impl.OPENVPN, clientDir,
                        "client-openvpn-tcp", server, c -> { });
                ShippedClientServerTest.Seen culvert = ShippedClientServerTest.connect(net, Impl.CULVERT, clientDir,
                        "client-culvert-tcp", server, c -> { });
                assertTrue(stock.address().startsWith("10.8.0."), stock.address());
                assertTrue(culvert.address().startsWith("10.8.0."), culvert.address());
                server.assertAlive("after two clients over tcp");
                Report.line("shipped server.conf on Culvert over tcp: stock openvpn client " + stock.address() + " up in "
                        + stock.upMillis() + " ms, Culvert client " + culvert.address() + " up in " + culvert.upMillis() + " ms");
            } finally {
                server.close();
            }
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void twoClientsOverTcpOneKilledTheOtherPingsOn() throws Exception {
        Path dir = Peer.caseDir("server-mode-tcp-two-clients");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path stockDir = dir.resolve("client-stock");
            ShippedClientServerTest.prepare(net, serverDir, stockDir, "tcp", "");
            // The second client: Culvert, in a namespace of its own, with its own certificate from the shipped sample CA.
            Path keys = LoopbackSamplesTest.EXAMPLES.resolve("sample-keys");
            Pki.Authority ca = new Pki.Authority("sample CA", keys.resolve("ca.crt"), keys.resolve("ca.key"));
            String nsC = net.addLinkedToA(1);
            Path culvertDir = dir.resolve("client-culvert");
            Files.createDirectories(culvertDir);
            Pki.Identity id = Pki.issue(ca, culvertDir, "tcp-client-2", Pki.Usage.CLIENT);
            Files.copy(keys.resolve("ca.crt"), culvertDir.resolve("ca.crt"));
            String stockConf = Files.readString(stockDir.resolve("client.conf"));
            Files.writeString(culvertDir.resolve("client.conf"), stockConf
                    .replace("\nremote " + net.linkAddrA() + " 1194\n", "\nremote " + net.linkAddrToA(1) + " 1194\n")
                    .replace("\ncert client.crt\n", "\ncert " + id.cert().getFileName() + "\n")
                    .replace("\nkey client.key\n", "\nkey " + id.key().getFileName() + "\n"));
            Peer server = startServer(net, serverDir, "server-culvert-tcp-two");
            Peer stock = null;
            Peer culvert = null;
            try {
                stock = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, stockDir.resolve("client.conf"), stockDir, "client-openvpn-tcp-a");
                culvert = Peer.startConfigFile(net, nsC, Impl.CULVERT, culvertDir.resolve("client.conf"), culvertDir, "client-culvert-tcp-c");
                stock.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                culvert.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                String stockIp = poolAddress(net, net.b());
                String culvertIp = poolAddress(net, nsC);
                assertNotEquals(stockIp, culvertIp, "two clients, two addresses");
                Peer[] all = { server, stock, culvert };
                Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), all);
                Peer.awaitTunnel(net, nsC, "10.8.0.1", Duration.ofSeconds(15), all);
                Peer.awaitTunnel(net, net.a(), stockIp, Duration.ofSeconds(15), all);
                Peer.awaitTunnel(net, net.a(), culvertIp, Duration.ofSeconds(15), all);

                int before = server.logText().length();
                stock.kill();
                // The server notices the closed connection and closes that client only.
                server.awaitLog("closed \\(client \\d+\\): connection reset", before, Duration.ofSeconds(20));
                server.assertAlive("after a client was killed");
                Peer.awaitTunnel(net, nsC, "10.8.0.1", Duration.ofSeconds(15), server, culvert);
                Peer.awaitTunnel(net, net.a(), culvertIp, Duration.ofSeconds(15), server, culvert);
                culvert.assertAlive("after the other client was killed");
                Report.line("Culvert TCP server with a stock and a Culvert client (" + stockIp + ", " + culvertIp
                        + "): the stock client killed, its connection closed on the server, the Culvert client pings on");
            } finally {
                if (stock != null) {
                    stock.close();
                }
                if (culvert != null) {
                    culvert.close();
                }
                server.close();
            }
        }
    }

    private static String poolAddress(Netns net, String ns) {
        String addr = net.run(ns, Duration.ofSeconds(5), "ip", "-4", "-o", "addr", "show", "dev", "tun0").check().output();
        Matcher m = POOL_ADDRESS.matcher(addr);
        assertTrue(m.find(), ns + ": no pool address on tun0: " + addr);
        return m.group(1);
    }
}
