package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Base64;

import org.culvert.openvpn.config.AuthUserPass.AuthRetry;
import org.culvert.openvpn.tls.AuthFailed;
import org.junit.jupiter.api.Test;

/** The credential cache, the AUTH_FAILED policy, the request's checks and the file format, without a tunnel. */
class CredentialsStateTest {
    private static AuthFailurePolicy.Action act(String message, boolean token, AuthRetry retry) {
        return AuthFailurePolicy.decide(AuthFailed.parse(message), token, retry).action();
    }

    @Test
    void policyFollowsOpenVpnsOrder() {
        assertEquals(AuthFailurePolicy.Action.STOP, act("AUTH_FAILED", false, AuthRetry.NONE));
        assertEquals(AuthFailurePolicy.Action.RETRY, act("AUTH_FAILED", false, AuthRetry.NOINTERACT));
        assertEquals(AuthFailurePolicy.Action.ASK_AGAIN, act("AUTH_FAILED,x", false, AuthRetry.INTERACT));
        // A held token is dropped whatever --auth-retry says.
        assertEquals(AuthFailurePolicy.Action.DROP_TOKEN, act("AUTH_FAILED,SESSION: token expired", true, AuthRetry.NONE));
        // TEMP comes first, even with a token, and carries its backoff.
        AuthFailurePolicy.Decision temp = AuthFailurePolicy.decide(AuthFailed.parse("AUTH_FAILED,TEMP[backoff 9]:m"), true, AuthRetry.NONE);
        assertEquals(AuthFailurePolicy.Action.RETRY, temp.action());
        assertEquals(9, temp.minDelaySeconds());
        // A challenge is answered only with interact; a malformed one always stops.
        assertEquals(AuthFailurePolicy.Action.ANSWER_CHALLENGE, act("AUTH_FAILED,CRV1:R:s:Ym9i:t", false, AuthRetry.INTERACT));
        assertEquals(AuthFailurePolicy.Action.STOP, act("AUTH_FAILED,CRV1:R:s:Ym9i:t", false, AuthRetry.NONE));
        assertEquals(AuthFailurePolicy.Action.STOP, act("AUTH_FAILED,CRV1:R:s:***:t", false, AuthRetry.INTERACT));
    }

    @Test
    void nocachePurgesThePasswordAfterSendingButKeepsTheToken() {
        UserPassCache c = new UserPassCache(true);
        c.set("alice", "pw".toCharArray());
        assertTrue(c.defined());
        assertArrayEquals("pw".toCharArray(), c.password());
        c.sent();
        assertFalse(c.defined(), "purged once sent");
        c.set("alice", "pw".toCharArray());
        c.token("TOKEN");
        c.tokenUser("bob");
        c.sent();
        assertTrue(c.defined(), "the token survives auth-nocache");
        assertArrayEquals("TOKEN".toCharArray(), c.password());
        assertEquals("bob", c.username());
        assertTrue(c.dropToken());
        assertFalse(c.dropToken());
        assertEquals("alice", c.username());
        assertFalse(c.toString().contains("pw") || c.toString().contains("TOKEN"), c.toString());
    }

    @Test
    void withoutNocacheThePasswordStaysUntilPurged() {
        UserPassCache c = new UserPassCache(false);
        c.set("alice", "pw".toCharArray());
        c.sent();
        assertTrue(c.defined());
        c.purge(true); // RESTART,[P]: keep
        assertTrue(c.defined());
        c.token("T");
        c.purge(false); // RESTART: purge password and token
        assertFalse(c.defined());
        assertEquals(0, c.password().length);
    }

    @Test
    void requestRefusesBadAnswers() {
        PendingCredentials r = new PendingCredentials("t", true, true, "PIN", false, false, null);
        assertFalse(r.supply(null, "p".toCharArray(), "1".toCharArray()));
        assertFalse(r.supply("u\0x", "p".toCharArray(), "1".toCharArray()), "NUL in username");
        assertFalse(r.supply("u", null, "1".toCharArray()));
        assertFalse(r.supply("u", "p".toCharArray(), null), "the challenge needs a response");
        assertFalse(r.supply("u", new char[5000], "1".toCharArray()), "too long, and NULs");
        char[] longPassword = new char[4096];
        Arrays.fill(longPassword, 'x');
        assertFalse(r.supply("u", longPassword, "1".toCharArray()), "above USER_PASS_LEN");
        assertFalse(r.supply("x".repeat(4096), "p".toCharArray(), "1".toCharArray()));
        assertFalse(r.isDone());
        char[] mine = "p".toCharArray();
        assertTrue(r.supply("u", mine, "1".toCharArray()));
        Arrays.fill(mine, '\0');
        assertArrayEquals("p".toCharArray(), r.takePassword(), "the request holds its own copy");
        assertNull(r.takePassword());
        r.cancel("late");
        assertEquals("", r.cancelReason(), "a cancel after the answer changes nothing");
    }

    @Test
    void fileLinesAreChompedAndTheSecondIsOptional() {
        char[][] two = TunnelCredentials.splitLines("alice \r\npass word\t\r\nignored\n".toCharArray());
        assertArrayEquals("alice".toCharArray(), two[0]);
        assertArrayEquals("pass word".toCharArray(), two[1]);
        char[][] one = TunnelCredentials.splitLines("alice\n".toCharArray());
        assertArrayEquals("alice".toCharArray(), one[0]);
        assertNull(one[1], "one line: the password is asked");
        assertNull(TunnelCredentials.splitLines(new char[0])[0]);
    }

    @Test
    void staticChallengePasswordIsScrv1() {
        char[] p = TunnelCredentials.staticChallengePassword("pässword".toCharArray(), "123456".toCharArray());
        String expected = "SCRV1:" + Base64.getEncoder().encodeToString("pässword".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + ":" + Base64.getEncoder().encodeToString("123456".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(expected, new String(p));
    }
}
