package org.culvert.link.tcp;

import static org.culvert.fuzz.Buffers.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.culvert.api.link.LinkException;
import org.culvert.api.packet.PacketBatch;
import org.culvert.fuzz.FuzzRun;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.Net;
import org.junit.jupiter.api.AfterAll;

/**
 * OpenVPN's TCP stream framing (16-bit length, then the packet) as the tcp transport's
 * {@link FrameReader} cuts it from a real socket: each input is a stream of frames with true or lying
 * lengths (0, above the largest packet, longer than what follows) and junk, written into a Unix stream
 * socket pair in fuzzer-chosen chunks (down to single bytes), with reads of fuzzer-chosen batch sizes
 * between the chunks and after the writer closed.
 *
 * <p>Invariants, against an independent parse of the bytes written so far: nothing but
 * {@link LinkException} is thrown, and only {@code BAD_FRAME} (exactly when the next whole prefix is 0
 * or above the largest packet, and only after every frame before it was delivered) or
 * {@code CONNECTION_RESET} (after the writer closed); packets arrive once, in order, byte for byte, at
 * the batch's headroom, never more than the batch room asked for; a read that returns 0 leaves no whole
 * frame waiting; between reads at most part of one frame is buffered.
 */
class TcpFramingFuzz {
    private static final FuzzRun RUN = new FuzzRun("TCP stream framing with arbitrary chunking (FrameReader)");
    private static final int HEADROOM = 16;
    private static final int AF_UNIX = 1;
    private static final ByteBuffer OUT = DirectBuffers.allocateNative(1 << 16);
    private static final long OUT_ADDRESS = DirectBuffers.address(OUT);

    /** socketpair(2), which the platform bundle does not map. */
    interface Sockets extends Library {
        Sockets C = Native.load("c", Sockets.class);

        int socketpair(int domain, int type, int protocol, int[] fds);
    }

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void tcpFraming(FuzzedDataProvider in) throws Exception {
        RUN.run(in, TcpFramingFuzz::run);
    }

    private static void run(FuzzedDataProvider in) throws Exception {
        int max = in.pickValue(new int[] {1, 3, 100, 1500, 2048});
        byte[] stream = stream(in, max);
        int[] fds = new int[2];
        check(Sockets.C.socketpair(AF_UNIX, Net.SOCK_STREAM, 0, fds) == 0, "socketpair failed");
        try {
            Reader r = new Reader(new FrameReader(max), fds[0], max, stream);
            int written = 0;
            int stalls = 0;
            while (written < stream.length && !r.failed) {
                int chunk = Math.min(stream.length - written, in.consumeBoolean() ? 1 : in.consumeInt(1, 3000));
                OUT.put(0, stream, written, chunk);
                long sent = Net.send(fds[1], OUT_ADDRESS, chunk, Net.MSG_DONTWAIT);
                if (sent <= 0) {
                    // The socket's buffer is full of small writes: the reader must make room.
                    check(LibC.errno() == Errno.EAGAIN, "send failed with errno " + LibC.errno());
                    r.read(written, 8, false);
                    check(++stalls < 10_000, "the reader never made room in the socket");
                    continue;
                }
                stalls = 0;
                written += (int) sent;
                int reads = in.consumeInt(0, 3);
                for (int i = 0; i < reads && !r.failed; i++) {
                    r.read(written, in.consumeInt(1, 8), false);
                }
            }
            LibC.close(fds[1]);
            fds[1] = -1;
            for (int i = 0; i < stream.length + 2 && !r.failed; i++) {
                r.read(stream.length, 8, true);
            }
            check(r.failed, "the reader never reported the end of the stream");
        } finally {
            LibC.close(fds[0]);
            if (fds[1] >= 0) {
                LibC.close(fds[1]);
            }
        }
    }

    /** Frames with true lengths, mostly; some lie, and junk may follow. */
    private static byte[] stream(FuzzedDataProvider in, int max) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int frames = in.consumeInt(0, 12);
        for (int i = 0; i < frames; i++) {
            byte[] packet = in.consumeBytes(in.consumeInt(1, max));
            int length = in.consumeInt(0, 9) > 0 ? packet.length : in.pickValue(new int[] {0, max + 1, 0xFFFF, packet.length + 1});
            out.write(length >>> 8);
            out.write(length);
            out.writeBytes(packet);
        }
        out.writeBytes(in.consumeBytes(in.consumeInt(0, 8)));
        return out.toByteArray();
    }

    /** Reads through the reader under test and checks each result against its own walk of the stream. */
    private static final class Reader {
        private final FrameReader reader;
        private final int fd;
        private final int max;
        private final byte[] stream;
        private final PacketBatch batch;
        /** Where the next undelivered frame starts in the stream. */
        private int next;
        boolean failed;

        Reader(FrameReader reader, int fd, int max, byte[] stream) {
            this.reader = reader;
            this.fd = fd;
            this.max = max;
            this.stream = stream;
            this.batch = PacketBatch.allocate(8, HEADROOM, HEADROOM + max);
        }

        void read(int written, int room, boolean writerClosed) {
            int n;
            try {
                n = reader.read(fd, batch, room);
            } catch (LinkException e) {
                failed = true;
                if (e.reason() == LinkException.Reason.BAD_FRAME) {
                    check(written - next >= 2 && badLength(next), "BAD_FRAME without a bad length next: " + e.getMessage());
                } else {
                    check(e.reason() == LinkException.Reason.CONNECTION_RESET && writerClosed,
                            "unexpected " + e.reason() + ": " + e.getMessage());
                    check(!wholeFrameAt(next, written) && !(written - next >= 2 && badLength(next)),
                            "the stream ended with a whole frame or a bad length undelivered");
                }
                return;
            }
            check(n >= 0 && n <= room && batch.count() == n, "read " + n + " into room for " + room + ", count " + batch.count());
            for (int i = 0; i < n; i++) {
                check(wholeFrameAt(next, written), "packet " + i + " delivered before it was whole, or past a bad length");
                int length = length(next);
                ByteBuffer slot = batch.slot(i);
                check(slot.position() == HEADROOM && slot.remaining() == length, "packet " + i + " at [" + slot.position()
                        + ", " + slot.limit() + "), expected " + length + " bytes at " + HEADROOM);
                byte[] got = new byte[length];
                slot.get(slot.position(), got);
                check(Arrays.equals(got, Arrays.copyOfRange(stream, next + 2, next + 2 + length)), "packet bytes differ");
                next += 2 + length;
            }
            if (n == 0) {
                check(!wholeFrameAt(next, written), "read returned 0 with a whole frame waiting");
                check(!(written - next >= 2 && badLength(next)), "read returned 0 in front of a bad length");
            }
            check(reader.buffered() <= 1 + max, "the reader holds " + reader.buffered() + " bytes between reads");
        }

        private int length(int at) {
            return (stream[at] & 0xFF) << 8 | (stream[at + 1] & 0xFF);
        }

        private boolean badLength(int at) {
            int length = length(at);
            return length == 0 || length > max;
        }

        private boolean wholeFrameAt(int at, int written) {
            return written - at >= 2 && !badLength(at) && written - at >= 2 + length(at);
        }
    }

    @AfterAll
    static void report() {
        RUN.report();
    }
}
