package org.culvert.management.internal;

import java.util.ArrayList;
import java.util.List;

import org.culvert.api.tunnel.ServerClientEvent;

/**
 * A server's client events as OpenVPN's {@code >CLIENT:} lines (manage.c
 * {@code management_notify_client_needing_auth}, {@code management_connection_established},
 * {@code management_notify_client_close}, {@code management_learn_addr}): ESTABLISHED always;
 * CONNECT and REAUTH only with {@code --management-client-auth}; DISCONNECT and ADDRESS only for a
 * client whose CONNECT was told (OpenVPN's DAF_INITIAL_AUTH). Also {@link #oneLine}, which every
 * server text from the network or a client passes before it is sent. Stateless.
 */
final class ServerNotifications {
    private ServerNotifications() {
    }

    /** The lines for {@code event}; {@code told} holds the client ids whose CONNECT was sent, and is updated. */
    static List<String> lines(ServerClientEvent event, boolean clientAuth, java.util.Set<Long> told,
            java.util.function.IntSupplier nClients) {
        long cid = event.client().clientId();
        List<String> lines = new ArrayList<>();
        switch (event.kind()) {
            case CONNECT:
            case REAUTH:
                if (!clientAuth) {
                    return lines;
                }
                told.add(cid);
                lines.add(">CLIENT:" + event.kind().name() + "," + cid + "," + event.keyId());
                addEnvironment(lines, event, nClients.getAsInt());
                break;
            case ESTABLISHED:
                lines.add(">CLIENT:ESTABLISHED," + cid);
                addEnvironment(lines, event, nClients.getAsInt());
                break;
            case DISCONNECT:
                if (!told.remove(cid)) {
                    return lines;
                }
                lines.add(">CLIENT:DISCONNECT," + cid);
                addEnvironment(lines, event, -1);
                break;
            default: // ADDRESS
                if (told.contains(cid)) {
                    lines.add(">CLIENT:ADDRESS," + cid + "," + oneLine(event.address()) + "," + (event.primary() ? 1 : 0));
                }
                break;
        }
        return lines;
    }

    /**
     * {@code >CLIENT:ENV,n_clients=N} (when {@code nClients} ≥ 0, as OpenVPN's extra environment),
     * the environment sorted by name, then {@code >CLIENT:ENV,END}. A value from the network (a
     * username, an IV_ line) never breaks a line: control characters become '_'.
     */
    private static void addEnvironment(List<String> lines, ServerClientEvent event, int nClients) {
        if (nClients >= 0 && !event.environment().containsKey("n_clients")) {
            lines.add(">CLIENT:ENV,n_clients=" + nClients);
        }
        for (java.util.Map.Entry<String, String> e : new java.util.TreeMap<>(event.environment()).entrySet()) {
            lines.add(">CLIENT:ENV," + oneLine(e.getKey()) + "=" + oneLine(e.getValue()));
        }
        lines.add(">CLIENT:ENV,END");
    }

    static String oneLine(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < 0x20 || s.charAt(i) == 0x7f) {
                StringBuilder sb = new StringBuilder(s);
                for (int j = i; j < sb.length(); j++) {
                    if (sb.charAt(j) < 0x20 || sb.charAt(j) == 0x7f) {
                        sb.setCharAt(j, '_');
                    }
                }
                return sb.toString();
            }
        }
        return s;
    }
}
