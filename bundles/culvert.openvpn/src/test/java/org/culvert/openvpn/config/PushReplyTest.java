package org.culvert.openvpn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pull mode's configuration and the reading of PUSH_REPLY: permission classes, filters, continuation, failures. */
class PushReplyTest {
    @TempDir
    Path dir;

    /** OpenVPN's shipped sample client.conf, less comments. */
    private static final String CLIENT = "client\ndev tun\nproto udp\nremote my-server-1 1194\nresolv-retry infinite\n"
            + "nobind\npersist-key\npersist-tun\nca ca.crt\ncert client.crt\nkey client.key\nremote-cert-tls server\nverb 3\n";
    /** What the shipped sample server.conf pushes to its first client (facts sheet §2.2). */
    static final String SAMPLE_PUSH = "PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 120,"
            + "ifconfig 10.8.0.2 255.255.255.0,peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm dyn-tls-crypt,"
            + "tun-mtu 1500";

    @BeforeEach
    void files() throws Exception {
        ConfigFixtures.writeTlsFiles(dir);
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(text, "client.conf", dir);
    }

    private PushReply reply(String extra) throws ConfigException {
        return new PushReply(parse(CLIENT + extra));
    }

    @Test
    void theShippedClientConfIsAPullTlsClient() throws Exception {
        OpenVpnOptions o = parse(CLIENT);
        assertTrue(o.pull().isPresent());
        assertEquals(TlsOptions.Role.CLIENT, o.tls().get().role());
        assertFalse(o.pull().get().routeNopull());
        OpenVpnOptions p = parse(CLIENT + "pull-filter ignore \"route\"\npull-filter reject redirect\nroute-nopull\n"
                + "push-peer-info\necho hello world\nsetenv-safe FOO bar\n");
        assertEquals(List.of(new PullFilter(PullFilter.Action.IGNORE, "route"),
                new PullFilter(PullFilter.Action.REJECT, "redirect")), p.pull().get().filters());
        assertTrue(p.pull().get().routeNopull());
        assertTrue(p.pull().get().pushPeerInfo());
        assertEquals(List.of("hello world"), p.echo());
        assertEquals("bar", p.setenvSafe().get("OPENVPN_FOO"));
        ConfigException bad = assertThrows(ConfigException.class, () -> parse(CLIENT + "pull-filter drop route\n"));
        assertEquals(ConfigException.Reason.BAD_VALUE, bad.reason());
        assertTrue(parse(CLIENT.replace("client\n", "tls-client\n")).pull().isEmpty());
        // A pull client's plain 'tcp' is tcp-client, as in OpenVPN; point-to-point it stays ambiguous.
        assertEquals(Proto.TCP_CLIENT, parse(CLIENT.replace("proto udp", "proto tcp")).proto());
        assertEquals(Proto.TCP_CLIENT, parse(CLIENT.replace("remote my-server-1 1194", "remote my-server-1 1194 tcp")).proto());
        assertEquals(ConfigException.Reason.CONFLICT, assertThrows(ConfigException.class,
                () -> parse(CLIENT.replace("client\n", "tls-client\n").replace("proto udp", "proto tcp"))).reason());
    }

    @Test
    void pushedRoutingAndNameServiceGoThroughTheRoutingOptions() throws Exception {
        PushReply r = reply("dhcp-option DOMAIN corp.example\n");
        assertEquals(PushReply.Status.COMPLETE, r.offer("PUSH_REPLY,topology subnet,ifconfig 10.8.0.2 255.255.255.0,"
                + "route-gateway 10.8.0.1,route 192.168.10.0 255.255.255.0,route 192.168.20.0 255.255.255.0 net_gateway,"
                + "redirect-gateway def1 bypass-dhcp,dhcp-option DNS 10.8.0.1,dns server 1 address 10.8.0.53,"
                + "route-metric 7"));
        PushedOptions p = r.result();
        assertEquals(2, p.routes().size(), p.routes().toString());
        assertEquals("10.8.0.1", p.routes().get(0).gateway().getHostAddress());
        assertEquals(OptionalInt.of(7), p.routes().get(0).metric());
        assertEquals(Optional.of(SpecialAddress.NET_GATEWAY), p.routes().get(1).specialGateway());
        assertTrue(p.routeSettings().redirect().enabled());
        assertTrue(p.routeSettings().redirect().def1());
        // The configuration's dhcp-option first, then the pushed ones; the dns server replaces dhcp-option DNS.
        assertEquals("dhcp-option DOMAIN corp.example", p.routeSettings().foreignOptions().get(0));
        assertTrue(p.routeSettings().foreignOptions().contains("dhcp-option DNS 10.8.0.53"),
                p.routeSettings().foreignOptions().toString());
        assertEquals(1, p.routeSettings().dns().servers().size());
    }

    @Test
    void routeNopullSkipsPushedRoutesAndNameServiceButNotTheAddress() throws Exception {
        PushReply r = reply("route-nopull\n");
        assertEquals(PushReply.Status.COMPLETE, r.offer("PUSH_REPLY,topology subnet,ifconfig 10.8.0.2 255.255.255.0,"
                + "route-gateway 10.8.0.1,route 192.168.10.0 255.255.255.0,redirect-gateway def1,dhcp-option DNS 10.8.0.1"));
        PushedOptions p = r.result();
        assertEquals("10.8.0.2", p.ifconfig().get().local().getHostAddress());
        assertTrue(p.routes().isEmpty());
        assertFalse(p.routeSettings().redirect().enabled());
        assertTrue(p.routeSettings().foreignOptions().isEmpty());
        assertEquals(3, r.skipped());
    }

    @Test
    void aPushedAuthTokenIsKeptButNeverShown() throws Exception {
        PushReply r = reply("");
        assertEquals(PushReply.Status.COMPLETE, r.offer("PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,auth-token SESS_ID_AT_s3cr3t,"
                + "auth-token-user Ym9i"));
        PushedOptions p = r.result();
        assertEquals(Optional.of("SESS_ID_AT_s3cr3t"), p.authToken());
        assertEquals(Optional.of("bob"), p.authTokenUser());
        assertTrue(p.accepted().contains("auth-token [REDACTED]"), p.accepted().toString());
        assertFalse(p.toString().contains("s3cr3t"), p.toString());
        assertFalse(p.summary().contains("s3cr3t"), p.summary());
    }

    @Test
    void anAddresslessPushedDnsServerFailsThePull() throws Exception {
        PushReply r = reply("");
        assertEquals(PushReply.Status.FAILED, r.offer("PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,dns server 0 resolve-domains a.example"));
    }

    @Test
    void theSampleServersPushGivesItsAddressAndKeys() throws Exception {
        PushReply r = reply("");
        assertEquals(PushReply.Status.COMPLETE, r.offer(SAMPLE_PUSH));
        PushedOptions p = r.result();
        assertEquals(Topology.SUBNET, p.topology());
        assertEquals("10.8.0.2", p.ifconfig().get().local().getHostAddress());
        assertEquals("255.255.255.0", p.ifconfig().get().remoteOrNetmask().getHostAddress());
        assertEquals(OptionalInt.of(0), p.peerId());
        assertEquals(Optional.of("AES-256-GCM"), p.cipher());
        assertTrue(p.tlsEkm());
        assertTrue(p.ccExit());
        assertTrue(p.dynTlsCrypt());
        assertEquals(OptionalInt.of(10), p.ping());
        assertEquals(OptionalInt.of(120), p.pingRestart());
        assertEquals(OptionalInt.empty(), p.pingExit());
        assertEquals(OptionalInt.of(1500), p.tunMtu());
        // Every item of the sample server's push is taken, route-gateway included.
        assertEquals(9, p.accepted().size(), p.accepted().toString());
        assertEquals(0, r.skipped());
        assertEquals("10.8.0.1", p.routeSettings().routeGateway().get().getHostAddress());
    }

    @Test
    void optionsOutsideThePullMaskAreSkippedByName() throws Exception {
        PushReply r = reply("");
        assertEquals(PushReply.Status.COMPLETE, r.offer("PUSH_REPLY,secret x.key,keepalive 10 60,mssfix 1400,"
                + "data-ciphers AES-128-GCM,no-such-option 1,block-outside-dns,ifconfig 10.8.0.6 10.8.0.5"));
        List<String> log = r.takeLog();
        for (String name : List.of("secret", "keepalive", "mssfix", "data-ciphers", "no-such-option", "block-outside-dns")) {
            assertTrue(log.stream().anyMatch(l -> l.contains(name)), name + " in " + log);
        }
        assertEquals(6, r.skipped());
        assertEquals(List.of("ifconfig 10.8.0.6 10.8.0.5"), r.result().accepted());
        assertEquals(Topology.NET30, r.result().topology());
    }

    @Test
    void routeNopullDropsRoutesButKeepsTheAddress() throws Exception {
        PushReply r = reply("route-nopull\n");
        r.offer("PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,route 192.168.7.0 255.255.255.0,route-ipv6 2001:db8::/64");
        assertTrue(r.result().routes().isEmpty());
        assertTrue(r.result().routesIpv6().isEmpty());
        assertTrue(r.result().ifconfig().isPresent());
        PushReply taken = reply("");
        taken.offer("PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,route 192.168.7.0 255.255.255.0,route 10.1.0.0 255.255.0.0 vpn_gateway 5");
        List<Route> routes = taken.result().routes();
        assertEquals(2, routes.size());
        assertEquals("10.8.0.5", routes.get(0).gateway().getHostAddress()); // net30: the ifconfig peer
        assertEquals(OptionalInt.of(5), routes.get(1).metric());
    }

    @Test
    void pullFilterMatchesThePrefixOfTheRawItemAndTheFirstMatchWins() throws Exception {
        PushReply r = reply("pull-filter accept \"route 10.\"\npull-filter ignore route\n");
        r.offer("PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,route 10.1.0.0 255.255.0.0,route 192.168.7.0 255.255.255.0,"
                + "route-gateway 10.8.0.1");
        assertEquals(1, r.result().routes().size());
        assertEquals("10.1.0.0", r.result().routes().get(0).network().getHostAddress());
        assertEquals(2, r.skipped()); // the 192.168 route and route-gateway, both hit by "route"
        PushReply blanks = reply("pull-filter ignore route\n");
        blanks.offer("PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,  route 10.1.0.0 255.255.0.0");
        assertTrue(blanks.result().routes().isEmpty(), "leading blanks are skipped before matching");
        PushReply rejecting = reply("pull-filter reject \"route 192.168.\"\n");
        assertEquals(PushReply.Status.REJECTED, rejecting.offer("PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,route 192.168.7.0"));
        assertTrue(rejecting.failure().contains("rejected by filter"));
    }

    @Test
    void continuationAccumulatesRoutesAndOverwritesScalars() throws Exception {
        PushReply r = reply("");
        assertEquals(PushReply.Status.MORE, r.offer("PUSH_REPLY,route 10.1.0.0 255.255.0.0 10.8.0.5,ping 5,push-continuation 2"));
        assertEquals(PushReply.Status.MORE, r.offer("PUSH_REPLY,route 10.2.0.0 255.255.0.0 10.8.0.5,push-continuation 2"));
        assertThrows(IllegalStateException.class, r::result);
        assertEquals(PushReply.Status.COMPLETE, r.offer("PUSH_REPLY,ping 7,ifconfig 10.8.0.6 10.8.0.5,push-continuation 1"));
        assertEquals(2, r.result().routes().size());
        assertEquals(OptionalInt.of(7), r.result().ping());
        assertThrows(IllegalStateException.class, () -> r.offer("PUSH_REPLY,ping 9"));
    }

    @Test
    void theServerCannotPushACipherOrCompressionTheClientDoesNotAllow() throws Exception {
        PushReply cipher = reply("data-ciphers AES-128-GCM\n");
        assertEquals(PushReply.Status.FAILED, cipher.offer("PUSH_REPLY,cipher AES-256-GCM"));
        assertTrue(cipher.failure().contains("data-ciphers"), cipher.failure());
        assertEquals(PushReply.Status.COMPLETE, reply("").offer("PUSH_REPLY,cipher aes-128-gcm"));
        for (String refused : List.of("comp-lzo", "comp-lzo yes", "compress lz4", "compress lz4-v2", "compress lzo")) {
            assertEquals(PushReply.Status.FAILED, reply("").offer("PUSH_REPLY," + refused), refused);
        }
        for (String stub : List.of("comp-lzo no", "compress", "compress stub", "compress stub-v2")) {
            PushReply r = reply("");
            assertEquals(PushReply.Status.COMPLETE, r.offer("PUSH_REPLY," + stub), stub);
            assertTrue(r.result().compression().isPresent(), stub);
        }
        assertEquals(PushReply.Status.COMPLETE, reply("allow-compression asym\n").offer("PUSH_REPLY,compress lz4-v2"));
    }

    @Test
    void badItemsAreSkippedNeverFatal() throws Exception {
        PushReply r = reply("");
        StringBuilder huge = new StringBuilder("PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5");
        huge.append(",route ").append("9".repeat(600));
        huge.append(",ping abc,ping-restart -5,tun-mtu 99999999,route 10.0.0.1 255.0.0.0,peer-id 99999999");
        huge.append(",\"unterminated,\u0001\u00ff,,,  ,");
        for (int i = 0; i < 2000; i++) {
            huge.append(",echo ").append(i);
        }
        assertEquals(PushReply.Status.COMPLETE, r.offer(huge.toString()));
        assertTrue(r.skipped() > 990, "skipped " + r.skipped());
        assertTrue(r.result().echo().size() < PushReply.MAX_ITEMS && r.result().echo().size() > 1000,
                "echo items within the item limit: " + r.result().echo().size());
        assertTrue(r.result().ping().isEmpty());
        assertTrue(r.result().routes().isEmpty());
        PushReply token = reply("");
        token.offer("PUSH_REPLY,auth-token \"SESS_ID_AT_c2VjcmV0");
        assertTrue(token.takeLog().stream().noneMatch(l -> l.contains("SESS_ID")), "a mangled token is not logged");
        assertEquals(PushReply.Status.NOT_A_REPLY, reply("").offer("PUSH_UPDATE,route 10.0.0.0"));
        assertEquals(PushReply.Status.NOT_A_REPLY, reply("").offer("PUSH_REPLYX"));
        assertEquals(PushReply.Status.COMPLETE, reply("").offer("PUSH_REPLY"));
    }

    @Test
    void permissionClassesFollowOpenVpn() {
        OptionRegistry reg = OptionRegistry.STANDARD;
        assertEquals(java.util.Set.of(PullPermission.UP), reg.permission("ifconfig"));
        assertEquals(java.util.Set.of(PullPermission.ROUTE), reg.permission("route"));
        assertEquals(java.util.Set.of(PullPermission.NCP), reg.permission("cipher"));
        assertEquals(java.util.Set.of(PullPermission.PEER_ID), reg.permission("peer-id"));
        assertEquals(java.util.Set.of(PullPermission.PUSH_MTU), reg.permission("tun-mtu"));
        assertEquals(java.util.Set.of(), reg.permission("keepalive"));
        assertEquals(java.util.Set.of(), reg.permission("data-ciphers"));
        assertFalse(PullPermission.pullMask(true).contains(PullPermission.ROUTE));
        assertFalse(PullPermission.pullMask(true).contains(PullPermission.DHCPDNS));
        assertTrue(PullPermission.pullMask(true).contains(PullPermission.ROUTE_EXTRAS));
        assertEquals(PullPermission.values().length, PullPermission.pullMask(false).size());
    }

    @Test
    void aPushedTunMtuIsCappedAtTunMtuMax() throws Exception {
        PushReply r = reply("");
        r.offer("PUSH_REPLY,tun-mtu 9000");
        assertEquals(OptionalInt.of(PushReply.TUN_MTU_MAX), r.result().tunMtu());
        assertTrue(r.takeLog().stream().anyMatch(l -> l.contains("Server-pushed tun-mtu is too large (9000)")));
        PushReply small = reply("");
        small.offer("PUSH_REPLY,tun-mtu 1400");
        assertEquals(OptionalInt.of(1400), small.result().tunMtu());
    }
}
