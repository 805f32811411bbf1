package org.culvert.openvpn.server;

import static org.culvert.openvpn.server.IfconfigPoolTest.v4;
import static org.culvert.openvpn.server.IfconfigPoolTest.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.culvert.openvpn.ManualClock;
import org.culvert.openvpn.config.ClientConfigOptions;
import org.culvert.openvpn.config.ConfigFixtures;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.PushReply;
import org.culvert.openvpn.config.PushedOptions;
import org.culvert.openvpn.config.Route;
import org.culvert.openvpn.config.Topology;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client's addresses and PUSH_REPLY messages, in OpenVPN's order and split, read back by the client's parser. */
class PushReplyBuilderTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(1_700_000_000L);
    static final String KEYS = "dev tun\nca ca.crt\ncert server.crt\nkey server.key\ndh none\n";

    @BeforeEach
    void files() throws Exception {
        ConfigFixtures.writeTlsFiles(dir);
    }

    private OpenVpnOptions server(String text) throws Exception {
        return ConfigParser.parse(KEYS + text, "server.conf", dir);
    }

    private OpenVpnOptions client() throws Exception {
        return ConfigParser.parse("client\ndev tun\nremote 192.0.2.1\nca ca.crt\ncert client.crt\nkey client.key\n",
                "client.conf", dir);
    }

    private static VirtualAddress address(OpenVpnOptions server, ClientConfigOptions ccd, String cn, IfconfigPool pool) {
        return VirtualAddress.select(server, pool, ccd, cn);
    }

    /** The client side: every message through PushReply until it completes. */
    private PushedOptions receive(List<String> messages) throws Exception {
        PushReply reply = new PushReply(client());
        PushReply.Status last = null;
        for (int i = 0; i < messages.size(); i++) {
            last = reply.offer(messages.get(i));
            assertEquals(i < messages.size() - 1 ? PushReply.Status.MORE : PushReply.Status.COMPLETE, last,
                    messages.get(i) + " " + reply.takeLog());
        }
        return reply.result();
    }

    @Test
    void theSampleServerConfsFirstClientGetsOpenVpnsReply() throws Exception {
        OpenVpnOptions server = server("topology subnet\nserver 10.8.0.0 255.255.255.0\nkeepalive 10 120\n");
        IfconfigPool pool = IfconfigPool.of(server.server().orElseThrow(), clock).orElseThrow();
        VirtualAddress a = address(server, ClientConfigOptions.empty(), "client1", pool);
        assertEquals(0, a.handle());
        List<String> messages = new PushReplyBuilder(server.server().orElseThrow().push()).addresses(a).peerId(0)
                .cipher("AES-256-GCM").protocolFlags(true, true, true).tunMtu(1500).build();
        assertEquals(List.of("PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 120,"
                + "ifconfig 10.8.0.2 255.255.255.0,peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm dyn-tls-crypt,"
                + "tun-mtu 1500"), messages, "the facts sheet's PUSH_REPLY for the Debian sample server.conf");
        PushedOptions got = receive(messages);
        assertEquals(v4("10.8.0.2"), got.ifconfig().orElseThrow().local());
        assertEquals(v4("255.255.255.0"), got.ifconfig().orElseThrow().remoteOrNetmask());
        assertEquals(Topology.SUBNET, got.topology());
        assertEquals(0, got.peerId().getAsInt());
        assertEquals("AES-256-GCM", got.cipher().orElseThrow());
        assertTrue(got.tlsEkm() && got.ccExit() && got.dynTlsCrypt());
        assertEquals(10, got.ping().getAsInt());
        assertEquals(120, got.pingRestart().getAsInt());
        assertEquals(1500, got.tunMtu().getAsInt());
        assertEquals(v4("10.8.0.1"), got.routeSettings().routeGateway().orElseThrow());
    }

    @Test
    void net30AndP2pAddresses() throws Exception {
        OpenVpnOptions net30 = server("server 10.8.0.0 255.255.255.0\n");
        IfconfigPool pool = IfconfigPool.of(net30.server().orElseThrow(), clock).orElseThrow();
        VirtualAddress a = address(net30, ClientConfigOptions.empty(), "a", pool);
        assertEquals("ifconfig 10.8.0.6 10.8.0.5", new PushReplyBuilder(List.of()).addresses(a).items().get(0));
        PushedOptions got = receive(new PushReplyBuilder(net30.server().orElseThrow().push()).addresses(a).build());
        Route r = got.routes().get(0);
        assertEquals(v4("10.8.0.1"), r.network(), "net30 pushes the server's address as a route");
        assertEquals(v4("10.8.0.5"), r.gateway(), "via the client's tun peer");
        OpenVpnOptions p2p = server("topology p2p\nserver 10.8.0.0 255.255.255.0\n");
        VirtualAddress b = address(p2p, ClientConfigOptions.empty(), "b",
                IfconfigPool.of(p2p.server().orElseThrow(), clock).orElseThrow());
        assertEquals("ifconfig 10.8.0.4 10.8.0.1", new PushReplyBuilder(List.of()).addresses(b).items().get(0));
    }

    @Test
    void ipv6AndCcdAddressesInOpenVpnsOrder() throws Exception {
        OpenVpnOptions server = server("topology subnet\nserver 10.8.0.0 255.255.255.0\nserver-ipv6 fd00:8::/64\n");
        IfconfigPool pool = IfconfigPool.of(server.server().orElseThrow(), clock).orElseThrow();
        pool.acquire("first");
        VirtualAddress a = address(server, ClientConfigOptions.empty(), "second", pool);
        assertEquals(List.of("tun-ipv6", "route-gateway 10.8.0.1", "topology subnet", "ifconfig-ipv6 fd00:8::1001/64 fd00:8::1",
                "ifconfig 10.8.0.3 255.255.255.0", "peer-id 7", "key-derivation tls-ekm"),
                new PushReplyBuilder(server.server().orElseThrow().push()).addresses(a).peerId(7)
                        .protocolFlags(false, true, false).items());
        PushedOptions got = receive(new PushReplyBuilder(server.server().orElseThrow().push()).addresses(a).build());
        assertEquals(v6("fd00:8::1001"), got.ifconfigIpv6().orElseThrow().local());
        assertEquals(64, got.ifconfigIpv6().orElseThrow().prefixLength());
        // ifconfig-push overrides the pool; with an IPv6 pool OpenVPN then warns and pushes no IPv6.
        ClientConfigOptions ccd = ClientConfigOptions.parse("ifconfig-push 10.8.0.77 255.255.255.0\n", "ccd/c", server, dir);
        VirtualAddress c = address(server, ccd, "c", pool);
        assertEquals(-1, c.handle(), "no pool entry is taken");
        assertEquals(v4("10.8.0.77"), c.ifconfig().orElseThrow().local());
        assertTrue(c.ifconfigIpv6().isEmpty());
        assertTrue(c.log().get(0).contains("automatic IPv6 assignment from --ifconfig-ipv6-pool does not work"));
        ClientConfigOptions alias = ClientConfigOptions.parse("ifconfig-push 10.9.0.5 255.255.255.0 10.8.0.5\n", "ccd/e",
                server, dir);
        VirtualAddress e = address(server, alias, "e", pool);
        assertEquals(v4("10.9.0.5"), e.ipv4().orElseThrow(), "the routing table learns the client's address");
        assertEquals("ifconfig 10.8.0.5 255.255.255.0", new PushReplyBuilder(List.of()).addresses(e).items().get(0),
                "the alias is what is pushed");
        assertTrue(e.log().contains("MULTI ERROR: primary virtual IP for e (10.9.0.5) violates tunnel network/netmask"
                + " constraint (10.8.0.0/255.255.255.0)"), e.log().toString());
        assertEquals(v4("10.8.0.3"), a.ipv4().orElseThrow());
        ClientConfigOptions both = ClientConfigOptions.parse("ifconfig-push 10.8.0.78 255.255.255.0\n"
                + "ifconfig-ipv6-push fd00:8::78/64\n", "ccd/d", server, dir);
        assertEquals(v6("fd00:8::78"), address(server, both, "d", pool).ipv6().orElseThrow());
    }

    @Test
    void ccdEditsTheListAndTheClientsOwnIroutesAreNotPushedToIt() throws Exception {
        OpenVpnOptions server = server("topology subnet\nserver 10.8.0.0 255.255.255.0\n"
                + "push \"route 192.168.50.0 255.255.255.0\"\npush \"route 192.168.60.0 255.255.255.0\"\n"
                + "push \"route-ipv6 fd50::/48\"\npush \"route 192.168.51.7\"\npush \"route 192.168.50.0 255.255.255.0 net_gateway\"\n");
        ClientConfigOptions ccd = ClientConfigOptions.parse("iroute 192.168.50.0 255.255.255.0\niroute 192.168.51.7\n"
                + "iroute-ipv6 fd50::/48\npush \"dhcp-option DNS 10.8.0.1\"\npush-remove topology\n", "ccd/branch", server, dir);
        List<String> items = new PushReplyBuilder(server.server().orElseThrow().push()).clientConfig(ccd)
                .push("echo from-script").items();
        assertEquals(List.of("route 192.168.60.0 255.255.255.0", "route 192.168.50.0 255.255.255.0 net_gateway",
                "route-gateway 10.8.0.1", "dhcp-option DNS 10.8.0.1", "echo from-script"), items,
                "exact network/netmask matches go; a route with a gateway stays, as remove_iroutes_from_push_route_list");
        ClientConfigOptions block = ClientConfigOptions.parse("push-remove ifconfig\n", "ccd/x", server, dir);
        VirtualAddress a = address(server, block, "x", IfconfigPool.of(server.server().orElseThrow(), clock).orElseThrow());
        assertFalse(new PushReplyBuilder(List.of()).clientConfig(block).addresses(a).items().stream()
                .anyMatch(s -> s.startsWith("ifconfig")), "push-remove ifconfig blocks the generated line");
    }

    @Test
    void aLongReplyIsSplitWithPushContinuationAndReadBackWhole() throws Exception {
        StringBuilder pushes = new StringBuilder("topology subnet\nserver 10.8.0.0 255.255.255.0\nkeepalive 10 60\n");
        for (int i = 0; i < 120; i++) {
            pushes.append("push \"route 172.").append(16 + i / 256).append('.').append(i % 256).append(".0 255.255.255.0\"\n");
        }
        OpenVpnOptions server = server(pushes.toString());
        VirtualAddress a = address(server, ClientConfigOptions.empty(), "c",
                IfconfigPool.of(server.server().orElseThrow(), clock).orElseThrow());
        List<String> messages = new PushReplyBuilder(server.server().orElseThrow().push()).addresses(a).peerId(3)
                .cipher("AES-128-GCM").authToken("SESS_ID_AT_0123456789abcdef").build();
        assertTrue(messages.size() >= 4, messages.size() + " messages");
        for (int i = 0; i < messages.size(); i++) {
            String m = messages.get(i);
            assertTrue(m.startsWith("PUSH_REPLY,"), m);
            assertTrue(m.getBytes(StandardCharsets.UTF_8).length + 1 <= PushReplyBuilder.PUSH_BUNDLE_SIZE,
                    "fits OpenVPN's buffer with its NUL: " + m.length());
            assertTrue(m.endsWith(i < messages.size() - 1 ? ",push-continuation 2" : ",push-continuation 1"), m);
        }
        PushedOptions got = receive(messages);
        assertEquals(120, got.routes().size());
        assertEquals(v4("172.16.119.0"), got.routes().get(119).network());
        assertEquals(v4("10.8.0.2"), got.ifconfig().orElseThrow().local());
        assertEquals(3, got.peerId().getAsInt());
        assertEquals("SESS_ID_AT_0123456789abcdef", got.authToken().orElseThrow());
        // Nothing is lost or doubled: the items in order are the messages' items less the markers.
        List<String> joined = new ArrayList<>();
        for (String m : messages) {
            for (String item : m.substring("PUSH_REPLY,".length()).split(",")) {
                if (!item.startsWith("push-continuation")) {
                    joined.add(item);
                }
            }
        }
        assertEquals(new PushReplyBuilder(server.server().orElseThrow().push()).addresses(a).peerId(3).cipher("AES-128-GCM")
                .authToken("SESS_ID_AT_0123456789abcdef").items(), joined);
    }

    @Test
    void anyMixOfItemLengthsSplitsIntoMessagesThatFitAndKeepEveryItemInOrder() throws Exception {
        java.util.Random random = new java.util.Random(20261207L);
        for (int round = 0; round < 200; round++) {
            List<String> items = new ArrayList<>();
            int n = random.nextInt(60);
            for (int i = 0; i < n; i++) {
                // From tiny items to ones near the limit, so that the split lands everywhere.
                int len = random.nextInt(4) == 0 ? 700 + random.nextInt(225) : 1 + random.nextInt(120);
                items.add("echo " + "abcdefghijklmnopqrstuvwxyz".repeat(40).substring(0, len));
            }
            List<String> messages = PushReplyBuilder.split(items);
            List<String> back = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                String m = messages.get(i);
                assertTrue(m.length() < PushReplyBuilder.PUSH_BUNDLE_SIZE, "round " + round + ": " + m.length());
                String body = m.equals("PUSH_REPLY") ? "" : m.substring("PUSH_REPLY,".length());
                List<String> parts = body.isEmpty() ? List.of() : List.of(body.split(","));
                if (messages.size() > 1) {
                    assertEquals(i < messages.size() - 1 ? "push-continuation 2" : "push-continuation 1",
                            parts.get(parts.size() - 1), "round " + round);
                    parts = parts.subList(0, parts.size() - 1);
                }
                assertFalse(parts.isEmpty() && messages.size() > 1, "no empty message in a split reply");
                back.addAll(parts);
            }
            assertEquals(items, back, "round " + round);
        }
    }

    @Test
    void anEmptyReplyIsStillAReply() throws Exception {
        assertEquals(List.of("PUSH_REPLY"), new PushReplyBuilder(List.of()).build());
        assertEquals(PushReply.Status.COMPLETE, new PushReply(client()).offer("PUSH_REPLY"));
    }

    @Test
    void itemsThatCannotBePushedAreRefused() {
        PushReplyBuilder.PushException comma = assertThrows(PushReplyBuilder.PushException.class,
                () -> new PushReplyBuilder(List.of()).push("route 10.0.0.0 255.0.0.0,redirect-gateway").build());
        assertEquals(PushReplyBuilder.PushException.Reason.ILLEGAL_COMMA, comma.reason());
        PushReplyBuilder.PushException tooLong = assertThrows(PushReplyBuilder.PushException.class,
                () -> new PushReplyBuilder(List.of()).push("echo " + "x".repeat(940)).build());
        assertEquals(PushReplyBuilder.PushException.Reason.TOO_LONG, tooLong.reason());
        // The longest item that fits: OpenVPN checks the message so far plus the item against the soft cap.
        String fits = "echo " + "x".repeat(PushReplyBuilder.SAFE_CAP - "PUSH_REPLY".length() - 6);
        assertEquals(PushReplyBuilder.SAFE_CAP, assertDoesNotThrowList(fits).get(0).length());
        assertThrows(PushReplyBuilder.PushException.class, () -> new PushReplyBuilder(List.of()).push(fits + "x").build());
        PushReplyBuilder.PushException secret = assertThrows(PushReplyBuilder.PushException.class,
                () -> new PushReplyBuilder(List.of()).authToken("a,b-secret-token").build());
        assertFalse(secret.getMessage().contains("secret-token"), "a token never reaches a message");
        assertFalse(new PushReplyBuilder(List.of()).authToken("SESS-secret").toString().contains("SESS-secret"));
    }

    private static List<String> assertDoesNotThrowList(String item) {
        try {
            return new PushReplyBuilder(List.of()).push(item).build();
        } catch (PushReplyBuilder.PushException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anExhaustedPoolGivesNoAddressAndSaysSo() throws Exception {
        OpenVpnOptions server = server("mode server\ntls-server\ntopology subnet\nifconfig 10.7.0.1 255.255.255.0\n"
                + "ifconfig-pool 10.7.0.2 10.7.0.3\n");
        IfconfigPool pool = IfconfigPool.of(server.server().orElseThrow(), clock).orElseThrow();
        address(server, ClientConfigOptions.empty(), "a", pool);
        address(server, ClientConfigOptions.empty(), "b", pool);
        VirtualAddress c = address(server, ClientConfigOptions.empty(), "c", pool);
        assertEquals(-1, c.handle());
        assertTrue(c.ifconfig().isEmpty());
        assertEquals(List.of("MULTI: no free --ifconfig-pool addresses are available",
                "MULTI: no dynamic or static remote --ifconfig address is available for c"), c.log());
        assertTrue(c.ipv4().isEmpty());
        assertEquals("ifconfig 10.7.0.2 255.255.255.0", new PushReplyBuilder(List.of())
                .addresses(address(server, ClientConfigOptions.empty(), "x", new IfconfigPool(
                        server.server().orElseThrow().pool(), java.util.Optional.empty(), false, clock))).items().get(0),
                "without a pool netmask, the server's --ifconfig netmask");
    }
}
