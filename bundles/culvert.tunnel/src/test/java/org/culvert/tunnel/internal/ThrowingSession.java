package org.culvert.tunnel.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.tunnel.DropReason;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.TimerEvent;

/**
 * {@link PassthroughSession} with bugs on demand: it throws on packets carrying a marker, and on its
 * own calls as many times as a test asks, so the loop's fault handling can be seen from outside.
 */
final class ThrowingSession extends PassthroughSession {
    static final byte[] BOOM_DECAPSULATE = "BOOM-D".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final byte[] BOOM_ENCAPSULATE = "BOOM-E".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final LoopClock clock;
    /** Throws on that many calls of pollOutgoing / checkTimers from now. */
    final AtomicInteger pollFaults = new AtomicInteger();
    final AtomicInteger timerFaults = new AtomicInteger();
    /** linkIpv6, called by the runner before the loop, throws this run. */
    private final boolean failBeforeLoop;
    /** Armed by parkLoop, taken by the next checkTimers; {@code release} is what it waits on. */
    private volatile CountDownLatch gate;
    private volatile CountDownLatch release;
    private volatile CountDownLatch parked;

    ThrowingSession(LoopClock clock, boolean failBeforeLoop) {
        this.clock = clock;
        this.failBeforeLoop = failBeforeLoop;
    }

    static boolean contains(ByteBuffer packet, byte[] marker) {
        outer:
        for (int i = packet.position(), end = packet.limit() - marker.length; i <= end; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (packet.get(i + j) != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * Makes the loop stand still at its next timer check, so that packets pile up and are read as one
     * batch; {@code trigger} must make the loop turn. Returns once the loop stands.
     */
    void parkLoop(Runnable trigger) throws InterruptedException {
        parked = new CountDownLatch(1);
        release = new CountDownLatch(1);
        gate = release;
        trigger.run();
        if (!parked.await(5, TimeUnit.SECONDS)) {
            throw new AssertionError("the loop did not turn");
        }
    }

    void releaseLoop() {
        release.countDown();
    }

    private static boolean take(AtomicInteger faults) {
        return faults.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    @Override
    public DropReason encapsulate(ByteBuffer packet) {
        if (contains(packet, BOOM_ENCAPSULATE)) {
            throw new IllegalStateException("test: encapsulate bug");
        }
        return super.encapsulate(packet);
    }

    @Override
    public Incoming decapsulate(ByteBuffer packet) {
        if (contains(packet, BOOM_DECAPSULATE)) {
            throw new ArrayIndexOutOfBoundsException("test: decapsulate bug");
        }
        return super.decapsulate(packet);
    }

    @Override
    public boolean pollOutgoing(ByteBuffer slot, int headroom) {
        if (take(pollFaults)) {
            throw new IllegalStateException("test: pollOutgoing bug");
        }
        return super.pollOutgoing(slot, headroom);
    }

    @Override
    public long nextTimerMillis() {
        // While timer faults are pending the engine wants its timers soon, as a real engine's would be due.
        return timerFaults.get() > 0 ? clock.millis() + 5 : super.nextTimerMillis();
    }

    @Override
    public TimerEvent checkTimers() {
        CountDownLatch g = gate;
        if (g != null) {
            gate = null;
            parked.countDown();
            try {
                if (!g.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test: never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (take(timerFaults)) {
            throw new IllegalStateException("test: checkTimers bug");
        }
        return super.checkTimers();
    }

    @Override
    public void linkIpv6(boolean ipv6) {
        if (failBeforeLoop) {
            throw new IllegalStateException("test: a bug before the loop");
        }
    }
}
