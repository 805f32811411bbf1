package org.culvert.openvpn.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ExitNotifyTest {
    @Test
    void sendsAtOnceThenOnceASecondUntilTheDeadline() {
        ExitNotify exit = new ExitNotify();
        assertEquals(Long.MAX_VALUE, exit.nextMillis(), "nothing scheduled before start");
        assertTrue(exit.start(1_000, 3, true));
        assertFalse(exit.start(1_500, 9, true), "only the first start counts");
        assertEquals(3_000, exit.remainingMillis(1_000));
        exit.advance(1_000);
        assertTrue(exit.packetDue());
        assertTrue(exit.takePacket());
        assertFalse(exit.takePacket(), "taken once");
        exit.advance(1_999);
        assertFalse(exit.packetDue(), "not before the next second");
        assertEquals(2_000, exit.nextMillis());
        int sent = 1;
        for (long now = 2_000; now <= 5_000; now += 100) {
            exit.advance(now);
            if (exit.takePacket()) {
                sent++;
            }
        }
        assertEquals(3, sent, "at the start, +1 s and +2 s; none at or after the deadline (+3 s)");
        assertEquals(Long.MAX_VALUE, exit.nextMillis(), "finished");
        assertEquals(0, exit.remainingMillis(5_000));
    }

    @Test
    void withoutDataPacketsOnlyTheDeadlineRuns() {
        ExitNotify exit = new ExitNotify();
        assertTrue(exit.start(0, 2, false));
        exit.advance(0);
        assertFalse(exit.takePacket());
        assertEquals(Long.MAX_VALUE, exit.nextMillis());
        assertEquals(1_500, exit.remainingMillis(500));
    }

    @Test
    void aLateTurnSendsOneAndDoesNotCatchUp() {
        ExitNotify exit = new ExitNotify();
        exit.start(0, 10, true);
        exit.advance(0);
        assertTrue(exit.takePacket());
        exit.advance(5_500);
        assertTrue(exit.takePacket());
        exit.advance(5_500);
        assertFalse(exit.takePacket(), "one packet for the missed seconds, not five");
    }
}
