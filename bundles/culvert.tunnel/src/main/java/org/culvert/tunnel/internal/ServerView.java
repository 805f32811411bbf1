package org.culvert.tunnel.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.ServerClientListener;
import org.culvert.api.tunnel.ServerRoute;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelServer;

/**
 * {@link TunnelServer} for a server-mode tunnel: reads the running {@link ServerLoop} (empty while the
 * server waits for a plugin or restarts) and delivers its client events to the
 * {@link ServerClientListener}s on one thread of its own, in order, off the data threads.
 */
final class ServerView implements TunnelServer, AutoCloseable {
    private final Tunnel tunnel;
    private final Supplier<Collection<ServerClientListener>> listeners;
    private final LoopClock clock;
    private final TunnelLog log;
    private final ExecutorService delivery;
    private volatile ServerLoop loop;
    /** The counters of the runs that ended, and the restarts: a server's totals go on across restarts, as OpenVPN's. Guarded by this. */
    private org.culvert.api.tunnel.TunnelCounters ended = new Counters().snapshot();
    private final Counters restarts = new Counters();

    ServerView(String name, Tunnel tunnel, Supplier<Collection<ServerClientListener>> listeners, LoopClock clock, TunnelLog log) {
        this.tunnel = tunnel;
        this.listeners = listeners;
        this.clock = clock;
        this.log = log;
        this.delivery = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "culvert-server-" + name + "-events");
            t.setDaemon(true);
            return t;
        });
    }

    /** Where the loop publishes: queued for the listeners. */
    Consumer<ServerClientEvent> sink() {
        return event -> {
            try {
                delivery.execute(() -> deliver(event));
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the view is closed: nobody listens any more
            }
        };
    }

    private void deliver(ServerClientEvent event) {
        for (ServerClientListener l : listeners.get()) {
            try {
                l.clientEvent(tunnel, event);
            } catch (RuntimeException e) {
                log.warn("a server client listener failed: " + e);
            }
        }
    }

    /** The loop now running, or null: a loop detached has ended, and its counters join the totals. */
    synchronized void attach(ServerLoop running) {
        ServerLoop previous = loop;
        if (previous != null && previous != running) {
            ended = Counters.sum(ended, previous.counters());
        }
        loop = running;
    }

    /** The server restarts (a signal, a lost plugin, a failed run). */
    synchronized void restarted() {
        restarts.restart();
    }

    @Override
    public List<ServerClient> clients() {
        ServerLoop l = loop;
        if (l == null) {
            return List.of();
        }
        List<ServerClient> all = new ArrayList<>();
        for (MultiInstance m : l.instances()) {
            all.add(m.snapshot());
        }
        return List.copyOf(all);
    }

    @Override
    public List<ServerRoute> routes() {
        ServerLoop l = loop;
        if (l == null) {
            return List.of();
        }
        long now = clock.millis();
        Instant wall = Instant.now();
        List<ServerRoute> all = new ArrayList<>();
        for (MrouteTable.Route<MultiInstance> r : l.routes()) {
            all.add(new ServerRoute(r.address(), r.owner().clientId, r.owner().commonName, wall.minusMillis(Math.max(0, now - r.lastReference()))));
        }
        return List.copyOf(all);
    }

    /** The server's counters since it started: the ended runs' and the running one's, with the restarts. */
    synchronized org.culvert.api.tunnel.TunnelCounters counters() {
        ServerLoop l = loop;
        org.culvert.api.tunnel.TunnelCounters total = Counters.sum(ended, restarts.snapshot());
        return l == null ? total : Counters.sum(total, l.counters());
    }

    @Override
    public boolean clientKill(long clientId, String message) {
        ServerLoop l = loop;
        return l != null && l.clientKill(clientId, message);
    }

    @Override
    public int kill(String commonNameOrAddress) {
        ServerLoop l = loop;
        return l == null ? 0 : l.kill(commonNameOrAddress);
    }

    /** {@code --management-client-auth}: the verdict for a client's key that awaits one. */
    @Override
    public boolean clientAuth(long clientId, long keyId, boolean allow, List<String> configLines, String clientReason) {
        ServerLoop l = loop;
        return l != null && l.clientAuth(clientId, keyId, allow, configLines, clientReason);
    }

    @Override
    public boolean clientPendingAuth(long clientId, long keyId, String extra, int timeoutSeconds) {
        ServerLoop l = loop;
        return l != null && l.clientPendingAuth(clientId, keyId, extra, timeoutSeconds);
    }

    @Override
    public void close() {
        attach(null);
        delivery.shutdown();
    }
}
