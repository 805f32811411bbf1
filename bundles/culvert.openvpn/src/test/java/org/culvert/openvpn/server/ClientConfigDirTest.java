package org.culvert.openvpn.server;

import static org.culvert.openvpn.server.IfconfigPoolTest.v4;
import static org.culvert.openvpn.server.IfconfigPoolTest.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.culvert.openvpn.config.ClientConfigOptions;
import org.culvert.openvpn.config.ClientConfigOptions.PushEdit;
import org.culvert.openvpn.config.ConfigFixtures;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** client-config-dir files: lookup, safe names, ccd-exclusive, the per-client options and what is skipped. */
class ClientConfigDirTest {
    @TempDir
    Path dir;
    Path ccd;
    OpenVpnOptions server;

    static final List<String> INHERITED = List.of("route-gateway 10.8.0.1", "topology subnet", "ping 10", "ping-restart 120");

    @BeforeEach
    void setUp() throws Exception {
        ConfigFixtures.writeTlsFiles(dir);
        ccd = Files.createDirectories(dir.resolve("ccd"));
        server = ConfigParser.parse("dev tun\nca ca.crt\ncert server.crt\nkey server.key\ndh none\ntopology subnet\n"
                + "server 10.8.0.0 255.255.255.0\nserver-ipv6 fd00:8::/64\nclient-config-dir ccd\nkeepalive 10 120\n",
                "server.conf", dir);
    }

    private ClientConfigDir dir(boolean exclusive) {
        return new ClientConfigDir(ccd, exclusive, server);
    }

    @Test
    void theClientsFileThenDefault() throws Exception {
        Files.writeString(ccd.resolve("alice"), "ifconfig-push 10.8.0.50 255.255.255.0\n");
        Files.writeString(ccd.resolve("DEFAULT"), "push \"route 10.20.0.0 255.255.0.0\"\n");
        ClientConfigDir.Result alice = dir(false).read("alice");
        assertEquals(ClientConfigDir.Status.CLIENT_FILE, alice.status());
        assertEquals(ccd.resolve("alice"), alice.file().orElseThrow());
        assertEquals(v4("10.8.0.50"), alice.options().ifconfigPush().orElseThrow().local());
        ClientConfigDir.Result bob = dir(false).read("bob");
        assertEquals(ClientConfigDir.Status.DEFAULT_FILE, bob.status());
        assertEquals(List.of(new PushEdit(PushEdit.Kind.PUSH, "route 10.20.0.0 255.255.0.0")), bob.options().pushEdits());
        Files.delete(ccd.resolve("DEFAULT"));
        ClientConfigDir.Result none = dir(false).read("bob");
        assertEquals(ClientConfigDir.Status.NO_FILE, none.status());
        assertEquals(ClientConfigOptions.empty(), none.options());
        assertEquals(ClientConfigDir.Status.NO_FILE, ClientConfigDir.of(server).orElseThrow().read("carol").status());
    }

    @Test
    void ccdExclusiveRefusesAClientWithoutItsOwnFile() throws Exception {
        Files.writeString(ccd.resolve("alice"), "\n");
        Files.writeString(ccd.resolve("DEFAULT"), "push \"route 10.20.0.0 255.255.0.0\"\n");
        assertEquals(ClientConfigDir.Status.CLIENT_FILE, dir(true).read("alice").status());
        ClientConfigDir.Result bob = dir(true).read("bob");
        assertEquals(ClientConfigDir.Status.REFUSED, bob.status(), "DEFAULT does not count");
        assertTrue(bob.message().orElseThrow().startsWith("TLS Auth Error: --client-config-dir authentication failed for"
                + " common name 'bob'"), bob.message().toString());
        assertEquals(ClientConfigDir.Status.REFUSED, dir(true).read("DEFAULT").status(), "a CN named DEFAULT");
        assertEquals(ClientConfigDir.Status.REFUSED, dir(true).read("..").status());
        assertEquals(ClientConfigDir.Status.REFUSED, dir(true).read("").status());
    }

    @Test
    void aCommonNameNeverReachesOutsideTheFolder() throws Exception {
        Files.writeString(dir.resolve("secret"), "disable\n");
        Files.writeString(dir.resolve("outside"), "disable\n");
        Files.writeString(ccd.resolve(".._secret"), "ifconfig-push 10.8.0.99 255.255.255.0\n");
        assertEquals(".._secret", ClientConfigDir.safeFileName("../secret").orElseThrow());
        assertEquals("a_b_c", ClientConfigDir.safeFileName("a/b\nc").orElseThrow());
        assertEquals("caf__", ClientConfigDir.safeFileName("caf\u00e9").orElseThrow(), "each non-ASCII byte");
        assertTrue(ClientConfigDir.safeFileName(".").isEmpty());
        assertTrue(ClientConfigDir.safeFileName("..").isEmpty());
        ClientConfigDir.Result r = dir(false).read("../secret");
        assertEquals(ClientConfigDir.Status.CLIENT_FILE, r.status());
        assertFalse(r.options().disable(), "the file outside the folder was not read");
        assertEquals(v4("10.8.0.99"), r.options().ifconfigPush().orElseThrow().local());
        assertEquals(ClientConfigDir.Status.NO_FILE, dir(false).read("../outside").status());
        assertEquals(ClientConfigDir.Status.NO_FILE, dir(false).read("..").status());
    }

    @Test
    void thePerClientOptionsAreTaken() throws Exception {
        Files.writeString(ccd.resolve("branch"), String.join("\n",
                "# branch office",
                "ifconfig-push 10.8.0.60 255.255.255.0",
                "ifconfig-ipv6-push fd00:8::60/64",
                "iroute 192.168.50.0 255.255.255.0",
                "iroute 192.168.51.7",
                "iroute-ipv6 fd50::/48",
                "push-remove ping",
                "push \"ping 5\"",
                "echo hello",
                "ping-restart 30",
                "max-routes-per-client 10",
                "disable",
                ""));
        ClientConfigOptions o = dir(false).read("branch").options();
        assertEquals(List.of(), o.log());
        assertEquals(v4("10.8.0.60"), o.ifconfigPush().orElseThrow().local());
        assertEquals(v4("255.255.255.0"), o.ifconfigPush().orElseThrow().remoteNetmask());
        assertEquals(v6("fd00:8::60"), o.ifconfigIpv6Push().orElseThrow().local());
        assertEquals(v6("fd00:8::1"), o.ifconfigIpv6Push().orElseThrow().remote(), "the server's --ifconfig-ipv6 address");
        assertEquals(List.of(new ClientConfigOptions.IRoute(v4("192.168.50.0"), 24),
                new ClientConfigOptions.IRoute(v4("192.168.51.7"), 32)), o.iroutes());
        assertEquals(List.of(new ClientConfigOptions.IRouteIpv6(v6("fd50::"), 48)), o.iroutesIpv6());
        assertEquals(List.of("route-gateway 10.8.0.1", "topology subnet", "ping 5"), o.applyPush(INHERITED),
                "push-remove drops every item starting with its text, then the file's push is added");
        assertEquals(List.of("hello"), o.echo());
        assertEquals(30, o.pingRestart().getAsInt());
        assertEquals(10, o.maxRoutesPerClient().getAsInt());
        assertTrue(o.disable());
    }

    @Test
    void pushResetDropsTheInheritedListAndPushRemoveIfconfigBlocksTheGeneratedLine() throws Exception {
        ClientConfigOptions o = ClientConfigOptions.parse("push \"route 10.1.0.0 255.255.0.0\"\npush-reset\n"
                + "push \"topology subnet\"\npush-remove ifconfig\npush-remove ifconfig-ipv6\n", "ccd/x", server, ccd);
        assertEquals(List.of("topology subnet"), o.applyPush(INHERITED));
        assertTrue(o.ifconfigBlocked());
        assertTrue(o.ifconfigIpv6Blocked());
        ClientConfigOptions undone = ClientConfigOptions.parse("push-remove ifconfig-ipv6\nifconfig-ipv6-push fd00:8::9/64\n",
                "ccd/y", server, ccd);
        assertFalse(undone.ifconfigIpv6Blocked(), "a later ifconfig-ipv6-push unblocks, as in OpenVPN");
        assertFalse(undone.ifconfigBlocked());
    }

    @Test
    void aClientConnectScriptsFileGoesOverTheCcdFile() throws Exception {
        ClientConfigOptions file = ClientConfigOptions.parse("ifconfig-push 10.8.0.60 255.255.255.0\niroute 192.168.50.0"
                + " 255.255.255.0\npush-remove ifconfig-ipv6\nping 5\necho one\n", "ccd/a", server, ccd);
        ClientConfigOptions script = ClientConfigOptions.parse("ifconfig-push 10.8.0.61 255.255.255.0\n"
                + "iroute 192.168.51.0 255.255.255.0\npush \"route 10.5.0.0 255.255.0.0\"\ndisable\necho two\n",
                "client-connect", server, ccd);
        ClientConfigOptions both = file.then(script);
        assertEquals(v4("10.8.0.61"), both.ifconfigPush().orElseThrow().local(), "the later one wins");
        assertEquals(2, both.iroutes().size());
        assertEquals(List.of(new PushEdit(PushEdit.Kind.REMOVE, "ifconfig-ipv6"),
                new PushEdit(PushEdit.Kind.PUSH, "route 10.5.0.0 255.255.0.0")), both.pushEdits());
        assertTrue(both.ifconfigIpv6Blocked());
        assertTrue(both.disable());
        assertEquals(5, both.ping().getAsInt());
        assertEquals(List.of("one", "two"), both.echo());
        assertEquals("ccd/a+client-connect", both.source());
        assertEquals(file.ifconfigPush(), file.then(ClientConfigOptions.empty()).ifconfigPush());
        assertFalse(file.then(ClientConfigOptions.parse("ifconfig-ipv6-push fd00:8::9/64\n", "cc", server, ccd))
                .ifconfigIpv6Blocked(), "a later ifconfig-ipv6-push undoes the block");
    }

    @Test
    void whatACcdFileCannotHoldIsLoggedByNameAndLineAndSkipped() throws Exception {
        ClientConfigOptions o = ClientConfigOptions.parse(String.join("\n",
                "verb 4",
                "frobnicate yes",
                "ifconfig-push 10.8.0.300 255.255.255.0",
                "iroute 192.168.1.1 255.255.255.0",
                "iroute 192.168.1.0 255.0.255.0",
                "push \"a,b\"",
                "config other.conf",
                "push \"unterminated",
                "iroute-ipv6 nothex::/64",
                "ifconfig-push 10.8.0.61 255.255.255.0",
                ""), "ccd/bad", server, ccd);
        List<String> log = o.log();
        assertTrue(log.get(0).startsWith("ccd/bad:1: option 'verb' cannot be used in this context"), log.toString());
        assertTrue(log.get(1).startsWith("ccd/bad:2: Unrecognized option"), log.toString());
        assertTrue(log.get(2).startsWith("ccd/bad:3: --ifconfig-push: '10.8.0.300' is not an IPv4 address"), log.toString());
        assertTrue(log.get(3).startsWith("ccd/bad:4: --iroute: network 192.168.1.1 has host bits set"), log.toString());
        assertTrue(log.get(4).startsWith("ccd/bad:5: --iroute: bad netmask"), log.toString());
        assertTrue(log.get(5).startsWith("ccd/bad:6: --push: PUSH OPTION FAILED (illegal comma"), log.toString());
        assertTrue(log.get(6).startsWith("ccd/bad:7: option 'config' cannot be used in this context"), log.toString());
        assertTrue(log.get(7).startsWith("ccd/bad:8: malformed line"), log.toString());
        assertTrue(log.get(8).startsWith("ccd/bad:9: --iroute-ipv6: 'nothex::' is not an IPv6 address"), log.toString());
        assertEquals(9, log.size(), log.toString());
        assertEquals(v4("10.8.0.61"), o.ifconfigPush().orElseThrow().local(), "the good lines still apply");
        assertTrue(o.iroutes().isEmpty());
        assertTrue(o.pushEdits().isEmpty());
        // Without a server --ifconfig-ipv6, ifconfig-ipv6-push needs its remote.
        ClientConfigOptions noV6 = ClientConfigOptions.parse("ifconfig-ipv6-push fd00::5/64\n", "ccd/z", null, ccd);
        assertTrue(noV6.log().get(0).contains("second argument to --ifconfig-ipv6-push missing"), noV6.log().toString());
        assertTrue(noV6.ifconfigIpv6Push().isEmpty());
    }
}
