package org.culvert.management.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import org.culvert.api.tunnel.TunnelCounters;

/**
 * The "OpenVPN STATISTICS" block, the one formatter shared by the management interface's
 * {@code status} command ({@link ManagementCommands}) and the {@code --status} file
 * ({@link StatusFileWriter}).
 *
 * <p>What OpenVPN 2.6 prints in point-to-point mode (sig.c {@code print_status}, reached from the
 * management callback {@code management_callback_status_p2p} in init.c and from
 * {@code check_status_file} in forward.c): the same block for every status version, because the
 * versions only change the client list of server mode:
 *
 * <pre>
 * OpenVPN STATISTICS
 * Updated,2024-05-01 12:34:56        (local time, otime.c time_string)
 * TUN/TAP read bytes,N
 * TUN/TAP write bytes,N
 * TCP/UDP read bytes,N
 * TCP/UDP write bytes,N
 * Auth read bytes,N
 * END
 * </pre>
 *
 * OpenVPN adds compression lines only with a compression context, and truncation lines only in debug
 * builds; Culvert has neither. The management interface ends lines with CRLF, the file with LF
 * (status.c {@code status_printf}). Stateless and thread-safe.
 */
final class StatusFormat {
    private static final DateTimeFormatter UPDATED = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

    private StatusFormat() {
    }

    /**
     * Appends the block to {@code out}.
     *
     * @param version the requested status version (1–3); point-to-point mode prints the same block for all
     * @param eol     {@code "\r\n"} for the management interface, {@code "\n"} for the status file
     */
    static void appendPointToPoint(StringBuilder out, TunnelCounters counters, Instant now, ZoneId zone, int version, String eol) {
        out.append("OpenVPN STATISTICS").append(eol);
        out.append("Updated,").append(UPDATED.format(now.atZone(zone))).append(eol);
        out.append("TUN/TAP read bytes,").append(counters.tunReadBytes()).append(eol);
        out.append("TUN/TAP write bytes,").append(counters.tunWriteBytes()).append(eol);
        out.append("TCP/UDP read bytes,").append(counters.linkReadBytes()).append(eol);
        out.append("TCP/UDP write bytes,").append(counters.linkWriteBytes()).append(eol);
        out.append("Auth read bytes,").append(counters.linkAuthReadBytes()).append(eol);
        out.append("END").append(eol);
    }

    /**
     * What {@code status [n]} and the status file show for {@code tunnel}: a server's client list
     * ({@link ServerStatusFormat}), else the point-to-point block. Version 0 means the tunnel's
     * {@code --status-version} (OpenVPN's {@code management_callback_status}), 1 without one.
     *
     * @param title OpenVPN's {@code title_string} for a server's {@code TITLE} line
     */
    static String block(org.culvert.api.tunnel.Tunnel tunnel, String title, Instant now, ZoneId zone, int version, String eol) {
        java.util.Optional<org.culvert.api.tunnel.TunnelServer> server = tunnel.server();
        if (server.isEmpty()) {
            return pointToPoint(tunnel.counters(), now, zone, version, eol);
        }
        int v = version;
        if (v == 0) {
            org.culvert.api.tunnel.TunnelOperations ops = tunnel.operations();
            v = ops != null && ops.status() != null ? ops.status().version() : 1;
        }
        return ServerStatusFormat.format(server.get(), title, now, zone, v, eol);
    }

    /** The block as one string (see {@link #appendPointToPoint}). */
    static String pointToPoint(TunnelCounters counters, Instant now, ZoneId zone, int version, String eol) {
        StringBuilder sb = new StringBuilder(256);
        appendPointToPoint(sb, counters, now, zone, version, eol);
        return sb.toString();
    }
}
