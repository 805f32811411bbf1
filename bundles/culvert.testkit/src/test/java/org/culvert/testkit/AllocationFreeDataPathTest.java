package org.culvert.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The memory plugins' data paths allocate nothing per packet once warm, so benchmarks built on them
 * measure the core and not the test kit. Measured with the JVM's per-thread allocation counter over
 * rounds of {@value #PACKETS} packets: the smallest object takes 16 bytes, so an allocation per packet
 * shows as at least that much per packet. The bound leaves room for what a readiness change of a
 * {@link org.culvert.api.event.SignalWaitable} may cost (an iterator over its watchers, unless the JIT
 * removed it), which happens a couple of times per round, not per packet.
 */
class AllocationFreeDataPathTest {
    private static final int PACKETS = 16;
    private static final int WARM_UP = 5_000;
    private static final int ROUNDS = 5_000;
    private static final long BOUND_PER_PACKET = 8;
    private com.sun.management.ThreadMXBean threads;

    @BeforeEach
    void allocationCounter() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no allocation counter in this JVM");
        threads = (com.sun.management.ThreadMXBean) mx;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    }

    private interface Round {
        void run() throws Exception;
    }

    /** Average bytes this thread allocates per packet, over rounds of {@value #PACKETS} packets after a warm-up. */
    private long bytesPerPacket(Round round) throws Exception {
        for (int i = 0; i < WARM_UP; i++) {
            round.run();
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < ROUNDS; i++) {
            round.run();
        }
        return (threads.getThreadAllocatedBytes(tid) - before) / ((long) ROUNDS * PACKETS);
    }

    @Test
    void tunInjectReadWriteAndTake() throws Exception {
        MemoryTunDevice device = new MemoryTunDriver(4 * PACKETS, PACKETS).open(TunSpec.builder(TunLayer.TUN).name("alloc-tun").build());
        MemoryEventSet set = new MemoryEventBackend().open(1);
        try {
            MemoryTunOsSide os = device.osSide();
            Inet4Address a = (Inet4Address) InetAddress.getByName("10.1.0.1");
            ByteBuffer packet = ByteBuffer.wrap(Packets.ipv4Udp(a, 1, a, 2, new byte[1200]));
            ByteBuffer taken = ByteBuffer.allocate(2000);
            PacketBatch batch = PacketBatch.allocate(PACKETS, 64, 1600);
            set.ctl(device.waitable(), EventSet.READ, 2);
            ReadyEvents ready = new ReadyEvents(1);

            long perPacket = bytesPerPacket(() -> {
                for (int i = 0; i < PACKETS; i++) {
                    os.inject(packet);
                }
                set.wait(0, ready);
                int n = device.read(batch);
                device.write(batch, 0);
                for (int i = 0; i < n; i++) {
                    taken.clear();
                    os.poll(taken);
                }
            });

            assertEquals(PACKETS, batch.count());
            assertTrue(perPacket < BOUND_PER_PACKET, "about " + perPacket + " bytes allocated per packet");
        } finally {
            set.close();
            device.close();
        }
    }

    @Test
    void linkSendAndReceiveOverDatagramAndStream() throws Exception {
        MemoryLinkTransport transport = new MemoryLinkTransport(4 * PACKETS, PACKETS);
        try {
            MemoryLinkSocket a = transport.open(LinkSpec.builder(LinkProtocol.UDP).local("alloc-a", 1).remote("alloc-b", 1).build());
            MemoryLinkSocket b = transport.open(LinkSpec.builder(LinkProtocol.UDP).local("alloc-b", 1).remote("alloc-a", 1).build());
            long datagram = roundTrip(a, b);
            assertTrue(datagram < BOUND_PER_PACKET, "datagram: about " + datagram + " bytes allocated per packet");

            MemoryLinkSocket server = transport.open(LinkSpec.builder(LinkProtocol.TCP_SERVER).local("alloc-s", 1).build());
            MemoryLinkSocket client = transport.open(LinkSpec.builder(LinkProtocol.TCP_CLIENT).bind(false).remote("alloc-s", 1).build());
            assertTrue(client.establish(1_000) && server.establish(1_000));
            long stream = roundTrip(client, server);
            assertTrue(stream < BOUND_PER_PACKET, "stream: about " + stream + " bytes allocated per packet");

            MemoryNetwork.impair(a.local(), b.local(), new NoisyWire(1).drop(0.1).duplicate(0.1).reorder(0.1).corrupt(0.1));
            long impaired = roundTrip(a, b);
            assertTrue(impaired < BOUND_PER_PACKET, "impaired datagram: about " + impaired + " bytes allocated per packet");
        } finally {
            MemoryNetwork.clearImpairments();
            transport.closeAll();
        }
    }

    private long roundTrip(MemoryLinkSocket from, MemoryLinkSocket to) throws Exception {
        PacketBatch out = PacketBatch.allocate(PACKETS, 32, 1700);
        for (int i = 0; i < PACKETS; i++) {
            ByteBuffer slot = out.prepareSlot(i);
            slot.limit(slot.position() + 1000);
        }
        out.count(PACKETS);
        PacketBatch in = PacketBatch.allocate(PACKETS, 32, 1700);
        return bytesPerPacket(() -> {
            assertEquals(PACKETS, from.send(out, 0));
            while (to.receive(in) > 0) {
                // drain, duplicates included
            }
        });
    }
}
