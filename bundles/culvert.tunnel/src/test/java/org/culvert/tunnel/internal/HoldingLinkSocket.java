package org.culvert.tunnel.internal;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.culvert.api.event.Waitable;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.packet.PacketBatch;

/**
 * A link socket that, like the UDP transport with GRO, takes more packets from its queue than the
 * caller's batch holds and keeps the rest, which its readability then no longer shows: whenever a read
 * fills the caller's batch, it also takes the next packets waiting and holds them for the next read.
 */
final class HoldingLinkSocket implements LinkSocket {
    private final LinkSocket inner;
    private final int batchSize;
    private final AtomicLong heldBack;
    private PacketBatch held;
    private int heldNext;

    HoldingLinkSocket(LinkSocket inner, int batchSize, AtomicLong heldBack) {
        this.inner = inner;
        this.batchSize = batchSize;
        this.heldBack = heldBack;
    }

    /** A transport whose sockets are the {@code inner} transport's, wrapped. */
    static LinkTransport transport(LinkTransport inner, int batchSize, AtomicLong heldBack) {
        return new LinkTransport() {
            @Override
            public Set<LinkProtocol> protocols() {
                return inner.protocols();
            }

            @Override
            public LinkSocket open(LinkSpec spec) throws LinkException {
                return new HoldingLinkSocket(inner.open(spec), batchSize, heldBack);
            }
        };
    }

    @Override
    public int receive(PacketBatch batch) throws LinkException {
        int max = Math.min(batch.capacity(), batchSize);
        if (held != null && heldNext < held.count()) {
            int n = 0;
            for (; n < max && heldNext < held.count(); n++, heldNext++) {
                ByteBuffer from = held.slot(heldNext);
                ByteBuffer to = batch.prepareSlot(n);
                to.put(from.duplicate());
                to.limit(to.position()).position(batch.headroom());
                batch.source(n, held.source(heldNext));
            }
            batch.count(n);
            return n;
        }
        int n = inner.receive(batch);
        if (n == max) {
            if (held == null) {
                held = PacketBatch.allocate(inner.batchSize(), batch.headroom(), batch.slotSize());
            }
            held.clear();
            heldNext = 0;
            heldBack.addAndGet(inner.receive(held));
        }
        return n;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public LinkProtocol protocol() {
        return inner.protocol();
    }

    @Override
    public boolean establish(long timeoutMillis) throws LinkException {
        return inner.establish(timeoutMillis);
    }

    @Override
    public Waitable waitable() {
        return inner.waitable();
    }

    @Override
    public void prepareWait(int interest) {
        inner.prepareWait(interest);
    }

    @Override
    public int send(PacketBatch batch, int from) throws LinkException {
        return inner.send(batch, from);
    }

    @Override
    public SocketAddress remote() {
        return inner.remote();
    }

    @Override
    public void remote(SocketAddress address) {
        inner.remote(address);
    }

    @Override
    public SocketAddress local() {
        return inner.local();
    }

    @Override
    public void close() {
        inner.close();
    }
}
