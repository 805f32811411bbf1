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
 * A Culvert server that decides later, against stock OpenVPN 2.6 clients with {@code auth-user-pass}
 * on the shipped sample configurations: an {@code auth-user-pass-verify} script that exits 2 and writes
 * its verdict to {@code $auth_control_file} seconds later (from a process it left behind), and
 * {@code management-client-auth}, where the test is the operator answering {@code >CLIENT:CONNECT}.
 */
@ExtendWith(PeerLogs.class)
class ServerDeferredAuthTest {
    /** How long the deferring script's helper waits before it writes the verdict. */
    private static final int VERDICT_DELAY_SECONDS = 2;

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    /**
     * The script defers (exit 2); 2 s later its helper writes {@code 1} for alice, {@code 0} (with
     * {@code auth_failed_reason_file}) for anyone else: alice connects and pings through, mallory gets
     * {@code AUTH_FAILED,<reason>}, and the server lives on.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aDeferredVerdictInTheControlFileAdmitsOrRefuses() throws Exception {
        Path dir = Peer.caseDir("server-deferred-auth");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            // The file named by $1 is deleted when the script ends: read it first; the helper outlives the script.
            Path verify = ServerCase.script(serverDir, "verify.sh", "#!/bin/sh\n"
                    + "user=$(sed -n 1p \"$1\")\n"
                    + "if [ \"$user\" = alice ]; then v=1; else v=0; echo 'not today' > \"$auth_failed_reason_file\"; fi\n"
                    + "( sleep " + VERDICT_DELAY_SECONDS + "; echo $v > \"$auth_control_file\" ) </dev/null >/dev/null 2>&1 &\n"
                    + "exit 2\n");
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "script-security 2\nauth-user-pass-verify " + verify
                    + " via-file\n");
            Path conf = clientDir.resolve("client.conf");
            Files.writeString(conf, Files.readString(conf) + "\nauth-user-pass up.txt\n");
            Files.writeString(clientDir.resolve("up.txt"), "alice\ns3cret\n");
            Peer server = ServerModeTest.startServer(net, serverDir, "server-culvert-deferred");
            try {
                ShippedClientServerTest.Seen good = ShippedClientServerTest.connect(net, Impl.OPENVPN, clientDir,
                        "client-openvpn-deferred-alice", server, c -> { });
                assertTrue(good.address().startsWith("10.8.0."), good.address());
                assertTrue(good.upMillis() >= VERDICT_DELAY_SECONDS * 1000L,
                        "the client waited for the verdict: up in " + good.upMillis() + " ms");
                server.awaitLog("authentication deferred", 0, Duration.ofSeconds(10));

                Files.writeString(clientDir.resolve("up.txt"), "mallory\ns3cret\n");
                Peer bad = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, conf, clientDir, "client-openvpn-deferred-mallory");
                try {
                    bad.awaitLog("AUTH_FAILED,not today", 0, E2eEnv.readyTimeout());
                } finally {
                    bad.close();
                }
                server.assertAlive("after a deferred refusal");
                Report.line("Culvert server, deferred auth-user-pass-verify (exit 2, verdict in auth_control_file after "
                        + VERDICT_DELAY_SECONDS + " s): a stock client got " + good.address() + " in " + good.upMillis()
                        + " ms; a verdict of 0 gave AUTH_FAILED with the reason file's text");
            } finally {
                server.close();
            }
        }
    }

    /**
     * The script defers and asks for {@code AUTH_PENDING} through {@code $auth_pending_file} (the client
     * lists {@code webauth} in {@code IV_SSO}), but no verdict ever comes: the client is told
     * {@code AUTH_PENDING} and {@code INFO_PRE}, and {@code AUTH_FAILED} before {@code hand-window} ends.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aDeferredCheckWithoutVerdictIsPendingThenRefusedWithinTheHandWindow() throws Exception {
        Path dir = Peer.caseDir("server-deferred-auth-timeout");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            Path verify = ServerCase.script(serverDir, "verify.sh", "#!/bin/sh\n"
                    + "printf '30\\nwebauth\\nWEB_AUTH::https://sso.invalid/login\\n' > \"$auth_pending_file\"\nexit 2\n");
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "hand-window 8\nscript-security 2\nauth-user-pass-verify "
                    + verify + " via-file\n");
            Path conf = clientDir.resolve("client.conf");
            Files.writeString(conf, Files.readString(conf) + "\nauth-user-pass up.txt\nsetenv IV_SSO webauth\n");
            Files.writeString(clientDir.resolve("up.txt"), "alice\ns3cret\n");
            Peer server = ServerModeTest.startServer(net, serverDir, "server-culvert-deferred-timeout");
            Peer client = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, conf, clientDir, "client-openvpn-deferred-timeout");
            try {
                long start = System.nanoTime();
                client.awaitLog("AUTH_PENDING", 0, E2eEnv.readyTimeout());
                client.awaitLog("AUTH_FAILED", 0, Duration.ofSeconds(30));
                long failedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(!client.logText().contains("Initialization Sequence Completed"), "the client never got in");
                server.awaitLog("deferred authentication timed out", 0, Duration.ofSeconds(10));
                server.assertAlive("after a deferred check without verdict");
                Report.line("Culvert server, deferred auth-user-pass-verify without verdict (hand-window 8): the stock client was told"
                        + " AUTH_PENDING, then AUTH_FAILED " + failedMillis + " ms after it started");
            } finally {
                client.close();
                server.close();
            }
        }
    }

    /**
     * {@code management-client-auth} with {@code username-as-common-name}: the server tells the
     * management {@code >CLIENT:CONNECT} with the user name as {@code common_name}; {@code client-auth}
     * (with a config line) lets the client in, {@code client-deny} refuses the next one with the client
     * reason, and a verdict for a CID/KID that awaits none is an error.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void theManagementAdmitsAndDeniesClients() throws Exception {
        Path dir = Peer.caseDir("server-management-client-auth");
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            Path sock = serverDir.resolve("mgmt.sock").toAbsolutePath();
            // No verify script: the management's verdict is the user/pass check (OpenVPN's man_def_auth).
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", "management " + sock + " unix\nmanagement-client-auth\n"
                    + "username-as-common-name\n");
            Path conf = clientDir.resolve("client.conf");
            Files.writeString(conf, Files.readString(conf) + "\nauth-user-pass up.txt\n");
            Files.writeString(clientDir.resolve("up.txt"), "alice\ns3cret\n");
            Peer server = ServerModeTest.startServer(net, serverDir, "server-culvert-client-auth");
            try (ManagementSession m = ManagementSession.unix("server-mgmt", sock, Duration.ofSeconds(10))) {
                m.until(l -> l.startsWith(">INFO:"), Duration.ofSeconds(10));
                Peer good = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, conf, clientDir, "client-openvpn-mgmt-alice");
                try {
                    String[] ids = awaitConnect(m, "alice");
                    m.send("client-auth-nt 999 0");
                    m.until(l -> l.startsWith("ERROR: client-auth"), Duration.ofSeconds(10));
                    m.send("client-auth " + ids[0] + " " + ids[1]);
                    m.send("push \"route 10.77.0.0 255.255.255.0\"");
                    m.send("END");
                    m.until(l -> l.startsWith("SUCCESS: client-auth command succeeded"), Duration.ofSeconds(10));
                    good.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                    Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server, good);
                    assertTrue(good.logText().contains("10.77.0.0"), "client-auth's push line reached the client");
                    // a second verdict for the same key awaits nothing
                    m.send("client-deny " + ids[0] + " " + ids[1] + " \"late\"");
                    m.until(l -> l.startsWith("ERROR: client-deny"), Duration.ofSeconds(10));
                    m.send("status 3");
                    List<String> status = m.until(l -> l.equals("END"), Duration.ofSeconds(10));
                    assertTrue(status.stream().anyMatch(l -> l.startsWith("CLIENT_LIST\talice\t")),
                            "status lists the client by its user name: " + status);
                } finally {
                    good.close();
                }
                Files.writeString(clientDir.resolve("up.txt"), "mallory\ns3cret\n");
                Peer bad = Peer.startConfigFile(net, net.b(), Impl.OPENVPN, conf, clientDir, "client-openvpn-mgmt-mallory");
                try {
                    String[] ids = awaitConnect(m, "mallory");
                    m.send("client-deny " + ids[0] + " " + ids[1] + " \"test says no\" \"ask the operator\"");
                    m.until(l -> l.startsWith("SUCCESS: client-deny command succeeded"), Duration.ofSeconds(10));
                    bad.awaitLog("AUTH_FAILED,ask the operator", 0, E2eEnv.readyTimeout());
                } finally {
                    bad.close();
                }
                server.assertAlive("after client-auth and client-deny");
                Report.line("Culvert server with management-client-auth: >CLIENT:CONNECT named the user (username-as-common-name),"
                        + " client-auth admitted a stock client with a pushed route, client-deny refused one with its client reason");
            } finally {
                server.close();
            }
        }
    }

    /** Reads up to a {@code >CLIENT:CONNECT} and its ENV block; checks {@code common_name}; returns CID and KID. */
    private static String[] awaitConnect(ManagementSession m, String commonName) {
        List<String> lines = m.until(l -> l.startsWith(">CLIENT:CONNECT,"), E2eEnv.readyTimeout());
        String[] ids = lines.get(lines.size() - 1).substring(">CLIENT:CONNECT,".length()).split(",");
        assertEquals(2, ids.length, lines.get(lines.size() - 1));
        List<String> env = m.until(l -> l.equals(">CLIENT:ENV,END"), Duration.ofSeconds(10));
        assertTrue(env.contains(">CLIENT:ENV,common_name=" + commonName), "common_name in " + env);
        assertTrue(env.contains(">CLIENT:ENV,username=" + commonName), "username in " + env);
        assertTrue(env.stream().noneMatch(l -> l.contains("password")), "no password in " + env);
        return ids;
    }
}
