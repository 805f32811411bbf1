package org.culvert.openvpn.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.culvert.openvpn.DeterministicRandom;
import org.culvert.openvpn.ManualClock;
import org.culvert.openvpn.auth.AuthTokens.State;
import org.culvert.openvpn.auth.AuthTokens.Token;
import org.junit.jupiter.api.Test;

class AuthTokensTest {
    private static final long T0 = 1_765_000_000L;
    private final byte[] key = new byte[32];
    private final ManualClock clock = new ManualClock(T0);

    AuthTokensTest() {
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (0xA0 + i);
        }
    }

    private AuthTokens tokens(long lifetime, long renewal) {
        return new AuthTokens(key, lifetime, renewal, clock, new DeterministicRandom(7));
    }

    @Test
    void tokenHasOpenVpnsLayoutAndHmac() throws Exception {
        Token t = tokens(0, 3600).generate("alice");
        assertTrue(t.text().startsWith("SESS_ID_AT_"));
        byte[] data = Base64.getDecoder().decode(t.text().substring(11));
        assertEquals(60, data.length);
        ByteBuffer b = ByteBuffer.wrap(data);
        byte[] sessid = new byte[12];
        b.get(sessid);
        assertArrayEquals(t.sessionId(), sessid);
        assertEquals(T0, b.getLong(), "initial timestamp, big-endian");
        assertEquals(T0, b.getLong(), "timestamp, big-endian");
        // HMAC-SHA256(key, username ‖ sessid ‖ initial_ts ‖ ts), computed here independently.
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update("alice".getBytes(StandardCharsets.US_ASCII));
        mac.update(data, 0, 28);
        byte[] expected = mac.doFinal();
        byte[] got = new byte[32];
        b.get(got);
        assertArrayEquals(expected, got);
        assertEquals(t.text().substring(11, 27), t.sessionIdText());
        assertFalse(t.toString().contains(t.text()), "toString must not show the token");
        assertEquals("auth-token " + t.text(), AuthTokens.pushLine(t));
        assertEquals("auth-token-user YWxpY2U=", AuthTokens.pushUserLine("alice"));
    }

    @Test
    void verifiesInsideTheRenewalWindowOnly() {
        AuthTokens a = tokens(0, 100);
        Token t = a.generate("alice");
        assertEquals(State.VALID, a.verify("alice", t.text(), null).state());
        clock.advanceSeconds(199);
        assertEquals(State.VALID, a.verify("alice", t.text(), null).state());
        clock.advanceSeconds(1);
        AuthTokens.Verification late = a.verify("alice", t.text(), null);
        assertEquals(State.EXPIRED, late.state());
        assertTrue(late.state().expired());
        assertFalse(late.state().accepted());
        assertEquals("Expired", late.state().sessionState());
    }

    @Test
    void aTokenFromTheFutureIsExpired() {
        AuthTokens a = tokens(0, 100);
        clock.advanceSeconds(50);
        Token t = a.generate("alice");
        AuthTokens b = new AuthTokens(key, 0, 100, new ManualClock(T0), new DeterministicRandom(1));
        assertEquals(State.EXPIRED, b.verify("alice", t.text(), null).state());
    }

    @Test
    void lifetimeEndsTheSessionEvenWhenRenewed() {
        AuthTokens a = tokens(300, 100);
        Token first = a.generate("alice");
        clock.advanceSeconds(150);
        Token renewed = a.renew(first, "alice", false);
        assertEquals(first.text().substring(0, 27), renewed.text().substring(0, 27), "same session id");
        assertEquals(first.initialTimestamp(), renewed.initialTimestamp());
        assertEquals(T0 + 150, renewed.timestamp());
        assertEquals(State.VALID, a.verify("alice", renewed.text(), first).state());
        clock.advanceSeconds(151); // T0 + 301 > initial + lifetime
        Token again = a.renew(first, "alice", false);
        assertEquals(State.EXPIRED, a.verify("alice", again.text(), first).state());
    }

    @Test
    void wrongUserWrongKeyAndFlippedBitsAreInvalid() {
        AuthTokens a = tokens(0, 100);
        Token t = a.generate("alice");
        assertEquals(State.INVALID, a.verify("mallory", t.text(), null).state());
        byte[] other = key.clone();
        other[0] ^= 1;
        AuthTokens b = new AuthTokens(other, 0, 100, clock, new DeterministicRandom(1));
        assertEquals(State.INVALID, b.verify("alice", t.text(), null).state());
        byte[] data = Base64.getDecoder().decode(t.text().substring(11));
        for (int i = 0; i < data.length; i += 7) {
            byte[] bad = data.clone();
            bad[i] ^= 0x10;
            String text = "SESS_ID_AT_" + Base64.getEncoder().encodeToString(bad);
            assertEquals(State.INVALID, a.verify("alice", text, null).state(), "byte " + i);
        }
    }

    @Test
    void garbageIsInvalidNotAnException() {
        AuthTokens a = tokens(0, 100);
        String[] bad = {"", "secret", "SESS_ID_AT_", "SESS_ID_AT_!!!!", "SESS_ID_AT_" + "A".repeat(79),
            "SESS_ID_AT_" + Base64.getEncoder().encodeToString(new byte[59]),
            "SESS_ID_AT_" + Base64.getEncoder().encodeToString(new byte[61]),
            "SESS_ID_AT_" + Base64.getEncoder().encodeToString(new byte[60]),
            "sess_id_at_" + Base64.getEncoder().encodeToString(new byte[60])};
        for (String s : bad) {
            AuthTokens.Verification v = a.verify("alice", s, null);
            assertEquals(State.INVALID, v.state(), s);
            assertNull(v.token());
        }
        assertFalse(AuthTokens.isAuthToken(null));
        assertFalse(AuthTokens.isAuthToken("SESS_ID_A"));
        assertTrue(AuthTokens.isAuthToken("SESS_ID_AT_x"));
    }

    @Test
    void randomPasswordsWithThePrefixNeverThrowAndNeverVerify() {
        AuthTokens a = tokens(0, 100);
        java.util.Random r = new java.util.Random(42);
        Token good = a.generate("alice");
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder("SESS_ID_AT_");
            int len = r.nextInt(120);
            for (int j = 0; j < len; j++) {
                sb.append((char) (r.nextBoolean() ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".charAt(r.nextInt(65))
                        : r.nextInt(0x110)));
            }
            assertEquals(State.INVALID, a.verify("alice", sb, i % 2 == 0 ? null : good).state());
        }
    }

    @Test
    void aTokenOfAnotherSessionIsRefusedOnceTheSessionHasOne() {
        AuthTokens a = tokens(0, 100);
        Token mine = a.generate("alice");
        Token other = a.generate("alice");
        assertNotEquals(mine.sessionIdText(), other.sessionIdText());
        assertEquals(State.VALID, a.verify("alice", other.text(), null).state());
        assertEquals(State.INVALID, a.verify("alice", other.text(), mine).state());
    }

    @Test
    void emptyUserTokensStayEmptyUser() {
        AuthTokens a = tokens(0, 100);
        Token t = a.generate("");
        AuthTokens.Verification v = a.verify("bob", t.text(), null);
        assertEquals(State.VALID_EMPTY_USER, v.state());
        assertFalse(v.state().accepted(), "OpenVPN skips other auth only for AUTH_TOKEN_HMAC_OK alone");
        Token renewed = a.renew(v.token(), "bob", true);
        assertEquals(State.VALID_EMPTY_USER, a.verify("bob", renewed.text(), t).state());
        clock.advanceSeconds(500);
        assertEquals(State.EXPIRED_EMPTY_USER, a.verify("bob", renewed.text(), t).state());
    }

    @Test
    void secretFileGivesTheHmacHalfOfOpenVpnsKeyStruct() {
        byte[] struct = new byte[128];
        for (int i = 0; i < struct.length; i++) {
            struct[i] = (byte) i;
        }
        String pem = "junk before\n-----BEGIN OpenVPN auth-token server key-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(struct)
                + "\n-----END OpenVPN auth-token server key-----\n";
        byte[] k = AuthTokens.readSecret(pem);
        assertEquals(32, k.length);
        assertEquals(64, k[0]);
        assertEquals(95, k[31]);
        IllegalArgumentException short_ = assertThrows(IllegalArgumentException.class, () -> AuthTokens.readSecret(
                "-----BEGIN OpenVPN auth-token server key-----\nAAAA\n-----END OpenVPN auth-token server key-----"));
        assertTrue(short_.getMessage().contains("not enough data"));
        assertThrows(IllegalArgumentException.class, () -> AuthTokens.readSecret("-----BEGIN OpenVPN Static key V1-----"));
        assertThrows(IllegalArgumentException.class, () -> AuthTokens.readSecret(
                "-----BEGIN OpenVPN auth-token server key-----\n%%%%\n-----END OpenVPN auth-token server key-----"));
    }

    @Test
    void wipedKeyNoLongerVerifies() {
        AuthTokens a = tokens(0, 100);
        Token t = a.generate("alice");
        a.wipe();
        assertEquals(State.INVALID, a.verify("alice", t.text(), null).state());
    }
}
