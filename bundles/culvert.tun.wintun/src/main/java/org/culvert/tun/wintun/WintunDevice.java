package org.culvert.tun.wintun;

import java.nio.ByteBuffer;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.Waitable;
import org.culvert.api.event.Win32EventWaitable;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.platform.win32.CloseGuard;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.Win32Errors;

/**
 * An open Wintun adapter and its session: a layer-3 device whose packets live in two ring buffers
 * shared with the driver.
 *
 * <p><b>Reads</b> take packets with {@code WintunReceivePacket}, copy each into a batch slot and
 * release it at once, until the batch is full or the ring is empty ({@code ERROR_NO_MORE_ITEMS}).
 * {@code ERROR_HANDLE_EOF} means the session ended under the reader (the adapter is terminating:
 * disabled, removed, driver stopping) and is {@link TunException.Reason#CLOSED}; a corrupt ring is an
 * I/O error. Packets larger than the slot are dropped and counted.
 *
 * <p><b>Readiness.</b> The waitable's read handle is Wintun's read-wait event, an <em>auto-reset</em>
 * event the driver signals when packets arrive after a receive found the ring empty. To stay
 * level-triggered, {@link #prepareWait} signals it itself when the last read stopped because the
 * batch was full (more may be waiting), so the next wait returns at once. Wintun has no "ring has
 * room" event, so the write handle is a manual-reset waitable timer: signalled while the last write
 * succeeded, and when the send ring is full ({@code ERROR_BUFFER_OVERFLOW}: {@link #write} returns
 * fewer packets than offered) re-armed to fire after a short back-off (1 ms, doubling to 16 ms while
 * the ring stays full), after which WRITE is reported and the loop retries.
 *
 * <p>Threading as {@link TunDevice} says. {@link #close()} waits for a running call to leave (a
 * {@link CloseGuard}) before it ends the session, because {@code WintunEndSession} frees the rings a
 * concurrent receive would read. The data path allocates nothing.
 */
final class WintunDevice implements TunDevice {
    private static final long FIRST_BACKOFF_100NS = 10_000; // 1 ms
    private static final long MAX_BACKOFF_100NS = 160_000; // 16 ms

    private final WintunApi api;
    private final Kernel32Api k32;
    private final long adapter;
    private final WintunApi.Session session;
    private final String name;
    private final int mtu;
    private final int batchSize;
    private final long readEvent;
    private final long writeTimer;
    private final Win32EventWaitable waitable;
    private final CloseGuard guard = new CloseGuard();
    private volatile Runnable beforeRelease;
    private volatile Runnable afterRelease;

    // Loop-thread state.
    private boolean mayHaveMore = true;
    private long backoff100ns;
    private long droppedOversized;
    private long droppedMalformed;
    private long ringFullEvents;

    /** Takes ownership of the adapter handle, the session and the timer; {@link #close()} releases them. */
    WintunDevice(WintunApi api, Kernel32Api k32, long adapter, WintunApi.Session session, String name, int mtu,
            int batchSize, long writeTimer) {
        this.api = api;
        this.k32 = k32;
        this.adapter = adapter;
        this.session = session;
        this.name = name;
        this.mtu = mtu;
        this.batchSize = batchSize;
        this.readEvent = session.readWaitEvent();
        this.writeTimer = writeTimer;
        this.waitable = new Win32EventWaitable(readEvent, writeTimer);
    }

    /**
     * Hooks for {@link #close()}: {@code before} runs while the adapter still exists (the driver's netsh
     * undo: an adapter this driver created disappears with the session), {@code after} once it is
     * released ({@code --down}, bookkeeping). Either may be null.
     */
    void onRelease(Runnable before, Runnable after) {
        this.beforeRelease = before;
        this.afterRelease = after;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public TunLayer layer() {
        return TunLayer.TUN;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public Waitable waitable() {
        return waitable;
    }

    long droppedOversized() {
        return droppedOversized;
    }

    long droppedMalformed() {
        return droppedMalformed;
    }

    /** How many writes stopped at a full send ring. */
    long ringFullEvents() {
        return ringFullEvents;
    }

    boolean isClosed() {
        return guard.isClosed();
    }

    @Override
    public void prepareWait(int interest) {
        if ((interest & EventSet.READ) == 0 || !mayHaveMore || !guard.enter()) {
            return;
        }
        try {
            // Packets may still be in the ring and the driver signals only after an empty receive.
            k32.setEvent(readEvent);
        } finally {
            guard.exit();
        }
    }

    @Override
    public int read(PacketBatch batch) throws TunException {
        if (!guard.enter()) {
            throw closed();
        }
        try {
            int max = Math.min(batch.capacity(), batchSize);
            int n = 0;
            mayHaveMore = true;
            while (n < max) {
                long packet = session.receivePacket();
                if (packet == 0) {
                    int error = api.lastError();
                    if (error == Kernel32Api.ERROR_NO_MORE_ITEMS) {
                        mayHaveMore = false;
                        break;
                    }
                    if (n > 0) {
                        // Deliver what was read; the failure repeats on the next read (prepareWait
                        // makes that come at once, as mayHaveMore is still set).
                        break;
                    }
                    batch.count(0);
                    throw receiveFailure(error);
                }
                int size = session.receivedPacketSize();
                ByteBuffer slot = batch.prepareSlot(n);
                int start = slot.position();
                if (size > 0 && size <= slot.limit() - start) {
                    session.copyFromPacket(packet, size, slot, start);
                    slot.limit(start + size);
                    n++;
                } else if (size > 0) {
                    droppedOversized++;
                }
                session.releaseReceivePacket(packet);
            }
            batch.count(n);
            return n;
        } finally {
            guard.exit();
        }
    }

    private TunException receiveFailure(int error) {
        if (error == Kernel32Api.ERROR_HANDLE_EOF) {
            return new TunException(TunException.Reason.CLOSED, "Wintun adapter " + name
                    + ": the session ended (adapter terminating: disabled, removed or its driver stopped)");
        }
        return new TunException(TunException.Reason.IO_ERROR, "Wintun adapter " + name + ": "
                + Win32Errors.message("WintunReceivePacket", error) + (error == Kernel32Api.ERROR_INVALID_DATA ? " (ring corrupt)" : ""));
    }

    @Override
    public int write(PacketBatch batch, int from) throws TunException {
        if (!guard.enter()) {
            throw closed();
        }
        try {
            int i = from;
            int count = batch.count();
            while (i < count) {
                ByteBuffer slot = batch.slot(i);
                int length = slot.remaining();
                if (length == 0 || length > WintunApi.MAX_IP_PACKET_SIZE) {
                    droppedMalformed++;
                    i++;
                    continue;
                }
                long packet = session.allocateSendPacket(length);
                if (packet == 0) {
                    int error = api.lastError();
                    if (error == Kernel32Api.ERROR_BUFFER_OVERFLOW) {
                        ringFull();
                        break;
                    }
                    if (error == Kernel32Api.ERROR_HANDLE_EOF) {
                        throw new TunException(TunException.Reason.CLOSED, "Wintun adapter " + name
                                + ": the session ended (adapter terminating)");
                    }
                    if (error == Kernel32Api.ERROR_INVALID_PARAMETER) {
                        droppedMalformed++;
                        i++;
                        continue;
                    }
                    throw new TunException(TunException.Reason.IO_ERROR, "Wintun adapter " + name + ": "
                            + Win32Errors.message("WintunAllocateSendPacket", error));
                }
                session.copyToPacket(slot, slot.position(), length, packet);
                session.sendPacket(packet);
                i++;
            }
            if (i == count && backoff100ns != 0) {
                // The ring took everything again: writable, and the next overflow starts short.
                backoff100ns = 0;
            }
            return i - from;
        } finally {
            guard.exit();
        }
    }

    /** Makes WRITE readiness return after a back-off: Wintun tells nobody when the driver frees ring space. */
    private void ringFull() {
        ringFullEvents++;
        backoff100ns = backoff100ns == 0 ? FIRST_BACKOFF_100NS : Math.min(MAX_BACKOFF_100NS, backoff100ns * 2);
        // Negative = relative due time; the timer is unsignalled until it fires.
        k32.setWaitableTimer(writeTimer, -backoff100ns);
    }

    private TunException closed() {
        return new TunException(TunException.Reason.CLOSED, "Wintun adapter " + name + " is closed");
    }

    @Override
    public void close() {
        if (!guard.close()) {
            return;
        }
        // No call is running and none can start: ending the session cannot pull the rings from under a reader.
        runQuietly(beforeRelease);
        session.end();
        api.closeAdapter(adapter);
        k32.closeHandle(writeTimer);
        runQuietly(afterRelease);
    }

    private static void runQuietly(Runnable hook) {
        if (hook != null) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                // close() never throws; the hooks report their own failures.
            }
        }
    }

    @Override
    public String toString() {
        return "Wintun " + name + " mtu " + mtu;
    }
}
