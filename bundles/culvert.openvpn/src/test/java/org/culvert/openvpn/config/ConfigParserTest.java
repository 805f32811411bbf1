package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigFixtures.FOOTER;
import static org.culvert.openvpn.config.ConfigFixtures.HEADER;
import static org.culvert.openvpn.config.ConfigFixtures.keyBlock;
import static org.culvert.openvpn.config.ConfigFixtures.keyHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.culvert.openvpn.config.ConfigException.Reason;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.CipherAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigParserTest {
    @TempDir
    Path dir;

    /** The minimum Culvert accepts, so each test adds only what it is about. */
    private static final String BASE = "dev tun\nsecret static.key\ncipher AES-256-CBC\n";

    @BeforeEach
    void keyFiles() throws Exception {
        ConfigFixtures.writeKey(dir, "static.key", keyBlock(keyHex()));
        ConfigFixtures.writeKey(dir, "one.key", keyBlock(keyHex().substring(0, 256)));
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(text, "p2p.conf", dir);
    }

    private ConfigException fails(String text) {
        return assertThrows(ConfigException.class, () -> parse(text));
    }

    private ConfigException failsArgs(String... args) {
        return assertThrows(ConfigException.class, () -> ConfigParser.parseArgs(List.of(args), dir));
    }

    // ------------------------------------------------------------------ what stock users write

    @Test
    void perfAnchorConfigParsesToTheRightValues() throws Exception {
        OpenVpnOptions o = parse(ConfigFixtures.PERF_ANCHOR_A);
        assertEquals("tun", o.dev());
        assertEquals(DevType.TUN, o.devType());
        assertEquals(Proto.UDP, o.proto());
        assertEquals(IpFamily.ANY, o.linkFamily());
        assertEquals(Optional.of("10.201.0.1"), o.local());
        assertEquals(1194, o.localPort());
        assertEquals(List.of(new Remote("10.201.0.2", 1194, Optional.empty(), IpFamily.ANY)), o.remotes());
        assertTrue(o.bind());
        assertEquals("10.202.0.1", o.ifconfig().orElseThrow().local().getHostAddress());
        assertEquals("10.202.0.2", o.ifconfig().orElseThrow().remoteOrNetmask().getHostAddress());
        assertEquals(KeyDirection.NORMAL, o.keyDirection());
        assertEquals(Optional.of(dir.resolve("static.key")), o.secretFile());
        assertFalse(o.secretInline());
        assertEquals(2, o.secret().keyCount());
        assertEquals(CipherAlgorithm.AES_256_CBC, o.cipher());
        assertEquals(AuthAlgorithm.SHA256, o.auth());
        assertTrue(o.disableDco());
        assertEquals(4, o.verb());
        // OpenVPN 2.6 defaults
        assertEquals(1500, o.tunMtu());
        assertEquals(1492, o.mssfix());
        assertTrue(o.mssfixEncap());
        assertFalse(o.mssfixFixed());
        assertEquals(ReplayWindow.Settings.DEFAULT, o.replayWindow());
        assertEquals(Compression.NONE, o.compression());
        assertEquals(Topology.NET30, o.topology());
        assertEquals(0, o.ping());
        assertEquals(0, o.pingRestart());
        assertEquals(0, o.explicitExitNotify());
        assertEquals(1, o.scriptSecurity());
        assertEquals(OpenVpnOptions.RESOLV_RETRY_INFINITE, o.resolvRetry());
        assertEquals(List.of("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"), o.dataCiphers());
        assertTrue(o.warnings().stream().anyMatch(w -> w.contains("deprecated")));
    }

    @Test
    void commandLineGivesTheSameOptionsAsTheFile() throws Exception {
        OpenVpnOptions file = parse(ConfigFixtures.PERF_ANCHOR_A);
        OpenVpnOptions args = ConfigParser.parseArgs(List.of("--dev", "tun", "--disable-dco", "--verb", "4", "--proto", "udp",
                "--local", "10.201.0.1", "--remote", "10.201.0.2", "--port", "1194", "--ifconfig", "10.202.0.1", "10.202.0.2",
                "--secret", "static.key", "0", "--cipher", "AES-256-CBC", "--auth", "SHA256"), dir);
        assertEquals(describe(file), describe(args));
        assertEquals(ConfigException.COMMAND_LINE, args.sourceName());
    }

    @Test
    void commandLineConfigOptionAndBareFileName() throws Exception {
        Files.writeString(dir.resolve("a.conf"), ConfigFixtures.PERF_ANCHOR_A);
        OpenVpnOptions file = parse(ConfigFixtures.PERF_ANCHOR_A);
        assertEquals(describe(file), describe(ConfigParser.parseArgs(List.of("a.conf"), dir)));
        OpenVpnOptions overridden = ConfigParser.parseArgs(List.of("--config", "a.conf", "--verb", "3"), dir);
        assertEquals(3, overridden.verb(), "later options override the file, as in openvpn");
        OpenVpnOptions underridden = ConfigParser.parseArgs(List.of("--verb", "3", "--config", "a.conf"), dir);
        assertEquals(4, underridden.verb());
    }

    @Test
    void keepaliveExpandsToPingAndPingRestart() throws Exception {
        OpenVpnOptions o = parse(BASE + "keepalive 10 60\n");
        assertEquals(10, o.ping());
        assertEquals(60, o.pingRestart());
        assertEquals(0, o.pingExit());
    }

    @Test
    void inlineSecretWithKeyDirection() throws Exception {
        String text = "dev tun\ncipher AES-128-CBC\nkey-direction 1\n<secret>\n" + keyBlock(keyHex()) + "  </secret>\nverb 3\n";
        OpenVpnOptions o = parse(text);
        assertTrue(o.secretInline());
        assertEquals(Optional.empty(), o.secretFile());
        assertEquals(KeyDirection.INVERSE, o.keyDirection());
        assertEquals(3, o.verb(), "lines after the block are parsed");
        assertFalse(o.toString().contains(keyHex().substring(0, 16)), o.toString());
    }

    @Test
    void fileSyntaxNiceties() throws Exception {
        Files.writeString(dir.resolve("my key.txt"), keyBlock(keyHex()));
        OpenVpnOptions o = parse("\uFEFF--dev tun\r\n; comment\n  # comment\n\nsecret \"my key.txt\" 1\r\ncipher 'AES-256-CBC'\n"
                + "--remote vpn.example.com 1195 udp6\n");
        assertEquals(KeyDirection.INVERSE, o.keyDirection());
        assertEquals(new Remote("vpn.example.com", 1195, Optional.of(Proto.UDP), IpFamily.IPV6), o.remote().orElseThrow());
        assertEquals(IpFamily.IPV6, o.linkFamily());
    }

    @Test
    void severalRemotesKeepTheListAndUseTheFirst() throws Exception {
        OpenVpnOptions o = parse(BASE + "rport 2000\nremote a.example 1195 tcp-client\nremote b.example\n");
        assertEquals(2, o.remotes().size());
        assertEquals("a.example", o.remote().orElseThrow().host());
        assertEquals(Proto.TCP_CLIENT, o.proto(), "the first remote's protocol wins");
        assertEquals(2000, o.remotes().get(1).port());
        assertFalse(o.bind(), "a TCP client does not bind unless told to");
    }

    @Test
    void routesGetOpenVpnsDefaults() throws Exception {
        OpenVpnOptions o = parse(BASE + "ifconfig 10.8.0.1 10.8.0.2\nroute 192.168.10.0 255.255.255.0\nroute 192.168.20.7\n"
                + "route 192.168.30.0 255.255.255.0 vpn_gateway 5\nroute 10.9.0.0 255.255.0.0 10.8.0.9 default\n"
                + "ifconfig-ipv6 fd00::1/64 fd00::2\nroute-ipv6 2001:db8::/32\nroute-ipv6 2001:db9::/48 fd00::9 7\n");
        List<Route> r = o.routes();
        assertEquals("192.168.10.0/255.255.255.0 via 10.8.0.2 metric -", show(r.get(0)));
        assertEquals("192.168.20.7/255.255.255.255 via 10.8.0.2 metric -", show(r.get(1)));
        assertEquals("192.168.30.0/255.255.255.0 via 10.8.0.2 metric 5", show(r.get(2)));
        assertEquals("10.9.0.0/255.255.0.0 via 10.8.0.9 metric -", show(r.get(3)));
        assertEquals(64, o.ifconfigIpv6().orElseThrow().prefixLength());
        assertEquals(32, o.routesIpv6().get(0).prefixLength());
        assertEquals("fd00:0:0:0:0:0:0:2", o.routesIpv6().get(0).gateway().orElseThrow().getHostAddress());
        assertEquals(OptionalInt.of(7), o.routesIpv6().get(1).metric());
    }

    @Test
    void compressionDecompressedOnReceive() throws Exception {
        assertEquals(Compression.LZO, parse(BASE + "comp-lzo\n").compression());
        assertEquals(Compression.LZO, parse(BASE + "comp-lzo yes\n").compression());
        assertEquals(Compression.LZO, parse(BASE + "comp-lzo adaptive\ncomp-noadapt\n").compression());
        assertEquals(Compression.LZO, parse(BASE + "compress lzo\n").compression());
        assertEquals(Compression.LZ4, parse(BASE + "compress lz4\n").compression());
        assertEquals(Compression.LZ4_V2, parse(BASE + "compress lz4-v2\nallow-compression asym\n").compression());
        assertTrue(parse(BASE + "compress lz4-v2\n").warnings().stream()
                .anyMatch(w -> w.equals(OptionWarnings.COMPRESSION_RECEIVING)), "OpenVPN's warning");
        assertTrue(parse(BASE + "compress stub-v2\n").warnings().stream()
                .noneMatch(w -> w.equals(OptionWarnings.COMPRESSION_RECEIVING)), "no warning for a stub");
        assertEquals(Optional.of(AllowCompression.YES),
                parse(BASE + "allow-compression yes\ncompress stub-v2\n").allowCompression(), "yes with a stub: nothing to compress");
        ConfigException no = fails(BASE + "allow-compression no\ncomp-lzo yes\n");
        assertEquals(Reason.CONFLICT, no.reason());
        assertEquals("comp-lzo", no.option());
        assertTrue(no.getMessage().contains("'--allow-compression no' conflicts with enabling compression"), no.getMessage());
        ConfigException yes = fails(BASE + "compress lz4\nallow-compression yes\n");
        assertEquals(Reason.UNSUPPORTED_OPTION, yes.reason());
        assertEquals("allow-compression", yes.option());
        assertTrue(yes.getMessage().contains("never compresses what it sends"), yes.getMessage());
        assertEquals(Reason.UNSUPPORTED_OPTION, fails(BASE + "compress migrate\n").reason());
    }

    @Test
    void compressionFramings() throws Exception {
        assertEquals(Compression.LZO_STUB, parse(BASE + "comp-lzo no\n").compression());
        assertEquals(Compression.STUB, parse(BASE + "compress\n").compression());
        assertEquals(Compression.STUB, parse(BASE + "compress stub\n").compression());
        assertEquals(Compression.STUB_V2, parse(BASE + "compress stub-v2\n").compression());
        assertEquals(Optional.of(AllowCompression.NO), parse(BASE + "allow-compression no\ncompress stub-v2\n").allowCompression());
    }

    @Test
    void mssfixVariantsFollowOpenVpn26() throws Exception {
        OpenVpnOptions plain = parse(BASE + "mssfix 1400\n");
        assertEquals(1400, plain.mssfix());
        assertFalse(plain.mssfixEncap());
        OpenVpnOptions mtu = parse(BASE + "mssfix 1450 mtu\n");
        assertTrue(mtu.mssfixEncap());
        assertTrue(parse(BASE + "mssfix 1300 fixed\n").mssfixFixed());
        assertEquals(0, parse(BASE + "mssfix 0\n").mssfix());
        OpenVpnOptions smallTun = parse(BASE + "tun-mtu 1400\n");
        assertEquals(1400, smallTun.mssfix(), "a non-default tun MTU makes mssfix default to it, fixed");
        assertTrue(smallTun.mssfixFixed());
        assertEquals(1492, parse(BASE + "mssfix\n").mssfix());
    }

    @Test
    void linkMtuDerivesTheTunMtuAndLeavesMssfixOff() throws Exception {
        OpenVpnOptions o = parse(BASE + "auth SHA1\nlink-mtu 1560\n");
        // OpenVPN 2.6's get_frame_mtu subtracts only the protocol header (16 IV + 16 block + 20 HMAC),
        // not the 8-byte packet-id, so a stock link-mtu 1560 yields tun-mtu 1508.
        assertEquals(1508, o.tunMtu());
        assertEquals(OptionalInt.of(1560), o.linkMtu());
        assertEquals(0, o.mssfix());
        assertTrue(o.warnings().stream().anyMatch(w -> w.contains("link-mtu")));
    }

    @Test
    void scriptsNeedScriptSecurityAndResolveAgainstTheConfigDirectory() throws Exception {
        OpenVpnOptions o = parse(BASE + "script-security 2\nup \"./up.sh --verbose\"\ndown /usr/local/bin/down\n");
        assertEquals("./up.sh --verbose", o.up().orElseThrow().command());
        assertEquals(dir.resolve("./up.sh"), o.up().orElseThrow().program());
        assertEquals(Path.of("/usr/local/bin/down"), o.down().orElseThrow().program());
    }

    @Test
    void explicitExitNotify() throws Exception {
        assertEquals(1, parse(BASE + "explicit-exit-notify\n").explicitExitNotify());
        assertEquals(3, parse(BASE + "explicit-exit-notify 3\n").explicitExitNotify());
        OpenVpnOptions tcp = parse(BASE + "proto tcp-server\nexplicit-exit-notify 3\n");
        assertEquals(0, tcp.explicitExitNotify(), "UDP only, as OpenVPN");
        assertTrue(tcp.warnings().stream().anyMatch(w -> w.contains("explicit-exit-notify")));
    }

    @Test
    void devTypesAndProtocols() throws Exception {
        assertEquals(DevType.TAP, parse("dev tap3\nsecret static.key\ncipher none\nauth none\n").devType());
        assertEquals(DevType.TUN, parse(BASE + "dev vpn0\ndev-type tun\n").devType());
        assertEquals(IpFamily.IPV4, parse(BASE + "proto udp4\n").linkFamily());
        assertEquals(Proto.TCP_SERVER, parse(BASE + "proto tcp6-server\n").proto());
        assertEquals(Proto.TCP_CLIENT, parse(BASE + "proto tcp-client\nremote h\n").proto());
        assertEquals(CipherAlgorithm.AES_128_CBC, parse(BASE + "data-ciphers-fallback AES-128-CBC\n").cipher());
        assertEquals(0, parse(BASE + "mode p2p\n").tunMtuExtra(), "mode p2p is what Culvert does anyway");
        assertEquals(32, parse(BASE + "dev tap\n").tunMtuExtra());
        // Server mode is TLS only, as in OpenVPN (ServerConfigTest has the rest).
        ConfigException server = fails(BASE + "mode server\n");
        assertEquals(Reason.CONFLICT, server.reason());
        assertEquals("mode", server.option());
        assertTrue(server.getMessage().contains("--mode server requires --tls-server"), server.getMessage());
    }

    @Test
    void includesResolveRelativeToTheBaseDirectory() throws Exception {
        Files.createDirectories(dir.resolve("conf.d"));
        Files.writeString(dir.resolve("conf.d/crypto.conf"), "secret static.key 1\ncipher AES-128-CBC\n");
        OpenVpnOptions o = parse("dev tun\nconfig conf.d/crypto.conf\nauth SHA512\n");
        assertEquals(KeyDirection.INVERSE, o.keyDirection());
        assertEquals(AuthAlgorithm.SHA512, o.auth());
    }

    @Test
    void managementClientGroupOpensTheUnixSocketToAGroupAndNeedsOne() throws Exception {
        OpenVpnOptions o = parse(BASE + "management mgmt.sock unix\nmanagement-client-group operators\n");
        assertEquals(java.util.Optional.of("operators"), o.management().orElseThrow().clientGroup());
        assertEquals(java.util.Optional.empty(), parse(BASE + "management mgmt.sock unix\n").management().orElseThrow().clientGroup());
        ConfigException tcp = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> parse(BASE + "management 127.0.0.1 7505\nmanagement-client-group operators\n"));
        assertTrue(tcp.getMessage().contains("--management-client-(user|group) can only be used on unix domain sockets"), tcp.getMessage());
        ConfigException alone = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> parse(BASE + "management-client-group operators\n"));
        assertTrue(alone.getMessage().contains("needs --management"), alone.getMessage());
    }

    @Test
    void looseKeyFilePermissionsAreReported() throws Exception {
        Path loose = ConfigFixtures.writeKey(dir, "loose.key", keyBlock(keyHex()));
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
        OpenVpnOptions o = parse("dev tun\nsecret loose.key\ncipher AES-256-CBC\n");
        assertTrue(o.warnings().contains("WARNING: file 'loose.key' is group or others accessible"), o.warnings().toString());
        assertFalse(parse(BASE).warnings().stream().anyMatch(w -> w.contains("accessible")));
    }

    // ------------------------------------------------------------------ one fixture per error reason

    @Test
    void unknownOptionNamesItsLine() {
        ConfigException e = fails(BASE + "verb 3\n\n\n# x\nfrobnicate yes\n");
        assertEquals(Reason.UNKNOWN_OPTION, e.reason());
        assertEquals("p2p.conf:8: unknown option 'frobnicate'", e.getMessage());
        assertEquals("p2p.conf", e.source());
        assertEquals(8, e.line());
        assertEquals("frobnicate", e.option());
        assertEquals(Reason.UNKNOWN_OPTION, failsArgs("stray", "--dev", "tun").reason());
        assertEquals(Reason.EXTRA_ARGUMENT, failsArgs("--dev", "tun", "stray").reason(), "words after an option are its arguments");
        assertEquals(Reason.UNKNOWN_OPTION, failsArgs("--frobnicate").reason());
    }

    @Test
    void missingAndExtraArguments() {
        ConfigException missing = fails(BASE + "remote\n");
        assertEquals(Reason.MISSING_ARGUMENT, missing.reason());
        assertEquals("p2p.conf:4: --remote: needs at least 1 argument", missing.getMessage());
        assertEquals(Reason.MISSING_ARGUMENT, fails(BASE + "ifconfig 10.0.0.1\n").reason());
        assertEquals(Reason.MISSING_ARGUMENT, fails(BASE + "replay-window\n").reason());
        assertEquals(Reason.MISSING_ARGUMENT, failsArgs("--dev").reason());
        ConfigException extra = fails("dev tun tap\n");
        assertEquals(Reason.EXTRA_ARGUMENT, extra.reason());
        assertEquals("p2p.conf:1: --dev: takes at most 1 argument, got extra 'tap'", extra.getMessage());
        assertEquals(Reason.EXTRA_ARGUMENT, fails(BASE + "nobind now\n").reason());
        assertEquals(Reason.EXTRA_ARGUMENT, fails(BASE + "up ./a.sh arg\n").reason());
        assertEquals(Reason.EXTRA_ARGUMENT, fails(BASE + "remote h 1 udp extra\n").reason());
    }

    @Test
    void badValues() {
        assertBad(BASE + "ping abc\n", "ping", "'abc' is not a number");
        assertBad(BASE + "tun-mtu 50\n", "tun-mtu", "50 is out of range (100..65536)");
        assertBad(BASE + "port 70000\n", "port", "not a port number");
        assertBad(BASE + "rport 0\n", "rport", "not a port number");
        assertBad(BASE + "replay-window 70000\n", "replay-window", "out of range");
        assertBad(BASE + "replay-window 64 601\n", "replay-window", "out of range");
        assertBad(BASE + "verb -1\n", "verb", "out of range");
        assertBad(BASE + "ping -5\n", "ping", "out of range");
        assertBad(BASE + "proto sctp\n", "proto", "bad protocol 'sctp'");
        assertBad(BASE + "ifconfig 10.0.0.1 10.0.0.300\n", "ifconfig", "'10.0.0.300' is not an IPv4 address");
        assertBad(BASE + "ifconfig-ipv6 fd00::1/32 fd00::2\n", "ifconfig-ipv6", "between 64 and 124");
        assertBad(BASE + "ifconfig-ipv6 fd00::1 fd00::2\n", "ifconfig-ipv6", "prefix length");
        assertBad(BASE + "ifconfig-ipv6 fd00::1/64 example.com\n", "ifconfig-ipv6", "not an IPv6 address");
        assertBad(BASE + "route 10.1.0.1 255.255.0.0 10.0.0.1\n", "route", "inconsistent with netmask");
        assertBad(BASE + "topology star\n", "topology", "net30, p2p or subnet");
        assertBad(BASE + "key-direction 2\n", "key-direction", "'0' or '1'");
        assertBad(BASE + "secret static.key both\n", "secret", "'0' or '1'");
        assertBad(BASE + "keepalive 10 15\n", "keepalive", "at least twice");
        assertBad(BASE + "keepalive 0 10\n", "keepalive", "> 0");
        assertBad(BASE + "compress zstd\n", "compress", "bad algorithm 'zstd'");
        assertBad(BASE + "comp-lzo maybe\n", "comp-lzo", "bad value");
        assertBad(BASE + "mssfix 1400 tight\n", "mssfix", "unknown flag");
        assertBad(BASE + "cipher AES-256-FOO\n", "cipher", "unknown cipher");
        assertBad(BASE + "auth SHA-257\n", "auth", "not a known digest");
        assertBad("dev vpn0\nsecret static.key\ncipher none\n", "dev", "tun or tap");
        assertBad(BASE + "dev-type ppp\n", "dev-type", "tun, tap or null");
        assertBad(BASE + "up \"a \\x\"\n", null, "backslash");
        assertBad(BASE + "up \"unterminated\n", null, "quotation");
    }

    private void assertBad(String text, String option, String detail) {
        ConfigException e = fails(text);
        assertEquals(Reason.BAD_VALUE, e.reason(), e.getMessage());
        assertEquals(option, e.option(), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        assertTrue(e.line() > 0, e.getMessage());
    }

    @Test
    void unimplementedOptionsAreRefusedByName() {
        for (String option : List.of("server-bridge 10.8.0.4 255.255.255.0 10.8.0.128 10.8.0.254",
                "tls-verify ./verify.sh", "verify-hash AB:CD", "ns-cert-type server",
                "capath /etc/ssl/certs", "management-up-down",
                "management-signal", "log l.log", "log-append l.log", "daemon", "fragment 1300",
                "http-proxy-override h 8080", "allow-recursive-routing")) {
            ConfigException e = fails(BASE + option + "\n");
            String name = option.split(" ")[0];
            assertEquals(Reason.UNSUPPORTED_OPTION, e.reason(), option);
            assertEquals(name, e.option());
            assertTrue(e.getMessage().startsWith("p2p.conf:4: --" + name + ": not supported by Culvert yet"), e.getMessage());
        }
        // Supported since issue 11, but TLS mode only, as in OpenVPN.
        ConfigException inline = fails(BASE + "<pkcs12>\nMIIB\n</pkcs12>\n");
        assertEquals(Reason.CONFLICT, inline.reason());
        assertEquals("pkcs12", inline.option());
        assertTrue(inline.getMessage().contains("only be used in TLS mode"), inline.getMessage());
        // Pull mode is TLS only, as in OpenVPN.
        assertEquals(Reason.CONFLICT, fails(BASE + "client\n").reason());
        assertTrue(fails(BASE + "pull\n").getMessage().contains("--tls-client"), fails(BASE + "pull\n").getMessage());
    }

    @Test
    void securityOptionsAJvmCannotHonourAreRefused() {
        for (String option : List.of("user nobody", "group nogroup", "chroot /var/empty")) {
            ConfigException e = fails(BASE + option + "\n");
            assertEquals(Reason.UNSUPPORTED_OPTION, e.reason(), option);
            assertTrue(e.getMessage().contains("JVM"), e.getMessage());
        }
        ConfigException noReplay = fails(BASE + "no-replay\n");
        assertEquals(Reason.UNSUPPORTED_OPTION, noReplay.reason());
        assertTrue(noReplay.getMessage().contains("insecure"));
    }

    @Test
    void aeadCipherWithSecretIsRefused() {
        ConfigException e = failsArgs("--dev", "tun", "--secret", "static.key", "--cipher", "AES-256-GCM");
        assertEquals(Reason.CONFLICT, e.reason());
        assertEquals("command line: --cipher: 'AES-256-GCM' is not allowed with --secret (static-key mode supports"
                + " AES-256-CBC, AES-128-CBC, none)", e.getMessage());
        assertEquals(Reason.CONFLICT, fails(BASE + "cipher chacha20-poly1305\n").reason());
        ConfigException fallback = fails(BASE + "data-ciphers-fallback AES-128-GCM\n");
        assertEquals("data-ciphers-fallback", fallback.option());
    }

    @Test
    void ciphersAndDigestsCulvertLacks() {
        ConfigException bf = fails("dev tun\nsecret static.key\n");
        assertEquals(Reason.UNSUPPORTED_OPTION, bf.reason());
        assertEquals("cipher", bf.option());
        assertTrue(bf.getMessage().startsWith("p2p.conf: --cipher: not set, and OpenVPN 2.6's default BF-CBC"), bf.getMessage());
        assertEquals(Reason.UNSUPPORTED_OPTION, fails(BASE + "cipher BF-CBC\n").reason());
        assertEquals(Reason.UNSUPPORTED_OPTION, fails(BASE + "cipher AES-192-CBC\n").reason());
        assertEquals(Reason.UNSUPPORTED_OPTION, fails(BASE + "auth SHA384\n").reason());
    }

    @Test
    void conflicts() {
        assertConflict(BASE + "proto tcp\n", "proto", "ambiguous");
        assertConflict(BASE + "remote h 1194 tcp\n", "remote", "ambiguous");
        assertConflict(BASE + "keepalive 10 60\nping 5\n", "keepalive", "replaces them");
        assertConflict(BASE + "secret static.key 0\nkey-direction 1\n", "key-direction", "contradicts");
        assertConflict(BASE + "tun-mtu 1400\nlink-mtu 1500\n", "link-mtu", "only one of");
        assertConflict(BASE + "nobind\nbind\nremote h\n", "nobind", "--bind");
        assertConflict(BASE + "nobind\nlocal 10.0.0.1\nremote h\n", "nobind", "--local");
        assertConflict(BASE + "nobind\nlport 5000\nremote h\n", "nobind", "--lport");
        assertConflict(BASE + "nobind\n", "nobind", "without --remote");
        assertConflict(BASE + "local 10.0.0.1\nremote 10.0.0.1\n", "remote", "same address and port");
        assertConflict(BASE + "ifconfig 10.8.0.1 10.8.0.1\n", "ifconfig", "must differ");
        assertConflict(BASE + "ifconfig 10.8.0.1 10.8.0.2\nremote 10.8.0.2\n", "remote", "--ifconfig");
        assertConflict(BASE + "up ./up.sh\n", "up", "script-security 2");
        assertConflict(BASE + "script-security 1\ndown ./down.sh\n", "down", "script-security 2");
        assertConflict(BASE + "route 10.1.0.0 255.255.0.0\n", "route", "no gateway");
        assertConflict(BASE + "topology subnet\nifconfig 10.8.0.1 255.255.255.0\nroute 10.1.0.0 255.255.0.0\n", "route", "no gateway");
        assertConflict(BASE + "allow-compression no\nallow-compression yes\n", "allow-compression", "after it was set to 'no'");
    }

    private void assertConflict(String text, String option, String detail) {
        ConfigException e = fails(text);
        assertEquals(Reason.CONFLICT, e.reason(), e.getMessage());
        assertEquals(option, e.option(), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
    }

    @Test
    void missingRequiredOptions() {
        ConfigException noDev = fails("secret static.key\ncipher none\n");
        assertEquals(Reason.MISSING_OPTION, noDev.reason());
        assertEquals("dev", noDev.option());
        ConfigException noSecret = fails("dev tun\ncipher AES-256-CBC\n");
        assertEquals(Reason.MISSING_OPTION, noSecret.reason());
        assertTrue(noSecret.getMessage().contains("neither a static key (--secret) nor TLS"), noSecret.getMessage());
        assertEquals(Reason.MISSING_OPTION, fails(BASE + "proto tcp-client\n").reason());
    }

    @Test
    void brokenInlineBlocks() {
        ConfigException noEnd = fails("dev tun\ncipher none\n<secret>\n" + HEADER + "\n" + keyHex() + "\n" + FOOTER + "\n");
        assertEquals(Reason.BAD_INLINE_BLOCK, noEnd.reason());
        assertEquals(3, noEnd.line());
        assertTrue(noEnd.getMessage().contains("no </secret>"), noEnd.getMessage());
        assertEquals(Reason.BAD_INLINE_BLOCK, fails(BASE + "<secret> 1\n</secret>\n").reason());
        assertEquals(Reason.BAD_INLINE_BLOCK, fails(BASE + "</secret>\n").reason());
        ConfigException notInline = fails(BASE + "<dev>\ntun\n</dev>\n");
        assertEquals(Reason.BAD_INLINE_BLOCK, notInline.reason());
        assertEquals("dev", notInline.option());
        assertEquals(Reason.UNKNOWN_OPTION, fails(BASE + "<frob>\nx\n</frob>\n").reason());
    }

    @Test
    void badKeyFiles() throws Exception {
        ConfigFixtures.writeKey(dir, "nonhex.key", keyBlock(keyHex().substring(0, 40) + "zz" + keyHex().substring(42)));
        ConfigFixtures.writeKey(dir, "nofooter.key", keyBlock(keyHex()).replace(FOOTER, ""));
        ConfigFixtures.writeKey(dir, "short.key", keyBlock(keyHex().substring(0, 200)));
        ConfigFixtures.writeKey(dir, "zero.key", keyBlock("00".repeat(32) + keyHex().substring(64)));
        for (String name : List.of("nonhex.key", "nofooter.key", "short.key")) {
            ConfigException e = fails("dev tun\nsecret " + name + "\ncipher AES-256-CBC\n");
            assertEquals(Reason.BAD_KEY, e.reason(), name);
            assertEquals("secret", e.option());
            assertEquals(2, e.line());
        }
        assertEquals(Reason.BAD_KEY, fails("dev tun\nsecret one.key 0\ncipher AES-256-CBC\n").reason(), "one key, direction 0");
        assertEquals(Reason.BAD_KEY, fails("dev tun\nsecret zero.key\ncipher AES-256-CBC\n").reason(), "zero cipher key");
        assertEquals(Reason.BAD_KEY, fails("dev tun\ncipher none\n<secret>\nnot a key\n</secret>\n").reason());
        ConfigException inline = fails("dev tun\ncipher none\n<secret>\n" + keyBlock(keyHex().substring(0, 100) + "q" + keyHex().substring(101)) + "</secret>\n");
        assertEquals(Reason.BAD_KEY, inline.reason());
        for (int i = 0; i + 8 <= keyHex().length(); i += 8) {
            assertFalse(inline.getMessage().contains(keyHex().substring(i, i + 8)), "no key material in: " + inline.getMessage());
        }
        parse("dev tun\nsecret one.key\ncipher AES-256-CBC\n");
    }

    @Test
    void fileErrors() throws Exception {
        ConfigException key = fails("dev tun\nsecret missing.key\n");
        assertEquals(Reason.FILE_ERROR, key.reason());
        assertEquals("p2p.conf:2: --secret: cannot read key file 'missing.key': no such file", key.getMessage());
        ConfigException include = fails(BASE + "config nowhere.conf\n");
        assertEquals(Reason.FILE_ERROR, include.reason());
        assertEquals(4, include.line());
        Files.writeString(dir.resolve("self.conf"), "verb 3\nconfig self.conf\n");
        ConfigException loop = fails(BASE + "config self.conf\n");
        assertEquals(Reason.FILE_ERROR, loop.reason());
        assertEquals("self.conf", loop.source());
        assertTrue(loop.getMessage().contains("nested"), loop.getMessage());
        Files.writeString(dir.resolve("bad.conf"), "verb 3\n\nfrobnicate\n");
        ConfigException nested = fails(BASE + "config bad.conf\n");
        assertEquals("bad.conf:3: unknown option 'frobnicate'", nested.getMessage());
    }

    @Test
    void messagesAreOneLine() {
        ConfigException e = fails(BASE + "dev-type \"a\nb\"\n");
        assertFalse(e.getMessage().contains("\n"));
        ConfigException ctrl = fails(BASE + "topology \"\u0007\"\n");
        assertFalse(ctrl.getMessage().chars().anyMatch(c -> c < 0x20), ctrl.getMessage());
        assertTrue(ctrl.getMessage().contains("\\x07"), ctrl.getMessage());
    }

    // ------------------------------------------------------------------ helpers

    private static String show(Route r) {
        return r.network().getHostAddress() + "/" + r.netmask().getHostAddress() + " via " + r.gateway().getHostAddress()
                + " metric " + (r.metric().isPresent() ? String.valueOf(r.metric().getAsInt()) : "-");
    }

    /** Every public getter's value, except the few that name the source or hold key objects. */
    private static Map<String, String> describe(OpenVpnOptions o) throws Exception {
        Map<String, String> out = new TreeMap<>();
        List<String> skip = new ArrayList<>(List.of("sourceName", "secret", "toString", "hashCode", "getClass"));
        for (Method m : OpenVpnOptions.class.getMethods()) {
            if (m.getParameterCount() == 0 && !skip.contains(m.getName()) && m.getDeclaringClass() == OpenVpnOptions.class) {
                out.put(m.getName(), String.valueOf(m.invoke(o)));
            }
        }
        out.put("secret.keyCount", String.valueOf(o.secret().keyCount()));
        return out;
    }
}
