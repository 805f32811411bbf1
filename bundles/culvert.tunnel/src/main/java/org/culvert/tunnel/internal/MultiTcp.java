package org.culvert.tunnel.internal;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkListener;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tunnel.DropReason;

/**
 * OpenVPN's {@code mtcp.c} for the {@link ServerLoop}: the link side of {@code tunnel_server_tcp}. The
 * link thread accepts each connection ({@code multi_create_instance_tcp}: an instance per stream, no
 * cookie, {@code --max-clients} counted), matches what a stream reads to its instance by the
 * connection alone (never by source or peer-id), and writes each client's packets to its own stream.
 * Everything else (instances, engines, data threads, routing, timers) is the UDP server's.
 *
 * <p>A slow or vanished client cannot block the others: each stream has a bounded queue of
 * {@link #STREAM_QUEUE} packets; what does not fit is dropped and counted ({@code QUEUE_FULL}), and a
 * stream waits for WRITE on its own. A reset or closed stream closes that client only. Writes go out
 * before reads, as in {@code multi_tcp_process_io}. Link thread only, but {@link #instanceClosed}.
 */
final class MultiTcp {
    /** Event tag of the listening socket; the UDP socket's tag 0 and the tun's 2 stay as they are. */
    static final int LISTENER_TAG = 1;
    /** Tags of the streams: {@code FIRST_STREAM_TAG + slot}. */
    static final int FIRST_STREAM_TAG = 3;
    /** Packets a client's stream holds while its socket would block. */
    static final int STREAM_QUEUE = 16;
    /** Connections taken per readiness of the listener, so that a connect flood does not starve the clients' traffic. */
    private static final int ACCEPTS_PER_TURN = 16;

    /** One client's connection. */
    static final class Stream {
        final LinkSocket socket;
        final int slot;
        final SocketAddress peer;
        final PacketBatch out;
        MultiInstance instance;
        int sent;
        int interest = -1;
        boolean closed;
        boolean dirty;

        Stream(LinkSocket socket, int slot, SocketAddress peer, PacketBatch out) {
            this.socket = socket;
            this.slot = slot;
            this.peer = peer;
            this.out = out;
        }
    }

    private final ServerLoop server;
    private final LinkListener listener;
    private final EventSet eventSet;
    private final Counters counters;
    private final Stream[] streams;
    /** Free slots, a stack. */
    private final int[] free;
    private int freeCount;
    /** Streams with queued output, a stack of slots. */
    private final int[] dirty;
    private int dirtyCount;
    private final PacketBatch outgoing;
    private final Object[] owners;
    private final int headroom;
    private final int slotSize;
    /** Instances whose data thread let them go; their streams are closed by the link thread. */
    private final Queue<MultiInstance> closing = new ConcurrentLinkedQueue<>();
    private int listenerInterest = -1;

    MultiTcp(ServerLoop server, LinkListener listener, EventSet eventSet, Counters counters, int maxStreams, int batchSize, int headroom,
            int slotSize) {
        this.server = server;
        this.listener = listener;
        this.eventSet = eventSet;
        this.counters = counters;
        this.streams = new Stream[maxStreams];
        this.free = new int[maxStreams];
        for (int i = 0; i < maxStreams; i++) {
            free[i] = maxStreams - 1 - i;
        }
        this.freeCount = maxStreams;
        this.dirty = new int[maxStreams];
        this.outgoing = PacketBatch.allocate(batchSize, headroom, slotSize);
        this.owners = new Object[batchSize];
        this.headroom = headroom;
        this.slotSize = slotSize;
    }

    /** The most waitables the event set holds: the listener, the tun, the streams. */
    static int eventSetSize(int maxStreams) {
        return FIRST_STREAM_TAG + maxStreams;
    }

    /** Before each wait: closes the streams of closed instances, sends, and sets every interest. */
    void beforeWait(Handoff linkOut) throws IOException {
        for (MultiInstance m; (m = closing.poll()) != null;) {
            Stream s = (Stream) m.linkStream;
            if (s != null) {
                drop(s);
            }
        }
        queueOutgoing(linkOut);
        for (int i = dirtyCount - 1; i >= 0; i--) {
            if (i >= dirtyCount) {
                continue; // a stream lost while flushing took itself out of the list
            }
            Stream s = streams[dirty[i]];
            if (s != null && flush(s) && !s.closed) {
                dirty[i] = dirty[--dirtyCount];
                s.dirty = false;
            }
        }
        listener.prepareWait(EventSet.READ);
        if (listenerInterest != EventSet.READ) {
            eventSet.ctl(listener.waitable(), EventSet.READ, LISTENER_TAG);
            listenerInterest = EventSet.READ;
        }
    }

    /** {@code multi_tcp_dispatch}: accepts, reads and marks writable streams for the next turn. */
    void afterWait(ReadyEvents ready, PacketBatch linkIn) {
        for (int i = 0, n = ready.size(); i < n; i++) {
            int tag = ready.tag(i);
            int flags = ready.flags(i);
            if (tag == LISTENER_TAG) {
                if ((flags & EventSet.READ) != 0) {
                    acceptSome();
                }
            } else if (tag >= FIRST_STREAM_TAG && tag - FIRST_STREAM_TAG < streams.length) {
                Stream s = streams[tag - FIRST_STREAM_TAG];
                if (s != null && !s.closed && (flags & EventSet.READ) != 0) {
                    read(s, linkIn);
                }
            }
        }
    }

    /** Data thread: {@code m} closed; its stream goes on the link thread's next turn. */
    void instanceClosed(MultiInstance m) {
        closing.add(m);
        eventSet.wakeup();
    }

    private void acceptSome() {
        for (int i = 0; i < ACCEPTS_PER_TURN; i++) {
            LinkSocket socket;
            try {
                socket = listener.accept();
            } catch (LinkException e) {
                server.log.warn("TCP: accept failed: " + e.getMessage());
                return;
            }
            if (socket == null) {
                return;
            }
            adopt(socket);
        }
    }

    /** {@code multi_create_instance_tcp}: an instance for the new stream, or the stream closed at once. */
    private void adopt(LinkSocket socket) {
        SocketAddress peer = socket.remote();
        if (server.clientCount() >= server.plan.maxClients() || freeCount == 0) {
            counters.drop(DropReason.MAX_CLIENTS);
            server.log.warn("MULTI: new incoming connection would exceed maximum number of clients (" + server.plan.maxClients() + "): "
                    + peer + " closed");
            socket.close();
            return;
        }
        int slot = free[--freeCount];
        Stream s = new Stream(socket, slot, peer, PacketBatch.allocate(STREAM_QUEUE, headroom, slotSize));
        streams[slot] = s;
        MultiInstance old = server.instanceAt(peer);
        MultiInstance m = server.createInstance(peer, null);
        if (m == null) {
            drop(s);
            return;
        }
        s.instance = m;
        m.linkStream = s;
        if (old != null) {
            // A new connection from the same address and port: the old one is dead (mtcp's reuse of the address).
            old.owner.post(() -> old.owner.close(old, "a new connection from " + peer + " replaces it (client " + m.clientId + ")"));
        }
        try {
            setInterest(s, EventSet.READ);
        } catch (IOException e) {
            server.log.warn("TCP: cannot wait on the connection of " + peer + ": " + e.getMessage());
            lost(s, "its connection cannot be waited on");
        }
    }

    private void read(Stream s, PacketBatch linkIn) {
        linkIn.clear();
        int n;
        try {
            n = s.socket.receive(linkIn);
        } catch (LinkException e) {
            lost(s, e.reason() == LinkException.Reason.BAD_FRAME ? "bad frame: " + e.getMessage() : "connection reset");
            return;
        }
        MultiInstance m = s.instance;
        for (int i = 0; i < n; i++) {
            ByteBuffer slot = linkIn.slot(i);
            if (slot.remaining() < 1) {
                counters.drop(DropReason.SHORT_PACKET);
            } else if (!m.halted) {
                // Matched by the connection alone: m.real as the source, so a packet never floats.
                m.owner.handOver(slot, Handoff.FROM_LINK, m, m.real, counters);
            }
        }
    }

    /** Moves what the data threads sent into each client's stream queue; a full queue drops (counted). */
    private void queueOutgoing(Handoff linkOut) {
        while (true) {
            outgoing.count(0);
            if (linkOut.drainTo(outgoing, null, owners, false) == 0) {
                return;
            }
            for (int i = 0, n = outgoing.count(); i < n; i++) {
                MultiInstance m = (MultiInstance) owners[i];
                owners[i] = null;
                Stream s = m == null ? null : (Stream) m.linkStream;
                if (s == null || s.closed) {
                    counters.drop(DropReason.NO_ROUTE);
                    continue;
                }
                PacketBatch out = s.out;
                int at = out.count();
                if (at == out.capacity()) {
                    counters.drop(DropReason.QUEUE_FULL);
                    continue;
                }
                ByteBuffer src = outgoing.slot(i);
                int length = src.remaining();
                ByteBuffer dst = out.prepareSlot(at);
                dst.put(out.headroom(), src, src.position(), length);
                dst.limit(out.headroom() + length).position(out.headroom());
                out.count(at + 1);
                if (!s.dirty) {
                    s.dirty = true;
                    dirty[dirtyCount++] = s.slot;
                }
            }
        }
    }

    /** Writes the stream's queue; true when it is empty (or the stream went). */
    private boolean flush(Stream s) {
        PacketBatch out = s.out;
        try {
            while (s.sent < out.count()) {
                int n = s.socket.send(out, s.sent);
                for (int i = s.sent, end = s.sent + n; i < end; i++) {
                    counters.linkWrite(out.slot(i).remaining());
                }
                s.sent += n;
                if (n == 0) {
                    setInterest(s, EventSet.READ | EventSet.WRITE);
                    return false;
                }
            }
            out.count(0);
            s.sent = 0;
            setInterest(s, EventSet.READ);
        } catch (LinkException e) {
            lost(s, "connection reset");
        } catch (IOException e) {
            // The event set refused this stream: it goes, the server stays.
            lost(s, "its connection cannot be waited on: " + e.getMessage());
        }
        return true;
    }

    private void setInterest(Stream s, int interest) throws IOException {
        s.socket.prepareWait(interest);
        if (s.interest != interest) {
            eventSet.ctl(s.socket.waitable(), interest, FIRST_STREAM_TAG + s.slot);
            s.interest = interest;
        }
    }

    /** The stream broke: it goes now, its client on its data thread (client-disconnect, pool, events). */
    private void lost(Stream s, String why) {
        MultiInstance m = s.instance;
        drop(s);
        if (m != null && !m.halted) {
            server.log.info(m + ": " + why);
            m.owner.post(() -> m.owner.close(m, why));
        }
    }

    /** Closes the stream and frees its slot. Idempotent. */
    private void drop(Stream s) {
        if (s.closed) {
            return;
        }
        s.closed = true;
        try {
            eventSet.del(s.socket.waitable());
        } catch (IOException | RuntimeException e) {
            // The socket closes anyway, which takes it out of any OS set.
        }
        s.socket.close();
        if (s.instance != null && s.instance.linkStream == s) {
            s.instance.linkStream = null;
        }
        if (s.dirty) {
            // Out of the dirty list before the slot is reused, so that a slot is listed at most once.
            for (int i = 0; i < dirtyCount; i++) {
                if (dirty[i] == s.slot) {
                    dirty[i] = dirty[--dirtyCount];
                    break;
                }
            }
            s.dirty = false;
        }
        streams[s.slot] = null;
        free[freeCount++] = s.slot;
    }

    /** The loop ended: every stream closes (the listener is the caller's). */
    void close() {
        for (Stream s : streams) {
            if (s != null) {
                drop(s);
            }
        }
    }

    /** Open streams; link thread. */
    int streamCount() {
        return streams.length - freeCount;
    }
}
