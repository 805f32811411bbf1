package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.culvert.api.event.Waitable;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A link socket that, like the UDP transport with GRO, takes more packets from its queue than the
 * caller's batch holds and keeps the rest: its readability then no longer shows them. The loop must
 * read again before waiting after a full batch, or they would wait for the next packet to arrive.
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

    /** Wraps the memory transport's sockets so that each full read also takes the next batch and holds it. */
    private final class HoldingTransport implements LinkTransport {
        private final LinkTransport inner;

        HoldingTransport(LinkTransport inner) {
            this.inner = inner;
        }

        @Override
        public Set<LinkProtocol> protocols() {
            return inner.protocols();
        }

        @Override
        public LinkSocket open(LinkSpec spec) throws LinkException {
            return new HoldingSocket(inner.open(spec));
        }
    }

    private final class HoldingSocket implements LinkSocket {
        private final LinkSocket inner;
        private PacketBatch held;
        private int heldNext;

        HoldingSocket(LinkSocket inner) {
            this.inner = inner;
        }

        @Override
        public int receive(PacketBatch batch) throws LinkException {
            int max = Math.min(batch.capacity(), BATCH);
            if (held != null && heldNext < held.count()) {
                int n = 0;
                for (; n < max && heldNext < held.count(); n++, heldNext++) {
                    ByteBuffer from = held.slot(heldNext);
                    ByteBuffer to = batch.prepareSlot(n);
                    to.put(from.duplicate());
                    to.limit(to.position()).position(batch.headroom());
                    batch.source(n, held.source(heldNext));
                }
                batch.count(n);
                return n;
            }
            int n = inner.receive(batch);
            if (n == max) {
                if (held == null) {
                    held = PacketBatch.allocate(inner.batchSize(), batch.headroom(), batch.slotSize());
                }
                held.clear();
                heldNext = 0;
                heldBack.addAndGet(inner.receive(held));
            }
            return n;
        }

        @Override
        public int batchSize() {
            return BATCH;
        }

        @Override
        public LinkProtocol protocol() {
            return inner.protocol();
        }

        @Override
        public boolean establish(long timeoutMillis) throws LinkException {
            return inner.establish(timeoutMillis);
        }

        @Override
        public Waitable waitable() {
            return inner.waitable();
        }

        @Override
        public void prepareWait(int interest) {
            inner.prepareWait(interest);
        }

        @Override
        public int send(PacketBatch batch, int from) throws LinkException {
            return inner.send(batch, from);
        }

        @Override
        public SocketAddress remote() {
            return inner.remote();
        }

        @Override
        public void remote(SocketAddress address) {
            inner.remote(address);
        }

        @Override
        public SocketAddress local() {
            return inner.local();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private TunnelPlan plan(String me, String peer) {
        TunSpec tun = TunSpec.builder(TunLayer.TUN).name("mem" + me + id).build();
        LinkSpec link = LinkSpec.builder(LinkProtocol.UDP).local(me + id, 1194).remote(peer + id, 1194).build();
        return new TunnelPlan(tun, link, false, 1600, clock -> new PassthroughSession().peer(), "test");
    }

    @Test
    void packetsHeldBackBehindAFullBatchAreDeliveredWithoutFurtherTraffic() throws Exception {
        memory.linkTransport = new HoldingTransport(memory.transport);
        TunnelRunner a = memory.runner("ha" + id, plan("ha", "hb"), sinkA, new Counters(), LoopClock.SYSTEM);
        TunnelRunner b = memory.runner("hb" + id, plan("hb", "ha"), sinkB, new Counters(), LoopClock.SYSTEM);
        a.start();
        b.start();
        sinkA.await(TunnelState.UP, null, 5000);
        sinkB.await(TunnelState.UP, null, 5000);
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("memha" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("memhb" + id, 5000);

        // Several bursts, so that some read finds a full batch with more queued behind it.
        List<byte[]> sent = new ArrayList<>();
        for (int round = 0; round < 20 && heldBack.get() == 0; round++) {
            for (int i = 0; i < 3 * BATCH; i++) {
                byte[] p = Packets.ipv4Udp((Inet4Address) InetAddress.getByName("10.0.0.1"), 1000,
                        (Inet4Address) InetAddress.getByName("10.0.0.2"), 2000, ("p " + round + " " + i).getBytes());
                assertTrue(osA.inject(p));
                sent.add(p);
            }
            for (int k = sent.size() - 3 * BATCH; k < sent.size(); k++) {
                assertArrayEquals(sent.get(k), osB.take(5000), "packet " + k + " (held back: " + heldBack.get() + ")");
            }
        }
        assertTrue(heldBack.get() > 0, "some read held packets back");
    }
}
