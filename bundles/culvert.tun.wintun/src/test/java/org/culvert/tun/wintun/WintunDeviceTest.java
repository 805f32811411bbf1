package org.culvert.tun.wintun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunException;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Wintun's ring semantics through the device: empty ring, batches, level-triggered readiness, ring full, session ended. */
class WintunDeviceTest {
    private static final int TAG = 4;
    private WintunFixture f;
    private WintunDevice dev;
    private FakeWintun.FakeSession ring;
    private EventSet events;
    private final ReadyEvents ready = new ReadyEvents(4);

    @BeforeEach
    void open() throws Exception {
        f = new WintunFixture(new WintunDriver.Settings("Culvert", "Culvert", "", WintunApi.MIN_RING_CAPACITY, "0.14", 4, "netsh", 1000))
                .open();
        dev = f.wintunDevice();
        ring = f.session();
        events = f.backend.open(2);
    }

    @AfterEach
    void closeAndCheck() {
        events.close();
        f.close();
        assertEquals(0, f.k32.violations().size(), () -> f.k32.violations().toString());
        assertEquals(0, f.wintun.violations().size(), () -> f.wintun.violations().toString());
        assertEquals(0, f.k32.openHandles());
    }

    private byte[] udp(String text, int extra) {
        byte[] payload = new byte[text.length() + extra];
        System.arraycopy(text.getBytes(StandardCharsets.US_ASCII), 0, payload, 0, text.length());
        return Packets.ipv4Udp(f.osAddress(), 5354, f.tunnelAddress(), 40_000, payload);
    }

    private int waitFor(int interest, long millis) throws Exception {
        events.ctl(dev.waitable(), interest, TAG);
        dev.prepareWait(interest);
        events.wait(millis, ready);
        return ready.flagsFor(TAG);
    }

    @Test
    void emptyRingReadsNothingAndTheReadWaitEventWakesTheLoop() throws Exception {
        PacketBatch b = PacketBatch.allocate(4, 16, 1600);
        assertEquals(0, dev.read(b), "ERROR_NO_MORE_ITEMS: nothing to read");
        assertEquals(0, waitFor(EventSet.READ, 50), "ring drained: no spurious readiness");
        ring.inject(udp("hello", 0));
        assertEquals(EventSet.READ, waitFor(EventSet.READ, 5_000), "the driver signalled the read-wait event");
        assertEquals(1, dev.read(b));
        assertEquals(16, b.slot(0).position());
    }

    @Test
    void readinessStaysLevelTriggeredWhenABatchLeavesPacketsInTheRing() throws Exception {
        for (int i = 0; i < 6; i++) {
            ring.inject(udp("p" + i, 0));
        }
        assertEquals(EventSet.READ, waitFor(EventSet.READ, 5_000));
        PacketBatch b = PacketBatch.allocate(8, 16, 1600);
        assertEquals(4, dev.read(b), "batchSize 4");
        // The auto-reset event was consumed by the wait; the device must make the next wait return anyway.
        assertEquals(EventSet.READ, waitFor(EventSet.READ, 0), "two packets remain: READ again at once");
        assertEquals(2, dev.read(b));
        assertEquals(0, waitFor(EventSet.READ, 50), "now empty: silent");
    }

    @Test
    void ringFullWritesFewerThenSucceedsAfterTheDriverDrains() throws Exception {
        PacketBatch b = PacketBatch.allocate(4, 16, 16 + 1500);
        int written = 0;
        int offered = 0;
        int payloadBytes = 1500 - 28;
        // Fill the 128 KiB send ring: 1500-byte packets take 1504 bytes each.
        int accepted;
        long overflowAt;
        do {
            for (int i = 0; i < 4; i++) {
                ByteBuffer slot = b.prepareSlot(i);
                slot.put(udp("w" + (offered + i), payloadBytes - 2 - Integer.toString(offered + i).length()));
                slot.limit(slot.position()).position(16);
            }
            b.count(4);
            offered += 4;
            overflowAt = System.nanoTime();
            accepted = dev.write(b, 0);
            written += accepted;
        } while (accepted == 4);
        assertTrue(accepted < 4, "the ring filled up");
        assertEquals(1, dev.ringFullEvents());
        assertEquals((WintunApi.MIN_RING_CAPACITY - 4) / 1504, written, "exactly what fits into the ring");
        // Not writable until the 1 ms back-off has passed (a descheduled test thread may look later).
        int early = waitFor(EventSet.WRITE, 0);
        long elapsedMicros = (System.nanoTime() - overflowAt) / 1000;
        assertTrue(early == 0 || elapsedMicros >= 1000, "writable " + elapsedMicros + " µs after the overflow, before the back-off");

        // The driver consumes some packets; Wintun signals nothing, the back-off timer reports WRITE.
        assertTrue(ring.takeSent(1000) != null);
        assertTrue(ring.takeSent(1000) != null);
        assertEquals(EventSet.WRITE, waitFor(EventSet.WRITE, 5_000), "the back-off timer fired");
        int rest = b.count() - accepted;
        assertEquals(Math.min(rest, 2), dev.write(b, accepted), "room for two again");
    }

    @Test
    void theSessionEndingUnderAReaderIsClosed() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread loop = new Thread(() -> {
            PacketBatch b = PacketBatch.allocate(4, 16, 1600);
            try {
                events.ctl(dev.waitable(), EventSet.READ, TAG);
                ReadyEvents own = new ReadyEvents(2);
                for (;;) {
                    dev.prepareWait(EventSet.READ);
                    waiting.countDown();
                    events.wait(-1, own);
                    dev.read(b);
                }
            } catch (TunException e) {
                outcome.set(e);
            } catch (Throwable t) {
                outcome.set(t);
            }
        }, "wintun-loop");
        loop.start();
        assertTrue(waiting.await(5, TimeUnit.SECONDS));
        ring.terminate(); // the adapter is being disabled: WintunReceivePacket now says ERROR_HANDLE_EOF
        loop.join(5_000);
        assertFalse(loop.isAlive(), "the reader was not woken");
        assertTrue(outcome.get() instanceof TunException, String.valueOf(outcome.get()));
        assertEquals(TunException.Reason.CLOSED, ((TunException) outcome.get()).reason());
        assertTrue(((TunException) outcome.get()).getMessage().contains("session ended"));

        PacketBatch out = PacketBatch.allocate(1, 16, 1600);
        ByteBuffer slot = out.prepareSlot(0);
        slot.put(udp("late", 0));
        slot.limit(slot.position()).position(16);
        out.count(1);
        assertEquals(TunException.Reason.CLOSED, assertThrows(TunException.class, () -> dev.write(out, 0)).reason());
    }

    @Test
    void packetsAlreadyReadAreDeliveredBeforeTheEndOfSessionIsReported() throws Exception {
        PacketBatch b = PacketBatch.allocate(4, 16, 1600);
        ring.inject(udp("last", 0));
        assertEquals(1, dev.read(b));
        ring.terminate();
        assertEquals(TunException.Reason.CLOSED, assertThrows(TunException.class, () -> dev.read(b)).reason());
    }

    @Test
    void closeWhileTheLoopReadsNeverEndsTheSessionUnderIt() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread loop = new Thread(() -> {
            PacketBatch b = PacketBatch.allocate(4, 16, 1600);
            running.countDown();
            try {
                for (;;) {
                    ring.inject(udp("spin", 0));
                    dev.read(b);
                }
            } catch (TunException e) {
                if (e.reason() != TunException.Reason.CLOSED) {
                    failure.set(e);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "wintun-reader");
        loop.start();
        assertTrue(running.await(5, TimeUnit.SECONDS));
        dev.close();
        loop.join(5_000);
        assertFalse(loop.isAlive());
        assertNull(failure.get());
        assertTrue(ring.isEnded());
        // FakeWintun records any receive after WintunEndSession: @AfterEach asserts there was none.
    }

    @Test
    void oversizedAndEmptyPacketsAreHandled() throws Exception {
        PacketBatch small = PacketBatch.allocate(2, 16, 16 + 100);
        ring.inject(udp("too big for a hundred bytes", 100));
        ring.inject(udp("ok", 0));
        assertEquals(1, dev.read(small));
        assertEquals(1, dev.droppedOversized());

        PacketBatch out = PacketBatch.allocate(2, 16, 1600);
        ByteBuffer empty = out.prepareSlot(0);
        empty.limit(empty.position());
        ByteBuffer fine = out.prepareSlot(1);
        fine.put(udp("fine", 0));
        fine.limit(fine.position()).position(16);
        out.count(2);
        assertEquals(2, dev.write(out, 0));
        assertEquals(1, dev.droppedMalformed());
        assertEquals(1, ring.sentWaiting());
    }
}
