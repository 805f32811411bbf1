package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.tls.HandshakeCookie.Action;
import org.culvert.openvpn.tls.HandshakeCookie.DropReason;
import org.junit.jupiter.api.Test;

/**
 * The stateless three-way handshake with good and bad values: the reset reply's form, admission of a
 * real client's third packet, and drops for wrong session ids, old slots, other addresses, other client
 * session ids, truncation, wrong opcodes and key ids, message ids and a wrong tls-auth key.
 */
class HandshakeCookieTest {
    private static final byte[] ADDRESS = {(byte) 192, 0, 2, 7, 0x13, (byte) 0x94};
    private static final byte[] OTHER_ADDRESS = {(byte) 192, 0, 2, 8, 0x13, (byte) 0x94};
    private final FakeClock clock = new FakeClock();
    private final byte[] out = new byte[2048];

    private static byte[] key(long seed) {
        byte[] k = new byte[256];
        new Random(seed).nextBytes(k);
        return k;
    }

    /** The next packet {@code s} sends. */
    static byte[] next(TlsSession s) {
        ByteBuffer slot = ByteBuffer.allocateDirect(TlsPair.SLOT);
        assertTrue(s.pollOutgoing(slot, TlsPair.HEADROOM), "the client has a packet to send");
        byte[] b = new byte[slot.remaining()];
        slot.get(b);
        return b;
    }

    /** Delivers {@code p} to {@code to} with the headroom an engine needs. */
    static void deliver(TlsSession to, byte[] p) {
        ByteBuffer buf = ByteBuffer.allocate(p.length + 2 * TlsPair.HEADROOM);
        buf.position(TlsPair.HEADROOM);
        buf.put(p);
        buf.limit(buf.position()).position(TlsPair.HEADROOM);
        to.decapsulate(buf);
    }

    /** A client's reset, the cookie's reply delivered to it, and the client's third packet. */
    private record Exchange(byte[] reset, byte[] reply, byte[] third) {
    }

    private Exchange exchange(HandshakeCookie cookie, TlsSettings client) throws Exception {
        TlsSession c = new TlsSession(client, clock, new SecureRandom());
        byte[] reset = next(c);
        assertEquals(Action.REPLY, cookie.screen(reset, reset.length, ADDRESS, out));
        byte[] reply = Arrays.copyOf(out, cookie.replyLength());
        deliver(c, reply);
        byte[] third = next(c);
        return new Exchange(reset, reply, third);
    }

    @Test
    void replyIsAServerResetAckingTheClientAndTheThirdPacketIsAdmitted() throws Exception {
        HandshakeCookie cookie = new HandshakeCookie(TlsSessionTest.server().build(), clock, new SecureRandom());
        Exchange e = exchange(cookie, TlsSessionTest.client().build());
        byte[] r = e.reply;
        assertEquals(8 << 3, r[0] & 0xFF, "P_CONTROL_HARD_RESET_SERVER_V2, key_id 0");
        assertEquals(1, r[9], "one ACK");
        assertArrayEquals(new byte[4], Arrays.copyOfRange(r, 10, 14), "of message id 0");
        assertArrayEquals(Arrays.copyOfRange(e.reset, 1, 9), Arrays.copyOfRange(r, 14, 22), "for the client's session id");
        assertArrayEquals(new byte[4], Arrays.copyOfRange(r, 22, 26), "message id 0");
        assertEquals(26, r.length, "no payload");
        assertEquals(Action.ADMIT, cookie.screen(e.third, e.third.length, ADDRESS, out));
        HandshakeCookie.Admission a = cookie.admission();
        assertEquals(ByteBuffer.wrap(r, 1, 8).getLong(), a.serverSessionId());
        assertEquals(ByteBuffer.wrap(e.reset, 1, 8).getLong(), a.clientSessionId());
        assertEquals(1, cookie.replies());
        assertEquals(1, cookie.admitted());
    }

    @Test
    void aReplayedResetEarnsTheSameReplyAndNoState() throws Exception {
        HandshakeCookie cookie = new HandshakeCookie(TlsSessionTest.server().build(), clock, new SecureRandom());
        Exchange e = exchange(cookie, TlsSessionTest.client().build());
        assertEquals(Action.REPLY, cookie.screen(e.reset, e.reset.length, ADDRESS, out));
        assertArrayEquals(e.reply, Arrays.copyOf(out, cookie.replyLength()));
        assertNull(cookie.admission());
        // Another client session id from the same address gets another server session id.
        byte[] other = e.reset.clone();
        other[3] ^= 1;
        assertEquals(Action.REPLY, cookie.screen(other, other.length, ADDRESS, out));
        assertNotEquals(ByteBuffer.wrap(e.reply, 1, 8).getLong(), ByteBuffer.wrap(out, 1, 8).getLong());
    }

    @Test
    void wrongSessionIdOtherAddressAndOtherClientSessionIdAreRefused() throws Exception {
        HandshakeCookie cookie = new HandshakeCookie(TlsSessionTest.server().build(), clock, new SecureRandom());
        Exchange e = exchange(cookie, TlsSessionTest.client().build());
        int ackSid = 9 + 1 + 4 * (e.third[9] & 0xFF); // opcode, sid, ack count, acked ids
        for (int bit = 0; bit < 64; bit += 7) {
            byte[] bad = e.third.clone();
            bad[ackSid + bit / 8] ^= (byte) (1 << (bit % 8));
            assertEquals(Action.DROP, cookie.screen(bad, bad.length, ADDRESS, out), "flipped bit " + bit);
        }
        assertEquals(Action.DROP, cookie.screen(e.third, e.third.length, OTHER_ADDRESS, out));
        byte[] otherClient = e.third.clone();
        otherClient[5] ^= 0x40;
        assertEquals(Action.DROP, cookie.screen(otherClient, otherClient.length, ADDRESS, out));
        assertEquals(12, cookie.drops(DropReason.BAD_COOKIE), "10 flipped bits, an address, a client session id");
        assertEquals(0, cookie.admitted());
        // Another server (another random key) does not know our session ids.
        HandshakeCookie other = new HandshakeCookie(TlsSessionTest.server().build(), clock, new SecureRandom());
        assertEquals(Action.DROP, other.screen(e.third, e.third.length, ADDRESS, out));
        assertEquals(Action.ADMIT, cookie.screen(e.third, e.third.length, ADDRESS, out), "the real one still passes");
    }

    @Test
    void theCookieLivesTwoToThreeSlotsOfHalfTheHandWindow() throws Exception {
        TlsSettings server = TlsSessionTest.server().handWindow(60).build();
        HandshakeCookie cookie = new HandshakeCookie(server, clock, new SecureRandom());
        Exchange e = exchange(cookie, TlsSessionTest.client().build());
        clock.advance(59_000);
        assertEquals(Action.ADMIT, cookie.screen(e.third, e.third.length, ADDRESS, out), "within slots t-2..t");
        clock.advance(32_000);
        assertEquals(Action.DROP, cookie.screen(e.third, e.third.length, ADDRESS, out), "91 s later: slot t-3 at least");
        assertEquals(1, cookie.drops(DropReason.BAD_COOKIE));
        // A cookie from the future (a slot t+1, which 2.6.14 accepted) is refused too.
        HandshakeCookie fresh = new HandshakeCookie(server, clock, new SecureRandom());
        Exchange late = exchange(fresh, TlsSessionTest.client().build());
        clock.advance(-31_000);
        assertEquals(Action.DROP, fresh.screen(late.third, late.third.length, ADDRESS, out));
    }

    @Test
    void truncatedOpcodeKeyIdAndMessageIdAreDropped() throws Exception {
        HandshakeCookie cookie = new HandshakeCookie(TlsSessionTest.server().build(), clock, new SecureRandom());
        Exchange e = exchange(cookie, TlsSessionTest.client().build());
        int headerEnd = 9 + 1 + 4 * (e.third[9] & 0xFF) + 8 + 4; // up to and including the message id
        for (int n = 0; n < headerEnd; n++) {
            assertEquals(Action.DROP, cookie.screen(e.third, n, ADDRESS, out), "truncated to " + n);
        }
        for (int n = 0; n < e.reset.length; n++) {
            assertEquals(Action.DROP, cookie.screen(e.reset, n, ADDRESS, out), "reset truncated to " + n);
        }
        for (int op : new int[] {1, 2, 3, 6, 8, 9, 10, 11, 0, 31}) {
            byte[] bad = e.third.clone();
            bad[0] = (byte) (op << 3);
            assertEquals(Action.DROP, cookie.screen(bad, bad.length, ADDRESS, out), "opcode " + op);
        }
        assertEquals(10, cookie.drops(DropReason.OPCODE));
        byte[] keyId = e.third.clone();
        keyId[0] |= 1;
        assertEquals(Action.DROP, cookie.screen(keyId, keyId.length, ADDRESS, out));
        assertEquals(1, cookie.drops(DropReason.KEY_ID));
        byte[] msgId = e.third.clone();
        msgId[headerEnd - 1] = 2;
        assertEquals(Action.DROP, cookie.screen(msgId, msgId.length, ADDRESS, out), "packet 3 with message id 2");
        byte[] resetId = e.reset.clone();
        resetId[resetId.length - 1] = 1;
        assertEquals(Action.DROP, cookie.screen(resetId, resetId.length, ADDRESS, out), "reset with message id 1");
        assertEquals(2, cookie.drops(DropReason.MESSAGE_ID));
        byte[] tooManyAcks = e.third.clone();
        tooManyAcks[9] = 9;
        assertEquals(Action.DROP, cookie.screen(tooManyAcks, tooManyAcks.length, ADDRESS, out));
        assertTrue(cookie.drops(DropReason.SHORT) + cookie.drops(DropReason.MALFORMED) > 0);
        assertEquals(0, cookie.admitted());
        assertEquals(1, cookie.replies());
    }

    @Test
    void tlsAuthIsCheckedFirstAndAnyTruncationOrWrongKeyFailsIt() throws Exception {
        byte[] k = key(1);
        TlsSettings server = TlsSessionTest.server().tlsAuth(k.clone(), KeyDirection.NORMAL).build();
        HandshakeCookie cookie = new HandshakeCookie(server, clock, new SecureRandom());
        Exchange e = exchange(cookie, TlsSessionTest.client().tlsAuth(k.clone(), KeyDirection.INVERSE).build());
        for (int n = 0; n < e.third.length; n++) {
            assertEquals(Action.DROP, cookie.screen(e.third, n, ADDRESS, out), "truncated to " + n);
        }
        assertEquals(Action.ADMIT, cookie.screen(e.third, e.third.length, ADDRESS, out));

        TlsSession stranger = new TlsSession(TlsSessionTest.client().tlsAuth(key(2), KeyDirection.INVERSE).build(),
                clock, new SecureRandom());
        byte[] reset = next(stranger);
        long before = cookie.drops(DropReason.WRAP);
        assertEquals(Action.DROP, cookie.screen(reset, reset.length, ADDRESS, out));
        assertEquals(before + 1, cookie.drops(DropReason.WRAP), "a wrong tls-auth key fails the HMAC");
        assertEquals(1, cookie.replies(), "no reply to it");
    }

    @Test
    void tlsCryptRepliesOpenForTheClientAndStrangersAreDropped() throws Exception {
        byte[] k = key(3);
        TlsSettings server = TlsSessionTest.server().tlsCrypt(k.clone()).build();
        HandshakeCookie cookie = new HandshakeCookie(server, clock, new SecureRandom());
        Exchange e = exchange(cookie, TlsSessionTest.client().tlsCrypt(k.clone()).build());
        assertEquals(Action.ADMIT, cookie.screen(e.third, e.third.length, ADDRESS, out));
        TlsSession stranger = new TlsSession(TlsSessionTest.client().tlsCrypt(key(4)).build(), clock, new SecureRandom());
        byte[] reset = next(stranger);
        assertEquals(Action.DROP, cookie.screen(reset, reset.length, ADDRESS, out));
        assertEquals(1, cookie.drops(DropReason.WRAP));
        cookie.close();
        cookie.close();
        assertEquals(Action.DROP, cookie.screen(e.reset, e.reset.length, ADDRESS, out), "closed: nothing passes");
        assertNotNull(cookie.toString());
    }
}
