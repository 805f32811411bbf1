package org.culvert.openvpn.session;

import java.nio.ByteBuffer;
import java.util.Objects;

import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

import org.culvert.openvpn.config.Compression;

/**
 * The receive side of a data channel's compression framing, one per session: strips the stub
 * framings ({@link DataPayload#unframe}) and decompresses what a peer compressed with
 * {@code comp-lzo}/{@code compress lzo} (OpenVPN's {@code lzo.c}), {@code compress lz4} or
 * {@code lz4-v2} ({@code comp-lz4.c}). Bad framing, malformed data and payloads that decompress to
 * more than the tun MTU allows are refused (a counted drop for the caller), never thrown.
 *
 * <p>Decompresses into a buffer it owns, then copies the result back into the caller's buffer, so
 * nothing is allocated per packet. Used by one thread at a time, like its session.
 *
 * @since session 1.3
 */
public final class Decompressor {
    private static final byte LZO_COMPRESS = 0x66;
    private static final byte NO_COMPRESS = (byte) 0xFA;
    private static final byte LZ4_COMPRESS = 0x69;
    private static final byte NO_COMPRESS_SWAP = (byte) 0xFB;
    private static final byte V2_INDICATOR = 0x50;
    private static final byte V2_UNCOMPRESSED = 0x00;
    private static final byte V2_LZ4 = 0x01;

    /** The pure-Java, bounds-checked LZ4 decoder (no Unsafe, no native code). */
    private static final LZ4SafeDecompressor LZ4 = LZ4Factory.safeInstance().safeDecompressor();

    private final Compression compression;
    private final int maxLength;
    private final byte[] work;
    /** LZ4 input, copied: lz4-java's ByteBuffer API duplicates a buffer not in native order (an allocation). */
    private final byte[] input;

    /**
     * @param compression the configured setting
     * @param maxLength the largest payload a decompressed packet may have (OpenVPN's frame payload
     *     size: tun-mtu plus tun-mtu-extra); larger ones are refused
     */
    public Decompressor(Compression compression, int maxLength) {
        this.compression = Objects.requireNonNull(compression, "compression");
        if (maxLength <= 0) {
            throw new IllegalArgumentException("maxLength " + maxLength);
        }
        this.maxLength = maxLength;
        this.work = compression.decompresses() ? new byte[maxLength] : null;
        this.input = compression == Compression.LZ4 || compression == Compression.LZ4_V2 ? new byte[maxLength] : null;
    }

    /**
     * Reverses the peer's framing of the opened payload {@code buf[position, limit)} in place,
     * decompressing if it was compressed; afterwards {@code buf[position, limit)} is the plain payload.
     *
     * @return false (buf then undefined) for a wrong framing byte, malformed compressed data, or a
     *     payload that decompresses to more than {@code maxLength} or than {@code buf} can hold
     */
    public boolean unframe(ByteBuffer buf) {
        if (!compression.decompresses()) {
            return DataPayload.unframe(buf, compression);
        }
        int position = buf.position();
        if (!buf.hasRemaining()) {
            return true;
        }
        byte head = buf.get(position);
        switch (compression) {
            case LZO:
                // lzo_decompress: a marker byte in front, then LZO1X or the plain payload.
                buf.position(position + 1);
                if (head == NO_COMPRESS) {
                    return true;
                }
                return head == LZO_COMPRESS && putBack(buf,
                        Lzo1x.decompress(buf, position + 1, buf.limit(), work, maxLength));
            case LZ4: {
                // lz4_decompress: undo the swap (the last byte goes back to the front) first.
                int last = buf.limit() - 1;
                buf.put(position, buf.get(last));
                buf.limit(last);
                if (head == NO_COMPRESS_SWAP) {
                    return true;
                }
                return head == LZ4_COMPRESS && putBack(buf, lz4(buf, position, last));
            }
            default: // LZ4_V2
                if (head != V2_INDICATOR || buf.remaining() == 1) {
                    return DataPayload.unframe(buf, Compression.STUB_V2);
                }
                byte algorithm = buf.get(position + 1);
                buf.position(position + 2);
                if (algorithm == V2_UNCOMPRESSED) {
                    return true;
                }
                return algorithm == V2_LZ4 && putBack(buf, lz4(buf, position + 2, buf.limit()));
        }
    }

    private int lz4(ByteBuffer buf, int from, int to) {
        int length = to - from;
        if (length > input.length) {
            // OpenVPN sends a compressed block only when it is shorter than the packet.
            return Lzo1x.ERROR;
        }
        buf.get(from, input, 0, length);
        try {
            return LZ4.decompress(input, 0, length, work, 0, maxLength);
        } catch (LZ4Exception | IndexOutOfBoundsException e) {
            // Malformed input from the network; the caller counts it as a drop.
            return Lzo1x.ERROR;
        }
    }

    /** Copies {@code length} decompressed bytes from the work buffer into {@code buf} at its position, or its end. */
    private boolean putBack(ByteBuffer buf, int length) {
        if (length < 0 || length > buf.capacity()) {
            return false;
        }
        int at = Math.min(buf.position(), buf.capacity() - length);
        buf.limit(at + length);
        buf.put(at, work, 0, length);
        buf.position(at);
        return true;
    }
}
