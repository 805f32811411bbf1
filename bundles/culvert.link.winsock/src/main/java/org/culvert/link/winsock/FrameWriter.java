package org.culvert.link.winsock;

import java.nio.ByteBuffer;

import org.culvert.api.link.LinkException;
import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.win32.winsock.Ws2Api;

/**
 * Writes packets as OpenVPN's TCP frames (16-bit big-endian length, then the packet): frames are
 * packed into one output buffer (allocated once) and handed to one {@code send}, a copy of at most a
 * packet's size each that saves a system call per packet.
 *
 * <p>When Winsock takes only part of the frames, the packets it took whole are consumed; the rest of
 * a frame it took in part stays in the buffer and is sent at once, and if that would block the packet
 * is <em>not</em> counted, so that the caller waits for writability and offers it again, as
 * {@link org.culvert.api.link.LinkSocket#send} asks. The next call writes the staged rest first and
 * then counts the re-offered packet without sending it twice. A short count is returned only after a
 * send failed with {@code WSAEWOULDBLOCK}, because only that makes Winsock record {@code FD_WRITE}
 * when room comes back. A packet that cannot be framed (empty, or above {@code maxPacketSize}) is
 * dropped and counted as consumed, because the peer would end the connection over it.
 *
 * <p>Used by the loop thread only, inside the link socket's guard.
 */
final class FrameWriter {
    private final Ws2Api ws2;
    private final int maxPacketSize;
    private final ByteBuffer out;
    /** The unsent rest of a partly written frame is {@code out[stagedFrom, stagedTo)}. */
    private int stagedFrom;
    private int stagedTo;
    /** Length of the packet whose frame is staged: the re-offered packet must match it. */
    private int stagedPacketLength;
    /** The staged frame is all written, but the caller has not offered its packet again yet. */
    private boolean awaitingReoffer;
    private long dropped;

    FrameWriter(Ws2Api ws2, int maxPacketSize) {
        this.ws2 = ws2;
        this.maxPacketSize = maxPacketSize;
        this.out = ByteBuffer.allocateDirect(Math.max(64 * 1024, 2 + maxPacketSize));
    }

    /**
     * Writes slots {@code from..count-1} until they are all with Winsock or it would block.
     *
     * @return packets consumed (written whole, or dropped as unframable)
     * @throws LinkException {@code CONNECTION_RESET} when the peer is gone, {@code IO_ERROR} otherwise
     */
    int write(NativeSocket socket, PacketBatch batch, int from) throws LinkException {
        int count = batch.count();
        if (from < 0 || from > count) {
            throw new IndexOutOfBoundsException("from " + from + " of " + count);
        }
        int next = from;
        if (stagedTo > stagedFrom) {
            if (!flushStaged(socket)) {
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
        boolean retried = false;
        while (next < count) {
            int packed = pack(batch, next, count);
            int written = 0;
            boolean blocked = false;
            if (packedBytes > 0) {
                written = ws2.send(socket.handle, out, 0, packedBytes, 0);
                if (written < 0) {
                    int error = ws2.wsaGetLastError();
                    if (error != Ws2Api.WSAEWOULDBLOCK) {
                        throw LinkErrors.of("send", error);
                    }
                    if (socket.retryAfterWouldBlock(retried)) {
                        retried = true;
                        continue;
                    }
                    written = 0;
                    blocked = true;
                } else if (written == 0) {
                    // Not documented for a non-empty send; stop rather than spin (writable stays set,
                    // so prepareWait wakes the loop to try again).
                    blocked = true;
                }
            }
            int done = account(batch, next, packed, written);
            if (stagedTo > stagedFrom) {
                // Winsock took part of a frame without failing: push the rest now, for only a failed
                // send makes it record FD_WRITE later.
                if (!flushStaged(socket)) {
                    return next + done - from;
                }
                done++;
            }
            next += done;
            if (blocked) {
                // The rest waits for FD_WRITE.
                break;
            }
            // Otherwise Winsock took all, or stopped at a frame boundary without failing: go on until
            // everything is sent or a send fails with WSAEWOULDBLOCK.
        }
        return next - from;
    }

    /** Bytes of frames the last {@link #pack} put into {@link #out}. */
    private int packedBytes;

    /**
     * Copies frames for slots {@code first..} into {@link #out} while they fit, skipping unframable
     * packets; sets {@link #packedBytes}.
     *
     * @return the slot after the last one packed (or skipped)
     */
    private int pack(PacketBatch batch, int first, int count) {
        int fill = 0;
        int k = first;
        int limit = out.capacity();
        while (k < count) {
            ByteBuffer slot = batch.slot(k);
            int length = slot.remaining();
            if (framable(length)) {
                if (fill + 2 + length > limit) {
                    break;
                }
                out.put(fill, (byte) (length >>> 8));
                out.put(fill + 1, (byte) length);
                out.put(fill + 2, slot, slot.position(), length);
                fill += 2 + length;
            }
            k++;
        }
        packedBytes = fill;
        return k;
    }

    /**
     * Counts the packets of {@code first..end-1} Winsock took whole (and unframable ones before the
     * first it did not), and stages the rest of a frame it took in part.
     */
    private int account(PacketBatch batch, int first, int end, int written) {
        int done = 0;
        int p = 0;
        for (int j = first; j < end; j++) {
            int length = batch.slot(j).remaining();
            if (!framable(length)) {
                dropped++;
                done++;
                continue;
            }
            int frameStop = p + 2 + length;
            if (written >= frameStop) {
                p = frameStop;
                done++;
                continue;
            }
            if (written > p) {
                stagedFrom = written;
                stagedTo = frameStop;
                stagedPacketLength = length;
            }
            break;
        }
        return done;
    }

    /** @return true once the staged rest is all with Winsock; false if it would block */
    private boolean flushStaged(NativeSocket socket) throws LinkException {
        boolean retried = false;
        while (stagedFrom < stagedTo) {
            int n = ws2.send(socket.handle, out, stagedFrom, stagedTo - stagedFrom, 0);
            if (n < 0) {
                int error = ws2.wsaGetLastError();
                if (error != Ws2Api.WSAEWOULDBLOCK) {
                    throw LinkErrors.of("send", error);
                }
                if (socket.retryAfterWouldBlock(retried)) {
                    retried = true;
                    continue;
                }
                return false;
            }
            stagedFrom += n;
        }
        stagedFrom = 0;
        stagedTo = 0;
        return true;
    }

    private boolean framable(int length) {
        return length > 0 && length <= maxPacketSize;
    }

    /** True while part of a frame waits in the buffer. */
    boolean hasStaged() {
        return stagedTo > stagedFrom;
    }

    /** Packets dropped because they could not be framed. */
    long dropped() {
        return dropped;
    }
}
