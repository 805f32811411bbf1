package org.culvert.openvpn.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The cases of OpenVPN's test_packet_id.c for the long form, restated. */
class PacketIdSenderTest {

    @Test
    void firstIdIsOneAndTimeIsTheSequenceStart() {
        PacketIdSender s = new PacketIdSender();
        assertTrue(s.advance(5000));
        assertEquals(1, s.id());
        assertEquals(5000, s.time());
        assertTrue(s.advance(5009));
        assertEquals(2, s.id());
        assertEquals(5000, s.time(), "time stays constant");
    }

    @Test
    void wrapsOnlyWhenTheClockHasMovedPastTheSequenceTime() {
        PacketIdSender s = new PacketIdSender();
        s.resume(PacketIdSender.MAX_ID, 5000);
        assertFalse(s.advance(5000));
        assertFalse(s.advance(4999));
        assertEquals(PacketIdSender.MAX_ID, s.id(), "nothing changed");
        assertTrue(s.advance(5001));
        assertEquals(1, s.id());
        assertEquals(5001, s.time());
    }

    @Test
    void lastIdBeforeTheWrapIsUsable() {
        PacketIdSender s = new PacketIdSender();
        s.resume(PacketIdSender.MAX_ID - 1, 7);
        assertTrue(s.advance(7));
        assertEquals(0xFFFF_FFFFL, s.id());
    }
}
