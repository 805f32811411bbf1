package org.culvert.management.internal;

import java.util.Collections;
import java.util.List;

import org.culvert.openvpn.config.LineTokenizer;

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
 * The splitting is the configuration parser's own {@link LineTokenizer}; this class adds the 16-parameter
 * limit and OpenVPN's error lines. Stateless; thread-safe.
 */
final class CommandLineParser {
    static final int MAX_PARAMETERS = LineTokenizer.MAX_PARAMETERS;
    static final int MAX_PARAMETER_LENGTH = LineTokenizer.MAX_PARAMETER_LENGTH;

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

    private CommandLineParser() {
    }

    static Result parse(String line) {
        try {
            return new Result(Collections.unmodifiableList(LineTokenizer.tokenize(line, MAX_PARAMETERS)), null);
        } catch (LineTokenizer.SyntaxError e) {
            switch (e.reason()) {
                case BAD_BACKSLASH:
                    return error("ERROR: Options warning: Bad backslash ('\\') usage in " + WHERE
                            + ": remember that backslashes are treated as shell-escapes and if you need to pass backslash"
                            + " characters as part of a Windows filename, you should use double backslashes such as"
                            + " \"c:\\\\openvpn\\\\static.key\"");
                case WORD_TOO_LONG:
                    return error("ERROR: Options error: Parameter at " + WHERE + " is too long (" + MAX_PARAMETER_LENGTH
                            + " chars max): " + e.word());
                case NO_CLOSING_QUOTE:
                    return error("ERROR: Options error: No closing quotation (\") in " + WHERE);
                case NO_CLOSING_SINGLE_QUOTE:
                    return error("ERROR: Options error: No closing single quotation (') in " + WHERE);
                default:
                    // A trailing backslash: OpenVPN drops the unfinished parameter and runs the rest.
                    return new Result(e.words(), null);
            }
        }
    }

    private static Result error(String message) {
        return new Result(Collections.emptyList(), message);
    }

    /** C's {@code isspace} plus NUL, as OpenVPN's parser counts blanks. */
    private static boolean isBlank(char c) {
        return LineTokenizer.isSpace(c);
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
