package org.culvert.openvpn.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Splits one line into words the way OpenVPN 2.6's {@code parse_line} does, for configuration files
 * and for management-interface commands alike: words are separated by whitespace; {@code #} or
 * {@code ;} at the start of a word begins a comment; {@code "..."} quotes (backslash escapes
 * {@code \\}, {@code \"} and whitespace inside), {@code '...'} quotes literally; outside single quotes
 * a backslash may only escape a backslash, a double quote or whitespace; a word holds at most
 * {@value #MAX_PARAMETER_LENGTH} characters. Stateless and thread-safe.
 */
public final class LineTokenizer {
    /** OpenVPN's {@code MAX_PARMS}: how many words a management command line keeps. */
    public static final int MAX_PARAMETERS = 16;
    /** OpenVPN's {@code OPTION_PARM_SIZE}: a word may hold this many characters. */
    public static final int MAX_PARAMETER_LENGTH = 256;

    private LineTokenizer() {
    }

    /** A line OpenVPN's parser refuses; the message completes "line N: ...". */
    public static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;

        /** What is wrong with the line. */
        public enum Reason {
            /** A backslash before a character it may not escape ({@link #character()}). */
            BAD_BACKSLASH,
            /** A double quote is not closed. */
            NO_CLOSING_QUOTE,
            /** A single quote is not closed. */
            NO_CLOSING_SINGLE_QUOTE,
            /** The line ends with a backslash (OpenVPN drops the unfinished word silently). */
            TRAILING_BACKSLASH,
            /** A word is longer than {@link #MAX_PARAMETER_LENGTH} ({@link #word()} holds its start). */
            WORD_TOO_LONG
        }

        private final Reason reason;
        private final transient List<String> words;
        private final String word;
        private final char character;

        SyntaxError(Reason reason, String message, List<String> words, String word, char character) {
            super(message, null, false, false);
            this.reason = reason;
            this.words = Collections.unmodifiableList(new ArrayList<>(words));
            this.word = word;
            this.character = character;
        }

        public Reason reason() {
            return reason;
        }

        /** The words completed before the error. */
        public List<String> words() {
            return words;
        }

        /** For WORD_TOO_LONG: the word's first {@code MAX_PARAMETER_LENGTH - 1} characters, as OpenVPN prints them. */
        public String word() {
            return word;
        }

        /** For BAD_BACKSLASH: the character after the backslash. */
        public char character() {
            return character;
        }
    }

    private enum State { BETWEEN, UNQUOTED, DOUBLE_QUOTED, SINGLE_QUOTED }

    /** Splits a configuration line; every word is kept. */
    public static List<String> tokenize(String line) throws SyntaxError {
        return tokenize(line, Integer.MAX_VALUE);
    }

    /** Splits a line, keeping at most {@code maxWords} words and ignoring the rest of the line, as OpenVPN does. */
    public static List<String> tokenize(String line, int maxWords) throws SyntaxError {
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
                throw new SyntaxError(SyntaxError.Reason.BAD_BACKSLASH, "bad backslash before '" + out
                        + "' (a backslash may only escape \\, \" or whitespace; write Windows paths with \\\\)", words, null, out);
            }
            escaped = false;
            if (out != 0) {
                if (word.length() >= MAX_PARAMETER_LENGTH) {
                    String start = word.substring(0, MAX_PARAMETER_LENGTH - 1);
                    throw new SyntaxError(SyntaxError.Reason.WORD_TOO_LONG, "a word is longer than " + MAX_PARAMETER_LENGTH
                            + " characters (OpenVPN's limit): " + start, words, start, (char) 0);
                }
                word.append(out);
            }
            if (words.size() >= maxWords) {
                return words;
            }
        }
        return finish(words, state);
    }

    private static List<String> finish(List<String> words, State state) throws SyntaxError {
        switch (state) {
            case DOUBLE_QUOTED:
                throw new SyntaxError(SyntaxError.Reason.NO_CLOSING_QUOTE, "no closing quotation (\")", words, null, (char) 0);
            case SINGLE_QUOTED:
                throw new SyntaxError(SyntaxError.Reason.NO_CLOSING_SINGLE_QUOTE, "no closing single quotation (')", words, null,
                        (char) 0);
            case UNQUOTED:
                throw new SyntaxError(SyntaxError.Reason.TRAILING_BACKSLASH, "line ends with a backslash", words, null, (char) 0);
            default:
                return words;
        }
    }

    /** C's {@code isspace} plus NUL, as OpenVPN's parser counts blanks. */
    public static boolean isSpace(char c) {
        return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }
}
