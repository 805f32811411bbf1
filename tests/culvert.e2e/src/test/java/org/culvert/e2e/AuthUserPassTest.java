package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.culvert.e2e.PeerConfig.Role;
import org.culvert.e2e.TlsConfigs.Verify;
import org.culvert.e2e.TlsConfigs.Wrap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code --auth-user-pass} against stock OpenVPN 2.6 in server mode with {@code auth-user-pass-verify}:
 * the implementation under test (namespace a, a tls-client with {@code dev null}) sends the username
 * and password in its key-method-2 message; the server's script checks them. A 2.6 server answers
 * refused credentials with {@code AUTH_FAILED} as soon as the script fails, before any PUSH_REQUEST,
 * so this runs without pull: with the right password the script sees the username and the server logs
 * the success; with a wrong one the client logs the AUTH_FAILED and, with the default
 * {@code --auth-retry none}, exits by itself with status 1 (stock openvpn's client does the same).
 */
@ExtendWith(PeerLogs.class)
class AuthUserPassTest {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void goodPasswordIsAcceptedAndAWrongOneEndsTheClientWithAuthFailed() throws Exception {
        Path dir = Peer.caseDir("auth-user-pass");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.CA, Wrap.NONE);
        Path seen = dir.resolve("seen-user");
        Path script = write(dir.resolve("verify.sh"), "#!/bin/sh\n"
                + "# via-file: line 1 the username, line 2 the password\n"
                + "user=$(sed -n 1p \"$1\"); pass=$(sed -n 2p \"$1\")\n"
                + "printf '%s\\n' \"$user\" >> '" + seen + "'\n"
                + "[ \"$user\" = alice ] && [ \"$pass\" = 'c0rrect horse' ]\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            PeerConfig server = new PeerConfig().option("dev", "tun").option("proto", "udp").option("local", net.linkAddrB())
                    .option("port", Integer.toString(PeerConfig.PORT)).option("server", "10.77.0.0", "255.255.255.0")
                    .option("ca", m.ca().cert().toString()).option("cert", m.server().cert().toString())
                    .option("key", m.server().key().toString()).option("dh", "none").option("script-security", "2")
                    .option("auth-user-pass-verify", script.toString(), "via-file").option("verb", "4");
            try (Peer openvpn = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, server, dir, "server-openvpn")) {
                openvpn.awaitUdpBound(net, PeerConfig.PORT, Duration.ofSeconds(20));

                // The right password: the script sees alice and accepts.
                try (Peer good = Peer.startWithConfig(net, net.a(), ut, client(net, ut, m, write(dir.resolve("good.txt"),
                        "alice\nc0rrect horse\n")), dir, "good-" + ut)) {
                    openvpn.awaitLog("Username/Password authentication succeeded for username 'alice'", 0, Duration.ofSeconds(30));
                    good.assertAlive("after the server accepted the credentials");
                    assertFalse(good.logText().contains("AUTH_FAILED"), good.logText());
                    good.stop(Duration.ofSeconds(20));
                }
                int serverLog = openvpn.logText().length();

                // A wrong password: AUTH_FAILED, and with --auth-retry none the client exits 1.
                Peer bad = Peer.startWithConfig(net, net.a(), ut, client(net, ut, m, write(dir.resolve("bad.txt"), "alice\nwrong\n")), dir,
                        "bad-" + ut);
                int exit;
                try {
                    exit = bad.awaitExit(EXIT_WAIT);
                } finally {
                    bad.close();
                }
                openvpn.awaitLog("SENT CONTROL \\[.*\\]: 'AUTH_FAILED'", serverLog, Duration.ofSeconds(10));
                assertTrue(bad.logText().contains("AUTH: Received control message: AUTH_FAILED"), bad.logText());
                assertEquals(1, exit, "exit status after AUTH_FAILED with --auth-retry none");
                assertEquals("alice\nalice\n", Files.readString(seen, StandardCharsets.UTF_8), "the usernames the server's script saw");
                Report.line("auth-user-pass against stock OpenVPN 2.6 (auth-user-pass-verify via-file): " + ut
                        + " good password accepted; wrong password -> AUTH_FAILED, exit status " + exit);
            }
        }
    }

    /**
     * {@code auth-gen-token} on the server: the pull client takes the pushed auth-token and sends it in
     * place of the password at its next key method 2 (a renegotiation after 8 s here), which the server
     * accepts as a token without asking its script again.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aPushedAuthTokenReplacesThePasswordAtTheNextKeyExchange() throws Exception {
        Path dir = Peer.caseDir("auth-token");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.CA, Wrap.NONE);
        Path seen = dir.resolve("seen-user");
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            PeerConfig server = tokenServer(net, m, verifyScript(dir, seen)).option("auth-gen-token");
            PeerConfig client = tokenClient(net, m, dir).option("reneg-sec", "8");
            Peer.Pair p = Peer.startPair(net, dir, Role.UDP, ut, client, "a-" + ut, Impl.OPENVPN, server, "b-openvpn");
            Peer.awaitTunnel(net, net.a(), "10.78.0.1", E2eEnv.readyTimeout(), p.a(), p.b());
            p.b().awaitLog("Username/Password authentication succeeded for username 'alice'", 0, Duration.ofSeconds(10));
            // The renegotiation: the token, not the password, and the script is not asked again.
            p.b().awaitLog("auth-token authentication succeeded for username 'alice'", 0, Duration.ofSeconds(40));
            assertFalse(p.a().logText().contains("c0rrect horse") || p.a().logText().contains("SESS_ID_AT_"),
                    "a password or token in the client's log");
            assertEquals("alice\n", Files.readString(seen, StandardCharsets.UTF_8), "the script ran once, for the password");
            String line = TunnelChecks.firstLine(p.b(), "auth-token authentication succeeded");
            p.stop(Duration.ofSeconds(20));
            Report.line("auth-gen-token on stock OpenVPN 2.6: " + ut + " pull client renegotiated with the token: " + line.trim());
        }
    }

    /**
     * {@code auth-gen-token 0 8} (with {@code hand-window 4}, as OpenVPN requires renewal-time to be at
     * least twice the hand-window): a token is good for 16 s after the server issued it, and the server
     * issues a new one after each renegotiation. The client renegotiates every 6 s, so from the third
     * renegotiation on only a token taken from a later PUSH_REPLY is still good; after a SIGUSR1 the
     * reconnection also uses the newest one. The script is asked once, for the password.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aRenewedAuthTokenIsUsedAtEachRenegotiationAndOnReconnect() throws Exception {
        Path dir = Peer.caseDir("auth-token-renewed");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.CA, Wrap.NONE);
        Path seen = dir.resolve("seen-user");
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            PeerConfig server = tokenServer(net, m, verifyScript(dir, seen)).option("auth-gen-token", "0", "8")
                    .option("hand-window", "4");
            Path sock = dir.resolve("client.sock");
            PeerConfig client = tokenClient(net, m, dir).option("reneg-sec", "6").option("management", sock.toString(), "unix");
            Peer.Pair p = Peer.startPair(net, dir, Role.UDP, ut, client, "a-" + ut, Impl.OPENVPN, server, "b-openvpn");
            Peer.awaitTunnel(net, net.a(), "10.78.0.1", E2eEnv.readyTimeout(), p.a(), p.b());
            String accepted = "auth-token authentication succeeded for username 'alice'";
            awaitCount(p.b(), accepted, 3, Duration.ofSeconds(60));
            int before = p.a().logText().length();
            try (ManagementSession s = ManagementSession.unix("a-" + ut, sock, Duration.ofSeconds(10))) {
                s.line();
                assertTrue(s.ask("signal SIGUSR1").startsWith("SUCCESS"), "signal SIGUSR1");
            }
            p.a().awaitLog("Initialization Sequence Completed", before, E2eEnv.readyTimeout());
            awaitCount(p.b(), accepted, 4, Duration.ofSeconds(20));
            String serverLog = p.b().logText();
            assertFalse(serverLog.contains("out of the renewal window") || serverLog.contains("auth-token from client expired")
                    || serverLog.contains("AUTH_FAILED"), "a stale token was sent: " + TunnelChecks.firstLine(p.b(), "renewal window|expired|AUTH_FAILED"));
            assertEquals("alice\n", Files.readString(seen, StandardCharsets.UTF_8), "the script ran once, for the password");
            assertFalse(p.a().logText().contains("SESS_ID_AT_"), "a token in the client's log");
            int tokens = TunnelChecks.countLines(p.b(), accepted);
            p.stop(Duration.ofSeconds(20));
            Report.line("auth-gen-token 0 8 on stock OpenVPN 2.6: " + ut + " pull client sent the renewed token at "
                    + tokens + " key exchanges (renegotiations every 6 s and a SIGUSR1 reconnect), never a stale one");
        }
    }

    private static void awaitCount(Peer peer, String regex, int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (TunnelChecks.countLines(peer, regex) < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(peer + ": fewer than " + n + " lines /" + regex + "/ within " + timeout.toSeconds()
                        + " s: " + TunnelChecks.countLines(peer, regex));
            }
            peer.assertAlive("while counting /" + regex + "/");
            Peer.pause();
        }
    }

    /** A via-file script that accepts alice with her password and records each username it is asked for in {@code seen}. */
    private static Path verifyScript(Path dir, Path seen) throws IOException {
        Path script = write(dir.resolve("verify.sh"), "#!/bin/sh\n"
                + "user=$(sed -n 1p \"$1\"); pass=$(sed -n 2p \"$1\")\n"
                + "printf '%s\\n' \"$user\" >> '" + seen + "'\n"
                + "[ \"$user\" = alice ] && [ \"$pass\" = 'c0rrect horse' ]\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    /** A stock server (mode server, topology subnet) that checks passwords with {@code script}. */
    private static PeerConfig tokenServer(Netns net, TlsConfigs.Material m, Path script) {
        return new PeerConfig().option("dev", "tun").option("proto", "udp").option("local", net.linkAddrB())
                .option("port", Integer.toString(PeerConfig.PORT)).option("server", "10.78.0.0", "255.255.255.0")
                .option("topology", "subnet").option("ca", m.ca().cert().toString())
                .option("cert", m.server().cert().toString()).option("key", m.server().key().toString())
                .option("dh", "none").option("script-security", "2")
                .option("auth-user-pass-verify", script.toString(), "via-file").option("verb", "4");
    }

    /** A pull client with alice's password from a file. */
    private static PeerConfig tokenClient(Netns net, TlsConfigs.Material m, Path dir) {
        return new PeerConfig().option("client").option("dev", "tun").option("proto", "udp")
                .option("nobind").option("remote", net.linkAddrB(), Integer.toString(PeerConfig.PORT))
                .option("ca", m.ca().cert().toString()).option("cert", m.client().cert().toString())
                .option("key", m.client().key().toString())
                .option("auth-user-pass", write(dir.resolve("up.txt"), "alice\nc0rrect horse\n").toString())
                .option("verb", "3");
    }

    /**
     * The client under test: tls-client (dev null), credentials from {@code file}; stock openvpn needs
     * {@code pull} with {@code --auth-user-pass}, Culvert takes a point-to-point tls-client too.
     */
    private static PeerConfig client(Netns net, Impl ut, TlsConfigs.Material m, Path file) {
        PeerConfig c = new PeerConfig();
        if (ut == Impl.OPENVPN) {
            c.option("pull");
        }
        return c.option("dev", "null").option("proto", "udp").option("nobind")
                .option("remote", net.linkAddrB(), Integer.toString(PeerConfig.PORT)).option("tls-client")
                .option("ca", m.ca().cert().toString()).option("cert", m.client().cert().toString())
                .option("key", m.client().key().toString())
                // A server in server mode sends no IV_CIPHERS (it would push the cipher): name the one it picks.
                .option("data-ciphers-fallback", "AES-256-GCM").option("auth-user-pass", file.toString()).option("verb", "3");
    }

    private static Path write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
