package org.culvert.link.tcp;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.culvert.api.event.FdWaitable;
import org.culvert.api.event.Waitable;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.NativeFd;
import org.culvert.platform.linux.Net;

/**
 * A TCP link socket on a native, non-blocking Linux socket, carrying OpenVPN packets with their
 * 16-bit length prefix ({@link FrameReader}, {@link FrameWriter}). The two roles differ only in how
 * {@link #establish} gets the connection: {@link TcpClientSocket} connects (with OpenVPN's
 * {@code --connect-retry} backoff), {@link TcpServerSocket} accepts the one peer.
 *
 * <p>Threading follows {@link LinkSocket}: {@link #establish}, {@link #receive} and {@link #send}
 * belong to the tunnel's loop thread; {@link #close()} may come from any thread. Every descriptor
 * (the listening or connecting socket while establishing, then the connection) is guarded by a
 * {@link NativeFd}, so a racing close never lets a call reach a descriptor number the kernel has
 * reused. {@code close()} shuts the sockets down before releasing them, which wakes an
 * {@code establish} waiting in {@code poll} (and sends the peer a FIN); a wait between connect
 * attempts ends through a latch. Closing does not reliably wake a loop waiting on the connection
 * in an event set: the loop is woken through {@link org.culvert.api.event.EventSet#wakeup()}.
 */
abstract class TcpLinkSocket implements LinkSocket {
    /** Far enough to mean "no limit" without overflowing {@link System#nanoTime()} arithmetic. */
    private static final long MAX_WAIT_NANOS = 1L << 62;

    protected final LinkSpec spec;
    /** {@link Net#AF_INET} or {@link Net#AF_INET6}. */
    protected final int family;
    private final int batchSize;
    private final FrameReader reader;
    private final FrameWriter writer;

    private volatile boolean closed;
    private final CountDownLatch closeSignal = new CountDownLatch(1);
    /** The listening socket, or the socket of the connect attempt under way; null otherwise. */
    private volatile NativeFd pending;
    /** The connection, once established. */
    private volatile NativeFd stream;
    private volatile FdWaitable waitable;
    private volatile InetSocketAddress local;
    private volatile InetSocketAddress remote;

    /** One {@code struct pollfd} for the waits of {@link #establish}. */
    protected final ByteBuffer pollfd = DirectBuffers.allocateNative(8);
    protected final long pollfdAddress = DirectBuffers.address(pollfd);

    TcpLinkSocket(LinkSpec spec, int family, int batchSize) {
        this.spec = spec;
        this.family = family;
        this.batchSize = batchSize;
        this.reader = new FrameReader(spec.maxPacketSize());
        this.writer = new FrameWriter(spec.maxPacketSize(), batchSize);
    }

    /**
     * Connects or accepts, waiting at most {@code timeoutMillis}; may be called again (the attempt
     * and the retry schedule carry on) until it returns true.
     *
     * @throws LinkException {@code CLOSED} once {@link #close()} was called, also when it interrupts
     *         the wait; other reasons when retrying cannot help
     */
    @Override
    public final boolean establish(long timeoutMillis) throws LinkException {
        if (closed) {
            throw LinkErrors.closed();
        }
        if (stream != null) {
            return true;
        }
        long wait = Math.min(TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis)), MAX_WAIT_NANOS);
        boolean done = establishUntil(System.nanoTime() + wait);
        if (closed) {
            throw LinkErrors.closed();
        }
        return done;
    }

    /** Works towards a connection until {@code deadlineNanos} ({@link System#nanoTime()} scale). */
    protected abstract boolean establishUntil(long deadlineNanos) throws LinkException;

    @Override
    public int batchSize() {
        return batchSize;
    }

    /** The connection's descriptor. */
    @Override
    public Waitable waitable() {
        FdWaitable w = waitable;
        if (w == null) {
            throw new IllegalStateException("tcp link socket not established");
        }
        return w;
    }

    /**
     * Reads as many whole packets as are waiting and fit the batch. Whole packets are never left
     * behind in an internal buffer, so readability of {@link #waitable()} always tells whether
     * another call would return packets.
     *
     * @throws LinkException {@code BAD_FRAME} for a length prefix of 0 or above {@code maxPacketSize};
     *         {@code CONNECTION_RESET} when the peer closed or reset; {@code CLOSED} after {@link #close()}
     * @throws IllegalStateException before {@link #establish} returned true
     */
    @Override
    public final int receive(PacketBatch batch) throws LinkException {
        NativeFd s = acquireStream();
        try {
            return reader.read(s.fd(), batch, Math.min(batch.capacity(), batchSize));
        } finally {
            s.release();
        }
    }

    /**
     * Writes slots {@code from..count-1} as frames. A packet the kernel took only in part is not
     * counted; its rest waits inside and goes out first on the next call, which must offer that
     * packet again (as {@link LinkSocket#send} asks after a short count) and counts it then.
     *
     * @return packets consumed; fewer than offered means "wait for WRITE and offer the rest again"
     * @throws LinkException {@code CONNECTION_RESET} when the peer is gone; {@code CLOSED} after {@link #close()}
     * @throws IllegalStateException before {@link #establish} returned true
     */
    @Override
    public final int send(PacketBatch batch, int from) throws LinkException {
        NativeFd s = acquireStream();
        try {
            return writer.write(s.fd(), batch, from);
        } finally {
            s.release();
        }
    }

    private NativeFd acquireStream() throws LinkException {
        NativeFd s = stream;
        if (s == null) {
            if (closed) {
                throw LinkErrors.closed();
            }
            throw new IllegalStateException("tcp link socket not established");
        }
        if (!s.acquire()) {
            throw LinkErrors.closed();
        }
        return s;
    }

    /** The peer: the resolved {@code --remote} of a client, the accepted address of a server (null before). */
    @Override
    public SocketAddress remote() {
        return remote;
    }

    /** Ignored: a stream's peer cannot float. */
    @Override
    public void remote(SocketAddress address) {
        // Nothing: packets on a connection can only come from its peer.
    }

    @Override
    public SocketAddress local() {
        return local;
    }

    /** Packets {@link #send} dropped because no frame can carry them (empty or above {@code maxPacketSize}). */
    long droppedPackets() {
        return writer.dropped();
    }

    /** True while part of a frame waits to be written. */
    boolean hasStagedOutput() {
        return writer.hasStaged();
    }

    /** Shuts down and releases every socket; wakes a waiting {@link #establish}. Idempotent; never throws; any thread. */
    @Override
    public final void close() {
        closed = true;
        closeSignal.countDown();
        shutDown(pending);
        shutDown(stream);
    }

    /** Shuts {@code fd} down (waking a poll on it, sending a FIN) and releases it; null is ignored. */
    static void shutDown(NativeFd fd) {
        if (fd == null) {
            return;
        }
        if (fd.acquire()) {
            try {
                Net.shutdown(fd.fd(), Net.SHUT_RDWR);
            } finally {
                fd.release();
            }
        }
        fd.close();
    }

    protected final boolean isClosed() {
        return closed;
    }

    protected final NativeFd pending() {
        return pending;
    }

    /**
     * Makes {@code next} the socket being established (or none), closing the previous one. Checks
     * for a racing {@link #close()} after publishing, so that one of the two always closes it.
     */
    protected final void replacePending(NativeFd next) throws LinkException {
        NativeFd old = pending;
        pending = next;
        if (old != null && old != next) {
            old.close();
        }
        if (closed) {
            if (next != null) {
                next.close();
            }
            throw LinkErrors.closed();
        }
    }

    /** Publishes the connection; the socket used to get it is released unless it is the connection itself. */
    protected final void established(NativeFd connection, InetSocketAddress peer) throws LinkException {
        NativeFd old = pending;
        stream = connection;
        pending = null;
        if (old != null && old != connection) {
            old.close();
        }
        if (closed) {
            connection.close();
            throw LinkErrors.closed();
        }
        remote = peer;
        if (connection.acquire()) {
            try {
                local = Net.localAddress(connection.fd());
            } finally {
                connection.release();
            }
        }
        waitable = new FdWaitable(connection.fd());
    }

    protected final void local(InetSocketAddress address) {
        local = address;
    }

    protected final void remoteAddress(InetSocketAddress address) {
        remote = address;
    }

    /**
     * Waits until {@code untilNanos} or {@link #close()}, whichever comes first.
     *
     * @return false if the thread was interrupted (its flag is kept)
     */
    protected final boolean pause(long untilNanos) {
        long wait = untilNanos - System.nanoTime();
        if (wait <= 0) {
            return true;
        }
        try {
            closeSignal.await(wait, TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        return "tcp link socket " + protocol().optionName() + " local " + local + " remote " + remote
                + (closed ? " (closed)" : stream != null ? " (established)" : "");
    }
}
