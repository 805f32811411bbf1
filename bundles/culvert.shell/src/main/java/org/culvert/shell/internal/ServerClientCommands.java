package org.culvert.shell.internal;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelServer;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code tunnel:} commands for a server-mode tunnel's clients: {@code tunnel:clients NAME} lists
 * them as OpenVPN's {@code status} does, {@code tunnel:kill NAME CID} is OpenVPN's {@code client-kill}.
 * A tunnel that is not a server is one clear error line.
 */
@Component(service = ServerClientCommands.class, property = {
        "osgi.command.scope=tunnel",
        "osgi.command.function=clients",
        "osgi.command.function=kill" })
public final class ServerClientCommands {
    private static final DateTimeFormatter SINCE = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

    @Reference
    private TunnelManager manager;

    private TunnelServer server(String name) {
        Tunnel t = manager.get(name).orElseThrow(() -> new IllegalArgumentException("no tunnel named '" + name + "'"));
        return t.server().orElseThrow(() -> new IllegalArgumentException("tunnel " + name
                + " is not a server: it has no clients (a server's configuration has 'server' or 'mode server')"));
    }

    @Descriptor("List a server's clients: client id, common name, real address, virtual addresses, bytes in/out, connected since, cipher")
    public String clients(@Descriptor("server tunnel name") String name) {
        return table(server(name).clients(), ZoneId.systemDefault());
    }

    @Descriptor("Disconnect one client of a server (OpenVPN's client-kill): it is told RESTART, or the message given, and closed")
    public String kill(
            @Descriptor("what the client is told: RESTART (it reconnects, the default) or HALT (it stops)")
            @Parameter(names = { "-m", "--message" }, absentValue = "RESTART") String message,
            @Descriptor("server tunnel name") String name,
            @Descriptor("client id, as tunnel:clients shows it") long clientId) {
        String m = message.trim();
        if (m.isEmpty() || m.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("the message must be one printable line, e.g. RESTART or HALT");
        }
        if (!server(name).clientKill(clientId, m)) {
            throw new IllegalArgumentException("tunnel " + name + " has no client with id " + clientId + " (see tunnel:clients " + name + ")");
        }
        return "tunnel " + name + ": client " + clientId + " told " + m + " and disconnected";
    }

    /** The text of {@code tunnel:clients}: a header, then one aligned row per client by id. */
    static String table(List<ServerClient> clients, ZoneId zone) {
        if (clients.isEmpty()) {
            return "no clients";
        }
        List<ServerClient> sorted = new ArrayList<>(clients);
        sorted.sort(Comparator.comparingLong(ServerClient::clientId));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "COMMON NAME", "REAL ADDRESS", "VIRTUAL", "VIRTUAL IPV6", "BYTES IN", "BYTES OUT",
            "CONNECTED SINCE", "CIPHER"});
        for (ServerClient c : sorted) {
            rows.add(new String[] {Long.toString(c.clientId()), c.commonName() + (c.established() ? "" : " (connecting)"),
                realAddress(c), dash(c.virtualAddress()), dash(c.virtualIpv6Address()), Long.toString(c.bytesReceived()),
                Long.toString(c.bytesSent()), SINCE.format(c.connectedSince().atZone(zone)), dash(c.dataCipher())});
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(widths[i] - r[i].length() + 2));
                }
            }
            sb.append(line);
        }
        return sb.toString();
    }

    private static String realAddress(ServerClient c) {
        java.net.InetSocketAddress a = c.realAddress();
        if (a == null) {
            return "-";
        }
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (a.getAddress() instanceof java.net.Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
