package org.culvert.link.udp;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Net;
import org.culvert.platform.linux.SockAddr;

import com.sun.jna.Memory;

/**
 * The receive side of a socket with {@code UDP_GRO} on: the kernel may hand one buffer holding many
 * datagrams of one source, with a {@code UDP_GRO} cmsg giving the segment size (every segment that size
 * but the last). Each message is received into its own 64 KB chunk of a scratch area allocated once,
 * and split into consecutive batch slots (a copy: measured cheap beside the cipher, see the docs).
 * What does not fit the caller's batch stays in the scratch area and is delivered first by the next
 * call, which receives from the kernel only once all of it is out; a call that leaves datagrams behind
 * has filled the batch, and the loops read again before waiting after a full batch.
 *
 * <p>The scratch area is {@code malloc}ed, not zeroed: the kernel only touches the pages a large GRO
 * buffer needs, so the resident cost follows the traffic. Loop thread only.
 */
final class GroReceiver {
    /** Room for one GRO buffer: the kernel coalesces at most 64 KB. */
    static final int CHUNK = 65_536;
    /** Room for the cmsgs of one message: {@code UDP_GRO} only (and a spare one, as others are never enabled). */
    private static final int CONTROL_ROOM = 2 * Net.cmsgSpace(8);

    /** What a received message's source is: null for the remote, as {@link PacketBatch#source} wants. */
    interface Sources {
        SocketAddress of(int message, int nameLength);
    }

    private final int messagesMax;
    private final ByteBuffer headers;
    private final long headersAddress;
    private final ByteBuffer controls;
    /**
     * The messages' iovecs. A field, not a local: the kernel reads them on every {@code recvmmsg}, so the
     * buffer must live as long as the headers that point at it (freed early, malloc reused it and
     * received data went where its free-list pointers said: a heap corruption found by a CI run).
     */
    private final ByteBuffer iovecs;
    private final Memory scratchMemory;
    private final ByteBuffer scratch;

    /** Messages of the last {@code recvmmsg}; the next segment to deliver is at {@link #offset} of {@link #index}. */
    private int received;
    private int index;
    private int offset;

    private long truncated;
    private long coalescedBuffers;
    private long coalescedDatagrams;

    GroReceiver(int messagesMax, long namesAddress) {
        this.messagesMax = messagesMax;
        headers = DirectBuffers.allocateNative(messagesMax * Net.MMSGHDR_SIZE);
        iovecs = DirectBuffers.allocateNative(messagesMax * Net.IOVEC_SIZE);
        controls = DirectBuffers.allocateNative(messagesMax * CONTROL_ROOM);
        headersAddress = DirectBuffers.address(headers);
        long iovecsAddress = DirectBuffers.address(iovecs);
        long controlsAddress = DirectBuffers.address(controls);
        scratchMemory = new Memory((long) messagesMax * CHUNK);
        scratch = scratchMemory.getByteBuffer(0, (long) messagesMax * CHUNK).order(ByteOrder.BIG_ENDIAN);
        long scratchAddress = DirectBuffers.address(scratch);
        for (int i = 0; i < messagesMax; i++) {
            int h = i * Net.MMSGHDR_SIZE;
            headers.putLong(h + Net.MSG_NAME, namesAddress + (long) i * SockAddr.STORAGE_SIZE);
            headers.putLong(h + Net.MSG_IOV, iovecsAddress + (long) i * Net.IOVEC_SIZE);
            headers.putLong(h + Net.MSG_IOVLEN, 1);
            headers.putLong(h + Net.MSG_CONTROL, controlsAddress + (long) i * CONTROL_ROOM);
            iovecs.putLong(i * Net.IOVEC_SIZE + Net.IOV_BASE, scratchAddress + (long) i * CHUNK);
            iovecs.putLong(i * Net.IOVEC_SIZE + Net.IOV_LEN, CHUNK);
        }
    }

    /** True while datagrams of the last {@code recvmmsg} wait to be delivered. */
    boolean pending() {
        return index < received;
    }

    /**
     * Readies the first {@code n} messages for a {@code recvmmsg} (the kernel overwrites name length,
     * control length and flags).
     *
     * @return the address of the message array
     */
    long prepare(int n) {
        for (int i = 0; i < n; i++) {
            int h = i * Net.MMSGHDR_SIZE;
            headers.putInt(h + Net.MSG_NAMELEN, SockAddr.STORAGE_SIZE);
            headers.putLong(h + Net.MSG_CONTROLLEN, CONTROL_ROOM);
            headers.putInt(h + Net.MSG_FLAGS, 0);
        }
        return headersAddress;
    }

    int messagesMax() {
        return messagesMax;
    }

    /** The last {@code recvmmsg} returned {@code n} messages. */
    void received(int n) {
        received = n;
        index = 0;
        offset = 0;
    }

    /**
     * Delivers waiting datagrams into slots {@code kept..max-1}, each at the headroom with its source;
     * a datagram longer than {@code room} is dropped (see {@link #truncated()}).
     *
     * @return the number of slots now filled
     */
    int deliver(PacketBatch batch, int kept, int max, int room, Sources sources) {
        int headroom = batch.headroom();
        while (index < received && kept < max) {
            int h = index * Net.MMSGHDR_SIZE;
            int length = headers.getInt(h + Net.MMSG_LEN);
            int segment = segmentSize(index, headers.getLong(h + Net.MSG_CONTROLLEN), length);
            if ((headers.getInt(h + Net.MSG_FLAGS) & Net.MSG_TRUNC) != 0 || segment > room) {
                truncated += length <= segment ? 1 : (length - offset + segment - 1) / segment;
                next();
                continue;
            }
            if (segment < length && offset == 0) {
                coalescedBuffers++;
            }
            SocketAddress source = sources.of(index, headers.getInt(h + Net.MSG_NAMELEN));
            int chunk = index * CHUNK;
            do {
                int n = Math.min(segment, length - offset);
                ByteBuffer slot = batch.slot(kept);
                slot.limit(headroom + n).position(headroom);
                slot.put(headroom, scratch, chunk + offset, n);
                batch.source(kept, source);
                kept++;
                offset += n;
                if (segment < length) {
                    coalescedDatagrams++;
                }
            } while (offset < length && kept < max);
            if (offset >= length) {
                next();
            }
        }
        return kept;
    }

    private void next() {
        index++;
        offset = 0;
    }

    /** The {@code UDP_GRO} cmsg's segment size, or {@code length} when the kernel coalesced nothing. */
    private int segmentSize(int message, long controlLength, int length) {
        int base = message * CONTROL_ROOM;
        int end = (int) Math.min(controlLength, CONTROL_ROOM);
        int c = 0;
        while (c + Net.CMSG_DATA <= end) {
            long cmsgLength = controls.getLong(base + c + Net.CMSG_LEN);
            if (cmsgLength < Net.CMSG_DATA || c + cmsgLength > end) {
                break;
            }
            if (controls.getInt(base + c + Net.CMSG_LEVEL) == Net.SOL_UDP
                    && controls.getInt(base + c + Net.CMSG_TYPE) == Net.UDP_GRO && cmsgLength >= Net.CMSG_DATA + 4) {
                int size = controls.getInt(base + c + Net.CMSG_DATA);
                return size > 0 && size < length ? size : length;
            }
            c += (int) ((cmsgLength + 7) & ~7L);
        }
        return Math.max(length, 1);
    }

    long truncated() {
        return truncated;
    }

    /** Receives that held more than one datagram. */
    long coalescedBuffers() {
        return coalescedBuffers;
    }

    /** Datagrams that came in a coalesced receive. */
    long coalescedDatagrams() {
        return coalescedDatagrams;
    }

    /** Keeps the scratch memory reachable as long as this receiver (its buffer view does not). */
    @Override
    public String toString() {
        return "gro receiver " + messagesMax + " x " + CHUNK + " bytes at " + scratchMemory;
    }
}
