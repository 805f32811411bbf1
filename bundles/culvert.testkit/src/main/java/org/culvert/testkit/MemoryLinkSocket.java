package org.culvert.testkit;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.culvert.api.event.SignalWaitable;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.packet.PacketBatch;

/**
 * A link socket on the {@link MemoryNetwork}, opened by {@link MemoryLinkTransport}.
 *
 * <p>Datagram ({@code udp}): packets go to whatever socket {@link #remote()} routes to; one that
 * finds the receiver's queue full is dropped and counted there ({@link #queueFullDrops()}), one with
 * no receiver is dropped and counted here ({@link #unroutableDrops()}). A packet from an address that
 * does not {@link MemoryAddress#matches match} the remote carries its source in the batch.
 *
 * <p>Stream ({@code tcp-client}/{@code tcp-server}): {@link #establish} pairs a client with a
 * listening server; nothing is dropped, and the socket stops being writable while its peer's queue
 * is full. When the peer closes, the rest of what it sent can still be received, then
 * {@link #receive} throws {@link LinkException.Reason#CONNECTION_RESET} (and {@link #send} at once). A
 * packet of 0 bytes or longer than the receiver's maximum reaches the receiver as a bad frame
 * ({@link LinkException.Reason#BAD_FRAME}), as a zero or oversized length prefix would.
 *
 * <p>Threading as {@link LinkSocket} says. Sending and receiving copy into preallocated memory and
 * allocate nothing per packet. {@link #waitable()} is a {@link SignalWaitable}: readable while a
 * packet (or the peer's close) is pending, writable while sending would not block, both once closed.
 */
public final class MemoryLinkSocket implements LinkSocket {
    /** Largest UDP payload over IPv4; longer datagrams are refused, as a kernel would. */
    static final int MAX_DATAGRAM = 65507;
    /** Largest packet OpenVPN's 16-bit stream length prefix can frame. */
    static final int MAX_FRAME = 65535;

    private final MemoryLinkTransport transport;
    private final LinkProtocol protocol;
    private final int maxPacketSize;
    private final int batchSize;
    private final SignalWaitable waitable;
    private final PacketRing inbound;
    /** Where a tcp-client connects to. */
    private final MemoryAddress connectTo;
    private final MemoryAddress local;
    private volatile MemoryAddress remote;
    /** The other end of a stream; written under the network's lock. */
    private volatile MemoryLinkSocket peer;
    /** For the socket holding a {@link MemoryLinkListener}'s address: that listener; else null. */
    final MemoryLinkListener listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    private final AtomicLong sentPackets = new AtomicLong();
    private final AtomicLong receivedPackets = new AtomicLong();
    private final AtomicLong queueFullDrops = new AtomicLong();
    private final AtomicLong oversizeDrops = new AtomicLong();
    private final AtomicLong unroutableDrops = new AtomicLong();
    private final AtomicLong impairmentDrops = new AtomicLong();

    // Sending state, touched only by the owning thread.
    private int routeVersion = -1;
    private MemoryAddress routedFor;
    private MemoryLinkSocket route;
    private Impairment impairment;
    private byte[] scratch = new byte[0];
    private ByteBuffer scratchView = ByteBuffer.wrap(scratch);
    private byte[] held = new byte[0];
    private ByteBuffer heldView = ByteBuffer.wrap(held);
    private int heldLength = -1;
    private MemoryLinkSocket heldFor;

    MemoryLinkSocket(MemoryLinkTransport transport, LinkProtocol protocol, String localHost, int localPort, MemoryAddress remote,
            int maxPacketSize, int queueCapacity, int batchSize) throws LinkException {
        this(transport, protocol, localHost, localPort, remote, maxPacketSize, queueCapacity, batchSize, null);
    }

    MemoryLinkSocket(MemoryLinkTransport transport, LinkProtocol protocol, String localHost, int localPort, MemoryAddress remote,
            int maxPacketSize, int queueCapacity, int batchSize, MemoryLinkListener listener) throws LinkException {
        this.listener = listener;
        this.transport = transport;
        this.protocol = protocol;
        this.maxPacketSize = maxPacketSize;
        this.batchSize = batchSize;
        this.waitable = new SignalWaitable("memory " + protocol.optionName(), false, !protocol.isStream());
        this.inbound = new PacketRing(queueCapacity, waitable, null);
        this.connectTo = protocol == LinkProtocol.TCP_CLIENT ? remote : null;
        this.remote = protocol.isStream() ? null : remote;
        // Last: from here on other threads can find this socket on the network.
        this.local = MemoryNetwork.bind(this, localHost, localPort, protocol.isStream());
    }

    /** A listener's accepted stream: shares the listener's address and is not bound on the network itself. */
    MemoryLinkSocket(MemoryLinkTransport transport, LinkProtocol protocol, MemoryAddress local, int maxPacketSize, int queueCapacity,
            int batchSize) {
        this.listener = null;
        this.transport = transport;
        this.protocol = protocol;
        this.maxPacketSize = maxPacketSize;
        this.batchSize = batchSize;
        this.waitable = new SignalWaitable("memory " + protocol.optionName(), false, false);
        this.inbound = new PacketRing(queueCapacity, waitable, null);
        this.connectTo = null;
        this.remote = null;
        this.local = local;
    }

    @Override
    public LinkProtocol protocol() {
        return protocol;
    }

    @Override
    public boolean establish(long timeoutMillis) throws LinkException {
        checkOpen();
        switch (protocol) {
        case TCP_CLIENT:
            return peer != null || MemoryNetwork.connect(this, connectTo, timeoutMillis);
        case TCP_SERVER:
            return peer != null || MemoryNetwork.accept(this, timeoutMillis);
        default:
            return true;
        }
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public SignalWaitable waitable() {
        return waitable;
    }

    @Override
    public int receive(PacketBatch batch) throws LinkException {
        checkOpen();
        int max = Math.min(batch.capacity(), batchSize);
        int headroom = batch.headroom();
        int room = batch.slotSize() - headroom;
        int n = 0;
        while (n < max) {
            ByteBuffer slot = batch.prepareSlot(n);
            int length = inbound.poll(slot, headroom, room);
            if (length == PacketRing.EMPTY) {
                break;
            }
            if (length == PacketRing.BAD_FRAME || length == PacketRing.END_OF_STREAM) {
                if (n > 0) {
                    break; // hand over what came before; the next call throws
                }
                throw length == PacketRing.BAD_FRAME
                        ? new LinkException(LinkException.Reason.BAD_FRAME, "the peer sent a frame of 0 bytes or above " + maxPacketSize)
                        : new LinkException(LinkException.Reason.CONNECTION_RESET, "the peer closed the stream");
            }
            if (length == PacketRing.TOO_LONG) {
                oversizeDrops.incrementAndGet();
                if (protocol.isStream()) {
                    throw new LinkException(LinkException.Reason.BAD_FRAME, "a packet did not fit the batch's " + room + "-byte slots");
                }
                continue;
            }
            slot.limit(headroom + length);
            if (!protocol.isStream()) {
                MemoryAddress source = (MemoryAddress) inbound.polledTag();
                if (!source.matches(remote)) {
                    batch.source(n, source);
                }
            }
            n++;
        }
        batch.count(n);
        if (n > 0) {
            receivedPackets.addAndGet(n);
        }
        return n;
    }

    @Override
    public int send(PacketBatch batch, int from) throws LinkException {
        checkOpen();
        MemoryLinkSocket to = destination();
        int max = Math.min(batch.count() - from, batchSize);
        int done = 0;
        for (; done < max; done++) {
            ByteBuffer slot = batch.slot(from + done);
            int length = slot.remaining();
            if (protocol.isStream()) {
                if (length > MAX_FRAME) {
                    throw new LinkException(LinkException.Reason.BAD_FRAME, "a packet of " + length + " bytes cannot be framed");
                }
                if (to.inbound.room() == 0) {
                    if (to.closed.get()) {
                        throw new LinkException(LinkException.Reason.CONNECTION_RESET, "the peer closed the stream");
                    }
                    break; // the peer's queue is full: not writable until it reads
                }
            } else if (to == null) {
                unroutableDrops.incrementAndGet();
                continue;
            } else if (length > MAX_DATAGRAM) {
                oversizeDrops.incrementAndGet();
                continue;
            }
            if (impairment == null) {
                deliver(to, slot, slot.position(), length);
            } else {
                sendImpaired(to, slot, length);
            }
            sentPackets.incrementAndGet();
        }
        return done;
    }

    /** The socket packets go to now (null: none for a datagram); refreshes the cached route and impairment. */
    private MemoryLinkSocket destination() throws LinkException {
        int version = MemoryNetwork.version();
        if (protocol.isStream()) {
            MemoryLinkSocket p = peer;
            if (p == null) {
                throw new LinkException(LinkException.Reason.IO_ERROR, "the stream is not established");
            }
            if (p.closed.get()) {
                throw new LinkException(LinkException.Reason.CONNECTION_RESET, "the peer closed the stream");
            }
            if (version != routeVersion || p != route) {
                route = p;
                impairment = MemoryNetwork.impairment(local, p.local);
                routeVersion = version;
            }
            return p;
        }
        MemoryAddress r = remote;
        if (version != routeVersion || r != routedFor) {
            route = r == null ? null : MemoryNetwork.route(r);
            impairment = route == null ? null : MemoryNetwork.impairment(local, route.local);
            routedFor = r;
            routeVersion = version;
        }
        return route;
    }

    /** Puts one packet into {@code to}'s queue, or its bad-frame marker, or counts the drop. */
    private void deliver(MemoryLinkSocket to, ByteBuffer src, int index, int length) {
        boolean stream = protocol.isStream();
        if (length > to.maxPacketSize || stream && length == 0) {
            if (stream) {
                to.inbound.offerBadFrame();
            } else {
                to.oversizeDrops.incrementAndGet();
            }
            return;
        }
        if (!to.inbound.offer(src, index, length, local)) {
            to.queueFullDrops.incrementAndGet();
        }
    }

    private void sendImpaired(MemoryLinkSocket to, ByteBuffer slot, int length) {
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, 2048)];
            scratchView = ByteBuffer.wrap(scratch);
        }
        slot.get(slot.position(), scratch, 0, length);
        scratchView.limit(length).position(0);
        Impairment.Verdict verdict = impairment.apply(scratchView);
        int offset = scratchView.position();
        int impairedLength = scratchView.remaining();
        if (verdict == null) {
            verdict = Impairment.Verdict.DELIVER;
        }
        switch (verdict) {
        case DROP:
            impairmentDrops.incrementAndGet();
            break;
        case DUPLICATE:
            deliver(to, scratchView, offset, impairedLength);
            deliver(to, scratchView, offset, impairedLength);
            releaseHeld();
            break;
        case DELAY:
            releaseHeld();
            hold(to, offset, impairedLength);
            break;
        default:
            deliver(to, scratchView, offset, impairedLength);
            releaseHeld();
            break;
        }
    }

    private void hold(MemoryLinkSocket to, int offset, int length) {
        if (held.length < length) {
            held = new byte[Math.max(length, 2048)];
            heldView = ByteBuffer.wrap(held);
        }
        System.arraycopy(scratch, offset, held, 0, length);
        heldLength = length;
        heldFor = to;
    }

    private void releaseHeld() {
        if (heldLength >= 0) {
            if (!heldFor.closed.get()) {
                deliver(heldFor, heldView, 0, heldLength);
            }
            heldLength = -1;
            heldFor = null;
        }
    }

    @Override
    public MemoryAddress remote() {
        return protocol.isStream() ? peerAddress() : remote;
    }

    private MemoryAddress peerAddress() {
        MemoryLinkSocket p = peer;
        return p != null ? p.local : connectTo;
    }

    /**
     * Sets the datagram peer; stream sockets ignore it.
     *
     * @throws IllegalArgumentException if {@code address} is neither null nor a {@link MemoryAddress}
     */
    @Override
    public void remote(SocketAddress address) {
        if (address != null && !(address instanceof MemoryAddress)) {
            throw new IllegalArgumentException("not a memory address: " + address);
        }
        if (!protocol.isStream()) {
            remote = (MemoryAddress) address;
        }
    }

    @Override
    public MemoryAddress local() {
        return local;
    }

    /** Packets this socket sent (delivered, dropped on the way or not). */
    public long sentPackets() {
        return sentPackets.get();
    }

    public long receivedPackets() {
        return receivedPackets.get();
    }

    /** Datagrams for this socket dropped because its queue was full. */
    public long queueFullDrops() {
        return queueFullDrops.get();
    }

    /** Datagrams dropped as too long: for this socket's maximum, for its batches, or (sent) for UDP. */
    public long oversizeDrops() {
        return oversizeDrops.get();
    }

    /** Datagrams this socket sent that no socket was bound to receive. */
    public long unroutableDrops() {
        return unroutableDrops.get();
    }

    /** Packets this socket sent that an {@link Impairment} dropped. */
    public long impairmentDrops() {
        return impairmentDrops.get();
    }

    /** Packets waiting to be received. */
    public int pendingPackets() {
        return inbound.size();
    }

    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Unbinds, drops pending packets, tells a stream peer, and raises the waitable so a waiting loop
     * notices. A held (delayed) packet is lost. Idempotent; never throws; any thread.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        inbound.close();
        waitable.setWritable(true);
        MemoryNetwork.unbind(this, local, protocol.isStream());
        // Read after unbind: pairing happens under the network's lock, which unbind took, and no
        // pairing starts after it since this socket now reads as closed.
        MemoryLinkSocket p = peer;
        if (p != null) {
            p.inbound.endOfStream();
        }
        transport.closed(this);
    }

    void checkOpen() throws LinkException {
        if (closed.get()) {
            throw new LinkException(LinkException.Reason.CLOSED, "memory " + protocol.optionName() + " socket " + local + " is closed");
        }
    }

    /** Network lock held: a server that can take its one peer. */
    boolean acceptsPeer() {
        return protocol == LinkProtocol.TCP_SERVER && (listener != null ? listener.hasRoom() : peer == null && !closed.get());
    }

    /** Network lock held. */
    boolean isPaired() {
        return peer != null;
    }

    /** Network lock held: {@code other} is this stream's peer from now on. */
    void pairWith(MemoryLinkSocket other) {
        peer = other;
        inbound.writeSignal(other.waitable); // the peer may write while this socket's queue has room
    }

    @Override
    public String toString() {
        return "memory " + protocol.optionName() + " " + local + " -> " + remote() + (closed.get() ? " (closed)" : "");
    }
}
