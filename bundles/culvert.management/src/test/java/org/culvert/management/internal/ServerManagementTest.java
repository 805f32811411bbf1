package org.culvert.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.ServerRoute;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.testkit.server.FakeTunnelServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management interface and the status file of a server-mode tunnel, against a
 * {@link FakeTunnelServer}, over real loopback TCP: {@code status 1-3} column by column as OpenVPN
 * 2.6's multi_print_status, {@code load-stats}, {@code kill}, {@code client-kill},
 * {@code client-auth}/{@code -nt}, {@code client-deny}, {@code client-pending-auth},
 * {@code bytecount} and the {@code >CLIENT:} notifications, with bad input for each.
 */
class ServerManagementTest {
    private static final Instant T0 = Instant.ofEpochSecond(1_700_000_000);

    @TempDir
    Path dir;

    private ManualClock clock;
    private ManagementEngine engine;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private FakeTunnelServer server;

    @BeforeEach
    void start() {
        clock = new ManualClock(T0);
        engine = new ManagementEngine(clock, ZoneOffset.UTC, "Culvert 9.9.9 test");
        server = new FakeTunnelServer();
        // Two connected clients, one over IPv6, and one still handshaking.
        server.put(FakeTunnelServer.client(0, "client1", "192.0.2.10", 51234, "10.8.0.2", 4711, 2342, T0.minusSeconds(60)));
        server.put(new ServerClient(1, "client2", "alice", new InetSocketAddress("2001:db8:0:0:0:0:0:7", 1194), "10.8.0.3",
                "fd00::1000", 10, 20, T0.minusSeconds(30), 1, "CHACHA20-POLY1305", true));
        server.put(new ServerClient(2, ServerClient.UNDEF, ServerClient.UNDEF, new InetSocketAddress("198.51.100.4", 40000), "", "",
                0, 0, T0.minusSeconds(1), -1, "", false));
        server.route(new ServerRoute("10.8.0.2", 0, "client1", T0.minusSeconds(30)));
        server.route(new ServerRoute("192.168.4.0/24", 0, "client1", T0.minusSeconds(20)));
        server.route(new ServerRoute("192.168.4.7C", 0, "client1", T0.minusSeconds(10)));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        engine.close();
        assertFalse(engine.thread().isAlive());
    }

    private static TunnelOperations ops(boolean clientAuth, TunnelOperations.Status status) {
        return new TunnelOperations(new TunnelOperations.Management("127.0.0.1", 0, null, null, false, 100, null, false, clientAuth),
                status, 4, 0);
    }

    private FakeTunnel serverTunnel(boolean clientAuth) {
        FakeTunnel t = new FakeTunnel("srv", ops(clientAuth, null));
        t.setServer(server);
        t.setCounters(FakeTunnel.counters(1, 2, 9000, 8000, 3));
        return t;
    }

    private TestClient connect(FakeTunnel t) throws IOException {
        engine.addTunnel(t, new ManagementEngine.TunnelHandle() {
            @Override
            public Tunnel resolve() {
                return t;
            }

            @Override
            public void release() {
            }
        });
        SocketAddress a = Poll.value("the management socket", () -> engine.boundAddress(t));
        TestClient c = TestClient.connectAndGreet(a);
        toClose.add(c);
        return c;
    }

    static final List<String> STATUS_2 = List.of(
            "TITLE,Culvert 9.9.9 test",
            "TIME,2023-11-14 22:13:20,1700000000",
            "HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,Bytes Sent,"
                    + "Connected Since,Connected Since (time_t),Username,Client ID,Peer ID,Data Channel Cipher",
            "CLIENT_LIST,client1,192.0.2.10:51234,10.8.0.2,,4711,2342,2023-11-14 22:12:20,1699999940,UNDEF,0,0,AES-256-GCM",
            "CLIENT_LIST,client2,2001:db8::7,10.8.0.3,fd00::1000,10,20,2023-11-14 22:12:50,1699999970,alice,1,1,CHACHA20-POLY1305",
            "CLIENT_LIST,UNDEF,198.51.100.4:40000,,,0,0,2023-11-14 22:13:19,1699999999,UNDEF,2,4294967295,",
            "HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,Last Ref (time_t)",
            "ROUTING_TABLE,10.8.0.2,client1,192.0.2.10:51234,2023-11-14 22:12:50,1699999970",
            "ROUTING_TABLE,192.168.4.0/24,client1,192.0.2.10:51234,2023-11-14 22:13:00,1699999980",
            "ROUTING_TABLE,192.168.4.7C,client1,192.0.2.10:51234,2023-11-14 22:13:10,1699999990",
            "GLOBAL_STATS,Max bcast/mcast queue length,0",
            "GLOBAL_STATS,dco_enabled,0",
            "END");

    static final List<String> STATUS_1 = List.of(
            "OpenVPN CLIENT LIST",
            "Updated,2023-11-14 22:13:20",
            "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since",
            "client1,192.0.2.10:51234,4711,2342,2023-11-14 22:12:20",
            "client2,2001:db8::7,10,20,2023-11-14 22:12:50",
            "UNDEF,198.51.100.4:40000,0,0,2023-11-14 22:13:19",
            "ROUTING TABLE",
            "Virtual Address,Common Name,Real Address,Last Ref",
            "10.8.0.2,client1,192.0.2.10:51234,2023-11-14 22:12:50",
            "192.168.4.0/24,client1,192.0.2.10:51234,2023-11-14 22:13:00",
            "192.168.4.7C,client1,192.0.2.10:51234,2023-11-14 22:13:10",
            "GLOBAL STATS",
            "Max bcast/mcast queue length,0",
            "END");

    @Test
    void statusVersionsOneTwoThreeInOpenVpnsColumns() throws IOException {
        TestClient c = connect(serverTunnel(false));
        c.send("status 2\n");
        assertEquals(STATUS_2, c.untilEnd());
        c.send("status 3\n");
        List<String> v3 = c.untilEnd();
        assertEquals(STATUS_2.size(), v3.size());
        for (int i = 0; i < v3.size(); i++) {
            // Version 3 is version 2 with TABs: the same fields, one by one.
            assertEquals(List.of(STATUS_2.get(i).split(",", -1)), List.of(v3.get(i).split("\t", -1)), "line " + i);
        }
        c.send("status 1\n");
        assertEquals(STATUS_1, c.untilEnd());
        // Plain "status": --status-version, 1 without a status file (as OpenVPN's status_file_version).
        c.send("status\n");
        assertEquals(STATUS_1, c.untilEnd());
        assertEquals("ERROR: bad status format version number", c.ask("status 4"));
        assertEquals("ERROR: bad status format version number", c.ask("status -1"));
    }

    @Test
    void aNameWithALineBreakCannotAddALine() throws IOException {
        server.put(new ServerClient(9, "evil\nCLIENT_LIST,x", "u\r\n", new InetSocketAddress("192.0.2.99", 1), "", "", 0, 0, T0, 9,
                "AES-256-GCM", true));
        TestClient c = connect(serverTunnel(false));
        c.send("status 2\n");
        List<String> lines = c.untilEnd();
        assertEquals(STATUS_2.size() + 1, lines.size(), lines.toString());
        assertTrue(lines.contains("CLIENT_LIST,evil_CLIENT_LIST,x,192.0.2.99:1,,,0,0,2023-11-14 22:13:20,1700000000,u__,9,9,AES-256-GCM"),
                lines.toString());
    }

    @Test
    void plainStatusFollowsTheStatusVersion() throws IOException {
        FakeTunnel t = new FakeTunnel("srv", ops(false, new TunnelOperations.Status(dir.resolve("s"), Duration.ofSeconds(60), 2)));
        t.setServer(server);
        TestClient c = connect(t);
        c.send("status\n");
        assertEquals(STATUS_2, c.untilEnd());
    }

    @Test
    void loadStatsAndNclientsCountConnectedClients() throws IOException {
        TestClient c = connect(serverTunnel(false));
        assertEquals("SUCCESS: nclients=2,bytesin=9000,bytesout=8000", c.ask("load-stats"));
        assertEquals("SUCCESS: nclients=2", c.ask("nclients"));
    }

    @Test
    void killByCommonNameAndByAddressWithOpenVpnsReplies() throws IOException {
        TestClient c = connect(serverTunnel(false));
        assertEquals("ERROR: common name 'nobody' not found", c.ask("kill nobody"));
        assertEquals("ERROR: client at address 192.0.2.10:1 not found", c.ask("kill 192.0.2.10:1"));
        assertEquals("ERROR: error parsing IP address: host.example", c.ask("kill host.example:1194"));
        assertEquals("ERROR: error parsing IP address: 192.0.2.300", c.ask("kill 192.0.2.300:1194"));
        assertEquals("ERROR: port number is out of range: 0", c.ask("kill 192.0.2.10:0"));
        assertEquals("ERROR: port number is out of range: 65536", c.ask("kill 192.0.2.10:65536"));
        assertEquals("ERROR: port number is out of range: x", c.ask("kill 192.0.2.10:x"));
        assertEquals("ERROR: kill parse", c.ask("kill :1194"));
        // What is repeated back never carries a control character typed in it (the parser drops it).
        assertEquals("ERROR: common name 'ab' not found", c.ask("kill a\u0007b"));
        assertEquals("ERROR: the 'kill' command requires 1 parameter", c.ask("kill"));
        assertEquals(List.of("nobody", "192.0.2.10:1", "ab"), server.kills, "the refused arguments never reached the server");
        assertEquals("SUCCESS: 1 client(s) at address 198.51.100.4:40000 killed", c.ask("kill 198.51.100.4:40000"));
        // "client1:" is a common name: an empty port after the colon, as buf_parse splits it.
        assertEquals("SUCCESS: common name 'client1' found, 1 client(s) killed", c.ask("kill client1:"));
        assertEquals(List.of(1L), server.clients().stream().map(ServerClient::clientId).toList());
    }

    @Test
    void clientKillWithAndWithoutMessageAndItsErrors() throws IOException {
        TestClient c = connect(serverTunnel(false));
        assertEquals("SUCCESS: client-kill command succeeded", c.ask("client-kill 0"));
        assertEquals("SUCCESS: client-kill command succeeded", c.ask("client-kill 1 HALT"));
        assertEquals(List.of("0 RESTART", "1 HALT"), server.clientKills);
        assertEquals("ERROR: client-kill command failed", c.ask("client-kill 0"));
        assertEquals("ERROR: client-kill command failed", c.ask("client-kill 99"));
        assertEquals("ERROR: cannot parse CID", c.ask("client-kill abc"));
        assertEquals("ERROR: cannot parse CID", c.ask("client-kill -1"));
        assertEquals("ERROR: the 'client-kill' command requires at least 1 parameter", c.ask("client-kill"));
    }

    @Test
    void clientAuthTakesConfigurationLinesUntilEnd() throws IOException {
        TestClient c = connect(serverTunnel(true));
        server.await(2, 7);
        c.send("client-auth 2 7\n");
        c.send("push \"route 10.9.0.0 255.255.0.0\"\n");
        c.send("ifconfig-push 10.8.0.50 255.255.255.0\n");
        c.send("END\n");
        assertEquals("SUCCESS: client-auth command succeeded", c.line());
        assertEquals(List.of(new FakeTunnelServer.Verdict(2, 7, true,
                List.of("push \"route 10.9.0.0 255.255.0.0\"", "ifconfig-push 10.8.0.50 255.255.255.0"), null)), server.verdicts);
        // A client not waiting (any more), or under another key id: refused after its END.
        c.send("client-auth 2 7\nEND\n");
        assertEquals("ERROR: client-auth command failed", c.line());
        server.await(1, 3);
        c.send("client-auth 1 4\nEND\n");
        assertEquals("ERROR: client-auth command failed", c.line());
        assertEquals("SUCCESS: client-auth command succeeded", c.ask("client-auth-nt 1 3"));
        assertEquals("ERROR: client-auth command failed", c.ask("client-auth-nt 1 3"));
        assertEquals("ERROR: cannot parse CID", c.ask("client-auth x 3"));
        assertEquals("ERROR: cannot parse KID", c.ask("client-auth 1 x"));
        assertEquals("ERROR: cannot parse KID", c.ask("client-auth-nt 1 4294967296"));
        assertEquals("ERROR: the 'client-auth' command requires 2 parameters", c.ask("client-auth 1"));
        // After a block, commands are commands again.
        assertEquals("SUCCESS: nclients=2", c.ask("nclients"));
    }

    @Test
    void clientAuthBlockTooLongIsRefusedWhole() throws IOException {
        TestClient c = connect(serverTunnel(true));
        server.await(0, 1);
        StringBuilder sb = new StringBuilder("client-auth 0 1\n");
        for (int i = 0; i <= ServerCommands.MAX_CLIENT_AUTH_LINES; i++) {
            sb.append("push \"echo ").append(i).append("\"\n");
        }
        sb.append("END\n");
        c.send(sb.toString());
        assertEquals("ERROR: client-auth command failed", c.line());
        assertTrue(server.verdicts.isEmpty());
        assertEquals("SUCCESS: client-auth command succeeded", c.ask("client-auth-nt 0 1"));
    }

    @Test
    void clientDenyWithQuotedReasons() throws IOException {
        TestClient c = connect(serverTunnel(true));
        server.await(2, 1);
        server.await(1, 5);
        assertEquals("SUCCESS: client-deny command succeeded", c.ask("client-deny 2 1 \"bad password\" \"see your admin, please\""));
        assertEquals("SUCCESS: client-deny command succeeded", c.ask("client-deny 1 5 \"expired\""));
        assertEquals(List.of(new FakeTunnelServer.Verdict(2, 1, false, List.of(), "see your admin, please"),
                new FakeTunnelServer.Verdict(1, 5, false, List.of(), null)), server.verdicts);
        assertEquals("ERROR: client-deny command failed", c.ask("client-deny 2 1 again"));
        assertEquals("ERROR: the 'client-deny' command requires at least 3 parameters", c.ask("client-deny 2 1"));
        assertEquals("ERROR: cannot parse KID", c.ask("client-deny 2 k reason"));
    }

    @Test
    void clientPendingAuth() throws IOException {
        TestClient c = connect(serverTunnel(true));
        server.await(2, 1);
        assertEquals("SUCCESS: client-pending-auth command succeeded", c.ask("client-pending-auth 2 1 \"WEB_AUTH::https://sso.example/x\" 120"));
        assertEquals(List.of(new FakeTunnelServer.Pending(2, 1, "WEB_AUTH::https://sso.example/x", 120)), server.pendings);
        assertEquals("ERROR: client-pending-auth command failed. Extra parameter might be too long",
                c.ask("client-pending-auth 1 1 x 120"));
        assertEquals("ERROR: cannot parse TIMEOUT", c.ask("client-pending-auth 2 1 x soon"));
        assertEquals("ERROR: the 'client-pending-auth' command requires 4 parameters", c.ask("client-pending-auth 2 1 x"));
    }

    @Test
    void pointToPointTunnelKeepsOpenVpnsAnswer() throws IOException {
        FakeTunnel t = new FakeTunnel("p2p", ops(false, null));
        TestClient c = connect(t);
        for (String cmd : List.of("client-kill 1", "client-auth-nt 1 2", "client-deny 1 2 r", "client-pending-auth 1 2 x 3", "nclients")) {
            String word = cmd.split(" ")[0];
            assertEquals("ERROR: The '" + word + "' command is not supported by the current daemon mode", c.ask(cmd));
        }
        assertEquals("SUCCESS: nclients=0,bytesin=0,bytesout=0", c.ask("load-stats"));
    }

    @Test
    void bytecountGivesOneLinePerConnectedClient() throws IOException {
        TestClient c = connect(serverTunnel(false));
        assertEquals("SUCCESS: bytecount interval changed", c.ask("bytecount 5"));
        clock.advance(Duration.ofSeconds(5));
        engine.wakeup();
        assertEquals(">BYTECOUNT_CLI:0,4711,2342", c.line());
        assertEquals(">BYTECOUNT_CLI:1,10,20", c.line());
        // The handshaking client has none, and a server sends no >BYTECOUNT total.
        assertEquals("SUCCESS: pid=" + ProcessHandle.current().pid(), c.ask("pid"));
    }

    private static ServerClientEvent event(ServerClientEvent.Kind kind, long cid, Map<String, String> env, long kid) {
        ServerClient client = FakeTunnelServer.client(cid, "client1", "192.0.2.10", 51234, "10.8.0.2", 0, 0, T0);
        return new ServerClientEvent(kind, client, kind == ServerClientEvent.Kind.ADDRESS ? "10.8.0.2" : "", true, env, kid);
    }

    @Test
    void withoutClientAuthOnlyEstablishedIsTold() throws IOException {
        FakeTunnel t = serverTunnel(false);
        TestClient c = connect(t);
        Map<String, String> env = Map.of("common_name", "client1", "untrusted_ip", "192.0.2.10");
        engine.clientEvent(t, event(ServerClientEvent.Kind.CONNECT, 0, env, 1));
        engine.clientEvent(t, event(ServerClientEvent.Kind.ADDRESS, 0, Map.of(), 0));
        engine.clientEvent(t, event(ServerClientEvent.Kind.ESTABLISHED, 0, env, 0));
        engine.clientEvent(t, event(ServerClientEvent.Kind.DISCONNECT, 0, env, 0));
        assertEquals(List.of(">CLIENT:ESTABLISHED,0", ">CLIENT:ENV,n_clients=2", ">CLIENT:ENV,common_name=client1",
                ">CLIENT:ENV,untrusted_ip=192.0.2.10", ">CLIENT:ENV,END"), lines(c, 5));
        assertEquals("SUCCESS: pid=" + ProcessHandle.current().pid(), c.ask("pid"), "CONNECT, ADDRESS or DISCONNECT was told");
    }

    @Test
    void withClientAuthEveryNotificationInOpenVpnsForm() throws IOException {
        FakeTunnel t = serverTunnel(true);
        TestClient c = connect(t);
        // A username from the network with a line break must not start a line of its own.
        Map<String, String> env = Map.of("common_name", "client1", "username", "eve\r\n>CLIENT:ENV,END", "IV_VER", "2.6.14");
        engine.clientEvent(t, event(ServerClientEvent.Kind.CONNECT, 0, env, 3));
        assertEquals(List.of(">CLIENT:CONNECT,0,3", ">CLIENT:ENV,n_clients=2", ">CLIENT:ENV,IV_VER=2.6.14",
                ">CLIENT:ENV,common_name=client1", ">CLIENT:ENV,username=eve__>CLIENT:ENV,END", ">CLIENT:ENV,END"), lines(c, 6));
        engine.clientEvent(t, event(ServerClientEvent.Kind.ADDRESS, 0, Map.of(), 0));
        assertEquals(">CLIENT:ADDRESS,0,10.8.0.2,1", c.line());
        engine.clientEvent(t, event(ServerClientEvent.Kind.REAUTH, 0, Map.of("common_name", "client1"), 4));
        assertEquals(List.of(">CLIENT:REAUTH,0,4", ">CLIENT:ENV,n_clients=2", ">CLIENT:ENV,common_name=client1", ">CLIENT:ENV,END"),
                lines(c, 4));
        engine.clientEvent(t, event(ServerClientEvent.Kind.DISCONNECT, 0, Map.of("common_name", "client1"), 0));
        assertEquals(List.of(">CLIENT:DISCONNECT,0", ">CLIENT:ENV,common_name=client1", ">CLIENT:ENV,END"), lines(c, 3));
        // A client whose CONNECT was never told (here: gone already) gets no DISCONNECT or ADDRESS.
        engine.clientEvent(t, event(ServerClientEvent.Kind.DISCONNECT, 0, Map.of(), 0));
        engine.clientEvent(t, event(ServerClientEvent.Kind.ADDRESS, 0, Map.of(), 0));
        assertEquals("SUCCESS: pid=" + ProcessHandle.current().pid(), c.ask("pid"));
    }

    private static List<String> lines(TestClient c, int n) throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(c.line());
        }
        return out;
    }

    @Test
    void statusFileOfAServerInEachVersion() throws Exception {
        for (int version = 1; version <= 3; version++) {
            ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
            StatusFileWriter writer = new StatusFileWriter(scheduler, new ManualClock(T0), ZoneOffset.UTC, "Culvert 9.9.9 test");
            try {
                Path f = dir.resolve("status-" + version + ".log");
                FakeTunnel t = new FakeTunnel("srv", new TunnelOperations(null,
                        new TunnelOperations.Status(f, Duration.ofSeconds(60), version), 1, 0));
                t.setServer(server);
                writer.addTunnel(t, new ManagementEngine.TunnelHandle() {
                    @Override
                    public Tunnel resolve() {
                        return t;
                    }

                    @Override
                    public void release() {
                    }
                });
                Poll.until("the status file", () -> Files.exists(f));
                List<String> expected = version == 1 ? STATUS_1 : version == 2 ? STATUS_2
                        : STATUS_2.stream().map(l -> l.replace(',', '\t')).toList();
                // LF line ends in a file, as OpenVPN's status_printf.
                assertEquals(String.join("\n", expected) + "\n", Files.readString(f), "version " + version);
            } finally {
                writer.close();
            }
        }
    }
}
