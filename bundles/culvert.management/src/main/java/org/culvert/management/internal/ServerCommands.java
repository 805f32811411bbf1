package org.culvert.management.internal;

import java.util.ArrayList;
import java.util.List;

import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.TunnelServer;

/**
 * The management commands of a server-mode tunnel, with OpenVPN 2.6's answers (manage.c
 * {@code man_kill}, {@code man_client_kill}, {@code man_client_auth}, {@code man_client_deny},
 * {@code man_client_pending_auth}, {@code man_client_n_clients}, {@code man_load_stats},
 * {@code in_extra_dispatch}; the server side in multi.c). {@link ManagementCommands} checks the
 * number of parameters first, as {@code man_dispatch_command} does, and calls these only for a
 * tunnel whose {@code server()} is present. Management thread only; stateless.
 */
final class ServerCommands {
    /**
     * Lines a {@code client-auth} block may hold. OpenVPN takes any number; Culvert bounds what one
     * management client can make it keep, far above any client-connect configuration.
     */
    static final int MAX_CLIENT_AUTH_LINES = 1024;

    private ServerCommands() {
    }

    /** OpenVPN's {@code man_kill}: {@code kill cn} or {@code kill IP:port}, as {@code buf_parse} splits at ':'. */
    static void kill(TunnelServer server, ClientSession client, String victim) {
        // The answers repeat what was typed; a control character in it must not reach the client.
        victim = ServerNotifications.oneLine(victim);
        int colon = victim.indexOf(':');
        String p1 = colon < 0 ? victim : victim.substring(0, colon);
        String rest = colon < 0 ? "" : victim.substring(colon + 1);
        int colon2 = rest.indexOf(':');
        String p2 = colon2 < 0 ? rest : rest.substring(0, colon2);
        if (!p1.isEmpty() && !p2.isEmpty()) {
            String ip = ipv4(p1);
            if (ip == null) {
                client.send("ERROR: error parsing IP address: " + p1);
                return;
            }
            int port = CommandLineParser.atoi(p2);
            if (port <= 0 || port >= 65536) {
                client.send("ERROR: port number is out of range: " + p2);
                return;
            }
            int n = server.kill(ip + ":" + port);
            client.send(n > 0 ? "SUCCESS: " + n + " client(s) at address " + ip + ":" + port + " killed"
                    : "ERROR: client at address " + ip + ":" + port + " not found");
        } else if (!p1.isEmpty()) {
            int n = server.kill(p1);
            client.send(n > 0 ? "SUCCESS: common name '" + p1 + "' found, " + n + " client(s) killed"
                    : "ERROR: common name '" + p1 + "' not found");
        } else {
            client.send("ERROR: kill parse");
        }
    }

    /**
     * A dotted-quad IPv4 address in its normal form, or null. OpenVPN's {@code getaddr} here resolves
     * no names, so only a numeric address is an address.
     */
    static String ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        StringBuilder sb = new StringBuilder(15);
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3) {
                return null;
            }
            int v = 0;
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                if (c < '0' || c > '9') {
                    return null;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return null;
            }
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(v);
        }
        return sb.toString();
    }

    /** {@code client-kill CID [message]}. */
    static void clientKill(TunnelServer server, ClientSession client, String cidText, String message) {
        long cid = parseNumber(cidText);
        if (cid < 0) {
            client.send("ERROR: cannot parse CID");
            return;
        }
        client.send(server.clientKill(cid, message) ? "SUCCESS: client-kill command succeeded"
                : "ERROR: client-kill command failed");
    }

    /**
     * {@code client-auth CID KID}: the ids are checked now; the configuration lines follow until
     * {@code END} ({@link #clientAuthLines}). With {@code client-auth-nt} the verdict is given at once.
     *
     * @return true if the session now collects lines
     */
    static boolean clientAuth(TunnelServer server, ClientSession client, String cidText, String kidText, boolean multiline) {
        long[] ids = ids(client, cidText, kidText);
        if (ids == null) {
            return false;
        }
        long cid = ids[0];
        long kid = ids[1];
        if (!multiline) {
            verdict(server, client, cid, kid, List.of());
            return false;
        }
        client.clientAuthLines = new ArrayList<>();
        client.clientAuthCid = cid;
        client.clientAuthKid = kid;
        return true;
    }

    /**
     * A line after {@code client-auth}: kept, or with {@code END} the verdict is given. As in OpenVPN,
     * the lines are not commands and get no answer.
     */
    static void clientAuthLine(TunnelServer server, ClientSession client, String line) {
        List<String> lines = client.clientAuthLines;
        if (!line.equals("END")) {
            if (lines.size() < MAX_CLIENT_AUTH_LINES) {
                lines.add(line);
            } else {
                client.clientAuthOverflow = true;
            }
            return;
        }
        client.clientAuthLines = null;
        if (client.clientAuthOverflow) {
            client.clientAuthOverflow = false;
            client.send("ERROR: client-auth command failed");
            return;
        }
        if (server == null) {
            client.send("ERROR: The 'client-auth' command is not supported by the current daemon mode");
            return;
        }
        verdict(server, client, client.clientAuthCid, client.clientAuthKid, lines);
    }

    private static void verdict(TunnelServer server, ClientSession client, long cid, long kid, List<String> lines) {
        client.send(server.clientAuth(cid, kid, true, lines, null) ? "SUCCESS: client-auth command succeeded"
                : "ERROR: client-auth command failed");
    }

    /** {@code client-deny CID KID "reason" ["client reason"]}: the log reason is OpenVPN's, only logged. */
    static void clientDeny(TunnelServer server, ClientSession client, List<String> p, System.Logger log) {
        long[] ids = ids(client, p.get(1), p.get(2));
        if (ids == null) {
            return;
        }
        long cid = ids[0];
        long kid = ids[1];
        String clientReason = p.size() > 4 ? p.get(4) : null;
        boolean ok = server.clientAuth(cid, kid, false, List.of(), clientReason);
        if (ok) {
            log.log(System.Logger.Level.INFO, "MANAGEMENT: client " + cid + " denied: " + p.get(3));
        }
        client.send(ok ? "SUCCESS: client-deny command succeeded" : "ERROR: client-deny command failed");
    }

    /** {@code client-pending-auth CID KID EXTRA TIMEOUT}. */
    static void clientPendingAuth(TunnelServer server, ClientSession client, List<String> p) {
        long[] ids = ids(client, p.get(1), p.get(2));
        if (ids == null) {
            return;
        }
        long timeout = parseUnsigned(p.get(4));
        if (timeout < 0) {
            client.send("ERROR: cannot parse TIMEOUT");
            return;
        }
        client.send(server.clientPendingAuth(ids[0], ids[1], p.get(3), (int) timeout) ? "SUCCESS: client-pending-auth command succeeded"
                : "ERROR: client-pending-auth command failed. Extra parameter might be too long");
    }

    /** OpenVPN's {@code parse_cid} and {@code parse_uint(KID)}: {cid, kid}, or null after the error line. */
    private static long[] ids(ClientSession client, String cidText, String kidText) {
        long cid = parseNumber(cidText);
        if (cid < 0) {
            client.send("ERROR: cannot parse CID");
            return null;
        }
        long kid = parseUnsigned(kidText);
        if (kid < 0) {
            client.send("ERROR: cannot parse KID");
            return null;
        }
        return new long[] {cid, kid};
    }

    /** OpenVPN's {@code n_clients}: the clients that finished connecting. */
    static int establishedClients(TunnelServer server) {
        int n = 0;
        for (ServerClient c : server.clients()) {
            if (c.established()) {
                n++;
            }
        }
        return n;
    }

    /**
     * A CID as {@code sscanf("%lu")} takes it: leading blanks, then digits up to the first other
     * character; -1 if no digit comes first (Culvert also refuses a sign, which sscanf would wrap).
     */
    static long parseNumber(String s) {
        int i = 0;
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        long v = 0;
        int digits = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            if (v > (Long.MAX_VALUE - 9) / 10) {
                return -1;
            }
            v = v * 10 + (s.charAt(i++) - '0');
            digits++;
        }
        return digits == 0 ? -1 : v;
    }

    /** A KID or TIMEOUT as {@code sscanf("%u")}: as {@link #parseNumber}, at most 2^32-1. */
    static long parseUnsigned(String s) {
        long v = parseNumber(s);
        return v > 0xFFFF_FFFFL ? -1 : v;
    }
}
