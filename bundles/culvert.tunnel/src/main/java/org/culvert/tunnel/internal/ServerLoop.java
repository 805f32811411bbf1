package org.culvert.tunnel.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.link.LinkListener;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.TunnelCounters;

/**
 * OpenVPN's server loop, {@code tunnel_server} ({@code multi.c}, {@code mudp.c}): one tun device and
 * one UDP link socket serve many clients. The calling thread is the <em>link thread</em>: it alone
 * touches the link socket and the tun device (their SPI is single-threaded), in OpenVPN's order
 * (outgoing link, outgoing tun, incoming link, incoming tun). It demultiplexes what the link reads to
 * the client instances ({@code multi_get_create_instance_udp}: by peer-id for {@code P_DATA_V2}, else by
 * source address, creating an instance only for a connection attempt) and routes what the tun reads
 * through the {@link MrouteTable} ({@code multi_process_incoming_tun}); each packet is then handed,
 * copied into preallocated slots, to the {@link ServerDataThread} that owns the client, which does the
 * crypto. The data threads hand back, the same way, what goes to the link and the tun.
 *
 * <p>Why one socket with a link thread rather than one {@code SO_REUSEPORT} socket per data thread:
 * the kernel's reuseport hash would choose the thread of a client (and choose again when it floats),
 * the tun device and transports are single-threaded SPIs, and the crypto, which is the cost, runs on
 * the data threads anyway. The link thread does the system calls and a table lookup per packet.
 *
 * <p>Nothing a client sends stops the server: bad packets are counted drops, a misbehaving client is
 * closed ({@link ServerDataThread}).
 */
final class ServerLoop {
    static final int SOCKET_TAG = 0;
    static final int TUN_TAG = 2;
    /** OpenVPN's opcodes, as the demultiplexing reads them. */
    static final int P_DATA_V1 = 6;
    static final int P_CONTROL_HARD_RESET_CLIENT_V2 = 7;
    static final int P_DATA_V2 = 9;
    static final int P_CONTROL_HARD_RESET_CLIENT_V3 = 10;
    /** OpenVPN's "no peer-id" in a {@code P_DATA_V2} header. */
    static final int NO_PEER_ID = 0xFFFFFF;
    private static final long REAP_INTERVAL_MILLIS = 1000;
    /** OpenVPN's deferred shutdown after it told its clients to restart. */
    static final long EXIT_NOTIFY_MILLIS = 2000;

    final ServerPlan plan;
    final ServerEngines engines;
    final ClientAddressing addressing;
    final LoopClock clock;
    final TunnelLog log;
    final MrouteTable<MultiInstance> mroute = new MrouteTable<>();
    private final TunDevice tun;
    /** The UDP socket; null over TCP. */
    private final LinkSocket link;
    /** Over TCP ({@code tunnel_server_tcp}): the listener and the clients' streams; null over UDP. */
    private final MultiTcp tcp;
    private final EventSet eventSet;
    private final ReadyEvents ready;
    private final ServerDataThread[] threads;
    /** Where the data threads lend their clients' handshakes (see {@link HandshakeWorkers}). */
    final HandshakeWorkers handshakes;
    private final EventSet[] threadEvents;
    private final Consumer<ServerClientEvent> events;
    final Counters counters = new Counters();
    private final Map<SocketAddress, MultiInstance> byAddress = new ConcurrentHashMap<>();
    private final Map<Long, MultiInstance> byClientId = new ConcurrentHashMap<>();
    private final PeerIdTable<MultiInstance> byPeerId = new PeerIdTable<>();
    private final AtomicLong nextClientId = new AtomicLong();
    /** What the data threads send: to the link (address = the client) and to the tun. */
    private final Handoff linkOut;
    private final Handoff tunOut;
    private final PacketBatch linkIn;
    private final PacketBatch tunIn;
    private final PacketBatch linkBatch;
    private final PacketBatch tunBatch;
    /** The last tun read filled {@link #tunIn}: read again before waiting. */
    private boolean tunFull;
    /** The engine's stateless answer to a stranger (the cookie reset). */
    private final PacketBatch replyBatch;
    private int linkSent;
    private int tunWritten;
    private final Mroute.Addr src = new Mroute.Addr();
    private final Mroute.Addr dst = new Mroute.Addr();
    private volatile boolean exit;
    private volatile boolean notifyRequested;
    /** The exit notification: its end (monotonic ms, 0 before), the threads yet to send it, the clients told. Link thread. */
    private long notifyUntil;
    private final AtomicLong notifyPending = new AtomicLong();
    private final java.util.Queue<MultiInstance> notified = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private int socketInterest = -1;
    /** The last link read filled the batch: the socket may hold packets its readability does not show. Link thread. */
    private boolean linkMayHoldMore;
    private int tunInterest = -1;
    private long nextReap;
    /** When {@code --stale-routes-check} runs next. */
    private long nextStaleCheck;
    /** When the link thread may next warn that {@code --max-clients} refused a connection (at most once a second). */
    private long nextMaxClientsWarning;

    /**
     * @param events told of client changes on the data threads; it must return quickly (the view queues them)
     */
    ServerLoop(ServerPlan plan, TunDevice tun, LinkSocket link, EventBackend backend, ServerEngines engines, ClientAddressing addressing,
            LoopClock clock, TunnelLog log, Consumer<ServerClientEvent> events) throws IOException {
        this(plan, tun, link, null, backend, engines, addressing, clock, log, events);
    }

    /** A TCP server ({@code tunnel_server_tcp}): each connection {@code listener} accepts is a client. */
    ServerLoop(ServerPlan plan, TunDevice tun, LinkListener listener, EventBackend backend, ServerEngines engines, ClientAddressing addressing,
            LoopClock clock, TunnelLog log, Consumer<ServerClientEvent> events) throws IOException {
        this(plan, tun, null, listener, backend, engines, addressing, clock, log, events);
    }

    private ServerLoop(ServerPlan plan, TunDevice tun, LinkSocket link, LinkListener listener, EventBackend backend, ServerEngines engines,
            ClientAddressing addressing, LoopClock clock, TunnelLog log, Consumer<ServerClientEvent> events) throws IOException {
        this.plan = plan;
        this.tun = tun;
        this.link = link;
        this.engines = engines;
        this.addressing = addressing;
        this.clock = clock;
        this.nextMaxClientsWarning = clock.millis();
        this.log = log;
        this.events = events;
        int headroom = engines.headroom();
        int slotSize = headroom + Math.max(plan.maxPayload() + engines.tailroom(), plan.maxLinkPacket());
        int batch = plan.batchSize();
        int linkBatchSize = link != null ? Math.min(batch, Math.max(1, link.batchSize())) : batch;
        this.linkIn = PacketBatch.allocate(linkBatchSize, headroom, slotSize);
        this.tunIn = PacketBatch.allocate(Math.min(batch, Math.max(1, tun.batchSize())), headroom, slotSize);
        this.linkBatch = PacketBatch.allocate(linkBatchSize, headroom, slotSize);
        this.tunBatch = PacketBatch.allocate(Math.min(batch, Math.max(1, tun.batchSize())), headroom, slotSize);
        this.replyBatch = PacketBatch.allocate(1, headroom, slotSize);
        this.linkOut = new Handoff(plan.handoffSlots() * plan.dataThreads(), slotSize);
        this.tunOut = new Handoff(plan.handoffSlots() * plan.dataThreads(), slotSize);
        int maxStreams = listener == null ? 0 : Math.max(1, plan.maxClients());
        this.eventSet = backend.open(listener == null ? 4 : MultiTcp.eventSetSize(maxStreams));
        this.ready = new ReadyEvents(listener == null ? 4 : 64);
        this.tcp = listener == null ? null : new MultiTcp(this, listener, eventSet, counters, maxStreams, batch, headroom, slotSize);
        this.handshakes = HandshakeWorkers.forCores(this, plan.maxClients(), batch, headroom, slotSize);
        this.threads = new ServerDataThread[plan.dataThreads()];
        this.threadEvents = new EventSet[threads.length];
        try {
            for (int i = 0; i < threads.length; i++) {
                threadEvents[i] = backend.open(1);
                threads[i] = new ServerDataThread(i, this, threadEvents[i], batch, headroom, slotSize, plan.handoffSlots());
            }
        } catch (IOException | RuntimeException e) {
            closeEventSets();
            throw e;
        }
    }

    /** Any thread: makes {@link #run} return soon, telling the clients nothing. */
    void requestExit() {
        exit = true;
        eventSet.wakeup();
    }

    /**
     * Any thread: the server's stop (SIGTERM). With {@link ServerPlan#exitNotify} the clients are told
     * {@code RESTART} first ({@code multi_push_restart_schedule_exit}) and {@link #run} returns once
     * every notified client has gone or after {@link #EXIT_NOTIFY_MILLIS}; else as {@link #requestExit}.
     */
    void requestStop() {
        if (plan.exitNotify() > 0) {
            notifyRequested = true;
            eventSet.wakeup();
        } else {
            requestExit();
        }
    }

    /**
     * Runs the server until {@link #requestExit}: starts the data threads, runs the link thread here,
     * and on the way out stops them and closes every client. The device and socket stay open (the
     * caller owns them).
     */
    void run(String name) throws IOException {
        List<Thread> started = new ArrayList<>();
        try {
            for (ServerDataThread t : threads) {
                Thread thread = new Thread(t, "culvert-server-" + name + "-data-" + t.index);
                thread.setDaemon(true);
                thread.start();
                started.add(thread);
            }
            handshakes.start(name);
            linkThread();
        } finally {
            handshakes.stop(); // first: the data threads then own every client again
            if (tcp != null) {
                tcp.close(); // the streams are the loop's; the listener is the caller's
            }
            for (ServerDataThread t : threads) {
                t.requestStop();
            }
            for (Thread thread : started) {
                try {
                    thread.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            closeEventSets();
        }
    }

    /** Releases what the constructor opened, for a loop that is never {@link #run}. */
    void close() {
        closeEventSets();
    }

    private void closeEventSets() {
        eventSet.close();
        for (EventSet e : threadEvents) {
            if (e != null) {
                e.close();
            }
        }
    }

    /**
     * One loop for both transports: over TCP ({@code tunnel_server_tcp}) {@link MultiTcp} takes the
     * socket's part (accepting, each stream's queue and interest); the plan has no exit notification
     * over TCP (the closing stream tells the client).
     */
    private void linkThread() throws IOException {
        if (tcp == null) {
            eventSet.ctl(link.waitable(), 0, SOCKET_TAG);
        }
        if (tun.waitable() != null) {
            eventSet.ctl(tun.waitable(), 0, TUN_TAG);
        }
        nextReap = clock.millis() + REAP_INTERVAL_MILLIS;
        nextStaleCheck = clock.millis() + plan.staleRoutesInterval() * 1000L;
        while (!exit) {
            if (tcp != null) {
                tcp.beforeWait(linkOut);
            } else {
                processOutgoingLink();
            }
            processOutgoingTun();
            boolean linkPending = linkSent < linkBatch.count();
            boolean tunPending = tunWritten < tunBatch.count();
            if (tcp == null) {
                socketSet(EventSet.READ | (linkPending ? EventSet.WRITE : 0));
            }
            tunSet(EventSet.READ | (tunPending ? EventSet.WRITE : 0));
            long now = clock.millis();
            // A read that filled its batch may have left packets in the device or socket (a split GSO
            // packet's segments, a UDP GRO buffer split past the batch's end): read again before
            // waiting, as the descriptor need not become readable again.
            boolean more = !linkPending && linkOut.size() > 0 || !tunPending && tunOut.size() > 0 || tunFull || linkMayHoldMore;
            if (notifyRequested && notifyExit(now)) {
                return;
            }
            long until = notifyUntil != 0 ? Math.min(nextReap, notifyUntil) : nextReap;
            eventSet.wait(more ? 0 : Math.max(1, until - now), ready);
            if (tcp != null) {
                tcp.afterWait(ready, linkIn);
            } else if ((ready.flagsFor(SOCKET_TAG) & EventSet.READ) != 0 || linkMayHoldMore) {
                linkIn.clear();
                link.receive(linkIn);
                // A full batch may have left packets in the socket that its readability does not show
                // (a UDP GRO buffer split past the batch's end): read again before waiting.
                linkMayHoldMore = linkIn.count() == linkIn.capacity();
                processIncomingLink();
            }
            if ((ready.flagsFor(TUN_TAG) & EventSet.READ) != 0 || tunFull) {
                tunIn.clear();
                tunFull = tun.read(tunIn) == tunIn.capacity();
                processIncomingTun();
            }
            now = clock.millis();
            if (now - nextReap >= 0) {
                mroute.reap(now);
                checkStaleRoutes(now);
                nextReap = now + REAP_INTERVAL_MILLIS;
            }
        }
    }

    /** {@code --stale-routes-check n t}: every t seconds, the learned routes unused for n seconds go. Link thread. */
    private void checkStaleRoutes(long now) {
        if (plan.staleRoutesAgeing() > 0 && now - nextStaleCheck >= 0) {
            int n = mroute.removeStale(now, plan.staleRoutesAgeing() * 1000L);
            if (n > 0) {
                log.info("MULTI: deleted " + n + " stale route(s) unused for " + plan.staleRoutesAgeing() + " s");
            }
            nextStaleCheck = now + plan.staleRoutesInterval() * 1000L;
        }
    }

    /**
     * The stop with {@code explicit-exit-notify}: the first call has every data thread send the message
     * to its established clients; the link thread runs on meanwhile (the clients' acks, retransmissions).
     * True when done: every thread sent it and every client told has gone, or the time is up.
     */
    private boolean notifyExit(long now) {
        if (notifyUntil == 0) {
            notifyUntil = now + EXIT_NOTIFY_MILLIS;
            String message = plan.exitNotify() == 2 ? "RESTART,[N]" : "RESTART";
            log.info("server stopping: telling the clients " + message);
            notifyPending.set(threads.length);
            for (ServerDataThread t : threads) {
                t.post(() -> {
                    t.exitNotify(message, notified);
                    notifyPending.decrementAndGet();
                    eventSet.wakeup();
                });
            }
            return false;
        }
        if (now - notifyUntil >= 0) {
            return true;
        }
        if (notifyPending.get() > 0) {
            return false;
        }
        for (MultiInstance m : notified) {
            if (!m.halted) {
                return false;
            }
        }
        return true;
    }

    private void socketSet(int interest) throws IOException {
        link.prepareWait(interest);
        if (interest != socketInterest) {
            eventSet.ctl(link.waitable(), interest, SOCKET_TAG);
            socketInterest = interest;
        }
    }

    private void tunSet(int interest) throws IOException {
        tun.prepareWait(interest);
        if (interest != tunInterest && tun.waitable() != null) {
            eventSet.ctl(tun.waitable(), interest, TUN_TAG);
            tunInterest = interest;
        }
    }

    /** Sends the data threads' packets, a run for one client address at a time. */
    private void processOutgoingLink() throws IOException {
        while (true) {
            if (linkSent >= linkBatch.count()) {
                linkBatch.count(0);
                linkSent = 0;
                if (linkOut.drainTo(linkBatch, null, null, true) == 0 || linkBatch.count() == 0) {
                    return;
                }
                // The socket sends to its remote: set it to this run's client (the SPI has no sendto).
                link.remote(linkBatch.source(0));
            }
            int sent = link.send(linkBatch, linkSent);
            for (int i = linkSent, end = linkSent + sent; i < end; i++) {
                counters.linkWrite(linkBatch.slot(i).remaining());
            }
            linkSent += sent;
            if (linkSent < linkBatch.count()) {
                return; // would block: wait for WRITE
            }
        }
    }

    private void processOutgoingTun() throws IOException {
        while (true) {
            if (tunWritten >= tunBatch.count()) {
                tunBatch.count(0);
                tunWritten = 0;
                if (tunOut.drainTo(tunBatch, null, null, false) == 0 || tunBatch.count() == 0) {
                    return;
                }
            }
            int written = tun.write(tunBatch, tunWritten);
            for (int i = tunWritten, end = tunWritten + written; i < end; i++) {
                counters.tunWrite(tunBatch.slot(i).remaining());
            }
            tunWritten += written;
            if (tunWritten < tunBatch.count()) {
                return;
            }
        }
    }

    /** {@code multi_process_incoming_link} before decryption: which instance, and hand it over. */
    private void processIncomingLink() {
        // The socket leaves out the source of packets from its remote as it was at the read; a stateless
        // answer in this loop moves the remote to a stranger, so it is taken now, not per packet (else a
        // client's packets after a forged reset in the same batch would seem to come from the forger,
        // and float the client there).
        SocketAddress remoteAtRead = link.remote();
        for (int i = 0, n = linkIn.count(); i < n; i++) {
            ByteBuffer slot = linkIn.slot(i);
            SocketAddress source = linkIn.source(i);
            if (source == null) {
                source = remoteAtRead;
            }
            try {
                MultiInstance m = getCreateInstanceUdp(slot, source);
                if (m != null) {
                    m.owner.handOver(slot, Handoff.FROM_LINK, m, source, counters);
                }
            } catch (RuntimeException | AssertionError | StackOverflowError e) {
                counters.drop(DropReason.INTERNAL_ERROR);
                log.warn("server: a packet from " + source + " failed the demultiplexing: " + e);
            }
        }
    }

    /**
     * {@code multi_get_create_instance_udp}: a {@code P_DATA_V2} packet with a peer-id is looked up by
     * that id only (its address may be a float, checked once it decrypts); everything else by source
     * address; from an unknown address only a connection attempt creates an instance. Null: dropped (counted).
     */
    private MultiInstance getCreateInstanceUdp(ByteBuffer packet, SocketAddress source) {
        int at = packet.position();
        if (packet.remaining() < 1) {
            counters.drop(DropReason.SHORT_PACKET);
            return null;
        }
        int op = (packet.get(at) & 0xFF) >>> 3;
        if (op == P_DATA_V2) {
            if (packet.remaining() < 4) {
                counters.drop(DropReason.SHORT_PACKET);
                return null;
            }
            int peerId = packet.getInt(at) & 0xFFFFFF;
            if (peerId != NO_PEER_ID) {
                MultiInstance m = byPeerId.get(peerId);
                if (m == null) {
                    counters.drop(DropReason.UNKNOWN_PEER);
                }
                return m;
            }
        }
        MultiInstance m = source == null ? null : byAddress.get(source);
        if (m != null) {
            if (op == P_DATA_V1 || op == P_DATA_V2 || !m.clientSessionKnown || packet.remaining() < 9
                    || packet.getLong(at + 1) == m.clientSessionId) {
                return m;
            }
            return otherSession(m, packet, source);
        }
        if (source == null) {
            counters.drop(DropReason.UNKNOWN_PEER);
            return null;
        }
        return admitStranger(packet, source, false);
    }

    /**
     * A control packet from client {@code old}'s address with another session id: a client restarted
     * from the same address and port, or a forgery. Its session would drop it (WRONG_SESSION), so the
     * client would wait for the old instance's ping-restart; OpenVPN screens it with the stateless
     * cookie instead, as from a stranger, and only an admission (the sender proved the address by
     * echoing the cookie) closes the old instance and makes a new one. A forged reset gets the
     * stateless answer at most and costs the established client nothing.
     */
    private MultiInstance otherSession(MultiInstance old, ByteBuffer packet, SocketAddress source) {
        MultiInstance m = admitStranger(packet, source, true);
        if (m != null) {
            log.info(source + " started a new session: client " + m.clientId + " replaces client " + old.clientId);
            old.owner.post(() -> old.owner.close(old, "its client restarted from " + source + " (client " + m.clientId + ")"));
        }
        return m;
    }

    /**
     * The engine's stateless admission for a packet no instance takes: answered, dropped (counted), or
     * a new instance. {@code replacing}: an instance of this address is about to close, so it does not
     * count against {@code --max-clients}.
     */
    private MultiInstance admitStranger(ByteBuffer packet, SocketAddress source, boolean replacing) {
        replyBatch.clear();
        ServerEngines.Admission admission = engines.admit(packet, source, replyBatch.slot(0));
        if (admission == ServerEngines.Admission.REPLY) {
            sendStatelessReply(source);
            return null;
        }
        if (admission != ServerEngines.Admission.CREATE) {
            counters.drop(DropReason.UNKNOWN_PEER);
            return null;
        }
        if (byClientId.size() - (replacing ? 1 : 0) >= plan.maxClients()) {
            counters.drop(DropReason.MAX_CLIENTS);
            warnMaxClients(source);
            return null;
        }
        return createInstance(source, packet);
    }

    /**
     * OpenVPN's warning for a connection {@code --max-clients} refuses; a refused client retries, so it
     * is logged at most once a second (the drops are counted anyway).
     */
    private void warnMaxClients(SocketAddress source) {
        long now = clock.millis();
        if (now - nextMaxClientsWarning >= 0) {
            nextMaxClientsWarning = now + 1000;
            log.warn("MULTI: new incoming connection would exceed maximum number of clients (" + plan.maxClients() + "), from " + source);
        }
    }

    /**
     * Sends the engine's stateless answer to {@code to} at once. While the link has a run pending for
     * another address the answer is dropped (the client sends its reset again): nothing waits for a
     * stranger.
     */
    private void sendStatelessReply(SocketAddress to) {
        if (linkSent < linkBatch.count()) {
            counters.drop(DropReason.QUEUE_FULL);
            return;
        }
        try {
            replyBatch.count(1);
            link.remote(to);
            if (link.send(replyBatch, 0) == 1) {
                counters.linkWrite(replyBatch.slot(0).remaining());
            } else {
                counters.drop(DropReason.QUEUE_FULL);
            }
        } catch (IOException e) {
            counters.drop(DropReason.WRITE_REJECTED);
        }
    }

    /** Link thread: a new instance for {@code source}, its engine without a cookie when {@code first} is null (TCP); null when none. */
    MultiInstance createInstance(SocketAddress source, ByteBuffer first) {
        long cid = nextClientId.getAndIncrement();
        PeerSession session;
        try {
            session = engines.newSession(cid, source);
        } catch (Exception e) {
            counters.drop(DropReason.INTERNAL_ERROR);
            log.warn("server: no session for " + source + ": " + e);
            return null;
        }
        ServerDataThread least = threads[0];
        for (ServerDataThread t : threads) {
            if (t.load.get() < least.load.get()) {
                least = t;
            }
        }
        ServerDataThread owner = least;
        owner.load.incrementAndGet();
        MultiInstance m = new MultiInstance(cid, session, owner, source, Instant.now());
        if (first != null && first.remaining() >= 9) {
            m.clientSessionId = first.getLong(first.position() + 1);
            m.clientSessionKnown = true;
        }
        byAddress.put(source, m);
        byClientId.put(cid, m);
        owner.post(() -> owner.adopt(m));
        log.info(source + " new client " + cid + " on data thread " + owner.index);
        return m;
    }

    /** {@code multi_process_incoming_tun}: the destination's owner, or every client for broadcast and multicast. */
    private void processIncomingTun() {
        long now = clock.millis();
        for (int i = 0, n = tunIn.count(); i < n; i++) {
            ByteBuffer slot = tunIn.slot(i);
            counters.tunRead(slot.remaining());
            try {
                int flags = Mroute.extract(slot, plan.tap(), src, dst);
                if ((flags & Mroute.SUCCEEDED) == 0) {
                    counters.drop(DropReason.MALFORMED);
                } else if ((flags & (Mroute.BCAST | Mroute.MCAST)) != 0) {
                    toAllClients(slot, null, counters);
                } else {
                    MultiInstance m = mroute.lookup(dst, now);
                    if (m == null) {
                        counters.drop(DropReason.NO_ROUTE);
                    } else {
                        m.owner.handOver(slot, Handoff.FROM_TUN, m, null, counters);
                    }
                }
            } catch (RuntimeException | AssertionError | StackOverflowError e) {
                counters.drop(DropReason.INTERNAL_ERROR);
                log.warn("server: a tun packet failed the routing: " + e);
            }
        }
    }

    /** Broadcast and multicast: to every established client but {@code except}. Any thread. */
    void toAllClients(ByteBuffer slot, MultiInstance except, Counters counting) {
        for (MultiInstance m : byClientId.values()) {
            if (m != except && m.established && !m.halted) {
                m.owner.handOver(slot, Handoff.FROM_TUN, m, null, counting);
            }
        }
    }

    /** A data thread's packet for the tun. */
    void toTun(ByteBuffer slot, Counters counting) {
        int r = tunOut.offer(slot, Handoff.FROM_TUN, null, null);
        if (r == 1) {
            eventSet.wakeup();
        } else if (r < 0) {
            counting.drop(DropReason.QUEUE_FULL);
        }
    }

    /** A data thread's packet for client {@code m}'s address; false when dropped (counted). */
    boolean toLink(ByteBuffer slot, MultiInstance m, Counters counting) {
        int r = linkOut.offer(slot, Handoff.FROM_LINK, m, m.real);
        if (r == 1) {
            eventSet.wakeup();
        } else if (r < 0) {
            counting.drop(DropReason.QUEUE_FULL);
            return false;
        }
        return true;
    }

    /**
     * {@code multi_process_float}: a packet of {@code m} that decrypted came from {@code to}. Refused
     * when another client with another common name holds that address; one with the same name is closed.
     */
    boolean processFloat(MultiInstance m, SocketAddress to) {
        MultiInstance other = byAddress.get(to);
        if (other != null && other != m) {
            if (!other.commonName.equals(m.commonName)) {
                log.warn("server: client " + m.clientId + " may not float to " + to + ", which client " + other.clientId + " holds");
                return false;
            }
            other.owner.post(() -> other.owner.close(other, "its address was taken by a float of client " + m.clientId));
        }
        SocketAddress from = m.real;
        byAddress.put(to, m);
        byAddress.remove(from, m);
        m.real = to;
        log.info(m + " floated from " + from + " to " + to);
        return true;
    }

    /**
     * {@code multi_connection_established}: the client's name, address (from {@link ClientAddressing}),
     * iroutes and peer-id go into the tables. On its data thread. False when it gets no address.
     */
    boolean connectionEstablished(MultiInstance m) {
        PeerSession s = m.session;
        String cn = engines.commonName(m);
        m.commonName = cn == null ? org.culvert.api.tunnel.ServerClient.UNDEF : cn;
        String user = engines.username(s);
        if (user != null) {
            m.username = user;
        }
        String cipher = engines.dataCipher(s);
        m.dataCipher = cipher == null ? "" : cipher;
        if (!m.connectTold) {
            publish(ServerClientEvent.Kind.CONNECT, m, "", false, Math.max(0, s.keyGeneration() - 1));
        }
        deleteDuplicates(m, cn); // the engine may have done it before choosing the address
        // The engine chose the addresses before its PUSH_REPLY (as OpenVPN does before the keys); else the pool now.
        ClientAddressing.Lease lease = m.lease() != null ? m.lease() : addressing.acquire(m.commonName);
        if (lease == null) {
            log.warn("MULTI: no free address for " + m);
            return false;
        }
        m.lease(lease);
        long now = clock.millis();
        Mroute.Addr a = new Mroute.Addr();
        if (lease.ipv4() != null && Mroute.parse(lease.ipv4(), a)) {
            mroute.addHost(a, m, now);
            m.virtualAddress = lease.ipv4();
            log.info("MULTI: primary virtual IP for " + m + ": " + lease.ipv4());
            publish(ServerClientEvent.Kind.ADDRESS, m, lease.ipv4(), true);
        }
        if (lease.ipv6() != null && Mroute.parse(lease.ipv6(), a)) {
            mroute.addHost(a, m, now);
            m.virtualIpv6Address = lease.ipv6();
            log.info("MULTI: primary virtual IPv6 for " + m + ": " + lease.ipv6());
            publish(ServerClientEvent.Kind.ADDRESS, m, lease.ipv6(), true);
        }
        for (String iroute : lease.iroutes()) {
            int slash = iroute.indexOf('/');
            String net = slash < 0 ? iroute : iroute.substring(0, slash);
            if (!Mroute.parse(net, a)) {
                log.warn("MULTI: bad iroute " + iroute + " for " + m);
                continue;
            }
            int bits = slash < 0 ? Mroute.hostBits(a.kind) : Integer.parseInt(iroute.substring(slash + 1));
            mroute.addIroute(a, bits, m, now);
            log.info("MULTI: internal route " + iroute + " -> " + m);
            publish(ServerClientEvent.Kind.ADDRESS, m, iroute, false);
        }
        peerIdAssigned(m, engines.peerId(s));
        m.established = true;
        publish(ServerClientEvent.Kind.ESTABLISHED, m, "", false);
        return true;
    }

    /**
     * Makes {@code m} the owner of its {@code P_DATA_V2} packets with {@code peerId}, as soon as the engine
     * chose the id (before its PUSH_REPLY, as OpenVPN's instance holds its id from the start): the client's
     * first data packets may overtake the ACK that activates its key on the link thread, and must then
     * queue behind it on the client's data thread rather than be dropped as from an unknown peer. Any thread.
     */
    void peerIdAssigned(MultiInstance m, int peerId) {
        if (peerId < 0 || peerId == NO_PEER_ID || m.peerId == peerId) {
            return;
        }
        MultiInstance holder = byPeerId.putIfAbsent(peerId, m);
        if (holder == m) {
            m.peerId = peerId;
        } else {
            log.warn("MULTI: peer-id " + peerId + " of " + m + " is taken by client " + holder.clientId + "; its DATA_V2 packets are dropped");
        }
    }

    /**
     * {@code multi_delete_dup} before the address is chosen, as OpenVPN does: unless
     * {@code --duplicate-cn}, the other clients of {@code cn} close, and their addresses go back to the
     * pool now, so that the name gets its address again. The new client's data thread.
     */
    void deleteDuplicates(MultiInstance m, String cn) {
        if (plan.duplicateCn() || cn == null || m.duplicatesDeleted) {
            return;
        }
        m.duplicatesDeleted = true;
        int count = 0;
        for (MultiInstance other : byClientId.values()) {
            if (other != m && cn.equals(other.commonName) && !other.halted) {
                ClientAddressing.Lease lease = other.takeLease();
                if (lease != null) {
                    addressing.release(lease);
                }
                other.owner.post(() -> other.owner.close(other, "duplicate common name " + cn + " (client " + m.clientId + ")"));
                count++;
            }
        }
        if (count > 0) {
            // OpenVPN's words, so that an operator reading either server's log finds the option
            log.info("MULTI: new connection by client '" + cn + "' will cause previous active sessions by this client to be dropped.  "
                    + "Remember to use the --duplicate-cn option if you want multiple clients using the same certificate or username to concurrently connect.");
        }
    }

    /** {@code multi_close_instance}, after its data thread let it go: out of every table, address released. */
    void closed(MultiInstance m, String why) {
        mroute.removeOwner(m);
        byAddress.remove(m.real, m);
        byClientId.remove(m.clientId, m);
        if (m.peerId >= 0) {
            byPeerId.remove(m.peerId, m);
        }
        m.owner.inbound.forget(m);
        linkOut.forget(m);
        ClientAddressing.Lease lease = m.takeLease();
        if (lease != null) {
            addressing.release(lease);
        }
        engines.closed(m);
        m.session.close();
        if (tcp != null) {
            tcp.instanceClosed(m);
        }
        log.info(m + " closed (client " + m.clientId + "): " + why);
        publish(ServerClientEvent.Kind.DISCONNECT, m, "", false);
        if (notifyRequested) {
            eventSet.wakeup(); // the stop may be waiting for the clients it told to go
        }
    }

    void publish(ServerClientEvent.Kind kind, MultiInstance m, String address, boolean primary) {
        publish(kind, m, address, primary, 0);
    }

    /**
     * @param keyId for CONNECT and REAUTH, OpenVPN's {@code mda_key_id}: counted per client from 0 for its
     *     first key, one more for each renegotiated key (the session's key generation less one)
     */
    void publish(ServerClientEvent.Kind kind, MultiInstance m, String address, boolean primary, long keyId) {
        try {
            events.accept(new ServerClientEvent(kind, m.snapshot(), address, primary, envOf(m), keyId));
        } catch (RuntimeException e) {
            log.warn("server: a client event failed: " + e);
        }
    }

    private Map<String, String> envOf(MultiInstance m) {
        Map<String, String> env = new java.util.HashMap<>(engines.environment(m.session));
        env.put("common_name", m.commonName);
        if (!org.culvert.api.tunnel.ServerClient.UNDEF.equals(m.username)) {
            env.put("username", m.username);
        }
        SocketAddress r = m.real;
        if (r instanceof InetSocketAddress) {
            InetSocketAddress i = (InetSocketAddress) r;
            env.put("untrusted_ip", i.getHostString());
            env.put("untrusted_port", Integer.toString(i.getPort()));
        } else {
            env.put("untrusted_ip", String.valueOf(r));
        }
        return env;
    }

    // --- the TunnelServer view (any thread) ---

    List<MultiInstance> instances() {
        List<MultiInstance> all = new ArrayList<>(byClientId.values());
        all.sort(Comparator.comparingLong(m -> m.clientId));
        return all;
    }

    List<MrouteTable.Route<MultiInstance>> routes() {
        return mroute.routes();
    }

    /** {@code client-kill CID [message]}. */
    boolean clientKill(long clientId, String message) {
        MultiInstance m = byClientId.get(clientId);
        if (m == null) {
            return false;
        }
        String msg = message == null ? "RESTART" : message;
        m.owner.post(() -> m.owner.clientKill(m, msg));
        return true;
    }

    /** {@code kill cn} / {@code kill addr:port}: closes the matches at once, sending nothing. */
    /** The management's client-auth/client-deny: false for an unknown CID or a key awaiting no verdict. */
    boolean clientAuth(long clientId, long keyId, boolean allow, List<String> configLines, String clientReason) {
        MultiInstance m = byClientId.get(clientId);
        return m != null && !m.halted && engines.clientAuth(m, this, keyId, allow, configLines, clientReason);
    }

    /** The management's client-pending-auth. */
    boolean clientPendingAuth(long clientId, long keyId, String extra, int timeoutSeconds) {
        MultiInstance m = byClientId.get(clientId);
        return m != null && !m.halted && engines.clientPendingAuth(m, this, keyId, extra, timeoutSeconds);
    }

    int kill(String commonNameOrAddress) {
        int n = 0;
        for (MultiInstance m : byClientId.values()) {
            if (commonNameOrAddress.equals(m.commonName) || commonNameOrAddress.equals(addressText(m.real))) {
                m.owner.post(() -> m.owner.close(m, "killed by the operator"));
                n++;
            }
        }
        return n;
    }

    /** {@code a.b.c.d:port} as OpenVPN's kill takes it, or the address's own text. */
    static String addressText(SocketAddress a) {
        if (a instanceof InetSocketAddress) {
            InetSocketAddress i = (InetSocketAddress) a;
            return (i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString()) + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    /** The server's counters: the link thread's and every data thread's. Allocates. */
    TunnelCounters counters() {
        TunnelCounters sum = counters.snapshot();
        for (ServerDataThread t : threads) {
            sum = Counters.sum(sum, t.counters.snapshot());
        }
        return handshakes.counters(sum, Counters::sum);
    }

    /** Clients, counted against {@code --max-clients}. Any thread. */
    int clientCount() {
        return byClientId.size();
    }

    /** The client at link address {@code a}, or null. */
    MultiInstance instanceAt(SocketAddress a) {
        return a == null ? null : byAddress.get(a);
    }

    int dataThreads() {
        return threads.length;
    }
}
