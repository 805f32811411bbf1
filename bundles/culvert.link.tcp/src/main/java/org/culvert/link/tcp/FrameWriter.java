package org.culvert.link.tcp;

import java.nio.ByteBuffer;

import org.culvert.api.link.LinkException;
import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.Net;

/**
 * Writes packets as OpenVPN's TCP frames (16-bit big-endian length, then the packet), a batch per
 * {@code sendmsg} whose iovecs alternate between a length prefix and a packet in the caller's
 * slot, so packets are not copied.
 *
 * <p>When the kernel takes only part of a frame, the rest is copied into a staging buffer
 * (allocated once) and the packet is <em>not</em> counted as consumed, so that the caller waits for
 * writability and offers it again, as {@link org.culvert.api.link.LinkSocket#send} asks. The next
 * call writes the staged rest first and then counts the re-offered packet without sending it
 * twice. A packet that cannot be framed (empty, or above {@code maxPacketSize}) is dropped and
 * counted as consumed, because the peer would end the connection over it.
 *
 * <p>Used by the loop thread only, with a descriptor the caller has acquired.
 */
final class FrameWriter {
    private final int maxPacketSize;
    private final int batchSize;
    /** {@code batchSize} length prefixes of two bytes each. */
    private final ByteBuffer prefixes;
    private final long prefixesAddress;
    private final ByteBuffer iovecs;
    private final long iovecsAddress;
    private final ByteBuffer message;
    private final long messageAddress;
    private final DirectBuffers.AddressCache batchAddress = new DirectBuffers.AddressCache();

    /** The unsent rest of a partly written frame is {@code staging[stagedFrom, stagedTo)}. */
    private final ByteBuffer staging;
    private final long stagingAddress;
    private int stagedFrom;
    private int stagedTo;
    /** Length of the packet whose frame is staged: the re-offered packet must match it. */
    private int stagedPacketLength;
    /** The staged frame is all written, but the caller has not offered its packet again yet. */
    private boolean awaitingReoffer;
    private long dropped;

    FrameWriter(int maxPacketSize, int batchSize) {
        this.maxPacketSize = maxPacketSize;
        this.batchSize = batchSize;
        prefixes = DirectBuffers.allocateNative(2 * batchSize);
        prefixesAddress = DirectBuffers.address(prefixes);
        iovecs = DirectBuffers.allocateNative(2 * batchSize * Net.IOVEC_SIZE);
        iovecsAddress = DirectBuffers.address(iovecs);
        message = DirectBuffers.allocateNative(Net.MSGHDR_SIZE);
        messageAddress = DirectBuffers.address(message);
        message.putLong(Net.MSG_IOV, iovecsAddress);
        staging = DirectBuffers.allocateNative(2 + maxPacketSize);
        stagingAddress = DirectBuffers.address(staging);
    }

    /**
     * Writes slots {@code from..count-1} until they are all in the kernel or it would block.
     *
     * @return packets consumed (written whole, or dropped as unframable)
     * @throws LinkException {@code CONNECTION_RESET} when the peer is gone, {@code IO_ERROR} otherwise
     */
    int write(int fd, PacketBatch batch, int from) throws LinkException {
        int count = batch.count();
        if (from < 0 || from > count) {
            throw new IndexOutOfBoundsException("from " + from + " of " + count);
        }
        int next = from;
        if (stagedTo > stagedFrom) {
            if (!flushStaged(fd)) {
                return 0;
            }
            awaitingReoffer = true;
        }
        if (awaitingReoffer && next < count) {
            awaitingReoffer = false;
            // The staged frame was the packet at 'from', offered again; a caller that offers
            // something else broke the contract, and that packet is then simply sent.
            if (batch.slot(next).remaining() == stagedPacketLength) {
                next++;
            }
        }
        long base = batchAddress.address(batch.backing());
        while (next < count) {
            int chunk = Math.min(count - next, batchSize);
            int iov = 0;
            for (int j = 0; j < chunk; j++) {
                ByteBuffer slot = batch.slot(next + j);
                int length = slot.remaining();
                if (!framable(length)) {
                    continue;
                }
                prefixes.put(2 * j, (byte) (length >>> 8));
                prefixes.put(2 * j + 1, (byte) length);
                iov = putIovec(iov, prefixesAddress + 2L * j, 2);
                iov = putIovec(iov, base + batch.slotOffset(next + j) + slot.position(), length);
            }
            long written = 0;
            if (iov > 0) {
                message.putLong(Net.MSG_IOVLEN, iov);
                written = Net.sendmsg(fd, messageAddress, Net.MSG_DONTWAIT | Net.MSG_NOSIGNAL);
                if (written < 0) {
                    int errno = LibC.errno();
                    if (errno == Errno.EINTR) {
                        continue;
                    }
                    if (errno != Errno.EAGAIN) {
                        throw LinkErrors.of("sendmsg", errno);
                    }
                    written = 0;
                }
            }
            int done = account(batch, next, chunk, written);
            next += done;
            if (done < chunk) {
                break;
            }
        }
        return next - from;
    }

    /** Counts the packets of the chunk the kernel took whole, staging the rest of a partly written one. */
    private int account(PacketBatch batch, int first, int chunk, long written) {
        int done = 0;
        for (int j = 0; j < chunk; j++) {
            ByteBuffer slot = batch.slot(first + j);
            int length = slot.remaining();
            if (!framable(length)) {
                dropped++;
                done++;
                continue;
            }
            if (written >= 2 + length) {
                written -= 2 + length;
                done++;
                continue;
            }
            if (written > 0) {
                stage(slot, length, (int) written);
            }
            break;
        }
        return done;
    }

    /** Copies the part of the frame past its first {@code written} bytes into the staging buffer. */
    private void stage(ByteBuffer slot, int length, int written) {
        staging.put(0, (byte) (length >>> 8));
        staging.put(1, (byte) length);
        staging.put(2, slot, slot.position(), length);
        stagedFrom = written;
        stagedTo = 2 + length;
        stagedPacketLength = length;
    }

    /** @return true once the staged rest is all in the kernel */
    private boolean flushStaged(int fd) throws LinkException {
        while (stagedFrom < stagedTo) {
            long n = Net.send(fd, stagingAddress + stagedFrom, stagedTo - stagedFrom, Net.MSG_DONTWAIT | Net.MSG_NOSIGNAL);
            if (n < 0) {
                int errno = LibC.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno == Errno.EAGAIN) {
                    return false;
                }
                throw LinkErrors.of("send", errno);
            }
            stagedFrom += (int) n;
        }
        stagedFrom = 0;
        stagedTo = 0;
        return true;
    }

    private int putIovec(int index, long base, long length) {
        int v = index * Net.IOVEC_SIZE;
        iovecs.putLong(v + Net.IOV_BASE, base);
        iovecs.putLong(v + Net.IOV_LEN, length);
        return index + 1;
    }

    private boolean framable(int length) {
        return length > 0 && length <= maxPacketSize;
    }

    /** True while part of a frame waits in the staging buffer. */
    boolean hasStaged() {
        return stagedTo > stagedFrom;
    }

    /** Packets dropped because they could not be framed. */
    long dropped() {
        return dropped;
    }
}
