package org.culvert.link.winsock;

import java.nio.ByteBuffer;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.win32.winsock.Ws2Api;

/**
 * Cuts OpenVPN's TCP stream (a 16-bit big-endian length, then that many bytes of packet) into
 * packets, reading through one reassembly buffer allocated once.
 *
 * <p>Unlike the Linux reader this one does not peek: each {@code recv} takes as much as fits, and
 * whole packets the batch had no room for stay here. They are not lost to the level-triggered loop,
 * because {@link #deliverable()} tells the socket's {@code prepareWait} to signal its event before the
 * next wait. The same holds for a bad length prefix or the end of the stream met after packets were
 * delivered: those packets come first, and the next call reports the failure.
 *
 * <p>Used by the loop thread only, inside the link socket's guard.
 */
final class FrameReader {
    private final Ws2Api ws2;
    private final int maxPacketSize;
    private final ByteBuffer buffer;
    private final int capacity;
    /** Unconsumed stream bytes are {@code buffer[start, end)}. */
    private int start;
    private int end;
    /** The end of the stream or a receive error, to be thrown once the packets before it are delivered. */
    private LinkException failure;

    FrameReader(Ws2Api ws2, int maxPacketSize) {
        this.ws2 = ws2;
        this.maxPacketSize = maxPacketSize;
        // Room for several largest frames, so that one recv usually brings a whole batch.
        this.capacity = Math.max(64 * 1024, 4 * (2 + maxPacketSize));
        this.buffer = ByteBuffer.allocateDirect(capacity);
    }

    /**
     * Delivers up to {@code max} whole packets, buffered or newly received, into slots 0.. of
     * {@code batch} (each at the headroom, sources null) and sets {@code batch.count()}.
     *
     * @throws LinkException {@code BAD_FRAME} for a length of 0 or above {@code maxPacketSize},
     *         {@code CONNECTION_RESET} when the peer closed or reset the connection; either only once
     *         the packets before it were delivered
     */
    int read(NativeSocket socket, PacketBatch batch, int max) throws LinkException {
        if (batch.slotSize() - batch.headroom() < maxPacketSize) {
            throw new IllegalArgumentException("batch slots hold " + (batch.slotSize() - batch.headroom())
                    + " bytes after the headroom, the link carries packets of up to " + maxPacketSize);
        }
        int n = 0;
        boolean rechecked = false;
        while (true) {
            n = cut(batch, n, max);
            if (n == max || badPrefixWaits()) {
                break;
            }
            if (failure != null) {
                if (n > 0) {
                    break;
                }
                throw failure;
            }
            makeRoom();
            int got = ws2.recv(socket.handle, buffer, end, capacity - end, 0);
            if (got > 0) {
                end += got;
                continue;
            }
            if (got == 0) {
                failure = new LinkException(Reason.CONNECTION_RESET, end > start
                        ? "peer closed the connection in the middle of a packet" : "peer closed the connection");
                continue;
            }
            int error = ws2.wsaGetLastError();
            if (error != Ws2Api.WSAEWOULDBLOCK) {
                failure = LinkErrors.of("recv", error);
                continue;
            }
            // An FD_READ/FD_CLOSE recorded before this recv may be stale; one recorded after it is not.
            if (!rechecked && (socket.refresh() & (Ws2Api.FD_READ | Ws2Api.FD_CLOSE)) != 0) {
                rechecked = true;
                continue;
            }
            socket.readable = false;
            break;
        }
        batch.count(n);
        return n;
    }

    /** True when the next {@link #read} has something without receiving: a whole packet, a bad prefix or a failure. */
    boolean deliverable() {
        if (failure != null) {
            return true;
        }
        if (end - start < 2) {
            return false;
        }
        int length = lengthAt(start);
        return length == 0 || length > maxPacketSize || end - start >= 2 + length;
    }

    /** Bytes of a started packet (or of packets not yet delivered) held here. */
    int buffered() {
        return end - start;
    }

    /**
     * Moves whole frames from the buffer into the batch from slot {@code n} on, stopping in front of a
     * bad length prefix; returns the new count.
     *
     * @throws LinkException {@code BAD_FRAME} when the bad prefix is the first thing this call meets
     */
    private int cut(PacketBatch batch, int n, int max) throws LinkException {
        int headroom = batch.headroom();
        while (n < max && end - start >= 2) {
            int length = lengthAt(start);
            if (length == 0 || length > maxPacketSize) {
                if (n == 0) {
                    throw new LinkException(Reason.BAD_FRAME, "bad packet length " + length + " from peer (allowed 1.." + maxPacketSize + ")");
                }
                break;
            }
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

    private boolean badPrefixWaits() {
        if (end - start < 2) {
            return false;
        }
        int length = lengthAt(start);
        return length == 0 || length > maxPacketSize;
    }

    private int lengthAt(int p) {
        return (buffer.get(p) & 0xFF) << 8 | (buffer.get(p + 1) & 0xFF);
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
}
