package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.culvert.e2e.PeerConfig.Role;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The routes and DNS settings a peer takes, on a real routing table, side by side with stock OpenVPN.
 * Namespace a gets a default gateway, 10.201.N.254 (a second address of b's veth end), so that the
 * route to the server "through the old gateway" is visibly not the direct one. The peer under test
 * in a runs {@code redirect-gateway} (with and without {@code def1}) and a {@code route}; while it is
 * up a's table must hold what OpenVPN 2.6 puts there (compared line by line with stock OpenVPN run on
 * the same configuration in the same namespaces), pings must pass the tunnel, and after it stops the
 * table must be as before. A DNS case compares what an {@code --up} script sees.
 */
@ExtendWith(PeerLogs.class)
class RoutingTest {
    private static final Duration STOP = Duration.ofSeconds(20);
    private static final Pattern TUN = Pattern.compile("\\bdev (tun[0-9]+)");

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    static String oldGateway(Netns net) {
        return "10.201." + net.subnet() + ".254";
    }

    static void addDefaultGateway(Netns net) {
        net.run(net.b(), Duration.ofSeconds(10), "ip", "addr", "add", oldGateway(net) + "/24", "dev", "veth-b").check();
        net.run(net.a(), Duration.ofSeconds(10), "ip", "route", "add", "default", "via", oldGateway(net), "dev", "veth-a").check();
    }

    /** a's IPv4 routing table, one route a line, with the tun device's name replaced by "TUN" and sorted. */
    static List<String> routes(Netns net) {
        String out = net.run(net.a(), Duration.ofSeconds(10), "ip", "-4", "route", "show").check().output();
        Matcher m = TUN.matcher(out);
        String normalised = m.find() ? out.replace(m.group(1), "TUN") : out;
        List<String> lines = new ArrayList<>();
        for (String line : normalised.split("\n")) {
            if (!line.isBlank()) {
                lines.add(line.strip());
            }
        }
        lines.sort(null);
        return lines;
    }

    private static PeerConfig redirecting(Netns net, Path key, String... redirectFlags) {
        return PeerConfig.staticKey(net, net.a(), Role.UDP, key, 1, "AES-256-CBC", "SHA256")
                .option("redirect-gateway", redirectFlags)
                .option("route", "10.203." + net.subnet() + ".0", "255.255.255.0");
    }

    /** Stock OpenVPN in b, {@code impl} in a with {@code config}; returns once a's tunnel is up and initialised. */
    private static Peer.Pair startUp(Netns net, Path dir, Impl impl, PeerConfig config, Path key, String label) {
        Peer b = Peer.startWithConfig(net, net.b(), Impl.OPENVPN,
                PeerConfig.staticKey(net, net.b(), Role.UDP, key, 0, "AES-256-CBC", "SHA256"), dir, label + "-b-openvpn");
        Peer a = Peer.startWithConfig(net, net.a(), impl, config, dir, label + "-a-" + impl);
        try {
            Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), a, b);
            // The routes come after the device: "Initialization Sequence Completed" follows the last one.
            a.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
            return new Peer.Pair(a, b);
        } catch (RuntimeException | AssertionError e) {
            a.close();
            b.close();
            throw e;
        }
    }

    /**
     * Runs {@code impl} in a with {@code config} against stock OpenVPN in b, checks pings and that the
     * table comes back after the stop, and returns a's table while the tunnel was up.
     */
    private static List<String> upAndDown(Netns net, Path dir, Impl impl, PeerConfig config, Path key, String label) {
        List<String> before = routes(net);
        Peer.Pair pair = startUp(net, dir, impl, config, key, label);
        Peer a = pair.a();
        try {
            List<String> up = routes(net);
            assertEquals(0, Traffic.ping(net, net.a(), net.tunAddrB(), 64, 10).lost(), label + ": pings lost through the tunnel");
            assertEquals(0, a.stop(STOP), label + ": exit status of " + impl);
            assertEquals(before, routes(net), label + ": a's routing table after " + impl + " stopped");
            return up;
        } finally {
            a.close();
            pair.b().close();
        }
    }

    static void assertHas(List<String> table, String route, String label) {
        assertTrue(table.contains(route), label + ": no '" + route + "' in " + table);
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void redirectGatewayDef1AsStockOpenVpn() {
        Path dir = Peer.caseDir("routing-def1");
        Path key = Peer.genKey(dir);
        try (Netns net = Netns.create()) {
            addDefaultGateway(net);
            PeerConfig config = redirecting(net, key, "def1");
            List<String> ut = upAndDown(net, dir, E2eEnv.underTest(), config, key, "def1");
            String vpn = net.tunAddrB();
            assertHas(ut, "0.0.0.0/1 via " + vpn + " dev TUN", "def1");
            assertHas(ut, "128.0.0.0/1 via " + vpn + " dev TUN", "def1");
            assertHas(ut, net.linkAddrB() + " via " + oldGateway(net) + " dev veth-a", "def1: the server through the old gateway");
            assertHas(ut, "10.203." + net.subnet() + ".0/24 via " + vpn + " dev TUN", "def1: the --route");
            assertHas(ut, "default via " + oldGateway(net) + " dev veth-a", "def1 keeps the default route");
            List<String> stock = upAndDown(net, dir, Impl.OPENVPN, config, key, "def1-stock");
            assertEquals(stock, ut, "a's table with " + E2eEnv.underTest() + " and with stock OpenVPN");
            Report.line("routing: redirect-gateway def1 + route: " + ut.size() + " routes as stock OpenVPN's, removed on stop");
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void redirectGatewayReplacesTheDefaultRouteAndRestoresIt() {
        Path dir = Peer.caseDir("routing-replace");
        Path key = Peer.genKey(dir);
        try (Netns net = Netns.create()) {
            addDefaultGateway(net);
            PeerConfig config = redirecting(net, key);
            List<String> ut = upAndDown(net, dir, E2eEnv.underTest(), config, key, "replace");
            assertHas(ut, "default via " + net.tunAddrB() + " dev TUN", "replace");
            assertHas(ut, net.linkAddrB() + " via " + oldGateway(net) + " dev veth-a", "replace: the server through the old gateway");
            assertTrue(ut.stream().noneMatch(r -> r.startsWith("default via " + oldGateway(net))), "the old default stays: " + ut);
            List<String> stock = upAndDown(net, dir, Impl.OPENVPN, config, key, "replace-stock");
            assertEquals(stock, ut, "a's table with " + E2eEnv.underTest() + " and with stock OpenVPN");
            Report.line("routing: redirect-gateway (no def1): default route replaced as stock OpenVPN does, restored on stop");
        }
    }

    /**
     * A soft restart with {@code persist-tun} keeps the device and so, as with OpenVPN (init.c
     * do_close_tun keeps the route list on SIGUSR1 with persist-tun), the routes: the table is the same
     * while the peer is away and after it is back, with nothing added twice; the stop removes them.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void routesOutliveAPersistedSoftRestartAndGoOnStop() {
        Path dir = Peer.caseDir("routing-persist");
        Path key = Peer.genKey(dir);
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            addDefaultGateway(net);
            List<String> before = routes(net);
            PeerConfig config = redirecting(net, key, "def1").option("persist-tun").option("ping", "1")
                    .option("ping-restart", "3");
            PeerConfig peer = PeerConfig.staticKey(net, net.b(), Role.UDP, key, 0, "AES-256-CBC", "SHA256");
            Peer b = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, peer, dir, "persist-b1-openvpn");
            Peer a = Peer.startWithConfig(net, net.a(), ut, config, dir, "persist-a-" + ut);
            Peer b2 = null;
            try {
                Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), a, b);
                a.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                List<String> up = routes(net);
                assertHas(up, "0.0.0.0/1 via " + net.tunAddrB() + " dev TUN", "persist");
                int seen = a.logText().length();
                b.stop(STOP);
                a.awaitLog("Inactivity timeout \\(--ping-restart\\)", seen, Duration.ofSeconds(30));
                a.awaitLog("Preserving previous TUN/TAP instance", seen, Duration.ofSeconds(30));
                assertEquals(up, routes(net), "routes while the peer is away, the device persisted");
                b2 = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, peer, dir, "persist-b2-openvpn");
                Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), a, b2);
                assertEquals(up, routes(net), "routes after the reconnect");
                assertEquals(0, a.stop(STOP));
                assertEquals(before, routes(net), "a's routing table after the stop");
                Report.line("routing: redirect-gateway def1 with persist-tun: routes kept across a ping-restart, removed on stop");
            } finally {
                a.close();
                b.close();
                if (b2 != null) {
                    b2.close();
                }
            }
        }
    }

    /**
     * {@code block-ipv6}: an IPv6 packet routed into the tunnel is answered at once with ICMPv6 "no
     * route" from the {@code --ifconfig-ipv6} peer (ping reports it), while IPv4 passes; as stock OpenVPN.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void blockIpv6AnswersNoRouteAsStockOpenVpn() {
        Path dir = Peer.caseDir("routing-block-ipv6");
        Path key = Peer.genKey(dir);
        try (Netns net = Netns.create()) {
            String n = Integer.toString(net.subnet());
            List<String> answers = new ArrayList<>();
            for (Impl impl : List.of(E2eEnv.underTest(), Impl.OPENVPN)) {
                PeerConfig config = PeerConfig.staticKey(net, net.a(), Role.UDP, key, 1, "AES-256-CBC", "SHA256")
                        .option("ifconfig-ipv6", "fd00:" + n + "::2/64", "fd00:" + n + "::1")
                        .option("route-ipv6", "2001:db8:" + n + "::/48").option("block-ipv6");
                Peer.Pair pair = startUp(net, dir, impl, config, key, "block6");
                try {
                    String out = net.run(net.a(), Duration.ofSeconds(10), "ping", "-6", "-n", "-c", "1", "-W", "3",
                            "2001:db8:" + n + "::1").output();
                    assertTrue(out.contains("From fd00:" + n + "::1") && out.contains("No route"), impl + ": " + out);
                    answers.add(out.lines().filter(l -> l.contains("No route")).findFirst().orElse("")
                            .replaceAll("time=\\S+", ""));
                    assertEquals(0, pair.a().stop(STOP));
                } finally {
                    pair.a().close();
                    pair.b().close();
                }
            }
            assertEquals(answers.get(1), answers.get(0), "the answer with " + E2eEnv.underTest() + " and with stock OpenVPN");
            Report.line("routing: block-ipv6 answers ICMPv6 no-route as stock OpenVPN does");
        }
    }

    /** What an --up script sees of dhcp-option and dns, as stock OpenVPN 2.6 exports it. */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void dhcpOptionAndDnsReachTheUpScriptAsWithStockOpenVpn() throws IOException {
        Path dir = Peer.caseDir("routing-dns");
        Path key = Peer.genKey(dir);
        Map<Impl, Map<String, String>> seen = new java.util.EnumMap<>(Impl.class);
        try (Netns net = Netns.create()) {
            for (Impl impl : List.of(E2eEnv.underTest(), Impl.OPENVPN)) {
                if (seen.containsKey(impl)) {
                    continue;
                }
                Path out = dir.resolve("env-" + impl + ".txt");
                Files.deleteIfExists(out);
                Path script = dir.resolve("up-" + impl + ".sh");
                Files.writeString(script, "#!/bin/sh\nenv > " + out + "\n");
                Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
                PeerConfig config = PeerConfig.staticKey(net, net.a(), Role.UDP, key, 1, "AES-256-CBC", "SHA256")
                        .option("script-security", "2")
                        .option("up", script.toString())
                        .option("dhcp-option", "DNS", "10.202." + net.subnet() + ".53")
                        .option("dhcp-option", "DOMAIN", "corp.example")
                        .option("dhcp-option", "DOMAIN-SEARCH", "lab.example")
                        .option("dns", "search-domains", "corp.example")
                        .option("dns", "server", "1", "address", "10.202." + net.subnet() + ".54", "fd00::54")
                        .option("dns", "server", "1", "resolve-domains", "corp.example")
                        .option("dns", "server", "2", "address", "10.202." + net.subnet() + ".55:5353")
                        .option("dns", "server", "2", "dnssec", "optional")
                        .option("dns", "server", "2", "transport", "DoT")
                        .option("dns", "server", "2", "sni", "dns.corp.example");
                Peer.Pair pair = startUp(net, dir, impl, config, key, "dns");
                try {
                    seen.put(impl, nameServiceVariables(out));
                    assertEquals(0, pair.a().stop(STOP));
                } finally {
                    pair.a().close();
                    pair.b().close();
                }
            }
            Map<String, String> ut = seen.get(E2eEnv.underTest());
            // foreign_options_copy_dns: DOMAIN stays; the dns servers replace DNS, the search domains DOMAIN-SEARCH.
            String n = Integer.toString(net.subnet());
            assertEquals(Map.of("foreign_option_1", "dhcp-option DOMAIN corp.example",
                    "foreign_option_2", "dhcp-option DNS 10.202." + n + ".54", "foreign_option_3", "dhcp-option DNS6 fd00::54",
                    "foreign_option_4", "dhcp-option DNS 10.202." + n + ".55",
                    "foreign_option_5", "dhcp-option DOMAIN-SEARCH corp.example"),
                    new TreeMap<>(ut).subMap("foreign_option_", "foreign_option_~"), ut.toString());
            assertEquals("dns.corp.example", ut.get("dns_server_2_sni"), ut.toString());
            assertEquals(seen.get(Impl.OPENVPN), ut, "foreign_option_N and dns_* seen by --up");
        }
        Map<String, String> ut = seen.get(E2eEnv.underTest());
        Report.line("routing: dhcp-option and dns exported to --up as stock OpenVPN 2.6 does (" + ut.size() + " variables)");
    }

    static Map<String, String> nameServiceVariables(Path file) throws IOException {
        long deadline = System.nanoTime() + E2eEnv.readyTimeout().toNanos();
        while (!Files.exists(file) || Files.size(file) == 0) {
            if (System.nanoTime() > deadline) {
                fail("the --up script wrote no " + file);
            }
            Peer.pause();
        }
        Map<String, String> vars = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0 && (line.startsWith("foreign_option_") || line.startsWith("dns_"))) {
                vars.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return vars;
    }
}
