package org.culvert.openvpn.server;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.culvert.openvpn.config.AddressMath;

/**
 * OpenVPN 2.6's {@code --ifconfig-pool-persist} file ({@code pool.c ifconfig_pool_read},
 * {@code ifconfig_pool_list}): one line {@code CN,IPv4,IPv6} per named pool entry, either address may
 * be empty; in net30 the IPv4 is the /30 block's base ({@code .4} for the client {@code .6}).
 * {@code #} and {@code ;} lines are comments.
 *
 * <p>Reading is robust: a line that cannot be used is warned about with its line number and skipped,
 * as OpenVPN skips it; the rest still applies. With a read-only file ({@code sec} 0) the entries are
 * reserved for their names. Writing replaces the file atomically (a crash leaves the old one).
 * Stateless.
 */
public final class PoolPersist {
    /** OpenVPN reads lines into a 256-byte buffer and each field into 128 bytes; longer lines are refused. */
    static final int MAX_LINE = 255;
    static final int MAX_FIELD = 127;

    private PoolPersist() {
    }

    /**
     * Reads {@code file} into {@code pool}; a missing file is an empty one (the first start).
     *
     * @param fixed true for {@code sec} 0: the entries are reserved for their names
     * @return the warnings, one per skipped line or mismatch, each naming the file and line
     * @throws IOException the file exists but cannot be read
     */
    public static List<String> read(Path file, IfconfigPool pool, boolean fixed) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        return read(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), file.toString(), pool, fixed);
    }

    /** As {@link #read(Path, IfconfigPool, boolean)} from the file's text. */
    public static List<String> read(String text, String source, IfconfigPool pool, boolean fixed) {
        Objects.requireNonNull(pool, "pool");
        List<String> warnings = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            String where = source + ":" + (i + 1) + ": ";
            if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == ';') {
                continue;
            }
            if (line.length() > MAX_LINE) {
                warnings.add(where + "pool: line longer than " + MAX_LINE + " characters, skipped");
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length < 2) {
                warnings.add(where + "pool: expected CN,IPv4,IPv6, skipped");
                continue;
            }
            String cn = f[0];
            String ip = f[1].trim();
            String ip6 = f.length > 2 ? f[2].trim() : "";
            if (cn.isEmpty() || cn.length() > MAX_FIELD || !printable(cn)) {
                warnings.add(where + "pool: bad common name, skipped");
                continue;
            }
            int h = -1;
            int h6 = -1;
            if (!ip.isEmpty()) {
                Inet4Address a = AddressMath.parseIpv4(ip);
                if (a == null) {
                    warnings.add(where + "pool: invalid IPv4 (" + shown(ip) + ") for CN=" + cn);
                } else {
                    h = pool.handleOf(a);
                    if (h < 0) {
                        warnings.add(where + "pool: IPv4 (" + ip + ") out of pool range for CN=" + cn);
                    }
                }
            }
            if (!ip6.isEmpty()) {
                Inet6Address a6 = AddressMath.parseIpv6(ip6);
                if (a6 == null) {
                    warnings.add(where + "pool: invalid IPv6 (" + shown(ip6) + ") for CN=" + cn);
                } else {
                    h6 = pool.handleOf(a6);
                    if (h6 < 0) {
                        warnings.add(where + "pool: IPv6 (" + ip6 + ") out of pool range for CN=" + cn);
                    }
                    if (h < 0) {
                        h = h6;
                    }
                }
            }
            if (h6 >= 0 && h != h6) {
                warnings.add(where + "pool: IPv4 (" + ip + ") and IPv6 (" + ip6 + ") have different offsets! Relying on IPv4");
            }
            if (h >= 0) {
                pool.set(cn, h, fixed);
            }
        }
        return warnings;
    }

    /** The file's text for the pool's named entries ({@code ifconfig_pool_list}). */
    public static String format(IfconfigPool pool) {
        StringBuilder sb = new StringBuilder();
        for (IfconfigPool.Entry e : pool.entries()) {
            sb.append(e.commonName()).append(',')
                    .append(e.ipv4Base().map(AddressMath::ipText).orElse("")).append(',')
                    .append(e.ipv6().map(AddressMath::ipText).orElse("")).append('\n');
        }
        return sb.toString();
    }

    /** Writes {@link #format} to {@code file} through a temporary file in the same folder. */
    public static void write(Path file, IfconfigPool pool) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, format(pool), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                return false;
            }
        }
        return true;
    }

    private static String shown(String s) {
        return printable(s) ? s : s.replaceAll("\\p{Cntrl}", "?");
    }
}
