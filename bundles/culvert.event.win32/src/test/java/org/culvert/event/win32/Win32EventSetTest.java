package org.culvert.event.win32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.event.ChannelWaitable;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.FdWaitable;
import org.culvert.api.event.HandleKind;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.event.SignalWaitable;
import org.culvert.api.event.Win32EventWaitable;
import org.culvert.platform.win32.fake.FakeKernel32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the contract does not cover: more than 64 handles, fairness, socket-style and auto-reset events, failures. */
class Win32EventSetTest {
    private static final long TIMEOUT = 5_000;
    private final FakeKernel32 k32 = new FakeKernel32();
    private final Win32EventBackend backend = new Win32EventBackend(k32);
    private final List<Long> testHandles = new ArrayList<>();
    private final ReadyEvents ready = new ReadyEvents(512);
    private int expectedViolations;

    @AfterEach
    void noMisuseAndNoLeaks() {
        assertEquals(expectedViolations, k32.violations().size(), () -> k32.violations().toString());
        for (long h : testHandles) {
            if (k32.isOpen(h)) {
                k32.closeHandle(h);
            }
        }
        assertEquals(0, k32.openHandles(), "the event sets left handles open");
    }

    private long event(boolean manualReset, boolean signalled) {
        long h = k32.createEvent(manualReset, signalled);
        testHandles.add(h);
        return h;
    }

    @Test
    public void backendDescribesItself() {
        assertEquals(java.util.EnumSet.of(HandleKind.WIN32_EVENT), backend.handleKinds());
        assertTrue(backend.availability().isAvailable());
        assertThrows(IllegalArgumentException.class, () -> backend.open(0));
    }

    @Test
    public void withoutWindowsTheDefaultBackendIsUnavailableAndSaysWhy() {
        Win32EventBackend real = new Win32EventBackend();
        assertFalse(real.availability().isAvailable());
        assertTrue(real.availability().cause().contains("not Windows"), real.availability().cause());
        IOException e = assertThrows(IOException.class, () -> real.open(4));
        assertTrue(e.getMessage().contains("unavailable"), e.getMessage());
    }

    @Test
    public void refusesEveryOtherKindOfWaitable() throws Exception {
        try (EventSet set = backend.open(4)) {
            assertThrows(IllegalArgumentException.class, () -> set.ctl(new FdWaitable(3), EventSet.READ, 1));
            assertThrows(IllegalArgumentException.class, () -> set.ctl(new SignalWaitable("s", true, true), EventSet.READ, 1));
            assertThrows(IllegalArgumentException.class,
                    () -> set.ctl(new ChannelWaitable(java.nio.channels.Pipe.open().source()), EventSet.READ, 1));
            assertThrows(IllegalArgumentException.class, () -> set.ctl(new Win32EventWaitable(0, 0), EventSet.READ, 1));
            assertThrows(IllegalArgumentException.class, () -> set.ctl(null, EventSet.READ, 1));
            long e = event(true, true);
            assertThrows(IllegalArgumentException.class, () -> set.ctl(new Win32EventWaitable(e, 0), 4, 1), "unknown interest bit");
        }
    }

    @Test
    public void aSocketStyleWaitableWithOneEventReportsBothDirections() throws Exception {
        long wsaEvent = event(true, false); // WSACreateEvent: manual-reset, unsignalled
        try (EventSet set = backend.open(2)) {
            set.ctl(new Win32EventWaitable(wsaEvent, wsaEvent), EventSet.READ | EventSet.WRITE, 7);
            assertEquals(0, set.wait(50, ready));
            k32.setEvent(wsaEvent); // FD_READ or FD_WRITE happened
            assertEquals(1, set.wait(TIMEOUT, ready));
            assertEquals(EventSet.READ | EventSet.WRITE, ready.flagsFor(7), "one handle stands for both; the socket call sorts it out");
            set.ctl(new Win32EventWaitable(wsaEvent, wsaEvent), EventSet.READ, 7);
            assertEquals(1, set.wait(TIMEOUT, ready));
            assertEquals(EventSet.READ, ready.flagsFor(7), "only what was asked for is reported");
        }
    }

    @Test
    public void anAutoResetEventIsReportedOncePerSignal() throws Exception {
        long readWait = event(false, false); // like Wintun's read-wait event
        try (EventSet set = backend.open(2)) {
            set.ctl(new Win32EventWaitable(readWait, 0), EventSet.READ, 1);
            k32.setEvent(readWait);
            assertEquals(1, set.wait(TIMEOUT, ready));
            assertEquals(0, set.wait(0, ready), "the wait consumed the auto-reset signal");
        }
    }

    @Test
    public void anAutoResetSignalThatDoesNotFitTheResultIsNotLost() throws Exception {
        long a = event(false, true);
        long b = event(false, true);
        try (EventSet set = backend.open(2)) {
            set.ctl(new Win32EventWaitable(a, 0), EventSet.READ, 1);
            set.ctl(new Win32EventWaitable(b, 0), EventSet.READ, 2);
            ReadyEvents one = new ReadyEvents(1);
            assertEquals(1, set.wait(TIMEOUT, one));
            int first = one.tag(0);
            assertEquals(1, set.wait(TIMEOUT, one), "the other one, whose signal the first wait consumed, comes next");
            assertEquals(3 - first, one.tag(0));
            assertEquals(0, set.wait(0, one), "and nothing is invented");
        }
    }

    @Test
    public void aBusyLowIndexDoesNotHideReadyHigherOnes() throws Exception {
        long[] events = new long[10];
        try (EventSet set = backend.open(10)) {
            for (int i = 0; i < events.length; i++) {
                events[i] = event(true, false);
                set.ctl(new Win32EventWaitable(events[i], 0), EventSet.READ, i);
            }
            k32.setEvent(events[0]);
            k32.setEvent(events[9]);
            k32.setEvent(events[5]);
            assertEquals(3, set.wait(TIMEOUT, ready), "WaitForMultipleObjects names only index 0; the rest must be found too");
            assertEquals(EventSet.READ, ready.flagsFor(0));
            assertEquals(EventSet.READ, ready.flagsFor(5));
            assertEquals(EventSet.READ, ready.flagsFor(9));
        }
    }

    @Test
    public void moreThanSixtyFourHandlesAreAllWaitedOn() throws Exception {
        int n = 200; // the owner's 62 plus three helpers' 63, 63 and 12
        long[] events = new long[n];
        Win32EventSet set = (Win32EventSet) backend.open(n);
        try {
            for (int i = 0; i < n; i++) {
                // Mix manual- and auto-reset events, as TAP and Wintun devices would.
                events[i] = event(i % 2 == 0, false);
                set.ctl(new Win32EventWaitable(events[i], 0), EventSet.READ, 1000 + i);
            }
            assertEquals(0, set.wait(50, ready), "nothing signalled");
            int[] probes = { 0, 61, 62, 63, 124, 125, 187, 188, 199 };
            for (int i : probes) {
                k32.setEvent(events[i]);
                int got = set.wait(TIMEOUT, ready);
                assertEquals(1, got, "handle " + i + " of " + n);
                assertEquals(EventSet.READ, ready.flagsFor(1000 + i), "handle " + i);
                k32.resetEvent(events[i]);
            }
            assertEquals(3, set.liveHelpers(), "200 handles need three helper threads");

            // Several at once, across the owner's and the helpers' shares.
            k32.setEvent(events[3]);
            k32.setEvent(events[100]);
            k32.setEvent(events[190]);
            assertEquals(3, set.wait(TIMEOUT, ready));
            assertEquals(EventSet.READ, ready.flagsFor(1003));
            assertEquals(EventSet.READ, ready.flagsFor(1100));
            assertEquals(EventSet.READ, ready.flagsFor(1190));
        } finally {
            set.close();
        }
        assertEquals(0, set.liveHelpers(), "close() must end the helper threads");
    }

    @Test
    public void aSignalArrivingDuringTheWaitOnAHelperHandleEndsIt() throws Exception {
        int n = 130;
        long[] events = new long[n];
        try (EventSet set = backend.open(n)) {
            for (int i = 0; i < n; i++) {
                events[i] = event(true, false);
                set.ctl(new Win32EventWaitable(events[i], 0), EventSet.READ, i);
            }
            int waitsBefore = k32.waitCalls();
            Thread signaller = new Thread(() -> {
                // Signal once the owner and its two helpers have begun their waits (polled with a deadline).
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (k32.waitCalls() < waitsBefore + 3 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                k32.setEvent(events[129]);
            }, "signaller");
            signaller.start();
            assertEquals(1, set.wait(-1, ready));
            assertEquals(EventSet.READ, ready.flagsFor(129));
            signaller.join(TIMEOUT);
        }
    }

    @Test
    public void wakeupEndsAWaitThatHelpersShare() throws Exception {
        int n = 100;
        try (EventSet set = backend.open(n)) {
            for (int i = 0; i < n; i++) {
                set.ctl(new Win32EventWaitable(event(true, false), 0), EventSet.READ, i);
            }
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                started.countDown();
                try {
                    outcome.set(set.wait(-1, new ReadyEvents(4)));
                } catch (Throwable t) {
                    outcome.set(t);
                }
            }, "waiter");
            waiter.start();
            assertTrue(started.await(TIMEOUT, TimeUnit.MILLISECONDS));
            set.wakeup();
            waiter.join(TIMEOUT);
            assertFalse(waiter.isAlive(), "wakeup did not end the wait");
            assertEquals(0, outcome.get());
        }
    }

    @Test
    public void aFailedWaitIsAnIOExceptionNamingTheError() throws Exception {
        long e = event(true, false);
        try (EventSet set = backend.open(2)) {
            set.ctl(new Win32EventWaitable(e, 0), EventSet.READ, 1);
            k32.closeHandle(e); // a device released its event without del(): Windows fails the wait
            IOException failure = assertThrows(IOException.class, () -> set.wait(0, ready));
            assertTrue(failure.getMessage().contains("ERROR_INVALID_HANDLE"), failure.getMessage());
            expectedViolations = 1; // the fake records the wait on a closed handle
        }
    }

    @Test
    public void ctlAfterCloseFailsAndWaitReturnsZero() throws Exception {
        EventSet set = backend.open(2);
        set.close();
        long e = event(true, true);
        assertThrows(IOException.class, () -> set.ctl(new Win32EventWaitable(e, 0), EventSet.READ, 1));
        assertEquals(0, set.wait(-1, ready));
    }
}
