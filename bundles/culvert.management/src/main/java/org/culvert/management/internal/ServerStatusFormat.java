package org.culvert.management.internal;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;

import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.ServerRoute;
import org.culvert.api.tunnel.TunnelServer;

/**
 * A server's status block, as OpenVPN 2.6 prints it for the management {@code status} command and the
 * {@code --status} file (multi.c {@code multi_print_status}): version 1 with the headers
 * {@code OpenVPN CLIENT LIST}, {@code ROUTING TABLE}, {@code GLOBAL STATS}; versions 2 and 3 with
 * {@code TITLE}, {@code TIME}, {@code HEADER} lines and CLIENT_LIST, ROUTING_TABLE, GLOBAL_STATS rows,
 * comma-separated for 2 and TAB-separated for 3. Columns in OpenVPN's order; local time
 * {@code %Y-%m-%d %H:%M:%S}; clients in client-id order (OpenVPN's is its hash table's).
 *
 * <p>Culvert has no broadcast queue of OpenVPN's kind, so "Max bcast/mcast queue length" is 0, and no
 * DCO, so {@code dco_enabled} is 0. A name with a control character (a common name is the
 * server's to clean, as OpenVPN's {@code x509-username-field} rules do) has it as '_', so that no
 * field can break a line. Stateless and thread-safe.
 */
final class ServerStatusFormat {
    static final String BAD_VERSION = "ERROR: bad status format version number";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

    private ServerStatusFormat() {
    }

    /**
     * The block for {@code version} (1–3), or {@link #BAD_VERSION} and a line end for another.
     *
     * @param title what OpenVPN's {@code title_string} is: the product line of {@code version}
     * @param eol   {@code "\r\n"} for the management interface, {@code "\n"} for the status file
     */
    static String format(TunnelServer server, String title, Instant now, ZoneId zone, int version, String eol) {
        // A copy: TunnelServer.clients() may be unmodifiable (the server view returns List.copyOf).
        List<ServerClient> clients = new java.util.ArrayList<>(server.clients());
        clients.sort(Comparator.comparingLong(ServerClient::clientId));
        List<ServerRoute> routes = server.routes();
        StringBuilder out = new StringBuilder(256 + 160 * (clients.size() + routes.size()));
        if (version == 1) {
            version1(out, clients, routes, now, zone, eol);
        } else if (version == 2 || version == 3) {
            version23(out, clients, routes, title, now, zone, version == 3 ? '\t' : ',', eol);
        } else {
            out.append(BAD_VERSION).append(eol);
        }
        return out.toString();
    }

    private static void version1(StringBuilder out, List<ServerClient> clients, List<ServerRoute> routes, Instant now, ZoneId zone,
            String eol) {
        out.append("OpenVPN CLIENT LIST").append(eol);
        out.append("Updated,").append(time(now, zone)).append(eol);
        out.append("Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since").append(eol);
        for (ServerClient c : clients) {
            out.append(ServerNotifications.oneLine(c.commonName())).append(',').append(realAddress(c.realAddress())).append(',').append(c.bytesReceived())
                    .append(',').append(c.bytesSent()).append(',').append(time(c.connectedSince(), zone)).append(eol);
        }
        java.util.Map<Long, String> real = realAddresses(clients);
        out.append("ROUTING TABLE").append(eol);
        out.append("Virtual Address,Common Name,Real Address,Last Ref").append(eol);
        for (ServerRoute r : routes) {
            out.append(ServerNotifications.oneLine(r.virtualAddress())).append(',').append(ServerNotifications.oneLine(r.commonName())).append(',')
                    .append(real.getOrDefault(r.clientId(), "")).append(',').append(time(r.lastReference(), zone)).append(eol);
        }
        out.append("GLOBAL STATS").append(eol);
        out.append("Max bcast/mcast queue length,0").append(eol);
        out.append("END").append(eol);
    }

    private static void version23(StringBuilder out, List<ServerClient> clients, List<ServerRoute> routes, String title, Instant now,
            ZoneId zone, char sep, String eol) {
        out.append("TITLE").append(sep).append(title).append(eol);
        out.append("TIME").append(sep).append(time(now, zone)).append(sep).append(now.getEpochSecond()).append(eol);
        row(out, sep, eol, "HEADER", "CLIENT_LIST", "Common Name", "Real Address", "Virtual Address", "Virtual IPv6 Address",
                "Bytes Received", "Bytes Sent", "Connected Since", "Connected Since (time_t)", "Username", "Client ID", "Peer ID",
                "Data Channel Cipher");
        for (ServerClient c : clients) {
            row(out, sep, eol, "CLIENT_LIST", c.commonName(), realAddress(c.realAddress()), c.virtualAddress(),
                    c.virtualIpv6Address(), Long.toString(c.bytesReceived()), Long.toString(c.bytesSent()),
                    time(c.connectedSince(), zone), Long.toString(c.connectedSince().getEpochSecond()), c.username(),
                    Long.toString(c.clientId()), Integer.toUnsignedString(c.peerId()), c.dataCipher());
        }
        java.util.Map<Long, String> real = realAddresses(clients);
        row(out, sep, eol, "HEADER", "ROUTING_TABLE", "Virtual Address", "Common Name", "Real Address", "Last Ref",
                "Last Ref (time_t)");
        for (ServerRoute r : routes) {
            row(out, sep, eol, "ROUTING_TABLE", r.virtualAddress(), r.commonName(), real.getOrDefault(r.clientId(), ""),
                    time(r.lastReference(), zone), Long.toString(r.lastReference().getEpochSecond()));
        }
        row(out, sep, eol, "GLOBAL_STATS", "Max bcast/mcast queue length", "0");
        row(out, sep, eol, "GLOBAL_STATS", "dco_enabled", "0");
        out.append("END").append(eol);
    }

    private static void row(StringBuilder out, char sep, String eol, String... fields) {
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                out.append(sep);
            }
            out.append(ServerNotifications.oneLine(fields[i]));
        }
        out.append(eol);
    }

    static String time(Instant t, ZoneId zone) {
        return TIME.format(t.atZone(zone));
    }

    /** OpenVPN's {@code mroute_addr_print}: {@code a.b.c.d:port} for IPv4, the bare address for IPv6. */
    static String realAddress(InetSocketAddress a) {
        if (a == null) {
            return "";
        }
        if (a.getAddress() == null) {
            return a.getHostString() + ":" + a.getPort();
        }
        String ip = StateEntry.ipText(a.getAddress());
        return a.getAddress() instanceof java.net.Inet6Address ? ip : ip + ":" + a.getPort();
    }

    /** Real addresses by client id, for the routing table's column. */
    private static java.util.Map<Long, String> realAddresses(List<ServerClient> clients) {
        java.util.Map<Long, String> m = new java.util.HashMap<>();
        for (ServerClient c : clients) {
            m.put(c.clientId(), realAddress(c.realAddress()));
        }
        return m;
    }
}
