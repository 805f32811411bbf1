package org.culvert.platform.linux.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.HandleKind;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.event.SignalWaitable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Focused tests shared by the Linux file-descriptor event sets (epoll, poll), driven with
 * {@link Pipe}s. A backend's test subclasses it, supplies {@link #newBackend()} and adds the tests
 * where the backends differ (what {@code ctl} of a closed descriptor does). The test kit's contract
 * tests run separately ({@link PipeEventSetContract}, {@link SocketPairEventSetContract}).
 */
public abstract class FdEventSetTest {
    private final List<Pipe> pipes = new ArrayList<>();
    protected final ReadyEvents out = new ReadyEvents(8);
    protected EventBackend backend;
    protected EventSet set;

    /** A fresh backend of the kind under test, made once per test. */
    protected abstract EventBackend newBackend();

    @BeforeEach
    void open() throws IOException {
        backend = newBackend();
        assertTrue(backend.availability().isAvailable(), backend.availability()::toString);
        set = backend.open(4);
    }

    @AfterEach
    void closeAll() {
        set.close();
        pipes.forEach(Pipe::close);
    }

    /** A pipe closed after the test. */
    protected Pipe pipe() {
        Pipe p = new Pipe();
        pipes.add(p);
        return p;
    }

    @Test
    void describesItself() {
        assertEquals(java.util.Set.of(HandleKind.POSIX_FD), backend.handleKinds());
        assertThrows(IllegalArgumentException.class, () -> backend.open(0));
    }

    @Test
    void readableIsLevelTriggeredUntilDrained() throws IOException {
        Pipe p = pipe();
        set.ctl(p.readEnd, EventSet.READ, 7);
        assertEquals(0, set.wait(0, out));
        p.writeByte();
        assertEquals(1, set.wait(1000, out));
        assertEquals(7, out.tag(0));
        assertEquals(EventSet.READ, out.flags(0));
        assertEquals(1, set.wait(0, out), "level-triggered: still readable");
        p.drain();
        assertEquals(0, set.wait(0, out));
        assertEquals(0, out.size());
    }

    @Test
    void writableFollowsPipeSpace() throws IOException {
        Pipe p = pipe();
        set.ctl(p.writeEnd, EventSet.WRITE, 3);
        assertEquals(1, set.wait(0, out));
        assertEquals(EventSet.WRITE, out.flagsFor(3));
        p.fill();
        assertEquals(0, set.wait(0, out));
        p.drain();
        assertEquals(1, set.wait(1000, out));
        assertEquals(EventSet.WRITE, out.flagsFor(3));
    }

    @Test
    void ctlModifiesInterestAndTag() throws IOException {
        Pipe p = pipe();
        p.writeByte();
        set.ctl(p.readEnd, EventSet.READ, 1);
        assertEquals(1, set.wait(0, out));
        set.ctl(p.readEnd, EventSet.READ, 9);
        assertEquals(1, set.wait(0, out));
        assertEquals(9, out.tag(0));
        set.ctl(p.readEnd, EventSet.WRITE, 9);
        assertEquals(0, set.wait(0, out), "a read end is never writable");
        set.ctl(p.readEnd, EventSet.READ | EventSet.WRITE, 9);
        assertEquals(1, set.wait(0, out));
        assertEquals(EventSet.READ, out.flags(0));
    }

    @Test
    void zeroInterestKeepsRegistrationButReportsNothingEvenOnHangUp() throws IOException {
        Pipe p = pipe();
        p.writeByte();
        set.ctl(p.readEnd, 0, 5);
        assertEquals(0, set.wait(0, out));
        p.closeWriteEnd();
        long start = System.nanoTime();
        assertEquals(0, set.wait(50, out), "hang-up must not be reported without interest");
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(40), "waited for the timeout");
        set.ctl(p.readEnd, EventSet.READ, 5);
        assertEquals(1, set.wait(0, out));
        assertEquals(EventSet.READ, out.flagsFor(5));
    }

    @Test
    void hangUpAndErrorAreReportedAsTheInterest() throws IOException {
        Pipe a = pipe();
        Pipe b = pipe();
        set.ctl(a.readEnd, EventSet.READ, 1);
        set.ctl(b.writeEnd, EventSet.WRITE, 2);
        b.fill();
        assertEquals(0, set.wait(0, out));
        a.closeWriteEnd();
        b.closeReadEnd();
        assertEquals(2, set.wait(1000, out));
        assertEquals(EventSet.READ, out.flagsFor(1));
        assertEquals(EventSet.WRITE, out.flagsFor(2));
    }

    @Test
    void delAndResetForgetRegistrations() throws IOException {
        Pipe a = pipe();
        Pipe b = pipe();
        a.writeByte();
        b.writeByte();
        set.ctl(a.readEnd, EventSet.READ, 1);
        set.ctl(b.readEnd, EventSet.READ, 2);
        assertEquals(2, set.wait(0, out));
        set.del(a.readEnd);
        assertEquals(1, set.wait(0, out));
        assertEquals(2, out.tag(0));
        set.del(a.readEnd);
        set.del(new SignalWaitable("x", true, true));
        set.reset();
        assertEquals(0, set.wait(0, out));
        set.ctl(a.readEnd, EventSet.READ, 4);
        assertEquals(1, set.wait(0, out));
        assertEquals(4, out.tag(0));
    }

    @Test
    void delOfAClosedDescriptorIsQuiet() throws IOException {
        Pipe p = pipe();
        set.ctl(p.readEnd, EventSet.READ, 1);
        p.close();
        set.del(p.readEnd);
        assertEquals(0, set.wait(0, out));
    }

    @Test
    void rejectsOtherWaitablesAndBadInterest() {
        Pipe p = pipe();
        assertThrows(IllegalArgumentException.class, () -> set.ctl(new SignalWaitable("s", true, true), EventSet.READ, 1));
        assertThrows(IllegalArgumentException.class, () -> set.ctl(null, EventSet.READ, 1));
        assertThrows(IllegalArgumentException.class, () -> set.ctl(p.readEnd, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> set.ctl(p.readEnd, -1, 1));
    }

    @Test
    void growsBeyondMaxEventsAndCapsOutputAtCapacity() throws IOException {
        List<Pipe> many = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Pipe p = pipe();
            p.writeByte();
            many.add(p);
            set.ctl(p.readEnd, EventSet.READ, 100 + i);
        }
        ReadyEvents small = new ReadyEvents(3);
        assertEquals(3, set.wait(0, small));
        assertEquals(10, set.wait(0, new ReadyEvents(16)));
        many.get(4).drain();
        ReadyEvents big = new ReadyEvents(16);
        assertEquals(9, set.wait(0, big));
        assertEquals(0, big.flagsFor(104));
        assertEquals(EventSet.READ, big.flagsFor(109));
    }

    @Test
    void wakeupFromAnotherThreadEndsAnUnlimitedWait() throws Exception {
        Pipe p = pipe();
        set.ctl(p.readEnd, EventSet.READ, 1);
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                waiting.countDown();
                result.set(set.wait(-1, out));
            } catch (Throwable t) {
                result.set(t);
            }
        });
        waiter.start();
        assertTrue(waiting.await(5, TimeUnit.SECONDS));
        // The waiter may not have entered the system call yet: a wake-up before the wait must also count.
        set.wakeup();
        waiter.join(5000);
        assertFalse(waiter.isAlive(), "wait(-1) did not return after wakeup()");
        assertEquals(0, result.get());
        assertEquals(0, set.wait(0, out), "the wake-up was consumed");
    }

    @Test
    void wakeupsCoalesceAndArePendingForTheNextWait() throws IOException {
        set.wakeup();
        set.wakeup();
        set.wakeup();
        assertEquals(0, set.wait(-1, out));
        long start = System.nanoTime();
        assertEquals(0, set.wait(30, out));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(20), "second wait ran to its timeout");
    }

    @Test
    void closeIsIdempotentAndSafeAgainstConcurrentWakeups() throws Exception {
        for (int round = 0; round < 50; round++) {
            EventSet s = backend.open(2);
            CountDownLatch go = new CountDownLatch(1);
            Thread[] wakers = new Thread[3];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int t = 0; t < wakers.length; t++) {
                wakers[t] = new Thread(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < 200; i++) {
                            s.wakeup();
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                wakers[t].start();
            }
            go.countDown();
            s.close();
            s.close();
            for (Thread t : wakers) {
                t.join(5000);
                assertFalse(t.isAlive());
            }
            assertNull(failure.get());
            assertEquals(0, s.wait(-1, out), "wait after close returns at once");
            s.wakeup();
            Pipe p = pipe();
            assertThrows(IOException.class, () -> s.ctl(p.readEnd, EventSet.READ, 1));
            s.del(new org.culvert.api.event.FdWaitable(0));
            s.reset();
        }
    }

    @Test
    void waitAllocatesNothing() throws IOException {
        Pipe p = pipe();
        Pipe q = pipe();
        p.writeByte();
        set.ctl(p.readEnd, EventSet.READ, 1);
        set.ctl(q.writeEnd, EventSet.WRITE, 2);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) {
            set.ctl(q.writeEnd, (i & 1) == 0 ? EventSet.WRITE : EventSet.WRITE | EventSet.READ, 2);
            set.wait(0, out);
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 20_000; i++) {
            set.ctl(q.writeEnd, (i & 1) == 0 ? EventSet.WRITE : EventSet.WRITE | EventSet.READ, 2);
            set.wait(0, out);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 20_000, "allocated " + allocated + " bytes in 20000 ctl+wait rounds");
        assertEquals(2, out.size());
    }
}
