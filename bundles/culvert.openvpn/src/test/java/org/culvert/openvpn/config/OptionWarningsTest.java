package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigFixtures.SERVER_FP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenVPN 2.6's warnings about insecure or odd configurations, given by Culvert in OpenVPN's
 * wording: each with a configuration that must give it and one that must not.
 */
class OptionWarningsTest {
    @TempDir
    Path dir;

    private static final String STATIC = "dev tun\nsecret static.key\ncipher AES-256-CBC\n";
    private static final String CLIENT = "dev tun\ntls-client\ncert client.crt\nkey client.key\nca ca.crt\n";

    @BeforeEach
    void files() throws Exception {
        ConfigFixtures.writeTlsFiles(dir);
        ConfigFixtures.writeKey(dir, "static.key", ConfigFixtures.keyBlock(ConfigFixtures.keyHex()));
    }

    private List<String> warnings(String text) throws ConfigException {
        return ConfigParser.parse(text, "w.conf", dir).warnings();
    }

    @Test
    void aTlsClientThatChecksNoServerCertificateIsWarnedAbout() throws Exception {
        assertTrue(warnings(CLIENT).contains(OptionWarnings.NO_SERVER_VERIFICATION), warnings(CLIENT).toString());
        assertEquals("WARNING: No server certificate verification method has been enabled.  See http://openvpn.net/howto.html#mitm"
                + " for more info.", OptionWarnings.NO_SERVER_VERIFICATION);
        for (String check : List.of("remote-cert-tls server\n", "verify-x509-name server name\n", "peer-fingerprint " + SERVER_FP + "\n")) {
            assertFalse(warnings(CLIENT + check).contains(OptionWarnings.NO_SERVER_VERIFICATION), check);
        }
    }

    @Test
    void pingWithoutPingRestartOrPingExit() throws Exception {
        assertTrue(warnings(STATIC + "ping 10\n").contains(OptionWarnings.PING_WITHOUT_RESTART));
        for (String ok : List.of("ping 10\nping-restart 60\n", "ping 10\nping-exit 60\n", "keepalive 10 60\n", "")) {
            assertFalse(warnings(STATIC + ok).contains(OptionWarnings.PING_WITHOUT_RESTART), ok);
        }
    }

    @Test
    void aTcpManagementInterfaceWithoutPassword() throws Exception {
        Path pw = Files.writeString(dir.resolve("pw"), "sekrit\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        assertTrue(warnings(STATIC + "management 127.0.0.1 7505\n").contains(OptionWarnings.MANAGEMENT_WITHOUT_PASSWORD));
        assertFalse(warnings(STATIC + "management 127.0.0.1 7505 pw\n").contains(OptionWarnings.MANAGEMENT_WITHOUT_PASSWORD));
        assertFalse(warnings(STATIC + "management mgmt.sock unix\n").contains(OptionWarnings.MANAGEMENT_WITHOUT_PASSWORD));
        assertFalse(warnings(STATIC + "management 127.0.0.1 7505 pw\n").stream().anyMatch(w -> w.contains("accessible")));
    }

    @Test
    void aPasswordOrKeyFileOthersMayUseIsWarnedAboutAsOpenVpnDoes() throws Exception {
        Path pw = Files.writeString(dir.resolve("pw"), "sekrit\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r-----"));
        assertTrue(warnings(STATIC + "management 127.0.0.1 7505 pw\n").contains("WARNING: file 'pw' is group or others accessible"));
        // Any group or others bit counts, as OpenVPN's S_IRWXG|S_IRWXO, not only reading.
        Files.setPosixFilePermissions(dir.resolve("static.key"), PosixFilePermissions.fromString("rw-----w-"));
        assertTrue(warnings(STATIC).contains("WARNING: file 'static.key' is group or others accessible"), warnings(STATIC).toString());
        Files.setPosixFilePermissions(dir.resolve("static.key"), PosixFilePermissions.fromString("rw-------"));
        assertFalse(warnings(STATIC).stream().anyMatch(w -> w.contains("accessible")));
    }

    @Test
    void staticKeyModeWarnsAsOpenVpnDoes() throws Exception {
        assertTrue(warnings(STATIC).contains("DEPRECATED OPTION: The option --secret is deprecated."));
        List<String> none = warnings("dev tun\nsecret static.key\ncipher none\nauth none\n");
        assertTrue(none.contains(OptionWarnings.CIPHER_NONE), none.toString());
        assertTrue(none.contains(OptionWarnings.AUTH_NONE), none.toString());
        assertFalse(warnings(STATIC).contains(OptionWarnings.CIPHER_NONE));
        assertFalse(warnings(STATIC).contains(OptionWarnings.AUTH_NONE));
        assertFalse(warnings(CLIENT + "remote-cert-tls server\n").contains(OptionWarnings.SECRET_DEPRECATED));
    }

    @Test
    void ignoredOptionsAreNamedInOpenVpnsWords() throws Exception {
        assertTrue(warnings(STATIC + "tun-ipv6\n").contains(OptionWarnings.TUN_IPV6));
        assertFalse(warnings(STATIC).contains(OptionWarnings.TUN_IPV6));
        assertTrue(warnings(STATIC + "proto tcp-server\nexplicit-exit-notify 1\n").contains(OptionWarnings.EXIT_NOTIFY_TCP));
        assertFalse(warnings(STATIC + "explicit-exit-notify 1\n").contains(OptionWarnings.EXIT_NOTIFY_TCP));
    }

    @Test
    void inactiveBytesPastTwoGigabytes() throws Exception {
        assertTrue(warnings(STATIC + "inactive 300 3000000000\n").contains(String.format(OptionWarnings.INACTIVE_BYTES, 300)));
        assertFalse(warnings(STATIC + "inactive 300 2000000000\n").stream().anyMatch(w -> w.contains("--inactive")));
    }

    @Test
    void scriptsThatMayRunAreNoted() throws Exception {
        assertTrue(warnings(STATIC + "script-security 2\nup /bin/true\n").contains(OptionWarnings.SCRIPTS_ALLOWED));
        assertFalse(warnings(STATIC + "script-security 2\n").contains(OptionWarnings.SCRIPTS_ALLOWED));
    }
}
