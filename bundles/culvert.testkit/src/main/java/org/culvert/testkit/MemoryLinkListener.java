package org.culvert.testkit;

import java.net.SocketAddress;
import java.util.ArrayDeque;

import org.culvert.api.event.SignalWaitable;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkListener;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;

/**
 * A server's listening stream socket on the {@link MemoryNetwork}, opened by
 * {@link MemoryLinkTransport#listen}: every tcp-client that connects to its address gets a stream of
 * its own, queued (up to {@link #BACKLOG}, as a kernel's backlog) until {@link #accept()} takes it. A
 * client finding the backlog full waits, as a SYN would be retried.
 *
 * <p>Threading as {@link LinkListener}. {@link #waitable()} is readable while a stream is pending.
 */
public final class MemoryLinkListener implements LinkListener {
    /** Streams queued before connecting clients wait; OpenVPN's backlog. */
    public static final int BACKLOG = 32;

    private final MemoryLinkTransport transport;
    private final LinkSpec spec;
    private final int queueCapacity;
    private final int batchSize;
    private final SignalWaitable waitable = new SignalWaitable("memory tcp listener", false, false);
    /** The socket that holds the address on the network; it never carries packets itself. */
    private final MemoryLinkSocket bound;
    /** Guarded by the network's lock. */
    private final ArrayDeque<MemoryLinkSocket> backlog = new ArrayDeque<>();
    private volatile boolean closed;

    MemoryLinkListener(MemoryLinkTransport transport, LinkSpec spec, int queueCapacity, int batchSize) throws LinkException {
        this.transport = transport;
        this.spec = spec;
        this.queueCapacity = queueCapacity;
        this.batchSize = batchSize;
        int localPort = spec.bind() ? spec.localPort() : 0;
        this.bound = new MemoryLinkSocket(transport, LinkProtocol.TCP_SERVER, spec.localHost(), localPort, null, spec.maxPacketSize(),
                1, batchSize, this);
    }

    @Override
    public SignalWaitable waitable() {
        return waitable;
    }

    @Override
    public MemoryLinkSocket accept() throws LinkException {
        if (closed) {
            throw new LinkException(LinkException.Reason.CLOSED, "memory tcp listener " + bound.local() + " is closed");
        }
        return MemoryNetwork.takeAccepted(this);
    }

    /** Network lock held: whether a connecting client can be queued now. */
    boolean hasRoom() {
        return !closed && backlog.size() < BACKLOG;
    }

    /** Network lock held: a new server-side stream at the listener's address, not bound on the network. */
    MemoryLinkSocket newStream() {
        MemoryLinkSocket s = new MemoryLinkSocket(transport, LinkProtocol.TCP_SERVER, bound.local(), spec.maxPacketSize(), queueCapacity,
                batchSize);
        transport.accepted(s);
        return s;
    }

    /** Network lock held. */
    void queue(MemoryLinkSocket stream) {
        backlog.add(stream);
        waitable.setReadable(true);
    }

    /** Network lock held: the oldest pending stream, or null. */
    MemoryLinkSocket poll() {
        MemoryLinkSocket s = backlog.poll();
        waitable.setReadable(!backlog.isEmpty());
        return s;
    }

    @Override
    public SocketAddress local() {
        return bound.local();
    }

    /** Pending streams. */
    public int pending() {
        return MemoryNetwork.backlogSize(this);
    }

    /** Unbinds; streams not yet accepted are closed (their clients see a reset). Idempotent; any thread. */
    @Override
    public void close() {
        closed = true;
        bound.close();
        for (MemoryLinkSocket s : MemoryNetwork.drainBacklog(this)) {
            s.close();
        }
        waitable.setReadable(true);
        transport.closed(this);
    }

    /** Network lock held. */
    ArrayDeque<MemoryLinkSocket> backlog() {
        return backlog;
    }

    @Override
    public String toString() {
        return "memory tcp listener " + bound.local() + (closed ? " (closed)" : "");
    }
}
