package org.culvert.openvpn.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** OpenVPN's liveness timers, shared by the static-key and TLS engines. */
class KeepaliveTest {
    @Test
    void aPingIsDueAtOnceThenAfterEachQuietPeriod() {
        Keepalive k = new Keepalive(10, 0, 0, 0, 0, 1_000);
        assertTrue(k.pingDue(1_000));
        assertEquals(1_000, k.nextPingMillis(1_000));
        k.sent(1_000);
        assertFalse(k.pingDue(10_999));
        assertTrue(k.pingDue(11_000));
        assertEquals(11_000, k.nextPingMillis(5_000));
        assertEquals(Long.MAX_VALUE, new Keepalive(0, 0, 0, 0, 0, 0).nextPingMillis(0));
    }

    @Test
    void silenceRestartsOrExitsOncePerPeriod() {
        Keepalive restart = new Keepalive(0, 60, 0, 0, 0, 0);
        assertEquals(60_000, restart.nextExpiryMillis());
        assertEquals(TimerEvent.NONE, restart.expire(59_999));
        restart.received(30_000);
        assertEquals(TimerEvent.NONE, restart.expire(60_000));
        assertEquals(TimerEvent.PING_RESTART, restart.expire(90_000));
        assertEquals(TimerEvent.NONE, restart.expire(90_001), "re-armed");
        Keepalive exit = new Keepalive(0, 60, 30, 0, 0, 0);
        assertEquals(TimerEvent.PING_EXIT, exit.expire(30_000), "--ping-exit replaces --ping-restart");
    }

    @Test
    void inactivityCountsTrafficInBurstsOfTheByteThreshold() {
        Keepalive k = new Keepalive(0, 0, 0, 100, 1_000, 0);
        k.activity(50_000, 600);
        assertEquals(100_000, k.nextExpiryMillis(), "600 of 1000 bytes do not restart the timer");
        k.activity(60_000, 400);
        assertEquals(160_000, k.nextExpiryMillis());
        assertEquals(TimerEvent.INACTIVE, k.expire(160_000));
        assertEquals(Long.MAX_VALUE, new Keepalive(0, 0, 0, 0, 0, 0).nextExpiryMillis());
    }
}
