package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.culvert.e2e.PeerConfig.Role;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The tls-crypt-v2 client's wire format against a stock OpenVPN 2.6 server ({@code server} helper:
 * multi-client mode, which tls-crypt-v2 keys are made for). The implementation under test connects
 * as a point-to-point tls-client (pull is another part of issue 11), so what is checked is the
 * control channel: {@code P_CONTROL_HARD_RESET_CLIENT_V3} wrapped with Kc and carrying the WKc, the
 * early-negotiation packet-ids, and {@code P_CONTROL_WKC_V1} when the 2.6 server asks for the WKc again
 * (it does, statelessly, for every such client): the server unwraps the WKc with its key, verifies our
 * certificate and reads our key-method-2 message, and we read its (it offers no ciphers to a client
 * that does not pull, which ends the point-to-point attempt there). A client key made for another
 * server key is refused by the server ("can not extract tls-crypt-v2 client key") and nothing completes.
 */
@ExtendWith(PeerLogs.class)
class TlsCryptV2InteropTest {
    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
        assumeTrue(Files.isRegularFile(PkiInteropTest.SAMPLES.resolve("ca.crt")), "OpenVPN's sample keys are not installed");
    }

    private static Path genkey(Path dir, String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openvpn";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Proc.run(Duration.ofSeconds(30), java.util.List.of(cmd)).check();
        return dir;
    }

    private static PeerConfig stockServer(Netns net, Path serverKey) {
        Path s = PkiInteropTest.SAMPLES;
        return new PeerConfig().option("dev", "tun").option("proto", "udp").option("local", net.linkAddrB())
                .option("port", Integer.toString(PeerConfig.PORT)).option("server", "10.89.0.0", "255.255.255.0")
                .option("topology", "subnet").option("dh", "none").option("ca", s.resolve("ca.crt").toString())
                .option("cert", s.resolve("server.crt").toString()).option("key", s.resolve("server.key").toString())
                .option("tls-crypt-v2", serverKey.toString()).option("verb", "4");
    }

    private static PeerConfig client(Netns net, Path clientKey) {
        Path s = PkiInteropTest.SAMPLES;
        return PeerConfig.tls(net, net.a(), Role.UDP, false).option("ca", s.resolve("ca.crt").toString())
                .option("cert", s.resolve("client.crt").toString()).option("key", s.resolve("client.key").toString())
                .option("remote-cert-tls", "server").option("tls-crypt-v2", clientKey.toString());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void stockServerUnwrapsTheClientKeyAndCompletesTheHandshake() {
        Path dir = Peer.caseDir("tls-crypt-v2");
        genkey(dir, "--genkey", "tls-crypt-v2-server", dir.resolve("server.v2").toString());
        genkey(dir, "--tls-crypt-v2", dir.resolve("server.v2").toString(), "--genkey", "tls-crypt-v2-client",
                dir.resolve("client.v2").toString());
        genkey(dir, "--genkey", "tls-crypt-v2-server", dir.resolve("other.v2").toString());
        genkey(dir, "--tls-crypt-v2", dir.resolve("other.v2").toString(), "--genkey", "tls-crypt-v2-client",
                dir.resolve("stranger.v2").toString());
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            Peer.Pair good = Peer.startPair(net, dir, Role.UDP, ut, client(net, dir.resolve("client.v2")), "good-a-" + ut,
                    Impl.OPENVPN, stockServer(net, dir.resolve("server.v2")), "good-b-openvpn");
            // The server verified our certificate and read our key-method-2 message: TLS ran inside
            // the tls-crypt-v2 wrapping, keyed from the WKc it unwrapped.
            good.b().awaitLog("Control Channel: using tls-crypt-v2 key", 0, Duration.ofSeconds(30));
            good.b().awaitLog("VERIFY OK: depth=0, .*CN=Test-Client", 0, Duration.ofSeconds(30));
            good.b().awaitLog("peer info: IV_PROTO=", 0, Duration.ofSeconds(30));
            String initiated = TunnelChecks.firstLine(good.b(), "VERIFY OK: depth=0, .*CN=Test-Client");
            assertFalse(TunnelChecks.firstLine(good.b(), "can not extract tls-crypt-v2 client key|peer info: IV_PROTO=")
                    .contains("can not extract"), "the server refused our first packets");
            String clientSide = "";
            if (ut == Impl.CULVERT) {
                // And we read the server's: a server sends no IV_CIPHERS, which only pull (another part
                // of issue 11) accepts; a point-to-point client stops there, after the whole exchange.
                good.a().awaitLog("TLS Error: NEGOTIATION_FAILED: .*it sent no IV_CIPHERS", 0, Duration.ofSeconds(30));
                clientSide = TunnelChecks.firstLine(good.a(), "TLS Error: NEGOTIATION_FAILED");
            }
            good.stop(Duration.ofSeconds(20));

            Peer.Pair bad = Peer.startPair(net, dir, Role.UDP, ut, client(net, dir.resolve("stranger.v2")), "bad-a-" + ut,
                    Impl.OPENVPN, stockServer(net, dir.resolve("server.v2")), "bad-b-openvpn");
            bad.b().awaitLog("can not extract tls-crypt-v2 client key", 0, Duration.ofSeconds(30));
            String refused = TunnelChecks.firstLine(bad.b(), "can not extract tls-crypt-v2 client key");
            // A few more seconds: a refused key must not get a session anyway.
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            while (System.nanoTime() < until) {
                bad.a().assertAlive("with a refused client key (it retries)");
                Peer.pause();
            }
            assertFalse(bad.b().logText().contains("VERIFY OK: depth=0"), "a foreign client key got a TLS session");
            bad.stop(Duration.ofSeconds(20));
            Report.line("tls-crypt-v2 client against a stock server: server " + initiated.trim() + " | client " + clientSide.trim()
                    + " | foreign key: " + refused.trim());
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aPullClientWithATlsCryptV2KeyGetsItsAddressFromAStockServer() {
        Path dir = Peer.caseDir("tls-crypt-v2-client");
        genkey(dir, "--genkey", "tls-crypt-v2-server", dir.resolve("server.v2").toString());
        genkey(dir, "--tls-crypt-v2", dir.resolve("server.v2").toString(), "--genkey", "tls-crypt-v2-client",
                dir.resolve("client.v2").toString());
        Path s = PkiInteropTest.SAMPLES;
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            PeerConfig c = new PeerConfig().option("client").option("dev", "tun").option("proto", "udp")
                    .option("remote", net.linkAddrB(), Integer.toString(PeerConfig.PORT)).option("nobind")
                    .option("ca", s.resolve("ca.crt").toString()).option("cert", s.resolve("client.crt").toString())
                    .option("key", s.resolve("client.key").toString()).option("remote-cert-tls", "server")
                    .option("tls-crypt-v2", dir.resolve("client.v2").toString()).option("verb", "3");
            Peer.Pair p = Peer.startPair(net, dir, Role.UDP, ut, c, "a-" + ut, Impl.OPENVPN,
                    stockServer(net, dir.resolve("server.v2")), "b-openvpn");
            // The pushed address (10.89.0.2/24) and a ping to the server's tun address through the tunnel.
            Peer.awaitTunnel(net, net.a(), "10.89.0.1", E2eEnv.readyTimeout(), p.a(), p.b());
            p.b().awaitLog("Peer Connection Initiated with", 0, Duration.ofSeconds(10));
            p.stop(Duration.ofSeconds(20));
            Report.line("tls-crypt-v2 pull client (" + ut + ") against a stock 2.6 server: up, pinged 10.89.0.1");
        }
    }
}
