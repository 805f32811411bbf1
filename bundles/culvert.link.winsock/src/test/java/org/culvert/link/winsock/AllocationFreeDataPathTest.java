package org.culvert.link.winsock;

import static org.culvert.link.winsock.WinsockUdpTest.fill;
import static org.culvert.link.winsock.WinsockUdpTest.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.culvert.api.event.EventSet;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.junit.jupiter.api.Test;

/**
 * Steady-state receive, send and prepareWait allocate nothing per packet. Measured over natives that
 * allocate nothing themselves ({@link EchoNatives}), so only the transport's own allocations count.
 */
class AllocationFreeDataPathTest {
    private static final int PACKETS = 16;
    private final WinsockLinkTransport transport = new WinsockLinkTransport(new EchoNatives.Ws2(), new EchoNatives.Kernel32(), 64);

    @Test
    void udpSteadyStateAllocatesNothing() throws Exception {
        try (LinkSocket s = transport.open(LinkSpec.builder(LinkProtocol.UDP).family(AddressFamily.IPV4)
                .local("127.0.0.1", 0).remote("127.0.0.1", 5000).build())) {
            assertSteadyStateAllocatesNothing(s);
        }
    }

    @Test
    void tcpSteadyStateAllocatesNothing() throws Exception {
        try (LinkSocket s = transport.open(LinkSpec.builder(LinkProtocol.TCP_CLIENT).family(AddressFamily.IPV4)
                .bind(false).remote("127.0.0.1", 5000).build())) {
            assertTrue(s.establish(1_000));
            assertSteadyStateAllocatesNothing(s);
        }
    }

    private static void assertSteadyStateAllocatesNothing(LinkSocket s) throws LinkException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        PacketBatch out = PacketBatch.allocate(PACKETS, 40, 40 + 1650 + 16);
        PacketBatch in = PacketBatch.allocate(PACKETS, 40, 40 + 1650 + 16);
        for (int i = 0; i < PACKETS; i++) {
            fill(out, i, payload(i, 300 + i));
        }
        out.count(PACKETS);
        exchange(s, out, in, 500);
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        exchange(s, out, in, 2_000);
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 16 * 1024, "steady state allocated " + allocated + " bytes for " + 2_000 * PACKETS * 2 + " packets");
    }

    private static void exchange(LinkSocket s, PacketBatch out, PacketBatch in, int rounds) throws LinkException {
        for (int round = 0; round < rounds; round++) {
            s.prepareWait(EventSet.WRITE);
            assertEquals(PACKETS, s.send(out, 0));
            s.prepareWait(EventSet.READ);
            assertEquals(PACKETS, s.receive(in));
            assertEquals(300 + PACKETS - 1, in.slot(PACKETS - 1).remaining());
            assertNull(in.source(0));
        }
    }
}
