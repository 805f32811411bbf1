package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.event.Waitable;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.plugin.Availability;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A device that keeps packets of its own between reads (as the Linux driver keeps the segments of a
 * split GSO packet that did not fit the batch) while its waitable never signals them: the
 * point-to-point loop must read again after a read that filled its batch, before it waits, or they
 * would stall until the next packet from the OS. Here one injected packet stands for 100, read 4 at a time.
 * On the way up, the device's and the link's offloads reach the status sink.
 */
class TunReadAgainTest {
    private static final AtomicInteger SEQ = new AtomicInteger(300);
    private static final int SPLIT = 100;
    private final int id = SEQ.incrementAndGet();
    private final MemoryRunners memory = new MemoryRunners(SplittingDriver::new);
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
        for (int i = 0; i < SPLIT; i++) {
            byte[] got = osB.take(5000);
            assertNotNull(got, "part " + i + " of " + SPLIT + " never came: the loop waited with packets in the device");
            assertArrayEquals(packet("part " + i), got);
        }
    }

    /** Wraps the memory driver: its devices read at most 4 packets per call and turn "SPLIT" into 100 held packets. */
    private static final class SplittingDriver implements TunDriver {
        private final TunDriver inner;

        SplittingDriver(TunDriver inner) {
            this.inner = inner;
        }

        @Override
        public Availability availability() {
            return inner.availability();
        }

        @Override
        public TunDevice open(TunSpec spec) throws TunException {
            return new SplittingDevice(inner.open(spec));
        }
    }

    private static final class SplittingDevice implements TunDevice {
        private final TunDevice inner;
        private final ArrayDeque<byte[]> held = new ArrayDeque<>();
        private final PacketBatch one = PacketBatch.allocate(1, 0, 2000);

        SplittingDevice(TunDevice inner) {
            this.inner = inner;
        }

        @Override
        public int read(PacketBatch batch) throws TunException {
            int max = Math.min(batch.capacity(), batchSize());
            int count = 0;
            while (count < max) {
                byte[] p = held.poll();
                if (p == null) {
                    one.clear();
                    if (inner.read(one) == 0) {
                        break;
                    }
                    ByteBuffer s = one.slot(0);
                    byte[] b = new byte[s.remaining()];
                    s.get(b);
                    held.addAll(expand(b));
                    continue;
                }
                ByteBuffer slot = batch.prepareSlot(count++);
                slot.put(p).flip().position(batch.headroom());
            }
            batch.count(count);
            return count;
        }

        private static List<byte[]> expand(byte[] p) {
            List<byte[]> out = new ArrayList<>();
            if (!new String(p, StandardCharsets.US_ASCII).endsWith("SPLIT")) {
                out.add(p);
                return out;
            }
            try {
                for (int i = 0; i < SPLIT; i++) {
                    out.add(packet("part " + i));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return out;
        }

        @Override
        public int batchSize() {
            return 4;
        }

        @Override
        public int write(PacketBatch batch, int from) throws TunException {
            return inner.write(batch, from);
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public int mtu() {
            return inner.mtu();
        }

        @Override
        public TunLayer layer() {
            return inner.layer();
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
        public void close() {
            inner.close();
        }
    }
}
