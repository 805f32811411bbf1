package org.culvert.openvpn.tls;

import static org.culvert.fuzz.Buffers.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.culvert.fuzz.FuzzRun;
import org.junit.jupiter.api.AfterAll;

/**
 * The server's AUTH_FAILED control message as the client reads it: plain, TEMP with flags, CRV1
 * challenges, built from fuzzed pieces (so that the prefixes and separators are reached) or raw.
 *
 * <p>Invariants: nothing throws; a CHALLENGE and only a CHALLENGE has a challenge, whose state id is
 * printable without ':' and whose username has no NUL; every text kept is printable ASCII of at most
 * {@link AuthFailed#MAX_TEXT} characters; the backoff is never negative; {@code describe()} is bounded.
 */
class AuthFailedFuzz {
    private static final FuzzRun RUN = new FuzzRun("AUTH_FAILED control messages (AuthFailed)");
    private static final String[] PIECES = {"AUTH_FAILED", ",", "TEMP", "[", "]", ":", "backoff ", "advance ", "no", "remote",
        "addr", "CRV1", "R", "E", "Y3Ix", "==", "\u0000", "\u00e9", "9999999999", "-1"};

    @FuzzTest(maxDuration = "60s", maxExecutions = 100_000)
    void authFailed(FuzzedDataProvider in) throws Exception {
        RUN.run(in, AuthFailedFuzz::run);
    }

    private static void run(FuzzedDataProvider in) {
        String message;
        if (in.consumeBoolean()) {
            StringBuilder sb = new StringBuilder("AUTH_FAILED");
            int n = in.consumeInt(0, 24);
            for (int i = 0; i < n; i++) {
                sb.append(in.consumeBoolean() ? PIECES[in.consumeInt(0, PIECES.length - 1)] : in.consumeString(8));
            }
            message = sb.toString();
        } else {
            message = "AUTH_FAILED" + in.consumeRemainingAsString();
        }
        AuthFailed a = AuthFailed.parse(message);
        check(a.kind() != null, "no kind");
        check((a.kind() == AuthFailed.Kind.CHALLENGE) == (a.challenge() != null), "challenge and kind disagree: " + a.kind());
        check(a.backoffSeconds() >= 0, "negative backoff");
        for (String text : new String[] {a.reason(), a.message()}) {
            checkShown(text);
        }
        if (a.challenge() != null) {
            checkShown(a.challenge().text());
            checkShown(a.challenge().stateId());
            check(a.challenge().stateId().indexOf(':') < 0 && !a.challenge().stateId().isEmpty(), "state id");
            check(a.challenge().username().indexOf('\0') < 0, "NUL in the challenge's username");
        }
        check(a.describe().length() < 3 * AuthFailed.MAX_TEXT, "describe() unbounded");
    }

    private static void checkShown(String s) {
        check(s.length() <= AuthFailed.MAX_TEXT, "text of " + s.length() + " characters");
        for (int i = 0; i < s.length(); i++) {
            check(s.charAt(i) >= 0x20 && s.charAt(i) < 0x7F, "unprintable character " + (int) s.charAt(i));
        }
    }

    @AfterAll
    static void report() {
        RUN.report();
    }
}
