package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Culvert as a tls-crypt-v2 server: keys made by stock {@code openvpn --genkey tls-crypt-v2-server} and
 * {@code tls-crypt-v2-client} (with user metadata), the shipped server.conf with
 * {@code tls-crypt-v2 server.v2 force-cookie} and a {@code tls-crypt-v2-verify} script that accepts the
 * metadata {@code good} only. A stock 2.6 client with the good key gets its pool address and pings
 * through; one whose key says {@code bad} is refused by the script (which saw {@code metadata_type} 0
 * and the metadata); one whose key another server key wrapped is dropped before the script or TLS.
 * The refused clients run with {@code hand-window 8}, so their "TLS key negotiation failed" is the
 * observable end of the attempt.
 */
@ExtendWith(PeerLogs.class)
class ServerTlsCryptV2Test {
    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    private static void openvpn(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("openvpn"));
        cmd.addAll(List.of(args));
        Proc.run(Duration.ofSeconds(30), cmd).check();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aStockClientKeyIsUnwrappedVerifiedAndServedForeignAndRefusedKeysAreNot() throws Exception {
        Path dir = Peer.caseDir("server-tls-crypt-v2");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            Files.createDirectories(serverDir);
            Files.createDirectories(clientDir);
            Path serverKey = serverDir.resolve("server.v2");
            Path otherKey = dir.resolve("other-server.v2");
            openvpn("--genkey", "tls-crypt-v2-server", serverKey.toString());
            openvpn("--genkey", "tls-crypt-v2-server", otherKey.toString());
            // Metadata is base64 of the bytes the script reads back: "good", "bad".
            openvpn("--tls-crypt-v2", serverKey.toString(), "--genkey", "tls-crypt-v2-client",
                    clientDir.resolve("good.v2").toString(), "Z29vZA==");
            openvpn("--tls-crypt-v2", serverKey.toString(), "--genkey", "tls-crypt-v2-client",
                    clientDir.resolve("bad.v2").toString(), "YmFk");
            openvpn("--tls-crypt-v2", otherKey.toString(), "--genkey", "tls-crypt-v2-client",
                    clientDir.resolve("foreign.v2").toString(), "Z29vZA==");
            Path seen = serverDir.resolve("verified.txt").toAbsolutePath();
            Path verify = serverDir.resolve("verify.sh").toAbsolutePath();
            Files.writeString(verify, "#!/bin/sh\necho \"$script_type $metadata_type $(cat \"$metadata_file\")\" >> " + seen
                    + "\n[ \"$metadata_type\" = 0 ] && [ \"$(cat \"$metadata_file\")\" = good ] && exit 0\nexit 1\n");
            Files.setPosixFilePermissions(verify, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp",
                    "tls-crypt-v2 server.v2 force-cookie\nscript-security 2\ntls-crypt-v2-verify " + verify + "\n");
            Path conf = clientDir.resolve("client.conf");
            String shipped = Files.readString(conf);
            Peer server = ServerModeTest.startServer(net, serverDir, "server-culvert-tls-crypt-v2");
            try {
                Files.writeString(conf, shipped + "\ntls-crypt-v2 good.v2\n");
                ShippedClientServerTest.Seen good = ShippedClientServerTest.connect(net, Impl.OPENVPN, clientDir,
                        "client-openvpn-good-key", server, c -> { });
                assertTrue(good.address().startsWith("10.8.0."), good.address());
                assertEquals(List.of("tls-crypt-v2-verify 0 good"), Files.readAllLines(seen), "the script saw the good key");

                int before = server.logText().length();
                Files.writeString(conf, shipped + "\ntls-crypt-v2 bad.v2\nhand-window 8\n");
                refused(net, conf, clientDir, "client-openvpn-refused-key");
                server.awaitLog("--tls-crypt-v2-verify refused the client key \\(metadata type 0\\)", before, Duration.ofSeconds(5));
                assertEquals("tls-crypt-v2-verify 0 bad", Files.readAllLines(seen).get(1), "the script saw the bad key");
                long runs = Files.readAllLines(seen).size();
                assertEquals(2, runs, "one script run for the refused attempt, its retries answered from the verdict: "
                        + Files.readAllLines(seen));

                int beforeForeign = server.logText().length();
                Files.writeString(conf, shipped + "\ntls-crypt-v2 foreign.v2\nhand-window 8\n");
                refused(net, conf, clientDir, "client-openvpn-foreign-key");
                assertEquals(2, Files.readAllLines(seen).size(), "a foreign key never reaches the script");
                assertFalse(server.logText().substring(beforeForeign).contains("VERIFY OK"), "a foreign key got TLS");
                server.assertAlive("after refused tls-crypt-v2 clients");
                Report.line("Culvert server with tls-crypt-v2 (stock-generated keys) and tls-crypt-v2-verify: a stock client up with "
                        + good.address() + " in " + good.upMillis() + " ms; metadata 'bad' refused by the script; a foreign key dropped");
            } finally {
                server.close();
            }
        }
    }

    /** A stock client the server must not serve: its handshake times out (hand-window 8) without a session. */
    private static void refused(Netns net, Path conf, Path clientDir, String label) {
        Peer client = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, conf, clientDir, label);
        try {
            client.awaitLog("TLS key negotiation failed to occur within 8 seconds", 0, Duration.ofSeconds(30));
            assertFalse(client.logText().contains("Initialization Sequence Completed"), label + " came up");
            assertFalse(client.logText().contains("VERIFY OK"), label + " got a TLS session");
        } finally {
            client.close();
        }
    }
}
