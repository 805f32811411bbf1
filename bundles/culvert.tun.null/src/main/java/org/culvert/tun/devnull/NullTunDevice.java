package org.culvert.tun.devnull;

import java.util.function.Consumer;

import org.culvert.api.event.Waitable;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;

/**
 * OpenVPN's null device ({@code open_null} in tun.c): every packet written is discarded, nothing is
 * ever read, and there is nothing to wait on ({@link #waitable()} is null), so the tunnel's loop only
 * waits on its link. The control channel, keys, pings and renegotiation run as with a real device.
 */
public final class NullTunDevice implements TunDevice {
    /** Enough to take a whole link batch in one call; the device never refuses a write. */
    static final int BATCH_SIZE = 64;

    private final String name;
    private final int mtu;
    private final Consumer<NullTunDevice> onClose;
    private volatile boolean closed;
    /** Written by the loop thread only. */
    private long discarded;

    NullTunDevice(String name, int mtu, Consumer<NullTunDevice> onClose) {
        this.name = name;
        this.mtu = mtu;
        this.onClose = onClose;
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
        return TunLayer.NULL;
    }

    @Override
    public int batchSize() {
        return BATCH_SIZE;
    }

    /** Null: the device is never readable and never blocks a write. */
    @Override
    public Waitable waitable() {
        return null;
    }

    @Override
    public int read(PacketBatch batch) throws TunException {
        checkOpen();
        batch.count(0);
        return 0;
    }

    @Override
    public int write(PacketBatch batch, int from) throws TunException {
        checkOpen();
        int n = Math.max(0, batch.count() - from);
        discarded += n;
        return n;
    }

    /** How many packets were written (and discarded) so far. */
    public long discarded() {
        return discarded;
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        // Several threads may close at once; the owner's removal is idempotent, so a repeat is harmless.
        if (!closed) {
            closed = true;
            onClose.accept(this);
        }
    }

    private void checkOpen() throws TunException {
        if (closed) {
            throw new TunException(TunException.Reason.CLOSED, "null device " + name + " is closed");
        }
    }
}
