package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.NativeFd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link VnetTunReader} fed through a unix datagram socket pair (one datagram per read, as the tun
 * gives one packet per read) with headers the kernel would never send: every bad one is a counted
 * drop and the good packets around it are read; a GSO packet larger than the batch is handed out
 * over several reads.
 */
class VnetTunReaderTest {
    private static final int SOCK_DGRAM = 2;
    private final int[] pair = new int[2];
    private NativeFd readEnd;
    private final VnetTunReader reader = new VnetTunReader("test0");
    private final PacketBatch batch = PacketBatch.allocate(4, 32, 32 + 1500);
    private final ByteBuffer out = DirectBuffers.allocateNative(70_000).order(ByteOrder.BIG_ENDIAN);
    private final long outAddress = DirectBuffers.address(out);
    /** The header's view of {@link #out}: its 16-bit fields are in the host's order. */
    private final ByteBuffer header = out.duplicate().order(ByteOrder.nativeOrder());

    @BeforeEach
    void pair() {
        assertEquals(0, LibC.socketpair(LibC.AF_UNIX, SOCK_DGRAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0, pair));
        readEnd = new NativeFd(pair[0]);
    }

    @AfterEach
    void close() {
        readEnd.close();
        LibC.close(pair[1]);
    }

    /** Sends one header and packet as the kernel would hand them up. */
    private void send(int flags, int gsoType, int gsoSize, int csumStart, int csumOffset, ByteBuffer packet) {
        header.put(0, (byte) flags).put(1, (byte) gsoType).putShort(2, (short) 0).putShort(4, (short) gsoSize)
                .putShort(6, (short) csumStart).putShort(8, (short) csumOffset);
        out.put(VirtioNetHdr.LEN, packet, 0, packet.limit());
        long n = LibC.write(pair[1], outAddress, VirtioNetHdr.LEN + packet.limit());
        if (n != VirtioNetHdr.LEN + packet.limit()) {
            throw new AssertionError("sent " + n + ", errno " + LibC.errno());
        }
    }

    private int read() throws Exception {
        batch.clear();
        return reader.read(readEnd, batch, batch.capacity());
    }

    private ByteBuffer packet(int i) {
        return batch.slot(i).slice();
    }

    @Test
    void aGsoPacketLargerThanTheBatchIsHandedOutOverSeveralReadsWithoutTheDescriptor() throws Exception {
        ByteBuffer big = GsoSplitTest.tcp4(GsoSplitTest.payload(10 * 1000), 0, 0x19, 100, 1);
        send(VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_TCPV4, 1000, 20, 16, big);
        long seq = 100;
        int total = 0;
        for (int expected : new int[] {4, 4, 2}) {
            assertEquals(expected, read());
            for (int i = 0; i < expected; i++) {
                ByteBuffer p = packet(i);
                assertTrue(IpCheck.ipv4HeaderValid(p) && IpCheck.l4Valid(p), "segment " + total);
                assertEquals(seq, p.getInt(24) & 0xFFFF_FFFFL);
                assertEquals(total == 9, (p.get(33) & 0x01) != 0, "FIN on the last only");
                seq += p.limit() - IpCheck.headersLength(p);
                total++;
            }
            assertEquals(total < 10, reader.pending());
        }
        assertEquals(0, read());
        assertEquals(1, reader.gsoPackets());
        assertEquals(10, reader.gsoSegments());
    }

    @Test
    void badHeadersAreCountedDropsAndTheNextPacketIsRead() throws Exception {
        ByteBuffer good = GsoSplitTest.udp4(GsoSplitTest.payload(100));
        IpCheck.fillChecksums(good);
        ByteBuffer big = GsoSplitTest.tcp4(GsoSplitTest.payload(3000), 0, 0x10, 1, 1);
        send(0, VirtioNetHdr.GSO_TCPV4, 0, 20, 16, big); // gso_size 0
        send(0, VirtioNetHdr.GSO_TCPV6, 1000, 40, 16, big); // TCPV6 on an IPv4 packet
        send(0, 42, 1000, 20, 16, big); // unknown type
        send(VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_NONE, 0, 5000, 6, good); // csum_start past the end
        send(VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_NONE, 0, 20, 200, good); // csum_offset past the end
        LibC.write(pair[1], outAddress, 6); // shorter than a header
        send(0, VirtioNetHdr.GSO_NONE, 0, 0, 0, good);
        int n = 0;
        for (int i = 0; i < 4 && n == 0; i++) {
            n = read(); // at most `capacity` drops per read
        }
        assertEquals(1, n);
        assertEquals(good.limit(), packet(0).limit());
        assertTrue(IpCheck.l4Valid(packet(0)));
        assertEquals(6, reader.malformed());
        assertEquals(0, reader.gsoPackets());
    }

    @Test
    void partialChecksumsAreCompletedAndOversizedPacketsDropped() throws Exception {
        ByteBuffer udp = GsoSplitTest.udp4(GsoSplitTest.payload(300));
        IpCheck.fillChecksums(udp);
        udp.putShort(26, (short) InetChecksum.fold(InetChecksum.pseudoHeader(udp, 0, 17, udp.limit() - 20)));
        assertFalse(IpCheck.l4Valid(udp));
        send(VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_NONE, 0, 20, 6, udp);
        send(0, VirtioNetHdr.GSO_NONE, 0, 0, 0, GsoSplitTest.udp4(GsoSplitTest.payload(2000))); // larger than a slot
        // gso_size larger than a slot: the whole packet is dropped (its last, shorter segment too)
        send(0, VirtioNetHdr.GSO_TCPV4, 1600, 20, 16, GsoSplitTest.tcp4(GsoSplitTest.payload(4000), 0, 0x10, 1, 1));
        assertEquals(1, read());
        assertTrue(IpCheck.l4Valid(packet(0)), "checksum completed");
        assertEquals(1, reader.checksumsCompleted());
        assertEquals(2, reader.oversized());
        assertEquals(0, reader.gsoSegments());
        assertEquals(0, read());
    }

    @Test
    void splittingAllocatesNothing() throws Exception {
        ByteBuffer big = GsoSplitTest.tcp4(GsoSplitTest.payload(8 * 1400), 0, 0x18, 1, 1);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = 0;
        int segments = 0;
        for (int round = 0; round < 3000; round++) {
            if (round == 1000) {
                before = mx.getThreadAllocatedBytes(tid);
                segments = 0;
            }
            send(VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_TCPV4, 1400, 20, 16, big);
            for (int n = read(); n > 0; n = read()) {
                segments += n;
            }
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertEquals(2000 * 8, segments);
        assertTrue(allocated < 20_000, "allocated " + allocated + " bytes splitting 2000 GSO packets");
    }
}
