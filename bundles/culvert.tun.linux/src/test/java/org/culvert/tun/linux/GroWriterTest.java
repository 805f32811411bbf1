package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;

import com.sun.jna.Pointer;

import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.junit.jupiter.api.Test;

/** The GRO rules with crafted segments: the groups formed, the merged headers byte by byte, and partial writes. */
class GroWriterTest {
    private static final int HEADROOM = 32;

    /** Records every writev as the bytes it gathered; {@code verdict} maps the call number to 0 or an errno. */
    static final class Recorder implements GroWriter.Vectored {
        final List<byte[]> writes = new ArrayList<>();
        IntUnaryOperator verdict = call -> 0;
        int calls;
        int errno;

        @Override
        public long writev(long iov, int iovcnt) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Pointer p = new Pointer(iov);
            for (int i = 0; i < iovcnt; i++) {
                long base = p.getLong(i * 16L);
                long len = p.getLong(i * 16L + 8);
                out.writeBytes(new Pointer(base).getByteArray(0, (int) len));
            }
            byte[] gathered = out.toByteArray();
            errno = verdict.applyAsInt(calls++);
            if (errno != 0) {
                return -1;
            }
            writes.add(gathered);
            return gathered.length;
        }

        @Override
        public int errno() {
            return errno;
        }
    }

    /** One write decoded: the virtio header fields and the packet. */
    record Written(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset, byte[] packet) {
        static Written of(byte[] w) {
            ByteBuffer h = ByteBuffer.wrap(w).order(ByteOrder.nativeOrder());
            return new Written(h.get(0) & 0xFF, h.get(1) & 0xFF, h.getShort(2) & 0xFFFF, h.getShort(4) & 0xFFFF,
                    h.getShort(6) & 0xFFFF, h.getShort(8) & 0xFFFF, Arrays.copyOfRange(w, 10, w.length));
        }
    }

    static PacketBatch batch(TcpSegment... segments) {
        PacketBatch batch = PacketBatch.allocate(Math.max(segments.length, 1), HEADROOM, HEADROOM + 1600);
        for (int i = 0; i < segments.length; i++) {
            byte[] p = segments[i].bytes();
            ByteBuffer slot = batch.prepareSlot(i);
            slot.put(p).flip().position(HEADROOM);
        }
        batch.count(segments.length);
        return batch;
    }

    private final Recorder out = new Recorder();

    private List<Written> write(int capacity, TcpSegment... segments) throws Exception {
        return write(new GroWriter("test0", capacity, true, true), segments);
    }

    private List<Written> write(GroWriter writer, TcpSegment... segments) throws Exception {
        PacketBatch batch = batch(segments);
        assertEquals(segments.length, writer.write(batch, 0, DirectBuffers.address(batch.backing()), out));
        List<Written> result = new ArrayList<>();
        for (byte[] w : out.writes) {
            result.add(Written.of(w));
        }
        return result;
    }

    private List<Written> write(TcpSegment... segments) throws Exception {
        return write(64, segments);
    }

    /** The number of segments in each write, in write order. */
    private static List<Integer> shape(List<Written> writes) {
        List<Integer> s = new ArrayList<>();
        for (Written w : writes) {
            s.add(w.gsoType == 0 ? 1 : (payloadLength(w) + w.gsoSize - 1) / w.gsoSize);
        }
        return s;
    }

    private static int payloadLength(Written w) {
        return w.packet.length - w.hdrLen;
    }

    private static TcpSegment[] run(TcpSegment first, int n) {
        TcpSegment[] s = new TcpSegment[n];
        s[0] = first;
        for (int i = 1; i < n; i++) {
            s[i] = s[i - 1].following();
        }
        return s;
    }

    /** Checks a merged write as the kernel would use it: lengths, IPv4 header checksum, the TCP checksum once completed, payload. */
    private static void assertMerged(Written w, TcpSegment first, int segments, int dataBytes) {
        int ihl = first.ipHeaderLength();
        int thl = first.tcpHeaderLength();
        assertEquals(VirtioNetHdr.F_NEEDS_CSUM, w.flags);
        int type = first.udp ? VirtioNetHdr.GSO_UDP_L4 : first.version == 4 ? VirtioNetHdr.GSO_TCPV4 : VirtioNetHdr.GSO_TCPV6;
        assertEquals(type, w.gsoType);
        assertEquals(ihl + thl, w.hdrLen);
        assertEquals(first.payload, w.gsoSize);
        assertEquals(ihl, w.csumStart);
        assertEquals(first.udp ? 6 : 16, w.csumOffset);
        byte[] p = w.packet.clone();
        assertEquals(ihl + thl + dataBytes, p.length);
        ByteBuffer b = ByteBuffer.wrap(p);
        if (first.version == 4) {
            assertEquals(p.length, b.getShort(2) & 0xFFFF, "IPv4 total length");
            assertEquals(0xFFFF, TcpSegment.sum(p, 0, ihl, 0), "IPv4 header checksum");
            assertEquals(first.id, b.getShort(4) & 0xFFFF, "the first segment's id");
        } else {
            assertEquals(p.length - 40, b.getShort(4) & 0xFFFF, "IPv6 payload length");
        }
        if (first.udp) {
            assertEquals(p.length - ihl, b.getShort(ihl + 4) & 0xFFFF, "UDP length");
        }
        // What the kernel does with NEEDS_CSUM: sum from csum_start to the end, the field holding the
        // pseudo-header sum, and store the complement; the result must verify as a normal segment.
        int partial = TcpSegment.sum(p, w.csumStart, p.length - w.csumStart, 0);
        int completed = ~partial & 0xFFFF;
        p[w.csumStart + w.csumOffset] = (byte) (completed >>> 8);
        p[w.csumStart + w.csumOffset + 1] = (byte) completed;
        assertEquals(0xFFFF, TcpSegment.transportSum(p, first.version, ihl), "TCP checksum once completed");
        if (!first.udp) {
            assertEquals(first.seq, b.getInt(ihl + 4) & 0xFFFFFFFFL);
        }
        for (int i = 0; i < dataBytes; i++) {
            if (p[ihl + thl + i] != TcpSegment.payloadByte(first.seq + i)) {
                throw new AssertionError("payload byte " + i);
            }
        }
        assertEquals(segments, (dataBytes + w.gsoSize - 1) / w.gsoSize);
    }

    @Test
    void inOrderSegmentsBecomeOneWrite() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4(), 4);
        List<Written> w = write(s);
        assertEquals(1, w.size());
        assertMerged(w.get(0), s[0], 4, 4000);
        assertEquals(0x10, w.get(0).packet[20 + 13], "flags: ACK");
    }

    @Test
    void aSingleSegmentGoesOutWithAZeroHeader() throws Exception {
        TcpSegment s = TcpSegment.v4();
        List<Written> w = write(s);
        assertEquals(1, w.size());
        assertEquals(List.of(0, 0, 0, 0, 0, 0), List.of(w.get(0).flags, w.get(0).gsoType, w.get(0).hdrLen,
                w.get(0).gsoSize, w.get(0).csumStart, w.get(0).csumOffset));
        assertArrayEquals(s.bytes(), w.get(0).packet);
    }

    @Test
    void outOfOrderSegmentsAreNotMergedAndKeepTheirOrder() throws Exception {
        TcpSegment a = TcpSegment.v4();
        TcpSegment b = a.following();
        TcpSegment c = b.following();
        // c's id follows a's order of sending, not of arrival; only the sequence breaks here.
        List<Written> w = write(a, c.with(x -> x.id = b.id), b.with(x -> x.id = c.id));
        assertEquals(List.of(1, 1, 1), shape(w));
        assertEquals(a.seq, seqOf(w.get(0)));
        assertEquals(c.seq, seqOf(w.get(1)));
        assertEquals(b.seq, seqOf(w.get(2)));
    }

    @Test
    void aGapSplitsTheRun() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4(), 4);
        TcpSegment third = s[2].with(x -> x.seq += 1000);
        TcpSegment fourth = third.following();
        List<Written> w = write(s[0], s[1], third, fourth);
        assertEquals(2, w.size());
        assertMerged(w.get(0), s[0], 2, 2000);
        assertMerged(w.get(1), third, 2, 2000);
    }

    @Test
    void aDifferentAckOrWindowSplits() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4(), 3);
        assertEquals(List.of(2, 1), shape(write(s[0], s[1], s[2].with(x -> x.ack += 1))));
        out.writes.clear();
        assertEquals(List.of(2, 1), shape(write(s[0], s[1], s[2].with(x -> x.window += 1))));
    }

    @Test
    void differentOptionsSplit() throws Exception {
        byte[] ts1 = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 9};
        byte[] ts2 = {1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 9};
        TcpSegment[] s = run(TcpSegment.v4().with(x -> x.options = ts1), 3);
        List<Written> same = write(s);
        assertEquals(1, same.size());
        assertMerged(same.get(0), s[0], 3, 3000);
        out.writes.clear();
        assertEquals(List.of(2, 1), shape(write(s[0], s[1], s[2].with(x -> x.options = ts2))));
        out.writes.clear();
        assertEquals(List.of(2, 1), shape(write(s[0], s[1], s[2].with(x -> x.options = new byte[] {1, 1, 1, 1}))));
    }

    @Test
    void pshEndsAGroupAndIsCarriedOnTheMergedHeader() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4(), 4);
        s[1] = s[1].with(x -> x.flags = 0x18);
        List<Written> w = write(s);
        assertEquals(2, w.size());
        assertMerged(w.get(0), s[0], 2, 2000);
        assertEquals(0x18, w.get(0).packet[20 + 13], "PSH of the last member on the merged header");
        assertMerged(w.get(1), s[2], 2, 2000);
        assertEquals(0x10, w.get(1).packet[20 + 13]);
    }

    @Test
    void finSynRstUrgAndPureAcksGoAlone() throws Exception {
        for (int flags : new int[] {0x11, 0x12, 0x14, 0x30, 0x02}) {
            out.writes.clear();
            TcpSegment[] s = run(TcpSegment.v4(), 3);
            s[1] = s[1].with(x -> x.flags = flags);
            assertEquals(List.of(1, 1, 1), shape(write(s)), "flags " + flags);
        }
        out.writes.clear();
        TcpSegment[] s = run(TcpSegment.v4(), 3);
        s[1] = s[1].with(x -> x.payload = 0);
        s[2] = s[1].following();
        assertEquals(List.of(1, 1, 1), shape(write(s)), "a pure ACK");
    }

    @Test
    void ipv4OptionsFragmentsAndBadHeaderChecksumsGoAlone() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4().with(x -> x.ipOptions = 4), 3);
        assertEquals(List.of(1, 1, 1), shape(write(s)));
        out.writes.clear();
        TcpSegment[] f = run(TcpSegment.v4().with(x -> x.df = false), 3);
        List<Written> noDf = write(f);
        assertEquals(1, noDf.size(), "DF clear is no fragment");
        assertMerged(noDf.get(0), f[0], 3, 3000);
    }

    @Test
    void idsMustBeConsecutive() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4(), 3);
        s[2] = s[2].with(x -> x.id += 1);
        assertEquals(List.of(2, 1), shape(write(s)));
        out.writes.clear();
        TcpSegment[] wrap = run(TcpSegment.v4().with(x -> x.id = 0xFFFF), 2);
        assertEquals(0, wrap[1].id);
        assertEquals(List.of(2), shape(write(wrap)), "the id wraps");
    }

    @Test
    void ttlTosOrDfDifferingSplit() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4(), 2);
        assertEquals(List.of(1, 1), shape(write(s[0], s[1].with(x -> x.ttl = 63))));
        out.writes.clear();
        assertEquals(List.of(1, 1), shape(write(s[0], s[1].with(x -> x.tos = 2))));
        out.writes.clear();
        assertEquals(List.of(1, 1), shape(write(s[0], s[1].with(x -> x.df = false))));
    }

    @Test
    void interleavedFlowsEachBecomeOneWriteInTheOrderOfTheirFirstSegment() throws Exception {
        TcpSegment[] a = run(TcpSegment.v4(), 3);
        TcpSegment[] b = run(TcpSegment.v4().with(x -> x.sport = 40001), 2);
        TcpSegment[] c = run(TcpSegment.v4().with(x -> x.dst = new byte[] {10, 0, 0, 3}), 2);
        List<Written> w = write(a[0], b[0], c[0], a[1], b[1], a[2], c[1]);
        assertEquals(3, w.size());
        assertMerged(w.get(0), a[0], 3, 3000);
        assertMerged(w.get(1), b[0], 2, 2000);
        assertMerged(w.get(2), c[0], 2, 2000);
    }

    @Test
    void aSmallerLastSegmentEndsTheGroup() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4(), 3);
        s[2] = s[2].with(x -> x.payload = 500);
        TcpSegment after = s[2].following().with(x -> x.payload = 1000);
        List<Written> w = write(s[0], s[1], s[2], after);
        assertEquals(2, w.size());
        assertMerged(w.get(0), s[0], 3, 2500);
        assertEquals(1000, w.get(0).gsoSize);
        assertEquals(0, w.get(1).gsoType, "nothing follows a smaller segment");
    }

    @Test
    void aSegmentLargerThanTheFirstSplits() throws Exception {
        TcpSegment a = TcpSegment.v4().with(x -> x.payload = 500);
        TcpSegment b = a.following().with(x -> x.payload = 1000);
        assertEquals(List.of(1, 1), shape(write(a, b)));
    }

    @Test
    void aGroupStopsBelow64KiB() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4().with(x -> x.payload = 1400), 50);
        List<Written> w = write(s);
        int fit = (GroCoalescer.MAX_MERGED - 40) / 1400;
        assertEquals(2, w.size());
        assertMerged(w.get(0), s[0], fit, fit * 1400);
        assertTrue(w.get(0).packet.length <= 65535);
        assertMerged(w.get(1), s[fit], 50 - fit, (50 - fit) * 1400);
    }

    @Test
    void aGroupStopsBelowIovMax() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4().with(x -> x.payload = 1), 1100);
        List<Written> w = write(1100, s);
        assertEquals(List.of(GroCoalescer.MAX_SEGMENTS, 1100 - GroCoalescer.MAX_SEGMENTS), shape(w));
        assertMerged(w.get(0), s[0], GroCoalescer.MAX_SEGMENTS, GroCoalescer.MAX_SEGMENTS);
    }

    @Test
    void ipv6SegmentsMerge() throws Exception {
        TcpSegment[] s = run(TcpSegment.v6().with(x -> x.flowLabel = 0x12345), 5);
        s[4] = s[4].with(x -> x.payload = 10);
        List<Written> w = write(s);
        assertEquals(1, w.size());
        assertMerged(w.get(0), s[0], 5, 4010);
    }

    @Test
    void ipv6TrafficClassFlowLabelOrHopLimitDifferingSplit() throws Exception {
        TcpSegment[] s = run(TcpSegment.v6(), 2);
        assertEquals(List.of(1, 1), shape(write(s[0], s[1].with(x -> x.flowLabel = 7))));
        out.writes.clear();
        assertEquals(List.of(1, 1), shape(write(s[0], s[1].with(x -> x.tos = 4))));
        out.writes.clear();
        assertEquals(List.of(1, 1), shape(write(s[0], s[1].with(x -> x.ttl = 1))));
    }

    @Test
    void aSegmentWithABadChecksumIsNeverHiddenInAMergedOne() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4(), 4);
        s[1] = s[1].with(x -> x.badChecksum = true);
        List<Written> w = write(s);
        assertEquals(List.of(1, 1, 2), shape(w));
        assertArrayEquals(s[1].bytes(), w.get(1).packet, "the damaged one goes out as it came, for the kernel to drop");
        out.writes.clear();
        s = run(TcpSegment.v4(), 3);
        s[0] = s[0].with(x -> x.badChecksum = true);
        assertEquals(List.of(1, 2), shape(write(s)), "a damaged first segment");
    }

    @Test
    void mixedVersionsAndNonTcpPassThrough() throws Exception {
        TcpSegment v4 = TcpSegment.v4();
        TcpSegment v6 = TcpSegment.v6();
        List<Written> w = write(v4, v6);
        assertEquals(List.of(1, 1), shape(w));
        PacketBatch batch = batch(v4, v4.following(), v4.following().following());
        batch.backing().put(HEADROOM + 9, (byte) 17); // the first is now "UDP" (its header checksum is wrong too)
        out.writes.clear();
        GroWriter writer = new GroWriter("test0", 8, true);
        assertEquals(3, writer.write(batch, 0, DirectBuffers.address(batch.backing()), out));
        assertEquals(List.of(1, 2), shape(out.writes.stream().map(Written::of).toList()));
    }

    @Test
    void withDfAFixedIpv4IdMergesToo() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4(), 3);
        for (int i = 0; i < 3; i++) {
            s[i] = s[i].with(x -> x.id = 7);
        }
        List<Written> w = write(s);
        assertEquals(1, w.size());
        assertMerged(w.get(0), s[0], 3, 3000);
        out.writes.clear();
        TcpSegment[] noDf = run(TcpSegment.v4().with(x -> x.df = false), 2);
        assertEquals(List.of(1, 1), shape(write(noDf[0], noDf[1].with(x -> x.id = noDf[0].id))), "without DF the id must move");
        out.writes.clear();
        // Fixed then incrementing (or the reverse) is neither.
        assertEquals(List.of(2, 1), shape(write(s[0], s[1], s[2].with(x -> x.id = 8))));
        out.writes.clear();
        TcpSegment[] inc = run(TcpSegment.v4(), 3);
        assertEquals(List.of(2, 1), shape(write(inc[0], inc[1], inc[2].with(x -> x.id = inc[1].id))));
    }

    @Test
    void udpDatagramsMergeOnlyWhereTheTunHasUso() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4().with(x -> x.udp = true), 4);
        s[3] = s[3].with(x -> x.payload = 300);
        assertEquals(List.of(1, 1, 1, 1), shape(write(new GroWriter("test0", 8, true, false), s)), "no USO: never");
        out.writes.clear();
        GroWriter uso = new GroWriter("test0", 8, true, true);
        assertEquals("gro tcp udp", uso.offloads());
        List<Written> w = write(uso, s);
        assertEquals(1, w.size());
        assertMerged(w.get(0), s[0], 4, 3300);
        out.writes.clear();
        TcpSegment[] v6 = run(TcpSegment.v6().with(x -> x.udp = true), 3);
        w = write(uso, v6);
        assertEquals(1, w.size());
        assertMerged(w.get(0), v6[0], 3, 3000);
    }

    @Test
    void udpSizesChecksumsAndFlowsFollowTheRules() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4().with(x -> x.udp = true), 4);
        // The larger one starts a group of its own, which the next (smaller) datagram joins and ends.
        List<Written> w = write(s[0], s[1], s[2].with(x -> x.payload = 1200), s[3]);
        assertEquals(List.of(2, 2), shape(w), "larger after the first");
        assertEquals(1200, w.get(1).gsoSize);
        out.writes.clear();
        assertEquals(List.of(3, 1), shape(write(s[0], s[1], s[2].with(x -> x.payload = 10), s[3])), "nothing after a smaller one");
        out.writes.clear();
        assertEquals(List.of(1, 1, 2), shape(write(s[0], s[1].with(x -> x.zeroChecksum = true), s[2], s[3])), "no checksum: alone");
        out.writes.clear();
        assertEquals(List.of(1, 1, 2), shape(write(s[0], s[1].with(x -> x.badChecksum = true), s[2], s[3])), "bad checksum: alone");
        out.writes.clear();
        TcpSegment tcp = TcpSegment.v4().with(x -> x.id = s[1].id);
        assertEquals(List.of(1, 1, 1), shape(write(s[0], tcp, s[2].with(x -> x.sport = 9))), "protocol and ports are the flow");
    }

    @Test
    void batchesLargerThanTheCapacityAreWrittenInWindows() throws Exception {
        TcpSegment[] s = run(TcpSegment.v4(), 10);
        List<Written> w = write(4, s);
        assertEquals(List.of(4, 4, 2), shape(w));
    }

    @Test
    void wouldBlockConsumesAPrefixAndTheRetryWritesNothingTwice() throws Exception {
        TcpSegment[] a = run(TcpSegment.v4(), 2);
        TcpSegment[] b = run(TcpSegment.v4().with(x -> x.sport = 1), 2);
        TcpSegment c = TcpSegment.v4().with(x -> x.sport = 2);
        PacketBatch batch = batch(a[0], b[0], a[1], b[1], c);
        GroWriter writer = new GroWriter("test0", 8, true);
        long base = DirectBuffers.address(batch.backing());
        out.verdict = call -> call == 1 ? Errno.EAGAIN : 0;
        // {a0,a1} goes out; {b0,b1} would block: only slot 0 is a written prefix.
        assertEquals(1, writer.write(batch, 0, base, out));
        assertEquals(1, out.writes.size());
        out.verdict = call -> 0;
        assertEquals(4, writer.write(batch, 1, base, out));
        List<Written> w = out.writes.stream().map(Written::of).toList();
        assertEquals(List.of(2, 2, 1), shape(w), "a1 is not written again");
        assertMerged(w.get(1), b[0], 2, 2000);
        assertEquals(2, writer.mergedWrites());
    }

    @Test
    void aBatchRefilledAfterAPartialWriteIsWrittenWhole() throws Exception {
        TcpSegment[] a = run(TcpSegment.v4(), 2);
        TcpSegment[] b = run(TcpSegment.v4().with(x -> x.sport = 1), 2);
        PacketBatch batch = batch(a[0], b[0], a[1], b[1]);
        GroWriter writer = new GroWriter("test0", 8, true);
        long base = DirectBuffers.address(batch.backing());
        out.verdict = call -> call == 1 ? Errno.EAGAIN : 0;
        assertEquals(1, writer.write(batch, 0, base, out));
        // The caller gives up on the rest and fills the batch anew, same count: nothing may be skipped.
        TcpSegment[] c = run(TcpSegment.v4().with(x -> x.sport = 3), 4);
        PacketBatch fresh = batch(c);
        batch.backing().clear();
        batch.backing().put(fresh.backing().duplicate().clear());
        out.verdict = call -> 0;
        out.writes.clear();
        assertEquals(3, writer.write(batch, 1, base, out));
        List<Written> w = out.writes.stream().map(Written::of).toList();
        assertEquals(List.of(3), shape(w), "slots 1..3 of the new batch, none skipped");
        assertMerged(w.get(0), c[1], 3, 3000);
    }

    @Test
    void wouldBlockOnTheFirstWriteConsumesNothing() throws Exception {
        PacketBatch batch = batch(run(TcpSegment.v4(), 3));
        GroWriter writer = new GroWriter("test0", 8, true);
        out.verdict = call -> Errno.ENOBUFS;
        assertEquals(0, writer.write(batch, 0, DirectBuffers.address(batch.backing()), out));
        out.verdict = call -> 0;
        assertEquals(3, writer.write(batch, 0, DirectBuffers.address(batch.backing()), out));
        assertEquals(List.of(3), shape(out.writes.stream().map(Written::of).toList()));
    }

    @Test
    void aRefusedMergeIsWrittenSegmentBySegmentAndRepeatedRefusalsTurnGroOff() throws Exception {
        GroWriter writer = new GroWriter("test0", 8, true);
        assertEquals("gro tcp", writer.offloads());
        // The kernel refuses every merged packet (EINVAL), accepts plain ones.
        out.verdict = call -> 0;
        GroWriter.Vectored refusing = new GroWriter.Vectored() {
            @Override
            public long writev(long iov, int iovcnt) {
                if (iovcnt > 2) {
                    out.errno = Errno.EINVAL;
                    return -1;
                }
                return out.writev(iov, iovcnt);
            }

            @Override
            public int errno() {
                return out.errno;
            }
        };
        for (int round = 1; round <= GroWriter.REFUSALS_OFF + 1; round++) {
            out.writes.clear();
            PacketBatch batch = batch(run(TcpSegment.v4(), 3));
            assertEquals(3, writer.write(batch, 0, DirectBuffers.address(batch.backing()), refusing));
            assertEquals(List.of(1, 1, 1), shape(out.writes.stream().map(Written::of).toList()), "nothing lost");
            assertEquals(Math.min(round, GroWriter.REFUSALS_OFF), writer.refusedMerges());
            assertEquals(round < GroWriter.REFUSALS_OFF, writer.coalescing());
        }
        assertEquals("gro off (merged writes refused)", writer.offloads());
        assertEquals(0, writer.mergedWrites());
    }

    @Test
    void aFailingDeviceIsAnError() throws Exception {
        GroWriter writer = new GroWriter("test0", 8, true);
        PacketBatch batch = batch(run(TcpSegment.v4(), 2));
        out.verdict = call -> Errno.EBADF;
        org.culvert.api.tun.TunException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.culvert.api.tun.TunException.class,
                () -> writer.write(batch, 0, DirectBuffers.address(batch.backing()), out));
        assertEquals(org.culvert.api.tun.TunException.Reason.CLOSED, e.reason());
    }

    @Test
    void groOffWritesEverySegmentAlone() throws Exception {
        GroWriter writer = new GroWriter("test0", 8, false);
        PacketBatch batch = batch(run(TcpSegment.v4(), 3));
        assertEquals(3, writer.write(batch, 0, DirectBuffers.address(batch.backing()), out));
        assertEquals(List.of(1, 1, 1), shape(out.writes.stream().map(Written::of).toList()));
        assertFalse(writer.coalescing());
        assertEquals("gro off", writer.offloads());
    }

    @Test
    void writingAllocatesNothing() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        TcpSegment[] a = run(TcpSegment.v4(), 8);
        TcpSegment[] b = run(TcpSegment.v6(), 8);
        TcpSegment[] mixed = new TcpSegment[16];
        for (int i = 0; i < 8; i++) {
            mixed[2 * i] = a[i];
            mixed[2 * i + 1] = b[i];
        }
        PacketBatch batch = batch(mixed);
        GroWriter writer = new GroWriter("test0", 16, true);
        long base = DirectBuffers.address(batch.backing());
        GroWriter.Vectored sink = new GroWriter.Vectored() {
            @Override
            public long writev(long iov, int iovcnt) {
                return 1;
            }

            @Override
            public int errno() {
                return 0;
            }
        };
        for (int i = 0; i < 20_000; i++) {
            writer.write(batch, 0, base, sink);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        long started = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            writer.write(batch, 0, base, sink);
        }
        long nanos = System.nanoTime() - started;
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.printf("[reliability] gro planning and merged headers (no syscall): %.0f ns per segment"
                + " (16 segments of 1000 bytes, 2 flows, 10000 batches, checksums verified)%n", nanos / 160_000.0);
        assertEquals(60_000, writer.mergedWrites(), "two merged writes per call");
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes over 10000 calls");
    }

    private static long seqOf(Written w) {
        int ihl = (w.packet[0] & 0x0F) * 4;
        return ByteBuffer.wrap(w.packet).getInt(ihl + 4) & 0xFFFFFFFFL;
    }
}
