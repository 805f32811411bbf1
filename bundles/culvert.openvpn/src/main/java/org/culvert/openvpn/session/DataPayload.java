package org.culvert.openvpn.session;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.culvert.openvpn.config.Compression;

/**
 * What both point-to-point engines (static key and TLS) put inside a data-channel packet around or
 * instead of a tun packet: the compression stub framing ({@code --comp-lzo no}, {@code --compress
 * stub}, {@code stub-v2}; a real algorithm is framed as its "not compressed" stub, see
 * {@link Compression#sendFraming}, and decompressed by {@link Decompressor}) and OpenVPN's in-band messages (the ping
 * payload and OCC messages, recognised by their 16-byte magic prefixes).
 *
 * <p>Stateless static helpers, safe from any thread. The framing works in place on the caller's
 * buffer and allocates nothing; only {@link #occMessage} allocates (once per session).
 */
public final class DataPayload {
    /** The payload of an OpenVPN ping: exactly these 16 bytes. */
    private static final byte[] PING = bytes(0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb, 0x07, 0xed, 0x2d, 0x0a,
            0x98, 0x1f, 0xc7, 0x48);
    /** The prefix of every OCC message; the byte after it is the OCC type. */
    private static final byte[] OCC_MAGIC = bytes(0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81, 0x2d, 0x56, 0xb8,
            0xd3, 0xaf, 0xc5, 0x45, 0x9c);
    /** Where the OCC type byte sits, counted from the packet's position (just after the magic). */
    public static final int OCC_TYPE_OFFSET = 16;
    /** OCC types. */
    public static final int OCC_REQUEST = 0;
    public static final int OCC_REPLY = 1;
    public static final int OCC_EXIT = 6;

    private static final byte NO_COMPRESS = (byte) 0xFA;
    private static final byte NO_COMPRESS_SWAP = (byte) 0xFB;
    private static final byte V2_INDICATOR = 0x50;
    private static final byte V2_UNCOMPRESSED = 0x00;

    private DataPayload() {
    }

    /** Bytes the framing of {@code compression} puts before the payload. */
    public static int frameHeadroom(Compression compression) {
        Compression sent = compression.sendFraming();
        return sent == Compression.LZO_STUB ? 1 : sent == Compression.STUB_V2 ? 2 : 0;
    }

    /** Bytes the framing of {@code compression} puts after the payload. */
    public static int frameTailroom(Compression compression) {
        return compression.sendFraming() == Compression.STUB ? 1 : 0;
    }

    /**
     * Applies the framing of {@code compression} to {@code buf[position, limit)} in place, moving the
     * position back or the limit forward.
     *
     * @param innerHeadroom bytes the data channel itself needs before the framed payload
     * @param innerTailroom bytes the data channel itself needs after it
     * @return false, with {@code buf} untouched, if the room around the payload is too small
     */
    public static boolean frame(ByteBuffer buf, Compression compression, int innerHeadroom, int innerTailroom) {
        int position = buf.position();
        int limit = buf.limit();
        switch (compression.sendFraming()) {
            case LZO_STUB:
                if (position < innerHeadroom + 1) {
                    return false;
                }
                buf.put(position - 1, NO_COMPRESS);
                buf.position(position - 1);
                return true;
            case STUB:
                if (limit + 1 > buf.capacity() - innerTailroom) {
                    return false;
                }
                buf.limit(limit + 1);
                // The stub swaps the first byte to the end and puts its marker in front.
                buf.put(limit, buf.get(position));
                buf.put(position, NO_COMPRESS_SWAP);
                return true;
            case STUB_V2:
                // Only a payload that could be mistaken for the v2 indicator needs an escape.
                if (buf.get(position) == V2_INDICATOR) {
                    if (position < innerHeadroom + 2) {
                        return false;
                    }
                    buf.put(position - 2, V2_INDICATOR);
                    buf.put(position - 1, V2_UNCOMPRESSED);
                    buf.position(position - 2);
                }
                return true;
            default:
                return true;
        }
    }

    /**
     * Reverses {@link #frame} in place on an opened packet; false if the framing byte is wrong (for a
     * real algorithm: also if the payload is compressed, which {@link Decompressor} handles).
     */
    public static boolean unframe(ByteBuffer buf, Compression compression) {
        int position = buf.position();
        int length = buf.remaining();
        if (length == 0) {
            return true;
        }
        switch (compression.sendFraming()) {
            case LZO_STUB:
                buf.position(position + 1);
                return buf.get(position) == NO_COMPRESS;
            case STUB: {
                byte head = buf.get(position);
                int last = buf.limit() - 1;
                buf.put(position, buf.get(last));
                buf.limit(last);
                return head == NO_COMPRESS_SWAP;
            }
            case STUB_V2:
                if (buf.get(position) != V2_INDICATOR) {
                    return true;
                }
                if (length == 1) {
                    buf.position(position + 1);
                    return true;
                }
                buf.position(position + 2);
                return buf.get(position + 1) == V2_UNCOMPRESSED;
            default:
                return true;
        }
    }

    /** The ping payload; a fresh copy (callers keep it for the session). */
    public static byte[] ping() {
        return PING.clone();
    }

    /** Whether {@code packet[position, limit)} is exactly a ping payload. */
    public static boolean isPing(ByteBuffer packet) {
        return packet.remaining() == PING.length && startsWith(packet, PING);
    }

    /** Whether {@code packet[position, limit)} starts with the OCC magic. */
    public static boolean isOcc(ByteBuffer packet) {
        return startsWith(packet, OCC_MAGIC);
    }

    /**
     * The OCC type byte of an OCC message ({@link #isOcc}), or -1 if the message ends after the
     * magic. The type's payload starts at {@code packet.position() + OCC_TYPE_OFFSET + 1}.
     */
    public static int occType(ByteBuffer packet) {
        int p = packet.position() + OCC_MAGIC.length;
        return p >= packet.limit() ? -1 : packet.get(p) & 0xFF;
    }

    /** An OCC message of {@code type}, followed by {@code text} and a NUL when text is not null. */
    public static byte[] occMessage(int type, String text) {
        byte[] t = text == null ? new byte[0] : text.getBytes(StandardCharsets.US_ASCII);
        byte[] m = new byte[OCC_MAGIC.length + 1 + (text == null ? 0 : t.length + 1)];
        System.arraycopy(OCC_MAGIC, 0, m, 0, OCC_MAGIC.length);
        m[OCC_MAGIC.length] = (byte) type;
        System.arraycopy(t, 0, m, OCC_MAGIC.length + 1, t.length);
        return m;
    }

    private static boolean startsWith(ByteBuffer packet, byte[] prefix) {
        int p = packet.position();
        if (packet.limit() - p < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (packet.get(p + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
