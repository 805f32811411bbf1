package org.culvert.openvpn.tls;

import org.culvert.openvpn.session.TimerEvent;
import org.culvert.openvpn.session.Incoming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.tls.internal.Bytes;
import org.junit.jupiter.api.Test;

/**
 * Every way the issue lists for a session to be refused ends with its own reason, on the side that
 * detected it, and with no data accepted by either side.
 */
class NegativeTest {
    private static final TestPki.Identity CA = TestPki.ca("Right CA");
    private static final TestPki.Identity OTHER_CA = TestPki.ca("Other CA");
    private static final TestPki.Identity SERVER = TestPki.issue(CA, "server", TestPki.Usage.SERVER, false, false);
    private static final TestPki.Identity CLIENT = TestPki.issue(CA, "client", TestPki.Usage.CLIENT, false, false);
    private static final TestPki.Identity FOREIGN = TestPki.issue(OTHER_CA, "client", TestPki.Usage.CLIENT, false, false);

    @Test
    void wrongFingerprint() throws Exception {
        TestPki.Identity impostor = TestPki.selfSigned("server");
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSettings.builder(TlsRole.SERVER)
                .cert(impostor.certPem()).key(impostor.keyPem()).peerFingerprint(TlsSessionTest.CLIENT.fingerprint())
                .dhNone().build());
        assertFalse(pair.handshake(10_000));
        assertEquals(TlsFailure.Reason.FINGERPRINT_MISMATCH, pair.client.lastError().reason());
        assertTrue(pair.client.lastError().message().contains(impostor.fingerprint()), pair.client.lastError().message());
        settle(pair);
        assertEquals(TlsFailure.Reason.PEER_REJECTED, pair.server.lastError().reason(), String.valueOf(pair.server.lastError()));
        assertNoDataAccepted(pair);
    }

    @Test
    void certificateFromAnotherCa() throws Exception {
        TlsPair pair = TlsPair.clean(caClient(FOREIGN).build(), caServer().build());
        assertFalse(pair.handshake(10_000));
        settle(pair);
        assertEquals(TlsFailure.Reason.CERT_UNTRUSTED, pair.server.lastError().reason(), String.valueOf(pair.server.lastError()));
        assertEquals(TlsFailure.Reason.PEER_REJECTED, pair.client.lastError().reason(), String.valueOf(pair.client.lastError()));
        assertNoDataAccepted(pair);
    }

    @Test
    void caModeAcceptsTheRightCaAndChecksUsageAndName() throws Exception {
        TlsPair ok = TlsPair.clean(caClient(CLIENT).remoteCertTls(RemoteCertTls.SERVER)
                .verifyX509Name("C=DE, O=Culvert Test, CN=server", X509NameType.SUBJECT).build(),
                caServer().remoteCertTls(RemoteCertTls.CLIENT).verifyX509Name("cli", X509NameType.NAME_PREFIX).build());
        assertTrue(ok.handshake(10_000), () -> ok.client.lastError() + " / " + ok.server.lastError());

        // The server's certificate is not a client certificate: --remote-cert-tls client rejects it.
        TlsPair usage = TlsPair.clean(caClient(SERVER).build(), caServer().remoteCertTls(RemoteCertTls.CLIENT).build());
        assertFalse(usage.handshake(10_000));
        assertEquals(TlsFailure.Reason.CERT_USAGE_MISMATCH, usage.server.lastError().reason());

        TlsPair name = TlsPair.clean(caClient(CLIENT).verifyX509Name("elsewhere", X509NameType.NAME).build(),
                caServer().build());
        assertFalse(name.handshake(10_000));
        assertEquals(TlsFailure.Reason.CERT_NAME_MISMATCH, name.client.lastError().reason());
        assertTrue(name.client.lastError().message().contains("CN=server"), name.client.lastError().message());
    }

    @Test
    void wrongTlsAuthKey() throws Exception {
        byte[] a = random256();
        byte[] b = random256();
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().tlsAuth(a, KeyDirection.INVERSE).build(),
                TlsSessionTest.server().tlsAuth(b, KeyDirection.NORMAL).build());
        assertFalse(pair.handshake(70_000));
        runFor(pair, 5_000);
        // The server drops every packet of the client and says why; the client only hears silence.
        assertEquals(TlsFailure.Reason.TLS_AUTH_FAILED, pair.server.lastError().reason(), pair.server.lastError() + " "
                + pair.server.describe());
        assertTrue(pair.server.lastError().message().contains("--tls-auth"), pair.server.lastError().message());
        assertEquals(TlsFailure.Reason.HANDSHAKE_TIMEOUT, pair.client.lastError().reason());
        assertTrue(pair.client.lastError().message().contains("tls-auth"), pair.client.lastError().message());
        assertEquals(TimerEvent.HANDSHAKE_FAILED, pair.client.checkTimers());
        assertNoDataAccepted(pair);
    }

    @Test
    void sameTlsAuthKeyWithWrongDirection() throws Exception {
        byte[] a = random256();
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().tlsAuth(a, KeyDirection.NORMAL).build(),
                TlsSessionTest.server().tlsAuth(a, KeyDirection.NORMAL).build());
        assertFalse(pair.handshake(70_000));
        runFor(pair, 5_000);
        assertEquals(TlsFailure.Reason.TLS_AUTH_FAILED, pair.server.lastError().reason());
        assertEquals(TlsFailure.Reason.HANDSHAKE_TIMEOUT, pair.client.lastError().reason());
    }

    @Test
    void wrongTlsCryptKey() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().tlsCrypt(random256()).build(),
                TlsSessionTest.server().tlsCrypt(random256()).build());
        assertFalse(pair.handshake(70_000));
        runFor(pair, 5_000);
        assertEquals(TlsFailure.Reason.TLS_CRYPT_FAILED, pair.server.lastError().reason(), String.valueOf(pair.server.lastError()));
        assertEquals(TlsFailure.Reason.HANDSHAKE_TIMEOUT, pair.client.lastError().reason());
        assertTrue(pair.client.lastError().message().contains("tls-crypt"), pair.client.lastError().message());
        assertNoDataAccepted(pair);
    }

    @Test
    void tlsAuthOnOneSideOnly() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(),
                TlsSessionTest.server().tlsAuth(random256(), KeyDirection.NORMAL).build());
        assertFalse(pair.handshake(70_000));
        runFor(pair, 5_000);
        assertEquals(TlsFailure.Reason.TLS_AUTH_FAILED, pair.server.lastError().reason());
        assertEquals(TlsFailure.Reason.HANDSHAKE_TIMEOUT, pair.client.lastError().reason());
    }

    @Test
    void peerSpeakingOnlyKeyMethod1ToOurServer() throws Exception {
        FakeClock clock = new FakeClock();
        try (TlsSession server = new TlsSession(TlsSessionTest.server().build(), clock, new SecureRandom())) {
            // P_CONTROL_HARD_RESET_CLIENT_V1: opcode 1, key_id 0, a session id, no ACKs, message id 0.
            byte[] km1 = Bytes.parseHex("08" + "1122334455667788" + "00" + "00000000");
            ByteBuffer p = ByteBuffer.wrap(km1);
            assertEquals(Incoming.DROP, server.decapsulate(p));
            assertEquals(TlsVerdict.UNKNOWN_OPCODE, server.lastVerdict());
            // Without tls-auth anyone could have sent it: dropped as OpenVPN does, named at the timeout.
            assertEquals(TimerEvent.NONE, server.checkTimers());
            assertEquals(TlsSession.State.CONNECTING, server.state());
            clock.advance(60_000);
            assertEquals(TimerEvent.HANDSHAKE_FAILED, server.checkTimers());
            assertEquals(TlsFailure.Reason.KEY_METHOD_1, server.lastError().reason());
            assertEquals(TlsSession.State.FAILED, server.state());
            assertFalse(server.pollOutgoing(ByteBuffer.allocate(4096), 128));
        }
    }

    @Test
    void keyMethod1ServerAnsweringOurClient() throws Exception {
        FakeClock clock = new FakeClock();
        try (TlsSession client = new TlsSession(TlsSessionTest.client().build(), clock, new SecureRandom())) {
            ByteBuffer slot = ByteBuffer.allocate(4096);
            assertTrue(client.pollOutgoing(slot, 128), "the client sends its hard reset");
            assertEquals(0x38, slot.get(slot.position()) & 0xFF);
            byte[] km1 = Bytes.parseHex("10" + "8877665544332211" + "00" + "00000000");
            assertEquals(Incoming.DROP, client.decapsulate(ByteBuffer.wrap(km1)));
            assertEquals(TimerEvent.NONE, client.checkTimers());
            clock.advance(60_000);
            assertEquals(TimerEvent.HANDSHAKE_FAILED, client.checkTimers());
            assertEquals(TlsFailure.Reason.KEY_METHOD_1, client.lastError().reason());
        }
    }

    @Test
    void noCommonDataCipher() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().dataCiphers("AES-128-GCM").build(),
                TlsSessionTest.server().dataCiphers("CHACHA20-POLY1305").build());
        assertFalse(pair.handshake(10_000));
        runFor(pair, 2_000);
        assertEquals(TlsFailure.Reason.NEGOTIATION_FAILED, pair.server.lastError().reason(), String.valueOf(pair.server.lastError()));
        assertNoDataAccepted(pair);
    }

    @Test
    void fallbackCipherIsNotUsedWhenThePeerOffersCiphers() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().dataCiphers("AES-128-GCM").build(),
                TlsSessionTest.server().dataCiphers("CHACHA20-POLY1305:AES-256-GCM").build());
        assertFalse(pair.handshake(10_000));
        // The server's first cipher the client also offers decides: here AES-128-GCM is common.
        TlsPair good = TlsPair.clean(TlsSessionTest.client().dataCiphers("AES-128-GCM:CHACHA20-POLY1305").build(),
                TlsSessionTest.server().dataCiphers("CHACHA20-POLY1305:AES-128-GCM").build());
        assertTrue(good.handshake(10_000));
        assertEquals(DataCipher.CHACHA20_POLY1305, good.client.negotiated().dataCipher());
        assertEquals(DataCipher.CHACHA20_POLY1305, good.server.negotiated().dataCipher());
    }

    @Test
    void handshakeTimeoutWhenThePeerNeverAnswers() throws Exception {
        FakeClock clock = new FakeClock();
        try (TlsSession client = new TlsSession(TlsSessionTest.client().handWindow(20).build(), clock, new SecureRandom())) {
            ByteBuffer slot = ByteBuffer.allocate(4096);
            int resets = 0;
            for (int i = 0; i < 250 && client.checkTimers() != TimerEvent.HANDSHAKE_FAILED; i++) {
                while (client.pollOutgoing(slot.clear(), 128)) {
                    resets++;
                }
                clock.advance(100);
            }
            assertEquals(TlsFailure.Reason.HANDSHAKE_TIMEOUT, client.lastError().reason());
            assertTrue(resets >= 4, "the hard reset was retransmitted: " + resets);
            assertTrue(clock.monotonicMillis() >= 20_000 && clock.monotonicMillis() <= 20_200, "after --hand-window");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static TlsSettings.Builder caClient(TestPki.Identity id) {
        return TlsSettings.builder(TlsRole.CLIENT).ca(CA.certPem()).cert(id.certPem()).key(id.keyPem());
    }

    private static TlsSettings.Builder caServer() {
        return TlsSettings.builder(TlsRole.SERVER).ca(CA.certPem()).cert(SERVER.certPem()).key(SERVER.keyPem()).dhNone();
    }

    private static byte[] random256() {
        byte[] k = new byte[256];
        new SecureRandom().nextBytes(k);
        return k;
    }

    /** Lets both sides exchange what is left (alerts) and run their timers. */
    private static void settle(TlsPair pair) {
        runFor(pair, 3_000);
    }

    private static void runFor(TlsPair pair, long millis) {
        for (long t = 0; t < millis; t += 100) {
            pair.timers();
            pair.exchange(null, null);
            pair.clock.advance(100);
        }
    }

    /** Neither side is keyed, encapsulates, or hands anything to the tun, even for a well-formed data packet. */
    private static void assertNoDataAccepted(TlsPair pair) {
        assertNotNull(pair.client.lastError());
        assertNotNull(pair.server.lastError());
        assertFalse(pair.client.isKeyed());
        assertFalse(pair.server.isKeyed());
        assertEquals(TimerEvent.HANDSHAKE_FAILED, pair.client.checkTimers());
        assertEquals(TimerEvent.HANDSHAKE_FAILED, pair.server.checkTimers());
        ByteBuffer p = TlsSessionTest.packet("secret payload");
        assertEquals(TlsVerdict.SESSION_CLOSED, pair.client.encapsulate(p));
        List<ByteBuffer> tun = new ArrayList<>();
        byte[] data = Bytes.parseHex("48000001" + "00000001" + "00112233445566778899aabbccddeeff" + "0102030405");
        pair.toServer.inject(data);
        pair.toClient.inject(data);
        pair.exchange(tun, tun);
        assertTrue(tun.isEmpty(), "no data delivered");
        assertEquals(Incoming.DROP, pair.server.decapsulate(ByteBuffer.wrap(data)));
    }
}
