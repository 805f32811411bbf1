package org.culvert.tunnel.internal;

import static org.culvert.tunnel.internal.ServerHarness.clientAddress;
import static org.culvert.tunnel.internal.ServerHarness.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.testkit.MemoryLinkSocket;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code tunnel_server_tcp}: the server loop over a memory listener, each client on its own stream. */
class ServerTcpTest {
    private static final String KEEPALIVE = "ping 1\nping-restart 30\n";
    private final ServerHarness h = new ServerHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static byte[] udp(String from, String to, String text) {
        return Packets.ipv4Udp(ip(from), 1000, ip(to), 2000, text.getBytes());
    }

    private TunnelRunner[] startThree(ServerPlan plan) throws Exception {
        h.startTcp(plan, KEEPALIVE);
        TunnelRunner[] r = new TunnelRunner[4];
        for (int i = 1; i <= 3; i++) {
            r[i] = h.client(i, KEEPALIVE);
        }
        h.awaitEstablished("client1", "client2", "client3");
        return r;
    }

    /** Down to client {@code i} and up from it, {@code rounds} times. */
    private void exchange(int i, MemoryTunOsSide os, int rounds) throws Exception {
        for (int round = 0; round < rounds; round++) {
            byte[] down = udp("10.9.0.1", clientAddress(i), "to " + i + " #" + round);
            assertTrue(h.os.inject(down));
            assertArrayEquals(down, os.take(5000), "client " + i + " gets what is addressed to it");
            byte[] up = udp(clientAddress(i), "10.9.0.1", "from " + i + " #" + round);
            assertTrue(os.inject(up));
            assertArrayEquals(up, h.os.take(5000), "the server's tun gets client " + i + "'s packet");
        }
    }

    /** A raw tcp-client on the memory network, connected to the server. */
    private MemoryLinkSocket rawConnection(String host) throws Exception {
        MemoryLinkSocket s = new MemoryLinkTransport().open(LinkSpec.builder(LinkProtocol.TCP_CLIENT).local(host, 1194)
                .remote("srv" + h.id, 1194).build());
        assertTrue(s.establish(5000), "connected");
        return s;
    }

    @Test
    void eachClientOnItsOwnStreamGetsItsOwnTrafficBothWays() throws Exception {
        startThree(ServerPlan.defaults().withDataThreads(2));
        MemoryTunOsSide[] os = { null, h.clientOs(1), h.clientOs(2), h.clientOs(3) };
        for (int i = 1; i <= 3; i++) {
            exchange(i, os[i], 20);
        }
        for (int i = 1; i <= 3; i++) {
            assertNull(os[i].poll(), "client " + i + " got nothing of the others'");
        }
        assertEquals(3, h.view.clients().size());
        assertEquals(0, h.view.counters().drops().getOrDefault(DropReason.QUEUE_FULL, 0L), "nothing dropped on an idle server");
    }

    @Test
    void aClosedStreamClosesThatClientOnlyAndTheOthersKeepTheirTraffic() throws Exception {
        TunnelRunner[] r = startThree(ServerPlan.defaults().withDataThreads(2));
        MemoryTunOsSide os1 = h.clientOs(1);
        MemoryTunOsSide os3 = h.clientOs(3);
        r[2].stop(TunnelReason.USER_STOP);
        MemoryRunners.awaitTrue(() -> h.clientNamed("client2") == null && h.released.contains("client2")
                && h.events.stream().anyMatch(e -> e.kind() == ServerClientEvent.Kind.DISCONNECT && e.client().commonName().equals("client2")),
                () -> "client2 still there, its address not released or no client-disconnect: " + h.view.clients() + " " + h.released
                        + "\n" + h.log.recent());
        exchange(1, os1, 10);
        exchange(3, os3, 10);
        assertEquals(2, h.view.clients().size());
        assertTrue(h.view.routes().stream().noneMatch(rt -> rt.commonName().equals("client2")), "client2's route is gone");
    }

    @Test
    void aBadFrameOrASilentConnectionCostsTheOthersNothing() throws Exception {
        h.startTcp(ServerPlan.defaults().withDataThreads(1), KEEPALIVE);
        h.client(1, KEEPALIVE);
        h.awaitEstablished("client1");
        MemoryTunOsSide os1 = h.clientOs(1);
        MemoryLinkSocket silent = rawConnection("silent" + h.id);
        MemoryLinkSocket bad = rawConnection("bad" + h.id);
        MemoryRunners.awaitTrue(() -> h.view.clients().size() == 3, () -> "three instances: " + h.view.clients());
        PacketBatch b = PacketBatch.allocate(1, 0, 64);
        b.slot(0).limit(0); // a zero length prefix: a bad frame
        b.count(1);
        assertEquals(1, bad.send(b, 0));
        MemoryRunners.awaitTrue(() -> h.view.clients().size() == 2, () -> "the bad frame's client is closed: " + h.view.clients());
        LinkException e = assertThrows(LinkException.class, () -> {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                PacketBatch in = PacketBatch.allocate(4, 0, 2048);
                bad.receive(in);
                Thread.onSpinWait();
            }
        });
        assertEquals(LinkException.Reason.CONNECTION_RESET, e.reason(), "the server closed the bad stream");
        exchange(1, os1, 10);
        silent.close();
        bad.close();
    }

    @Test
    void maxClientsClosesTheConnectionThatWouldExceedIt() throws Exception {
        h.startTcp(ServerPlan.defaults().withDataThreads(1).withMaxClients(1), KEEPALIVE);
        h.client(1, KEEPALIVE);
        h.awaitEstablished("client1");
        MemoryLinkSocket extra = rawConnection("extra" + h.id);
        LinkException e = assertThrows(LinkException.class, () -> {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                extra.receive(PacketBatch.allocate(4, 0, 2048));
                Thread.onSpinWait();
            }
        });
        assertEquals(LinkException.Reason.CONNECTION_RESET, e.reason());
        assertTrue(h.view.counters().drops().getOrDefault(DropReason.MAX_CLIENTS, 0L) >= 1, h.view.counters().drops().toString());
        assertEquals(1, h.view.clients().size());
        exchange(1, h.clientOs(1), 5);
        extra.close();
    }

    /**
     * A client that stops reading (its tun is not read, so it stops reading its link): its stream's
     * queue fills and what does not fit is dropped and counted, while another client's traffic flows
     * on; once it reads again, its traffic resumes.
     */
    @Test
    void aStalledClientsDropsAreItsOwn() throws Exception {
        h.startTcp(ServerPlan.defaults().withDataThreads(1), KEEPALIVE);
        h.client(1, KEEPALIVE);
        h.client(2, KEEPALIVE);
        h.awaitEstablished("client1", "client2");
        MemoryTunOsSide os1 = h.clientOs(1);
        MemoryTunOsSide os2 = h.clientOs(2);
        long deadline = System.nanoTime() + 20_000_000_000L;
        int sent = 0;
        while (h.view.counters().drops().getOrDefault(DropReason.QUEUE_FULL, 0L) == 0) {
            assertTrue(System.nanoTime() < deadline, "client2 never stalled the server's queue for it after " + sent + " packets");
            if (h.os.injectRoom() > 0 && h.os.inject(udp("10.9.0.1", clientAddress(2), "flood " + sent))) {
                sent++;
            } else {
                Thread.onSpinWait();
            }
        }
        exchange(1, os1, 20);
        // client2 reads again: everything queued for it drains, then a new packet gets through.
        byte[] marker = udp("10.9.0.1", clientAddress(2), "after the stall");
        boolean injected = false;
        while (true) {
            assertTrue(System.nanoTime() < deadline + 20_000_000_000L, "client2 never got the packet after its stall");
            if (!injected && h.os.injectRoom() > 0) {
                injected = h.os.inject(marker);
            }
            byte[] got = os2.take(100);
            if (got != null && java.util.Arrays.equals(marker, got)) {
                break;
            }
        }
        exchange(2, os2, 3);
    }
}
