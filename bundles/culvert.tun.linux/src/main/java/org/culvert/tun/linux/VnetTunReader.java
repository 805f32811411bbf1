package org.culvert.tun.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunException;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.NativeFd;

/**
 * The read path of a tun opened with {@code IFF_VNET_HDR} and {@code TUNSETOFFLOAD}: one
 * {@code readv(2)} takes the {@link VirtioNetHdr} into a small buffer, the packet straight into the
 * batch slot at its headroom, and whatever does not fit the slot (only a GSO packet, up to 64 KB) into
 * one reused direct buffer. A plain packet ({@code GSO_NONE}) stays where it landed, its checksum
 * completed when the kernel left it partial. A GSO packet is made contiguous in the reused buffer (the
 * slot's part copied in front of the overflow) and split by {@link GsoSplit} into one slot per
 * segment; segments that do not fit the caller's batch stay here and are handed out first by the next
 * {@link #read}, which never waits for the descriptor ({@link #pending()} tells the loop to read again
 * before it waits).
 *
 * <p>Malformed headers (too short a read, a bad {@code csum_start}, {@code gso_size} 0, lengths that
 * disagree) are dropped and counted ({@link #malformed()}), and so are packets larger than a slot and
 * GSO packets whose segments are ({@link #oversized()}); never thrown. Loop thread only; allocates nothing per packet.
 */
final class VnetTunReader {
    private static final System.Logger LOG = System.getLogger(VnetTunReader.class.getName());
    /** Largest packet behind the header: an IP packet's 16-bit length. */
    private static final int MAX_PACKET = 65535;

    private final String name;
    private final ByteBuffer header = DirectBuffers.allocateNative(VirtioNetHdr.LEN);
    private final long headerAddress = DirectBuffers.address(header);
    /** Three iovecs: header, slot, overflow. */
    private final ByteBuffer iov = DirectBuffers.allocateNative(3 * LibC.IOVEC_SIZE);
    private final long iovAddress = DirectBuffers.address(iov);
    private final DirectBuffers.AddressCache addresses = new DirectBuffers.AddressCache();
    private final GsoSplit split = new GsoSplit();
    /** A GSO packet, contiguous: the slot's part copied to the front of the overflow read after it. */
    private ByteBuffer whole;
    private long wholeAddress;
    private int nextSegment;

    private long gsoPackets;
    private long gsoSegments;
    private long checksumsCompleted;
    private long malformed;
    private long oversized;

    VnetTunReader(String name) {
        this.name = name;
        iov.putLong(0, headerAddress);
        iov.putLong(8, VirtioNetHdr.LEN);
    }

    /**
     * Reads into slots 0.. of {@code batch}, at most {@code max}, handing out pending segments first;
     * the caller holds {@code fd} acquired and sets nothing: the count is set here.
     */
    int read(NativeFd fd, PacketBatch batch, int max) throws TunException {
        int headroom = batch.headroom();
        int room = batch.slotSize() - headroom;
        long base = addresses.address(batch.backing());
        ByteBuffer backing = batch.backing();
        int count = emitPending(batch, 0, max);
        int dropped = 0;
        while (count < max) {
            ByteBuffer slot = batch.prepareSlot(count);
            int at = batch.slotOffset(count) + headroom;
            ensureWhole(room);
            iov.putLong(LibC.IOVEC_SIZE, base + at);
            iov.putLong(LibC.IOVEC_SIZE + 8, room);
            iov.putLong(2 * LibC.IOVEC_SIZE, wholeAddress + room);
            iov.putLong(2 * LibC.IOVEC_SIZE + 8, whole.capacity() - room);
            long n = LibC.readv(fd.fd(), iovAddress, 3);
            if (n <= 0) {
                if (n == 0) {
                    break;
                }
                int err = LibC.errno();
                int next = TunErrno.onRead(err);
                if (next == TunErrno.SKIP) {
                    oversized++;
                }
                if (next == TunErrno.STOP || next == TunErrno.SKIP && ++dropped >= max) {
                    break;
                }
                if (next == TunErrno.FAIL) {
                    batch.count(count);
                    throw TunErrno.failure("read", name, err);
                }
                continue;
            }
            if (n < VirtioNetHdr.LEN + 20) {
                countMalformed();
                if (++dropped >= max) {
                    break;
                }
                continue;
            }
            int len = (int) n - VirtioNetHdr.LEN;
            int flags = header.get(VirtioNetHdr.OFF_FLAGS) & 0xFF;
            int gsoType = header.get(VirtioNetHdr.OFF_GSO_TYPE) & 0xFF;
            int csumStart = header.getShort(VirtioNetHdr.OFF_CSUM_START) & 0xFFFF;
            if (gsoType == VirtioNetHdr.GSO_NONE) {
                if (len > room) {
                    oversized++; // a plain packet larger than a slot: cannot be forwarded whole
                } else if ((flags & VirtioNetHdr.F_NEEDS_CSUM) != 0 && !GsoSplit.completeChecksum(backing, at, len, csumStart,
                        header.getShort(VirtioNetHdr.OFF_CSUM_OFFSET) & 0xFFFF)) {
                    countMalformed();
                } else {
                    if ((flags & VirtioNetHdr.F_NEEDS_CSUM) != 0) {
                        checksumsCompleted++;
                    }
                    slot.limit(headroom + len);
                    count++;
                    continue;
                }
            } else {
                whole.put(0, backing, at, Math.min(len, room));
                if (!split.prepare(whole, 0, len, flags, gsoType, header.getShort(VirtioNetHdr.OFF_GSO_SIZE) & 0xFFFF, csumStart)) {
                    countMalformed();
                } else if (split.segmentLength(0) > room) {
                    // Segments larger than a slot: the whole packet goes, rather than a stream with holes.
                    split.reset();
                    oversized++;
                } else {
                    gsoPackets++;
                    nextSegment = 0;
                    count = emitPending(batch, count, max);
                    continue;
                }
            }
            if (++dropped >= max) {
                break; // bounded work per call when the kernel sends nothing usable
            }
        }
        batch.count(count);
        return count;
    }

    /** Segments of the current GSO packet, into slots from {@code count}; returns the new count. */
    private int emitPending(PacketBatch batch, int count, int max) {
        int segments = split.segments();
        int room = batch.slotSize() - batch.headroom();
        while (nextSegment < segments && count < max) {
            int k = nextSegment++;
            if (split.segmentLength(k) > room) {
                oversized++;
                continue;
            }
            ByteBuffer slot = batch.prepareSlot(count);
            int len = split.segment(k, batch.backing(), batch.slotOffset(count) + batch.headroom());
            slot.limit(batch.headroom() + len);
            gsoSegments++;
            count++;
        }
        return count;
    }

    /** True while segments of a split packet wait for the next {@link #read}. */
    boolean pending() {
        return nextSegment < split.segments();
    }

    private void ensureWhole(int room) {
        if (whole == null || whole.capacity() < room + MAX_PACKET) {
            // Once per device (again only if a larger slot comes along): room for the slot's part and the rest.
            whole = ByteBuffer.allocateDirect(room + MAX_PACKET).order(ByteOrder.BIG_ENDIAN);
            wholeAddress = DirectBuffers.address(whole);
        }
    }

    long gsoPackets() {
        return gsoPackets;
    }

    long gsoSegments() {
        return gsoSegments;
    }

    long checksumsCompleted() {
        return checksumsCompleted;
    }

    long malformed() {
        return malformed;
    }

    /** Counts a malformed header; the first one is logged (the kernel should never send one), the rest only counted. */
    private void countMalformed() {
        if (malformed++ == 0) {
            LOG.log(System.Logger.Level.WARNING, name + ": dropped a packet whose virtio_net_hdr does not match it; further"
                    + " such drops are only counted");
        }
    }

    long oversized() {
        return oversized;
    }
}
