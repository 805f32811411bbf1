package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.culvert.api.tunnel.DropReason;
import org.culvert.openvpn.config.DevType;
import org.culvert.openvpn.crypto.Verdict;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.MssClamp;
import org.junit.jupiter.api.Test;

/** The core's one adapter over every engine: verdict mapping, TCP-fatal drops, and when the MSS clamp is set. */
class PeerSessionTest {
    /** An engine whose verdicts, keying and clamp calls a test controls and sees. */
    private static final class ScriptedEngine extends PassthroughSession {
        Verdict verdict = Verdict.OK;
        boolean keyed;
        boolean data = true;
        final List<MssClamp> clamps = new ArrayList<>();

        @Override
        public Verdict encapsulate(ByteBuffer packet) {
            return verdict;
        }

        @Override
        public Incoming decapsulate(ByteBuffer packet) {
            return verdict == Verdict.OK ? Incoming.TUN_PACKET : Incoming.DROP;
        }

        @Override
        public Verdict lastVerdict() {
            return verdict;
        }

        @Override
        public boolean lastWasData() {
            return data;
        }

        @Override
        public boolean isKeyed() {
            return keyed;
        }

        @Override
        public void setMssClamp(MssClamp clamp) {
            clamps.add(clamp);
        }
    }

    @Test
    void everyFailureVerdictHasADropReasonAndTheTlsOnesKeepTheirMeaning() {
        for (Verdict v : Verdict.values()) {
            if (v != Verdict.OK) {
                assertNotNull(PeerSession.map(v), v.name());
            }
        }
        assertEquals(DropReason.AUTH_FAILED, PeerSession.map(Verdict.AUTH_FAILED));
        assertEquals(DropReason.AUTH_FAILED, PeerSession.map(Verdict.TLS_AUTH_FAILED));
        assertEquals(DropReason.AUTH_FAILED, PeerSession.map(Verdict.TLS_CRYPT_FAILED));
        assertEquals(DropReason.REPLAY, PeerSession.map(Verdict.CONTROL_REPLAY));
        assertEquals(DropReason.NO_KEY, PeerSession.map(Verdict.NOT_KEYED));
        assertEquals(DropReason.NO_KEY, PeerSession.map(Verdict.UNKNOWN_KEY_ID));
        assertEquals(DropReason.INTERNAL_ERROR, PeerSession.map(Verdict.INTERNAL_ERROR));
        assertEquals(DropReason.PACKET_ID_EXHAUSTED, PeerSession.map(Verdict.PACKET_ID_EXHAUSTED));
        assertEquals(DropReason.MALFORMED, PeerSession.map(Verdict.WRONG_SESSION));
        assertEquals(DropReason.MALFORMED, PeerSession.map(Verdict.UNKNOWN_OPCODE));
    }

    @Test
    void onlyDataChannelFailuresAreFatalForATcpLink() {
        ScriptedEngine engine = new ScriptedEngine();
        PeerSession session = engine.peer();
        Set<Verdict> fatal = EnumSet.of(Verdict.AUTH_FAILED, Verdict.DECRYPT_FAILED, Verdict.REPLAY);
        for (Verdict v : Verdict.values()) {
            if (v == Verdict.OK) {
                continue;
            }
            engine.verdict = v;
            assertEquals(Incoming.DROP, session.decapsulate(ByteBuffer.allocate(8)));
            assertEquals(PeerSession.map(v), session.lastDropReason(), v.name());
            assertEquals(fatal.contains(v), session.lastDropFailedDataChannel(), v.name());
        }
        // An accepted packet leaves the last drop's reason alone, and encapsulate reports null on OK.
        engine.verdict = Verdict.OK;
        assertEquals(Incoming.TUN_PACKET, session.decapsulate(ByteBuffer.allocate(8)));
        assertEquals(PeerSession.map(Verdict.INTERNAL_ERROR), session.lastDropReason());
        assertNull(session.encapsulate(ByteBuffer.allocate(8)));
        engine.verdict = Verdict.NOT_KEYED;
        assertEquals(DropReason.NO_KEY, session.encapsulate(ByteBuffer.allocate(8)));
        engine.data = false;
        assertFalse(session.lastAcceptedWasData());
    }

    @Test
    void aClampKnownOnlyOnceKeyedIsSetAtKeyingForTheLinkFamilyGivenEarlier() {
        ScriptedEngine engine = new ScriptedEngine();
        // As TLS mode: unknown (-1) until keyed, then a limit that depends on the family.
        PeerSession session = new PeerSession(engine, ipv6 -> engine.keyed ? (ipv6 ? 1300 : 1320) : -1, DevType.TUN, false);
        session.linkIpv6(true);
        assertTrue(engine.clamps.isEmpty(), "no clamp before the cipher is known");
        assertFalse(session.isUp());
        assertTrue(engine.clamps.isEmpty());
        engine.keyed = true;
        assertTrue(session.isUp());
        assertEquals(1, engine.clamps.size());
        assertEquals(1300, engine.clamps.get(0).maxMss());
        assertTrue(session.isUp());
        assertEquals(1, engine.clamps.size(), "set once, not on every turn of the loop");
    }

    @Test
    void aClampKnownAtOnceFollowsTheLinkFamilyAndZeroTurnsItOff() {
        ScriptedEngine engine = new ScriptedEngine();
        engine.keyed = true;
        // As static-key mode: known from the start; 0 (mssfix 0) means no clamp at all.
        PeerSession session = new PeerSession(engine, ipv6 -> ipv6 ? 0 : 1360, DevType.TUN, true);
        session.linkIpv6(false);
        assertEquals(1360, engine.clamps.get(0).maxMss());
        assertTrue(session.isUp());
        assertEquals(1, engine.clamps.size(), "already set when the link opened");
        session.linkIpv6(true);
        assertEquals(2, engine.clamps.size());
        assertNull(engine.clamps.get(1));
    }

    @Test
    void aFailureWithoutAReasonStillSaysSomething() {
        ScriptedEngine engine = new ScriptedEngine();
        assertEquals("handshake failed", engine.peer().failure());
    }

    @Test
    void theServerPollDeadlinePassesOnlyWhenNothingWasAcceptedFromTheServer() {
        ScriptedEngine engine = new ScriptedEngine();
        PeerSession silent = engine.peer();
        assertFalse(silent.serverPollExpired(1_000_000), "no deadline: never expires");
        silent.serverPollDeadline(5_000);
        assertTrue(silent.nextTimerMillis() <= 5_000, "the loop wakes for the deadline");
        assertFalse(silent.serverPollExpired(4_999));
        engine.verdict = Verdict.TLS_AUTH_FAILED;
        silent.decapsulate(ByteBuffer.allocate(8));
        assertTrue(silent.serverPollExpired(5_000), "a rejected packet is not an answer");

        PeerSession answered = engine.peer();
        answered.serverPollDeadline(5_000);
        engine.verdict = Verdict.OK;
        answered.decapsulate(ByteBuffer.allocate(8));
        assertFalse(answered.serverPollExpired(60_000), "the server answered before the deadline");
    }
}
