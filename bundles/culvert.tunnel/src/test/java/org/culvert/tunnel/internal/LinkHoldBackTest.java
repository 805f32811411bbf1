package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Over a {@link HoldingLinkSocket} (packets held back behind a full batch, as the UDP transport's GRO
 * split may): the loops must read again before waiting after a full batch, or those packets would wait
 * for the next packet to arrive. No pings: nothing else wakes the loops.
 */
class LinkHoldBackTest {
    private static final AtomicInteger SEQ = new AtomicInteger(1300);
    private static final int BATCH = 4;
    private final int id = SEQ.incrementAndGet();
    private final MemoryRunners memory = new MemoryRunners();
    private final RecordingSink sinkA = new RecordingSink();
    private final RecordingSink sinkB = new RecordingSink();
    private final AtomicLong heldBack = new AtomicLong();

    @AfterEach
    void tearDown() {
        memory.stopAll();
    }

    private TunnelPlan plan(String me, String peer) {
        TunSpec tun = TunSpec.builder(TunLayer.TUN).name("mem" + me + id).build();
        LinkSpec link = LinkSpec.builder(LinkProtocol.UDP).local(me + id, 1194).remote(peer + id, 1194).build();
        return new TunnelPlan(tun, link, false, 1600, clock -> new PassthroughSession().peer(), "test");
    }

    @Test
    void packetsHeldBackBehindAFullBatchAreDeliveredWithoutFurtherTraffic() throws Exception {
        memory.linkTransport = HoldingLinkSocket.transport(memory.transport, BATCH, heldBack);
        TunnelRunner a = memory.runner("ha" + id, plan("ha", "hb"), sinkA, new Counters(), LoopClock.SYSTEM);
        TunnelRunner b = memory.runner("hb" + id, plan("hb", "ha"), sinkB, new Counters(), LoopClock.SYSTEM);
        a.start();
        b.start();
        sinkA.await(TunnelState.UP, null, 5000);
        sinkB.await(TunnelState.UP, null, 5000);
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("memha" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("memhb" + id, 5000);

        bursts(osA, "10.0.0.1", osB, "10.0.0.2");
    }

    /** Several bursts, so that some read finds a full batch with more queued behind it; no other traffic. */
    private void bursts(MemoryTunOsSide from, String src, MemoryTunOsSide to, String dst) throws Exception {
        List<byte[]> sent = new ArrayList<>();
        for (int round = 0; round < 20 && heldBack.get() == 0; round++) {
            for (int i = 0; i < 3 * BATCH; i++) {
                byte[] p = Packets.ipv4Udp((Inet4Address) InetAddress.getByName(src), 1000,
                        (Inet4Address) InetAddress.getByName(dst), 2000, ("p " + round + " " + i).getBytes());
                assertTrue(from.inject(p));
                sent.add(p);
            }
            for (int k = sent.size() - 3 * BATCH; k < sent.size(); k++) {
                assertArrayEquals(sent.get(k), to.take(5000), "packet " + k + " (held back: " + heldBack.get() + ")");
            }
        }
        assertTrue(heldBack.get() > 0, "some read held packets back");
    }

    @Test
    void theServerLoopReadsTheHeldBackPacketsToo() throws Exception {
        try (ServerHarness h = new ServerHarness()) {
            LinkSocket link = new MemoryLinkTransport(4096, 32).open(LinkSpec.builder(LinkProtocol.UDP).local("srv" + h.id, 1194).build());
            h.start(ServerPlan.defaults().withDataThreads(1), h.engines(""), h.addressing(), new HoldingLinkSocket(link, BATCH, heldBack));
            h.client(1, "");
            h.awaitEstablished("client1");
            bursts(h.clientOs(1), ServerHarness.clientAddress(1), h.os, "10.9.0.1");
        }
    }
}
