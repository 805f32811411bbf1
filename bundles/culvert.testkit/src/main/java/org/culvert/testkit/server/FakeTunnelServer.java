package org.culvert.testkit.server;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.ServerRoute;
import org.culvert.api.tunnel.TunnelServer;

/**
 * An in-memory {@link TunnelServer} for the tests of the surfaces an operator uses (management, status
 * files, JMX, shell, embedding): clients and routes are put in by hand, and every kill and verdict is
 * recorded so a test can check what reached the server. Thread-safe.
 */
public final class FakeTunnelServer implements TunnelServer {
    /** One call of {@link #clientAuth}. */
    public record Verdict(long clientId, long keyId, boolean allow, List<String> configLines, String clientReason) {
    }

    /** One call of {@link #clientPendingAuth}. */
    public record Pending(long clientId, long keyId, String extra, int timeoutSeconds) {
    }

    private final Map<Long, ServerClient> clients = new ConcurrentSkipListMap<>();
    private final List<ServerRoute> routes = new CopyOnWriteArrayList<>();
    /** Client id → key id of the clients waiting for a verdict. */
    private final Map<Long, Long> waiting = new ConcurrentHashMap<>();

    /** client-kill calls that found their client: "CID MESSAGE". */
    public final List<String> clientKills = new CopyOnWriteArrayList<>();
    /** kill calls, with their argument as the server got it. */
    public final List<String> kills = new CopyOnWriteArrayList<>();
    public final List<Verdict> verdicts = new CopyOnWriteArrayList<>();
    public final List<Pending> pendings = new CopyOnWriteArrayList<>();

    /**
     * A hand-driven tunnel whose {@code server()} is {@code server}: a server-mode tunnel for the
     * surfaces' tests.
     */
    public static org.culvert.testkit.ScriptedTunnel tunnel(String name, org.culvert.api.tunnel.TunnelOperations operations,
            TunnelServer server) {
        return new org.culvert.testkit.ScriptedTunnel(name, operations) {
            @Override
            public java.util.Optional<TunnelServer> server() {
                return java.util.Optional.of(server);
            }
        };
    }

    /** As {@link #tunnel(String, org.culvert.api.tunnel.TunnelOperations, TunnelServer)} with no operations settings. */
    public static org.culvert.testkit.ScriptedTunnel tunnel(String name, TunnelServer server) {
        return new org.culvert.testkit.ScriptedTunnel(name) {
            @Override
            public java.util.Optional<TunnelServer> server() {
                return java.util.Optional.of(server);
            }
        };
    }

    /** Adds or replaces a client. */
    public void put(ServerClient client) {
        clients.put(client.clientId(), client);
    }

    /** Adds a route. */
    public void route(ServerRoute route) {
        routes.add(route);
    }

    /** Lets {@code clientId} wait for a verdict under {@code keyId} (as after {@code >CLIENT:CONNECT}). */
    public void await(long clientId, long keyId) {
        waiting.put(clientId, keyId);
    }

    /** An established client with the usual test values; bytes and times as given. */
    public static ServerClient client(long cid, String cn, String ip, int port, String vip, long in, long out, Instant since) {
        return new ServerClient(cid, cn, ServerClient.UNDEF, new InetSocketAddress(ip, port), vip, "", in, out, since, (int) cid,
                "AES-256-GCM", true);
    }

    @Override
    public List<ServerClient> clients() {
        return List.copyOf(clients.values()); // unmodifiable, as the server's own view returns it
    }

    @Override
    public List<ServerRoute> routes() {
        return List.copyOf(routes);
    }

    @Override
    public boolean clientKill(long clientId, String message) {
        if (clients.remove(clientId) == null) {
            return false;
        }
        clientKills.add(clientId + " " + (message == null ? "RESTART" : message));
        routes.removeIf(r -> r.clientId() == clientId);
        return true;
    }

    @Override
    public int kill(String commonNameOrAddress) {
        kills.add(commonNameOrAddress);
        int n = 0;
        for (ServerClient c : clients()) {
            InetSocketAddress a = c.realAddress();
            String address = a.getAddress().getHostAddress() + ":" + a.getPort();
            if (c.commonName().equals(commonNameOrAddress) || address.equals(commonNameOrAddress)) {
                clients.remove(c.clientId());
                routes.removeIf(r -> r.clientId() == c.clientId());
                n++;
            }
        }
        return n;
    }

    @Override
    public boolean clientAuth(long clientId, long keyId, boolean allow, List<String> configLines, String clientReason) {
        Long kid = waiting.get(clientId);
        if (kid == null || kid != keyId) {
            return false;
        }
        waiting.remove(clientId);
        verdicts.add(new Verdict(clientId, keyId, allow, List.copyOf(configLines), clientReason));
        return true;
    }

    @Override
    public boolean clientPendingAuth(long clientId, long keyId, String extra, int timeoutSeconds) {
        Long kid = waiting.get(clientId);
        if (kid == null || kid != keyId) {
            return false;
        }
        pendings.add(new Pending(clientId, keyId, extra, timeoutSeconds));
        return true;
    }
}
