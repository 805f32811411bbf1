package org.culvert.launcher;

import java.nio.file.Path;
import java.util.List;

import org.culvert.openvpn.config.ConfigException;
import org.culvert.openvpn.config.ConfigParser;

/**
 * Turns {@code openvpn}-style command-line options into configuration text, after checking them
 * with the same parser (so errors name the option as typed). The tunnel is given the working
 * directory as its source, so relative paths (a key file) resolve as they would for openvpn.
 */
final class CommandLineConfig {
    private CommandLineConfig() {
    }

    static String toConfigText(List<String> args, Path cwd) {
        try {
            ConfigParser.parseArgs(args, cwd);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        StringBuilder text = new StringBuilder();
        boolean first = true;
        for (String a : args) {
            if (a.startsWith("--")) {
                if (!first) {
                    text.append('\n');
                }
                text.append(a.substring(2));
                first = false;
            } else {
                if (first) {
                    throw new IllegalArgumentException("'" + a + "' is not an option (options start with --)");
                }
                text.append(' ').append(quote(a));
            }
        }
        text.append('\n');
        return text.toString();
    }

    /** OpenVPN's config syntax: double quotes with backslash escapes. */
    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
