package org.culvert.tunnel.internal;

import org.culvert.api.event.Waitable;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunLayer;

/**
 * Pull mode's stand-in for the device before the server's options are known: nothing to read, nothing
 * to wait on, and the packets the peer might send before the data keys exist (none can be opened
 * without keys) are discarded. The loop swaps it for the real device once the push is in.
 */
final class PendingDevice implements TunDevice {
    private final TunLayer layer;
    private final int mtu;

    PendingDevice(TunLayer layer, int mtu) {
        this.layer = layer;
        this.mtu = mtu;
    }

    @Override
    public String name() {
        return "";
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
        return 32;
    }

    @Override
    public Waitable waitable() {
        return null;
    }

    @Override
    public int read(PacketBatch batch) {
        batch.count(0);
        return 0;
    }

    @Override
    public int write(PacketBatch batch, int from) {
        return batch.count() - from;
    }

    @Override
    public void close() {
    }
}
