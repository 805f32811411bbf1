package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Faults the loop survives are logged at a bounded rate: a few in full per interval, then one summary. */
class FaultLogTest {
    private final List<String> written = new ArrayList<>();
    private long now = 5_000;

    private FaultLog faultLog() {
        TunnelLog log = new TunnelLog("t");
        log.configure(4, 0, 100);
        log.output((level, message, t) -> written.add(level + " " + message + (t == null ? "" : " / " + t.getMessage())));
        return new FaultLog(log, () -> now);
    }

    @Test
    void aFloodOfFaultsWritesAFewLinesAndASummaryPerInterval() {
        FaultLog faults = faultLog();
        for (int i = 0; i < 10_000; i++) {
            faults.record("decapsulate", new IllegalStateException("bug " + i));
        }
        assertEquals(FaultLog.LOGGED_PER_INTERVAL, written.size(), written.toString());
        assertTrue(written.get(0).startsWith("ERROR [t] internal error in decapsulate") && written.get(0).endsWith("/ bug 0"), written.get(0));
        now += FaultLog.INTERVAL_MILLIS - 1;
        faults.record("checkTimers", new IllegalStateException("still the same interval"));
        assertEquals(FaultLog.LOGGED_PER_INTERVAL, written.size());
        now += 1;
        faults.record("encapsulate", new IllegalStateException("next interval"));
        assertEquals(FaultLog.LOGGED_PER_INTERVAL + 2, written.size(), written.toString());
        assertEquals("WARNING [t] " + (10_000 - FaultLog.LOGGED_PER_INTERVAL + 1)
                + " more internal error(s) not logged in full (last: checkTimers: java.lang.IllegalStateException: still the same interval)",
                written.get(FaultLog.LOGGED_PER_INTERVAL));
        assertTrue(written.get(FaultLog.LOGGED_PER_INTERVAL + 1).endsWith("/ next interval"));
    }

    @Test
    void flushWritesTheSummaryOnceAndOnlyWhenSomethingWasHeldBack() {
        FaultLog faults = faultLog();
        faults.flush();
        assertEquals(0, written.size());
        for (int i = 0; i < FaultLog.LOGGED_PER_INTERVAL + 3; i++) {
            faults.record("pollOutgoing", new IllegalStateException("x"));
        }
        faults.flush();
        faults.flush();
        assertEquals(FaultLog.LOGGED_PER_INTERVAL + 1, written.size(), written.toString());
        assertTrue(written.get(written.size() - 1).startsWith("WARNING [t] 3 more internal error(s)"), written.toString());
    }
}
