package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** AUTH_FAILED as OpenVPN 2.6's client reads it: plain, with a reason, TEMP with flags, CRV1 challenges; and bad values. */
class AuthFailedTest {
    @Test
    void plainAndWithReason() {
        AuthFailed bare = AuthFailed.parse("AUTH_FAILED");
        assertEquals(AuthFailed.Kind.REFUSED, bare.kind());
        assertEquals("", bare.reason());
        assertEquals("the server refused the credentials", bare.describe());
        assertEquals("", AuthFailed.parse("AUTH_FAILED,").reason());
        AuthFailed reason = AuthFailed.parse("AUTH_FAILED,SESSION: token expired");
        assertEquals(AuthFailed.Kind.REFUSED, reason.kind());
        assertEquals("SESSION: token expired", reason.reason());
        assertTrue(reason.describe().endsWith(": SESSION: token expired"), reason.describe());
    }

    @Test
    void onlyAuthFailedMatches() {
        assertTrue(AuthFailed.matches("AUTH_FAILED,x"));
        assertFalse(AuthFailed.matches("AUTH_PENDING"));
        assertFalse(AuthFailed.matches(null));
        assertThrows(IllegalArgumentException.class, () -> AuthFailed.parse("PUSH_REPLY"));
    }

    @Test
    void temporaryWithFlags() {
        AuthFailed t = AuthFailed.parse("AUTH_FAILED,TEMP[backoff 42,advance remote]:try later");
        assertEquals(AuthFailed.Kind.TEMPORARY, t.kind());
        assertEquals(42, t.backoffSeconds());
        assertEquals(AuthFailed.Advance.REMOTE, t.advance());
        assertEquals("try later", t.message());
        assertTrue(t.warnings().isEmpty());
        AuthFailed plain = AuthFailed.parse("AUTH_FAILED,TEMP:busy");
        assertEquals(0, plain.backoffSeconds());
        assertEquals(AuthFailed.Advance.NO, plain.advance());
        assertEquals("busy", plain.message());
        assertEquals("", AuthFailed.parse("AUTH_FAILED,TEMP").message());
    }

    @Test
    void malformedTempFlagsAreIgnoredWithAWarning() {
        AuthFailed bad = AuthFailed.parse("AUTH_FAILED,TEMP[backoff soon,advance sideways,colour blue]:msg");
        assertEquals(AuthFailed.Kind.TEMPORARY, bad.kind());
        assertEquals(0, bad.backoffSeconds());
        assertEquals(AuthFailed.Advance.NO, bad.advance());
        assertEquals(3, bad.warnings().size(), bad.warnings().toString());
        assertEquals("msg", bad.message());
        // Out of int range, negative, trailing garbage: no backoff.
        assertEquals(0, AuthFailed.parse("AUTH_FAILED,TEMP[backoff 99999999999]:m").backoffSeconds());
        assertEquals(0, AuthFailed.parse("AUTH_FAILED,TEMP[backoff -5]:m").backoffSeconds());
        // No closing bracket: no flags at all, and no ':' right after TEMP means no message.
        AuthFailed open = AuthFailed.parse("AUTH_FAILED,TEMP[backoff 5:m");
        assertEquals(0, open.backoffSeconds());
        assertEquals("", open.message());
    }

    @Test
    void dynamicChallenge() {
        AuthFailed c = AuthFailed.parse("AUTH_FAILED,CRV1:R,E:Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l:Y3Ix:Please enter token PIN: now");
        assertEquals(AuthFailed.Kind.CHALLENGE, c.kind());
        AuthFailed.Challenge ch = c.challenge();
        assertEquals("Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l", ch.stateId());
        assertEquals("cr1", ch.username());
        assertEquals("Please enter token PIN: now", ch.text());
        assertTrue(ch.echo());
        assertTrue(ch.responseRequired());
        assertArrayEquals("CRV1::Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l::8675309".toCharArray(), ch.password("8675309".toCharArray()));
        AuthFailed noFlags = AuthFailed.parse("AUTH_FAILED,CRV1::state:Y3Ix:text");
        assertFalse(noFlags.challenge().echo());
        assertFalse(noFlags.challenge().responseRequired());
    }

    @Test
    void malformedChallengesAreTyped() {
        for (String bad : new String[] {
                "AUTH_FAILED,CRV1:",                             // nothing
                "AUTH_FAILED,CRV1:R,E:state:Y3Ix",               // no text field
                "AUTH_FAILED,CRV1:R,E::Y3Ix:text",               // empty state id
                "AUTH_FAILED,CRV1:R,E:state:not*base64:text",    // user not base64
                "AUTH_FAILED,CRV1:R,E:state::text",              // empty user
                "AUTH_FAILED,CRV1:R,E:state:AA==:text",          // user holds a NUL
                "AUTH_FAILED,CRV1:R,E:st\u0000ate:Y3Ix:text",    // state id holds a NUL (found by AuthFailedFuzz)
                "AUTH_FAILED,CRV1:R,E:st\u00e9:Y3Ix:text",       // state id not ASCII
                "AUTH_FAILED,CRV1:R,E:" + "s".repeat(2000) + ":Y3Ix:text", // oversized state id
                "AUTH_FAILED,CRV1:R,E:state:" + "QUFB".repeat(1400) + ":text"}) { // oversized user
            AuthFailed a = AuthFailed.parse(bad);
            assertEquals(AuthFailed.Kind.BAD_CHALLENGE, a.kind(), bad.substring(0, Math.min(80, bad.length())));
            assertNull(a.challenge());
            assertTrue(a.describe().length() < 1200, "shown text is bounded");
        }
    }

    @Test
    void onlyCrv1WithItsColonIsAChallenge() {
        // OpenVPN matches "CRV1:"; anything else is a plain reason.
        assertEquals(AuthFailed.Kind.REFUSED, AuthFailed.parse("AUTH_FAILED,CRV2:R:state:Y3Ix:text").kind());
        assertEquals("CRV1", AuthFailed.parse("AUTH_FAILED,CRV1").reason());
    }

    @Test
    void serverTextIsPrintableAndBounded() {
        AuthFailed a = AuthFailed.parse("AUTH_FAILED,bad\u001b[31mred\u00e9" + "x".repeat(5000));
        assertEquals(AuthFailed.MAX_TEXT, a.reason().length());
        assertTrue(a.reason().startsWith("bad?[31mred?"), a.reason());
    }
}
