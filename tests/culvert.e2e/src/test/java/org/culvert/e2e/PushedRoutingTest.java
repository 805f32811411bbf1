package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.culvert.e2e.PeerConfig.Role;
import org.culvert.e2e.TlsConfigs.Verify;
import org.culvert.e2e.TlsConfigs.Wrap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a stock OpenVPN 2.6 server pushes to a pull client, applied to a real routing table and seen
 * by its {@code --up} script, side by side with stock OpenVPN as the client in the same namespaces:
 * the server (namespace b, tls-crypt, {@code compress stub-v2}) pushes a {@code route},
 * {@code redirect-gateway def1} and {@code dhcp-option}s; namespace a has a default gateway of its own
 * (see {@link RoutingTest}), so the host route to the server must go through it. While the client is
 * up, a's IPv4 table and the script's {@code foreign_option_N} must equal stock OpenVPN's, pings must
 * reach the server's tun address, and after the stop the table must be as before.
 */
@ExtendWith(PeerLogs.class)
class PushedRoutingTest {
    private static final Duration STOP = Duration.ofSeconds(20);

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void pushedRoutesRedirectAndDhcpOptionsAsStockOpenVpnApplies() throws Exception {
        Path dir = Peer.caseDir("pushed-routing");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.CA, Wrap.TLS_CRYPT);
        Map<Impl, List<String>> tables = new EnumMap<>(Impl.class);
        Map<Impl, Map<String, String>> env = new EnumMap<>(Impl.class);
        try (Netns net = Netns.create()) {
            RoutingTest.addDefaultGateway(net);
            String n = Integer.toString(net.subnet());
            String pushedNet = "10.204." + n + ".0";
            PeerConfig server = new PeerConfig().option("dev", "tun").option("proto", "udp").option("local", net.linkAddrB())
                    .option("port", Integer.toString(PeerConfig.PORT)).option("server", "10.79.0.0", "255.255.255.0")
                    .option("topology", "subnet").option("ca", m.ca().cert().toString())
                    .option("cert", m.server().cert().toString()).option("key", m.server().key().toString())
                    .option("dh", "none").option("tls-crypt", m.wrapKey().toString()).option("compress", "stub-v2")
                    .option("push", "compress stub-v2").option("push", "route " + pushedNet + " 255.255.255.0")
                    .option("push", "redirect-gateway def1").option("push", "dhcp-option DNS 10.79.0.53")
                    .option("push", "dhcp-option DOMAIN corp.example").option("verb", "4");
            List<String> before = RoutingTest.routes(net);
            try (Peer stockServer = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, server, dir, "server-openvpn")) {
                stockServer.awaitUdpBound(net, PeerConfig.PORT, Duration.ofSeconds(20));
                for (Impl impl : List.of(E2eEnv.underTest(), Impl.OPENVPN)) {
                    if (tables.containsKey(impl)) {
                        continue;
                    }
                    Path out = dir.resolve("env-" + impl + ".txt");
                    Files.deleteIfExists(out);
                    Path script = dir.resolve("up-" + impl + ".sh");
                    Files.writeString(script, "#!/bin/sh\nenv > " + out + "\n");
                    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
                    PeerConfig client = new PeerConfig().option("client").option("dev", "tun").option("proto", "udp")
                            .option("nobind").option("remote", net.linkAddrB(), Integer.toString(PeerConfig.PORT))
                            .option("ca", m.ca().cert().toString()).option("cert", m.client().cert().toString())
                            .option("key", m.client().key().toString()).option("remote-cert-tls", "server")
                            .option("tls-crypt", m.wrapKey().toString()).option("script-security", "2")
                            .option("up", script.toString()).option("verb", "3");
                    try (Peer c = Peer.startWithConfig(net, net.a(), impl, client, dir, "client-" + impl)) {
                        Peer.awaitTunnel(net, net.a(), "10.79.0.1", E2eEnv.readyTimeout(), c, stockServer);
                        c.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                        tables.put(impl, RoutingTest.routes(net));
                        env.put(impl, RoutingTest.nameServiceVariables(out));
                        assertEquals(0, Traffic.ping(net, net.a(), "10.79.0.1", 64, 5).lost(), impl + ": pings lost");
                        assertEquals(0, c.stop(STOP), impl + ": exit status");
                    }
                    assertEquals(before, RoutingTest.routes(net), "a's routing table after " + impl + " stopped");
                }
            }
            List<String> ut = tables.get(E2eEnv.underTest());
            RoutingTest.assertHas(ut, "0.0.0.0/1 via 10.79.0.1 dev TUN", "pushed def1");
            RoutingTest.assertHas(ut, "128.0.0.0/1 via 10.79.0.1 dev TUN", "pushed def1");
            RoutingTest.assertHas(ut, pushedNet + "/24 via 10.79.0.1 dev TUN", "the pushed route (route-gateway 10.79.0.1)");
            RoutingTest.assertHas(ut, net.linkAddrB() + " via " + RoutingTest.oldGateway(net) + " dev veth-a",
                    "the server through the old gateway");
            assertEquals(tables.get(Impl.OPENVPN), ut, "a's table with " + E2eEnv.underTest() + " and with stock OpenVPN");
            Map<String, String> vars = new TreeMap<>(env.get(E2eEnv.underTest())).subMap("foreign_option_", "foreign_option_~");
            assertEquals(Map.of("foreign_option_1", "dhcp-option DNS 10.79.0.53", "foreign_option_2", "dhcp-option DOMAIN corp.example"),
                    vars, env.get(E2eEnv.underTest()).toString());
            assertTrue(env.get(Impl.OPENVPN).entrySet().containsAll(vars.entrySet()), "stock OpenVPN's --up saw " + env.get(Impl.OPENVPN));
            Report.line("pushed routing: route, redirect-gateway def1, dhcp-option from a stock 2.6 server (tls-crypt, compress stub-v2): "
                    + ut.size() + " routes and " + vars.size() + " foreign options as stock OpenVPN's, removed on stop");
        }
    }

    /**
     * {@code block-ipv6} pushed by a stock server with {@code server-ipv6} and a pushed
     * {@code route-ipv6}: a ping -6 into the pushed network is answered "no route" from the server's
     * tun address by the client itself, as with stock OpenVPN as the client; IPv4 still passes.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aPushedBlockIpv6AnswersNoRouteAsStockOpenVpn() throws Exception {
        Path dir = Peer.caseDir("pushed-block-ipv6");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.CA, Wrap.NONE);
        Map<Impl, String> answers = new EnumMap<>(Impl.class);
        try (Netns net = Netns.create()) {
            String n = Integer.toString(net.subnet());
            PeerConfig server = new PeerConfig().option("dev", "tun").option("proto", "udp").option("local", net.linkAddrB())
                    .option("port", Integer.toString(PeerConfig.PORT)).option("server", "10.79.0.0", "255.255.255.0")
                    .option("server-ipv6", "fd00:" + n + "::/64").option("topology", "subnet")
                    .option("ca", m.ca().cert().toString()).option("cert", m.server().cert().toString())
                    .option("key", m.server().key().toString()).option("dh", "none")
                    .option("push", "route-ipv6 2001:db8:" + n + "::/48").option("push", "block-ipv6").option("verb", "4");
            try (Peer stockServer = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, server, dir, "server-openvpn")) {
                stockServer.awaitUdpBound(net, PeerConfig.PORT, Duration.ofSeconds(20));
                for (Impl impl : List.of(E2eEnv.underTest(), Impl.OPENVPN)) {
                    if (answers.containsKey(impl)) {
                        continue;
                    }
                    PeerConfig client = new PeerConfig().option("client").option("dev", "tun").option("proto", "udp")
                            .option("nobind").option("remote", net.linkAddrB(), Integer.toString(PeerConfig.PORT))
                            .option("ca", m.ca().cert().toString()).option("cert", m.client().cert().toString())
                            .option("key", m.client().key().toString()).option("remote-cert-tls", "server").option("verb", "3");
                    try (Peer c = Peer.startWithConfig(net, net.a(), impl, client, dir, "client-" + impl)) {
                        Peer.awaitTunnel(net, net.a(), "10.79.0.1", E2eEnv.readyTimeout(), c, stockServer);
                        c.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
                        String out = net.run(net.a(), Duration.ofSeconds(10), "ping", "-6", "-n", "-c", "1", "-W", "3",
                                "2001:db8:" + n + "::1").output();
                        assertTrue(out.contains("From fd00:" + n + "::1") && out.contains("No route"), impl + ": " + out);
                        answers.put(impl, out.lines().filter(l -> l.contains("No route")).findFirst().orElse("")
                                .replaceAll("time=\\S+", ""));
                        assertEquals(0, Traffic.ping(net, net.a(), "10.79.0.1", 64, 3).lost(), impl + ": IPv4 pings lost");
                        assertEquals(0, c.stop(STOP), impl + ": exit status");
                    }
                }
            }
            assertEquals(answers.get(Impl.OPENVPN), answers.get(E2eEnv.underTest()),
                    "the answer with " + E2eEnv.underTest() + " and with stock OpenVPN");
            Report.line("pushed routing: a pushed block-ipv6 answers ICMPv6 no-route as stock OpenVPN does: "
                    + answers.get(E2eEnv.underTest()).trim());
        }
    }
}
