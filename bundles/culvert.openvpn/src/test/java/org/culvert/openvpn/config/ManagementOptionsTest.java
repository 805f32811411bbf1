package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigFixtures.keyBlock;
import static org.culvert.openvpn.config.ConfigFixtures.keyHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;

import org.culvert.openvpn.config.ConfigException.Reason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --management, --management-hold, --management-log-cache, --status and --status-version. */
class ManagementOptionsTest {
    private static final String BASE = "dev tun\nsecret static.key\ncipher AES-256-CBC\n";

    @TempDir
    Path dir;

    @BeforeEach
    void keyFile() throws Exception {
        ConfigFixtures.writeKey(dir, "static.key", keyBlock(keyHex()));
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(text, "p2p.conf", dir);
    }

    private ConfigException fails(String text, Reason reason, String option, int line) {
        return ConfigFixtures.fails(text, "p2p.conf", dir, reason, option, line);
    }

    @Test
    void absentByDefault() throws Exception {
        OpenVpnOptions o = parse(BASE);
        assertEquals(Optional.empty(), o.management());
        assertEquals(Optional.empty(), o.status());
    }

    @Test
    void tcpManagementWithPasswordFileHoldAndCache() throws Exception {
        Management m = parse(BASE + "management 127.0.0.1 7505 pw.txt\nmanagement-hold\nmanagement-log-cache 40\n")
                .management().orElseThrow();
        assertEquals(Optional.of("127.0.0.1"), m.host());
        assertEquals(7505, m.port());
        assertEquals(Optional.empty(), m.unixSocket());
        assertEquals(Optional.of(dir.resolve("pw.txt")), m.passwordFile());
        assertTrue(m.hold());
        assertEquals(40, m.logCache());
    }

    @Test
    void unixSocketManagementDefaults() throws Exception {
        Management m = parse(BASE + "management /run/culvert.sock unix\n").management().orElseThrow();
        assertEquals(Optional.of(Path.of("/run/culvert.sock")), m.unixSocket());
        assertEquals(Optional.empty(), m.host());
        assertFalse(m.hold());
        assertEquals(Management.DEFAULT_LOG_CACHE, m.logCache());
    }

    @Test
    void badManagementLinesNameTheOptionAndLine() {
        fails(BASE + "management 127.0.0.1\n", Reason.MISSING_ARGUMENT, "management", 4);
        fails(BASE + "management 127.0.0.1 99999\n", Reason.BAD_VALUE, "management", 4);
        fails(BASE + "management 127.0.0.1 port\n", Reason.BAD_VALUE, "management", 4);
        fails(BASE + "management 127.0.0.1 7505 stdin\n", Reason.UNSUPPORTED_OPTION, "management", 4);
        fails(BASE + "management-log-cache 0\nmanagement 127.0.0.1 7505\n", Reason.BAD_VALUE, "management-log-cache", 4);
        fails(BASE + "management-hold extra\n", Reason.EXTRA_ARGUMENT, "management-hold", 4);
    }

    @Test
    void clientAuthIsAManagementModifier() throws Exception {
        assertTrue(parse(BASE + "management 127.0.0.1 7505\nmanagement-client-auth\n").management().orElseThrow().clientAuth());
        assertFalse(parse(BASE + "management 127.0.0.1 7505\n").management().orElseThrow().clientAuth());
        fails(BASE + "management-client-auth\n", Reason.CONFLICT, "management-client-auth", 4);
        fails(BASE + "management 127.0.0.1 7505\nmanagement-client-auth yes\n", Reason.EXTRA_ARGUMENT, "management-client-auth", 5);
    }

    @Test
    void holdWithoutManagementIsAConflict() {
        fails(BASE + "\nmanagement-hold\n", Reason.CONFLICT, "management-hold", 5);
        fails(BASE + "management-log-cache 10\n", Reason.CONFLICT, "management-log-cache", 4);
    }

    @Test
    void statusFileWithIntervalAndVersion() throws Exception {
        StatusFile s = parse(BASE + "status-version 2\nstatus run/status.txt 5\n").status().orElseThrow();
        assertEquals(dir.resolve("run/status.txt"), s.file());
        assertEquals(5, s.seconds());
        assertEquals(2, s.version());
        StatusFile d = parse(BASE + "status /tmp/s.txt\n").status().orElseThrow();
        assertEquals(StatusFile.DEFAULT_SECONDS, d.seconds());
        assertEquals(1, d.version());
    }

    @Test
    void badStatusLines() {
        fails(BASE + "status\n", Reason.MISSING_ARGUMENT, "status", 4);
        fails(BASE + "status s.txt 0\n", Reason.BAD_VALUE, "status", 4);
        fails(BASE + "status s.txt soon\n", Reason.BAD_VALUE, "status", 4);
        fails(BASE + "status-version 4\n", Reason.BAD_VALUE, "status-version", 4);
    }

    @Test
    void unsupportedManagementModifiersAreRefusedByName() {
        fails(BASE + "management 127.0.0.1 7505\nmanagement-up-down\n", Reason.UNSUPPORTED_OPTION,
                "management-up-down", 5);
        fails(BASE + "management-signal\n", Reason.UNSUPPORTED_OPTION, "management-signal", 4);
    }
}
