package org.culvert.tunnel.internal;

import static org.culvert.tunnel.internal.ServerHarness.clientAddress;
import static org.culvert.tunnel.internal.ServerHarness.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.culvert.api.tunnel.DropReason;
import org.culvert.testkit.MemoryTunOsSide;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --stale-routes-check 1 1} in a running server loop: a client's iroute unused for a second is
 * removed (a packet to its net then has no route) while the client's own address stays and carries
 * traffic.
 */
class ServerStaleRoutesTest {
    private static final String KEEPALIVE = "ping 1\nping-restart 30\n";
    private final ServerHarness h = new ServerHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private Set<String> routes() {
        return h.view.routes().stream().map(r -> r.virtualAddress() + "=" + r.commonName()).collect(Collectors.toSet());
    }

    @Test
    void anUnusedIrouteGoesTheClientsOwnAddressStays() throws Exception {
        h.leases.put("client2", new ClientAddressing.Lease(clientAddress(2), null, List.of("192.168.2.0/24"), "client2"));
        h.start(ServerPlan.defaults().withStaleRoutes(1, 1), KEEPALIVE);
        h.client(2, KEEPALIVE);
        h.awaitEstablished("client2");
        MemoryTunOsSide c2 = h.clientOs(2);
        byte[] down = udp("10.9.0.1", "192.168.2.7", "behind client 2");
        assertTrue(h.os.inject(down));
        assertArrayEquals(down, c2.take(5000), "the iroute leads to client 2 while it is in use");
        MemoryRunners.awaitTrue(() -> !routes().contains("192.168.2.0/24=client2") && !routes().contains("192.168.2.7C=client2"),
                () -> "the stale iroute and its cached host route stayed: " + routes());
        assertTrue(routes().contains(clientAddress(2) + "=client2"), "the client's own address stays: " + routes());
        assertTrue(h.os.inject(udp("10.9.0.1", "192.168.2.8", "no route now")));
        MemoryRunners.awaitTrue(() -> h.loop.counters().drops(DropReason.NO_ROUTE) >= 1, () -> h.loop.counters().drops().toString());
        byte[] own = udp("10.9.0.1", clientAddress(2), "to client 2 itself");
        assertTrue(h.os.inject(own));
        assertArrayEquals(own, c2.take(5000), "the client's own address still carries traffic");
    }
}
