package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.TimerEvent;
import org.junit.jupiter.api.Test;

/**
 * A defect that throws inside the engine must not escape {@code decapsulate}, {@code pollOutgoing} or
 * {@code checkTimers}: the packet is dropped as {@link TlsVerdict#INTERNAL_ERROR} and the control
 * session fails with {@link TlsFailure.Reason#INTERNAL_ERROR}, which the tunnel restarts softly. The
 * fault is injected through the clock, which the control session reads first on each of these paths.
 */
class UnexpectedExceptionTest {

    /** The shared clock, except that the next call throws once armed. */
    static final class FaultyClock implements Clock {
        private final Clock clock;
        boolean armed;

        FaultyClock(Clock clock) {
            this.clock = clock;
        }

        private void maybeThrow() {
            if (armed) {
                armed = false;
                throw new IllegalStateException("injected fault");
            }
        }

        @Override
        public long monotonicMillis() {
            maybeThrow();
            return clock.monotonicMillis();
        }

        @Override
        public long unixSeconds() {
            maybeThrow();
            return clock.unixSeconds();
        }
    }

    private FaultyClock faulty;

    private TlsPair keyedPair() throws Exception {
        TlsPair pair = new TlsPair(TlsSessionTest.client().build(), TlsSessionTest.server().build(), 1, 0, 0, 0,
                op -> false, c -> faulty = new FaultyClock(c));
        assertTrue(pair.handshake(10_000));
        return pair;
    }

    @Test
    void aThrowWhileHandlingAControlPacketFailsTheSessionNotTheCaller() throws Exception {
        TlsPair pair = keyedPair();
        pair.client.renegotiate();
        assertTrue(pair.client.pollOutgoing(pair.slot.clear(), TlsPair.HEADROOM));
        byte[] softReset = TlsSessionTest.bytes(pair.slot);
        faulty.armed = true;
        assertEquals(Incoming.DROP, pair.server.decapsulate(ByteBuffer.wrap(softReset)));
        assertEquals(TlsVerdict.INTERNAL_ERROR, pair.server.lastVerdict());
        assertEquals(TlsFailure.Reason.INTERNAL_ERROR, pair.server.lastError().reason());
        assertEquals(TimerEvent.HANDSHAKE_FAILED, pair.server.checkTimers());
        assertEquals(TlsSession.State.FAILED, pair.server.state());
    }

    @Test
    void aThrowInPollOutgoingOrCheckTimersFailsTheSession() throws Exception {
        TlsPair pair = keyedPair();
        faulty.armed = true;
        assertEquals(false, pair.server.pollOutgoing(pair.slot.clear(), TlsPair.HEADROOM));
        assertEquals(TlsFailure.Reason.INTERNAL_ERROR, pair.server.lastError().reason());

        TlsPair other = keyedPair();
        faulty.armed = true;
        assertEquals(TimerEvent.HANDSHAKE_FAILED, other.server.checkTimers());
        assertEquals(TlsFailure.Reason.INTERNAL_ERROR, other.server.lastError().reason());
    }

    @Test
    void aThrowWhileOpeningADataPacketDropsOnlyThatPacket() throws Exception {
        TlsPair pair = keyedPair();
        ByteBuffer p = TlsSessionTest.packet("first");
        assertEquals(TlsVerdict.OK, pair.client.encapsulate(p));
        faulty.armed = true;
        // The replay window reads the clock once the packet is authentic.
        assertEquals(Incoming.DROP, pair.server.decapsulate(p));
        assertEquals(false, faulty.armed, "the fault was hit");
        assertEquals(TlsVerdict.INTERNAL_ERROR, pair.server.lastVerdict());
        assertEquals(TlsSession.State.KEYED, pair.server.state());
        assertEquals(List.of("still flowing"), pair.send(pair.client, "still flowing"));
    }
}
