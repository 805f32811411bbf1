package org.culvert.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.ServerClientListener;
import org.culvert.testkit.server.FakeTunnelServer;
import org.culvert.testkit.ScriptedTunnel;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceReference;

/**
 * A non-OSGi host hears of servers' client events: Culvert offers itself as a
 * {@link ServerClientListener} whiteboard service in its framework, as a server's core calls it, and
 * delivers to the host's listeners on its event thread, all servers' or one server's.
 */
class ServerEventsEmbeddingTest {
    private static ServerClientEvent event(ServerClientEvent.Kind kind, long cid) {
        return new ServerClientEvent(kind, FakeTunnelServer.client(cid, "branch-" + cid, "192.0.2.10", 40000 + (int) cid, "10.8.0." + (2 + cid),
                0, 0, Instant.ofEpochSecond(1_700_000_000)), "", false, Map.of("common_name", "branch-" + cid));
    }

    private static void awaitSize(Collection<?> c, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (c.size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " events, got " + c);
            }
            Thread.sleep(5); // polling a condition with a deadline, not standing in for synchronisation
        }
    }

    @Test
    void clientEventsReachTheHostOnCulvertsEventThread() throws Exception {
        try (Culvert culvert = MemoryTunnels.builder().start()) {
            FakeTunnelServer server = new FakeTunnelServer();
            ScriptedTunnel hq = FakeTunnelServer.tunnel("hq", server);
            ScriptedTunnel other = new ScriptedTunnel("branch-server");
            List<String> all = new CopyOnWriteArrayList<>();
            List<String> onlyHq = new CopyOnWriteArrayList<>();
            List<String> threads = new CopyOnWriteArrayList<>();
            Subscription s = culvert.addClientListener((t, e) -> {
                all.add(t.name() + " " + e.kind() + " " + e.client().clientId());
                threads.add(Thread.currentThread().getName());
            });
            EmbeddedTunnel embeddedHq = new EmbeddedTunnel(culvert, hq);
            embeddedHq.addClientListener((t, e) -> onlyHq.add(e.kind() + " " + e.client().commonName()));
            assertSame(server, embeddedHq.server().orElseThrow());
            assertTrue(new EmbeddedTunnel(culvert, other).server().isEmpty());

            // What the core does: call every ServerClientListener service of the framework.
            Collection<ServiceReference<ServerClientListener>> refs = culvert.bundleContext().getServiceReferences(ServerClientListener.class, null);
            List<ServerClientListener> whiteboard = new ArrayList<>();
            for (ServiceReference<ServerClientListener> r : refs) {
                whiteboard.add(culvert.bundleContext().getService(r));
            }
            assertFalse(whiteboard.isEmpty(), "Culvert registered no ServerClientListener");
            for (ServerClientListener l : whiteboard) {
                l.clientEvent(hq, event(ServerClientEvent.Kind.ESTABLISHED, 0));
                l.clientEvent(other, event(ServerClientEvent.Kind.ESTABLISHED, 1));
                l.clientEvent(hq, event(ServerClientEvent.Kind.DISCONNECT, 0));
            }
            awaitSize(all, 3);
            awaitSize(onlyHq, 2);
            assertEquals(List.of("hq ESTABLISHED 0", "branch-server ESTABLISHED 1", "hq DISCONNECT 0"), all);
            assertEquals(List.of("ESTABLISHED branch-0", "DISCONNECT branch-0"), onlyHq);
            assertTrue(threads.stream().allMatch(n -> n.startsWith("culvert-events-")), threads.toString());
            s.close();
            for (ServerClientListener l : whiteboard) {
                l.clientEvent(hq, event(ServerClientEvent.Kind.ESTABLISHED, 2));
            }
            awaitSize(onlyHq, 3);
            assertEquals(3, all.size(), "a closed subscription still got events");
        }
    }
}
