package org.culvert.management.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

import org.culvert.api.tunnel.CredentialsRequest;

/**
 * OpenVPN's {@code --management-query-passwords} for one tunnel ({@code manage.c}
 * {@code management_query_user_pass}, {@code man_query_user_pass}, {@code management_auth_failure}):
 * the {@code >PASSWORD:Need 'Auth' ...} prompt, the {@code username "Auth" u} and
 * {@code password "Auth" p} commands with OpenVPN's SUCCESS and ERROR lines, and the
 * {@code >PASSWORD:Verification Failed} and {@code >PASSWORD:Auth-Token} notifications. As with
 * OpenVPN, a static-challenge answer is given as {@code SCRV1:<base64 password>:<base64 response>}
 * and a dynamic one as {@code CRV1::<state>::<response>}. Management thread only; nothing is logged.
 */
final class ManagementPasswords {
    /** OpenVPN's only credential type a client asks through here. */
    static final String TYPE = "Auth";

    private CredentialsRequest pending;
    private String username;

    /** A tunnel asks: remember the request; returns the prompt line for the clients. */
    String request(CredentialsRequest r) {
        pending = r;
        username = null;
        return needLine();
    }

    /** The prompt for the pending request, or null when none is pending (for a client that connects later). */
    String needLine() {
        CredentialsRequest r = current();
        if (r == null) {
            return null;
        }
        boolean passwordOnly = !r.needsUsername() && r.needsPassword() && r.challenge().isEmpty();
        StringBuilder line = new StringBuilder(">PASSWORD:Need '").append(TYPE).append("' ")
                .append(passwordOnly ? "password" : "username/password");
        if (r.challenge().isPresent() && !r.dynamicChallenge()) {
            line.append(" SC:").append(r.echoResponse() ? 1 : 0).append(',').append(r.challenge().get());
        }
        return line.toString();
    }

    private CredentialsRequest current() {
        if (pending != null && pending.isDone()) {
            pending = null;
            username = null;
        }
        return pending;
    }

    /** {@code username TYPE value}: the reply line. */
    String username(String type, String value) {
        CredentialsRequest r = current();
        boolean passwordOnly = r != null && !r.needsUsername() && r.needsPassword() && r.challenge().isEmpty();
        if (r == null || passwordOnly) {
            return "ERROR: no username is currently needed at this time";
        }
        if (!TYPE.equals(type)) {
            return "ERROR: username of type '" + type + "' entered, but we need one of type '" + TYPE + "'";
        }
        username = value;
        return "SUCCESS: '" + TYPE + "' username entered, but not yet verified";
    }

    /** {@code password TYPE value}: the reply line; the request is answered once both are there. */
    String password(String type, String value) {
        CredentialsRequest r = current();
        if (r == null) {
            return "ERROR: no password is currently needed at this time";
        }
        if (!TYPE.equals(type)) {
            return "ERROR: password of type '" + type + "' entered, but we need one of type '" + TYPE + "'";
        }
        boolean usernameNeeded = r.needsUsername() || r.challenge().isPresent();
        if (value.isEmpty() || (usernameNeeded && (username == null || username.isEmpty()))) {
            // OpenVPN takes the answer only once the username (when asked) and a non-empty password are in.
            return "SUCCESS: '" + TYPE + "' password entered, but not yet verified";
        }
        char[] password = value.toCharArray();
        char[] response = null;
        try {
            if (r.dynamicChallenge()) {
                response = dynamicResponse(password);
            } else if (r.challenge().isPresent()) {
                char[][] split = staticChallenge(value);
                Arrays.fill(password, '\0');
                password = split[0];
                response = split[1];
            }
            if (!r.supply(username, password, response)) {
                return "ERROR: the credentials were refused (too long, or no longer needed)";
            }
        } finally {
            Arrays.fill(password, '\0');
            if (response != null) {
                Arrays.fill(response, '\0');
            }
        }
        pending = null;
        username = null;
        return "SUCCESS: '" + TYPE + "' password entered, but not yet verified";
    }

    /** The response in {@code CRV1::state::response}; the whole text if it is not in that form. */
    static char[] dynamicResponse(char[] password) {
        String prefix = "CRV1::";
        if (password.length > prefix.length() && new String(password, 0, prefix.length()).equals(prefix)) {
            for (int i = prefix.length(); i + 1 < password.length; i++) {
                if (password[i] == ':' && password[i + 1] == ':') {
                    return Arrays.copyOfRange(password, i + 2, password.length);
                }
            }
        }
        return password.clone();
    }

    /** Password and response of {@code SCRV1:<b64>:<b64>}; the whole text and an empty response otherwise. */
    static char[][] staticChallenge(String value) {
        String[] f = value.split(":", 3);
        if (f.length == 3 && f[0].equals("SCRV1")) {
            try {
                return new char[][] {decode(f[1]), decode(f[2])};
            } catch (IllegalArgumentException e) {
                // Not base64: taken as it is, as below.
            }
        }
        return new char[][] {value.toCharArray(), new char[0]};
    }

    private static char[] decode(String b64) {
        byte[] raw = Base64.getDecoder().decode(b64);
        java.nio.CharBuffer c = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(raw));
        Arrays.fill(raw, (byte) 0);
        char[] out = new char[c.remaining()];
        c.get(out);
        if (c.hasArray()) {
            Arrays.fill(c.array(), '\0');
        }
        return out;
    }

    /** {@code >PASSWORD:Verification Failed: 'Auth' ['reason']} (without the brackets when the server gave none). */
    static String verificationFailed(String reason) {
        return ">PASSWORD:Verification Failed: '" + TYPE + "'" + (reason == null || reason.isEmpty() ? "" : " ['" + reason + "']");
    }

    /** {@code >PASSWORD:Auth-Token:token}. */
    static String authToken(String token) {
        return ">PASSWORD:Auth-Token:" + token;
    }
}
