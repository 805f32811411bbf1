package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A device that keeps packets of its own between reads ({@link SplittingTunDevice}, as the Linux
 * driver keeps the segments of a split GSO packet that did not fit the batch) while its waitable never
 * signals them: the point-to-point loop and the server's loop must read again after a read that
 * filled their batch, before they wait, or those packets would stall until the next packet from the
 * OS. One injected packet stands for 100, read 4 at a time.
 * On the way up, the device's and the link's offloads reach the status sink.
 */
class TunReadAgainTest {
    private static final AtomicInteger SEQ = new AtomicInteger(300);
    private final int id = SEQ.incrementAndGet();
    private final MemoryRunners memory = new MemoryRunners(SplittingTunDevice.Driver::new);
    private final RecordingSink sinkA = new RecordingSink();
    private final RecordingSink sinkB = new RecordingSink();

    @AfterEach
    void tearDown() {
        memory.stopAll();
    }

    private TunnelPlan plan(String me, String peer) {
        TunSpec tun = TunSpec.builder(TunLayer.TUN).name("mem" + me + id).build();
        LinkSpec link = LinkSpec.builder(LinkProtocol.UDP).local(me + id, 1194).remote(peer + id, 1194).build();
        return new TunnelPlan(tun, link, false, 1600, clock -> new PassthroughSession().peer(), "test");
    }

    private static byte[] packet(String payload) throws Exception {
        return Packets.ipv4Udp((Inet4Address) InetAddress.getByName("10.0.0.1"), 1000, (Inet4Address) InetAddress.getByName("10.0.0.2"),
                2000, payload.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void packetsKeptInTheDeviceAfterAFullBatchAreReadWithoutANewSignal() throws Exception {
        TunnelRunner a = memory.runner("ra" + id, plan("ra", "rb"), sinkA, new Counters(), LoopClock.SYSTEM);
        TunnelRunner b = memory.runner("rb" + id, plan("rb", "ra"), sinkB, new Counters(), LoopClock.SYSTEM);
        a.start();
        b.start();
        sinkA.await(TunnelState.UP, null, 5000);
        sinkB.await(TunnelState.UP, null, 5000);
        assertEquals("none | none", sinkA.offloads, "the device's and the link's offloads reach the status");
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("memra" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("memrb" + id, 5000);

        assertTrue(osA.inject(packet("SPLIT")));
        byte[] split = packet("SPLIT");
        for (int i = 0; i < SplittingTunDevice.SPLIT; i++) {
            byte[] got = osB.take(5000);
            assertNotNull(got, "part " + i + " of " + SplittingTunDevice.SPLIT + " never came: the loop waited with packets in the device");
            assertArrayEquals(SplittingTunDevice.part(split, i), got);
        }
    }

    @Test
    void theServerLoopReadsAgainToo() throws Exception {
        try (ServerHarness h = new ServerHarness()) {
            h.tunWrap = SplittingTunDevice::new;
            h.start(ServerPlan.defaults().withDataThreads(1), "ping 1\nping-restart 30\n");
            h.client(1, "ping 1\nping-restart 30\n");
            h.awaitEstablished("client1");
            // A client just established may still be lent to a handshake worker, which holds only 8 packets
            // for it: a packet each way first, so that the burst below meets the data thread itself.
            h.assertCarries(1, "before the burst");
            MemoryTunOsSide client = h.clientOs(1);
            byte[] split = ServerHarness.udp("10.9.0.1", ServerHarness.clientAddress(1), "SPLIT");
            assertTrue(h.os.inject(split));
            for (int i = 0; i < SplittingTunDevice.SPLIT; i++) {
                byte[] got = client.take(5000);
                assertNotNull(got, "part " + i + " never reached the client: the server's loop waited with packets in the device; "
                        + h.loop.counters().drops());
                assertArrayEquals(SplittingTunDevice.part(split, i), got);
            }
        }
    }
}
