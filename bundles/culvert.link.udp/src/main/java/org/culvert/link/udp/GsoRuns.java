package org.culvert.link.udp;

import java.nio.ByteBuffer;

import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Net;

/**
 * The send side's native {@code mmsghdr}/{@code iovec}/{@code cmsg} arrays, and how a batch is laid out
 * in them: one message per datagram, or, with UDP GSO ({@code UDP_SEGMENT}, see {@code udp(7)}), one
 * message per run of equal-size datagrams (the last of a run may be shorter) whose iovecs point at the
 * batch's slots, so that the kernel builds the datagrams without a copy here. Every message names the
 * socket's remote, whose sockaddr the caller owns.
 *
 * <p>The kernel's rules for one {@code UDP_SEGMENT} message: at most {@value Net#UDP_MAX_SEGMENTS}
 * segments, at most 64 KB of payload in all, every segment of the cmsg's size but the last, which may
 * be shorter. Allocated once per socket; loop thread only.
 */
final class GsoRuns {
    /** The most payload one GSO message carries: an IPv4 datagram's limit, so it holds for both families. */
    static final int MAX_BYTES = 65_535 - 20 - 8;
    private static final int CMSG_SPACE = Net.cmsgSpace(2);

    private final int batchSize;
    private final ByteBuffer headers;
    private final long headersAddress;
    private final ByteBuffer iovecs;
    private final long iovecsAddress;
    private final ByteBuffer controls;
    private final long controlsAddress;
    /** How many datagrams message {@code i} of the last {@link #build} carries. */
    private final int[] runLength;
    private final DirectBuffers.AddressCache batchAddress = new DirectBuffers.AddressCache();
    private int messages;

    GsoRuns(int batchSize, long remoteNameAddress) {
        this.batchSize = batchSize;
        headers = DirectBuffers.allocateNative(batchSize * Net.MMSGHDR_SIZE);
        iovecs = DirectBuffers.allocateNative(batchSize * Net.IOVEC_SIZE);
        controls = DirectBuffers.allocateNative(batchSize * CMSG_SPACE);
        headersAddress = DirectBuffers.address(headers);
        iovecsAddress = DirectBuffers.address(iovecs);
        controlsAddress = DirectBuffers.address(controls);
        runLength = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            headers.putLong(i * Net.MMSGHDR_SIZE + Net.MSG_NAME, remoteNameAddress);
            int c = i * CMSG_SPACE;
            controls.putLong(c + Net.CMSG_LEN, Net.CMSG_DATA + 2);
            controls.putInt(c + Net.CMSG_LEVEL, Net.SOL_UDP);
            controls.putInt(c + Net.CMSG_TYPE, Net.UDP_SEGMENT);
        }
    }

    /** Every message names the remote's sockaddr of {@code length} bytes. */
    void nameLength(int length) {
        for (int i = 0; i < batchSize; i++) {
            headers.putInt(i * Net.MMSGHDR_SIZE + Net.MSG_NAMELEN, length);
        }
    }

    long headersAddress() {
        return headersAddress;
    }

    /** Datagrams in message {@code i} of the last {@link #build}. */
    int runLength(int i) {
        return runLength[i];
    }

    /**
     * Lays out slots from {@code from} on (up to {@code batchSize} datagrams, before {@code count}) as
     * messages. Runs are formed only from slot {@code gsoFrom} on, and only of segments of at most
     * {@code maxSegment} bytes; {@code gsoFrom = Integer.MAX_VALUE} sends every datagram alone.
     *
     * @return the number of messages
     */
    int build(PacketBatch batch, int from, int count, int gsoFrom, int maxSegment) {
        long base = batchAddress.address(batch.backing());
        int packets = 0;
        int m = 0;
        int p = from;
        while (p < count && packets < batchSize) {
            int size = batch.slot(p).remaining();
            int run = 1;
            if (p >= gsoFrom && size > 0 && size <= maxSegment) {
                run = runAt(batch, p, count, size, batchSize - packets);
            }
            for (int k = 0; k < run; k++) {
                ByteBuffer slot = batch.slot(p + k);
                int v = (packets + k) * Net.IOVEC_SIZE;
                iovecs.putLong(v + Net.IOV_BASE, base + batch.slotOffset(p + k) + slot.position());
                iovecs.putLong(v + Net.IOV_LEN, slot.remaining());
            }
            int h = m * Net.MMSGHDR_SIZE;
            headers.putLong(h + Net.MSG_IOV, iovecsAddress + (long) packets * Net.IOVEC_SIZE);
            headers.putLong(h + Net.MSG_IOVLEN, run);
            if (run > 1) {
                controls.putShort(m * CMSG_SPACE + Net.CMSG_DATA, (short) size);
                headers.putLong(h + Net.MSG_CONTROL, controlsAddress + (long) m * CMSG_SPACE);
                headers.putLong(h + Net.MSG_CONTROLLEN, CMSG_SPACE);
            } else {
                headers.putLong(h + Net.MSG_CONTROL, 0);
                headers.putLong(h + Net.MSG_CONTROLLEN, 0);
            }
            runLength[m] = run;
            packets += run;
            p += run;
            m++;
        }
        messages = m;
        return m;
    }

    /** How many datagrams from slot {@code p} (of {@code size} bytes) form one GSO message. */
    private static int runAt(PacketBatch batch, int p, int count, int size, int room) {
        int limit = Math.min(Math.min(room, Net.UDP_MAX_SEGMENTS), count - p);
        int run = 1;
        int total = size;
        while (run < limit) {
            int next = batch.slot(p + run).remaining();
            if (next > size || next == 0 || total + next > MAX_BYTES) {
                break;
            }
            run++;
            total += next;
            if (next < size) {
                break; // a shorter segment ends the run
            }
        }
        return run;
    }

    /** How many of the first {@code sent} messages of the last {@link #build} carried more than one datagram. */
    int segmented(int sent) {
        int n = 0;
        for (int i = 0; i < sent && i < messages; i++) {
            if (runLength[i] > 1) {
                n++;
            }
        }
        return n;
    }

    /** Datagrams in the first {@code sent} messages of the last {@link #build}. */
    int datagrams(int sent) {
        int n = 0;
        for (int i = 0; i < sent && i < messages; i++) {
            n += runLength[i];
        }
        return n;
    }
}
