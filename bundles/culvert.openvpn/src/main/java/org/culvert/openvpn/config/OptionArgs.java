package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.EXTRA_ARGUMENT;
import static org.culvert.openvpn.config.ConfigException.Reason.MISSING_ARGUMENT;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import org.culvert.openvpn.config.OptionsBuilder.Line;
import org.culvert.openvpn.config.OptionsBuilder.Where;
import org.culvert.openvpn.crypto.KeyDirection;

/**
 * Reading an option's arguments (counts, numbers, ports, addresses, files) with the messages every
 * option table shares, so that the same mistake reads the same whatever the option.
 */
final class OptionArgs {
    private OptionArgs() {
    }

    static void arity(Line l, int min, int max) throws ConfigException {
        if (l.count() < min) {
            throw error(MISSING_ARGUMENT, l, min == 1 && max == 1 ? "needs an argument"
                    : "needs at least " + min + " argument" + (min == 1 ? "" : "s"));
        }
        if (l.count() > max) {
            throw error(EXTRA_ARGUMENT, l, (max == 0 ? "takes no arguments" : "takes at most " + max + " argument"
                    + (max == 1 ? "" : "s")) + ", got extra '" + l.arg(max) + "'");
        }
    }

    /** True if argument {@code i} is given and is not OpenVPN's "default" placeholder. */
    static boolean defined(Line l, int i) {
        return l.count() > i && !l.arg(i).equals("default");
    }

    static int integer(Line l, int i, int min, int max) throws ConfigException {
        String s = l.arg(i);
        long v;
        try {
            if (!s.matches("-?[0-9]{1,10}")) {
                throw new NumberFormatException();
            }
            v = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error(BAD_VALUE, l, "'" + s + "' is not a number");
        }
        if (v < min || v > max) {
            throw error(BAD_VALUE, l, v + " is out of range (" + min + ".." + max + ")");
        }
        return (int) v;
    }

    static long longValue(Line l, int i) throws ConfigException {
        String s = l.arg(i);
        if (!s.matches("[0-9]{1,18}")) {
            throw error(BAD_VALUE, l, "'" + s + "' is not a byte count");
        }
        return Long.parseLong(s);
    }

    static int port(Line l, int i, boolean allowZero) throws ConfigException {
        String s = l.arg(i);
        if (!s.matches("[0-9]{1,5}") || Integer.parseInt(s) > 65535 || (!allowZero && Integer.parseInt(s) == 0)) {
            throw error(BAD_VALUE, l, "'" + s + "' is not a port number (" + (allowZero ? 0 : 1) + "..65535)");
        }
        return Integer.parseInt(s);
    }

    static KeyDirection direction(Line l, int i) throws ConfigException {
        try {
            return KeyDirection.fromDigit(l.arg(i));
        } catch (IllegalArgumentException e) {
            throw error(BAD_VALUE, l, "key direction must be '0' or '1', not '" + l.arg(i) + "'");
        }
    }

    static int prefixLength(Line l, String s, int max) throws ConfigException {
        if (!s.matches("[0-9]{1,3}") || Integer.parseInt(s) > max) {
            throw error(BAD_VALUE, l, "'/" + s + "' is not a prefix length (0.." + max + ")");
        }
        return Integer.parseInt(s);
    }

    static Inet4Address ipv4(Line l, int i) throws ConfigException {
        Inet4Address a = parseIpv4(l.arg(i));
        if (a == null) {
            throw error(BAD_VALUE, l, "'" + l.arg(i) + "' is not an IPv4 address");
        }
        return a;
    }

    static Inet4Address parseIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        int[] b = new int[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("[0-9]{1,3}") || Integer.parseInt(parts[i]) > 255) {
                return null;
            }
            b[i] = Integer.parseInt(parts[i]);
        }
        return address4(b[0], b[1], b[2], b[3]);
    }

    static Inet4Address address4(int a, int b, int c, int d) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static Inet6Address ipv6(Line l, String s) throws ConfigException {
        // Only hex digits, colons and dots: InetAddress then parses a literal and never resolves a name.
        if (s.indexOf(':') >= 0 && s.matches("[0-9A-Fa-f:.]+")) {
            try {
                InetAddress a = InetAddress.getByName(s);
                if (a instanceof Inet6Address) {
                    return (Inet6Address) a;
                }
            } catch (UnknownHostException e) {
                // fall through to the error below
            }
        }
        throw error(BAD_VALUE, l, "'" + s + "' is not an IPv6 address");
    }

    /** A single non-empty word (cipher lists, group names), kept as written. */
    static String text(Line l) throws ConfigException {
        arity(l, 1, 1);
        if (l.arg(0).isBlank()) {
            throw error(BAD_VALUE, l, "the value is empty");
        }
        return l.arg(0);
    }

    /** A file name as OpenVPN reads it: relative to the configuration's folder. */
    static Path resolve(Line l, String file) {
        Path p = Path.of(file);
        return p.isAbsolute() || l.baseDir() == null ? p : l.baseDir().resolve(p);
    }

    static String describe(IOException e) {
        String type = e.getClass().getSimpleName();
        return type.equals("NoSuchFileException") ? "no such file" : type.equals("AccessDeniedException")
                ? "permission denied" : e.getMessage() == null ? type : e.getMessage();
    }

    static String describe(Where w) {
        return w == null ? "?" : w.line() > 0 ? w.source() + ":" + w.line() : w.source();
    }

    static ConfigException error(ConfigException.Reason reason, Line l, String detail) {
        return new ConfigException(reason, l.where().source(), l.where().line(), l.name(), detail);
    }

    static ConfigException error(ConfigException.Reason reason, Line l, String detail, Throwable cause) {
        return new ConfigException(reason, l.where().source(), l.where().line(), l.name(), detail, cause);
    }
}
