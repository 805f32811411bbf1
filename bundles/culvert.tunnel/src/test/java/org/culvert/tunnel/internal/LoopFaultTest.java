package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The loop fed an engine that throws: on packets (decapsulate, encapsulate), on its own output and
 * timers, before the loop. Packets are dropped and counted as INTERNAL_ERROR and the rest pass; a
 * session that keeps failing restarts softly; nothing but a configuration error is FAILED.
 */
class LoopFaultTest {
    private static final AtomicInteger SEQ = new AtomicInteger(900);
    private final int id = SEQ.incrementAndGet();
    private final MemoryRunners memory = new MemoryRunners();
    private final RecordingSink sinkA = new RecordingSink();
    private final RecordingSink sinkB = new RecordingSink();
    private final Counters countersA = new Counters();
    private final Counters countersB = new Counters();
    /** B's sessions, one per run, newest last. */
    private final List<ThrowingSession> sessionsB = new CopyOnWriteArrayList<>();
    private TunnelRunner a;
    private TunnelRunner b;

    @AfterEach
    void tearDown() {
        memory.stopAll();
    }

    private TunnelPlan plan(String me, String peer, TunnelPlan.SessionFactory sessions) {
        TunSpec tun = TunSpec.builder(TunLayer.TUN).name("mem" + me + id).build();
        LinkSpec link = LinkSpec.builder(LinkProtocol.UDP).local(me + id, 1194).remote(peer + id, 1194).build();
        return new TunnelPlan(tun, link, false, 1600, sessions, "test");
    }

    /** Starts A (a plain engine) and B, whose n-th session (from 0) is made by {@code bSession}. */
    private void start(java.util.function.IntFunction<ThrowingSession> bSession) {
        a = memory.runner("fa" + id, plan("fa", "fb", clock -> new PassthroughSession()), sinkA, countersA, LoopClock.SYSTEM);
        b = memory.runner("fb" + id, plan("fb", "fa", clock -> {
            ThrowingSession s = bSession.apply(sessionsB.size());
            sessionsB.add(s);
            return s;
        }), sinkB, countersB, LoopClock.SYSTEM);
        a.start();
        b.start();
    }

    private static byte[] packet(String from, String to, String payload) throws Exception {
        return Packets.ipv4Udp((Inet4Address) InetAddress.getByName(from), 1000, (Inet4Address) InetAddress.getByName(to), 2000,
                payload.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** Injects {@code n} packets at once at {@code from}; every third (1, 4, 7, ...) carries {@code marker}; returns the others. */
    private static List<byte[]> burst(MemoryTunOsSide from, String src, String dst, int n, String marker) throws Exception {
        List<byte[]> good = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean bad = i % 3 == 1;
            byte[] p = packet(src, dst, (bad ? marker : "good") + " " + i);
            assertTrue(from.inject(p));
            if (!bad) {
                good.add(p);
            }
        }
        return good;
    }

    private void assertTrafficBothWays() throws Exception {
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("memfa" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("memfb" + id, 5000);
        byte[] p = packet("10.0.0.1", "10.0.0.2", "after");
        assertTrue(osA.inject(p));
        assertArrayEquals(p, osB.take(5000));
        byte[] q = packet("10.0.0.2", "10.0.0.1", "back");
        assertTrue(osB.inject(q));
        assertArrayEquals(q, osA.take(5000));
    }

    private long internalErrors() {
        return countersB.snapshot().drops(DropReason.INTERNAL_ERROR);
    }

    @Test
    void aPacketThatMakesTheEngineThrowIsDroppedAndCountedAndTheRestPass() throws Exception {
        start(n -> new ThrowingSession(LoopClock.SYSTEM, false));
        sinkA.await(TunnelState.UP, null, 5000);
        sinkB.await(TunnelState.UP, null, 5000);
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("memfa" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("memfb" + id, 5000);

        ThrowingSession session = sessionsB.get(0);
        byte[] trigger = packet("10.0.0.1", "10.0.0.2", "turn");
        // Incoming: B's loop stands while a burst of 30 piles up in its link queue behind a packet that made
        // it turn, so it reads them as one batch of its 32; every third packet makes B's decapsulate throw.
        long sent = countersA.snapshot().linkWritePackets();
        session.parkLoop(() -> assertTrue(osA.inject(trigger)));
        List<byte[]> good = burst(osA, "10.0.0.1", "10.0.0.2", 30, "BOOM-D");
        MemoryRunners.awaitTrue(() -> countersA.snapshot().linkWritePackets() == sent + 31, () -> countersA.snapshot().toString());
        session.releaseLoop();
        assertArrayEquals(trigger, osB.take(5000));
        for (byte[] p : good) {
            assertArrayEquals(p, osB.take(5000), "the packets around a faulty one pass, in order");
        }
        MemoryRunners.awaitTrue(() -> internalErrors() == 10, () -> countersB.snapshot().toString());
        assertNull(osB.poll(), "no faulty packet reached the tun");

        // Outgoing: the same with a burst in B's tun queue; every third packet makes its encapsulate throw.
        session.parkLoop(() -> assertTrue(osA.inject(trigger)));
        good = burst(osB, "10.0.0.2", "10.0.0.1", 30, "BOOM-E");
        session.releaseLoop();
        assertArrayEquals(trigger, osB.take(5000));
        for (byte[] p : good) {
            assertArrayEquals(p, osA.take(5000));
        }
        MemoryRunners.awaitTrue(() -> internalErrors() == 20, () -> countersB.snapshot().toString());
        assertNull(osA.poll());

        // The engine's own output throws on three turns: each is counted; fewer than the limit in a row is no restart.
        session.pollFaults.set(3);
        for (int i = 0; i < 6 && session.pollFaults.get() > 0; i++) {
            assertTrafficBothWays();
        }
        MemoryRunners.awaitTrue(() -> internalErrors() == 23, () -> countersB.snapshot().toString());
        assertTrafficBothWays();

        assertEquals(TunnelState.UP, sinkB.state());
        List<String> history = sinkB.historyCopy();
        assertFalse(history.stream().anyMatch(h -> h.startsWith("FAILED") || h.startsWith("RECONNECTING")), history.toString());
        assertEquals(0, countersB.snapshot().restarts());
        assertEquals(1, sessionsB.size(), "the same session throughout");
        System.out.println("[reliability] loop fed a throwing session: " + internalErrors()
                + " faults (10 decapsulate, 10 encapsulate, 3 pollOutgoing; each burst of 30 read as one batch) dropped as INTERNAL_ERROR, "
                + "40 packets around them delivered in order, tunnel stayed UP, 0 restarts");
    }

    @Test
    void aSessionWhoseTimersAlwaysThrowRestartsSoftlyAndComesBack() throws Exception {
        start(n -> {
            ThrowingSession s = new ThrowingSession(LoopClock.SYSTEM, false);
            if (n == 0) {
                s.timerFaults.set(Integer.MAX_VALUE);
            }
            return s;
        });
        long t0 = System.nanoTime();
        sinkB.await(TunnelState.RECONNECTING, TunnelReason.INTERNAL_ERROR, 5000);
        assertTrue(sinkB.detail().contains("restart in 1.0 s"), "OpenVPN's 1 s restart pause: " + sinkB.detail());
        sinkB.await(TunnelState.UP, null, 5000);
        long backMillis = (System.nanoTime() - t0) / 1_000_000;
        sinkA.await(TunnelState.UP, null, 5000);
        assertTrafficBothWays();
        assertEquals(2, sessionsB.size(), "a fresh session after the restart");
        assertEquals(1, countersB.snapshot().restarts());
        assertTrue(internalErrors() >= PointToPointLoop.SESSION_FAULT_LIMIT, countersB.snapshot().toString());
        assertFalse(sinkB.historyCopy().stream().anyMatch(h -> h.startsWith("FAILED")), sinkB.historyCopy().toString());
        System.out.println("[reliability] session whose timers always throw: restarted softly after " + internalErrors()
                + " faults (limit " + PointToPointLoop.SESSION_FAULT_LIMIT + " turns), UP again " + backMillis
                + " ms after start (OpenVPN's 1 s pause), never FAILED");
    }

    @Test
    void aBugOutsideTheLoopAfterStartIsASoftRestartNotAConfigurationError() throws Exception {
        start(n -> new ThrowingSession(LoopClock.SYSTEM, n == 0));
        sinkB.await(TunnelState.RECONNECTING, TunnelReason.INTERNAL_ERROR, 5000);
        assertTrue(sinkB.detail().contains("a bug before the loop"), sinkB.detail());
        sinkB.await(TunnelState.UP, null, 5000);
        assertTrafficBothWays();
        assertFalse(sinkB.historyCopy().stream().anyMatch(h -> h.startsWith("FAILED")), sinkB.historyCopy().toString());
    }

    @Test
    void anEngineThatCannotBeMadeIsAConfigurationErrorAndFails() throws Exception {
        b = memory.runner("fb" + id, plan("fb", "fa", clock -> {
            throw new java.io.FileNotFoundException("static.key (No such file or directory)");
        }), sinkB, countersB, LoopClock.SYSTEM);
        b.start();
        sinkB.await(TunnelState.FAILED, TunnelReason.CONFIG_ERROR, 5000);
        assertTrue(sinkB.detail().contains("static.key"), sinkB.detail());
        assertNotNull(sinkB.historyCopy());
        assertEquals(0, memory.driver.openDeviceCount(), "a failed tunnel holds no device");
    }
}
