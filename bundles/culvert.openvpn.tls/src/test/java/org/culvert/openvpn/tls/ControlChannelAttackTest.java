package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.session.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Control-channel attacks against the engine, each with the bad packet: forged hard resets with random
 * session ids (no wrapper), and replayed resets under tls-auth and tls-crypt, before keying, after
 * keying and after a renegotiation. They must fail as they fail against OpenVPN 2.6: the session in
 * progress (or keyed) carries on, and a real peer restart still takes over.
 */
class ControlChannelAttackTest {
    private static final int OP_HARD_RESET_CLIENT_V2 = 7;
    private static final int OP_HARD_RESET_SERVER_V2 = 8;
    private static final long FORGE_EVERY_MILLIS = 50;

    /** A blind attacker's hard reset: a random session id, no ACK, message id 0, no wrapper. */
    static byte[] forgedReset(int opcode, Random random) {
        byte[] p = new byte[1 + 8 + 1 + 4];
        p[0] = (byte) (opcode << 3);
        long sid;
        do {
            sid = random.nextLong();
        } while (sid == 0);
        for (int i = 0; i < 8; i++) {
            p[1 + i] = (byte) (sid >>> (56 - 8 * i));
        }
        return p;
    }

    /**
     * Runs the pair in 10 ms steps over a wire with 10 ms one-way delay (so a handshake spans several
     * forgeries), forging one reset towards {@code victim} every 50 ms.
     */
    private static int runUnderForgery(TlsPair pair, TlsSession victim, long millis, Random random,
            java.util.function.BooleanSupplier done) {
        return runUnderForgery(pair, victim, victim == pair.server ? OP_HARD_RESET_CLIENT_V2 : OP_HARD_RESET_SERVER_V2,
                millis, random, done);
    }

    private static int runUnderForgery(TlsPair pair, TlsSession victim, int opcode, long millis, Random random,
            java.util.function.BooleanSupplier done) {
        int forged = 0;
        TlsPair.Wire wire = victim == pair.server ? pair.toServer : pair.toClient;
        for (long t = 0; t < millis; t += 10) {
            if (t % FORGE_EVERY_MILLIS == 0) {
                wire.inject(forgedReset(opcode, random));
                forged++;
            }
            pair.timers();
            pair.hop();
            if (done.getAsBoolean()) {
                break;
            }
            pair.clock.advance(10);
        }
        return forged;
    }

    @Test
    void forgedResetsBeforeKeyingDoNotStopTheHandshakeInProgress() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        pair.toClient.record = true;
        Random random = new Random(1);
        int forged = runUnderForgery(pair, pair.server, 30_000, random,
                () -> pair.client.isKeyed() && pair.server.isKeyed());
        // The replies to the forgeries reach the real client too, but under the one session id of the
        // handshake in progress: a stock OpenVPN client that saw a second id would rebind to it.
        assertOneServerSessionId(pair);
        assertKeyedAtOnce(pair);
        assertTrue(forged >= 1);
        // Keep forging: data flows both ways, nothing fails.
        runUnderForgery(pair, pair.server, 5_000, random, () -> false);
        assertEquals(List.of("through the storm"), pair.send(pair.client, "through the storm"));
        assertEquals(List.of("and back"), pair.send(pair.server, "and back"));
        assertEquals(TlsSession.State.KEYED, pair.server.state());
    }

    @Test
    void aForgedResetArrivingFirstDoesNotWinOverTheRealClient() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        Random random = new Random(2);
        // The server's only session binds to the forger, who never answers.
        assertEquals(Incoming.CONSUMED, pair.server.decapsulate(ByteBuffer.wrap(forgedReset(OP_HARD_RESET_CLIENT_V2, random))));
        runUnderForgery(pair, pair.server, 30_000, random, () -> pair.client.isKeyed() && pair.server.isKeyed());
        assertKeyedAtOnce(pair);
        assertEquals(List.of("real"), pair.send(pair.client, "real"));
    }

    @Test
    void forgedServerResetsDoNotStopATlsClient() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        Random random = new Random(3);
        // The first server reset the client sees is forged (it has no ACK of ours): the client binds
        // to it, and the real server's reset, which answers our session id, must still take over.
        pair.client.pollOutgoing(pair.slot.clear(), TlsPair.HEADROOM);
        pair.toServer.send(pair.slot);
        assertEquals(Incoming.CONSUMED, pair.client.decapsulate(ByteBuffer.wrap(forgedReset(OP_HARD_RESET_SERVER_V2, random))));
        runUnderForgery(pair, pair.client, 30_000, random, () -> pair.client.isKeyed() && pair.server.isKeyed());
        assertKeyedAtOnce(pair);
        assertEquals(List.of("real"), pair.send(pair.server, "real"));
    }

    @Test
    void randomControlPacketsFromBlindSendersDoNotDisturbTheHandshake() throws Exception {
        // Every control opcode, random session ids, random bodies, 100 per 10 ms at both sides.
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        Random random = new Random(9);
        for (long t = 0; t < 5_000 && !(pair.client.isKeyed() && pair.server.isKeyed()); t += 10) {
            for (int i = 0; i < 100; i++) {
                byte[] p = new byte[9 + random.nextInt(200)];
                random.nextBytes(p);
                p[0] = (byte) ((3 + random.nextInt(9)) << 3 | random.nextInt(8));
                (i % 2 == 0 ? pair.toServer : pair.toClient).inject(p);
            }
            pair.timers();
            pair.hop();
            pair.clock.advance(10);
        }
        assertKeyedAtOnce(pair);
        assertEquals(List.of("undisturbed"), pair.send(pair.client, "undisturbed"));
    }

    @Test
    void forgedKeyMethod1ResetsDoNotEndASessionWaitingForItsPeer() throws Exception {
        // A well-formed P_CONTROL_HARD_RESET_CLIENT_V1 used to fail a waiting server at once.
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        Random random = new Random(10);
        byte[] km1 = forgedReset(1, random);
        assertEquals(Incoming.DROP, pair.server.decapsulate(ByteBuffer.wrap(km1)));
        assertEquals(TlsVerdict.UNKNOWN_OPCODE, pair.server.lastVerdict());
        assertEquals(TlsSession.State.CONNECTING, pair.server.state());
        runUnderForgery(pair, pair.server, 1, 30_000, random, () -> pair.client.isKeyed() && pair.server.isKeyed());
        assertKeyedAtOnce(pair);
    }

    @Test
    void forgedResetsAfterKeyingDoNotStopRenegotiations() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        assertTrue(pair.handshake(10_000));
        pair.toClient.record = true;
        Random random = new Random(4);
        for (int round = 1; round <= 6; round++) {
            // Either side starts the renegotiation; forgeries hit the server, or (rounds 4..6) the client.
            (round % 2 == 0 ? pair.client : pair.server).renegotiate();
            int expected = round;
            runUnderForgery(pair, round <= 3 ? pair.server : pair.client, 10_000, random,
                    () -> pair.client.renegotiations() >= expected && pair.server.renegotiations() >= expected);
            assertEquals(round, pair.server.renegotiations(), () -> "server " + pair.server.lastError() + " " + pair.lastDrop);
            assertEquals(round, pair.client.renegotiations(), () -> "client " + pair.client.lastError());
            assertEquals(List.of("round " + round), pair.send(pair.client, "round " + round));
        }
        assertEquals(TlsSession.State.KEYED, pair.server.state());
        assertEquals(TlsSession.State.KEYED, pair.client.state());
        // After keying too: a stock OpenVPN client seeing a new server session id would open a whole
        // new session with us at every forgery (seen against openvpn 2.6, ControlAttackInteropTest).
        assertOneServerSessionId(pair);
    }

    @Test
    void aRealPeerRestartStillTakesOverUnderForgedResets() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        assertTrue(pair.handshake(10_000));
        pair.clock.advance(3_000);
        TlsSession restarted = new TlsSession(TlsSessionTest.client().build(), pair.clock, new SecureRandom());
        Random random = new Random(5);
        ByteBuffer slot = ByteBuffer.allocate(TlsPair.SLOT);
        // 10 ms steps, each packet arriving one step after it was sent; a forgery every 50 ms.
        List<byte[]> toServer = new ArrayList<>();
        List<byte[]> toRestarted = new ArrayList<>();
        for (int step = 0; step < 3_000 && !restarted.isKeyed(); step++) {
            if (step % 5 == 0) {
                toServer.add(forgedReset(OP_HARD_RESET_CLIENT_V2, random));
            }
            restarted.checkTimers();
            pair.server.checkTimers();
            List<byte[]> arriving = new ArrayList<>(toServer);
            toServer.clear();
            arriving.forEach(b -> pair.server.decapsulate(ByteBuffer.wrap(b)));
            arriving = new ArrayList<>(toRestarted);
            toRestarted.clear();
            arriving.forEach(b -> restarted.decapsulate(ByteBuffer.wrap(b)));
            while (restarted.pollOutgoing(slot.clear(), TlsPair.HEADROOM)) {
                toServer.add(TlsSessionTest.bytes(slot));
            }
            while (pair.server.pollOutgoing(slot.clear(), TlsPair.HEADROOM)) {
                toRestarted.add(TlsSessionTest.bytes(slot));
            }
            pair.clock.advance(10);
        }
        assertTrue(pair.clock.monotonicMillis() < 3_000 + 2_000, "took over at once: " + pair.clock.monotonicMillis());
        assertTrue(restarted.isKeyed(), String.valueOf(restarted.lastError()));
        toServer.forEach(b -> pair.server.decapsulate(ByteBuffer.wrap(b)));
        toRestarted.forEach(b -> restarted.decapsulate(ByteBuffer.wrap(b)));
        shuttle(restarted, pair.server, slot);
        shuttle(pair.server, restarted, slot);
        assertEquals(TlsSession.State.KEYED, pair.server.state());
        ByteBuffer p = TlsSessionTest.packet("from the new client");
        assertEquals(TlsVerdict.OK, restarted.encapsulate(p));
        assertEquals(Incoming.TUN_PACKET, pair.server.decapsulate(p));
        ByteBuffer old = TlsSessionTest.packet("from the old client");
        assertEquals(TlsVerdict.OK, pair.client.encapsulate(old));
        assertEquals(Incoming.DROP, pair.server.decapsulate(old), "the old session was replaced");
        restarted.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "tls-auth", "tls-crypt"})
    void aPeerThatRestartsMidHandshakeTakesOverWithoutWaitingForTheOldAttempt(String wrap) throws Exception {
        TlsPair pair = TlsPair.clean(wrapped(TlsSessionTest.client(), wrap).build(),
                wrapped(TlsSessionTest.server(), wrap).build());
        // The first client gets part-way: resets exchanged and answered, TLS under way.
        for (int i = 0; i < 4; i++) {
            pair.timers();
            pair.hop();
            pair.clock.advance(10);
        }
        assertFalse(pair.server.isKeyed());
        pair.clock.advance(1_000);
        // It dies; a new process (new session id, new packet-id time) starts over with the same server.
        TlsSession restarted = new TlsSession(wrapped(TlsSessionTest.client(), wrap).build(), pair.clock, new SecureRandom());
        long start = pair.clock.monotonicMillis();
        talk(restarted, pair, 10, 1_000, () -> restarted.isKeyed() && pair.server.isKeyed());
        assertTrue(restarted.isKeyed() && pair.server.isKeyed(), () -> restarted.lastError() + " / " + pair.server.lastError());
        assertTrue(pair.clock.monotonicMillis() - start < 1_000, "took " + (pair.clock.monotonicMillis() - start) + " ms");
        ByteBuffer p = TlsSessionTest.packet("second life");
        assertEquals(TlsVerdict.OK, restarted.encapsulate(p));
        assertEquals(Incoming.TUN_PACKET, pair.server.decapsulate(p));
        restarted.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tls-auth", "tls-crypt"})
    void replayedResetsAreRefusedBeforeAndAfterKeyingAndAfterARenegotiation(String wrap) throws Exception {
        TlsPair pair = TlsPair.clean(wrapped(TlsSessionTest.client(), wrap).build(),
                wrapped(TlsSessionTest.server(), wrap).build());
        pair.toServer.record = true;
        // The client's first packet is its hard reset; the server accepts it once.
        assertTrue(pair.client.pollOutgoing(pair.slot.clear(), TlsPair.HEADROOM));
        byte[] reset = TlsSessionTest.bytes(pair.slot);
        assertEquals(OP_HARD_RESET_CLIENT_V2, (reset[0] & 0xFF) >>> 3);
        assertEquals(Incoming.CONSUMED, pair.server.decapsulate(ByteBuffer.wrap(reset.clone())));

        // Before keying: the replay is refused by the wrapper's packet-id window.
        assertReplayRefused(pair.server, reset);
        assertTrue(pair.handshake(10_000), () -> pair.client.lastError() + " / " + pair.server.lastError());
        // After keying.
        assertReplayRefused(pair.server, reset);
        // After a renegotiation (a new key_id; the reset names key_id 0).
        pair.client.renegotiate();
        pair.run(2_000);
        assertEquals(1, pair.server.renegotiations());
        assertReplayRefused(pair.server, reset);
        // Every other packet the client sent, replayed, is refused as well.
        for (byte[] b : new ArrayList<>(pair.toServer.sent)) {
            assertEquals(Incoming.DROP, pair.server.decapsulate(ByteBuffer.wrap(b.clone())));
        }
        assertEquals(List.of("unharmed"), pair.send(pair.client, "unharmed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tls-auth", "tls-crypt"})
    void aResetReplayedAfterThePeerRestartedIsRefused(String wrap) throws Exception {
        // OpenVPN 2.6 would let this one into a fresh TM_INITIAL slot (each session has its own
        // packet-id window); we refuse it: one window spans every reset of the run.
        TlsPair pair = TlsPair.clean(wrapped(TlsSessionTest.client(), wrap).build(),
                wrapped(TlsSessionTest.server(), wrap).build());
        assertTrue(pair.client.pollOutgoing(pair.slot.clear(), TlsPair.HEADROOM));
        byte[] oldReset = TlsSessionTest.bytes(pair.slot);
        pair.toServer.send(pair.slot);
        assertTrue(pair.handshake(10_000));
        pair.clock.advance(2_000);
        TlsSession restarted = new TlsSession(wrapped(TlsSessionTest.client(), wrap).build(), pair.clock, new SecureRandom());
        ByteBuffer slot = ByteBuffer.allocate(TlsPair.SLOT);
        talk(restarted, pair, 100, 300, restarted::isKeyed);
        assertTrue(restarted.isKeyed(), String.valueOf(restarted.lastError()));
        for (int i = 0; i < 3; i++) {
            shuttle(restarted, pair.server, slot);
            shuttle(pair.server, restarted, slot);
        }
        ByteBuffer p = TlsSessionTest.packet("new");
        assertEquals(TlsVerdict.OK, restarted.encapsulate(p));
        assertEquals(Incoming.TUN_PACKET, pair.server.decapsulate(p), "the restarted peer took over");
        // The old session is gone; its reset, replayed, must not open a new one.
        assertReplayRefused(pair.server, oldReset);
        assertFalse(pair.server.pollOutgoing(slot.clear(), TlsPair.HEADROOM), "no reply to a replayed reset");
        restarted.close();
    }

    @Test
    void forgedResetsAreNoSignOfLifeForPingRestart() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().pingRestart(10).build());
        assertTrue(pair.handshake(10_000));
        // The client falls silent; only forgeries reach the server now.
        Random random = new Random(7);
        org.culvert.openvpn.session.TimerEvent event = org.culvert.openvpn.session.TimerEvent.NONE;
        long start = pair.clock.monotonicMillis();
        while (event == org.culvert.openvpn.session.TimerEvent.NONE && pair.clock.monotonicMillis() < start + 30_000) {
            pair.clock.advance(FORGE_EVERY_MILLIS);
            pair.server.decapsulate(ByteBuffer.wrap(forgedReset(OP_HARD_RESET_CLIENT_V2, random)));
            event = pair.server.checkTimers();
            while (pair.server.pollOutgoing(pair.slot.clear(), TlsPair.HEADROOM)) {
                // replies to the forger go nowhere
            }
        }
        assertEquals(org.culvert.openvpn.session.TimerEvent.PING_RESTART, event);
        long after = pair.clock.monotonicMillis() - start;
        assertTrue(after >= 10_000 && after <= 11_000, "ping-restart after " + after + " ms");
    }

    @Test
    void forgedResetsWithTlsAuthFailTheHmacAndChangeNothing() throws Exception {
        byte[] key = key();
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().tlsAuth(key, KeyDirection.INVERSE).build(),
                TlsSessionTest.server().tlsAuth(key, KeyDirection.NORMAL).build());
        Random random = new Random(6);
        assertEquals(Incoming.DROP, pair.server.decapsulate(ByteBuffer.wrap(forgedReset(OP_HARD_RESET_CLIENT_V2, random))));
        assertEquals(TlsVerdict.TLS_AUTH_FAILED, pair.server.lastVerdict());
        runUnderForgery(pair, pair.server, 10_000, random, () -> pair.client.isKeyed() && pair.server.isKeyed());
        assertTrue(pair.client.isKeyed() && pair.server.isKeyed());
    }

    @Test
    void aPeerAnnouncingKeyExportOnASessionThatCannotExportNeverThrows() throws Exception {
        // TLS 1.2 without the extended master secret: Bouncy Castle refuses RFC 5705 export. The client
        // announces key export anyway, as OpenVPN with OpenSSL does. The server must not throw
        // (it used to: IllegalStateException from the peer-id export out of decapsulate); it announces
        // no key export on such a session, so both sides derive keys with the TLS 1.0 PRF.
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().tlsVersionMax(TlsVersion.TLS_1_2).withoutExtendedMasterSecret()
                .announceKeyExportAlways().build(), TlsSessionTest.server().build());
        assertTrue(pair.handshake(10_000), () -> pair.client.lastError() + " / " + pair.server.lastError());
        for (TlsSession s : List.of(pair.client, pair.server)) {
            Negotiated n = s.negotiated();
            assertEquals("TLSv1.2", n.tlsVersion());
            assertEquals("openvpn-prf", n.keyDerivation());
            assertTrue(n.dataV2());
            assertEquals(0x76706E, n.peerId(), "OpenVPN's fixed 'vpn' peer-id without key export");
            assertFalse(n.dynamicTlsCrypt());
        }
        assertEquals(List.of("prf keys"), pair.send(pair.client, "prf keys"));
        assertEquals(List.of("both ways"), pair.send(pair.server, "both ways"));
        pair.client.renegotiate();
        pair.run(2_000);
        assertEquals(1, pair.server.renegotiations());
        assertEquals(List.of("renegotiated"), pair.send(pair.client, "renegotiated"));
    }

    @Test
    void withTheExtendedMasterSecretTls12StillExportsKeys() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().tlsVersionMax(TlsVersion.TLS_1_2).build(),
                TlsSessionTest.server().build());
        assertTrue(pair.handshake(10_000));
        assertEquals("tls-ekm", pair.server.negotiated().keyDerivation());
        assertEquals(pair.client.negotiated().peerId(), pair.server.negotiated().peerId());
    }

    // ------------------------------------------------------------------ helpers

    /** Both sides keyed within 2 s of simulated time, as OpenVPN comes up at once under this attack. */
    private static void assertKeyedAtOnce(TlsPair pair) {
        assertTrue(pair.client.isKeyed() && pair.server.isKeyed(), () -> "not keyed after " + pair.clock.monotonicMillis()
                + " ms; client " + pair.client.lastError() + " server " + pair.server.lastError() + " " + pair.lastDrop);
        assertTrue(pair.clock.monotonicMillis() < 2_000, "keyed at " + pair.clock.monotonicMillis() + " ms");
    }

    /**
     * Every control packet the client received (including the server's replies to forgeries, which
     * reach the real client too) carries the server's one session id.
     */
    private static void assertOneServerSessionId(TlsPair pair) {
        java.util.Set<Long> ids = new java.util.HashSet<>();
        for (byte[] b : pair.toClient.sent) {
            int op = (b[0] & 0xFF) >>> 3;
            if (op != 6 && op != 9) {
                ids.add(ByteBuffer.wrap(b, 1, 8).getLong());
            }
        }
        assertEquals(1, ids.size(), "server session ids seen by the client: " + ids.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tls-auth", "tls-crypt"})
    void aPeerRestartedWithItsClockSetBackIsNotMistakenForAReplay(String wrap) throws Exception {
        TlsPair pair = TlsPair.clean(wrapped(TlsSessionTest.client(), wrap).build(),
                wrapped(TlsSessionTest.server(), wrap).build());
        assertTrue(pair.handshake(10_000));
        pair.clock.advance(2_000);
        // Its packet-ids restart at 1 with a time an hour older than the first process's.
        org.culvert.openvpn.Clock earlier = new org.culvert.openvpn.Clock() {
            @Override
            public long monotonicMillis() {
                return pair.clock.monotonicMillis();
            }

            @Override
            public long unixSeconds() {
                return pair.clock.unixSeconds() - 3600;
            }
        };
        TlsSession restarted = new TlsSession(wrapped(TlsSessionTest.client(), wrap).build(), earlier, new SecureRandom());
        talk(restarted, pair, 100, 300, restarted::isKeyed);
        assertTrue(restarted.isKeyed(), () -> restarted.lastError() + " " + pair.server.lastVerdict());
        restarted.close();
    }

    private static void assertReplayRefused(TlsSession server, byte[] reset) {
        assertEquals(Incoming.DROP, server.decapsulate(ByteBuffer.wrap(reset.clone())));
        assertEquals(TlsVerdict.CONTROL_REPLAY, server.lastVerdict());
    }

    /** A second client talks to {@code pair.server} over a zero-delay wire, in steps, until {@code done}. */
    private static void talk(TlsSession client, TlsPair pair, long stepMillis, int maxSteps,
            java.util.function.BooleanSupplier done) {
        ByteBuffer slot = ByteBuffer.allocate(TlsPair.SLOT);
        for (int step = 0; step < maxSteps && !done.getAsBoolean(); step++) {
            client.checkTimers();
            pair.server.checkTimers();
            shuttle(client, pair.server, slot);
            shuttle(pair.server, client, slot);
            pair.clock.advance(stepMillis);
        }
    }

    private static void shuttle(TlsSession from, TlsSession to, ByteBuffer slot) {
        List<byte[]> packets = new ArrayList<>();
        while (from.pollOutgoing(slot.clear(), TlsPair.HEADROOM)) {
            packets.add(TlsSessionTest.bytes(slot));
        }
        for (byte[] b : packets) {
            to.decapsulate(ByteBuffer.wrap(b));
        }
    }

    private static final byte[] KEY = key();

    private static byte[] key() {
        byte[] k = new byte[256];
        new Random(42).nextBytes(k);
        return k;
    }

    private static TlsSettings.Builder wrapped(TlsSettings.Builder b, String wrap) {
        boolean server = b.build().role() == TlsRole.SERVER;
        if (wrap.equals("none")) {
            return b;
        }
        return wrap.equals("tls-auth") ? b.tlsAuth(KEY.clone(), server ? KeyDirection.NORMAL : KeyDirection.INVERSE)
                : b.tlsCrypt(KEY.clone());
    }
}
