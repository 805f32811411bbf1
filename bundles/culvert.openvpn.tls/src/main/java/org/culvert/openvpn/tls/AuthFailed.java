package org.culvert.openvpn.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The server's {@code AUTH_FAILED} control message, parsed as OpenVPN 2.6's client reads it
 * ({@code push.c receive_auth_failed}, {@code options_util.c parse_auth_failed_temp},
 * {@code misc.c get_auth_challenge}):
 *
 * <pre>
 * AUTH_FAILED                                       refused
 * AUTH_FAILED,reason                                refused, with the server's reason
 * AUTH_FAILED,TEMP[backoff N,advance no|remote|addr]:message    try again later ([...] optional)
 * AUTH_FAILED,CRV1:flags:state_id:base64(username):challenge text   dynamic challenge
 * </pre>
 *
 * Nothing from the server is trusted: a malformed TEMP flag is ignored with a warning as OpenVPN does,
 * a malformed CRV1 challenge is {@link Kind#BAD_CHALLENGE} (OpenVPN exits on it), and the texts kept
 * are printable ASCII, cut at {@link #MAX_TEXT} characters. Immutable.
 */
public final class AuthFailed {
    /** The control message's prefix. */
    public static final String PREFIX = "AUTH_FAILED";
    /** Longest reason, message or challenge text kept (a control message is at most 2048 bytes anyway). */
    public static final int MAX_TEXT = 1024;

    /** Which form the message took. */
    public enum Kind {
        /** {@code AUTH_FAILED[,reason]}: the credentials were refused. */
        REFUSED,
        /** {@code AUTH_FAILED,TEMP...}: a temporary failure; reconnect after the backoff. */
        TEMPORARY,
        /** {@code AUTH_FAILED,CRV1:...}: the server asks a challenge; reconnect with the response. */
        CHALLENGE,
        /** {@code AUTH_FAILED,CRV1...} that cannot be parsed. */
        BAD_CHALLENGE
    }

    /** {@code advance} of a TEMP failure: which remote to try next. */
    public enum Advance {
        /** The same remote (OpenVPN's default after AUTH_FAILED). */
        NO,
        /** The next remote. */
        REMOTE,
        /** The next address of the same remote. */
        ADDR
    }

    /**
     * A CRV1 dynamic challenge.
     *
     * @param stateId the server's state id, echoed in the response
     * @param username the username to answer with (decoded)
     * @param text the challenge to show
     * @param echo flag E: the response may be echoed while typed
     * @param responseRequired flag R: a response is required
     */
    public record Challenge(String stateId, String username, String text, boolean echo, boolean responseRequired) {
        /** The password to send: {@code CRV1::state_id::response}. The caller wipes the result. */
        public char[] password(char[] response) {
            char[] head = ("CRV1::" + stateId + "::").toCharArray();
            char[] out = new char[head.length + response.length];
            System.arraycopy(head, 0, out, 0, head.length);
            System.arraycopy(response, 0, out, head.length, response.length);
            return out;
        }
    }

    private final Kind kind;
    private final String reason;
    private final String message;
    private final int backoffSeconds;
    private final Advance advance;
    private final Challenge challenge;
    private final List<String> warnings;

    private AuthFailed(Kind kind, String reason, String message, int backoffSeconds, Advance advance, Challenge challenge,
            List<String> warnings) {
        this.kind = kind;
        this.reason = reason;
        this.message = message;
        this.backoffSeconds = backoffSeconds;
        this.advance = advance;
        this.challenge = challenge;
        this.warnings = List.copyOf(warnings);
    }

    /** Whether {@code controlMessage} is an {@code AUTH_FAILED} message (OpenVPN matches the prefix). */
    public static boolean matches(String controlMessage) {
        return controlMessage != null && controlMessage.startsWith(PREFIX);
    }

    /**
     * Parses an {@code AUTH_FAILED} control message (without its NUL).
     *
     * @throws IllegalArgumentException if it does not start with {@code AUTH_FAILED}
     */
    public static AuthFailed parse(String controlMessage) {
        if (!matches(controlMessage)) {
            throw new IllegalArgumentException("not an AUTH_FAILED message");
        }
        String rest = controlMessage.substring(PREFIX.length());
        if (!rest.startsWith(",") || rest.length() == 1) {
            return new AuthFailed(Kind.REFUSED, "", "", 0, Advance.NO, null, List.of());
        }
        String reason = rest.substring(1);
        if (reason.startsWith("TEMP")) {
            return temporary(reason);
        }
        if (reason.startsWith("CRV1:")) {
            return challenge(reason);
        }
        return new AuthFailed(Kind.REFUSED, shown(reason), "", 0, Advance.NO, null, List.of());
    }

    private static AuthFailed temporary(String reason) {
        String s = reason.substring("TEMP".length());
        List<String> warnings = new ArrayList<>();
        int backoff = 0;
        Advance advance = Advance.NO;
        String message = s;
        int close = s.indexOf(']');
        if (s.startsWith("[") && close > 0) {
            message = s.substring(close + 1);
            for (String token : s.substring(1, close).split(",")) {
                if (token.isEmpty()) {
                    continue;
                }
                if (token.startsWith("backoff ")) {
                    backoff = leadingInt(token.substring("backoff ".length()));
                    if (backoff < 0) {
                        warnings.add("invalid AUTH_FAIL,TEMP flag: " + shown(token));
                        backoff = 0;
                    }
                } else if (token.startsWith("advance ")) {
                    String a = token.substring("advance ".length());
                    switch (a) {
                        case "no":
                            advance = Advance.NO;
                            break;
                        case "remote":
                            advance = Advance.REMOTE;
                            break;
                        case "addr":
                            advance = Advance.ADDR;
                            break;
                        default:
                            warnings.add("unknown AUTH_FAIL,TEMP advance flag: " + shown(a));
                    }
                } else {
                    warnings.add("WARNING: unknown AUTH_FAIL,TEMP flag: " + shown(token));
                }
            }
        }
        message = message.startsWith(":") ? message.substring(1) : "";
        return new AuthFailed(Kind.TEMPORARY, shown(reason), shown(message), backoff, advance, null, warnings);
    }

    /** As sscanf("%d"): optional sign, then digits; -1 if none or out of range, or negative. */
    private static int leadingInt(String s) {
        int i = 0;
        long v = 0;
        while (i < s.length() && i < 10 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            v = v * 10 + (s.charAt(i) - '0');
            i++;
        }
        if (i == 0 || (i < s.length() && Character.isDigit(s.charAt(i))) || v > Integer.MAX_VALUE) {
            return -1;
        }
        return (int) v;
    }

    private static AuthFailed challenge(String reason) {
        // CRV1:flags:state_id:b64user:text -- the text may itself hold ':'.
        String[] f = reason.split(":", 5);
        if (f.length < 5 || !f[0].equals("CRV1") || f[2].isEmpty() || f[2].length() > MAX_TEXT) {
            return badChallenge(reason);
        }
        String user = org.culvert.openvpn.config.AuthUserPass.decodeUsername(f[3]);
        if (user == null) {
            return badChallenge(reason);
        }
        String flags = f[1];
        boolean echo = false;
        boolean response = false;
        for (String flag : flags.split(",")) {
            echo |= flag.equals("E");
            response |= flag.equals("R");
        }
        String stateId = f[2];
        if (!shown(stateId).equals(stateId)) { // unprintable: it goes back in the password as it came
            return badChallenge(reason);
        }
        Challenge c = new Challenge(stateId, user, shown(f[4]), echo, response);
        return new AuthFailed(Kind.CHALLENGE, shown(reason), "", 0, Advance.NO, c, List.of());
    }

    private static AuthFailed badChallenge(String reason) {
        return new AuthFailed(Kind.BAD_CHALLENGE, shown(reason), "", 0, Advance.NO, null, List.of());
    }

    /** Printable ASCII only ('?' for the rest), cut at {@link #MAX_TEXT}: server text goes to logs and consoles. */
    static String shown(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_TEXT));
        for (int i = 0; i < s.length() && i < MAX_TEXT; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return sb.toString();
    }

    public Kind kind() {
        return kind;
    }

    /** The server's reason after {@code AUTH_FAILED,} (for TEMP and CRV1 the whole text); empty if none. */
    public String reason() {
        return reason;
    }

    /** The message of a TEMP failure (after {@code ]:} or {@code TEMP:}); empty otherwise. */
    public String message() {
        return message;
    }

    /** {@code backoff N} of a TEMP failure: wait at least this long before reconnecting; 0 if not given. */
    public int backoffSeconds() {
        return backoffSeconds;
    }

    public Advance advance() {
        return advance;
    }

    /** The dynamic challenge of a {@link Kind#CHALLENGE}, else null. */
    public Challenge challenge() {
        return challenge;
    }

    /** What was ignored in the message, in OpenVPN's words, to be logged. */
    public List<String> warnings() {
        return warnings;
    }

    /** One line for logs: what the server said, never more than it said. */
    public String describe() {
        switch (kind) {
            case TEMPORARY:
                return "the server refused the credentials for now" + (message.isEmpty() ? "" : ": " + message)
                        + (backoffSeconds > 0 ? " (retry after " + backoffSeconds + " s)" : "");
            case CHALLENGE:
                return "the server asks a challenge: " + challenge.text();
            case BAD_CHALLENGE:
                return "the server sent a malformed challenge (" + reason + ")";
            default:
                return "the server refused the credentials" + (reason.isEmpty() ? "" : ": " + reason);
        }
    }

    @Override
    public String toString() {
        return "AuthFailed[" + kind.name().toLowerCase(Locale.ROOT) + ", " + describe() + "]";
    }
}
