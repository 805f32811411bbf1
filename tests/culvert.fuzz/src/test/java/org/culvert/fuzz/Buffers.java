package org.culvert.fuzz;

import java.nio.ByteBuffer;

/** Packet slots as the loop hands them to an engine, and the bounds every engine must leave them in. */
public final class Buffers {
    private Buffers() {
    }

    /** {@code data} at {@code headroom}, with {@code tailroom} free after it: {@code [position, limit)} is the packet. */
    public static ByteBuffer slot(byte[] data, int headroom, int tailroom) {
        ByteBuffer b = ByteBuffer.allocate(headroom + data.length + tailroom);
        b.position(headroom);
        b.put(data);
        b.limit(headroom + data.length).position(headroom);
        return b;
    }

    /** {@code b[position, limit)} as an array; position and limit unchanged. */
    public static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(b.position(), out);
        return out;
    }

    /**
     * Throws unless {@code lo <= position <= limit <= hi}: an engine that opens a packet in place must
     * leave the result inside the bytes it was given, never in the headroom or past the packet.
     */
    public static void checkWithin(ByteBuffer b, int lo, int hi, String what) {
        if (b.position() < lo || b.position() > b.limit() || b.limit() > hi) {
            throw new AssertionError(what + ": [" + b.position() + ", " + b.limit() + ") outside [" + lo + ", " + hi + ")");
        }
    }

    /** Throws with {@code message} unless {@code condition}. */
    public static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
