package org.culvert.openvpn.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one configuration line into words the way OpenVPN 2.6 does: words are separated by
 * whitespace; {@code #} or {@code ;} at the start of a word begins a comment; {@code "..."} quotes
 * (backslash escapes {@code \\}, {@code \"} and whitespace inside), {@code '...'} quotes literally;
 * outside single quotes a backslash may only escape a backslash, a double quote or whitespace.
 */
final class LineTokenizer {
    private LineTokenizer() {
    }

    /** Thrown with a message that completes "line N: ...". */
    static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxError(String message) {
            super(message, null, false, false);
        }
    }

    private enum State { BETWEEN, UNQUOTED, DOUBLE_QUOTED, SINGLE_QUOTED }

    static List<String> tokenize(String line) throws SyntaxError {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        State state = State.BETWEEN;
        boolean escaped = false;
        // One step past the end stands for the terminating NUL that ends the last word.
        for (int i = 0; i <= line.length(); i++) {
            char c = i < line.length() ? line.charAt(i) : '\0';
            if (!escaped && c == '\\' && state != State.SINGLE_QUOTED) {
                escaped = true;
                continue;
            }
            char out = 0;
            boolean done = false;
            switch (state) {
                case BETWEEN:
                    if (!isSpace(c)) {
                        if (c == '#' || c == ';') {
                            return finish(words, state);
                        }
                        if (!escaped && c == '"') {
                            state = State.DOUBLE_QUOTED;
                        } else if (!escaped && c == '\'') {
                            state = State.SINGLE_QUOTED;
                        } else {
                            out = c;
                            state = State.UNQUOTED;
                        }
                    }
                    break;
                case UNQUOTED:
                    if (!escaped && isSpace(c)) {
                        done = true;
                    } else {
                        out = c;
                    }
                    break;
                case DOUBLE_QUOTED:
                    if (!escaped && c == '"') {
                        done = true;
                    } else {
                        out = c;
                    }
                    break;
                default:
                    if (c == '\'') {
                        done = true;
                    } else {
                        out = c;
                    }
                    break;
            }
            if (done) {
                words.add(word.toString());
                word.setLength(0);
                state = State.BETWEEN;
            }
            if (escaped && out != 0 && !(out == '\\' || out == '"' || isSpace(out))) {
                throw new SyntaxError("bad backslash before '" + out + "' (a backslash may only escape \\, \" or"
                        + " whitespace; write Windows paths with \\\\)");
            }
            escaped = false;
            if (out != 0) {
                word.append(out);
            }
        }
        return finish(words, state);
    }

    private static List<String> finish(List<String> words, State state) throws SyntaxError {
        switch (state) {
            case DOUBLE_QUOTED:
                throw new SyntaxError("no closing quotation (\")");
            case SINGLE_QUOTED:
                throw new SyntaxError("no closing single quotation (')");
            case UNQUOTED:
                throw new SyntaxError("line ends with a backslash");
            default:
                return words;
        }
    }

    static boolean isSpace(char c) {
        return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }
}
