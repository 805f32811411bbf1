package org.culvert.tun.tapwindows6;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.event.Win32EventWaitable;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunException;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.testkit.Packets;
import org.culvert.tun.tapwindows6.TapDevice.IoState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every transition of OpenVPN's overlapped-I/O state machine as the TAP device runs it, against the
 * fake kernel32's documented behaviour: pending then complete, immediate success, immediate failure,
 * GetOverlappedResult failing with something other than ERROR_IO_INCOMPLETE, zero-byte and oversized
 * completions, pending writes, and close with I/O in flight.
 */
class TapOverlappedIoTest {
    private static final int READ = 1;
    private static final int WRITE = 2;
    private TapFixture f;
    private TapDevice tap;
    private EventSet events;
    private final ReadyEvents ready = new ReadyEvents(4);
    private final PacketBatch batch = PacketBatch.allocate(8, 32, 32 + 1600);
    private int expectedViolations;

    @BeforeEach
    void open() throws Exception {
        f = new TapFixture().open();
        tap = f.tap();
        events = f.backend.open(2);
    }

    @AfterEach
    void closeAndCheck() {
        events.close();
        f.close();
        assertEquals(expectedViolations, f.k32.violations().size(), () -> f.k32.violations().toString());
        assertEquals(0, f.k32.openHandles(), "handles left open");
    }

    private long readEvent() {
        return ((Win32EventWaitable) tap.waitable()).readEvent();
    }

    private long writeEvent() {
        return ((Win32EventWaitable) tap.waitable()).writeEvent();
    }

    private byte[] udp(String text) {
        return Packets.ipv4Udp(f.osAddress(), 5353, f.tunnelAddress(), 40_000, text.getBytes(StandardCharsets.US_ASCII));
    }

    private String payloadOf(int slot) {
        Packets.UdpPacket p = Packets.parseUdp(batch.slot(slot));
        assertNotNull(p, "slot " + slot + " holds no UDP packet");
        return new String(p.payload(), StandardCharsets.US_ASCII);
    }

    /** Waits for READ on the device, as the loop does after prepareWait. */
    private int waitFor(int interest, long millis) throws Exception {
        events.ctl(tap.waitable(), interest, 9);
        tap.prepareWait(interest);
        events.wait(millis, ready);
        return ready.flagsFor(9);
    }

    @Test
    void queuedReadCompletesLaterAndSignalsTheEvent() throws Exception {
        tap.prepareWait(READ);
        assertEquals(IoState.QUEUED, tap.readState(), "no data: ReadFile returned ERROR_IO_PENDING");
        assertTrue(f.adapter.hasPendingRead());
        assertFalse(f.k32.isSignalled(readEvent()));

        assertEquals(0, tap.read(batch), "GetOverlappedResult(FALSE) says ERROR_IO_INCOMPLETE: nothing yet");
        assertEquals(IoState.QUEUED, tap.readState(), "still queued");

        f.adapter.inject(udp("late"));
        assertTrue(f.k32.isSignalled(readEvent()), "the completion signalled the OVERLAPPED's event");
        assertEquals(READ, waitFor(READ, 5_000));

        assertEquals(1, tap.read(batch));
        assertEquals("late", payloadOf(0));
        assertEquals(32, batch.slot(0).position(), "packet at the headroom");
        assertEquals(IoState.QUEUED, tap.readState(), "read queued the next ReadFile, which pends");
        assertFalse(f.k32.isSignalled(readEvent()), "event reset by finalize and re-queue");
    }

    @Test
    void immediateCompletionIsSignalledByTheDeviceAndHandedOver() throws Exception {
        f.k32.signalSynchronousCompletions(false);
        f.adapter.inject(udp("early"));
        tap.prepareWait(READ);
        assertEquals(IoState.IMMEDIATE_RETURN, tap.readState(), "data was there: ReadFile returned TRUE");
        assertTrue(f.k32.isSignalled(readEvent()), "set by hand so the wait reports it");
        assertEquals(READ, waitFor(READ, 0));
        assertEquals(1, tap.read(batch));
        assertEquals("early", payloadOf(0));
        assertFalse(f.k32.isSignalled(readEvent()));
    }

    @Test
    void severalImmediateCompletionsFillOneBatch() throws Exception {
        for (int i = 0; i < 5; i++) {
            f.adapter.inject(udp("p" + i));
        }
        assertEquals(5, tap.read(batch));
        for (int i = 0; i < 5; i++) {
            assertEquals("p" + i, payloadOf(i));
        }
        PacketBatch two = PacketBatch.allocate(2, 32, 1632);
        f.adapter.inject(udp("a"));
        f.adapter.inject(udp("b"));
        f.adapter.inject(udp("c"));
        assertEquals(2, tap.read(two), "never more than the batch's capacity");
        assertEquals(1, tap.read(two));
    }

    @Test
    void immediateFailureSurfacesInTheNextRead() throws Exception {
        assertFalse(f.k32.isSignalled(readEvent()));
        f.adapter.nextReadError = Kernel32Api.ERROR_GEN_FAILURE;
        tap.prepareWait(READ);
        assertEquals(IoState.IMMEDIATE_RETURN, tap.readState());
        assertEquals(READ, waitFor(READ, 0), "the failure wakes the loop");
        TunException e = assertThrows(TunException.class, () -> tap.read(batch));
        assertEquals(TunException.Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains("ERROR_GEN_FAILURE"), e.getMessage());
        assertEquals(IoState.INITIAL, tap.readState());
    }

    @Test
    void packetsReadBeforeAFailureAreDeliveredAndTheFailureComesNext() throws Exception {
        f.adapter.inject(udp("first"));
        f.adapter.inject(udp("second"));
        // The third ReadFile of this read() fails at once: the two packets must not be lost with it.
        FakeTapAdapter a = f.adapter;
        a.failReadAfter(2, Kernel32Api.ERROR_GEN_FAILURE);
        assertEquals(2, tap.read(batch));
        assertEquals("first", payloadOf(0));
        assertEquals("second", payloadOf(1));
        assertEquals(READ, waitFor(READ, 0), "the kept failure makes the next wait return at once");
        assertEquals(TunException.Reason.IO_ERROR, assertThrows(TunException.class, () -> tap.read(batch)).reason());
    }

    @Test
    void anAdapterThatWentAwayIsClosedNotIoError() throws Exception {
        f.adapter.nextReadError = Kernel32Api.ERROR_DEVICE_NOT_CONNECTED;
        TunException e = assertThrows(TunException.class, () -> tap.read(batch));
        assertEquals(TunException.Reason.CLOSED, e.reason());
        f.adapter.nextReadError = Kernel32Api.ERROR_ACCESS_DENIED;
        assertEquals(TunException.Reason.PERMISSION_DENIED, assertThrows(TunException.class, () -> tap.read(batch)).reason());
    }

    @Test
    void getOverlappedResultFailingOtherThanIncompleteThrowsAndResets() throws Exception {
        tap.prepareWait(READ);
        assertTrue(f.adapter.failPendingRead(Kernel32Api.ERROR_GEN_FAILURE));
        assertEquals(READ, waitFor(READ, 5_000));
        TunException e = assertThrows(TunException.class, () -> tap.read(batch));
        assertEquals(TunException.Reason.IO_ERROR, e.reason());
        assertEquals(IoState.INITIAL, tap.readState(), "a finished read, even a failed one, returns to INITIAL");
        assertFalse(f.k32.isSignalled(readEvent()));

        tap.prepareWait(READ);
        assertTrue(f.adapter.failPendingRead(Kernel32Api.ERROR_OPERATION_ABORTED));
        assertEquals(TunException.Reason.CLOSED, assertThrows(TunException.class, () -> tap.read(batch)).reason(),
                "I/O cancelled under us: the adapter was closed");
    }

    @Test
    void zeroByteCompletionYieldsNoPacketAndReadingGoesOn() throws Exception {
        tap.prepareWait(READ);
        assertTrue(f.adapter.completePendingReadEmpty());
        assertEquals(0, tap.read(batch), "zero bytes is no packet");
        assertEquals(IoState.QUEUED, tap.readState(), "and the next read is queued");
        f.adapter.inject(udp("after-empty"));
        assertEquals(1, tap.read(batch));
        assertEquals("after-empty", payloadOf(0));
    }

    @Test
    void partialReadsFrameExactlyTheBytesTransferred() throws Exception {
        byte[] small = udp("x");
        f.adapter.inject(small);
        assertEquals(1, tap.read(batch));
        assertEquals(small.length, batch.slot(0).remaining(), "slot frames the short packet, not the buffer");
        byte[] got = new byte[small.length];
        batch.slot(0).duplicate().get(got);
        assertArrayEquals(small, got);
    }

    @Test
    void anOversizedPacketIsDroppedAndCounted() throws Exception {
        tap.prepareWait(READ);
        f.adapter.inject(new byte[TapWindows6Driver.bufferSize(TapFixture.spec().build()) + 1]);
        f.adapter.inject(udp("fits"));
        assertEquals(1, tap.read(batch));
        assertEquals("fits", payloadOf(0));
        assertEquals(1, tap.droppedOversized());
    }

    @Test
    void aPacketLargerThanTheBatchSlotIsDropped() throws Exception {
        PacketBatch tiny = PacketBatch.allocate(2, 16, 16 + 40);
        f.adapter.inject(udp("this payload does not fit into forty bytes"));
        f.adapter.inject(udp("fits"));
        assertEquals(1, tap.read(tiny), "the first packet (70 bytes) does not fit the 40-byte slot room");
        assertEquals("fits", new String(Packets.parseUdp(tiny.slot(0)).payload(), StandardCharsets.US_ASCII));
        assertEquals(1, tap.droppedOversized());
    }

    @Test
    void pendingWriteStopsTheBatchUntilItCompletes() throws Exception {
        f.adapter.pendWrites = true;
        PacketBatch out = PacketBatch.allocate(3, 32, 1632);
        for (int i = 0; i < 3; i++) {
            ByteBuffer slot = out.prepareSlot(i);
            slot.put(udp("w" + i));
            slot.limit(slot.position()).position(32);
        }
        out.count(3);
        assertEquals(WRITE, waitFor(WRITE, 0), "idle device is writable");

        assertEquals(1, tap.write(out, 0), "the first write pends: consumed; the second would block");
        assertFalse(f.k32.isSignalled(writeEvent()));
        assertEquals(0, waitFor(WRITE, 50), "not writable while the write is in flight");
        assertEquals(0, tap.write(out, 1), "still pending: nothing consumed");

        assertTrue(f.adapter.completePendingWrite(0));
        assertEquals(WRITE, waitFor(WRITE, 5_000), "the completion signals the write event");
        assertEquals(1, tap.write(out, 1));
        assertTrue(f.adapter.completePendingWrite(0));
        assertEquals(1, tap.write(out, 2));
        for (int i = 0; i < 3; i++) {
            assertEquals("w" + i, new String(Packets.parseUdp(f.adapter.takeWritten(1000)).payload(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void writesTheDriverRejectsAreConsumedAndDeviceErrorsThrow() throws Exception {
        PacketBatch out = PacketBatch.allocate(2, 32, 1632);
        for (int i = 0; i < 2; i++) {
            ByteBuffer slot = out.prepareSlot(i);
            slot.put(udp("r" + i));
            slot.limit(slot.position()).position(32);
        }
        out.count(2);
        f.adapter.writeError = Kernel32Api.ERROR_INVALID_PARAMETER;
        assertEquals(2, tap.write(out, 0), "refused packets count as written");
        assertEquals(2, tap.droppedMalformed());
        assertTrue(f.k32.isSignalled(writeEvent()), "still writable");

        f.adapter.writeError = Kernel32Api.ERROR_DEVICE_NOT_CONNECTED;
        assertEquals(TunException.Reason.CLOSED, assertThrows(TunException.class, () -> tap.write(out, 0)).reason());
    }

    @Test
    void aPendingWriteThatFailsIsReportedOnTheNextWrite() throws Exception {
        f.adapter.pendWrites = true;
        PacketBatch out = PacketBatch.allocate(2, 32, 1632);
        for (int i = 0; i < 2; i++) {
            ByteBuffer slot = out.prepareSlot(i);
            slot.put(udp("f" + i));
            slot.limit(slot.position()).position(32);
        }
        out.count(2);
        assertEquals(1, tap.write(out, 0));
        assertTrue(f.adapter.completePendingWrite(Kernel32Api.ERROR_GEN_FAILURE));
        assertEquals(TunException.Reason.IO_ERROR, assertThrows(TunException.class, () -> tap.write(out, 1)).reason());
    }

    @Test
    void closeCancelsPendingIoAndWaitsBeforeFreeingIt() throws Exception {
        f.adapter.pendWrites = true;
        tap.prepareWait(READ);
        PacketBatch out = PacketBatch.allocate(1, 32, 1632);
        ByteBuffer slot = out.prepareSlot(0);
        slot.put(udp("in flight"));
        slot.limit(slot.position()).position(32);
        out.count(1);
        assertEquals(1, tap.write(out, 0));
        assertTrue(f.adapter.hasPendingRead());
        assertTrue(f.adapter.hasPendingWrite());

        tap.close();
        assertFalse(f.adapter.hasPendingRead(), "CancelIoEx reached the driver");
        assertFalse(f.adapter.hasPendingWrite());
        assertEquals(Integer.valueOf(0), f.adapter.mediaStatus, "media disconnected on close");
        assertEquals(1, f.adapter.closes);
        // The fake records an OVERLAPPED freed while pending as a violation: @AfterEach checks none.
        assertEquals(TunException.Reason.CLOSED, assertThrows(TunException.class, () -> tap.read(batch)).reason());
        tap.prepareWait(READ); // ignored after close
    }

    @Test
    void closeFromAnotherThreadWhileTheLoopReadsNeverTouchesReleasedHandles() throws Exception {
        CountDownLatch reading = new CountDownLatch(1);
        AtomicReference<Throwable> loopFailure = new AtomicReference<>();
        Thread loop = new Thread(() -> {
            PacketBatch b = PacketBatch.allocate(4, 32, 1632);
            reading.countDown();
            try {
                for (;;) {
                    tap.prepareWait(READ);
                    tap.read(b);
                    f.adapter.inject(udp("spin"));
                }
            } catch (TunException e) {
                if (e.reason() != TunException.Reason.CLOSED) {
                    loopFailure.set(e);
                }
            } catch (Throwable t) {
                loopFailure.set(t);
            }
        }, "tap-loop");
        loop.start();
        assertTrue(reading.await(5, TimeUnit.SECONDS));
        tap.close();
        loop.join(5_000);
        assertFalse(loop.isAlive(), "the loop did not see CLOSED");
        assertEquals(null, loopFailure.get());
    }
}
