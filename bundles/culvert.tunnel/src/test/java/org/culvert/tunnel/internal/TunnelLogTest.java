package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelLogEntry.Level;
import org.junit.jupiter.api.Test;

/** --verb, --mute and the log history that the management interface reads. */
class TunnelLogTest {
    private final List<String> written = new ArrayList<>();
    private final List<TunnelLogEntry> heard = new ArrayList<>();

    private TunnelLog log(int verb, int mute, int history) {
        TunnelLog l = new TunnelLog("t");
        l.configure(verb, mute, history);
        l.output((level, message, t) -> written.add(level + " " + message));
        l.addListener((tunnel, e) -> heard.add(e));
        return l;
    }

    @Test
    void verbDecidesWhatShows() {
        TunnelLog l = log(0, 0, 100);
        l.warn("w");
        l.info("i");
        l.detail("d");
        l.debug("g");
        l.error("e", null);
        assertEquals(List.of("WARNING [t] w", "ERROR [t] e"), written);
        written.clear();
        l.configure(3, 0, 100);
        l.info("i");
        l.detail("d");
        l.debug("g");
        assertEquals(List.of("INFO [t] i", "INFO [t] d"), written);
        written.clear();
        l.configure(5, 0, 100);
        l.debug("g");
        assertEquals(List.of("DEBUG [t] g"), written);
    }

    @Test
    void muteKeepsTheFirstLinesOfARunAndSaysHowManyItSuppressed() {
        TunnelLog l = log(1, 2, 100);
        for (int i = 0; i < 5; i++) {
            l.info("replay from 10.0.0." + i);
        }
        l.info("something else");
        assertEquals(List.of("INFO [t] replay from 10.0.0.0", "INFO [t] replay from 10.0.0.1",
                "INFO [t] 3 variation(s) on previous 2 message(s) suppressed by --mute", "INFO [t] something else"), written);
        assertEquals(4, heard.size(), "listeners see what the log shows");
    }

    @Test
    void historyKeepsTheNewestLines() {
        TunnelLog l = log(1, 0, 3);
        for (int i = 0; i < 5; i++) {
            l.info("line " + i);
        }
        List<TunnelLogEntry> recent = l.recent();
        assertEquals(3, recent.size());
        assertEquals("line 2", recent.get(0).message());
        assertEquals("line 4", recent.get(2).message());
        assertEquals(Level.INFO, recent.get(2).level());
    }

    @Test
    void aFailingListenerDoesNotStopLoggingOrOtherListeners() {
        TunnelLog l = log(1, 0, 10);
        List<String> second = new ArrayList<>();
        l.addListener((t, e) -> {
            throw new IllegalStateException("boom");
        });
        l.addListener((t, e) -> second.add(e.message()));
        l.info("one");
        l.info("two");
        assertEquals(List.of("one", "two"), second);
        assertEquals(2, heard.size());
        assertTrue(written.contains("INFO [t] two"));
    }

    @Test
    void aListenerAddedTwiceHearsOnceAndCanBeRemoved() {
        TunnelLog l = log(1, 0, 10);
        List<String> got = new ArrayList<>();
        org.culvert.api.tunnel.TunnelLogListener listener = (t, e) -> got.add(e.message());
        l.addListener(listener);
        l.addListener(listener);
        l.info("a");
        l.removeListener(listener);
        l.info("b");
        assertEquals(List.of("a"), got);
    }
}
