package org.culvert.link.winsock;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.culvert.api.event.Waitable;
import org.culvert.api.event.Win32EventWaitable;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.win32.CloseGuard;
import org.culvert.platform.win32.HandleArray;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.winsock.Ws2Api;

/**
 * A TCP link socket on a non-blocking Winsock socket under {@code WSAEventSelect}, carrying OpenVPN
 * packets with their 16-bit length prefix ({@link FrameReader}, {@link FrameWriter}). The two roles
 * differ only in how {@link #establish} gets the connection: {@link WinsockTcpClient} connects (with
 * OpenVPN's {@code --connect-retry} backoff), {@link WinsockTcpServer} accepts the one peer.
 *
 * <p>Threading follows {@link LinkSocket}: {@link #establish}, {@link #receive}, {@link #send} and
 * {@link #prepareWait} belong to the tunnel's loop thread and run inside a {@link CloseGuard};
 * {@link #close()} may come from any thread. {@code establish} waits on the pending socket's event
 * together with a close event, which {@code close()} signals first, so a waiting establish returns
 * at once with {@code CLOSED}; only then, with no call left in progress, are the sockets and events
 * released (a released {@code SOCKET} or {@code HANDLE} value may be reused by Windows at once).
 * Closing does not wake a loop waiting on the connection's event in an event set: the loop is woken
 * through {@link org.culvert.api.event.EventSet#wakeup()} and closes its set before the socket.
 */
abstract class WinsockTcpSocket implements LinkSocket {
    /** Far enough to mean "no limit" without overflowing {@link System#nanoTime()} arithmetic. */
    private static final long MAX_WAIT_NANOS = 1L << 62;

    protected final Ws2Api ws2;
    protected final Kernel32Api k32;
    protected final LinkSpec spec;
    /** {@link Ws2Api#AF_INET} or {@link Ws2Api#AF_INET6}. */
    protected final int family;
    private final int batchSize;
    private final FrameReader reader;
    private final FrameWriter writer;

    protected final CloseGuard guard = new CloseGuard();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Manual-reset; signalled by {@link #close()} to end a wait in {@link #establish}. */
    private final long closeEvent;
    /** {@code [closeEvent, pending socket's event]}: close wins when both are signalled. */
    private final HandleArray waitHandles;

    /** The listening socket, or the socket of the connect attempt under way; null otherwise. */
    private volatile NativeSocket pending;
    /** The connection, once established. */
    private volatile NativeSocket stream;
    private volatile Win32EventWaitable waitable;
    private volatile InetSocketAddress local;
    private volatile InetSocketAddress remote;

    /**
     * Takes over one {@link Winsock#start} the caller made (released by {@link #close()}, or here if
     * this throws) and creates the close event. The caller must {@link #close()} the object if
     * anything later fails.
     */
    WinsockTcpSocket(Ws2Api ws2, Kernel32Api k32, LinkSpec spec, int family, int batchSize) throws LinkException {
        this.ws2 = ws2;
        this.k32 = k32;
        this.spec = spec;
        this.family = family;
        this.batchSize = batchSize;
        this.reader = new FrameReader(ws2, spec.maxPacketSize());
        this.writer = new FrameWriter(ws2, spec.maxPacketSize());
        this.waitHandles = k32.newHandleArray(2);
        long event = k32.createEvent(true, false);
        if (event == 0) {
            int error = k32.getLastError();
            Winsock.stop(ws2);
            throw LinkErrors.kernel("CreateEvent", error);
        }
        this.closeEvent = event;
    }

    /**
     * Connects or accepts, waiting at most {@code timeoutMillis}; may be called again (the attempt
     * and the retry schedule carry on) until it returns true.
     *
     * @throws LinkException {@code CLOSED} once {@link #close()} was called, also when it ends the
     *         wait; other reasons when retrying cannot help
     */
    @Override
    public final boolean establish(long timeoutMillis) throws LinkException {
        if (!guard.enter()) {
            throw LinkErrors.closed(protocol().optionName());
        }
        try {
            if (stream != null) {
                return true;
            }
            long wait = Math.min(TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis)), MAX_WAIT_NANOS);
            return establishUntil(System.nanoTime() + wait);
        } finally {
            guard.exit();
        }
    }

    /** Works towards a connection until {@code deadlineNanos} ({@link System#nanoTime()} scale); inside the guard. */
    protected abstract boolean establishUntil(long deadlineNanos) throws LinkException;

    @Override
    public int batchSize() {
        return batchSize;
    }

    /** The connection's event, for both directions. */
    @Override
    public Waitable waitable() {
        Win32EventWaitable w = waitable;
        if (w == null) {
            throw new IllegalStateException(protocol().optionName() + " link socket not established");
        }
        return w;
    }

    /**
     * Takes the network events Winsock recorded and signals the event at once if readiness in
     * {@code interest} is already known, including whole packets the reader holds. Must run before
     * every wait (the loop does).
     */
    @Override
    public void prepareWait(int interest) {
        if (!guard.enter()) {
            return;
        }
        try {
            NativeSocket s = stream;
            if (s != null) {
                s.prepareWait(interest, reader.deliverable());
            }
        } finally {
            guard.exit();
        }
    }

    /**
     * Delivers as many whole packets as are waiting and fit the batch.
     *
     * @throws LinkException {@code BAD_FRAME} for a length prefix of 0 or above {@code maxPacketSize};
     *         {@code CONNECTION_RESET} when the peer closed or reset; {@code CLOSED} after {@link #close()}
     * @throws IllegalStateException before {@link #establish} returned true
     */
    @Override
    public final int receive(PacketBatch batch) throws LinkException {
        NativeSocket s = enterStream();
        try {
            return reader.read(s, batch, Math.min(batch.capacity(), batchSize));
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes slots {@code from..count-1} as frames. A packet Winsock took only in part is not counted
     * when the rest would block; its rest waits inside and goes out first on the next call, which must
     * offer that packet again (as {@link LinkSocket#send} asks after a short count) and counts it then.
     *
     * @return packets consumed; fewer than offered means "wait for WRITE and offer the rest again"
     * @throws LinkException {@code CONNECTION_RESET} when the peer is gone; {@code CLOSED} after {@link #close()}
     * @throws IllegalStateException before {@link #establish} returned true
     */
    @Override
    public final int send(PacketBatch batch, int from) throws LinkException {
        NativeSocket s = enterStream();
        try {
            return writer.write(s, batch, from);
        } finally {
            guard.exit();
        }
    }

    /** Enters the guard with the connection; the caller must {@code guard.exit()}. */
    private NativeSocket enterStream() throws LinkException {
        if (!guard.enter()) {
            throw LinkErrors.closed(protocol().optionName());
        }
        NativeSocket s = stream;
        if (s == null) {
            guard.exit();
            throw new IllegalStateException(protocol().optionName() + " link socket not established");
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

    /** Bytes received but not yet delivered. */
    int bufferedInput() {
        return reader.buffered();
    }

    /** The connection's native socket (null before), for tests. */
    NativeSocket streamSocket() {
        return stream;
    }

    /**
     * Ends a waiting {@link #establish}, waits until no call is in progress, then closes every socket
     * and event and releases Winsock. Idempotent; never throws; any thread.
     */
    @Override
    public final void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        // The close event is released only below, by this thread, after the guard: safe to signal.
        k32.setEvent(closeEvent);
        guard.close();
        NativeSocket p = pending;
        NativeSocket s = stream;
        pending = null;
        if (p != null) {
            p.close();
        }
        if (s != null) {
            s.close();
        }
        k32.closeHandle(closeEvent);
        Winsock.stop(ws2);
    }

    private boolean isClosed() {
        return closing.get();
    }

    protected final NativeSocket pending() {
        return pending;
    }

    /** Makes {@code next} the socket being established (or none), closing the previous one. Inside the guard. */
    protected final void replacePending(NativeSocket next) {
        NativeSocket old = pending;
        pending = next;
        if (old != null && old != next) {
            old.close();
        }
    }

    /** Publishes the connection; the socket used to get it is released unless it is the connection itself. Inside the guard. */
    protected final void established(NativeSocket connection, InetSocketAddress peer) {
        NativeSocket old = pending;
        // A fresh connection can send at once (Winsock records FD_WRITE for it, too).
        connection.writable = true;
        stream = connection;
        pending = null;
        if (old != null && old != connection) {
            old.close();
        }
        remote = peer;
        local = connection.localAddress();
        waitable = new Win32EventWaitable(connection.event, connection.event);
    }

    protected final void local(InetSocketAddress address) {
        local = address;
    }

    protected final void remoteAddress(InetSocketAddress address) {
        remote = address;
    }

    /**
     * Waits until {@code socket}'s event is signalled or {@code untilNanos} passes.
     *
     * @return true if the event was signalled
     * @throws LinkException {@code CLOSED} when {@link #close()} ends the wait
     */
    protected final boolean awaitEvent(NativeSocket socket, long untilNanos) throws LinkException {
        waitHandles.set(0, closeEvent);
        waitHandles.set(1, socket.event);
        int r = k32.waitForMultipleObjects(waitHandles, 2, millisUntil(untilNanos));
        return waitResult(r);
    }

    /**
     * Waits until {@code untilNanos} or {@link #close()}, whichever comes first.
     *
     * @throws LinkException {@code CLOSED} when {@link #close()} ends the wait
     */
    protected final void pause(long untilNanos) throws LinkException {
        waitResult(k32.waitForSingleObject(closeEvent, millisUntil(untilNanos)));
    }

    private boolean waitResult(int r) throws LinkException {
        if (r == Kernel32Api.WAIT_OBJECT_0) {
            throw LinkErrors.closed(protocol().optionName());
        }
        if (r == Kernel32Api.WAIT_OBJECT_0 + 1) {
            return true;
        }
        if (r == Kernel32Api.WAIT_TIMEOUT) {
            return false;
        }
        throw LinkErrors.kernel("WaitForMultipleObjects", k32.getLastError());
    }

    /** Milliseconds until {@code untilNanos}, rounded up so that a sub-millisecond rest waits instead of spinning. */
    private static int millisUntil(long untilNanos) {
        long remaining = untilNanos - System.nanoTime();
        if (remaining <= 0) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE - 1L, (remaining + 999_999) / 1_000_000);
    }

    @Override
    public String toString() {
        return "winsock tcp link socket " + protocol().optionName() + " local " + local + " remote " + remote
                + (isClosed() ? " (closed)" : stream != null ? " (established)" : "");
    }
}
