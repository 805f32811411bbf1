package org.culvert.openvpn.tls;

import static org.culvert.openvpn.tls.TlsSessionTest.client;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.tls.internal.Bytes;
import org.culvert.openvpn.tls.internal.ControlWrap;
import org.culvert.openvpn.tls.internal.TlsCryptV2;
import org.junit.jupiter.api.Test;

/**
 * The tls-crypt-v2 client on the wire, checked packet by packet as a 2.6 server sees it: the hard
 * reset is {@code P_CONTROL_HARD_RESET_CLIENT_V3}, tls-crypt-wrapped with Kc (client direction) under
 * packet-id 0x0F000001, followed by the WKc in clear; after a server reset carrying the
 * {@code EARLY_NEG_FLAGS}/{@code RESEND_WKC} TLV, message 1 is {@code P_CONTROL_WKC_V1} with the WKc;
 * without the TLV it is a plain {@code P_CONTROL_V1}.
 */
class TlsCryptV2ClientTest {
    private static final int V3 = 10;
    private static final int WKC_V1 = 11;
    private static final int CONTROL_V1 = 4;
    private static final int SERVER_V2 = 8;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] serverKey = random(128);
    private final byte[] kc = random(256);
    private final byte[] wkc;
    private final FakeClock clock = new FakeClock();
    private final TlsSession session;
    /** The server side of the wrapping: the same Kc, server direction. */
    private final ControlWrap server = ControlWrap.tlsCrypt(kc, true, ReplayWindow.Settings.DEFAULT, clock);

    TlsCryptV2ClientTest() throws Exception {
        wkc = TlsCryptV2.wrap(serverKey, kc, new byte[] {1, 0, 0, 0, 0, 0x65, 0x43, 0x21, 0});
        byte[] file = new byte[256 + wkc.length];
        System.arraycopy(kc, 0, file, 0, 256);
        System.arraycopy(wkc, 0, file, 256, wkc.length);
        String pem = "-----BEGIN OpenVPN tls-crypt-v2 client key-----\n" + Base64.getMimeEncoder().encodeToString(file)
                + "\n-----END OpenVPN tls-crypt-v2 client key-----\n";
        session = new TlsSession(client().tlsCryptV2(pem.toCharArray()).build(), clock, new SecureRandom());
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private byte[] next() {
        ByteBuffer slot = ByteBuffer.allocate(TlsPair.SLOT);
        assertTrue(session.pollOutgoing(slot, TlsPair.HEADROOM), "the client has nothing to send");
        return Arrays.copyOfRange(slot.array(), slot.position(), slot.limit());
    }

    /** Checks the WKc trailer and unwraps the rest as the server does; returns the body. */
    private byte[] serverReads(byte[] packet, boolean withWkc) throws Exception {
        int length = packet.length;
        if (withWkc) {
            int wkcLength = Bytes.getShort(packet, length - 2);
            assertEquals(wkc.length, wkcLength);
            assertArrayEquals(wkc, Arrays.copyOfRange(packet, length - wkcLength, length));
            assertArrayEquals(kc, TlsCryptV2.unwrap(serverKey, packet, length - wkcLength, wkcLength).kc());
            length -= wkcLength;
        }
        byte[] body = new byte[4096];
        int n = server.unwrap(packet, ControlWrap.HEADER, length, body);
        assertTrue(n >= 0, "the server cannot unwrap it: " + n);
        return Arrays.copyOf(body, n);
    }

    /** A server hard reset to the client's session, acknowledging its reset, with {@code payload}. */
    private byte[] serverReset(byte[] clientReset, byte[] payload) {
        byte[] header = new byte[ControlWrap.HEADER];
        header[0] = (byte) (SERVER_V2 << 3);
        Bytes.putLong(header, 1, 0x1122334455667788L);
        byte[] body = new byte[1 + 4 + 8 + 4 + payload.length];
        body[0] = 1; // one ACK: message 0
        System.arraycopy(clientReset, 1, body, 5, 8); // the client's session id
        System.arraycopy(payload, 0, body, 17, payload.length); // message id 0, then the TLVs
        byte[] out = new byte[2048];
        int n = server.wrap(header, header.length, body, body.length, out);
        return Arrays.copyOf(out, n);
    }

    private void deliver(byte[] packet) {
        ByteBuffer buf = ByteBuffer.allocate(packet.length + 2 * TlsPair.HEADROOM);
        buf.position(TlsPair.HEADROOM);
        buf.put(packet);
        buf.limit(buf.position()).position(TlsPair.HEADROOM);
        assertEquals(Incoming.CONSUMED, session.decapsulate(buf), () -> "not accepted: " + session.lastVerdict());
    }

    @Test
    void resetIsV3WithTheWkcAndAnEarlyNegotiationPacketId() throws Exception {
        byte[] reset = next();
        assertEquals(V3, (reset[0] & 0xff) >>> 3);
        // opcode, session id, packet-id and time, tag, then ACK count 0 and message id 0, then the WKc.
        assertEquals(9 + 8 + 32 + 1 + 4 + wkc.length, reset.length);
        assertEquals(0x0F000001L, Bytes.getInt(reset, 9), "the early-negotiation packet-id");
        byte[] body = serverReads(reset, true);
        assertEquals(5, body.length);
        assertEquals(0, Bytes.getInt(body, 1), "message id 0");
    }

    @Test
    void resendWkcMakesMessageOneAWkcPacket() throws Exception {
        byte[] reset = next();
        serverReads(reset, true);
        deliver(serverReset(reset, new byte[] {0, 1, 0, 2, 0, 1}));
        byte[] hello = next();
        assertEquals(WKC_V1, (hello[0] & 0xff) >>> 3);
        byte[] body = serverReads(hello, true);
        int acks = body[0];
        assertEquals(1, acks, "it acknowledges the server's reset");
        assertEquals(1, Bytes.getInt(body, 1 + 4 * acks + 8), "message id 1");
        assertEquals(0x16, body[1 + 4 * acks + 8 + 4], "a TLS handshake record (ClientHello) follows");
        assertTrue(hello.length <= 1250 + 48, "within --max-packet-size with the WKc: " + hello.length);
        // Message 2 and later are plain P_CONTROL_V1 without the WKc.
        clock.advance(3_000);
        for (int i = 0; i < 5; i++) {
            ByteBuffer slot = ByteBuffer.allocate(TlsPair.SLOT);
            if (!session.pollOutgoing(slot, TlsPair.HEADROOM)) {
                break;
            }
            int op = (slot.get(slot.position()) & 0xff) >>> 3;
            assertTrue(op == CONTROL_V1 || op == WKC_V1, "opcode " + op);
        }
    }

    @Test
    void withoutTheTlvMessageOneIsPlainControl() throws Exception {
        byte[] reset = next();
        // An unknown TLV type is skipped, and flags without RESEND_WKC ask for nothing.
        deliver(serverReset(reset, new byte[] {0, 7, 0, 1, 9, 0, 1, 0, 2, 0, 0}));
        byte[] hello = next();
        assertEquals(CONTROL_V1, (hello[0] & 0xff) >>> 3);
        serverReads(hello, false);
    }

    @Test
    void malformedTlvsAskForNothing() throws Exception {
        byte[] reset = next();
        // The flags TLV claims more bytes than follow.
        deliver(serverReset(reset, new byte[] {0, 1, 0, 4, 0, 1}));
        assertEquals(CONTROL_V1, (next()[0] & 0xff) >>> 3);
    }

    @Test
    void badClientKeysAreRefusedByTheBuilder() {
        assertThrows(IllegalArgumentException.class, () -> client().tlsCryptV2("no key here".toCharArray()));
        byte[] lying = wkc.clone();
        Bytes.putShort(lying, lying.length - 2, lying.length + 3);
        assertThrows(IllegalArgumentException.class, () -> client().tlsCryptV2(pem(kc, lying)));
        TlsConfigException both = assertThrows(TlsConfigException.class, () -> client().tlsCrypt(random(256))
                .tlsCryptV2(pem(kc, wkc)).build().validate());
        assertEquals(TlsConfigException.Reason.CONFLICT, both.reason());
        TlsConfigException server = assertThrows(TlsConfigException.class, () -> TlsSessionTest.server().tlsCryptV2(pem(kc, wkc))
                .build().validate());
        assertEquals(TlsConfigException.Reason.UNSUPPORTED, server.reason());
    }

    private static char[] pem(byte[] kc, byte[] wkc) {
        byte[] file = new byte[256 + wkc.length];
        System.arraycopy(kc, 0, file, 0, 256);
        System.arraycopy(wkc, 0, file, 256, wkc.length);
        return ("-----BEGIN OpenVPN tls-crypt-v2 client key-----\n" + Base64.getMimeEncoder().encodeToString(file)
                + "\n-----END OpenVPN tls-crypt-v2 client key-----\n").toCharArray();
    }
}
