package org.culvert.tun.tapwindows6;

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
import org.culvert.platform.win32.OverlappedIo;
import org.culvert.platform.win32.Win32Errors;

/**
 * An open TAP-Windows6 adapter, read and written with overlapped I/O as OpenVPN does.
 *
 * <p><b>Reads</b> follow OpenVPN's state machine ({@code struct overlapped_io}, {@code tun_read_queue},
 * {@code tun_finalize}). In {@code INITIAL} no read is queued. {@link #prepareWait} ({@code tun_set})
 * queues one: {@code ReadFile} either pends ({@code ERROR_IO_PENDING} → {@code QUEUED}; the kernel
 * signals the read event when a packet arrives), completes at once ({@code IMMEDIATE_RETURN}; the event
 * is set by hand so the wait reports it), or fails at once ({@code IMMEDIATE_RETURN} with the error,
 * event set, so the error surfaces in the next {@link #read}). {@link #read}
 * ({@code read_tun_buffered}) finalizes: a queued read asks {@code GetOverlappedResult} without
 * waiting ({@code ERROR_IO_INCOMPLETE} = still pending, nothing to read); an immediate return hands
 * over its result; either way the state goes back to {@code INITIAL} and the event is reset. To fill
 * a batch, {@link #read} then queues the next read at once and keeps going while reads complete
 * immediately. A zero-byte completion yields no packet; a packet larger than the buffer
 * ({@code ERROR_MORE_DATA}) is dropped and counted; other errors throw.
 *
 * <p><b>Writes</b> copy one packet at a time into the write OVERLAPPED's buffer. An immediate
 * completion moves on to the next packet; {@code ERROR_IO_PENDING} consumes the packet and stops the
 * batch at the next one until {@code GetOverlappedResult} says it finished ("would block": the write
 * event, which is signalled whenever no write is in flight, reports WRITE when it does). Packets the
 * driver rejects as malformed are dropped and counted as written.
 *
 * <p>The waitable is {@code Win32EventWaitable(readEvent, writeEvent)}, both manual-reset events the
 * device owns. Threading as {@link TunDevice} says; {@link #close()} waits for a running call to leave
 * (a {@link CloseGuard}), cancels pending I/O and waits for the cancellation before freeing the
 * OVERLAPPED memory the kernel could still write to. The data path allocates nothing.
 */
final class TapDevice implements TunDevice {
    enum IoState { INITIAL, QUEUED, IMMEDIATE_RETURN }

    /** finalizeRead(): no completed read to hand over. */
    private static final int NOTHING_YET = -1;
    /** finalizeRead(): a read completed but its packet was dropped. */
    private static final int DROPPED = -2;

    private final Kernel32Api k32;
    private final TapAdapter adapter;
    private final long handle;
    private final TunLayer layer;
    private final int mtu;
    private final int batchSize;
    private final long readEvent;
    private final long writeEvent;
    private final OverlappedIo reads;
    private final OverlappedIo writes;
    private final Win32EventWaitable waitable;
    private final CloseGuard guard = new CloseGuard();
    private volatile Runnable releaseHook;

    // Loop-thread state.
    private IoState readState = IoState.INITIAL;
    private int readStatus;
    private int readSize;
    private boolean writePending;
    private long droppedOversized;
    private long droppedMalformed;

    /**
     * Takes ownership of {@code handle}, the two events and the two OVERLAPPED slots: {@link #close()}
     * releases them.
     */
    TapDevice(Kernel32Api k32, TapAdapter adapter, long handle, TunLayer layer, int mtu, int batchSize,
            long readEvent, long writeEvent, OverlappedIo reads, OverlappedIo writes) {
        this.k32 = k32;
        this.adapter = adapter;
        this.handle = handle;
        this.layer = layer;
        this.mtu = mtu;
        this.batchSize = batchSize;
        this.readEvent = readEvent;
        this.writeEvent = writeEvent;
        this.reads = reads;
        this.writes = writes;
        this.waitable = new Win32EventWaitable(readEvent, writeEvent);
    }

    /** Runs last in {@link #close()}, after the adapter is released: the driver's netsh undo and {@code --down} script. */
    void onRelease(Runnable hook) {
        this.releaseHook = hook;
    }

    @Override
    public String name() {
        return adapter.displayName();
    }

    /** The adapter's GUID. */
    String guid() {
        return adapter.guid;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public TunLayer layer() {
        return layer;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public Waitable waitable() {
        return waitable;
    }

    /** Packets read that did not fit the read buffer or the batch slot. Loop thread. */
    long droppedOversized() {
        return droppedOversized;
    }

    /** Packets given to {@link #write} that were empty, too large, or refused by the driver as malformed. Loop thread. */
    long droppedMalformed() {
        return droppedMalformed;
    }

    /** For tests: where the read state machine is. */
    IoState readState() {
        return readState;
    }

    /** OpenVPN's {@code tun_set} → {@code tun_read_queue}: with READ interest, make sure a read is queued. */
    @Override
    public void prepareWait(int interest) {
        if ((interest & EventSet.READ) == 0 || !guard.enter()) {
            return;
        }
        try {
            queueRead();
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
            for (int attempt = 0; attempt < max && n < max; attempt++) {
                queueRead();
                int length = finalizeRead(n > 0);
                if (length == NOTHING_YET) {
                    break;
                }
                if (length <= 0) {
                    // A zero-byte completion (nothing to deliver) or a dropped packet.
                    continue;
                }
                ByteBuffer slot = batch.prepareSlot(n);
                int start = slot.position();
                if (length > slot.limit() - start) {
                    droppedOversized++;
                    continue;
                }
                slot.put(start, reads.buffer(), 0, length);
                slot.limit(start + length);
                n++;
            }
            batch.count(n);
            return n;
        } finally {
            guard.exit();
        }
    }

    /** {@code tun_read_queue}: queues a read unless one is queued or its result is waiting. */
    private void queueRead() {
        if (readState != IoState.INITIAL) {
            return;
        }
        // The overlapped read signals this event on completion; it must not be left signalled from before.
        k32.resetEvent(readEvent);
        if (k32.readFile(handle, reads, reads.buffer().capacity())) {
            readSize = reads.bytesTransferred();
            readStatus = Kernel32Api.ERROR_SUCCESS;
            readState = IoState.IMMEDIATE_RETURN;
            // Completed at once: signal the event ourselves so the next wait reports it.
            k32.setEvent(readEvent);
            return;
        }
        int error = k32.getLastError();
        if (error == Kernel32Api.ERROR_IO_PENDING) {
            readState = IoState.QUEUED;
        } else {
            readSize = 0;
            readStatus = error;
            readState = IoState.IMMEDIATE_RETURN;
            k32.setEvent(readEvent);
        }
    }

    /**
     * {@code tun_finalize}: the byte count of a completed read (possibly 0), {@link #NOTHING_YET} or
     * {@link #DROPPED}. Leaves the state {@code INITIAL} unless the read is still pending.
     *
     * @param deferErrors packets are already in the batch: keep a failure for the next read (as an
     *                    immediate return with the read event set) instead of throwing them away
     */
    private int finalizeRead(boolean deferErrors) throws TunException {
        switch (readState) {
            case QUEUED: {
                if (k32.getOverlappedResult(handle, reads, false)) {
                    readState = IoState.INITIAL;
                    k32.resetEvent(readEvent);
                    return reads.bytesTransferred();
                }
                int error = k32.getLastError();
                if (error == Kernel32Api.ERROR_IO_INCOMPLETE) {
                    return NOTHING_YET;
                }
                if (deferErrors && !isDroppable(error)) {
                    readSize = 0;
                    readStatus = error;
                    readState = IoState.IMMEDIATE_RETURN;
                    return NOTHING_YET; // the completion left the event signalled: the next wait returns at once
                }
                readState = IoState.INITIAL;
                k32.resetEvent(readEvent);
                return readFailed(error);
            }
            case IMMEDIATE_RETURN:
                if (readStatus != Kernel32Api.ERROR_SUCCESS && deferErrors && !isDroppable(readStatus)) {
                    return NOTHING_YET; // its event is set: the next wait returns at once
                }
                readState = IoState.INITIAL;
                k32.resetEvent(readEvent);
                return readStatus == Kernel32Api.ERROR_SUCCESS ? readSize : readFailed(readStatus);
            default:
                return NOTHING_YET;
        }
    }

    private static boolean isDroppable(int error) {
        return error == Kernel32Api.ERROR_MORE_DATA || error == Kernel32Api.ERROR_INSUFFICIENT_BUFFER;
    }

    private int readFailed(int error) throws TunException {
        if (isDroppable(error)) {
            droppedOversized++;
            return DROPPED;
        }
        throw failure("ReadFile", error);
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
                if (writePending && !finishPendingWrite()) {
                    break;
                }
                ByteBuffer slot = batch.slot(i);
                int length = slot.remaining();
                i++;
                if (length == 0 || length > writes.buffer().capacity()) {
                    droppedMalformed++;
                    continue;
                }
                writes.buffer().put(0, slot, slot.position(), length);
                k32.resetEvent(writeEvent);
                if (k32.writeFile(handle, writes, length)) {
                    k32.setEvent(writeEvent);
                    continue;
                }
                int error = k32.getLastError();
                if (error == Kernel32Api.ERROR_IO_PENDING) {
                    // The packet is in our buffer now: consumed. The next one waits for its completion.
                    writePending = true;
                    continue;
                }
                k32.setEvent(writeEvent);
                writeFailed(error);
            }
            return i - from;
        } finally {
            guard.exit();
        }
    }

    /** @return true when the write in flight has finished (however it ended), false while it is pending */
    private boolean finishPendingWrite() throws TunException {
        if (k32.getOverlappedResult(handle, writes, false)) {
            writePending = false;
            return true;
        }
        int error = k32.getLastError();
        if (error == Kernel32Api.ERROR_IO_INCOMPLETE) {
            return false;
        }
        writePending = false;
        // The write event stays signalled: no write is in flight, the device is writable.
        writeFailed(error);
        return true;
    }

    private void writeFailed(int error) throws TunException {
        switch (error) {
            case Kernel32Api.ERROR_INVALID_PARAMETER:
            case Kernel32Api.ERROR_INVALID_DATA:
            case Kernel32Api.ERROR_INVALID_USER_BUFFER:
            case Kernel32Api.ERROR_MORE_DATA:
                // The driver refused the packet itself (as the kernel drops a malformed one): consumed.
                droppedMalformed++;
                return;
            default:
                throw failure("WriteFile", error);
        }
    }

    private TunException failure(String call, int error) {
        String message = "TAP adapter " + adapter + ": " + Win32Errors.message(call, error);
        if (Win32Errors.isDeviceGone(error)) {
            return new TunException(TunException.Reason.CLOSED, message + " (adapter disabled, removed or closed)");
        }
        if (error == Kernel32Api.ERROR_ACCESS_DENIED) {
            return new TunException(TunException.Reason.PERMISSION_DENIED, message);
        }
        return new TunException(TunException.Reason.IO_ERROR, message);
    }

    private TunException closed() {
        return new TunException(TunException.Reason.CLOSED, "TAP adapter " + adapter.displayName() + " is closed");
    }

    @Override
    public void close() {
        if (!guard.close()) {
            return;
        }
        // From here no call is running and none can start: the loop-thread state is ours.
        boolean readDone = readState != IoState.QUEUED || cancelAndWait(reads);
        boolean writeDone = !writePending || cancelAndWait(writes);
        // Disconnected media is what Windows shows for a TAP adapter nobody holds; best effort.
        k32.deviceIoControl(handle, TapIoctl.SET_MEDIA_STATUS, TapIoctl.ulong(0), null, null);
        // Closing the handle also cancels whatever CancelIoEx could not.
        k32.closeHandle(handle);
        readDone = readDone || awaitCompletion(reads);
        writeDone = writeDone || awaitCompletion(writes);
        if (readDone && writeDone) {
            reads.close();
            writes.close();
            k32.closeHandle(readEvent);
            k32.closeHandle(writeEvent);
        }
        // else: the kernel may still write into them; leaking a few kilobytes beats corrupting memory.
        readState = IoState.INITIAL;
        writePending = false;
        Runnable hook = releaseHook;
        if (hook != null) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                // close() never throws; the hook reports its own failures.
            }
        }
    }

    /**
     * Cancels a pending operation and waits until the kernel is done with its OVERLAPPED and buffer
     * (Microsoft's pattern: {@code CancelIoEx}, then {@code GetOverlappedResult(..., TRUE)}).
     *
     * @return false when the cancellation could not be requested (the caller closes the handle and waits on the event)
     */
    private boolean cancelAndWait(OverlappedIo io) {
        if (k32.cancelIoEx(handle, io) || k32.getLastError() == Kernel32Api.ERROR_NOT_FOUND) {
            // NOT_FOUND: it completed on its own meanwhile; collecting the result returns at once.
            k32.getOverlappedResult(handle, io, true);
            return true;
        }
        return false;
    }

    /** After the handle is closed: waits (bounded) for a cancelled operation's completion to signal its event. */
    private boolean awaitCompletion(OverlappedIo io) {
        return k32.waitForSingleObject(io.event(), 5_000) == Kernel32Api.WAIT_OBJECT_0;
    }

    @Override
    public String toString() {
        return "TAP-Windows6 " + adapter + " " + layer.optionName() + " mtu " + mtu;
    }
}
