package org.culvert.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.event.ChannelWaitable;
import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.FdWaitable;
import org.culvert.api.event.HandleKind;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.event.SignalWaitable;
import org.culvert.api.event.Waitable;
import org.culvert.api.event.Win32EventWaitable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The contract every {@link EventBackend} and its {@link EventSet}s fulfil: OpenVPN's
 * {@code event_set_functions} semantics (level-triggered readiness, {@code ctl}/{@code del}/
 * {@code reset}, timeouts, a thread-safe wake-up, idempotent close).
 *
 * <p>Subclass it in the backend's own tests, supply the backend and a {@link WaitableSource} of a kind
 * it supports. Every test runs on the JUnit thread, which owns the sets it opens; sources and sets are
 * closed after each test. Negative checks ("nothing is reported") wait {@value #SILENCE_MILLIS} ms.
 */
@ConsumerType
public abstract class EventSetContract {
    /** Tags as the tunnel loop uses them (OpenVPN's SOCKET_SHIFT 0 and TUN_SHIFT 2): 0 is a valid tag. */
    protected static final int TAG_A = 0;
    protected static final int TAG_B = 2;
    /** How long a wait that should report something may take at most. */
    protected static final long READY_TIMEOUT_MILLIS = 5_000;
    /** How long a wait that should report nothing is given. */
    protected static final long SILENCE_MILLIS = 100;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ReadyEvents ready = new ReadyEvents(8);

    /** The backend under test. */
    protected abstract EventBackend backend();

    /** A fresh waitable of a kind this backend supports, with the means to drive its readiness. */
    protected abstract WaitableSource newSource() throws Exception;

    /** A new source that is closed after the test. */
    protected final WaitableSource source() throws Exception {
        WaitableSource s = newSource();
        resources.add(s);
        return s;
    }

    /** A new event set that is closed after the test. */
    protected final EventSet openSet() throws IOException {
        EventSet set = backend().open(8);
        resources.add(set);
        return set;
    }

    @AfterEach
    public void closeEventResources() throws Exception {
        Exception first = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        resources.clear();
        if (first != null) {
            throw first;
        }
    }

    @Test
    public void backendWaitsOnTheSourcesKind() throws Exception {
        WaitableSource s = source();
        Set<HandleKind> kinds = backend().handleKinds();
        assertFalse(kinds.isEmpty(), "handleKinds() is empty");
        assertTrue(kinds.contains(s.waitable().kind()), "handleKinds() " + kinds + " lacks the source's kind " + s.waitable().kind());
        assertTrue(kinds.contains(s.writeWaitable().kind()), "handleKinds() " + kinds + " lacks " + s.writeWaitable().kind());
        assertEquals(kinds, backend().handleKinds(), "handleKinds() must be constant");
    }

    @Test
    public void waitWithNothingReadyTimesOutWithZero() throws Exception {
        WaitableSource s = source();
        EventSet set = openSet();
        set.ctl(s.waitable(), EventSet.READ, TAG_A);

        long start = System.nanoTime();
        int n = set.wait(2 * SILENCE_MILLIS, ready);
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertEquals(0, n, "nothing is ready, yet wait reported " + n);
        assertEquals(0, ready.size());
        assertTrue(elapsedMillis >= SILENCE_MILLIS, "wait(" + 2 * SILENCE_MILLIS + ") returned after only " + elapsedMillis + " ms");
        assertTrue(elapsedMillis < READY_TIMEOUT_MILLIS, "wait(" + 2 * SILENCE_MILLIS + ") took " + elapsedMillis + " ms");
    }

    @Test
    public void pollWithNothingReadyReturnsZeroAtOnce() throws Exception {
        WaitableSource s = source();
        EventSet set = openSet();
        set.ctl(s.waitable(), EventSet.READ, TAG_A);
        long start = System.nanoTime();
        assertEquals(0, set.wait(0, ready));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < READY_TIMEOUT_MILLIS / 2, "wait(0) blocked");
    }

    @Test
    public void emptySetTimesOut() throws Exception {
        EventSet set = openSet();
        assertEquals(0, set.wait(SILENCE_MILLIS / 2, ready));
        assertEquals(0, ready.size());
    }

    @Test
    public void readableIsReportedWithItsTagAndOnlyRead() throws Exception {
        WaitableSource s = source();
        EventSet set = openSet();
        set.ctl(s.waitable(), EventSet.READ, TAG_B);
        s.makeReadable();

        int n = awaitFlags(set, TAG_B, EventSet.READ);

        assertEquals(1, n, "one waitable registered, one entry expected");
        assertEquals(TAG_B, ready.tag(0));
        assertEquals(EventSet.READ, ready.flags(0), "only READ was asked for");
    }

    @Test
    public void readinessIsLevelTriggeredUntilDrained() throws Exception {
        WaitableSource s = source();
        EventSet set = openSet();
        set.ctl(s.waitable(), EventSet.READ, TAG_A);
        s.makeReadable();

        awaitFlags(set, TAG_A, EventSet.READ);
        assertEquals(EventSet.READ, readFlagsAfterWait(set, READY_TIMEOUT_MILLIS, TAG_A) & EventSet.READ,
                "still readable, so the next wait must report it again");
        assertEquals(EventSet.READ, readFlagsAfterWait(set, 0, TAG_A) & EventSet.READ, "a poll must report it too");

        s.drain();
        assertEquals(0, readFlagsAfterWait(set, SILENCE_MILLIS, TAG_A), "drained, yet still reported");
    }

    @Test
    public void zeroInterestSilencesAndCanBeRaisedAgain() throws Exception {
        WaitableSource s = source();
        EventSet set = openSet();
        set.ctl(s.waitable(), EventSet.READ, TAG_A);
        s.makeReadable();
        awaitFlags(set, TAG_A, EventSet.READ);

        set.ctl(s.waitable(), 0, TAG_A);
        assertEquals(0, set.wait(SILENCE_MILLIS, ready), "interest 0 must report nothing");

        set.ctl(s.waitable(), EventSet.READ, TAG_A);
        awaitFlags(set, TAG_A, EventSet.READ);
    }

    @Test
    public void ctlAgainReplacesTheTag() throws Exception {
        WaitableSource s = source();
        EventSet set = openSet();
        set.ctl(s.waitable(), EventSet.READ, TAG_A);
        set.ctl(s.waitable(), EventSet.READ, TAG_B);
        s.makeReadable();

        int n = awaitFlags(set, TAG_B, EventSet.READ);
        assertEquals(1, n, "one waitable, registered twice, must be one entry");
        assertEquals(0, ready.flagsFor(TAG_A), "the old tag was reported");
    }

    @Test
    public void delSilencesAndTheWaitableCanBeAddedAgain() throws Exception {
        WaitableSource s = source();
        WaitableSource never = source();
        EventSet set = openSet();
        set.ctl(s.waitable(), EventSet.READ, TAG_A);
        s.makeReadable();
        awaitFlags(set, TAG_A, EventSet.READ);

        set.del(s.waitable());
        assertEquals(0, set.wait(SILENCE_MILLIS, ready), "deleted, yet reported");
        set.del(s.waitable()); // unknown now: ignored
        set.del(never.waitable()); // never registered: ignored

        set.ctl(s.waitable(), EventSet.READ, TAG_B);
        awaitFlags(set, TAG_B, EventSet.READ);
    }

    @Test
    public void resetForgetsEverythingAndTheSetStaysUsable() throws Exception {
        WaitableSource a = source();
        WaitableSource b = source();
        EventSet set = openSet();
        set.ctl(a.waitable(), EventSet.READ, TAG_A);
        set.ctl(b.waitable(), EventSet.READ, TAG_B);
        a.makeReadable();
        b.makeReadable();
        awaitFlags(set, TAG_A, EventSet.READ);

        set.reset();
        assertEquals(0, set.wait(SILENCE_MILLIS, ready), "reset, yet something was reported");

        set.ctl(b.waitable(), EventSet.READ, TAG_B);
        int n = awaitFlags(set, TAG_B, EventSet.READ);
        assertEquals(1, n, "only b is registered after the reset");
        assertEquals(0, ready.flagsFor(TAG_A));
    }

    @Test
    public void writableIsReportedWithOnlyWrite() throws Exception {
        WaitableSource s = source();
        EventSet set = openSet();
        set.ctl(s.writeWaitable(), EventSet.WRITE, TAG_A);

        awaitFlags(set, TAG_A, EventSet.WRITE);
        assertEquals(EventSet.WRITE, ready.flagsFor(TAG_A), "only WRITE was asked for");
    }

    @Test
    public void unwritableIsNotReportedUntilWritableAgain() throws Exception {
        WaitableSource s = source();
        assumeTrue(s.makeUnwritable(), "this kind of waitable cannot be made unwritable");
        EventSet set = openSet();
        set.ctl(s.writeWaitable(), EventSet.WRITE, TAG_A);

        assertEquals(0, readFlagsAfterWait(set, SILENCE_MILLIS, TAG_A) & EventSet.WRITE, "not writable, yet WRITE reported");

        s.makeWritable();
        awaitFlags(set, TAG_A, EventSet.WRITE);
    }

    @Test
    public void readAndWriteOfOneSourceAreReportedTogether() throws Exception {
        WaitableSource s = source();
        EventSet set = openSet();
        if (s.writeWaitable() == s.waitable()) {
            // One bidirectional waitable: both flags come under its one tag.
            set.ctl(s.waitable(), EventSet.READ | EventSet.WRITE, TAG_B);
            awaitFlags(set, TAG_B, EventSet.WRITE);
            assertEquals(0, ready.flagsFor(TAG_B) & EventSet.READ, "not readable yet");

            s.makeReadable();
            awaitFlags(set, TAG_B, EventSet.READ);
            assertEquals(EventSet.READ | EventSet.WRITE, ready.flagsFor(TAG_B));
        } else {
            // A one-way pair (pipe): its read end and write end wait in one set under their own tags,
            // and one wait reports both once both are ready.
            set.ctl(s.waitable(), EventSet.READ, TAG_A);
            set.ctl(s.writeWaitable(), EventSet.WRITE, TAG_B);
            awaitFlags(set, TAG_B, EventSet.WRITE);
            assertEquals(0, ready.flagsFor(TAG_A), "not readable yet");

            s.makeReadable();
            awaitFlags(set, TAG_A, EventSet.READ);
            assertEquals(EventSet.READ, ready.flagsFor(TAG_A), "the read end reports only READ");
            assertEquals(EventSet.WRITE, ready.flagsFor(TAG_B), "the write end is still writable in the same wait");
        }
    }

    @Test
    public void twoSourcesAreReportedUnderTheirOwnTags() throws Exception {
        WaitableSource a = source();
        WaitableSource b = source();
        EventSet set = openSet();
        set.ctl(a.waitable(), EventSet.READ, TAG_A);
        set.ctl(b.waitable(), EventSet.READ, TAG_B);

        b.makeReadable();
        awaitFlags(set, TAG_B, EventSet.READ);
        assertEquals(0, ready.flagsFor(TAG_A), "a is not readable, yet its tag was reported");

        a.makeReadable();
        int n = awaitFlags(set, TAG_A, EventSet.READ);
        assertEquals(2, n, "both are readable: one wait reports both");
        assertEquals(EventSet.READ, ready.flagsFor(TAG_B));
    }

    @Test
    public void waitNeverReportsMoreThanTheResultCapacity() throws Exception {
        WaitableSource a = source();
        WaitableSource b = source();
        EventSet set = openSet();
        set.ctl(a.waitable(), EventSet.READ, TAG_A);
        set.ctl(b.waitable(), EventSet.READ, TAG_B);
        a.makeReadable();
        b.makeReadable();

        ReadyEvents one = new ReadyEvents(1);
        int n = set.wait(READY_TIMEOUT_MILLIS, one);
        assertEquals(1, n, "two ready, room for one");
        assertEquals(1, one.size());
        assertTrue(one.tag(0) == TAG_A || one.tag(0) == TAG_B);
    }

    @Test
    public void wakeupFromAnotherThreadEndsAnUnboundedWait() throws Exception {
        WaitableSource s = source();
        EventSet set = openSet();
        set.ctl(s.waitable(), EventSet.READ, TAG_A);
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            ReadyEvents own = new ReadyEvents(4);
            waiting.countDown();
            try {
                outcome.set(set.wait(-1, own));
            } catch (Throwable t) {
                outcome.set(t);
            }
        }, "event-contract-waiter");
        waiter.setDaemon(true);
        waiter.start();
        assertTrue(waiting.await(READY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));

        set.wakeup();
        waiter.join(READY_TIMEOUT_MILLIS);

        if (waiter.isAlive()) {
            set.close(); // free the stuck thread before failing
            fail("wakeup() did not end wait(-1) within " + READY_TIMEOUT_MILLIS + " ms");
        }
        assertEquals(0, outcome.get(), "a woken wait with nothing ready returns 0");
    }

    @Test
    public void wakeupBeforeWaitEndsTheNextWaitOnly() throws Exception {
        WaitableSource s = source();
        EventSet set = openSet();
        set.ctl(s.waitable(), EventSet.READ, TAG_A);

        set.wakeup();
        set.wakeup(); // wake-ups do not count up
        long start = System.nanoTime();
        assertEquals(0, set.wait(2 * READY_TIMEOUT_MILLIS, ready));
        long woken = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(woken < READY_TIMEOUT_MILLIS, "the pending wake-up did not end the wait (took " + woken + " ms)");

        start = System.nanoTime();
        assertEquals(0, set.wait(2 * SILENCE_MILLIS, ready));
        long second = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(second >= SILENCE_MILLIS, "the wake-up was not consumed: the following wait returned after " + second + " ms");
    }

    @Test
    public void closeIsIdempotentAndWaitAfterCloseReturnsZeroAtOnce() throws Exception {
        WaitableSource s = source();
        EventSet set = openSet();
        set.ctl(s.waitable(), EventSet.READ, TAG_A);
        s.makeReadable();

        set.close();
        set.close();
        set.wakeup();
        long start = System.nanoTime();
        assertEquals(0, set.wait(2 * READY_TIMEOUT_MILLIS, ready));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < READY_TIMEOUT_MILLIS, "wait after close blocked");
    }

    @Test
    public void wakeupRacingCloseDoesNotThrow() throws Exception {
        for (int round = 0; round < 20; round++) {
            EventSet set = backend().open(2);
            resources.add(set);
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread waker = new Thread(() -> {
                started.countDown();
                try {
                    for (int i = 0; i < 20_000; i++) {
                        set.wakeup();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "event-contract-waker");
            waker.setDaemon(true);
            waker.start();
            assertTrue(started.await(READY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
            set.close();
            waker.join(READY_TIMEOUT_MILLIS);
            assertFalse(waker.isAlive(), "the waking thread hung");
            assertNull(failure.get(), () -> "wakeup() racing close() threw " + failure.get());
        }
    }

    @Test
    public void unsupportedKindsAreRefusedWithIllegalArgumentException() throws Exception {
        Set<HandleKind> unsupported = EnumSet.allOf(HandleKind.class);
        unsupported.removeAll(backend().handleKinds());
        assumeFalse(unsupported.isEmpty(), "this backend supports every kind");
        EventSet set = openSet();
        for (HandleKind kind : unsupported) {
            Waitable w = waitableOf(kind);
            assertThrows(IllegalArgumentException.class, () -> set.ctl(w, EventSet.READ, TAG_A), kind + " is not supported");
        }
        // The set is still usable after refusing.
        WaitableSource s = source();
        set.ctl(s.waitable(), EventSet.READ, TAG_B);
        s.makeReadable();
        awaitFlags(set, TAG_B, EventSet.READ);
    }

    /** A real waitable of {@code kind}: its handle is never used, since the backend must refuse the kind first. */
    private Waitable waitableOf(HandleKind kind) throws IOException {
        switch (kind) {
        case SIGNAL:
            return new SignalWaitable("contract-unsupported", true, true);
        case POSIX_FD:
            return new FdWaitable(1_000_000); // far above any descriptor in use
        case WIN32_EVENT:
            return new Win32EventWaitable(0x7FFF_0000L, 0x7FFF_0004L);
        case NIO_CHANNEL:
            Pipe pipe = Pipe.open();
            resources.add(pipe.source());
            resources.add(pipe.sink());
            pipe.source().configureBlocking(false);
            return new ChannelWaitable(pipe.source());
        default:
            throw new IllegalStateException("new handle kind " + kind + ": extend the contract");
        }
    }

    /**
     * Waits (repeatedly, level-triggered sets may report other entries first) until {@code tag} is
     * reported with {@code flag}, failing after {@value #READY_TIMEOUT_MILLIS} ms.
     *
     * @return the number of entries of the wait that reported it; {@link #ready()} holds them
     */
    protected final int awaitFlags(EventSet set, int tag, int flag) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MILLIS);
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                fail("tag " + tag + " was not reported with flags " + flag + " within " + READY_TIMEOUT_MILLIS + " ms");
            }
            int n = set.wait(left, ready);
            assertEquals(ready.size(), n, "wait's result must equal the entries it filled in");
            if ((ready.flagsFor(tag) & flag) == flag) {
                return n;
            }
        }
    }

    /** The flags reported for {@code tag} by one wait of {@code timeoutMillis}. */
    private int readFlagsAfterWait(EventSet set, long timeoutMillis, int tag) throws IOException {
        set.wait(timeoutMillis, ready);
        return ready.flagsFor(tag);
    }

    /** The result array the helpers fill. */
    protected final ReadyEvents ready() {
        return ready;
    }
}
