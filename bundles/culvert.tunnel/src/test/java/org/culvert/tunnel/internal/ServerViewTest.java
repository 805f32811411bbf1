package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.ServerClientListener;
import org.culvert.api.tunnel.Tunnel;
import org.junit.jupiter.api.Test;

/** The server view without a running loop, and its event delivery to the whiteboard listeners. */
class ServerViewTest {
    private static ServerClientEvent event(long cid, ServerClientEvent.Kind kind) {
        ServerClient c = new ServerClient(cid, "cn" + cid, ServerClient.UNDEF, InetSocketAddress.createUnresolved("h", 1), "", "", 0, 0,
                Instant.EPOCH, -1, "", false);
        return new ServerClientEvent(kind, c, "", false, Map.of());
    }

    @Test
    void eventsReachEveryListenerInOrderOffTheCallersThreadAndAFailingListenerHarmsNone() throws Exception {
        Tunnel tunnel = new TunnelComponent();
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        ServerClientListener bad = (t, e) -> {
            throw new IllegalStateException("a listener's bug");
        };
        ServerClientListener good = (t, e) -> {
            assertSame(tunnel, t);
            threads.add(Thread.currentThread());
            seen.add(e.kind() + " " + e.client().clientId());
        };
        TunnelLog log = new TunnelLog("view");
        try (ServerView view = new ServerView("view", tunnel, () -> List.of(bad, good), LoopClock.SYSTEM, log)) {
            for (long cid = 0; cid < 100; cid++) {
                view.sink().accept(event(cid, ServerClientEvent.Kind.CONNECT));
                view.sink().accept(event(cid, ServerClientEvent.Kind.DISCONNECT));
            }
            MemoryRunners.awaitTrue(() -> seen.size() == 200, seen::toString);
            for (int cid = 0; cid < 100; cid++) {
                assertEquals("CONNECT " + cid, seen.get(2 * cid));
                assertEquals("DISCONNECT " + cid, seen.get(2 * cid + 1));
            }
            assertFalse(threads.contains(Thread.currentThread()));
            assertTrue(log.recent().stream().anyMatch(l -> l.message().contains("listener failed")), "the failure is logged");
            assertTrue(view.clients().isEmpty() && view.routes().isEmpty());
            assertFalse(view.clientKill(0, null));
            assertEquals(0, view.kill("cn0"));
            assertFalse(view.clientAuth(0, 0, true, List.of(), null));
        }
    }

    @Test
    void aPointToPointTunnelHasNoServerView() {
        assertTrue(new TunnelComponent().server().isEmpty());
    }
}
