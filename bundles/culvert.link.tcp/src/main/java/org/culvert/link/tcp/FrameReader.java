package org.culvert.link.tcp;

import java.nio.ByteBuffer;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.Net;

/**
 * Cuts OpenVPN's TCP stream (a 16-bit big-endian length, then that many bytes of packet) into
 * packets, reading through one reassembly buffer allocated once.
 *
 * <p>The loop waits for readability level-triggered, so a packet that sat complete in this buffer
 * while the socket had nothing more to read would never be noticed. The reader therefore never
 * takes more whole packets from the kernel than the batch has room for: it peeks
 * ({@code MSG_PEEK}) at what is waiting, walks the length prefixes, and then reads exactly up to
 * the last packet that fits (plus, if the batch is not full, the start of the next one). Between
 * calls the buffer holds at most part of one packet, and the socket stays readable for the rest.
 * The same walk stops in front of a bad length prefix, so packets before it are delivered and the
 * next call reports it.
 *
 * <p>Used by the loop thread only, with a descriptor the caller has acquired.
 */
final class FrameReader {
    private final int maxPacketSize;
    private final ByteBuffer buffer;
    private final long address;
    private final int capacity;
    /** Unconsumed stream bytes are {@code buffer[start, end)}: never a whole packet between calls. */
    private int start;
    private int end;

    FrameReader(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
        // Room for several largest frames, so that one peek usually sees a whole batch.
        this.capacity = Math.max(64 * 1024, 4 * (2 + maxPacketSize));
        this.buffer = DirectBuffers.allocateNative(capacity);
        this.address = DirectBuffers.address(buffer);
    }

    /**
     * Reads whatever whole packets are waiting, up to {@code max}, into slots 0.. of {@code batch}
     * (each at the headroom, sources null) and sets {@code batch.count()}.
     *
     * @throws LinkException {@code BAD_FRAME} for a length of 0 or above {@code maxPacketSize},
     *         {@code CONNECTION_RESET} when the peer closed or reset the connection; either only
     *         once the packets before it were delivered
     */
    int read(int fd, PacketBatch batch, int max) throws LinkException {
        if (batch.slotSize() - batch.headroom() < maxPacketSize) {
            throw new IllegalArgumentException("batch slots hold " + (batch.slotSize() - batch.headroom())
                    + " bytes after the headroom, the link carries packets of up to " + maxPacketSize);
        }
        int n = 0;
        while (n < max) {
            makeRoom();
            int space = capacity - end;
            long peeked = Net.recv(fd, address + end, space, Net.MSG_PEEK | Net.MSG_DONTWAIT);
            if (peeked <= 0) {
                int errno = peeked < 0 ? LibC.errno() : 0;
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno == Errno.EAGAIN || n > 0) {
                    // With packets in hand, report an end or error next time: the socket stays readable.
                    break;
                }
                throw streamEnd(errno);
            }
            int limit = end + (int) peeked;
            int take = plan(limit, max - n);
            long got = Net.recv(fd, address + end, take - end, Net.MSG_DONTWAIT);
            if (got < 0) {
                int errno = LibC.errno();
                if (errno == Errno.EINTR || errno == Errno.EAGAIN) {
                    continue;
                }
                if (n > 0) {
                    break;
                }
                throw streamEnd(errno);
            }
            end += (int) got;
            n = cut(batch, n, max);
            if (take < limit || peeked < space) {
                // Either the batch is full or a bad prefix waits, or the kernel had nothing more.
                break;
            }
        }
        batch.count(n);
        return n;
    }

    /**
     * Walks the frames in {@code buffer[start, limit)} (the tail of which is only peeked) and
     * returns where reading should stop: after {@code room} whole frames, in front of a bad length
     * prefix, or at {@code limit} when fewer frames are complete.
     *
     * @throws LinkException {@code BAD_FRAME} when the very first prefix is bad
     */
    private int plan(int limit, int room) throws LinkException {
        int p = start;
        int frames = 0;
        while (frames < room) {
            if (limit - p < 2) {
                return limit;
            }
            int length = ((buffer.get(p) & 0xFF) << 8) | (buffer.get(p + 1) & 0xFF);
            if (length == 0 || length > maxPacketSize) {
                if (p == start) {
                    throw new LinkException(Reason.BAD_FRAME, "bad packet length " + length + " from peer (allowed 1.." + maxPacketSize + ")");
                }
                return p;
            }
            if (limit - p < 2 + length) {
                return limit;
            }
            p += 2 + length;
            frames++;
        }
        return p;
    }

    /** Moves every whole frame in the buffer into the batch from slot {@code n} on; returns the new count. */
    private int cut(PacketBatch batch, int n, int max) {
        int headroom = batch.headroom();
        while (n < max && end - start >= 2) {
            int length = ((buffer.get(start) & 0xFF) << 8) | (buffer.get(start + 1) & 0xFF);
            if (end - start < 2 + length) {
                break;
            }
            ByteBuffer slot = batch.slot(n);
            slot.limit(headroom + length).position(headroom);
            slot.put(headroom, buffer, start + 2, length);
            batch.source(n, null);
            n++;
            start += 2 + length;
        }
        if (start == end) {
            start = 0;
            end = 0;
        }
        return n;
    }

    /** Slides a partial frame to the front when the space behind it could not take a largest frame. */
    private void makeRoom() {
        if (start > 0 && capacity - end < 2 + maxPacketSize) {
            int length = end - start;
            buffer.put(0, buffer, start, length);
            start = 0;
            end = length;
        }
    }

    /** Bytes of a started packet held here (for diagnostics). */
    int buffered() {
        return end - start;
    }

    private LinkException streamEnd(int errno) {
        if (errno == 0) {
            return new LinkException(Reason.CONNECTION_RESET, end > start
                    ? "peer closed the connection in the middle of a packet" : "peer closed the connection");
        }
        return LinkErrors.of("recv", errno);
    }
}
