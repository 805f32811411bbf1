package org.culvert.tun.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunException;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.LibC;

/**
 * Writes a batch to a tun opened with {@code IFF_VNET_HDR}: the TCP segments {@link GroCoalescer}
 * groups go out as one {@code writev(2)} each (a virtio header {@code GSO_TCPV4}/{@code GSO_TCPV6}
 * with {@code NEEDS_CSUM}, the merged headers, then every member's payload straight from its slot),
 * everything else one packet per {@code writev} behind a zero virtio header ({@code GSO_NONE}).
 *
 * <p>The {@link org.culvert.api.tun.TunDevice#write} contract holds: a write that meets
 * {@code EAGAIN}/{@code ENOBUFS} consumes none of its packets, and the count returned is a prefix
 * of the packets offered. Since groups reorder the packets of different flows, some packets after
 * that prefix may already be out: they are remembered (with a fingerprint of each slot) and skipped
 * when the caller retries the same, unchanged batch from the returned index, so none is written twice. A merged packet the kernel refuses
 * ({@code EINVAL}, {@code EFAULT}, {@code EMSGSIZE}) is written again member by member (counted);
 * after {@link #REFUSALS_OFF} refusals in a row without a merged write accepted, coalescing turns
 * off for the device's life (logged once, shown by {@link #offloads()}).
 *
 * <p>Native memory (iovecs, header scratch) and the planner's arrays are allocated once:
 * writing allocates nothing. Not thread-safe: the device's writing thread only.
 */
final class GroWriter {
    private static final System.Logger LOG = System.getLogger(GroWriter.class.getName());

    /** Offsets of the checksum field in a TCP and a UDP header. */
    static final int TCP_CSUM_OFFSET = 16;
    static final int UDP_CSUM_OFFSET = 6;
    /** Merged writes refused in a row, none accepted between, after which coalescing turns off. */
    static final int REFUSALS_OFF = 4;

    /** The one syscall the writer makes; {@link #errno()} is read right after a failed call. */
    interface Vectored {
        /** {@code writev(fd, iov, iovcnt)}: bytes written or -1. */
        long writev(long iov, int iovcnt);

        int errno();
    }

    private enum Outcome { WRITTEN, AGAIN, REFUSED }

    private final String name;
    private final boolean udp;
    private final GroCoalescer planner;
    private final int capacity;
    private final int[] offsets;
    private final int[] lengths;
    private final boolean[] written;
    private final ByteBuffer iov;
    private final long iovAddress;
    /** Virtio header then merged IP and TCP headers: big-endian view for the IP/TCP fields. */
    private final ByteBuffer head;
    /** Same memory in the host's order, for the virtio header fields (a legacy virtio header is native-endian). */
    private final ByteBuffer headNative;
    private final long headAddress;
    /** A zero virtio header for packets written alone. */
    private final long zeroHeaderAddress;
    private final ByteBuffer zeroHeader;

    private volatile boolean coalescing;
    private volatile String offOutcome;
    private int refusalsInARow;

    // Packets already out beyond the prefix a partial write returned, for the retry of the same batch.
    private PacketBatch pendingBatch;
    private int pendingFrom;
    private int pendingCount;
    private final boolean[] pendingWritten;
    /** A fingerprint of each slot after the prefix, so a batch refilled in between is not taken for the retry. */
    private final long[] pendingSignature;

    private long mergedWrites;
    private long mergedPackets;
    private long refusedMerges;
    private long singleWrites;

    /**
     * @param capacity packets planned together (the device's batch size); larger batches are
     *        written in windows of this many
     * @param coalescing false writes every packet alone (GRO off)
     */
    GroWriter(String name, int capacity, boolean coalescing) {
        this(name, capacity, coalescing, false);
    }

    /** @param udp also merge UDP datagrams ({@code GSO_UDP_L4}): only for a tun given {@code TUN_F_USO4/6} */
    GroWriter(String name, int capacity, boolean coalescing, boolean udp) {
        this.name = name;
        this.capacity = capacity;
        this.udp = udp;
        this.planner = new GroCoalescer(capacity, udp);
        this.offsets = new int[capacity];
        this.lengths = new int[capacity];
        this.written = new boolean[capacity];
        this.pendingWritten = new boolean[capacity];
        this.pendingSignature = new long[capacity];
        // One header iovec plus every member's payload, or a zero header plus one packet.
        this.iov = DirectBuffers.allocateNative((capacity + 2) * LibC.IOVEC_SIZE);
        this.iovAddress = DirectBuffers.address(iov);
        this.head = ByteBuffer.allocateDirect(VirtioNetHdr.LEN + 60 + 60).order(ByteOrder.BIG_ENDIAN);
        this.headNative = head.duplicate().order(ByteOrder.nativeOrder());
        this.headAddress = DirectBuffers.address(head);
        this.zeroHeader = DirectBuffers.allocateNative(VirtioNetHdr.LEN);
        this.zeroHeaderAddress = DirectBuffers.address(zeroHeader);
        this.coalescing = coalescing;
    }

    boolean coalescing() {
        return coalescing;
    }

    /** For {@code offloads()}: {@code "gro tcp"}, {@code "gro off"} or why it went off. */
    String offloads() {
        if (coalescing) {
            return udp ? "gro tcp udp" : "gro tcp";
        }
        String why = offOutcome;
        return why == null ? "gro off" : "gro off (" + why + ")";
    }

    long mergedWrites() {
        return mergedWrites;
    }

    long mergedPackets() {
        return mergedPackets;
    }

    long refusedMerges() {
        return refusedMerges;
    }

    long singleWrites() {
        return singleWrites;
    }

    /**
     * Writes slots {@code from..batch.count()-1}; {@code base} is the address of the batch's backing buffer.
     *
     * @return packets consumed from {@code from}; fewer means would-block
     */
    int write(PacketBatch batch, int from, long base, Vectored out) throws TunException {
        int count = batch.count();
        int i = from;
        while (i < count) {
            int n = Math.min(count - i, capacity);
            int done = writeWindow(batch, i, n, base, out);
            i += done;
            if (done < n) {
                break;
            }
        }
        return i - from;
    }

    private int writeWindow(PacketBatch batch, int from, int n, long base, Vectored out) throws TunException {
        boolean resume = batch == pendingBatch && from == pendingFrom && batch.count() == pendingCount;
        pendingBatch = null;
        for (int k = 0; k < n; k++) {
            ByteBuffer slot = batch.slot(from + k);
            offsets[k] = batch.slotOffset(from + k) + slot.position();
            written[k] = resume && pendingWritten[k] && pendingSignature[k] == signature(batch, from + k);
            lengths[k] = written[k] ? -1 : slot.remaining();
        }
        if (!coalescing) {
            for (int k = 0; k < n; k++) {
                if (!written[k] && !writeAlone(k, base, out)) {
                    return stop(batch, from, n);
                }
            }
            return n;
        }
        int groups = planner.plan(batch.backing(), offsets, lengths, n);
        for (int g = 0; g < groups; g++) {
            int k = planner.head(g);
            if (planner.members(g) > 1) {
                Outcome o = writeMerged(g, base, out);
                if (o == Outcome.AGAIN) {
                    return stop(batch, from, n);
                }
                if (o == Outcome.WRITTEN) {
                    for (int m = k; m >= 0; m = planner.next(m)) {
                        written[m] = true;
                    }
                    continue;
                }
                refused();
            }
            for (int m = k; m >= 0; m = planner.next(m)) {
                if (!writeAlone(m, base, out)) {
                    return stop(batch, from, n);
                }
            }
        }
        return n;
    }

    /** Ends a window at would-block: returns the written prefix and remembers what is out beyond it. */
    private int stop(PacketBatch batch, int from, int n) {
        int prefix = 0;
        while (prefix < n && written[prefix]) {
            prefix++;
        }
        boolean beyond = false;
        for (int k = prefix; k < n; k++) {
            pendingWritten[k - prefix] = written[k];
            pendingSignature[k - prefix] = signature(batch, from + k);
            beyond |= written[k];
        }
        if (beyond) {
            pendingBatch = batch;
            pendingFrom = from + prefix;
            pendingCount = batch.count();
            for (int k = n - prefix; k < capacity; k++) {
                pendingWritten[k] = false;
            }
        }
        return prefix;
    }

    /** Where the packet is, its length and its first and last bytes (an IPv4 packet's length and id among them). */
    private static long signature(PacketBatch batch, int i) {
        ByteBuffer slot = batch.slot(i);
        int at = batch.slotOffset(i) + slot.position();
        int length = slot.remaining();
        ByteBuffer b = batch.backing();
        long sig = ((long) slot.position() << 32) ^ length;
        if (length >= 16) {
            sig = sig * 31 + b.getLong(at);
            sig = sig * 31 + b.getLong(at + length - 8);
        }
        return sig;
    }

    private void refused() {
        refusedMerges++;
        if (++refusalsInARow >= REFUSALS_OFF) {
            coalescing = false;
            offOutcome = "merged writes refused";
            LOG.log(System.Logger.Level.WARNING, "{0}: the kernel refused {1} merged TCP writes in a row; "
                    + "writing every packet alone from now on", name, REFUSALS_OFF);
        }
    }

    private Outcome writeMerged(int g, long base, Vectored out) throws TunException {
        int k = planner.head(g);
        int headers = planner.mergedHeaders(g, head, VirtioNetHdr.LEN);
        headNative.put(VirtioNetHdr.OFF_FLAGS, (byte) VirtioNetHdr.F_NEEDS_CSUM);
        boolean isUdp = planner.protocol(g) == GsoSplit.PROTO_UDP;
        int type = isUdp ? VirtioNetHdr.GSO_UDP_L4 : planner.version(g) == 4 ? VirtioNetHdr.GSO_TCPV4 : VirtioNetHdr.GSO_TCPV6;
        headNative.put(VirtioNetHdr.OFF_GSO_TYPE, (byte) type);
        headNative.putShort(VirtioNetHdr.OFF_HDR_LEN, (short) headers);
        headNative.putShort(VirtioNetHdr.OFF_GSO_SIZE, (short) planner.gsoSize(g));
        headNative.putShort(VirtioNetHdr.OFF_CSUM_START, (short) ipHeaderLength(g));
        headNative.putShort(VirtioNetHdr.OFF_CSUM_OFFSET, (short) (isUdp ? UDP_CSUM_OFFSET : TCP_CSUM_OFFSET));
        iovec(0, headAddress, VirtioNetHdr.LEN + headers);
        int c = 1;
        for (int m = k; m >= 0; m = planner.next(m)) {
            iovec(c++, base + offsets[m] + planner.headerLength(m), planner.payload(m));
        }
        Outcome o = call(out, c);
        if (o == Outcome.WRITTEN) {
            mergedWrites++;
            mergedPackets += planner.members(g);
            refusalsInARow = 0;
        }
        return o;
    }

    private int ipHeaderLength(int g) {
        return planner.version(g) == 4 ? 20 : 40;
    }

    /** Writes packet {@code k} alone; false on would-block (a refused packet is dropped, as the kernel would). */
    private boolean writeAlone(int k, long base, Vectored out) throws TunException {
        iovec(0, zeroHeaderAddress, VirtioNetHdr.LEN);
        iovec(1, base + offsets[k], lengths[k]);
        if (call(out, 2) == Outcome.AGAIN) {
            return false;
        }
        singleWrites++;
        written[k] = true;
        return true;
    }

    private void iovec(int i, long address, long length) {
        iov.putLong(i * LibC.IOVEC_SIZE, address);
        iov.putLong(i * LibC.IOVEC_SIZE + 8, length);
    }

    private Outcome call(Vectored out, int iovcnt) throws TunException {
        while (true) {
            if (out.writev(iovAddress, iovcnt) >= 0) {
                return Outcome.WRITTEN;
            }
            int err = out.errno();
            switch (TunErrno.onWrite(err)) {
                case TunErrno.RETRY:
                    continue;
                case TunErrno.STOP:
                    return Outcome.AGAIN;
                case TunErrno.SKIP:
                    return Outcome.REFUSED;
                default:
                    throw TunErrno.failure("write", name, err);
            }
        }
    }
}
