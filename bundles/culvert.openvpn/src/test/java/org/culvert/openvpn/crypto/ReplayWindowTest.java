package org.culvert.openvpn.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.culvert.openvpn.DeterministicRandom;
import org.culvert.openvpn.ManualClock;
import org.junit.jupiter.api.Test;

/** A WireGuard-style table of replay cases, with OpenVPN's backtrack and strict semantics. */
class ReplayWindowTest {
    private static final long T = 1_800_000_000L;

    /** One step: advance the clock, offer (id, time), expect accept/reject. */
    private record Step(int advanceSeconds, long id, long time, boolean accepted, String why) {
    }

    private static Step s(long id, long time, boolean accepted, String why) {
        return new Step(0, id, time, accepted, why);
    }

    private static Step after(int seconds, long id, long time, boolean accepted, String why) {
        return new Step(seconds, id, time, accepted, why);
    }

    private static void run(ReplayWindow.Settings settings, Step... steps) {
        ManualClock clock = new ManualClock(0);
        ReplayWindow w = new ReplayWindow(settings, clock);
        for (int i = 0; i < steps.length; i++) {
            Step st = steps[i];
            clock.advanceSeconds(st.advanceSeconds());
            assertEquals(st.accepted(), w.accept(st.id(), st.time()), "step " + (i + 1) + " (" + st.id() + ", " + st.why() + ")");
        }
    }

    @Test
    void backtrackModeTable() {
        run(ReplayWindow.Settings.DEFAULT,
                s(0, T, false, "pid 0 is never valid"),
                s(1, T, true, "first"),
                s(1, T, false, "duplicate"),
                s(2, T, true, "in order"),
                s(4, T, true, "gap"),
                s(3, T, true, "reordered within the window"),
                s(3, T, false, "reordered duplicate"),
                s(64, T, true, "ahead"),
                s(1, T, false, "seen long ago"),
                s(5, T, true, "unseen, 59 back"),
                s(128, T, true, "ahead by exactly the window"),
                s(64, T, false, "64 back: just outside the window"),
                s(65, T, true, "63 back: just inside"),
                s(65, T, false, "duplicate at the edge"),
                s(229, T, true, "jump beyond the window"),
                s(166, T, true, "63 back after the jump"),
                s(165, T, false, "64 back after the jump"),
                s(200, T - 1, false, "older time"),
                s(1, T + 1, true, "newer time starts a new sequence"),
                s(229, T, false, "the old sequence is closed"),
                s(2, T + 1, true, "continues the new sequence"),
                s(0xFFFF_FFFFL, T + 1, true, "largest id"),
                s(0xFFFF_FFFFL - 63, T + 1, true, "63 below the largest id"),
                s(0xFFFF_FFFFL - 64, T + 1, false, "64 below the largest id"));
    }

    @Test
    void strictModeTable() {
        run(new ReplayWindow.Settings(0, 15),
                s(5, T, false, "must start at 1"),
                s(1, T, true, "first"),
                s(1, T, false, "duplicate"),
                s(3, T, false, "gap"),
                s(2, T, true, "next"),
                s(3, T, true, "next"),
                s(2, T, false, "reordered"),
                s(4, T + 1, false, "a new time must restart at 1"),
                s(1, T + 1, true, "new sequence"),
                s(2, T, false, "old time"),
                s(0, T + 1, false, "pid 0"));
    }

    @Test
    void window65536Bounds() {
        long top = 200_000;
        run(new ReplayWindow.Settings(65536, 15),
                s(top, T, true, "first"),
                s(top - 65535, T, true, "65535 back"),
                s(top - 65535, T, false, "duplicate"),
                s(top - 65536, T, false, "65536 back"),
                s(top - 1, T, true, "1 back"),
                s(top + 65536, T, true, "a full window ahead"),
                s(top + 1, T, true, "65535 back of the new top"),
                s(top, T, false, "65536 back of the new top"));
    }

    @Test
    void lateIdsExpireOnceNewerOnesAreOlderThanTheTimeWindow() {
        ReplayWindow.Settings s = ReplayWindow.Settings.DEFAULT;
        run(s,
                s(10, T, true, "t=0"),
                after(20, 20, T, true, "t=20"),
                after(1, 15, T, true, "unseen and newer than id 10, whose arrival is 21 s old"),
                s(9, T, false, "below id 10, which arrived more than 15 s ago"));
        run(s,
                s(10, T, true, "t=0"),
                after(5, 20, T, true, "t=5"),
                s(9, T, true, "control: within 15 s, a late id is still fine"));
        run(new ReplayWindow.Settings(64, 0),
                s(10, T, true, "t=0"),
                after(500, 20, T, true, "t=500"),
                s(9, T, true, "time window 0 never expires ids"));
    }

    @Test
    void expiryIsSweptEveryFiveSecondsLikeOpenVpn() {
        ManualClock clock = new ManualClock(0);
        ReplayWindow w = new ReplayWindow(new ReplayWindow.Settings(64, 15), clock);
        assertTrue(w.accept(10, T));
        clock.advanceSeconds(14);
        assertTrue(w.accept(11, T), "sweeps at 14 s: nothing is older than 15 s yet");
        clock.advanceSeconds(4);
        assertTrue(w.test(9, T), "18 s: expired in principle, but the next sweep is due at 19 s");
        clock.advanceSeconds(1);
        assertFalse(w.test(9, T), "19 s: swept");
    }

    @Test
    void testDoesNotRecord() {
        ReplayWindow w = new ReplayWindow(ReplayWindow.Settings.DEFAULT, new ManualClock(0));
        assertTrue(w.test(1, T));
        assertTrue(w.test(1, T));
        w.add(1, T);
        assertFalse(w.test(1, T));
    }

    /** Differential check against a plain bitset model, over random in-window reorderings. */
    @Test
    void agreesWithASimpleModelOnRandomTraffic() {
        int window = 64;
        DeterministicRandom random = new DeterministicRandom(42);
        ReplayWindow w = new ReplayWindow(new ReplayWindow.Settings(window, 0), new ManualClock(0));
        BitSet seen = new BitSet();
        long highest = 0;
        byte[] r = new byte[2];
        for (int i = 0; i < 20_000; i++) {
            random.nextBytes(r);
            long id = Math.max(1, highest + (r[0] % 80) - 40 + (r[1] & 3));
            boolean expected = id > highest || (highest - id < window && !seen.get((int) id));
            assertEquals(expected, w.accept(id, T), "id " + id + " highest " + highest);
            if (expected) {
                seen.set((int) id);
                highest = Math.max(highest, id);
            }
        }
    }

    @Test
    void settingsAreRangeChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ReplayWindow.Settings(-1, 15));
        assertThrows(IllegalArgumentException.class, () -> new ReplayWindow.Settings(65537, 15));
        assertThrows(IllegalArgumentException.class, () -> new ReplayWindow.Settings(64, 601));
        assertThrows(IllegalArgumentException.class, () -> new ReplayWindow.Settings(64, -1));
        assertEquals(new ReplayWindow.Settings(64, 15), ReplayWindow.Settings.DEFAULT);
    }
}
