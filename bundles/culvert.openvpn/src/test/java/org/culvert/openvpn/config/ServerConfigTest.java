package org.culvert.openvpn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.culvert.openvpn.config.ConfigException.Reason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server mode options: {@code --server}/{@code --server-ipv6} expanded as OpenVPN 2.6's
 * {@code helper_client_server} does, the other "Server Options", and OpenVPN's checks of them.
 */
class ServerConfigTest {
    @TempDir
    Path dir;

    /** A TLS server's keys, without --server (each test adds its own). */
    static final String KEYS = "ca ca.crt\ncert server.crt\nkey server.key\ndh none\n";
    static final String TUN = "dev tun\n" + KEYS;

    @BeforeEach
    void files() throws Exception {
        ConfigFixtures.writeTlsFiles(dir);
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(text, "server.conf", dir);
    }

    private ServerSettings server(String text) throws ConfigException {
        return parse(text).server().orElseThrow();
    }

    private ConfigException fails(String text, Reason reason, String option, String detail) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(text), text);
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(option, e.option(), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        return e;
    }

    @Test
    void theShippedSampleServerConfParsesIntoTheExpectedSettings() throws Exception {
        Path sample = Path.of("/usr/share/doc/openvpn/examples/sample-config-files/server.conf");
        Path keys = Path.of("/usr/share/doc/openvpn/examples/sample-keys");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(sample) && Files.isDirectory(keys),
                "OpenVPN's examples are installed (CI installs the openvpn package)");
        for (String f : List.of("ca.crt", "server.crt", "server.key", "dh2048.pem")) {
            Files.copy(keys.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            ConfigFixtures.writeKey(dir, f, Files.readString(dir.resolve(f)));
        }
        // Only the log paths change, as the issue asks; the key paths resolve against the temporary folder.
        String text = Files.readString(sample).replace("/var/log/openvpn/", dir + "/");
        OpenVpnOptions o = ConfigParser.parse(text, "server.conf", dir);
        ServerSettings s = o.server().orElseThrow();
        assertEquals(TlsOptions.Role.SERVER, o.tls().orElseThrow().role());
        assertEquals(Proto.UDP, o.proto());
        assertEquals(1194, o.localPort());
        assertEquals(Topology.SUBNET, o.topology());
        assertEquals("10.8.0.1", o.ifconfig().orElseThrow().local().getHostAddress());
        assertEquals("255.255.255.0", o.ifconfig().orElseThrow().remoteOrNetmask().getHostAddress());
        ServerSettings.Ipv4Pool pool = s.pool().orElseThrow();
        assertEquals("10.8.0.2", pool.start().getHostAddress());
        assertEquals("10.8.0.254", pool.end().getHostAddress());
        assertEquals("255.255.255.0", pool.netmask().orElseThrow().getHostAddress());
        assertEquals(ServerSettings.PoolType.INDIVIDUAL, pool.type());
        assertEquals(List.of("route-gateway 10.8.0.1", "topology subnet", "ping 10", "ping-restart 120"), s.push());
        assertEquals(dir.resolve("ipp.txt"), s.poolPersist().orElseThrow().file());
        assertEquals(600, s.poolPersist().orElseThrow().seconds());
        assertEquals(10, o.ping());
        assertEquals(240, o.pingRestart(), "a server waits twice the keepalive timeout");
        assertEquals(ServerSettings.DEFAULT_MAX_CLIENTS, s.maxClients());
        assertEquals(ServerSettings.VerifyClientCert.REQUIRE, s.verifyClientCert());
        assertFalse(s.clientToClient());
        assertFalse(s.duplicateCn());
        assertEquals(dir.resolve("openvpn-status.log"), o.status().orElseThrow().file());
        assertEquals(1, o.explicitExitNotify());
    }

    @Test
    void subnetTopologyOnTun() throws Exception {
        OpenVpnOptions o = parse(TUN + "topology subnet\nserver 10.8.0.0 255.255.255.0\nkeepalive 10 60\n");
        ServerSettings s = o.server().orElseThrow();
        assertEquals("10.8.0.2", s.pool().orElseThrow().start().getHostAddress());
        assertEquals("10.8.0.254", s.pool().orElseThrow().end().getHostAddress());
        assertEquals(List.of("route-gateway 10.8.0.1", "topology subnet", "ping 10", "ping-restart 60"), s.push());
        assertEquals("10.8.0.2", o.routeSettings().routeGateway().orElseThrow().getHostAddress(),
                "the server's own routes default to NET+2, as helper_client_server sets route-gateway");
        assertTrue(o.routes().isEmpty());
        assertEquals(120, o.pingRestart());
        ServerSettings.Network net = s.network().orElseThrow();
        assertEquals("10.8.0.0", net.network().getHostAddress());
        assertEquals("255.255.255.0", net.netmask().getHostAddress());
        assertTrue(net.contains(s.pool().orElseThrow().end()));
        assertFalse(net.contains(OptionArgs.parseIpv4("10.8.1.1")));
    }

    @Test
    void net30IsTheDefaultTopologyAndPushesTheServerAddressAsARoute() throws Exception {
        OpenVpnOptions o = parse(TUN + "server 10.8.0.0 255.255.255.0\nkeepalive 10 120\n");
        ServerSettings s = o.server().orElseThrow();
        assertEquals(Topology.NET30, o.topology());
        assertEquals("10.8.0.1", o.ifconfig().orElseThrow().local().getHostAddress());
        assertEquals("10.8.0.2", o.ifconfig().orElseThrow().remoteOrNetmask().getHostAddress());
        ServerSettings.Ipv4Pool pool = s.pool().orElseThrow();
        assertEquals("10.8.0.4", pool.start().getHostAddress());
        assertEquals("10.8.0.251", pool.end().getHostAddress());
        assertEquals(Optional.empty(), pool.netmask());
        assertEquals(ServerSettings.PoolType.NET30, pool.type());
        assertEquals(List.of("route 10.8.0.1", "topology net30", "ping 10", "ping-restart 120"), s.push());
        // The server routes the whole network to its tun peer.
        Route r = o.routes().get(0);
        assertEquals("10.8.0.0", r.network().getHostAddress());
        assertEquals("255.255.255.0", r.netmask().getHostAddress());
        assertEquals("10.8.0.2", r.gateway().getHostAddress());
        assertTrue(o.warnings().contains(OptionWarnings.NET30_DEPRECATED), o.warnings().toString());
    }

    @Test
    void clientToClientPushesTheWholeNetworkInNet30AndP2p() throws Exception {
        assertEquals(List.of("route 10.8.0.0 255.255.255.0", "topology net30", "ping 10", "ping-restart 120"),
                server(TUN + "server 10.8.0.0 255.255.255.0\nclient-to-client\nkeepalive 10 120\n").push());
        ServerSettings p2p = server(TUN + "topology p2p\nserver 10.8.0.0 255.255.255.0\nkeepalive 10 120\n");
        assertEquals(List.of("topology p2p", "ping 10", "ping-restart 120"), p2p.push());
        assertEquals(ServerSettings.PoolType.INDIVIDUAL, p2p.pool().orElseThrow().type());
        assertEquals("10.8.0.4", p2p.pool().orElseThrow().start().getHostAddress());
        assertEquals(List.of("route 10.8.0.0 255.255.255.0", "topology p2p"),
                server(TUN + "topology p2p\nserver 10.8.0.0 255.255.255.0\nclient-to-client\n").push());
    }

    @Test
    void aSlash29TunServerKeepsNoReserveAtTheEnd() throws Exception {
        ServerSettings s = server(TUN + "server 10.8.0.0 255.255.255.248\n");
        assertEquals("10.8.0.4", s.pool().orElseThrow().start().getHostAddress());
        assertEquals("10.8.0.7", s.pool().orElseThrow().end().getHostAddress());
    }

    @Test
    void tapPushesRouteGatewayButNoTopology() throws Exception {
        OpenVpnOptions o = parse("dev tap\n" + KEYS + "server 10.9.0.0 255.255.255.0\n");
        ServerSettings s = o.server().orElseThrow();
        assertEquals("10.9.0.1", o.ifconfig().orElseThrow().local().getHostAddress());
        assertEquals("255.255.255.0", o.ifconfig().orElseThrow().remoteOrNetmask().getHostAddress());
        assertEquals("10.9.0.2", s.pool().orElseThrow().start().getHostAddress());
        assertEquals("10.9.0.254", s.pool().orElseThrow().end().getHostAddress());
        assertEquals(ServerSettings.PoolType.INDIVIDUAL, s.pool().orElseThrow().type());
        assertEquals(List.of("route-gateway 10.9.0.1"), s.push());
        assertTrue(o.warnings().contains(OptionWarnings.NO_KEEPALIVE), o.warnings().toString());
        ServerSettings slash30 = server("dev tap\n" + KEYS + "server 10.9.0.0 255.255.255.252\n");
        assertEquals("10.9.0.2", slash30.pool().orElseThrow().start().getHostAddress());
    }

    @Test
    void nopoolLeavesThePoolToTheOperator() throws Exception {
        ServerSettings s = server(TUN + "topology subnet\nserver 10.8.0.0 255.255.255.0 nopool\n"
                + "ifconfig-pool 10.8.0.100 10.8.0.199\n");
        assertEquals("10.8.0.100", s.pool().orElseThrow().start().getHostAddress());
        assertEquals("255.255.255.0", s.pool().orElseThrow().netmask().orElseThrow().getHostAddress());
        assertTrue(server(TUN + "server 10.8.0.0 255.255.255.0 nopool\n").pool().isEmpty());
    }

    @Test
    void serverIpv6() throws Exception {
        OpenVpnOptions o = parse(TUN + "topology subnet\nserver 10.8.0.0 255.255.255.0\nserver-ipv6 fd00:8::/64\n");
        ServerSettings s = o.server().orElseThrow();
        IfConfigIpv6 six = o.ifconfigIpv6().orElseThrow();
        assertEquals("fd00:8:0:0:0:0:0:1", six.local().getHostAddress());
        assertEquals("fd00:8:0:0:0:0:0:2", six.remote().getHostAddress());
        assertEquals(64, six.prefixLength());
        assertEquals("fd00:8:0:0:0:0:0:1000", s.poolIpv6().orElseThrow().base().getHostAddress());
        assertEquals(List.of("tun-ipv6", "route-gateway 10.8.0.1", "topology subnet"), s.push());
        assertEquals("fd00:8:0:0:0:0:0:2",
                server(TUN + "server-ipv6 fd00:8::/112\n").poolIpv6().orElseThrow().base().getHostAddress());
        // server-ipv6 alone is a server too (IPv6 only).
        OpenVpnOptions only6 = parse(TUN + "server-ipv6 fd00:8::/64\n");
        assertTrue(only6.server().orElseThrow().pool().isEmpty());
        assertEquals(TlsOptions.Role.SERVER, only6.tls().orElseThrow().role());
    }

    @Test
    void configPushesComeBeforeTheHelperLines() throws Exception {
        ServerSettings s = server(TUN + "push \"route 192.168.10.0 255.255.255.0\"\ntopology subnet\n"
                + "server 10.8.0.0 255.255.255.0\npush \"dhcp-option DNS 10.8.0.1\"\nkeepalive 10 60\n");
        assertEquals(List.of("route 192.168.10.0 255.255.255.0", "dhcp-option DNS 10.8.0.1", "route-gateway 10.8.0.1",
                "topology subnet", "ping 10", "ping-restart 60"), s.push());
    }

    @Test
    void modeServerWithTlsServerAndExplicitPool() throws Exception {
        OpenVpnOptions o = parse(TUN + "mode server\ntls-server\ntopology subnet\nifconfig 10.7.0.1 255.255.255.0\n"
                + "ifconfig-pool 10.7.0.10 10.7.0.20 255.255.255.0\nproto tcp\n");
        ServerSettings s = o.server().orElseThrow();
        assertEquals(Proto.TCP_SERVER, o.proto(), "a server's plain 'tcp' is tcp-server");
        assertEquals("10.7.0.10", s.pool().orElseThrow().start().getHostAddress());
        assertEquals(List.of(), s.push());
        assertTrue(s.network().isEmpty(), "no --server");
        assertFalse(o.warnings().stream().anyMatch(w -> w.contains("contains the server's own address")), o.warnings().toString());
        List<String> w = parse(TUN + "mode server\ntls-server\ntopology subnet\nifconfig 10.7.0.1 255.255.255.0\n"
                + "ifconfig-pool 10.7.0.1 10.7.0.20 255.255.255.0\n").warnings();
        assertTrue(w.contains("WARNING: --ifconfig-pool 10.7.0.1 - 10.7.0.20 contains the server's own address 10.7.0.1:"
                + " a client may be given it; start the pool after it"), w.toString());
        fails(TUN + "mode server\n", Reason.CONFLICT, "mode", "--mode server requires --tls-server");
    }

    @Test
    void theOtherServerOptionsAreCarried() throws Exception {
        ServerSettings s = server(TUN + "script-security 2\ntopology subnet\nserver 10.8.0.0 255.255.255.0\n"
                + "ifconfig-pool-persist ipp.txt 0\nclient-config-dir ccd\nccd-exclusive\nclient-to-client\n"
                + "max-clients 50\nconnect-freq 5 10\nconnect-freq-initial 20 5\nmax-routes-per-client 0\nhash-size 256 256\n"
                + "tcp-queue-limit 32\nstale-routes-check 30 10\nusername-as-common-name\nverify-client-cert optional\n"
                + "auth-user-pass-verify \"check.sh arg\" via-file\nclient-connect connect.sh\n"
                + "client-disconnect disconnect.sh\nauth-gen-token 3600 240 external-auth\n"
                + "tls-crypt-v2-verify v2.sh\n");
        assertTrue(s.poolPersist().orElseThrow().readOnly());
        assertEquals(dir.resolve("ipp.txt"), s.poolPersist().orElseThrow().file());
        assertEquals(dir.resolve("ccd"), s.clientConfigDir().orElseThrow());
        assertTrue(s.ccdExclusive());
        assertTrue(s.clientToClient());
        assertEquals(50, s.maxClients());
        assertEquals(new ServerSettings.ConnectFreq(5, 10), s.connectFreq());
        assertEquals(new ServerSettings.ConnectFreq(20, 5), s.connectFreqInitial());
        assertEquals(1, s.maxRoutesPerClient(), "as OpenVPN's max_int(n, 1)");
        assertEquals(32, s.tcpQueueLimit());
        assertEquals(30, s.staleRoutesAgeing());
        assertEquals(10, s.staleRoutesInterval());
        assertTrue(s.usernameAsCommonName());
        assertEquals(ServerSettings.VerifyClientCert.OPTIONAL, s.verifyClientCert());
        assertTrue(parse(TUN + "server 10.8.0.0 255.255.255.0\nscript-security 2\nauth-user-pass-verify a.sh via-env\n"
                + "verify-client-cert none\n").warnings().contains(OptionWarnings.VERIFY_CLIENT_CERT_DANGEROUS));
        assertTrue(s.authUserPassVerify().orElseThrow().viaFile());
        assertEquals("check.sh arg", s.authUserPassVerify().orElseThrow().script().command());
        assertEquals(dir.resolve("check.sh"), s.authUserPassVerify().orElseThrow().script().program());
        assertEquals("connect.sh", s.clientConnect().orElseThrow().command());
        assertEquals("disconnect.sh", s.clientDisconnect().orElseThrow().command());
        assertEquals(new ServerSettings.AuthGenToken(3600, 240, true), s.authGenToken().orElseThrow());
        assertEquals("v2.sh", s.tlsCryptV2Verify().orElseThrow().command());
        assertEquals(ServerSettings.ConnectFreq.INITIAL_DEFAULT,
                server(TUN + "server 10.8.0.0 255.255.255.0\n").connectFreqInitial());
    }

    @Test
    void theAuthTokenSecretIsAKeyFileOrBlock() throws Exception {
        String key = "-----BEGIN OpenVPN auth-token server key-----\nAAAA\n-----END OpenVPN auth-token server key-----\n";
        ConfigFixtures.writeKey(dir, "token.key", key);
        String server = TUN + "server 10.8.0.0 255.255.255.0\nauth-gen-token\n";
        ServerSettings s = server(server + "auth-gen-token-secret token.key\n");
        assertEquals(key, s.authGenTokenSecret().orElseThrow().text());
        assertFalse(s.toString().contains("AAAA"), "the secret is never printed");
        assertTrue(server(server + "<auth-gen-token-secret>\n" + key + "</auth-gen-token-secret>\n").authGenTokenSecret()
                .orElseThrow().inline());
        fails(server + "auth-gen-token-secret ca.crt\n", Reason.BAD_VALUE, "auth-gen-token-secret",
                "does not hold an auth-token server key");
        fails(server + "auth-gen-token-secret missing.key\n", Reason.FILE_ERROR, "auth-gen-token-secret", "missing.key");
        Files.writeString(dir.resolve("open.key"), key);
        java.nio.file.Files.setPosixFilePermissions(dir.resolve("open.key"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(parse(server + "auth-gen-token-secret open.key\n").warnings()
                .contains("WARNING: file 'open.key' is group or others accessible"));
    }

    @Test
    void openVpnsWarnings() throws Exception {
        List<String> w = parse(TUN + "server 10.8.0.0 255.255.255.0\nduplicate-cn\nifconfig-pool-persist ipp.txt\n"
                + "client-config-dir ccd\nkeepalive 10 60\n").warnings();
        assertTrue(w.contains(OptionWarnings.DUPLICATE_CN_PERSIST), w.toString());
        assertTrue(w.contains(OptionWarnings.DUPLICATE_CN_CCD), w.toString());
        assertFalse(w.contains(OptionWarnings.NO_KEEPALIVE), w.toString());
        assertFalse(w.contains(OptionWarnings.VERIFY_CLIENT_CERT_DANGEROUS), w.toString());
    }

    @Test
    void badServerValuesAreRefusedWithOpenVpnsMessages() {
        fails(TUN + "server 10.8.0.0 255.0.255.0\n", Reason.BAD_VALUE, "server", "network/netmask combination is invalid");
        fails(TUN + "server 10.8.0.1 255.255.255.0\n", Reason.BAD_VALUE, "server", "network/netmask combination is invalid");
        fails(TUN + "server 10.8.0.0 255.254.0.0\n", Reason.BAD_VALUE, "server", "too many host addresses");
        fails(TUN + "server 10.8.0.0 255.255.255.252\n", Reason.BAD_VALUE, "server", "255.255.255.248 or lower");
        fails("dev tap\n" + KEYS + "server 10.8.0.0 255.255.255.254\n", Reason.BAD_VALUE, "server", "255.255.255.252 or lower");
        fails(TUN + "server 10.8.0.0 255.255.255.0 pool\n", Reason.BAD_VALUE, "server", "not a recognized flag");
        fails(TUN + "server 0.0.0.0 255.255.255.0\n", Reason.BAD_VALUE, "server", "error parsing --server parameters");
        fails(TUN + "server 10.8.0.0\n", Reason.MISSING_ARGUMENT, "server", "at least 2");
        fails(TUN + "server 10.8.0.0 banana\n", Reason.BAD_VALUE, "server", "not an IPv4 address");
        fails(TUN + "server-ipv6 fd00::/63\n", Reason.BAD_VALUE, "server-ipv6", "between /64 and /124");
        fails(TUN + "server-ipv6 fd00::/125\n", Reason.BAD_VALUE, "server-ipv6", "between /64 and /124");
        fails(TUN + "server-ipv6 fd00::\n", Reason.BAD_VALUE, "server-ipv6", "prefix length");
        fails(TUN + "server-ipv6 example.com/64\n", Reason.BAD_VALUE, "server-ipv6", "not an IPv6 address");
        fails("dev null\n" + KEYS + "server 10.8.0.0 255.255.255.0\n", Reason.CONFLICT, "server", "--dev tun or --dev tap");
    }

    @Test
    void serverConflictsAreRefusedWithOpenVpnsMessages() throws Exception {
        String server = "server 10.8.0.0 255.255.255.0\n";
        fails(TUN + server + "ifconfig-pool 10.8.0.10 10.8.0.20\n", Reason.CONFLICT, "ifconfig-pool",
                "--server already defines an ifconfig-pool");
        fails(TUN + server + "server-ipv6 fd00::/64\nifconfig-ipv6-pool fd00::1000/64\n", Reason.CONFLICT,
                "ifconfig-ipv6-pool", "already defines an ifconfig-ipv6-pool");
        fails(TUN + "server 10.8.0.0 255.255.255.0 nopool\nserver-ipv6 fd00::/64\n", Reason.CONFLICT, "server-ipv6",
                "incompatible with 'nopool'");
        fails(TUN + server + "remote 192.0.2.1\n", Reason.CONFLICT, "remote", "--remote cannot be used with --mode server");
        fails(TUN + server + "proto tcp-client\n", Reason.CONFLICT, "proto", "only supports --proto values of udp");
        fails(TUN + server + "proto tcp-server\nconnect-freq 10 60\n", Reason.CONFLICT, "connect-freq",
                "only works with --mode server --proto udp");
        fails(TUN + server + "redirect-gateway def1\n", Reason.CONFLICT, "redirect-gateway", "--push \"redirect-gateway\" is fine");
        fails(TUN + server + "ccd-exclusive\n", Reason.CONFLICT, "ccd-exclusive", "must be used with --client-config-dir");
        fails(TUN + server + "verify-client-cert none\n", Reason.CONFLICT, "verify-client-cert",
                "an --auth-user-pass-verify script");
        fails(TUN + server + "username-as-common-name\n", Reason.CONFLICT, "username-as-common-name",
                "an --auth-user-pass-verify script");
        // management-client-auth is a user/pass check too (OpenVPN's man_def_auth)
        ServerSettings mgmt = parse(TUN + server + "management 127.0.0.1 7505\nmanagement-client-auth\nusername-as-common-name\n"
                + "verify-client-cert none\n").server().orElseThrow();
        assertTrue(mgmt.usernameAsCommonName());
        assertEquals(ServerSettings.VerifyClientCert.NONE, mgmt.verifyClientCert());
        fails(TUN + server + "auth-gen-token 0 100\n", Reason.CONFLICT, "auth-gen-token", "two times --hand-window (60)");
        fails(TUN + server + "reneg-sec 0\nauth-gen-token\n", Reason.CONFLICT, "auth-gen-token", "non-infinite");
        fails(TUN + server + "client\n", Reason.CONFLICT, "server", "--server and --client cannot be used together");
        fails(TUN + "mode server\ntls-server\nifconfig-pool-persist ipp.txt\n", Reason.CONFLICT, "ifconfig-pool-persist",
                "must be used with --ifconfig-pool or --ifconfig-ipv6-pool");
        fails(TUN + "mode server\ntls-server\nifconfig-ipv6-pool fd00::1000/64\n", Reason.CONFLICT, "ifconfig-ipv6-pool",
                "needs --ifconfig-ipv6");
        fails(TUN + "mode server\ntls-server\nifconfig 10.7.0.1 10.7.0.2\nifconfig-pool 10.7.0.4 10.7.0.20 255.255.255.0\n",
                Reason.CONFLICT, "ifconfig-pool", "only valid in --dev tap mode");
    }

    @Test
    void badValuesOfTheOtherServerOptions() {
        String server = "server 10.8.0.0 255.255.255.0\n";
        fails(TUN + server + "ifconfig-pool-persist ipp.txt -1\n", Reason.BAD_VALUE, "ifconfig-pool-persist", "out of range");
        fails(TUN + server + "max-clients 0\n", Reason.BAD_VALUE, "max-clients", "out of range");
        fails(TUN + server + "max-clients 16777215\n", Reason.BAD_VALUE, "max-clients", "out of range");
        fails(TUN + server + "hash-size 0 256\n", Reason.BAD_VALUE, "hash-size", "out of range");
        fails(TUN + server + "connect-freq -1 10\n", Reason.BAD_VALUE, "connect-freq", "out of range");
        fails(TUN + server + "connect-freq-initial 10 x\n", Reason.BAD_VALUE, "connect-freq-initial", "not a number");
        fails(TUN + server + "tcp-queue-limit 0\n", Reason.BAD_VALUE, "tcp-queue-limit", "out of range");
        fails(TUN + server + "stale-routes-check 0\n", Reason.BAD_VALUE, "stale-routes-check", "out of range");
        fails(TUN + server + "verify-client-cert maybe\n", Reason.BAD_VALUE, "verify-client-cert", "'none', 'optional' or 'require'");
        fails(TUN + server + "client-cert-not-required\n", Reason.UNSUPPORTED_OPTION, "client-cert-not-required",
                "REMOVED OPTION: --client-cert-not-required, use '--verify-client-cert none' instead");
        fails(TUN + server + "auth-user-pass-verify check.sh\n", Reason.MISSING_ARGUMENT, "auth-user-pass-verify",
                "requires a second parameter ('via-env' or 'via-file')");
        fails(TUN + server + "auth-user-pass-verify check.sh via-pipe\n", Reason.BAD_VALUE, "auth-user-pass-verify",
                "must be 'via-env' or 'via-file'");
        fails(TUN + server + "auth-gen-token 60 0 internal\n", Reason.BAD_VALUE, "auth-gen-token", "Invalid argument");
        fails(TUN + server + "push \"route 10.0.0.0 255.0.0.0,redirect-gateway\"\n", Reason.BAD_VALUE, "push",
                "illegal comma");
        fails(TUN + server + "ifconfig-pool 10.8.0.20 10.8.0.10\n", Reason.BAD_VALUE, "ifconfig-pool", "greater than end IP");
        fails(TUN + server + "ifconfig-pool 10.0.0.1 10.2.0.0\n", Reason.BAD_VALUE, "ifconfig-pool", "too large");
        fails(TUN + server + "ifconfig-ipv6-pool fd00::/60\n", Reason.BAD_VALUE, "ifconfig-ipv6-pool", "between /64 and /124");
    }

    @Test
    void perClientOptionsBelongInCcdFilesOnly() {
        for (String option : List.of("iroute 192.168.1.0 255.255.255.0", "iroute-ipv6 fd01::/64",
                "ifconfig-push 10.8.0.50 255.255.255.0", "ifconfig-ipv6-push fd00::50/64", "push-reset",
                "push-remove route", "disable")) {
            ConfigException e = fails(TUN + "server 10.8.0.0 255.255.255.0\n" + option + "\n", Reason.CONFLICT,
                    option.split(" ")[0], "cannot be used in this context (server.conf)");
            assertEquals(7, e.line());
        }
    }

    @Test
    void serverOnlyOptionsNeedModeServer() {
        for (String option : List.of("ifconfig-pool 10.8.0.4 10.8.0.20", "ifconfig-pool-persist ipp.txt",
                "ifconfig-ipv6-pool fd00::1000/64", "hash-size 256 256", "client-connect c.sh",
                "client-disconnect d.sh", "client-config-dir ccd", "ccd-exclusive", "client-to-client", "duplicate-cn",
                "connect-freq 1 1", "verify-client-cert none", "username-as-common-name",
                "auth-user-pass-verify a.sh via-env", "auth-gen-token", "stale-routes-check 10")) {
            String name = option.split(" ")[0];
            fails("dev tun\ntls-server\n" + KEYS + "ifconfig 10.8.0.1 10.8.0.2\n" + option + "\n", Reason.CONFLICT, name,
                    "requires --mode server");
        }
    }

    @Test
    void modeServerChecksOfTheLinkAndDevice() throws Exception {
        String server = "server 10.8.0.0 255.255.255.0\n";
        fails(TUN + server + "http-proxy proxy.example 3128\n", Reason.CONFLICT, "http-proxy",
                "--http-proxy cannot be used with --mode server");
        fails(TUN + server + "socks-proxy proxy.example 1080\n", Reason.CONFLICT, "socks-proxy",
                "--socks-proxy cannot be used with --mode server");
        fails(TUN + server + "nobind\n", Reason.CONFLICT, "nobind", "--nobind cannot be used with --mode server");
        fails(TUN + server + "<connection>\nremote 192.0.2.1\n</connection>\n", Reason.CONFLICT, "connection",
                "<connection> cannot be used with --mode server");
        fails(TUN + server + "route-delay 5\n", Reason.CONFLICT, "route-delay", "cannot be used with --mode server");
        fails(TUN + "mode server\ntls-server\npull\n", Reason.CONFLICT, "pull", "--pull cannot be used with --mode server");
        fails("dev null\n" + KEYS + "mode server\ntls-server\n", Reason.CONFLICT, "mode",
                "--mode server only works with --dev tun or --dev tap");
        assertTrue(parse(TUN + server + "pull-filter ignore route\n").warnings().contains("--pull-filter ignored for --mode"
                + " server"));
        List<String> p2p = parse("dev tun\ntls-server\n" + KEYS + "ifconfig 10.8.0.1 10.8.0.2\ntls-crypt-v2-verify v.sh\n")
                .warnings();
        assertTrue(p2p.contains("--tls-crypt-v2-verify is ignored without --mode server (server.conf:8)"), p2p.toString());
    }

    @Test
    void aPointToPointConfigurationHasNoServerSettings() throws Exception {
        OpenVpnOptions p2p = parse("dev tun\ntls-server\n" + KEYS + "ifconfig 10.8.0.1 10.8.0.2\nkeepalive 10 60\n");
        assertTrue(p2p.server().isEmpty());
        assertEquals(60, p2p.pingRestart(), "point-to-point keepalive is not doubled");
    }
}
