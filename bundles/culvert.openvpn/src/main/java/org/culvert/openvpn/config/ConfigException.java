package org.culvert.openvpn.config;

import java.util.Objects;

/**
 * A configuration could not be accepted. {@link #getMessage()} is one line an operator understands:
 * where ({@code file:line}, or {@code command line}), the option, and what is wrong, e.g.
 * {@code p2p.conf:7: unknown option 'frobnicate'} or
 * {@code command line: --cipher: 'AES-256-GCM' is not allowed with --secret (...)}.
 * Messages never contain key material.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The source name used for options given as program arguments. */
    public static final String COMMAND_LINE = "command line";

    public enum Reason {
        /** Not an OpenVPN option at all. */
        UNKNOWN_OPTION,
        /** An OpenVPN option (or value) Culvert does not implement, or refuses because it cannot honour it. */
        UNSUPPORTED_OPTION,
        /** An option lacks a required argument. */
        MISSING_ARGUMENT,
        /** An option has more arguments than it takes. */
        EXTRA_ARGUMENT,
        /** An argument is malformed or out of range. */
        BAD_VALUE,
        /** Options that cannot be used together, or a setting another option rules out. */
        CONFLICT,
        /** A referenced file cannot be read, or includes nest too deeply. */
        FILE_ERROR,
        /** A {@code <tag>...</tag>} block is malformed or used for an option that takes none. */
        BAD_INLINE_BLOCK,
        /** The static key is malformed or cannot be used as configured. */
        BAD_KEY,
        /** A required option is absent (e.g. {@code --dev}, {@code --secret}). */
        MISSING_OPTION
    }

    private final Reason reason;
    private final String source;
    private final int line;
    private final String option;

    /**
     * @param source file name or {@link #COMMAND_LINE}
     * @param line 1-based line, or 0 when the problem has no single line
     * @param option the option's name without dashes, or null when none applies
     * @param detail what is wrong, without location or option prefix
     */
    public ConfigException(Reason reason, String source, int line, String option, String detail) {
        super(format(reason, source, line, option, detail));
        this.reason = Objects.requireNonNull(reason, "reason");
        this.source = source;
        this.line = line;
        this.option = option;
    }

    public ConfigException(Reason reason, String source, int line, String option, String detail, Throwable cause) {
        this(reason, source, line, option, detail);
        initCause(cause);
    }

    public Reason reason() {
        return reason;
    }

    /** The file name, or {@link #COMMAND_LINE}. */
    public String source() {
        return source;
    }

    /** The 1-based line in {@link #source()}, or 0. */
    public int line() {
        return line;
    }

    /** The option's name without dashes, or null. */
    public String option() {
        return option;
    }

    private static String format(Reason reason, String source, int line, String option, String detail) {
        StringBuilder sb = new StringBuilder();
        sb.append(source == null ? "config" : source);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (reason == Reason.UNKNOWN_OPTION && option != null) {
            sb.append("unknown option '").append(option).append('\'');
            if (detail != null && !detail.isEmpty()) {
                sb.append(" (").append(detail).append(')');
            }
        } else {
            if (option != null) {
                sb.append("--").append(option).append(": ");
            }
            sb.append(detail);
        }
        return oneLine(sb);
    }

    /** Control characters from config text would break the one-line promise: show them escaped. */
    private static String oneLine(CharSequence s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
