package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigFixtures.keyBlock;
import static org.culvert.openvpn.config.ConfigFixtures.keyHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.culvert.openvpn.config.ConfigException.Reason;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --dev null}, and OpenVPN's shipped {@code loopback-client}/{@code loopback-server} as they are. */
class DevNullConfigTest {
    /** Debian's openvpn package ships OpenVPN's sample configurations and keys here. */
    static final Path EXAMPLES = Path.of("/usr/share/doc/openvpn/examples");

    private static final String NULL_BASE = "dev null\nsecret static.key\ncipher AES-256-CBC\n";

    @TempDir
    Path dir;

    @BeforeEach
    void keyFile() throws Exception {
        ConfigFixtures.writeKey(dir, "static.key", keyBlock(keyHex()));
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(text, "null.conf", dir);
    }

    @Test
    void devNullIsTheNullDeviceType() throws Exception {
        OpenVpnOptions o = parse(NULL_BASE);
        assertEquals(DevType.NULL, o.devType());
        assertEquals("null", o.dev());
        assertEquals("null", o.devType().openVpnName());
        assertEquals(DevType.NULL, parse("dev null0\nsecret static.key\ncipher AES-256-CBC\n").devType());
        assertEquals(DevType.NULL, parse("dev mydev\ndev-type null\nsecret static.key\ncipher AES-256-CBC\n").devType());
        assertEquals(DevType.NULL, ConfigParser.parseArgs(List.of("--dev", "null", "--secret", "static.key",
                "--cipher", "AES-256-CBC"), dir).devType());
    }

    @Test
    void devTypeMustStillBeKnown() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("dev x\ndev-type nul\nsecret static.key\ncipher AES-256-CBC\n"));
        assertEquals(Reason.BAD_VALUE, e.reason());
        assertEquals("dev-type", e.option());
    }

    @Test
    void nothingThatConfiguresAnInterfaceGoesWithDevNull() {
        assertConflict("ifconfig 10.1.0.1 10.1.0.2\n", "ifconfig", "no interface");
        assertConflict("ifconfig-ipv6 fd00::1/64 fd00::2\n", "ifconfig-ipv6", "no interface");
        assertConflict("route 10.9.0.0 255.255.0.0 10.1.0.9\n", "route", "no interface");
        assertConflict("route-ipv6 fd01::/64 fd00::9\n", "route-ipv6", "no interface");
        assertConflict("script-security 2\nup /bin/true\n", "up", "--up script");
        assertConflict("script-security 2\ndown /bin/true\n", "down", "--down script");
    }

    @Test
    void theSameOptionsStillWorkWithATunDevice() throws Exception {
        OpenVpnOptions o = parse("dev tun\nsecret static.key\ncipher AES-256-CBC\nifconfig 10.1.0.1 10.1.0.2\n"
                + "route 10.9.0.0 255.255.0.0\n");
        assertEquals(DevType.TUN, o.devType());
        assertEquals(1, o.routes().size());
    }

    private void assertConflict(String extra, String option, String detail) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(NULL_BASE + extra));
        assertEquals(Reason.CONFLICT, e.reason(), e.getMessage());
        assertEquals(option, e.option(), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        int line = 4 + (int) extra.substring(0, extra.indexOf(option + " ")).chars().filter(c -> c == '\n').count();
        assertTrue(e.getMessage().startsWith("null.conf:" + line + ": --" + option + ":"), e.getMessage());
    }

    // ------------------------------------------------------------ OpenVPN's shipped loopback pair

    @Test
    void shippedLoopbackClientParsesUnchanged() throws Exception {
        OpenVpnOptions o = parseShipped("loopback-client");
        assertEquals(DevType.NULL, o.devType());
        assertEquals(16001, o.localPort());
        assertEquals(Optional.of("localhost"), o.local());
        assertEquals("localhost", o.remotes().get(0).host());
        assertEquals(16000, o.remotes().get(0).port());
        assertTrue(o.tls().isPresent(), "tls-client");
        assertEquals(10, o.tls().orElseThrow().renegSeconds());
        assertEquals(1, o.ping());
        assertEquals(120, o.inactive());
        assertEquals(10_000_000L, o.inactiveBytes());
        assertFalse(o.ifconfig().isPresent());
    }

    @Test
    void shippedLoopbackServerParsesUnchanged() throws Exception {
        OpenVpnOptions o = parseShipped("loopback-server");
        assertEquals(DevType.NULL, o.devType());
        assertEquals(16000, o.localPort());
        assertEquals(16001, o.remotes().get(0).port());
        assertTrue(o.tls().isPresent(), "tls-server");
        assertEquals(10, o.tls().orElseThrow().renegSeconds());
        assertEquals(1, o.ping());
    }

    /** Parsed from where OpenVPN's own instructions run it: the examples directory (for {@code sample-keys/}). */
    private static OpenVpnOptions parseShipped(String name) throws Exception {
        Path file = EXAMPLES.resolve("sample-config-files").resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(file), "openvpn's examples are not installed");
        return ConfigParser.parse(Files.readString(file), name, EXAMPLES);
    }
}
