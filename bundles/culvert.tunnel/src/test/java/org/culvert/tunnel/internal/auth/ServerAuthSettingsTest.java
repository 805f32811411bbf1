package org.culvert.tunnel.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.junit.jupiter.api.Test;

class ServerAuthSettingsTest {
    @Test
    void aConfigurationWithoutServerAuthGivesNone() throws Exception {
        String key = "-----BEGIN OpenVPN Static key V1-----\n" + "0123456789abcdef0123456789abcdef\n".repeat(16)
                + "-----END OpenVPN Static key V1-----\n";
        OpenVpnOptions o = ConfigParser.parse("dev null\ncipher AES-256-CBC\nscript-security 3\n<secret>\n" + key
                + "</secret>\n", "x.conf", null);
        ServerAuthSettings s = ServerAuthSettings.from(o, Duration.ofSeconds(5));
        assertFalse(s.hasScripts());
        assertNull(s.authToken());
        assertEquals(ServerAuthSettings.none().scriptSecurity(), s.scriptSecurity(), "not a server: no server scripts at all");
    }

    @Test
    void theTokenSecretStaysOutOfToStringAndTheBoundMustBePositive() {
        ServerAuthSettings s = new ServerAuthSettings("a.sh", true, null, null, null, 2, false, false,
                new ServerAuthSettings.AuthGenToken(0, 0, true, "-----BEGIN OpenVPN auth-token server key-----\nSECRETBYTES"),
                null, Duration.ofSeconds(1));
        assertFalse(s.toString().contains("SECRETBYTES"), s.toString());
        assertFalse(s.authToken().toString().contains("SECRETBYTES"));
        assertTrue(s.toString().contains("external-auth"));
        assertThrows(IllegalArgumentException.class, () -> new ServerAuthSettings(null, true, null, null, null, 2, false,
                false, null, null, Duration.ZERO));
    }
}
