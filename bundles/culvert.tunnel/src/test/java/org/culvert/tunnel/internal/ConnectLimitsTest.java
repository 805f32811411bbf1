package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.culvert.openvpn.config.ServerSettings.ConnectFreq;
import org.junit.jupiter.api.Test;

/**
 * {@code --connect-freq} and {@code --connect-freq-initial} as OpenVPN 2.6 counts them, on an
 * injected clock that starts negative (a monotonic clock may): fixed periods, refused attempts counted
 * too, completed handshakes refunded to the initial budget, one warning per period.
 */
class ConnectLimitsTest {
    private long millis = -5_000_000;
    private final List<String> warnings = new ArrayList<>();

    private ConnectLimits limits(ConnectFreq initial, ConnectFreq connect) {
        return new ConnectLimits(initial, connect, () -> millis, warnings::add);
    }

    @Test
    void connectFreqInitialAllowsNRepliesPerPeriodThenDropsWithOneWarning() {
        ConnectLimits l = limits(new ConnectFreq(3, 10), ConnectFreq.OFF);
        for (int i = 0; i < 3; i++) {
            assertTrue(l.resetAllowed(), "reply " + i);
        }
        for (int i = 0; i < 5; i++) {
            assertFalse(l.resetAllowed(), "over the limit");
        }
        assertEquals(5, l.droppedResets());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("--connect-freq-initial 3 10 rate limit exceeded"), warnings.get(0));
        millis += 10_000; // OpenVPN: a new period once more than sec seconds passed (now > start + sec)
        assertFalse(l.resetAllowed(), "10 s later is still the same period");
        millis += 1_000;
        assertTrue(l.resetAllowed(), "a new period");
        assertEquals(6, l.droppedResets());
        for (int i = 0; i < 3; i++) {
            l.resetAllowed();
        }
        assertEquals(2, warnings.size(), "one warning per period");
    }

    @Test
    void aCompletedHandshakeGivesItsResetBack() {
        ConnectLimits l = limits(new ConnectFreq(2, 10), ConnectFreq.OFF);
        for (int i = 0; i < 10; i++) {
            assertTrue(l.resetAllowed(), "reset " + i);
            assertTrue(l.newInstanceAllowed(), "connect-freq off");
        }
        assertEquals(0, l.droppedResets(), "completed handshakes do not use the initial budget up");
        assertTrue(l.resetAllowed());
        assertTrue(l.resetAllowed());
        assertFalse(l.resetAllowed(), "two resets that never completed use it up");
    }

    @Test
    void connectFreqAllowsNNewClientsPerPeriodCountingRefusedOnes() {
        ConnectLimits l = limits(ConnectFreq.INITIAL_DEFAULT, new ConnectFreq(2, 5));
        assertTrue(l.newInstanceAllowed());
        assertTrue(l.newInstanceAllowed());
        assertFalse(l.newInstanceAllowed());
        millis += 4_999;
        assertFalse(l.newInstanceAllowed(), "still the same period");
        assertEquals(2, l.droppedConnects());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("--connect-freq 2 5"), warnings.get(0));
        millis += 1; // OpenVPN: a new period once sec seconds passed (now >= start + per)
        assertTrue(l.newInstanceAllowed(), "a new period");
        assertTrue(l.newInstanceAllowed());
        assertFalse(l.newInstanceAllowed());
        assertEquals(3, l.droppedConnects());
        assertEquals(2, warnings.size());
    }

    @Test
    void aRefusedNewClientKeepsItsResetCounted() {
        ConnectLimits l = limits(new ConnectFreq(2, 10), new ConnectFreq(1, 10));
        assertTrue(l.resetAllowed());
        assertTrue(l.newInstanceAllowed());
        assertTrue(l.resetAllowed());
        assertFalse(l.newInstanceAllowed(), "connect-freq 1 10");
        assertTrue(l.resetAllowed(), "the first handshake's reset was refunded");
        assertFalse(l.resetAllowed(), "the refused one's was not");
    }

    @Test
    void zeroMeansNoneAndOffMeansUnlimited() {
        ConnectLimits none = limits(new ConnectFreq(0, 10), new ConnectFreq(0, 10));
        assertFalse(none.resetAllowed(), "connect-freq-initial 0 10 answers no reset");
        assertFalse(none.newInstanceAllowed(), "connect-freq 0 10 admits no one");
        ConnectLimits off = limits(ConnectFreq.INITIAL_DEFAULT, ConnectFreq.OFF);
        for (int i = 0; i < 1000; i++) {
            assertTrue(off.newInstanceAllowed());
        }
    }
}
