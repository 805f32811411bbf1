package org.culvert.openvpn.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.culvert.openvpn.Clock;

/**
 * OpenVPN 2.6's {@code --auth-gen-token} ({@code auth_token.c}): the server hands an authenticated
 * client a session token, pushed as {@code auth-token T}, which the client sends instead of its
 * password when it reconnects or renegotiates.
 *
 * <p>Token = {@code "SESS_ID_AT_" + base64(sessid[12] ‖ initial_ts ‖ ts ‖ HMAC-SHA256(key, username ‖
 * sessid ‖ initial_ts ‖ ts))}, timestamps u64 big-endian Unix seconds. A token verifies while
 * {@code ts <= now < ts + 2 * renewal} and, with a lifetime, {@code now <= initial_ts + lifetime}; the
 * HMAC is compared in constant time. A token whose HMAC only matches the empty username
 * ({@code auth-token-user} set by an external party) is {@link State#VALID_EMPTY_USER}.
 *
 * <p>The key is the HMAC half of an {@code OpenVPN auth-token server key} PEM
 * ({@code --auth-gen-token-secret}), or random per server run without one, as in OpenVPN. Thread-safe
 * (a {@link Mac} per call); {@link #wipe} clears the key.
 */
public final class AuthTokens {
    /** OpenVPN's {@code SESSION_ID_PREFIX}. */
    public static final String PREFIX = "SESS_ID_AT_";
    /** OpenVPN's {@code auth_token_pem_name}. */
    public static final String PEM_NAME = "OpenVPN auth-token server key";
    /** The reason OpenVPN sends with {@code AUTH_FAILED} for an expired token. */
    public static final String EXPIRED_REASON = "SESSION: token expired";

    static final int SESSION_ID_LEN = 12;
    /** sessid ‖ initial_ts ‖ ts ‖ HMAC. */
    static final int TOKEN_DATA_LEN = SESSION_ID_LEN + 8 + 8 + 32;
    /** The prefix and the base64 of the session id (12 bytes = 16 characters, no padding). */
    static final int SESSION_PART_LEN = PREFIX.length() + SESSION_ID_LEN * 4 / 3;
    private static final int KEY_STRUCT_LEN = 128;
    private static final int HMAC_KEY_OFFSET = 64;
    private static final int HMAC_KEY_LEN = 32;

    /** What {@link #verify} found, as OpenVPN's {@code AUTH_TOKEN_*} flags and its {@code session_state}. */
    public enum State {
        /** Not a token of ours: wrong length, bad base64, bad HMAC, or another session ({@code Invalid}). */
        INVALID("Invalid"),
        /** HMAC good for this username, in its window ({@code Authenticated}). */
        VALID("Authenticated"),
        /** HMAC good only for the empty username ({@code AuthenticatedEmptyUser}). */
        VALID_EMPTY_USER("AuthenticatedEmptyUser"),
        /** HMAC good but out of the renewal window or past the lifetime ({@code Expired}). */
        EXPIRED("Expired"),
        /** Both of the above ({@code ExpiredEmptyUser}). */
        EXPIRED_EMPTY_USER("ExpiredEmptyUser");

        private final String sessionState;

        State(String sessionState) {
            this.sessionState = sessionState;
        }

        /** OpenVPN's {@code session_state} environment value. */
        public String sessionState() {
            return sessionState;
        }

        /** Whether OpenVPN skips the other authentication for it ({@code AUTH_TOKEN_HMAC_OK} alone). */
        public boolean accepted() {
            return this == VALID;
        }

        public boolean expired() {
            return this == EXPIRED || this == EXPIRED_EMPTY_USER;
        }
    }

    /**
     * A decoded token. {@code initialTimestamp} and {@code sessionId} carry over when it is renewed.
     */
    public record Token(String text, byte[] sessionId, long initialTimestamp, long timestamp) {
        /** OpenVPN's {@code session_id} environment value: the base64 of the session id. */
        public String sessionIdText() {
            return text.substring(PREFIX.length(), SESSION_PART_LEN);
        }

        @Override
        public String toString() {
            return "Token[session " + sessionIdText() + "]";
        }
    }

    private final byte[] key;
    private final long lifetimeSeconds;
    private final long renewalSeconds;
    private final Clock clock;
    private final SecureRandom random;

    /**
     * @param hmacKey         32 bytes
     * @param lifetimeSeconds {@code --auth-gen-token lifetime}; 0 = no limit
     * @param renewalSeconds  {@code --auth-gen-token}'s renewal, by default {@code --reneg-sec}; must be positive
     */
    public AuthTokens(byte[] hmacKey, long lifetimeSeconds, long renewalSeconds, Clock clock, SecureRandom random) {
        if (hmacKey.length != HMAC_KEY_LEN) {
            throw new IllegalArgumentException("auth-token key must be " + HMAC_KEY_LEN + " bytes");
        }
        if (lifetimeSeconds < 0 || renewalSeconds <= 0) {
            throw new IllegalArgumentException("auth-gen-token: lifetime >= 0 and renewal > 0 required");
        }
        this.key = hmacKey.clone();
        this.lifetimeSeconds = lifetimeSeconds;
        this.renewalSeconds = renewalSeconds;
        this.clock = Objects.requireNonNull(clock);
        this.random = Objects.requireNonNull(random);
    }

    /** Without {@code --auth-gen-token-secret}: a random key for this server run, as OpenVPN's ephemeral key. */
    public static AuthTokens ephemeral(long lifetimeSeconds, long renewalSeconds, Clock clock, SecureRandom random) {
        byte[] k = new byte[HMAC_KEY_LEN];
        random.nextBytes(k);
        try {
            return new AuthTokens(k, lifetimeSeconds, renewalSeconds, clock, random);
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }

    /**
     * The HMAC key of an {@code --auth-gen-token-secret} file: the PEM {@code OpenVPN auth-token server
     * key} holds OpenVPN's {@code struct key} (cipher[64] ‖ hmac[64]); SHA-256 uses hmac[0..32).
     *
     * @throws IllegalArgumentException naming what is wrong (never the key)
     */
    public static byte[] readSecret(String pemText) {
        String begin = "-----BEGIN " + PEM_NAME + "-----";
        String end = "-----END " + PEM_NAME + "-----";
        int b = pemText.indexOf(begin);
        int e = b < 0 ? -1 : pemText.indexOf(end, b);
        if (b < 0 || e < 0) {
            throw new IllegalArgumentException("auth-gen-token-secret: no '" + PEM_NAME + "' PEM block");
        }
        byte[] decoded;
        try {
            decoded = Base64.getMimeDecoder().decode(pemText.substring(b + begin.length(), e));
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("auth-gen-token-secret: the PEM block is not base64");
        }
        try {
            if (decoded.length < KEY_STRUCT_LEN) {
                throw new IllegalArgumentException("auth-gen-token-secret: not enough data (" + decoded.length
                        + " bytes, " + KEY_STRUCT_LEN + " needed)");
            }
            return Arrays.copyOfRange(decoded, HMAC_KEY_OFFSET, HMAC_KEY_OFFSET + HMAC_KEY_LEN);
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    /** OpenVPN's {@code is_auth_token}: the password starts with {@code SESS_ID_AT_}. */
    public static boolean isAuthToken(CharSequence password) {
        if (password == null || password.length() < PREFIX.length()) {
            return false;
        }
        int diff = 0;
        for (int i = 0; i < PREFIX.length(); i++) {
            diff |= password.charAt(i) ^ PREFIX.charAt(i);
        }
        return diff == 0;
    }

    /** A new token for a new session ({@code generate_auth_token} without an initial token). */
    public Token generate(String username) {
        byte[] sessid = new byte[SESSION_ID_LEN];
        random.nextBytes(sessid);
        long now = clock.unixSeconds();
        return build(username, sessid, now, now);
    }

    /**
     * A renewed token: the same session id and initial timestamp as {@code initial}, the timestamp now
     * ({@code generate_auth_token} with {@code auth_token_initial}). {@code emptyUser}: the session's
     * token was only valid for the empty username, which the new one keeps.
     */
    public Token renew(Token initial, String username, boolean emptyUser) {
        return build(emptyUser ? "" : username, initial.sessionId(), initial.initialTimestamp(), clock.unixSeconds());
    }

    private Token build(String username, byte[] sessid, long initialTs, long ts) {
        byte[] data = new byte[TOKEN_DATA_LEN];
        ByteBuffer.wrap(data).put(sessid).putLong(initialTs).putLong(ts);
        byte[] mac = hmac(username, data);
        System.arraycopy(mac, 0, data, TOKEN_DATA_LEN - 32, 32);
        String text = PREFIX + Base64.getEncoder().encodeToString(data);
        return new Token(text, sessid.clone(), initialTs, ts);
    }

    /** The outcome of {@link #verify}: the state and, unless INVALID, the decoded token. */
    public record Verification(State state, Token token) {
    }

    /**
     * OpenVPN's {@code verify_auth_token}.
     *
     * @param username the username the client sent
     * @param password the token the client sent as its password
     * @param initial  the session's first token, or null on a new connection: a token of another
     *                 session is then INVALID (OpenVPN's "session id in token changed")
     */
    public Verification verify(String username, CharSequence password, Token initial) {
        if (!isAuthToken(password)) {
            return new Verification(State.INVALID, null);
        }
        String text = password.toString();
        byte[] data;
        try {
            data = Base64.getDecoder().decode(text.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            return new Verification(State.INVALID, null);
        }
        if (data.length != TOKEN_DATA_LEN) {
            return new Verification(State.INVALID, null);
        }
        boolean emptyUser;
        if (macMatches(username, data)) {
            emptyUser = false;
        } else if (macMatches("", data)) {
            emptyUser = true;
        } else {
            return new Verification(State.INVALID, null);
        }
        ByteBuffer b = ByteBuffer.wrap(data, SESSION_ID_LEN, 16);
        long initialTs = b.getLong();
        long ts = b.getLong();
        Token token = new Token(text, Arrays.copyOf(data, SESSION_ID_LEN), initialTs, ts);
        if (initial != null && !sameSession(initial.text(), text)) {
            return new Verification(State.INVALID, null);
        }
        long now = clock.unixSeconds();
        // Unsigned, as OpenVPN's uint64_t: a timestamp "before 1970" is far in the future.
        boolean inWindow = Long.compareUnsigned(now, ts) >= 0 && Long.compareUnsigned(now, ts + 2 * renewalSeconds) < 0;
        boolean expired = !inWindow || Long.compareUnsigned(ts, initialTs) < 0
                || (lifetimeSeconds > 0 && Long.compareUnsigned(now, initialTs + lifetimeSeconds) > 0);
        State state = expired ? (emptyUser ? State.EXPIRED_EMPTY_USER : State.EXPIRED)
                : (emptyUser ? State.VALID_EMPTY_USER : State.VALID);
        return new Verification(state, token);
    }

    /** Prefix and session id equal, in constant time (OpenVPN compares the same span). */
    private static boolean sameSession(String a, String b) {
        if (a.length() < SESSION_PART_LEN || b.length() < SESSION_PART_LEN) {
            return false;
        }
        int diff = 0;
        for (int i = 0; i < SESSION_PART_LEN; i++) {
            diff |= a.charAt(i) ^ b.charAt(i);
        }
        return diff == 0;
    }

    private boolean macMatches(String username, byte[] data) {
        byte[] expected = hmac(username, data);
        // MessageDigest.isEqual is constant-time for equal lengths.
        return java.security.MessageDigest.isEqual(expected,
                Arrays.copyOfRange(data, TOKEN_DATA_LEN - 32, TOKEN_DATA_LEN));
    }

    private byte[] hmac(String username, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(username.getBytes(StandardCharsets.UTF_8));
            mac.update(data, 0, TOKEN_DATA_LEN - 32);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** The push line for a token ({@code prepare_auth_token_push_reply}). */
    public static String pushLine(Token token) {
        return "auth-token " + token.text();
    }

    /** The push line that sets the client's username ({@code auth-token-user}, base64 as OpenVPN decodes it). */
    public static String pushUserLine(String username) {
        return "auth-token-user " + Base64.getEncoder().encodeToString(username.getBytes(StandardCharsets.UTF_8));
    }

    /** Clears the key; the object must not be used afterwards. */
    public void wipe() {
        Arrays.fill(key, (byte) 0);
    }
}
