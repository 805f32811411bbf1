package org.culvert.openvpn.tls;

import org.culvert.openvpn.crypto.Verdict;
import org.culvert.openvpn.session.TimerEvent;
import org.culvert.openvpn.session.Incoming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.DHParameter;
import org.bouncycastle.tls.crypto.DHStandardGroups;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.culvert.openvpn.config.Compression;
import org.junit.jupiter.api.Test;

/** Client engine against server engine over a clean in-memory wire: features one by one. */
class TlsSessionTest {
    static final TestPki.Identity SERVER = TestPki.selfSigned("server");
    static final TestPki.Identity CLIENT = TestPki.selfSigned("client");

    static TlsSettings.Builder client() {
        return TlsSettings.builder(TlsRole.CLIENT).cert(CLIENT.certPem()).key(CLIENT.keyPem())
                .peerFingerprint(SERVER.fingerprint());
    }

    static TlsSettings.Builder server() {
        return TlsSettings.builder(TlsRole.SERVER).cert(SERVER.certPem()).key(SERVER.keyPem())
                .peerFingerprint(CLIENT.fingerprint()).dhNone();
    }

    @Test
    void handshakeThenDataBothWays() throws Exception {
        TlsPair pair = TlsPair.clean(client().build(), server().build());
        assertEquals(TlsSession.State.CONNECTING, pair.client.state());
        assertTrue(pair.handshake(10_000), () -> "client " + pair.client.lastError() + " server " + pair.server.lastError());
        assertEquals(TlsSession.State.KEYED, pair.client.state());
        Negotiated n = pair.client.negotiated();
        assertNotNull(n);
        assertEquals(DataCipher.AES_256_GCM, n.dataCipher());
        assertEquals("TLSv1.3", n.tlsVersion());
        assertEquals("tls-ekm", n.keyDerivation());
        assertTrue(n.dataV2());
        assertTrue(n.ccExitNotify());
        assertTrue(n.dynamicTlsCrypt());
        assertEquals(0, n.keyId());
        assertEquals(pair.server.negotiated().peerId(), n.peerId());
        assertEquals(SERVER.fingerprint(), n.peerFingerprint());
        assertEquals(CLIENT.fingerprint(), pair.server.negotiated().peerFingerprint());
        assertTrue(n.peerInfo().contains("IV_PROTO=682"), n.peerInfo());
        assertNull(n.optionsWarning(), "both sides build matching OCC strings");

        assertEquals(List.of("hello from the client"), pair.send(pair.client, "hello from the client"));
        assertEquals(List.of("hello from the server"), pair.send(pair.server, "hello from the server"));
    }

    @Test
    void dataBeforeKeysIsRefusedAndForgedDataIsDropped() throws Exception {
        TlsPair pair = TlsPair.clean(client().build(), server().build());
        assertEquals(Verdict.NOT_KEYED, pair.client.encapsulate(packet("too early")));
        assertEquals(Incoming.DROP, pair.server.decapsulate(ByteBuffer.wrap(new byte[] {0x48, 0, 0, 1, 0, 0, 0, 1})));
        assertEquals(Verdict.NOT_KEYED, pair.server.lastVerdict());
        assertTrue(pair.handshake(10_000));

        ByteBuffer p = packet("genuine");
        assertEquals(Verdict.OK, pair.client.encapsulate(p));
        byte[] wire = new byte[p.remaining()];
        p.get(p.position(), wire);
        byte[] flipped = wire.clone();
        flipped[flipped.length - 1] ^= 0x40;
        assertEquals(Incoming.DROP, pair.server.decapsulate(ByteBuffer.wrap(flipped)));
        assertEquals(Verdict.AUTH_FAILED, pair.server.lastVerdict());
        byte[] otherKey = wire.clone();
        otherKey[0] = (byte) (0x48 | 3);
        assertEquals(Incoming.DROP, pair.server.decapsulate(ByteBuffer.wrap(otherKey)));
        assertEquals(Verdict.UNKNOWN_KEY_ID, pair.server.lastVerdict());
        assertEquals(Incoming.TUN_PACKET, pair.server.decapsulate(ByteBuffer.wrap(wire.clone())));
        assertEquals(Incoming.DROP, pair.server.decapsulate(ByteBuffer.wrap(wire.clone())));
        assertEquals(Verdict.REPLAY, pair.server.lastVerdict());
        assertEquals(Incoming.DROP, pair.server.decapsulate(ByteBuffer.wrap(new byte[] {0x48, 0})));
        assertEquals(Verdict.SHORT_PACKET, pair.server.lastVerdict());
        assertEquals(Incoming.DROP, pair.server.decapsulate(ByteBuffer.wrap(new byte[] {(byte) 0xF8, 1, 2})));
        assertEquals(Verdict.UNKNOWN_OPCODE, pair.server.lastVerdict());
        assertEquals(TlsSession.State.KEYED, pair.server.state(), "garbage does not hurt the session");
    }

    @Test
    void olderPeerWithoutPointToPointNegotiationUsesDataV1AndThePrf() throws Exception {
        // Like OpenVPN 2.4: no NCP_P2P, so no P_DATA_V2, no key export, OCC_EXIT instead of EXIT.
        TlsPair pair = TlsPair.clean(client().announceIvProto(2 | 128).build(), server().build());
        assertTrue(pair.handshake(10_000), () -> pair.client.lastError() + " / " + pair.server.lastError());
        for (TlsSession s : List.of(pair.client, pair.server)) {
            Negotiated n = s.negotiated();
            assertFalse(n.dataV2());
            assertEquals("openvpn-prf", n.keyDerivation());
            assertFalse(n.ccExitNotify());
            assertFalse(n.dynamicTlsCrypt());
            assertEquals(DataCipher.AES_256_GCM, n.dataCipher(), "IV_CIPHERS still negotiates the cipher");
        }
        ByteBuffer p = packet("v1");
        assertEquals(Verdict.OK, pair.client.encapsulate(p));
        assertEquals(0x30, p.get(p.position()) & 0xF8, "P_DATA_V1");
        assertEquals(List.of("over P_DATA_V1"), pair.send(pair.client, "over P_DATA_V1"));
        assertEquals(List.of("and back"), pair.send(pair.server, "and back"));
        pair.client.renegotiate();
        pair.run(2_000);
        assertEquals(1, pair.client.renegotiations());
        assertEquals(List.of("after renegotiation"), pair.send(pair.server, "after renegotiation"));
    }

    @Test
    void peerWithoutKeyExportUsesThePrfAndTheFixedPeerId() throws Exception {
        // Like a 2.5 peer: NCP_P2P and DATA_V2, but no TLS_KEY_EXPORT.
        TlsPair pair = TlsPair.clean(client().build(), server().announceIvProto(2 | 32 | 128).build());
        assertTrue(pair.handshake(10_000));
        Negotiated n = pair.client.negotiated();
        assertTrue(n.dataV2());
        assertEquals("openvpn-prf", n.keyDerivation());
        assertEquals(0x76706E, n.peerId());
        assertEquals(List.of("prf keys"), pair.send(pair.client, "prf keys"));
    }

    @Test
    void tls12WithDheRsaServerAndRestrictedSuitesAndGroups() throws Exception {
        TestPki.Identity rsaServer = TestPki.issue(null, "rsa-server", TestPki.Usage.NONE, false, true);
        TlsSettings s = TlsSettings.builder(TlsRole.SERVER).cert(rsaServer.certPem()).key(rsaServer.keyPem())
                .peerFingerprint(CLIENT.fingerprint()).dh(ffdhe2048Pem()).tlsVersionMax(TlsVersion.TLS_1_2).build();
        TlsSettings c = client().peerFingerprint(rsaServer.fingerprint()).tlsVersionMax(TlsVersion.TLS_1_2)
                .tlsCipher("DHE-RSA-AES256-GCM-SHA384").tlsGroups("ffdhe2048:X25519").build();
        TlsPair pair = TlsPair.clean(c, s);
        assertTrue(pair.handshake(10_000), () -> pair.client.lastError() + " / " + pair.server.lastError());
        Negotiated n = pair.client.negotiated();
        assertEquals("TLSv1.2", n.tlsVersion());
        assertEquals("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", n.tlsCipherSuite());
        assertEquals("tls-ekm", n.keyDerivation(), "TLS 1.2 with extended master secret can export");
        assertEquals(List.of("over tls 1.2"), pair.send(pair.client, "over tls 1.2"));

        TlsPair ecdhe = TlsPair.clean(client().tlsVersionMax(TlsVersion.TLS_1_2)
                .tlsCipher("TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256").ecdhCurve("secp384r1").build(),
                server().tlsVersionMax(TlsVersion.TLS_1_2).build());
        assertTrue(ecdhe.handshake(10_000), () -> ecdhe.client.lastError() + " / " + ecdhe.server.lastError());
        assertEquals("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", ecdhe.server.negotiated().tlsCipherSuite());

        TlsPair tls13 = TlsPair.clean(client().tlsCiphersuites("TLS_CHACHA20_POLY1305_SHA256").tlsGroups("secp256r1").build(),
                server().tlsVersionMin("1.3", false).build());
        assertTrue(tls13.handshake(10_000), () -> tls13.client.lastError() + " / " + tls13.server.lastError());
        assertEquals("TLS_CHACHA20_POLY1305_SHA256", tls13.server.negotiated().tlsCipherSuite());

        TlsPair mismatch = TlsPair.clean(client().tlsVersionMax(TlsVersion.TLS_1_2).build(),
                server().tlsVersionMin(TlsVersion.TLS_1_3).build());
        assertFalse(mismatch.handshake(10_000));
        mismatch.run(2_000);
        assertEquals(TlsFailure.Reason.TLS_ERROR, mismatch.server.lastError().reason(), String.valueOf(mismatch.server.lastError()));
        assertEquals(TlsFailure.Reason.PEER_REJECTED, mismatch.client.lastError().reason(), String.valueOf(mismatch.client.lastError()));
    }

    @Test
    void keyIdsRotateThroughOneToSevenAndDataSurvivesEveryRenegotiation() throws Exception {
        TlsPair pair = TlsPair.clean(client().build(), server().renegSeconds(20).build());
        assertTrue(pair.handshake(10_000));
        List<Integer> keyIds = new ArrayList<>();
        int lastKey = 0;
        for (int i = 0; i < 9 * 650; i++) {
            pair.clock.advance(100);
            pair.timers();
            final int step = i;
            assertEquals(List.of("tick " + i), pair.send(pair.client, "tick " + i), () -> "at step " + step + " client "
                    + pair.client.describe() + " server " + pair.server.describe() + " last drop " + pair.lastDrop);
            int k = pair.client.negotiated().keyId();
            if (k != lastKey) {
                keyIds.add(k);
                lastKey = k;
            }
        }
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 1), keyIds.subList(0, 8), "key_id 0 is never reused");
        assertTrue(pair.server.renegotiations() >= 8);
    }

    @Test
    void renegotiationThatRunsOutOfTimeIsRetriedWhileTheOldKeyCarriesData() throws Exception {
        TlsPair pair = TlsPair.clean(client().handWindow(30).build(), server().handWindow(30).build());
        assertTrue(pair.handshake(10_000));
        pair.blockControlToServer = true;
        assertTrue(pair.server.renegotiate());
        for (int i = 0; i < 400; i++) { // 40 s: past the 30 s hand window
            pair.clock.advance(100);
            pair.timers();
            assertEquals(List.of("during " + i), pair.send(pair.client, "during " + i));
        }
        pair.blockControlToServer = false;
        pair.run(10_000);
        assertEquals(TlsSession.State.KEYED, pair.client.state(), String.valueOf(pair.client.lastError()));
        assertEquals(TlsSession.State.KEYED, pair.server.state(), String.valueOf(pair.server.lastError()));
        assertTrue(pair.server.renegotiationRetries() + pair.client.renegotiationRetries() >= 1);
        assertTrue(pair.server.renegotiations() >= 1 && pair.client.renegotiations() >= 1);
        assertEquals(List.of("after"), pair.send(pair.client, "after"));
        assertEquals(List.of("and back"), pair.send(pair.server, "and back"));
    }

    @Test
    void restartedClientTakesOverOnlyOnceKeyed() throws Exception {
        TlsPair pair = TlsPair.clean(client().build(), server().build());
        assertTrue(pair.handshake(10_000));
        // A second client (the first one restarted) appears; its reset arrives at the same server.
        TlsSession restarted = new TlsSession(client().build(), pair.clock, new SecureRandom());
        ByteBuffer slot = ByteBuffer.allocate(TlsPair.SLOT);
        List<byte[]> toServer = new ArrayList<>();
        List<byte[]> toRestarted = new ArrayList<>();
        for (int i = 0; i < 100 && !(restarted.isKeyed() && pair.server.negotiated().peerFingerprint() != null
                && toServer.isEmpty() && toRestarted.isEmpty() && i > 20); i++) {
            pair.clock.advance(100);
            restarted.checkTimers();
            pair.server.checkTimers();
            while (restarted.pollOutgoing(slot.clear(), TlsPair.HEADROOM)) {
                toServer.add(bytes(slot));
            }
            for (byte[] b : toServer) {
                pair.server.decapsulate(ByteBuffer.wrap(b));
            }
            toServer.clear();
            while (pair.server.pollOutgoing(slot.clear(), TlsPair.HEADROOM)) {
                toRestarted.add(bytes(slot));
            }
            for (byte[] b : toRestarted) {
                restarted.decapsulate(ByteBuffer.wrap(b));
            }
            toRestarted.clear();
        }
        assertTrue(restarted.isKeyed(), String.valueOf(restarted.lastError()));
        assertEquals(TlsSession.State.KEYED, pair.server.state());
        ByteBuffer p = packet("from the new client");
        assertEquals(Verdict.OK, restarted.encapsulate(p));
        assertEquals(Incoming.TUN_PACKET, pair.server.decapsulate(p));
        assertEquals("from the new client", text(p));
        ByteBuffer old = packet("from the old client");
        assertEquals(Verdict.OK, pair.client.encapsulate(old));
        assertEquals(Incoming.DROP, pair.server.decapsulate(old), "the old session was replaced");
        restarted.close();
    }

    @Test
    void exitNotifyGoesOverTheControlChannel() throws Exception {
        TlsPair pair = TlsPair.clean(client().explicitExitNotify(2).build(), server().build());
        assertTrue(pair.handshake(10_000));
        assertEquals(0, pair.server.beginExitNotify(), "not configured on the server");
        long keepOpen = pair.client.beginExitNotify();
        assertEquals(2000, keepOpen);
        pair.exchange(null, null);
        assertEquals(1, pair.count(pair.server, Incoming.PEER_EXIT));
    }

    @Test
    void exitNotifyFallsBackToOccExitForOlderPeers() throws Exception {
        TlsPair pair = TlsPair.clean(client().explicitExitNotify(3).build(), server().announceIvProto(2 | 32).build());
        assertTrue(pair.handshake(10_000));
        assertFalse(pair.client.negotiated().ccExitNotify());
        assertEquals(3000, pair.client.beginExitNotify());
        pair.run(3_500);
        assertEquals(3, pair.count(pair.server, Incoming.PEER_EXIT), "one OCC_EXIT per second");
    }

    @Test
    void pingsKeepThePeerAliveAndSilenceTriggersPingRestart() throws Exception {
        TlsPair pair = TlsPair.clean(client().ping(1).pingRestart(4).build(), server().ping(1).pingExit(5).build());
        assertTrue(pair.handshake(10_000));
        for (int i = 0; i < 100; i++) {
            pair.clock.advance(100);
            assertEquals(TimerEvent.NONE, pair.client.checkTimers());
            assertEquals(TimerEvent.NONE, pair.server.checkTimers());
            pair.exchange(null, null);
        }
        assertTrue(pair.client.pingsReceived() >= 9 && pair.server.pingsReceived() >= 9);
        TimerEvent clientEvent = TimerEvent.NONE;
        TimerEvent serverEvent = TimerEvent.NONE;
        for (int i = 0; i < 60 && (clientEvent == TimerEvent.NONE || serverEvent == TimerEvent.NONE); i++) {
            pair.clock.advance(100); // nothing is delivered any more
            TimerEvent c = pair.client.checkTimers();
            TimerEvent s = pair.server.checkTimers();
            clientEvent = c != TimerEvent.NONE ? c : clientEvent;
            serverEvent = s != TimerEvent.NONE ? s : serverEvent;
        }
        assertEquals(TimerEvent.PING_RESTART, clientEvent);
        assertEquals(TimerEvent.PING_EXIT, serverEvent);
    }

    @Test
    void occRequestIsAnsweredWithMatchingOptions() throws Exception {
        TlsPair pair = TlsPair.clean(client().build(), server().build());
        assertTrue(pair.handshake(10_000));
        byte[] request = new byte[17];
        System.arraycopy(new byte[] {0x28, 0x7f, 0x34, 0x6b, (byte) 0xd4, (byte) 0xef, 0x7a, (byte) 0x81, 0x2d, 0x56,
            (byte) 0xb8, (byte) 0xd3, (byte) 0xaf, (byte) 0xc5, 0x45, (byte) 0x9c}, 0, request, 0, 16);
        ByteBuffer p = ByteBuffer.allocate(TlsPair.SLOT);
        p.position(TlsPair.HEADROOM).put(request).limit(TlsPair.HEADROOM + 17).position(TlsPair.HEADROOM);
        assertEquals(Verdict.OK, pair.client.encapsulate(p));
        pair.toServer.send(p);
        pair.exchange(null, null);
        assertEquals(1, pair.count(pair.client, Incoming.CONSUMED) - controlPackets(pair), "reply consumed");
        assertNull(pair.client.lastOccMismatch(), "the server's OCC string is what the client expects");
        assertTrue(pair.client.localOptionsString().endsWith(",key-method 2,tls-client"), pair.client.localOptionsString());
        assertEquals("V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,cipher BF-CBC,auth SHA1,keysize 128,"
                + "key-method 2,tls-server", pair.server.localOptionsString());
    }

    @Test
    void compressionStubFramingOnBothSides() throws Exception {
        for (Compression c : List.of(Compression.LZO_STUB, Compression.STUB, Compression.STUB_V2)) {
            TlsPair pair = TlsPair.clean(client().compression(c).build(), server().compression(c).build());
            assertTrue(pair.handshake(10_000));
            assertEquals(List.of("Payload " + c), pair.send(pair.client, "Payload " + c));
            assertEquals(List.of("P starts with 0x50"), pair.send(pair.server, "P starts with 0x50"));
        }
    }

    /**
     * A peer that compresses (here a client without framing sending OpenVPN's bytes as they are):
     * lz4-v2 and lz4 blocks come out decompressed; what the decompressing side sends is not compressed.
     */
    @Test
    void compressedPayloadsAreDecompressed() throws Exception {
        // Short enough to fit the buffer TlsPair delivers in (the wire size plus 256 bytes).
        String text = "Payload " + "a".repeat(150);
        byte[] block = net.jpountz.lz4.LZ4Factory.safeInstance().fastCompressor().compress(text.getBytes(StandardCharsets.US_ASCII));
        for (Compression c : List.of(Compression.LZ4_V2, Compression.LZ4)) {
            TlsPair pair = TlsPair.clean(client().build(), server().compression(c).build());
            assertTrue(pair.handshake(10_000));
            ByteBuffer p = ByteBuffer.allocate(TlsPair.SLOT);
            p.position(TlsPair.HEADROOM);
            if (c == Compression.LZ4_V2) {
                p.put((byte) 0x50).put((byte) 0x01).put(block);
            } else {
                // v1: the marker in front, the block's first byte moved to the end
                p.put((byte) 0x69).put(block, 1, block.length - 1).put(block[0]);
            }
            p.limit(p.position()).position(TlsPair.HEADROOM);
            assertEquals(List.of(text), pair.send(pair.client, p), c.toString());
            if (c == Compression.LZ4_V2) {
                assertEquals(List.of("sent raw"), pair.send(pair.server, "sent raw"), "no compression on send");
            }
        }
    }

    /**
     * CBC+HMAC allocates nothing per packet. The AEADs run through the JDK's Cipher for its intrinsics,
     * whose per-packet {@code init} allocates: about 1.1 KB each way for AES-GCM (its GHASH state, its
     * parameter copies) on JDK 17 and 25; for ChaCha20-Poly1305 1.3 KB to seal and 2.4 KB to open on
     * JDK 17 (which buffers the input to open), 2.2 and 2.3 KB on JDK 25 (JceAeadAllocationTest bounds
     * each direction). The budget per packet, seal and open, is that plus about 10%, so that a
     * regression (say, one more copy of a payload) fails.
     */
    @Test
    void dataPathAllocationIsBounded() throws Exception {
        boolean jdk21 = Runtime.version().feature() >= 21;
        for (String cipher : List.of("AES-256-GCM", "CHACHA20-POLY1305", "AES-128-CBC")) {
            long budget = cipher.endsWith("CBC") ? 5_000 : cipher.endsWith("GCM") ? 5_000L * 2_450
                    : 5_000L * (jdk21 ? 4_950 : 4_150);
            TlsPair pair = TlsPair.clean(client().dataCiphers(cipher).ping(1).build(), server().dataCiphers(cipher).build());
            assertTrue(pair.handshake(10_000));
            ByteBuffer tun = ByteBuffer.allocateDirect(TlsPair.SLOT);
            ByteBuffer link = ByteBuffer.allocateDirect(TlsPair.SLOT);
            byte[] payload = new byte[1400];
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().getId();
            long allocated = 0;
            for (int round = 0; round < 3; round++) {
                long before = mx.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 5_000; i++) {
                    tun.clear().position(TlsPair.HEADROOM);
                    tun.put(payload);
                    tun.limit(tun.position()).position(TlsPair.HEADROOM);
                    if (pair.client.encapsulate(tun) != Verdict.OK) {
                        throw new AssertionError("seal");
                    }
                    link.clear().position(TlsPair.HEADROOM);
                    link.put(tun);
                    link.limit(link.position()).position(TlsPair.HEADROOM);
                    if (pair.server.decapsulate(link) != Incoming.TUN_PACKET) {
                        throw new AssertionError("open: " + pair.server.lastVerdict());
                    }
                    pair.client.pollOutgoing(link.clear(), TlsPair.HEADROOM); // ping when due
                }
                allocated = mx.getThreadAllocatedBytes(tid) - before; // the last round counts (after JIT warm-up)
            }
            System.out.println("[reliability] " + cipher + " data-path allocation, JDK " + Runtime.version().feature() + ": "
                    + allocated / 5_000 + " B per packet sealed and opened (1400-byte payload, 5000 packets)");
            assertTrue(allocated < budget, cipher + ": " + allocated + " bytes allocated for 5000 packets");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static int controlPackets(TlsPair pair) {
        return pair.count(pair.client, Incoming.CONSUMED) - 1;
    }

    static String ffdhe2048Pem() throws Exception {
        DHParameter p = new DHParameter(DHStandardGroups.rfc7919_ffdhe2048.getP(), DHStandardGroups.rfc7919_ffdhe2048.getG(), 0);
        StringWriter sw = new StringWriter();
        try (PemWriter w = new PemWriter(sw)) {
            w.writeObject(new PemObject("DH PARAMETERS", p.getEncoded()));
        }
        return sw.toString();
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(b.position(), out);
        return out;
    }

    static ByteBuffer packet(String s) {
        ByteBuffer b = ByteBuffer.allocate(TlsPair.SLOT);
        b.position(TlsPair.HEADROOM);
        b.put(s.getBytes());
        b.limit(b.position()).position(TlsPair.HEADROOM);
        return b;
    }

    static String text(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(b.position(), out);
        return new String(out);
    }
}
