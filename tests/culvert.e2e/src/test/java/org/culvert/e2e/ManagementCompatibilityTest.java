package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.culvert.e2e.PeerConfig.Role;
import org.culvert.e2e.TlsConfigs.Verify;
import org.culvert.e2e.TlsConfigs.Wrap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * OpenVPN's management interface, Culvert against stock OpenVPN 2.6: one tunnel between namespaces
 * a (the implementation under test) and b (stock OpenVPN), both sides with the same
 * {@code --management} options; the same command script goes to both, and the answers must have the
 * same lines once numbers, times and addresses are normalised ({@code help} is not compared: it lists
 * different commands). Both transcripts are printed side by side.
 *
 * <p>Cases: static key with the interface on TCP 127.0.0.1 inside each namespace (reached through a
 * {@link ManagementPipe}); TLS with unix sockets; and {@code --management-hold} with a password file,
 * where the tunnel must not come up (no ping) until {@code hold release}. The first two use
 * {@code --ping 1}: stock OpenVPN checks its bytecount timer only among its coarse timers, so on an idle
 * tunnel without pings its {@code >BYTECOUNT} lines come late or not at all.
 */
@ExtendWith(PeerLogs.class)
class ManagementCompatibilityTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(60);
    private static final String WELCOME = ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info";
    private static final Pattern LOG_LINE = Pattern.compile("^\\d+,[FNWDI]*,.*$");

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    /** One side of the comparison: its session, its peer process, where it pings to. */
    private record Side(String name, ManagementSession session, Peer peer, String ns, String pingTarget) {
    }

    /** The answers of both sides, section by section, and what failed to match. */
    private static final class Comparison {
        final Map<String, List<String>> left = new LinkedHashMap<>();
        final Map<String, List<String>> right = new LinkedHashMap<>();
        final List<String> mismatches = new ArrayList<>();

        void record(String section, List<String> lines, boolean isLeft) {
            (isLeft ? left : right).put(section, lines);
        }

        /** Both sides' lines must be equal after {@code normaliser}. */
        void compare(String section, Function<String, String> normaliser) {
            List<String> l = left.get(section).stream().map(normaliser).collect(Collectors.toList());
            List<String> r = right.get(section).stream().map(normaliser).collect(Collectors.toList());
            if (!l.equals(r)) {
                mismatches.add(section + ":\n    under test: " + l + "\n    openvpn:    " + r);
            }
        }

        /** Both sides give the same kinds of lines, however many (logs differ in length and wording). */
        void compareDistinct(String section, Function<String, String> shape) {
            Set<String> l = left.get(section).stream().map(shape).collect(Collectors.toCollection(LinkedHashSet::new));
            Set<String> r = right.get(section).stream().map(shape).collect(Collectors.toCollection(LinkedHashSet::new));
            if (!l.equals(r)) {
                mismatches.add(section + " (line shapes):\n    under test: " + l + "\n    openvpn:    " + r);
            }
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void staticKeyWithTcpManagementAnswersAsOpenVpn() {
        Path dir = Peer.caseDir("mgmt-static-tcp");
        Path key = Peer.genKey(dir);
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            PeerConfig cfgA = PeerConfig.staticKey(net, net.a(), Role.UDP, key, 0, "AES-256-CBC", "SHA256")
                    .option("management", "127.0.0.1", "7505").option("ping", "1");
            PeerConfig cfgB = PeerConfig.staticKey(net, net.b(), Role.UDP, key, 1, "AES-256-CBC", "SHA256")
                    .option("management", "127.0.0.1", "7505").option("ping", "1");
            Peer.Pair p = Peer.startPair(net, dir, Role.UDP, ut, cfgA, "a-" + ut, Impl.OPENVPN, cfgB, "b-openvpn");
            Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), p.a(), p.b());
            try (ManagementSession sa = ManagementSession.tcpInNamespace("a-" + ut, net, net.a(), 7505, dir, CONNECT_TIMEOUT);
                    ManagementSession sb = ManagementSession.tcpInNamespace("b-openvpn", net, net.b(), 7505, dir, CONNECT_TIMEOUT)) {
                compareScripts(net, new Side(ut.label(), sa, p.a(), net.a(), net.tunAddrB()),
                        new Side("openvpn", sb, p.b(), net.b(), net.tunAddrA()), "static key, TCP management");
            }
            Report.line("management static-key/tcp: " + p.stop(Duration.ofSeconds(20)));
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void tlsWithUnixSocketManagementAnswersAsOpenVpn() {
        Path dir = Peer.caseDir("mgmt-tls-unix");
        Impl ut = E2eEnv.underTest();
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.FINGERPRINT, Wrap.NONE);
        try (Netns net = Netns.create()) {
            Path sockA = dir.resolve("a.sock");
            Path sockB = dir.resolve("b.sock");
            PeerConfig cfgA = TlsConfigs.side(net, net.a(), Role.UDP, false, m, Wrap.NONE, "AES-256-GCM", null, false)
                    .option("management", sockA.toString(), "unix").option("ping", "1");
            PeerConfig cfgB = TlsConfigs.side(net, net.b(), Role.UDP, true, m, Wrap.NONE, "AES-256-GCM", null, false)
                    .option("management", sockB.toString(), "unix").option("ping", "1");
            Peer.Pair p = Peer.startPair(net, dir, Role.UDP, ut, cfgA, "a-" + ut, Impl.OPENVPN, cfgB, "b-openvpn");
            Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), p.a(), p.b());
            try (ManagementSession sa = ManagementSession.unix("a-" + ut, sockA, CONNECT_TIMEOUT);
                    ManagementSession sb = ManagementSession.unix("b-openvpn", sockB, CONNECT_TIMEOUT)) {
                compareScripts(net, new Side(ut.label(), sa, p.a(), net.a(), net.tunAddrB()),
                        new Side("openvpn", sb, p.b(), net.b(), net.tunAddrA()), "TLS (tls-client under test), unix-socket management");
            }
            Report.line("management tls/unix: " + p.stop(Duration.ofSeconds(20)));
            assertFalse(Files.exists(sockA), "the unix socket of the side under test is left behind");
        }
    }

    /**
     * A TLS tcp-client's states: Culvert's and stock OpenVPN's, each as the client of a stock OpenVPN
     * tcp-server in turn, go through the same sequence (CONNECTING, ASSIGN_IP, TCP_CONNECT, WAIT, AUTH,
     * CONNECTED) with the same columns.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aTcpClientGoesThroughOpenVpnsStates() {
        Path dir = Peer.caseDir("mgmt-tcp-client");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.FINGERPRINT, Wrap.NONE);
        Comparison c = new Comparison();
        for (boolean underTest : new boolean[] {true, false}) {
            Impl client = underTest ? E2eEnv.underTest() : Impl.OPENVPN;
            String label = (underTest ? "ut-" : "ref-") + client.label();
            try (Netns net = Netns.create()) {
                Path sock = dir.resolve(label + ".sock");
                PeerConfig cfgA = TlsConfigs.side(net, net.a(), Role.TCP_CLIENT, false, m, Wrap.NONE, "AES-256-GCM", null, false)
                        .option("management", sock.toString(), "unix");
                PeerConfig cfgB = TlsConfigs.side(net, net.b(), Role.TCP_SERVER, true, m, Wrap.NONE, "AES-256-GCM", null, false);
                Peer.Pair p = Peer.startPair(net, dir, Role.TCP_CLIENT, client, cfgA, "a-" + label, Impl.OPENVPN, cfgB,
                        "b-openvpn-" + label);
                Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), p.a(), p.b());
                try (ManagementSession s = ManagementSession.unix("a-" + label, sock, CONNECT_TIMEOUT)) {
                    s.line();
                    Side side = new Side(label, s, p.a(), net.a(), net.tunAddrB());
                    awaitConnected(side);
                    s.send("state all");
                    List<String> lines = s.untilEnd();
                    c.record("state all", lines, underTest);
                    System.out.println("===== tcp-client states, " + label + " =====\n" + String.join("\n", lines));
                }
                Report.line("management tcp-client " + label + ": " + p.stop(Duration.ofSeconds(20)));
            }
        }
        compareStateSequences(c, "state all");
        assertTrue(c.left.get("state all").stream().anyMatch(l -> l.contains(",TCP_CONNECT,")), "no TCP_CONNECT: " + c.left);
        if (!c.mismatches.isEmpty()) {
            fail("a tcp-client's states differ from stock OpenVPN's:\n  " + String.join("\n  ", c.mismatches));
        }
    }

    /**
     * A pull client's states: Culvert's and stock OpenVPN's, each as the client of the same stock
     * OpenVPN server (which pushes an address and a route) in turn, go through the same sequence
     * with the same columns (the pushed address with ASSIGN_IP and CONNECTED). First with the server's
     * push unasked at once (a 2.6 server answers IV_PROTO_REQUEST_PUSH): CONNECTING, WAIT, AUTH,
     * ASSIGN_IP, ADD_ROUTES, CONNECTED; then with a client-connect script that holds the push for 2 s,
     * so that the client asks for it: GET_CONFIG after AUTH.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aPullClientGoesThroughOpenVpnsStatesWithGetConfig() throws IOException {
        Path dir = Peer.caseDir("mgmt-pull-client");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.CA, Wrap.NONE);
        Path slow = Files.writeString(dir.resolve("slow-connect.sh"), "#!/bin/sh\nsleep 2\n");
        Files.setPosixFilePermissions(slow, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Comparison c = new Comparison();
        try (Netns net = Netns.create()) {
            String pushedNet = "10.205." + net.subnet() + ".0";
            PeerConfig server = new PeerConfig().option("dev", "tun").option("proto", "udp").option("local", net.linkAddrB())
                    .option("port", Integer.toString(PeerConfig.PORT)).option("server", "10.76.0.0", "255.255.255.0")
                    .option("topology", "subnet").option("ca", m.ca().cert().toString())
                    .option("cert", m.server().cert().toString()).option("key", m.server().key().toString())
                    .option("dh", "none").option("push", "route " + pushedNet + " 255.255.255.0").option("verb", "4");
            for (boolean held : new boolean[] {false, true}) {
                PeerConfig srv = held ? server.option("script-security", "2").option("client-connect", slow.toString()) : server;
                try (Peer stockServer = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, srv, dir, "server-openvpn-" + held)) {
                    stockServer.awaitUdpBound(net, PeerConfig.PORT, Duration.ofSeconds(20));
                    for (Impl client : List.of(E2eEnv.underTest(), Impl.OPENVPN)) {
                        boolean underTest = client == E2eEnv.underTest();
                        String label = (underTest ? "ut-" : "ref-") + client.label() + (held ? "-held" : "");
                        Path sock = dir.resolve(label + ".sock");
                        PeerConfig cfg = new PeerConfig().option("client").option("dev", "tun").option("proto", "udp")
                                .option("nobind").option("remote", net.linkAddrB(), Integer.toString(PeerConfig.PORT))
                                .option("ca", m.ca().cert().toString()).option("cert", m.client().cert().toString())
                                .option("key", m.client().key().toString()).option("remote-cert-tls", "server")
                                .option("management", sock.toString(), "unix").option("verb", "3");
                        try (Peer p = Peer.startWithConfig(net, net.a(), client, cfg, dir, "client-" + label)) {
                            Peer.awaitTunnel(net, net.a(), "10.76.0.1", E2eEnv.readyTimeout(), p, stockServer);
                            try (ManagementSession s = ManagementSession.unix("client-" + label, sock, CONNECT_TIMEOUT)) {
                                s.line();
                                awaitConnected(new Side(label, s, p, net.a(), "10.76.0.1"));
                                s.send("state all");
                                List<String> lines = s.untilEnd();
                                c.record("state all" + (held ? " (push held)" : ""), lines, underTest);
                                System.out.println("===== pull client states, " + label + " =====\n" + String.join("\n", lines));
                            }
                            assertEquals(0, p.stop(Duration.ofSeconds(20)), label + ": exit status");
                        }
                    }
                }
            }
        }
        compareStateSequences(c, "state all");
        compareStateSequences(c, "state all (push held)");
        assertFalse(c.left.get("state all").stream().anyMatch(l -> l.contains(",GET_CONFIG,")), "GET_CONFIG unasked: " + c.left);
        assertTrue(c.left.get("state all (push held)").stream().anyMatch(l -> l.contains(",GET_CONFIG,")), "no GET_CONFIG: " + c.left);
        if (!c.mismatches.isEmpty()) {
            fail("a pull client's states differ from stock OpenVPN's:\n  " + String.join("\n  ", c.mismatches));
        }
        for (String section : List.of("state all", "state all (push held)")) {
            Report.line("management pull client, " + section + ": " + stateLines(c.left.get(section)).stream()
                    .map(x -> x.split(",", -1)[1]).collect(Collectors.joining(" ")) + " as stock OpenVPN 2.6");
        }
    }

    /**
     * {@code --management-hold} with a password file, both sides: a wrong password is prompted again,
     * the right one opens the interface with the hold notice; restarts are refused during the hold; no
     * ping passes until {@code hold release}, then the tunnel comes up with the usual state lines.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void managementHoldKeepsTheTunnelDownUntilReleased() throws IOException {
        Path dir = Peer.caseDir("mgmt-hold");
        Path key = Peer.genKey(dir);
        Path password = Files.writeString(dir.resolve("mgmt.pw"), "sekrit\n");
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            Path sockA = dir.resolve("a.sock");
            Path sockB = dir.resolve("b.sock");
            PeerConfig cfgA = PeerConfig.staticKey(net, net.a(), Role.UDP, key, 0, "AES-256-CBC", "SHA256")
                    .option("management", sockA.toString(), "unix", password.toString()).option("management-hold");
            PeerConfig cfgB = PeerConfig.staticKey(net, net.b(), Role.UDP, key, 1, "AES-256-CBC", "SHA256")
                    .option("management", sockB.toString(), "unix", password.toString()).option("management-hold");
            Peer.Pair p = Peer.startPair(net, dir, Role.UDP, ut, cfgA, "a-" + ut, Impl.OPENVPN, cfgB, "b-openvpn");
            try (ManagementSession sa = ManagementSession.unix("a-" + ut, sockA, E2eEnv.readyTimeout());
                    ManagementSession sb = ManagementSession.unix("b-openvpn", sockB, E2eEnv.readyTimeout())) {
                Side a = new Side(ut.label(), sa, p.a(), net.a(), net.tunAddrB());
                Side b = new Side("openvpn", sb, p.b(), net.b(), net.tunAddrA());
                List<Side> sides = List.of(a, b);
                Comparison c = new Comparison();
                boolean complete = false;
                try {
                    section(c, sides, "password", s -> {
                        s.session().expectRaw("ENTER PASSWORD:");
                        s.session().send("not the password");
                        s.session().expectRaw("ENTER PASSWORD:");
                        s.session().send("sekrit");
                        return List.of(s.session().line(), s.session().line(), s.session().line());
                    });
                    section(c, sides, "state all", s -> {
                        s.session().send("state all");
                        return s.session().untilEnd();
                    });
                    section(c, sides, "hold", s -> List.of(s.session().ask("hold")));
                    section(c, sides, "signal SIGUSR1", s -> List.of(s.session().ask("signal SIGUSR1"), s.session().line()));
                    section(c, sides, "state on", s -> List.of(s.session().ask("state on")));

                    // Held: no tun device yet, so nothing passes.
                    assertFalse(net.run(net.a(), Duration.ofSeconds(10), "ping", "-n", "-q", "-c", "1", "-W", "1", net.tunAddrB()).ok(),
                            "a ping passed while both sides were held");
                    assertTrue(p.a().isAlive() && p.b().isAlive());

                    for (Side s : sides) {
                        s.session().send("hold release");
                    }
                    section(c, sides, "hold release", s -> s.session().until(l -> l.contains(",CONNECTED,"), RESTART_TIMEOUT));
                    Duration up = Peer.awaitTunnel(net, net.a(), net.tunAddrB(), RESTART_TIMEOUT, p.a(), p.b());
                    Report.line("management hold: tunnel up " + up.toMillis() + " ms after hold release");
                    complete = true;
                } finally {
                    printSideBySide("management-hold with password", a, b, c, complete);
                }
                for (String section : List.of("password", "state all", "hold", "signal SIGUSR1", "state on", "hold release")) {
                    c.compare(section, ManagementCompatibilityTest::normalise);
                }
                compareStateSequences(c, "state all");
                compareStateSequences(c, "hold release");
                assertEquals(List.of("SUCCESS: password is correct", WELCOME, ">HOLD:Waiting for hold release:0"), c.left.get("password"));
                assertEquals(List.of("ERROR: signal 'SIGUSR1' is currently ignored", ">HOLD:Waiting for hold release:0"),
                        c.left.get("signal SIGUSR1"));
                if (!c.mismatches.isEmpty()) {
                    fail("management-hold answers differ from stock OpenVPN's:\n  " + String.join("\n  ", c.mismatches));
                }
            }
            Report.line("management hold: " + p.stop(Duration.ofSeconds(20)));
        }
    }

    /** The command script, section by section on both sides; then the comparison. */
    private static void compareScripts(Netns net, Side a, Side b, String title) {
        Comparison c = new Comparison();
        List<Side> sides = List.of(a, b);
        boolean complete = false;
        try {
            for (Side s : sides) {
                c.record("greeting", List.of(s.session().line()), s == a);
            }
            for (Side s : sides) {
                awaitConnected(s);
            }
            section(c, sides, "version", s -> {
                s.session().send("version");
                return s.session().untilEnd();
            });
            section(c, sides, "pid", s -> List.of(s.session().ask("pid")));
            section(c, sides, "state", s -> {
                s.session().send("state");
                return s.session().untilEnd();
            });
            section(c, sides, "state all", s -> {
                s.session().send("state all");
                return s.session().untilEnd();
            });
            for (String status : List.of("status", "status 2", "status 3")) {
                section(c, sides, status, s -> {
                    s.session().send(status);
                    return s.session().untilEnd();
                });
            }
            section(c, sides, "log all", s -> {
                s.session().send("log all");
                return s.session().untilEnd();
            });
            section(c, sides, "hold", s -> List.of(s.session().ask("hold")));
            section(c, sides, "bytecount 1", s -> {
                List<String> l = new ArrayList<>();
                l.add(s.session().ask("bytecount 1"));
                l.add(s.session().line(Duration.ofSeconds(5)));
                l.add(s.session().line(Duration.ofSeconds(5)));
                return l;
            });
            section(c, sides, "bytecount 0", s -> {
                s.session().send("bytecount 0");
                // Lines already under way may still arrive before the answer.
                return s.session().until(l -> l.startsWith("SUCCESS"), Duration.ofSeconds(10)).stream()
                        .filter(l -> !l.startsWith(">BYTECOUNT:")).collect(Collectors.toList());
            });
            section(c, sides, "unknown command", s -> List.of(s.session().ask("frobnicate")));
            section(c, sides, "state on", s -> List.of(s.session().ask("state on")));
            section(c, sides, "signal SIGUSR1", s -> {
                // Anything the peer's earlier restart caused (a TLS peer re-authenticating) is read first.
                s.session().send("pid");
                s.session().until(l -> l.startsWith("SUCCESS: pid="), Duration.ofSeconds(10));
                s.session().send("signal SIGUSR1");
                List<String> all = s.session().until(x -> x.contains(",CONNECTED,"), RESTART_TIMEOUT);
                Peer.awaitTunnel(net, s.ns(), s.pingTarget(), RESTART_TIMEOUT, a.peer(), b.peer());
                // The answer, then this side's own restart from RECONNECTING on.
                List<String> l = new ArrayList<>();
                boolean restarting = false;
                for (String x : all) {
                    restarting |= x.contains(",RECONNECTING,");
                    if (x.startsWith("SUCCESS:") || restarting) {
                        l.add(x);
                    }
                }
                return l;
            });
            section(c, sides, "state off", s -> {
                s.session().send("state off");
                return s.session().until(l -> l.startsWith("SUCCESS"), Duration.ofSeconds(10)).stream()
                        .filter(l -> !l.startsWith(">STATE:")).collect(Collectors.toList());
            });
            section(c, sides, "exit", s -> {
                s.session().send("exit");
                s.session().awaitClosed(Duration.ofSeconds(10));
                return List.of("[closed]");
            });
            complete = true;
        } finally {
            printSideBySide(title, a, b, c, complete);
        }

        c.compare("greeting", Function.identity());
        c.compare("version", ManagementCompatibilityTest::normalise);
        c.compare("pid", ManagementCompatibilityTest::normalise);
        for (String section : List.of("state", "state all", "status", "status 2", "status 3", "hold", "bytecount 1", "bytecount 0",
                "unknown command", "state on", "signal SIGUSR1", "state off", "exit")) {
            c.compare(section, ManagementCompatibilityTest::normalise);
        }
        c.compareDistinct("log all", ManagementCompatibilityTest::logShape);
        for (String section : List.of("state all", "signal SIGUSR1")) {
            compareStateSequences(c, section);
        }
        assertEquals(WELCOME, c.left.get("greeting").get(0));
        assertEquals("SUCCESS: pid=" + a.peer().pid(), c.left.get("pid").get(0), "pid names the process");
        assertEquals("SUCCESS: pid=" + b.peer().pid(), c.right.get("pid").get(0));
        assertTrue(c.left.get("version").contains("Management Version: 5"), "version keeps the line clients parse");
        assertTrue(c.left.get("log all").size() > 1, "log all shows the tunnel's log");
        assertBytecountCounts(c.left.get("bytecount 1"));
        assertAuthReadBytesMeansWhatOpenVpnMeans(b.name(), c.right.get("status"));
        assertAuthReadBytesMeansWhatOpenVpnMeans(a.name(), c.left.get("status"));
        if (!c.mismatches.isEmpty()) {
            fail("management answers differ from stock OpenVPN's (" + title + "):\n  " + String.join("\n  ", c.mismatches));
        }
        Report.line("management " + title + ": " + c.left.size() + " sections match stock OpenVPN");
    }

    private interface Script {
        List<String> run(Side s);
    }

    private static void section(Comparison c, List<Side> sides, String name, Script script) {
        for (Side s : sides) {
            c.record(name, script.run(s), s == sides.get(0));
        }
    }

    /**
     * OpenVPN's client states field by field: the same state names in the same order, each line with
     * the same number of columns, the same description, and the same columns filled (tun address,
     * remote address and port, local address and port, tun IPv6), whatever the values.
     */
    private static void compareStateSequences(Comparison c, String section) {
        List<String> l = stateLines(c.left.get(section));
        List<String> r = stateLines(c.right.get(section));
        List<String> namesL = l.stream().map(x -> x.split(",", -1)[1]).collect(Collectors.toList());
        List<String> namesR = r.stream().map(x -> x.split(",", -1)[1]).collect(Collectors.toList());
        if (!namesL.equals(namesR)) {
            c.mismatches.add(section + " (state names in order):\n    under test: " + namesL + "\n    openvpn:    " + namesR);
            return;
        }
        assertFalse(namesL.isEmpty(), section + ": no state lines");
        for (int i = 0; i < l.size(); i++) {
            String[] fl = l.get(i).split(",", -1);
            String[] fr = r.get(i).split(",", -1);
            String shapeL = columnShape(fl);
            String shapeR = columnShape(fr);
            if (fl.length != fr.length || !fl[2].equals(fr[2]) || !shapeL.equals(shapeR)) {
                c.mismatches.add(section + " line " + (i + 1) + " (columns):\n    under test: " + l.get(i) + "\n    openvpn:    " + r.get(i));
            }
        }
    }

    /** The state lines of a section, without {@code >STATE:} and without the END and SUCCESS lines. */
    private static List<String> stateLines(List<String> lines) {
        return lines.stream().map(x -> x.startsWith(">STATE:") ? x.substring(">STATE:".length()) : x)
                .filter(x -> x.matches("^\\d+,[A-Z_]+,.*")).collect(Collectors.toList());
    }

    /** Which of the columns after the description are filled: e.g. "x,x,x,x,x,-" . */
    private static String columnShape(String[] fields) {
        StringBuilder sb = new StringBuilder();
        for (int i = 3; i < fields.length; i++) {
            sb.append(fields[i].isEmpty() ? '-' : 'x');
        }
        return sb.toString();
    }

    /** Polls {@code state} until the side reports CONNECTED (OpenVPN's static key may pass pings a moment before). */
    private static void awaitConnected(Side s) {
        long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
        while (true) {
            s.session().send("state");
            List<String> l = s.session().untilEnd();
            if (l.get(0).contains(",CONNECTED,")) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail(s.name() + " did not report CONNECTED within " + CONNECT_TIMEOUT.toSeconds() + " s: " + l);
            }
            Peer.pause();
        }
    }

    /**
     * OpenVPN's "Auth read bytes" (forward.c process_incoming_link_part2, c2.link_read_bytes_auth) adds
     * the length of each data-channel packet after authentication and decryption: the plaintext,
     * keepalive pings included, without the packet's own header, IV, tag or HMAC, and without control
     * packets. So it is below the link bytes read and at least the bytes written to tun.
     */
    private static void assertAuthReadBytesMeansWhatOpenVpnMeans(String side, List<String> status) {
        Map<String, Long> v = new LinkedHashMap<>();
        for (String line : status) {
            int comma = line.lastIndexOf(',');
            if (comma > 0 && line.substring(comma + 1).matches("\\d+")) {
                v.put(line.substring(0, comma), Long.parseLong(line.substring(comma + 1)));
            }
        }
        long auth = v.get("Auth read bytes");
        assertTrue(auth < v.get("TCP/UDP read bytes"), side + ": Auth read bytes must count decrypted payload, not link bytes: " + status);
        assertTrue(auth >= v.get("TUN/TAP write bytes"), side + ": Auth read bytes below what reached tun: " + status);
    }

    /** >BYTECOUNT:in,out with link bytes that grow (or stay) from one report to the next. */
    private static void assertBytecountCounts(List<String> lines) {
        long[] first = bytecount(lines.get(1));
        long[] second = bytecount(lines.get(2));
        assertTrue(first[0] > 0 && first[1] > 0, "link bytes were counted: " + lines);
        assertTrue(second[0] >= first[0] && second[1] >= first[1], "counts only grow: " + lines);
    }

    private static long[] bytecount(String line) {
        assertTrue(line.matches(">BYTECOUNT:\\d+,\\d+"), line);
        String[] f = line.substring(">BYTECOUNT:".length()).split(",");
        return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
    }

    /** Times, dates, addresses and numbers replaced by placeholders; the version text by "*". */
    static String normalise(String line) {
        if (line.startsWith("OpenVPN Version: ")) {
            return "OpenVPN Version: *";
        }
        String l = line.replaceAll("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}", "DATE");
        l = l.replaceAll("\\b\\d{1,3}(\\.\\d{1,3}){3}\\b", "IP");
        return l.replaceAll("\\d+", "N");
    }

    /** A log history line reduced to its shape: "T,flags,text" or END. */
    static String logShape(String line) {
        if (line.equals("END")) {
            return "END";
        }
        return LOG_LINE.matcher(line).matches() ? "T,F,text" : "malformed: " + line;
    }

    /**
     * Prints both sides' answers section by section, side by side, and writes them to
     * {@code target/e2e/management-<title>.txt}. When the script stopped early ({@code complete} false),
     * the raw transcripts follow, since the last section is not recorded.
     */
    private static void printSideBySide(String title, Side a, Side b, Comparison c, boolean complete) {
        int width = 78;
        StringBuilder sb = new StringBuilder();
        sb.append("\n===== management transcripts: ").append(title).append(" =====\n");
        sb.append(pad(a.name() + " (" + a.peer().label() + ")", width)).append(" | openvpn (").append(b.peer().label()).append(")\n");
        for (Map.Entry<String, List<String>> e : c.left.entrySet()) {
            List<String> l = e.getValue();
            List<String> r = c.right.getOrDefault(e.getKey(), List.of());
            String header = "--- " + e.getKey() + " ";
            sb.append(header).append("-".repeat(Math.max(0, width - header.length()))).append("-+-").append("-".repeat(width)).append('\n');
            for (int i = 0; i < Math.max(l.size(), r.size()); i++) {
                sb.append(pad(i < l.size() ? l.get(i) : "", width)).append(" | ").append(i < r.size() ? r.get(i) : "").append('\n');
            }
        }
        if (!complete) {
            for (Side s : List.of(a, b)) {
                sb.append("----- raw transcript of ").append(s.name()).append(" -----\n");
                s.session().transcript().forEach(line -> sb.append(line).append('\n'));
            }
        }
        System.out.println(sb);
        try {
            Files.createDirectories(E2eEnv.workDir());
            Files.writeString(E2eEnv.workDir().resolve("management-" + title.replaceAll("[^A-Za-z0-9]+", "-") + ".txt"), sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pad(String s, int width) {
        if (s.length() > width) {
            return s.substring(0, width - 1) + "~";
        }
        return s + " ".repeat(width - s.length());
    }
}
