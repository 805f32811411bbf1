package org.culvert.openvpn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.culvert.openvpn.config.AuthUserPass.AuthRetry;
import org.culvert.openvpn.config.ConfigException.Reason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --auth-user-pass (file, inline, asked), --auth-retry, --auth-nocache, --static-challenge, --auth-token[-user], --management-query-passwords. */
class CredentialOptionsTest {
    private static final String CLIENT = "dev tun\ntls-client\ncert client.crt\nkey client.key\nca ca.crt\n";

    @TempDir
    Path dir;

    @BeforeEach
    void files() throws Exception {
        ConfigFixtures.writeTlsFiles(dir);
        ConfigFixtures.writeKey(dir, "static.key", ConfigFixtures.keyBlock(ConfigFixtures.keyHex()));
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(text, "client.conf", dir);
    }

    private ConfigException fails(String text, Reason reason, String option, int line) {
        return ConfigFixtures.fails(text, "client.conf", dir, reason, option, line);
    }

    @Test
    void withoutAuthUserPassNothingIsAsked() throws Exception {
        OpenVpnOptions o = parse(CLIENT);
        assertEquals(Optional.empty(), o.authUserPass());
        assertEquals(Optional.empty(), o.authToken());
    }

    @Test
    void bareAuthUserPassAsksWithTheDefaults() throws Exception {
        AuthUserPass a = parse(CLIENT + "auth-user-pass\n").authUserPass().orElseThrow();
        assertTrue(a.needsSource());
        assertEquals(AuthRetry.NONE, a.retry());
        assertFalse(a.nocache());
        assertEquals(Optional.empty(), a.staticChallenge());
        // "stdin" is OpenVPN's name for the console prompt, not a file.
        assertTrue(parse(CLIENT + "auth-user-pass stdin\n").authUserPass().orElseThrow().needsSource());
    }

    @Test
    void fileIsNamedNotRead() throws Exception {
        Path f = Files.writeString(dir.resolve("up.txt"), "alice\nsecret\n");
        AuthUserPass a = parse(CLIENT + "auth-user-pass up.txt\nauth-retry interact\nauth-nocache\n").authUserPass().orElseThrow();
        assertEquals(Optional.of(f), a.file());
        assertFalse(a.needsSource());
        assertEquals(AuthRetry.INTERACT, a.retry());
        assertTrue(a.nocache());
        assertFalse(a.toString().contains("secret"), a.toString());
    }

    @Test
    void inlineBlockIsHeldAsCharacters() throws Exception {
        AuthUserPass a = parse(CLIENT + "<auth-user-pass>\nalice\nsecret\n</auth-user-pass>\n").authUserPass().orElseThrow();
        assertTrue(a.inline().isPresent());
        assertTrue(a.inline().get().contains("secret"));
        assertFalse(a.toString().contains("secret"), a.toString());
    }

    @Test
    void missingFileIsAFileError() {
        ConfigException e = fails(CLIENT + "auth-user-pass nope.txt\n", Reason.FILE_ERROR, "auth-user-pass", 6);
        assertTrue(e.getMessage().contains("nope.txt"), e.getMessage());
    }

    @Test
    void authUserPassNeedsAClient() {
        fails("dev tun\nsecret static.key\ncipher AES-256-CBC\nauth-user-pass\n", Reason.CONFLICT, "auth-user-pass", 4);
        fails("dev tun\ntls-server\ncert server.crt\nkey server.key\ndh none\nca ca.crt\nauth-user-pass\n", Reason.CONFLICT,
                "auth-user-pass", 7);
    }

    @Test
    void authRetryTakesOnlyOpenVpnsMethods() throws Exception {
        assertEquals(AuthRetry.NOINTERACT, parse(CLIENT + "auth-user-pass\nauth-retry nointeract\n").authUserPass().get().retry());
        ConfigException e = fails(CLIENT + "auth-retry sometimes\n", Reason.BAD_VALUE, "auth-retry", 6);
        assertTrue(e.getMessage().contains("'interact', 'nointeract', or 'none'"), e.getMessage());
        fails(CLIENT + "auth-retry\n", Reason.MISSING_ARGUMENT, "auth-retry", 6);
        fails(CLIENT + "auth-nocache now\n", Reason.EXTRA_ARGUMENT, "auth-nocache", 6);
    }

    @Test
    void staticChallengeTextAndEcho() throws Exception {
        AuthUserPass a = parse(CLIENT + "auth-user-pass\nstatic-challenge \"Enter PIN\" 1\n").authUserPass().orElseThrow();
        assertEquals(new AuthUserPass.StaticChallenge("Enter PIN", true), a.staticChallenge().orElseThrow());
        fails(CLIENT + "static-challenge PIN 2\n", Reason.BAD_VALUE, "static-challenge", 6);
        fails(CLIENT + "static-challenge PIN\n", Reason.MISSING_ARGUMENT, "static-challenge", 6);
        OpenVpnOptions alone = parse(CLIENT + "static-challenge PIN 0\n");
        assertTrue(alone.warnings().stream().anyMatch(w -> w.contains("--static-challenge is ignored")), alone.warnings().toString());
    }

    @Test
    void authTokenAndBase64User() throws Exception {
        OpenVpnOptions o = parse(CLIENT + "auth-user-pass\nauth-token SESS_ID_AT_abc\nauth-token-user Ym9i\n");
        assertEquals(Optional.of("SESS_ID_AT_abc"), o.authToken());
        assertEquals(Optional.of("bob"), o.authTokenUser());
        fails(CLIENT + "auth-token-user not*base64\n", Reason.BAD_VALUE, "auth-token-user", 6);
        fails(CLIENT + "auth-token-user AA==\n", Reason.BAD_VALUE, "auth-token-user", 6); // a NUL byte
        // A pushed token is not limited by the 256-character words of a file: the table's own limit holds.
        String longToken = "x".repeat(5000);
        OptionsBuilder.Line pushed = new OptionsBuilder.Line("auth-token", java.util.List.of(longToken), false,
                new OptionsBuilder.Where("PUSH_REPLY", 1), dir, 0);
        ConfigException e = assertThrows(ConfigException.class, () -> CredentialOptions.token(pushed, longToken));
        assertEquals(Reason.BAD_VALUE, e.reason());
    }

    @Test
    void queryPasswordsNeedsManagement() throws Exception {
        Management m = parse(CLIENT + "management 127.0.0.1 7505\nmanagement-query-passwords\n").management().orElseThrow();
        assertTrue(m.queryPasswords());
        assertFalse(parse(CLIENT + "management 127.0.0.1 7505\n").management().orElseThrow().queryPasswords());
        fails(CLIENT + "management-query-passwords\n", Reason.CONFLICT, "management-query-passwords", 6);
    }

    @Test
    void decodeUserRefusesWhatIsNotAUsername() {
        assertEquals("bob", CredentialOptions.decodeUser("Ym9i"));
        assertEquals(null, CredentialOptions.decodeUser(""));
        assertEquals(null, CredentialOptions.decodeUser("%%%"));
        assertEquals(null, CredentialOptions.decodeUser("A".repeat(8000)));
    }
}
