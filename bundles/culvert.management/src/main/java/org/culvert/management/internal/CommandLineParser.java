package org.culvert.management.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Splits one management command line into parameters by OpenVPN's rules, which are those of its
 * configuration files (options.c {@code parse_line}, called by manage.c {@code man_process_command}
 * with the file name "TCP" and line 0):
 *
 * <ul>
 * <li>parameters are separated by blanks; {@code #} or {@code ;} where a parameter would start ends the line;</li>
 * <li>{@code "..."} quotes (backslash escapes {@code \\}, {@code \"} and a blank inside), {@code '...'}
 * quotes literally;</li>
 * <li>a backslash before anything else, a parameter longer than 256 characters, or an unclosed quote
 * rejects the whole line with OpenVPN's own error text;</li>
 * <li>at most 16 parameters are read; the rest of the line is ignored.</li>
 * </ul>
 *
 * Written from those rules, not from OpenVPN's code. Stateless; thread-safe.
 */
final class CommandLineParser {
    /** OpenVPN's MAX_PARMS. */
    static final int MAX_PARAMETERS = 16;
    /** OpenVPN's OPTION_PARM_SIZE: a parameter may hold this many characters. */
    static final int MAX_PARAMETER_LENGTH = 256;

    private static final String WHERE = "TCP:0";

    /** The outcome: the parameters, or the one error line OpenVPN would print instead. */
    static final class Result {
        final List<String> parameters;
        final String error;

        private Result(List<String> parameters, String error) {
            this.parameters = parameters;
            this.error = error;
        }
    }

    private enum State {
        BETWEEN, UNQUOTED, DOUBLE_QUOTED, SINGLE_QUOTED
    }

    private CommandLineParser() {
    }

    static Result parse(String line) {
        List<String> params = new ArrayList<>(4);
        StringBuilder param = new StringBuilder();
        State state = State.BETWEEN;
        boolean escaped = false;
        int n = line.length();
        // One step past the end stands for the C string's terminating NUL, which ends an unquoted parameter.
        for (int i = 0; i <= n; i++) {
            char in = i < n ? line.charAt(i) : '\0';
            if (!escaped && in == '\\' && state != State.SINGLE_QUOTED) {
                escaped = true;
                continue;
            }
            char out = 0;
            boolean done = false;
            switch (state) {
                case BETWEEN:
                    if (!isBlank(in)) {
                        if (in == ';' || in == '#') {
                            return new Result(Collections.unmodifiableList(params), null);
                        }
                        if (!escaped && in == '"') {
                            state = State.DOUBLE_QUOTED;
                        } else if (!escaped && in == '\'') {
                            state = State.SINGLE_QUOTED;
                        } else {
                            out = in;
                            state = State.UNQUOTED;
                        }
                    }
                    break;
                case UNQUOTED:
                    if (!escaped && isBlank(in)) {
                        done = true;
                    } else {
                        out = in;
                    }
                    break;
                case DOUBLE_QUOTED:
                    if (!escaped && in == '"') {
                        done = true;
                    } else {
                        out = in;
                    }
                    break;
                case SINGLE_QUOTED:
                    if (in == '\'') {
                        done = true;
                    } else {
                        out = in;
                    }
                    break;
                default:
                    throw new IllegalStateException(state.toString());
            }
            if (done) {
                params.add(param.toString());
                param.setLength(0);
                state = State.BETWEEN;
            }
            if (escaped && out != 0 && !(out == '\\' || out == '"' || isBlank(out))) {
                return error("ERROR: Options warning: Bad backslash ('\\') usage in " + WHERE
                        + ": remember that backslashes are treated as shell-escapes and if you need to pass backslash"
                        + " characters as part of a Windows filename, you should use double backslashes such as"
                        + " \"c:\\\\openvpn\\\\static.key\"");
            }
            escaped = false;
            if (out != 0) {
                if (param.length() >= MAX_PARAMETER_LENGTH) {
                    return error("ERROR: Options error: Parameter at " + WHERE + " is too long (" + MAX_PARAMETER_LENGTH
                            + " chars max): " + param.substring(0, MAX_PARAMETER_LENGTH - 1));
                }
                param.append(out);
            }
            if (params.size() >= MAX_PARAMETERS) {
                return new Result(Collections.unmodifiableList(params), null);
            }
        }
        if (state == State.DOUBLE_QUOTED) {
            return error("ERROR: Options error: No closing quotation (\") in " + WHERE);
        }
        if (state == State.SINGLE_QUOTED) {
            return error("ERROR: Options error: No closing single quotation (') in " + WHERE);
        }
        return new Result(Collections.unmodifiableList(params), null);
    }

    private static Result error(String message) {
        return new Result(Collections.emptyList(), message);
    }

    /** C's {@code isspace} plus NUL, as OpenVPN's parser counts blanks. */
    private static boolean isBlank(char c) {
        return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == '\f';
    }

    /**
     * C's {@code atoi}: optional blanks, an optional sign, then digits up to the first non-digit; 0 when
     * there are none. Saturates instead of overflowing.
     */
    static int atoi(String s) {
        int i = 0;
        int n = s.length();
        while (i < n && isBlank(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            v = Math.min(v * 10 + (s.charAt(i) - '0'), (long) Integer.MAX_VALUE + 1);
            i++;
        }
        v = negative ? -v : v;
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }
}
