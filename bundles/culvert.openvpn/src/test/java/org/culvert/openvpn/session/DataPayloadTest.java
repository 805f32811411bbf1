package org.culvert.openvpn.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.culvert.openvpn.config.Compression;
import org.junit.jupiter.api.Test;

class DataPayloadTest {
    private static final byte[] PAYLOAD = {0x45, 1, 2, 3};

    private static ByteBuffer slot(byte[] payload, int before, int after) {
        ByteBuffer b = ByteBuffer.allocate(before + payload.length + after);
        b.position(before);
        b.put(payload);
        b.limit(before + payload.length).position(before);
        return b;
    }

    private static byte[] remaining(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void everyCompressionStubRoundTrips() {
        for (Compression c : Compression.values()) {
            for (byte[] payload : new byte[][] {PAYLOAD, {0x50, 9}}) {
                ByteBuffer b = slot(payload, 8, 1);
                assertTrue(DataPayload.frame(b, c, 4, 0), c.toString());
                assertTrue(b.remaining() <= payload.length + DataPayload.frameHeadroom(c) + DataPayload.frameTailroom(c));
                assertTrue(DataPayload.unframe(b, c), c.toString());
                assertArrayEquals(payload, remaining(b), c.toString());
            }
        }
    }

    @Test
    void framingMarkersAreOpenVpns() {
        ByteBuffer lzo = slot(PAYLOAD, 8, 0);
        DataPayload.frame(lzo, Compression.LZO_STUB, 0, 0);
        assertArrayEquals(new byte[] {(byte) 0xFA, 0x45, 1, 2, 3}, remaining(lzo));
        ByteBuffer stub = slot(PAYLOAD, 0, 1);
        DataPayload.frame(stub, Compression.STUB, 0, 0);
        assertArrayEquals(new byte[] {(byte) 0xFB, 1, 2, 3, 0x45}, remaining(stub));
        ByteBuffer v2 = slot(new byte[] {0x50, 7}, 8, 0);
        DataPayload.frame(v2, Compression.STUB_V2, 0, 0);
        assertArrayEquals(new byte[] {0x50, 0x00, 0x50, 7}, remaining(v2));
    }

    @Test
    void tooLittleRoomLeavesTheBufferUntouched() {
        ByteBuffer lzo = slot(PAYLOAD, 4, 0);
        assertFalse(DataPayload.frame(lzo, Compression.LZO_STUB, 4, 0));
        assertEquals(4, lzo.position());
        ByteBuffer stub = slot(PAYLOAD, 0, 1);
        assertFalse(DataPayload.frame(stub, Compression.STUB, 0, 1));
        assertArrayEquals(PAYLOAD, remaining(stub));
        ByteBuffer v2 = slot(new byte[] {0x50, 7}, 5, 0);
        assertFalse(DataPayload.frame(v2, Compression.STUB_V2, 4, 0));
        assertEquals(5, v2.position());
    }

    @Test
    void wrongMarkersAreRejected() {
        assertFalse(DataPayload.unframe(ByteBuffer.wrap(new byte[] {(byte) 0xFB, 1}), Compression.LZO_STUB));
        assertFalse(DataPayload.unframe(ByteBuffer.wrap(new byte[] {(byte) 0xFA, 1}), Compression.STUB));
        assertFalse(DataPayload.unframe(ByteBuffer.wrap(new byte[] {0x50, 1, 2}), Compression.STUB_V2));
        assertTrue(DataPayload.unframe(ByteBuffer.allocate(0), Compression.STUB));
    }

    @Test
    void recognisesPingAndOccMessages() {
        assertTrue(DataPayload.isPing(ByteBuffer.wrap(DataPayload.ping())));
        byte[] longer = new byte[17];
        System.arraycopy(DataPayload.ping(), 0, longer, 0, 16);
        assertFalse(DataPayload.isPing(ByteBuffer.wrap(longer)), "a ping is exactly 16 bytes");
        byte[] reply = DataPayload.occMessage(DataPayload.OCC_REPLY, "V4");
        assertEquals(16 + 1 + 2 + 1, reply.length);
        ByteBuffer r = ByteBuffer.wrap(reply);
        assertTrue(DataPayload.isOcc(r));
        assertFalse(DataPayload.isPing(r));
        assertEquals(DataPayload.OCC_REPLY, DataPayload.occType(r));
        assertEquals('V', reply[DataPayload.OCC_TYPE_OFFSET + 1]);
        assertEquals(-1, DataPayload.occType(ByteBuffer.wrap(reply, 0, 16)), "magic without a type");
        assertFalse(DataPayload.isOcc(ByteBuffer.wrap(new byte[8])));
    }
}
