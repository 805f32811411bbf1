package org.culvert.tunnel.internal.auth;

import static org.culvert.tunnel.internal.auth.Scripts.script;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;

import org.culvert.openvpn.Clock;
import org.culvert.openvpn.auth.AuthTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenVPN's {@code verify_user_pass} order: tokens before the script, the environment the script sees,
 * username-as-common-name, the username lock, and no password or token in the log.
 */
class ServerAuthenticatorTest {
    private static final String SECRET = "correct horse";

    @TempDir
    Path dir;

    /** Seconds that tests move by hand. */
    private static final class TestClock implements Clock {
        volatile long seconds = 1_765_000_000L;

        @Override
        public long monotonicMillis() {
            return seconds * 1000;
        }

        @Override
        public long unixSeconds() {
            return seconds;
        }
    }

    private final TestClock clock = new TestClock();
    private final Scripts.RecordingLog log = new Scripts.RecordingLog();

    /** A script that counts its runs, records session_state and accepts alice's password only. */
    private String checkingScript() throws Exception {
        Path count = dir.resolve("runs");
        return script(dir, "upv.sh", "echo x >> " + count + "; echo \"$session_state $session_id $common_name\" > "
                + dir.resolve("state") + "; [ \"$(sed -n 2p \"$1\")\" = '" + SECRET + "' ]").toString();
    }

    private int runs() throws Exception {
        Path p = dir.resolve("runs");
        return Files.exists(p) ? Files.readAllLines(p).size() : 0;
    }

    private ServerAuthenticator auth(boolean usernameAsCn, ServerAuthSettings.AuthGenToken token) throws Exception {
        ServerAuthSettings s = new ServerAuthSettings(checkingScript(), true, null, null, null, 2, usernameAsCn, false,
                token, dir, Duration.ofSeconds(20));
        return new ServerAuthenticator(s, 3600, clock, new SecureRandom(), log);
    }

    private static ScriptEnv env() {
        return new ScriptEnv(Map.of()).untrusted(new InetSocketAddress("192.0.2.10", 40000));
    }

    @Test
    void scriptDecidesAndTheLogHoldsNoPassword() throws Exception {
        try (ServerAuthenticator a = auth(false, null)) {
            ClientAuthState st = new ClientAuthState();
            UserPassResult ok = a.verifyUserPass(st, env(), "client1", "alice", SECRET.toCharArray());
            assertTrue(ok.authenticated(), ok.toString());
            assertEquals(UserPassResult.Reason.ACCEPTED, ok.reason());
            assertEquals("client1", ok.commonName());
            assertNull(ok.authTokenLine());
            UserPassResult bad = a.verifyUserPass(new ClientAuthState(), env(), "client1", "alice", "wrong".toCharArray());
            assertFalse(bad.authenticated());
            assertEquals(UserPassResult.Reason.SCRIPT_REFUSED, bad.reason());
            assertFalse(log.all().contains(SECRET), log.all());
            assertTrue(log.all().contains("TLS Auth Error: Auth Username/Password verification failed for peer"));
        }
    }

    @Test
    void usernameAsCommonNameAndItsLengthLimit() throws Exception {
        try (ServerAuthenticator a = auth(true, null)) {
            ScriptEnv env = env();
            UserPassResult ok = a.verifyUserPass(new ClientAuthState(), env, "client1", "alice", SECRET.toCharArray());
            assertTrue(ok.authenticated());
            assertEquals("alice", ok.commonName());
            assertEquals("alice", env.get("common_name"), "client-connect then sees the username as common_name");
            assertTrue(Files.readString(dir.resolve("state")).contains("client1"), "the script saw the certificate's CN");
            String longName = "a".repeat(65);
            UserPassResult tooLong = a.verifyUserPass(new ClientAuthState(), env(), "client1", longName, SECRET.toCharArray());
            assertEquals(UserPassResult.Reason.USERNAME_TOO_LONG, tooLong.reason());
            assertFalse(tooLong.authenticated());
            assertTrue(a.verifyUserPass(new ClientAuthState(), env(), "client1", "a".repeat(64), SECRET.toCharArray())
                    .authenticated());
        }
    }

    @Test
    void blankUsernameRefusedUnlessOptionalAndControlCharactersRemapped() throws Exception {
        try (ServerAuthenticator a = auth(false, null)) {
            UserPassResult blank = a.verifyUserPass(new ClientAuthState(), env(), "client1", "", SECRET.toCharArray());
            assertEquals(UserPassResult.Reason.BLANK_USERNAME, blank.reason());
            assertEquals(0, runs(), "no script for a blank username");
            UserPassResult remapped = a.verifyUserPass(new ClientAuthState(), env(), "client1", "al\nice", SECRET.toCharArray());
            assertEquals("al_ice", remapped.username());
        }
        ServerAuthSettings optional = new ServerAuthSettings(checkingScript(), true, null, null, null, 2, false, true,
                null, dir, Duration.ofSeconds(20));
        try (ServerAuthenticator a = new ServerAuthenticator(optional, 3600, clock, new SecureRandom(), log)) {
            assertEquals(UserPassResult.Reason.ACCEPTED, a.verifyUserPass(new ClientAuthState(), env(), "c", "", SECRET.toCharArray()).reason());
        }
    }

    @Test
    void theUsernameCannotChangeOnRenegotiation() throws Exception {
        try (ServerAuthenticator a = auth(false, null)) {
            ClientAuthState st = new ClientAuthState();
            assertTrue(a.verifyUserPass(st, env(), "c", "alice", SECRET.toCharArray()).authenticated());
            UserPassResult changed = a.verifyUserPass(st, env(), "c", "bob", SECRET.toCharArray());
            assertEquals(UserPassResult.Reason.USERNAME_CHANGED, changed.reason());
            assertFalse(changed.authenticated());
        }
    }

    @Test
    void aGeneratedTokenStandsInForThePasswordWithoutTheScript() throws Exception {
        try (ServerAuthenticator a = auth(false, new ServerAuthSettings.AuthGenToken(0, 100, false, null))) {
            ClientAuthState st = new ClientAuthState();
            UserPassResult first = a.verifyUserPass(st, env(), "c", "alice", SECRET.toCharArray());
            assertTrue(first.authenticated());
            assertEquals(1, runs());
            assertTrue(Files.readString(dir.resolve("state")).startsWith("Initial "), "session_state=Initial");
            String line = first.authTokenLine();
            assertTrue(line.startsWith("auth-token SESS_ID_AT_"), "pushed");
            String token = line.substring("auth-token ".length());
            assertFalse(log.all().contains(token), "the token is a secret");
            assertFalse(first.toString().contains(token));

            // The client reconnects (a new TLS session of the same instance) with the token.
            clock.seconds += 50;
            UserPassResult again = a.verifyUserPass(st, env(), "c", "alice", token.toCharArray());
            assertEquals(UserPassResult.Reason.TOKEN_ACCEPTED, again.reason());
            assertEquals(1, runs(), "no script for a valid token");
            String renewed = again.authTokenLine().substring("auth-token ".length());
            assertNotEquals(token, renewed, "renewed with the new timestamp");
            assertEquals(token.substring(0, 27), renewed.substring(0, 27), "same session id");

            // A fresh instance (a reconnect after a restart of the client) also takes it.
            UserPassResult fresh = a.verifyUserPass(new ClientAuthState(), env(), "c", "alice", renewed.toCharArray());
            assertEquals(UserPassResult.Reason.TOKEN_ACCEPTED, fresh.reason());

            // Another user's attempt with alice's token, a flipped token, garbage: refused, script not run.
            assertEquals(UserPassResult.Reason.TOKEN_INVALID,
                    a.verifyUserPass(new ClientAuthState(), env(), "c", "mallory", renewed.toCharArray()).reason());
            char[] flipped = renewed.toCharArray();
            flipped[30] = flipped[30] == 'A' ? 'B' : 'A';
            assertEquals(UserPassResult.Reason.TOKEN_INVALID,
                    a.verifyUserPass(new ClientAuthState(), env(), "c", "alice", flipped).reason());
            assertEquals(UserPassResult.Reason.TOKEN_INVALID,
                    a.verifyUserPass(new ClientAuthState(), env(), "c", "alice", "SESS_ID_AT_%%%garbage".toCharArray()).reason());
            assertEquals(1, runs());

            // Expired: past twice the renewal.
            clock.seconds += 500;
            UserPassResult expired = a.verifyUserPass(new ClientAuthState(), env(), "c", "alice", renewed.toCharArray());
            assertEquals(UserPassResult.Reason.TOKEN_EXPIRED, expired.reason());
            assertEquals(AuthTokens.EXPIRED_REASON, expired.clientReason());
            assertFalse(expired.authenticated());
        }
    }

    @Test
    void aTokenOfAnotherSessionIsRefusedWithinASession() throws Exception {
        try (ServerAuthenticator a = auth(false, new ServerAuthSettings.AuthGenToken(0, 100, false, null))) {
            ClientAuthState one = new ClientAuthState();
            ClientAuthState two = new ClientAuthState();
            String t1 = a.verifyUserPass(one, env(), "c", "alice", SECRET.toCharArray()).authTokenLine().substring(11);
            a.verifyUserPass(two, env(), "c", "alice", SECRET.toCharArray());
            UserPassResult cross = a.verifyUserPass(two, env(), "c", "alice", t1.toCharArray());
            assertEquals(UserPassResult.Reason.TOKEN_INVALID, cross.reason());
            assertNull(two.token(), "the session's tokens are wiped");
        }
    }

    @Test
    void externalAuthRunsTheScriptWithTheSessionState() throws Exception {
        try (ServerAuthenticator a = auth(false, new ServerAuthSettings.AuthGenToken(0, 100, true, null))) {
            ClientAuthState st = new ClientAuthState();
            String token = a.verifyUserPass(st, env(), "c", "alice", SECRET.toCharArray()).authTokenLine().substring(11);
            assertEquals(1, runs());
            // The token as password: the script runs, sees Authenticated, and (checking the password) refuses.
            UserPassResult r = a.verifyUserPass(st, env(), "c", "alice", token.toCharArray());
            assertEquals(2, runs());
            String state = Files.readString(dir.resolve("state"));
            assertTrue(state.startsWith("Authenticated " + token.substring(11, 27)), state);
            assertEquals(UserPassResult.Reason.SCRIPT_REFUSED, r.reason());
        }
    }

    @Test
    void aDeferringScriptGivesADeferredResultWithItsToken() throws Exception {
        String cmd = script(dir, "defer.sh", "exit 2").toString();
        ServerAuthSettings s = new ServerAuthSettings(cmd, true, null, null, null, 2, false, false,
                new ServerAuthSettings.AuthGenToken(0, 100, false, null), dir, Duration.ofSeconds(20));
        try (ServerAuthenticator a = new ServerAuthenticator(s, 3600, clock, new SecureRandom(), log)) {
            UserPassResult r = a.verifyUserPass(new ClientAuthState(), env(), "c", "alice", SECRET.toCharArray());
            assertEquals(UserPassResult.Reason.DEFERRED, r.reason());
            assertFalse(r.authenticated());
            assertNotNull(r.deferred());
            assertEquals(DeferredAuth.Status.PENDING, r.deferred().poll());
            assertTrue(r.authTokenLine().startsWith("auth-token "), "OpenVPN generates the token for a deferred key too");
            r.deferred().close();
            assertTrue(log.all().contains("authentication deferred for username 'alice'"), log.all());
        }
    }

    @Test
    void renewalForARenegotiationKeepsTheSession() throws Exception {
        try (ServerAuthenticator a = auth(false, new ServerAuthSettings.AuthGenToken(0, 100, false, null))) {
            ClientAuthState st = new ClientAuthState();
            assertNull(a.renewToken(st), "no token yet");
            String token = a.verifyUserPass(st, env(), "c", "alice", SECRET.toCharArray()).authTokenLine().substring(11);
            clock.seconds += 90;
            String renewed = a.renewToken(st);
            assertNotNull(renewed);
            assertEquals("auth-token " + token.substring(0, 27), renewed.substring(0, 38));
            clock.seconds += 150; // the first token is out of its window, the renewed one is not
            assertEquals(UserPassResult.Reason.TOKEN_EXPIRED,
                    a.verifyUserPass(new ClientAuthState(), env(), "c", "alice", token.toCharArray()).reason());
            assertEquals(UserPassResult.Reason.TOKEN_ACCEPTED,
                    a.verifyUserPass(st, env(), "c", "alice", renewed.substring(11).toCharArray()).reason());
        }
    }
}
