package org.culvert.tunnel.internal;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunException;
import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.DropReason;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.TimerEvent;

/**
 * OpenVPN's point-to-point loop ({@code tunnel_point_to_point} in {@code openvpn.c}, {@code io_wait}
 * and {@code process_io} in {@code forward.c}) over one tun device, one link socket and one event set.
 *
 * <p>Each turn computes the wait flags the way {@code p2p_iow_flags} and {@code io_wait_dowork} do
 * — read tun and link, except that a packet waiting for the link replaces tun-read interest with
 * link-write interest, and a packet waiting for the tun replaces link-read interest with tun-write
 * interest (backpressure) — waits, and then processes outgoing link, outgoing tun, incoming link,
 * incoming tun, in that order. Unlike OpenVPN, which handles one event per wait with one buffer per
 * direction, every step here moves a whole batch, and a freshly filled batch is offered to its
 * output at once (the write usually succeeds, saving a wait).
 *
 * <p>No packet can end the loop: an exception thrown while handling one packet (by the engine, the
 * codec, the MSS clamp or the loop's own bookkeeping) is caught at that packet, counted as
 * {@link DropReason#INTERNAL_ERROR}, logged at a bounded rate ({@link FaultLog}), and the rest of the
 * batch goes on. Only when the session itself keeps failing outside packets (its timers or its own
 * output throw on {@value #SESSION_FAULT_LIMIT} turns in a row) does the loop end with
 * {@link Exit#INTERNAL_ERROR}, for a soft restart with a fresh session, as OpenVPN's SIGUSR1 after a
 * fatal TLS error.
 *
 * <p>The peer address (OpenVPN's {@code link_socket_set_outgoing_addr}): a known peer moves, under
 * {@code --float} only, to the source of an authenticated <em>data</em> packet, never of a control
 * packet, which may be a replay or a forgery (CVE-2020-11810). A listening side without
 * {@code --remote} learns its first peer from the first packet the engine accepts, control packets
 * included, because the TLS handshake it answers comes before any data packet.
 *
 * <p>Confined to the tunnel thread except {@link #requestExit}. Allocates nothing per packet.
 */
final class PointToPointLoop {
    /** Event-set tags, as OpenVPN's {@code SOCKET_SHIFT} and {@code TUN_SHIFT}. */
    static final int SOCKET_TAG = 0;
    static final int TUN_TAG = 2;

    /** Why {@link #run()} returned. */
    enum Exit {
        STOP_REQUESTED,
        /** An operator's SIGUSR1 or SIGHUP. */
        RESTART_REQUESTED, PLUGIN_GONE, PING_RESTART, PING_EXIT, INACTIVE, PEER_EXIT, DECRYPT_ERROR, HANDSHAKE_FAILED,
        /** The session's timers or output threw on {@value PointToPointLoop#SESSION_FAULT_LIMIT} turns in a row. */
        INTERNAL_ERROR,
        /** No answer from the server within {@code --server-poll-timeout} (see {@link PeerSession#serverPollExpired}). */
        SERVER_POLL_TIMEOUT
    }

    /** Turns in a row with a session fault (timers, own output) after which the session is given up. */
    static final int SESSION_FAULT_LIMIT = 10;
    private static final long FAULT_WAIT_MILLIS = 1000;

    /** The device; in pull mode a placeholder until the server's options are known, then the real one. */
    private TunDevice tun;
    /** Pull mode: opens the device for the server's pushed options; null when the device exists from the start. */
    private DeviceOpener deviceOpener;

    /** Pull mode: the runner's part of OpenVPN's do_up, on the loop thread. */
    interface DeviceOpener {
        /** Opens (or keeps, under persist-tun) the device for {@code pushed}, with its addresses and routes. */
        TunDevice open(org.culvert.openvpn.config.PushedOptions pushed) throws IOException;
    }
    private final LinkSocket link;
    private final EventSet eventSet;
    private final PeerSession session;
    private final Counters counters;
    private final LoopClock clock;
    private final boolean streamLink;
    private final boolean floatAllowed;
    private final TunnelLog log;
    private final ReadyEvents ready = new ReadyEvents(4);

    /** c2.buf from the tun: read, encapsulated in place, then it is OpenVPN's to_link. */
    private final PacketBatch tunBatch;
    /** c2.buf from the link: read, decapsulated in place, then it is OpenVPN's to_tun. */
    private final PacketBatch linkBatch;
    /** The engine's own packets: pings, OCC, exit notification. */
    private final PacketBatch controlBatch;

    /** The batch waiting for the link (tunBatch or controlBatch), or null. */
    private PacketBatch toLink;
    private int toLinkIndex;
    /** Packets linkBatch[toTunIndex..count) still wait for the tun. */
    private int toTunIndex;

    private int socketInterest = -1;
    private int tunInterest = -1;
    /** The last tun read filled the batch: read again before waiting. */
    private boolean tunFull;
    private volatile Exit exitRequest;
    private boolean peerAnnounced;
    private final Runnable onUp;
    private final Runnable onNewKeys;
    private int keyGeneration;
    private boolean upAnnounced;
    private final FaultLog faults;
    /** A session-level call threw during the current turn. */
    private boolean sessionFaultThisTurn;
    private int sessionFaultTurns;
    /** {@code --block-ipv6}, or null. */
    private Ipv6Blocker ipv6Blocker;
    /** Told WAIT, AUTH, GET_CONFIG and AUTH_PENDING of OpenVPN's client states; see {@link #onClientState}. */
    private java.util.function.BiConsumer<ClientState, String> clientSteps = (s, d) -> { };
    /** Pull mode: told each PUSH_REPLY after the first; see {@link #onLaterPush}. */
    private java.util.function.Consumer<org.culvert.openvpn.config.PushedOptions> laterPush = p -> { };
    /** WAIT was told and the peer's first accepted packet (AUTH) not yet seen. */
    private boolean awaitingAuth;
    /** The last link read filled the batch: the socket may hold packets its readability does not show. */
    private boolean linkMayHoldMore;

    PointToPointLoop(TunDevice tun, LinkSocket link, EventSet eventSet, PeerSession session, Counters counters,
            LoopClock clock, boolean floatAllowed, int batchSize, int maxPayload, int maxLinkPacket, TunnelLog log, Runnable onUp) {
        this(tun, link, eventSet, session, counters, clock, floatAllowed, batchSize, maxPayload, maxLinkPacket, log, onUp, () -> { });
    }

    /** @param onNewKeys runs on the loop thread whenever the engine made new data-channel keys (handshake, renegotiation) */
    PointToPointLoop(TunDevice tun, LinkSocket link, EventSet eventSet, PeerSession session, Counters counters,
            LoopClock clock, boolean floatAllowed, int batchSize, int maxPayload, int maxLinkPacket, TunnelLog log, Runnable onUp,
            Runnable onNewKeys) {
        this.onUp = onUp;
        this.onNewKeys = onNewKeys;
        this.tun = tun;
        this.link = link;
        this.eventSet = eventSet;
        this.session = session;
        this.counters = counters;
        this.clock = clock;
        this.streamLink = link.protocol().isStream();
        this.floatAllowed = floatAllowed;
        this.log = log;
        this.faults = new FaultLog(log, clock);
        int headroom = session.headroom();
        // A slot must hold the largest sealed tun packet and the largest packet the link may deliver.
        int slotSize = headroom + Math.max(maxPayload + session.tailroom(), maxLinkPacket);
        this.tunBatch = PacketBatch.allocate(Math.min(batchSize, Math.max(1, tun.batchSize())), headroom, slotSize);
        this.linkBatch = PacketBatch.allocate(Math.min(batchSize, Math.max(1, link.batchSize())), headroom, slotSize);
        this.controlBatch = PacketBatch.allocate(1, headroom, slotSize);
        this.linkBatch.count(0);
        this.peerAnnounced = link.remote() != null;
    }

    /** {@code --block-ipv6}: IPv6 packets from the tun are answered by {@code blocker} and not sent. Before {@link #run()}. */
    void blockIpv6(Ipv6Blocker blocker) {
        this.ipv6Blocker = blocker;
    }

    /**
     * Where to tell OpenVPN's WAIT (the first handshake packet is out: ssl.c session_move_pre_start)
     * and AUTH (the peer's first packet passed tls-auth/tls-crypt: ssl.c tls_pre_decrypt), with an
     * empty description; only sessions with a handshake have them. In pull mode also GET_CONFIG and
     * AUTH_PENDING (with the server's keywords), as the engine sets them. Set before {@link #run()}.
     */
    void onClientState(java.util.function.BiConsumer<ClientState, String> steps) {
        this.clientSteps = steps;
    }

    /** Pull mode: where a PUSH_REPLY after the first goes (a renewed auth-token); loop thread. Set before {@link #run()}. */
    void onLaterPush(java.util.function.Consumer<org.culvert.openvpn.config.PushedOptions> handler) {
        this.laterPush = handler;
    }

    /**
     * Pull mode: the loop starts without a device (link and engine only); once the engine has the
     * server's final PUSH_REPLY, {@code opener} opens the device and only then do the data keys exist.
     */
    void deviceOpener(DeviceOpener opener) {
        this.deviceOpener = opener;
    }

    /** Any thread: makes {@link #run()} return {@code why} soon. The first request wins. */
    void requestExit(Exit why) {
        if (exitRequest == null) {
            exitRequest = why;
        }
        eventSet.wakeup();
    }

    /**
     * Runs until asked to exit, a timer ends the session, or a device or link error.
     *
     * @throws TunException  when the tun device fails
     * @throws LinkException when the link fails (a reset stream, a bad frame)
     */
    Exit run() throws IOException {
        try {
            return loop();
        } finally {
            faults.flush();
        }
    }

    private Exit loop() throws IOException {
        eventSet.ctl(link.waitable(), 0, SOCKET_TAG);
        if (tun.waitable() != null) {
            eventSet.ctl(tun.waitable(), 0, TUN_TAG);
        }
        sendSessionOutput();
        if (!session.isUp()) {
            awaitingAuth = true;
            clientSteps.accept(ClientState.WAIT, "");
        }
        while (true) {
            Exit exit = exitRequest;
            if (exit != null) {
                return exit;
            }
            if (sessionFaultThisTurn) {
                sessionFaultThisTurn = false;
                if (++sessionFaultTurns >= SESSION_FAULT_LIMIT) {
                    return Exit.INTERNAL_ERROR;
                }
            } else {
                sessionFaultTurns = 0;
            }
            if (deviceOpener != null) {
                pullPhase();
            }
            announceUpAndKeys();
            ioWait();
            int socketStatus = ready.flagsFor(SOCKET_TAG);
            int tunStatus = ready.flagsFor(TUN_TAG);
            // process_io: writes drain before reads.
            if ((socketStatus & EventSet.WRITE) != 0) {
                processOutgoingLink();
            }
            if ((tunStatus & EventSet.WRITE) != 0) {
                processOutgoingTun();
            }
            if (((socketStatus & EventSet.READ) != 0 || linkMayHoldMore) && !toTunPending()) {
                readIncomingLink();
                processIncomingLink();
                if (exitRequest != null) {
                    continue;
                }
            }
            if (((tunStatus & EventSet.READ) != 0 || tunFull && link.remote() != null) && toLink == null) {
                readIncomingTun();
                processIncomingTun();
            }
            exit = checkTimers();
            if (exit != null) {
                return exit;
            }
            sendSessionOutput();
        }
    }

    /** Pull mode: logs what the engine has to say, and opens the device once the push is in. */
    private void pullPhase() throws IOException {
        for (String line = session.pollNotice(); line != null; line = session.pollNotice()) {
            log.info(line);
        }
        for (org.culvert.openvpn.tls.PullEvent e = session.pollPullEvent(); e != null; e = session.pollPullEvent()) {
            switch (e.kind()) {
                case GET_CONFIG:
                    clientSteps.accept(ClientState.GET_CONFIG, "");
                    break;
                case AUTH_PENDING:
                    clientSteps.accept(ClientState.AUTH_PENDING, e.detail());
                    break;
                default:
                    openPulledDevice(); // the first push's values come before a later one's
                    laterPush.accept(e.pushed());
                    break;
            }
        }
        openPulledDevice();
    }

    /** Once the first push is in: the device is opened for it and the data keys made (once). */
    private void openPulledDevice() throws IOException {
        if (!session.pushReady()) {
            return;
        }
        // client state: ASSIGN_IP (OpenVPN's do_up opens the device: ifconfig, then routes)
        TunDevice device = deviceOpener.open(session.pushed());
        // client state: ADD_ROUTES (the driver added the routes with the device)
        // The placeholder had nothing to wait on; the device joins the event set as at the loop's start.
        tun = device;
        tunInterest = -1;
        if (tun.waitable() != null) {
            eventSet.ctl(tun.waitable(), 0, TUN_TAG);
        }
        session.installPushedKeys();
    }

    /** "Initialization Sequence Completed" once, and a note of each new key generation. */
    private void announceUpAndKeys() {
        try {
            if (!upAnnounced && session.isUp()) {
                upAnnounced = true;
                onUp.run();
            }
            int generation = session.keyGeneration();
            if (generation != keyGeneration) {
                keyGeneration = generation;
                onNewKeys.run();
            }
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            sessionFault("session state", e);
        }
    }

    /** A session-level call threw: counted, logged at a bounded rate, and it counts toward giving the session up. */
    private void sessionFault(String where, Throwable e) {
        counters.drop(DropReason.INTERNAL_ERROR);
        faults.record(where, e);
        sessionFaultThisTurn = true;
    }

    /** One packet's handling threw: it is dropped and counted; the batch goes on. */
    private void packetFault(String where, Throwable e) {
        counters.drop(DropReason.INTERNAL_ERROR);
        faults.record(where, e);
    }

    private boolean toTunPending() {
        return toTunIndex < linkBatch.count();
    }

    /** p2p_iow_flags + io_wait_dowork: socket_set, tun_set, then event_wait. */
    private void ioWait() throws IOException {
        boolean toLinkPending = toLink != null;
        boolean toTunPending = toTunPending();
        int socket = (toLinkPending ? EventSet.WRITE : 0) | (toTunPending ? 0 : EventSet.READ);
        // Without a known peer there is nowhere to send tun packets: leave them in the kernel.
        int tunWanted = (toTunPending ? EventSet.WRITE : 0) | (toLinkPending || link.remote() == null ? 0 : EventSet.READ);
        socketSet(socket);
        tunSet(tunWanted);
        long timeout;
        try {
            // A read that filled the batch may have left packets in the device (a split GSO packet's
            // segments): look at the events without waiting, and read again (the loop does when tunFull).
            timeout = tunFull && (tunWanted & EventSet.READ) != 0 ? 0 : Math.max(0, session.nextTimerMillis() - clock.millis());
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            sessionFault("nextTimerMillis", e);
            timeout = FAULT_WAIT_MILLIS;
        }
        eventSet.wait(linkMayHoldMore && !toTunPending ? 0 : timeout, ready);
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
        // A device without a waitable (dev null) is never readable and takes every write: nothing to wait on.
        if (interest != tunInterest && tun.waitable() != null) {
            eventSet.ctl(tun.waitable(), interest, TUN_TAG);
            tunInterest = interest;
        }
    }

    /** Sends what waits for the link; what the socket does not take stays pending (to_link). */
    private void processOutgoingLink() throws LinkException {
        PacketBatch batch = toLink;
        if (batch == null) {
            return;
        }
        int sent = link.send(batch, toLinkIndex);
        for (int i = toLinkIndex, end = toLinkIndex + sent; i < end; i++) {
            counters.linkWrite(batch.slot(i).remaining());
        }
        toLinkIndex += sent;
        if (toLinkIndex >= batch.count()) {
            toLink = null;
            toLinkIndex = 0;
        }
    }

    /** Writes what waits for the tun; the rest stays pending (to_tun). */
    private void processOutgoingTun() throws TunException {
        if (!toTunPending()) {
            return;
        }
        int written = tun.write(linkBatch, toTunIndex);
        for (int i = toTunIndex, end = toTunIndex + written; i < end; i++) {
            counters.tunWrite(linkBatch.slot(i).remaining());
        }
        toTunIndex += written;
        if (!toTunPending()) {
            linkBatch.count(0);
            toTunIndex = 0;
        }
    }

    private void readIncomingLink() throws LinkException {
        linkBatch.clear();
        link.receive(linkBatch);
        // A full batch may have left packets behind (a UDP GRO buffer split past its end, which the
        // socket's readability no longer shows): read again before waiting.
        linkMayHoldMore = linkBatch.count() == linkBatch.capacity();
    }

    /** Authenticates and decrypts each received packet in place; keeps those bound for the tun. */
    private void processIncomingLink() throws TunException {
        int n = linkBatch.count();
        int kept = 0;
        SocketAddress remote = link.remote();
        for (int i = 0; i < n; i++) {
            ByteBuffer slot = linkBatch.slot(i);
            counters.linkRead(slot.remaining());
            SocketAddress source = linkBatch.source(i);
            if (source != null && remote != null && !floatAllowed) {
                counters.drop(DropReason.UNKNOWN_PEER);
                continue;
            }
            try {
                if (incomingPacket(i, kept, slot, source)) {
                    kept++;
                }
            } catch (RuntimeException | AssertionError | StackOverflowError e) {
                packetFault("decapsulate", e);
            }
            remote = link.remote();
        }
        linkBatch.count(kept);
        toTunIndex = 0;
        processOutgoingTun();
    }

    /** Handles link packet {@code i}; true when it is kept for the tun (then moved to slot {@code kept}). */
    private boolean incomingPacket(int i, int kept, ByteBuffer slot, SocketAddress source) {
        Incoming verdict = session.decapsulate(slot);
        if (awaitingAuth && verdict != Incoming.DROP) {
            awaitingAuth = false;
            clientSteps.accept(ClientState.AUTH, "");
        }
        boolean data = verdict != Incoming.DROP && session.lastAcceptedWasData();
        if (data) {
            // OpenVPN's "Auth read bytes": the decrypted payload of authentic data packets.
            counters.linkAuthRead(slot.remaining());
        }
        switch (verdict) {
            case TUN_PACKET:
                learnPeer(source, true);
                if (kept != i) {
                    moveSlot(linkBatch, i, kept);
                }
                return true;
            case CONSUMED:
                learnPeer(source, data);
                return false;
            case PEER_EXIT:
                learnPeer(source, data);
                requestExit(Exit.PEER_EXIT);
                return false;
            default:
                DropReason reason = session.lastDropReason();
                counters.drop(reason);
                // OpenVPN restarts a TCP connection on any data-channel authentication or replay failure.
                if (streamLink && session.lastDropFailedDataChannel()) {
                    requestExit(Exit.DECRYPT_ERROR);
                }
                return false;
        }
    }

    /**
     * A packet the engine accepted came from {@code source} (null: from the current peer). A side without
     * a peer learns it from any accepted packet (the TLS handshake must be answered); a known peer moves
     * only for an authenticated data packet (the loop already dropped other sources without --float).
     */
    private void learnPeer(SocketAddress source, boolean data) {
        if (source == null) {
            return;
        }
        if (!peerAnnounced) {
            link.remote(source);
            peerAnnounced = true;
            log.info("Peer Connection Initiated with " + source);
        } else if (data) {
            link.remote(source);
            log.info("Peer floated to " + source);
        }
    }

    private void readIncomingTun() throws TunException {
        tunBatch.clear();
        tunFull = tun.read(tunBatch) == tunBatch.capacity();
    }

    /** Encrypts each packet read from the tun in place and offers the batch to the link. */
    private void processIncomingTun() throws LinkException {
        int n = tunBatch.count();
        int kept = 0;
        for (int i = 0; i < n; i++) {
            ByteBuffer slot = tunBatch.slot(i);
            counters.tunRead(slot.remaining());
            if (ipv6Blocker != null && ipv6Blocker.intercept(slot)) {
                continue;
            }
            DropReason dropped;
            try {
                dropped = session.encapsulate(slot);
            } catch (RuntimeException | AssertionError | StackOverflowError e) {
                packetFault("encapsulate", e);
                continue;
            }
            if (dropped != null) {
                counters.drop(dropped);
                continue;
            }
            if (kept != i) {
                moveSlot(tunBatch, i, kept);
            }
            kept++;
        }
        tunBatch.count(kept);
        if (kept > 0) {
            toLink = tunBatch;
            toLinkIndex = 0;
            processOutgoingLink();
        }
    }

    /** Pings, OCC answers and exit notifications go out when the link has nothing else pending. */
    private void sendSessionOutput() throws LinkException {
        while (toLink == null && link.remote() != null) {
            controlBatch.clear();
            ByteBuffer slot = controlBatch.slot(0);
            try {
                if (!session.pollOutgoing(slot, controlBatch.headroom())) {
                    return;
                }
            } catch (RuntimeException | AssertionError | StackOverflowError e) {
                // Nothing is sent this turn; the next turn asks again.
                sessionFault("pollOutgoing", e);
                return;
            }
            controlBatch.count(1);
            toLink = controlBatch;
            toLinkIndex = 0;
            processOutgoingLink();
        }
    }

    private Exit checkTimers() {
        if (session.serverPollExpired(clock.millis())) {
            return Exit.SERVER_POLL_TIMEOUT;
        }
        TimerEvent event;
        try {
            event = session.checkTimers();
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            sessionFault("checkTimers", e);
            return null;
        }
        switch (event) {
            case PING_RESTART:
                return Exit.PING_RESTART;
            case PING_EXIT:
                return Exit.PING_EXIT;
            case INACTIVE:
                return Exit.INACTIVE;
            case HANDSHAKE_FAILED:
                return Exit.HANDSHAKE_FAILED;
            default:
                return null;
        }
    }

    /** Sends the engine's exit notifications (UDP) until {@code untilMillis}; used on a clean stop. */
    void drainExitNotifications(long untilMillis) throws IOException {
        while (clock.millis() < untilMillis) {
            sendSessionOutput();
            if (toLink != null) {
                socketSet(EventSet.WRITE);
                tunSet(0);
            } else {
                socketSet(0);
                tunSet(0);
            }
            long next;
            try {
                next = session.nextTimerMillis();
            } catch (RuntimeException | AssertionError | StackOverflowError e) {
                sessionFault("nextTimerMillis", e);
                next = untilMillis;
            }
            eventSet.wait(Math.max(0, Math.min(untilMillis, next) - clock.millis()), ready);
            if ((ready.flagsFor(SOCKET_TAG) & EventSet.WRITE) != 0) {
                processOutgoingLink();
            }
            checkTimers();
        }
        faults.flush();
    }

    /** Copies slot {@code from}'s packet into slot {@code to}, same offsets; only after a drop mid-batch. */
    private static void moveSlot(PacketBatch batch, int from, int to) {
        ByteBuffer src = batch.slot(from);
        ByteBuffer dst = batch.slot(to);
        int pos = src.position();
        int lim = src.limit();
        dst.limit(dst.capacity()).position(pos);
        dst.put(src);
        src.position(pos);
        dst.limit(lim).position(pos);
        batch.source(to, batch.source(from));
    }
}
