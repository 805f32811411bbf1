package org.culvert.openvpn.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** The control-channel reliability layer: send window, retransmission, receive ordering, ACK records. */
class ReliabilityTest {

    @Test
    void sendWindowHoldsSixConsecutiveIds() {
        ReliableSend send = new ReliableSend(2000);
        byte[] b = new byte[10];
        for (int i = 0; i < 6; i++) {
            assertTrue(send.queue(4, b, 0, 10, 0));
        }
        assertEquals(0, send.available());
        assertFalse(send.queue(4, b, 0, 10, 0), "window full");
        send.acknowledge(3); // a later id does not open the window: id 0 is still outstanding
        assertEquals(0, send.available());
        send.acknowledge(0);
        assertEquals(1, send.available());
        assertTrue(send.queue(4, b, 0, 10, 0));
        assertEquals(7, send.nextId(), "ids keep counting");
    }

    @Test
    void retransmissionBacksOffAndIsCapped() {
        ReliableSend send = new ReliableSend(2000);
        send.queue(4, new byte[1], 0, 1, 0);
        long now = 0;
        long[] expectedGaps = {2000, 4000, 8000, 8000, 8000};
        ReliableSend.Entry e = send.due(now);
        assertNotNull(e);
        send.sent(e, now);
        for (long gap : expectedGaps) {
            assertNull(send.due(now + gap - 1), "not due early");
            now += gap;
            e = send.due(now);
            assertNotNull(e, "due after " + gap);
            send.sent(e, now);
        }
        send.acknowledge(0);
        assertTrue(send.empty());
        assertEquals(Long.MAX_VALUE, send.nextDeadline());
    }

    @Test
    void threeLaterAcksTriggerAnEarlyRetransmission() {
        ReliableSend send = new ReliableSend(2000);
        for (int i = 0; i < 5; i++) {
            send.queue(4, new byte[1], 0, 1, 0);
            send.sent(send.due(0), 0);
        }
        assertNull(send.due(1));
        send.acknowledge(1);
        send.acknowledge(2);
        assertNull(send.due(1));
        send.acknowledge(2); // duplicate ACKs count, as in OpenVPN
        ReliableSend.Entry e = send.due(1);
        assertNotNull(e);
        assertEquals(0, e.id());
    }

    @Test
    void receiveDeliversInOrderAndToleratesDuplicatesAndRefusesFarAhead() {
        ReliableReceive r = new ReliableReceive();
        byte[] p = {1, 2, 3};
        assertEquals(ReliableReceive.Offer.STORED, r.offer(1, 4, p, 0, 3));
        assertFalse(r.ready(), "id 0 missing");
        assertEquals(ReliableReceive.Offer.DUPLICATE, r.offer(1, 4, p, 0, 3));
        assertEquals(ReliableReceive.Offer.BEYOND_WINDOW, r.offer(12, 4, p, 0, 3));
        assertEquals(ReliableReceive.Offer.STORED, r.offer(11, 4, p, 0, 3));
        assertEquals(ReliableReceive.Offer.STORED, r.offer(0, 7, p, 0, 2));
        assertTrue(r.ready());
        assertEquals(0, r.nextId());
        assertEquals(7, r.nextOpcode());
        assertEquals(2, r.nextLength());
        r.advance();
        assertTrue(r.ready());
        assertEquals(1, r.nextId());
        r.advance();
        assertFalse(r.ready());
        assertEquals(ReliableReceive.Offer.DUPLICATE, r.offer(0, 4, p, 0, 3), "already delivered: ACK again");
    }

    @Test
    void receiveSurvivesMessageIdWrap() {
        ReliableReceive r = new ReliableReceive();
        for (long id = 0; id < 20; id++) {
            r.offer(id, 4, new byte[0], 0, 0);
            r.advance();
        }
        assertEquals(20, r.nextId());
    }

    @Test
    void ackRecordsRepeatRecentIdsMostRecentFirst() {
        AckState acks = new AckState();
        byte[] out = new byte[64];
        acks.acknowledge(0);
        int n = acks.write(out, 0, 4, 0x1122334455667788L);
        assertEquals("01" + "00000000" + "1122334455667788", Bytes.hex(out, 0, n));
        assertFalse(acks.hasPending());
        acks.acknowledge(1);
        acks.acknowledge(2);
        n = acks.write(out, 0, 8, 0x1122334455667788L);
        assertEquals("03" + "00000001" + "00000002" + "00000000" + "1122334455667788", Bytes.hex(out, 0, n));
        // Nothing pending: an ACK record still repeats the MRU list when asked.
        n = acks.write(out, 0, 2, 0x1122334455667788L);
        assertEquals("02" + "00000001" + "00000002" + "1122334455667788", Bytes.hex(out, 0, n));
        for (int i = 3; i < 20; i++) {
            acks.acknowledge(i);
        }
        n = acks.write(out, 0, 8, 1);
        assertEquals(AckState.size(8), n, "at most 8 ids");
        assertEquals("08" + "00000003", Bytes.hex(out, 0, 5), "the oldest pending first");
    }

    @Test
    void controlPacketParsing() {
        ControlPacket p = new ControlPacket();
        byte[] ack123 = Bytes.parseHex("28" + "aeb9afe1f01d79c8" + "03" + "00000000" + "00000001" + "00000002"
                + "dd85db535623b02e");
        assertTrue(p.parseHeader(ack123, ack123.length));
        assertEquals(ControlPacket.OP_ACK_V1, p.opcode);
        assertTrue(p.parseBody(java.util.Arrays.copyOfRange(ack123, 9, ack123.length), ack123.length - 9));
        assertEquals(3, p.ackCount);
        assertEquals(2, p.acks[2]);
        assertEquals(0xdd85db535623b02eL, p.ackRemoteSessionId);

        byte[] control = Bytes.parseHex("20" + "aeb9afe1f01d79c8" + "01" + "00000000" + "dd85db535623b02e" + "00000002"
                + "160301");
        assertTrue(p.parseHeader(control, control.length));
        assertTrue(p.parseBody(java.util.Arrays.copyOfRange(control, 9, control.length), control.length - 9));
        assertEquals(2, p.messageId);
        assertEquals(3, p.payloadLength);

        assertFalse(p.parseBody(Bytes.parseHex("09"), 1), "more than 8 ACKs");
        assertFalse(p.parseBody(Bytes.parseHex("0100000000"), 5), "ACK without remote session id");
        assertFalse(p.parseBody(new byte[0], 0));
        p.opcode = ControlPacket.OP_CONTROL_V1;
        assertFalse(p.parseBody(Bytes.parseHex("00000000"), 4), "no message id");
        p.opcode = ControlPacket.OP_ACK_V1;
        assertFalse(p.parseBody(Bytes.parseHex("0000"), 2), "trailing bytes after an ACK record");
        assertFalse(p.parseHeader(new byte[8], 8));
    }

    @Test
    void keyMethod2RoundTripAndBadMessages() {
        KeyMethod2 mine = KeyMethod2.create(true, new SecureRandom(), "V4,dev-type tun", "IV_CIPHERS=AES-256-GCM\nIV_PROTO=682\n");
        byte[] wire = mine.encode();
        String peerInfo = "IV_CIPHERS=AES-256-GCM\nIV_PROTO=682\n";
        assertEquals(4 + 1 + 48 + 64 + (2 + "V4,dev-type tun".length() + 1) + 2 + 2 + (2 + peerInfo.length() + 1),
                wire.length);
        byte[] withTail = java.util.Arrays.copyOf(wire, wire.length + 5);
        System.arraycopy("EXIT\0".getBytes(), 0, withTail, wire.length, 5);
        KeyMethod2.Parsed p = KeyMethod2.parse(withTail, withTail.length, true);
        assertNotNull(p.message);
        assertEquals(wire.length, p.consumed, "later control messages are left alone");
        assertEquals("V4,dev-type tun", p.message.options);
        assertEquals(682, KeyMethod2.ivProto(p.message.peerInfo));
        assertEquals("AES-256-GCM", KeyMethod2.peerInfoValue(p.message.peerInfo, "IV_CIPHERS"));
        assertTrue(java.util.Arrays.equals(mine.preMaster, p.message.preMaster));

        assertTrue(KeyMethod2.parse(wire, 100, true).incomplete);
        byte[] km1 = wire.clone();
        km1[4] = 1;
        assertTrue(KeyMethod2.parse(km1, km1.length, true).keyMethod1);
        byte[] unknown = wire.clone();
        unknown[4] = 3;
        assertNotNull(KeyMethod2.parse(unknown, unknown.length, true).error);
        byte[] longOptions = wire.clone();
        Bytes.putShort(longOptions, 5 + 48 + 64, 600);
        assertNotNull(KeyMethod2.parse(longOptions, longOptions.length, true).error, "options over 512 bytes");
        // A peer that stops after the options string (older OpenVPN) is read with empty fields.
        byte[] shortMsg = java.util.Arrays.copyOf(wire, 5 + 48 + 64 + 2 + 16);
        KeyMethod2.Parsed older = KeyMethod2.parse(shortMsg, shortMsg.length, true);
        assertNotNull(older.message);
        assertEquals("", older.message.peerInfo);
        assertEquals(0, KeyMethod2.ivProto("IV_CIPHERS=x\n"));
        assertEquals(0, KeyMethod2.ivProto(null));
    }

    @Test
    void keyIdsSkipZero() {
        assertEquals(1, ControlSession.nextKeyId(0));
        assertEquals(7, ControlSession.nextKeyId(6));
        assertEquals(1, ControlSession.nextKeyId(7));
    }
}
