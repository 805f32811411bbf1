package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigFixtures.keyBlock;
import static org.culvert.openvpn.config.ConfigFixtures.keyHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's authentication options as OpenVPN 2.6's {@code add_option} reads them, good and bad. */
class ServerAuthOptionsTest {
    private static final String BASE = "dev tun\nsecret static.key\ncipher AES-256-CBC\n";

    @TempDir
    Path dir;

    @BeforeEach
    void keyFiles() throws Exception {
        ConfigFixtures.writeKey(dir, "static.key", keyBlock(keyHex()));
    }

    /**
     * The options as read, before the whole configuration is checked: this parser has no server mode
     * yet, and outside it these options are refused ({@link #refusedOutsideServerMode}).
     */
    private ServerAuthOptions parse(String text) throws ConfigException {
        ConfigReader r = new ConfigReader(dir);
        r.readText(BASE + text, "server.conf", 1);
        return r.builder().serverAuth.build();
    }

    private ConfigException fails(String text) {
        return assertThrows(ConfigException.class, () -> parse(text));
    }

    private ConfigException failsWhole(String text) {
        return assertThrows(ConfigException.class, () -> ConfigParser.parse(BASE + text, "p2p.conf", dir));
    }

    @Test
    void refusedOutsideServerMode() throws Exception {
        for (String opt : new String[] {"script-security 2\nauth-user-pass-verify x.sh via-file", "script-security 2\nclient-connect x.sh",
            "script-security 2\nclient-disconnect x.sh", "script-security 2\ntls-crypt-v2-verify x.sh", "username-as-common-name",
            "auth-user-pass-optional", "verify-client-cert none", "auth-gen-token"}) {
            ConfigException e = failsWhole(opt + "\n");
            assertTrue(e.getMessage().contains("requires --mode server"), opt + ": " + e.getMessage());
        }
        assertEquals(ServerAuthOptions.NONE, ConfigParser.parse(BASE + "verify-client-cert require\n", "p2p.conf", dir).serverAuth());
    }

    @Test
    void serverModeChecksAsOpenVpns() throws Exception {
        ServerAuthOptions noAuth = parse("verify-client-cert optional\nusername-as-common-name\nauth-gen-token 0 30\n");
        var errors = noAuth.serverModeErrors(false, 0, 60);
        assertEquals(4, errors.size(), errors.toString());
        assertTrue(errors.get(0).getValue().contains("must be used with --management-client-auth"));
        assertTrue(noAuth.serverModeErrors(true, 3600, 10).isEmpty(), "management-client-auth authenticates");
        assertTrue(noAuth.warning().orElseThrow().contains("POTENTIALLY DANGEROUS"));
        assertTrue(parse("").warning().isEmpty());
    }

    @Test
    void noneByDefault() throws Exception {
        ServerAuthOptions a = parse("");
        assertEquals(ServerAuthOptions.NONE, a);
        assertEquals("require", a.verifyClientCert());
    }

    @Test
    void scriptsWithTheirMethodsAndSecurity() throws Exception {
        ServerAuthOptions a = parse("script-security 2\nauth-user-pass-verify \"check.sh -v\" via-env\n"
                + "client-connect cc.sh\nclient-disconnect /bin/cd.sh\ntls-crypt-v2-verify tc.sh\n"
                + "username-as-common-name\nauth-user-pass-optional\n");
        assertEquals("check.sh -v", a.userPassVerify().orElseThrow().command());
        assertEquals(dir.resolve("check.sh"), a.userPassVerify().orElseThrow().program());
        assertFalse(a.viaFile());
        assertEquals("cc.sh", a.clientConnect().orElseThrow().command());
        assertEquals(Path.of("/bin/cd.sh"), a.clientDisconnect().orElseThrow().program());
        assertEquals("tc.sh", a.tlsCryptV2Verify().orElseThrow().command());
        assertTrue(a.usernameAsCommonName());
        assertTrue(a.userPassOptional());
        assertTrue(parse("script-security 2\nauth-user-pass-verify x.sh via-file\n").viaFile());
    }

    @Test
    void badScriptOptionsAreRefusedNamingTheProblem() {
        assertTrue(fails("script-security 2\nauth-user-pass-verify x.sh\n").getMessage().contains("via-env"));
        assertTrue(fails("script-security 2\nauth-user-pass-verify x.sh via-pipe\n").getMessage()
                .contains("must be 'via-env' or 'via-file'"));
        assertTrue(fails("script-security 2\nclient-connect \"  \"\n").getMessage().contains("empty"));
        // Below script-security 2 they would never run; refused (checked before the server-mode rule).
        ConfigException e = failsWhole("auth-user-pass-verify x.sh via-file\n");
        assertTrue(e.getMessage().contains("script-security 2"), e.getMessage());
    }

    @Test
    void verifyClientCert() throws Exception {
        assertEquals("none", parse("verify-client-cert none\n").verifyClientCert());
        assertEquals("optional", parse("verify-client-cert optional\n").verifyClientCert());
        assertEquals("require", parse("verify-client-cert\n").verifyClientCert());
        assertTrue(fails("verify-client-cert maybe\n").getMessage().contains("'none', 'optional' or 'require'"));
    }

    @Test
    void authGenTokenArguments() throws Exception {
        assertEquals(new ServerAuthOptions.AuthGenToken(0, 0, false), parse("auth-gen-token\n").authGenToken().orElseThrow());
        assertEquals(new ServerAuthOptions.AuthGenToken(3600, 0, false), parse("auth-gen-token 3600\n").authGenToken().orElseThrow());
        assertEquals(new ServerAuthOptions.AuthGenToken(3600, 600, true),
                parse("auth-gen-token 3600 600 external-auth\n").authGenToken().orElseThrow());
        assertEquals(new ServerAuthOptions.AuthGenToken(0, 0, true),
                parse("auth-gen-token 0 external-auth\n").authGenToken().orElseThrow());
        assertTrue(fails("auth-gen-token 60 600 bogus\n").getMessage().contains("Invalid argument to auth-gen-token"));
        fails("auth-gen-token -5\n");
        Files.writeString(dir.resolve("tok.key"), "-----BEGIN OpenVPN auth-token server key-----\nAAAA\n"
                + "-----END OpenVPN auth-token server key-----\n");
        ServerAuthOptions s = parse("auth-gen-token\nauth-gen-token-secret tok.key\n");
        assertTrue(s.authGenTokenSecret().orElseThrow().contains("auth-token server key"));
        assertFalse(s.toString().contains("AAAA"), "the secret is not shown");
        ServerAuthOptions inline = parse("auth-gen-token\n<auth-gen-token-secret>\n-----BEGIN OpenVPN auth-token server key-----\n"
                + "BBBB\n-----END OpenVPN auth-token server key-----\n</auth-gen-token-secret>\n");
        assertTrue(inline.authGenTokenSecret().orElseThrow().contains("BBBB"));
        assertTrue(fails("auth-gen-token-secret missing.key\n").getMessage().contains("missing.key"));
    }
}
