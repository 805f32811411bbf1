package org.culvert.tunnel.internal;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.TimerEvent;

/**
 * One data-path thread of the server: it owns a share of the clients (their engines, timers and
 * packets), so that a client's packets keep their order and the crypto of many clients runs on many
 * cores. It waits on an event set of its own (from the event backend), woken when its
 * {@link Handoff} gets packets; the link thread and other data threads hand it packets, and it hands
 * the link thread what goes to the link or the tun. This is where OpenVPN's
 * {@code multi_process_incoming_link} (after the demultiplexing), {@code multi_process_incoming_tun}
 * (after the routing lookup), {@code multi_process_float}, {@code multi_connection_established} and
 * {@code multi_close_instance} happen, for the clients of this thread.
 *
 * <p>A client's TLS handshake runs here too, packet by packet, in the engine's bounded steps: a
 * handshake costs its own thread one private-key operation at a time, never the other threads.
 * Nothing a client sends can stop the thread: a packet that makes the engine throw is a counted drop,
 * a session whose timers throw is closed.
 */
final class ServerDataThread implements Runnable {
    private static final int OUTPUT_PER_CALL = 64;
    /** OpenVPN closes a client 5 s after its control-channel EXIT; a client-kill waits as long for the message to go out. */
    static final long KILL_DELAY_MILLIS = 2000;

    final int index;
    final Counters counters = new Counters();
    final Handoff inbound;
    private final ServerLoop server;
    private final EventSet events;
    private final ReadyEvents ready = new ReadyEvents(1);
    private final PacketBatch work;
    private final int[] kinds;
    private final Object[] owners;
    private final PacketBatch output;
    private final List<MultiInstance> mine = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Mroute.Addr src = new Mroute.Addr();
    private final Mroute.Addr dst = new Mroute.Addr();
    private final FaultLog faults;
    private volatile boolean stop;
    /** Clients owned, for placing new ones on the least loaded thread. */
    final java.util.concurrent.atomic.AtomicInteger load = new java.util.concurrent.atomic.AtomicInteger();
    private long nextTimers;
    /** The most link packets one client may have in this thread's queue: an eighth of it, at least a batch. */
    private final int perClientLinkCap;

    ServerDataThread(int index, ServerLoop server, EventSet events, int batchSize, int headroom, int slotSize, int handoffSlots) {
        this.index = index;
        this.server = server;
        this.events = events;
        this.inbound = new Handoff(handoffSlots, slotSize - headroom);
        this.perClientLinkCap = Math.max(batchSize, handoffSlots / 8);
        this.work = PacketBatch.allocate(batchSize, headroom, slotSize);
        this.kinds = new int[batchSize];
        this.owners = new Object[batchSize];
        this.output = PacketBatch.allocate(1, headroom, slotSize);
        this.faults = new FaultLog(server.log, server.clock);
    }

    /** Any thread: runs {@code command} on this thread soon (client-kill, kill, adopting a new client). */
    void post(Runnable command) {
        commands.add(command);
        events.wakeup();
    }

    /**
     * Any thread: an engine's late step for {@code m} (a verdict from the auth workers or the management)
     * runs on this thread, followed by what a packet from the client would bring: the engine's close
     * deadline, the keys' establishment, the session's output (the AUTH_FAILED or PUSH_REPLY goes out now,
     * not with the client's next packet) and its timers.
     */
    void postToClient(MultiInstance m, Runnable command) {
        post(() -> {
            command.run();
            if (!m.halted) {
                decide(m);
                established(m);
                sessionOutput(m);
                rearm(m);
            }
        });
    }

    /** Any thread: hands over a packet; counts a drop when the queue is full. */
    void handOver(ByteBuffer packet, int kind, MultiInstance instance, SocketAddress address, Counters counting) {
        if (kind == Handoff.FROM_LINK && !instance.mayQueueLink(perClientLinkCap)) {
            counting.drop(DropReason.QUEUE_FULL); // this client has its share of the queue already
            return;
        }
        int r = inbound.offer(packet, kind, instance, address);
        if (r < 0) {
            counting.drop(DropReason.QUEUE_FULL);
            return;
        }
        if (kind == Handoff.FROM_LINK) {
            instance.linkHanded();
        }
        if (r == 1) {
            events.wakeup();
        }
    }

    void requestStop() {
        stop = true;
        events.wakeup();
    }

    @Override
    public void run() {
        try {
            while (!stop) {
                turn();
            }
        } catch (IOException | RuntimeException e) {
            server.log.error("data thread " + index + " failed", e);
            server.requestExit();
        } finally {
            for (MultiInstance m : new ArrayList<>(mine)) {
                close(m, "server stopping");
            }
            faults.flush();
        }
    }

    private void turn() throws IOException {
        for (Runnable c = commands.poll(); c != null; c = commands.poll()) {
            c.run();
        }
        work.count(0);
        int n = inbound.drainTo(work, kinds, owners, false);
        for (int i = 0; i < work.count(); i++) {
            MultiInstance m = (MultiInstance) owners[i];
            owners[i] = null;
            if (m != null && kinds[i] == Handoff.FROM_LINK) {
                m.linkTaken();
            }
            if (m == null || m.halted) {
                continue;
            }
            try {
                if (kinds[i] == Handoff.FROM_LINK) {
                    incomingLink(m, work.slot(i), work.source(i));
                } else {
                    incomingTun(m, work.slot(i));
                }
            } catch (RuntimeException | AssertionError | StackOverflowError e) {
                counters.drop(DropReason.INTERNAL_ERROR);
                faults.record("client " + m.clientId, e);
            }
        }
        long now = server.clock.millis();
        if (now - nextTimers >= 0) {
            nextTimers = timers(now);
        }
        if (n == 0 && commands.isEmpty() && inbound.size() == 0) {
            events.wait(Math.max(1, nextTimers - server.clock.millis()), ready);
        }
    }

    /** A new client placed on this thread by the link thread. */
    void adopt(MultiInstance m) {
        mine.add(m);
        m.nextTimer = server.clock.millis();
        nextTimers = m.nextTimer;
    }

    /** {@code multi_process_incoming_link} for one packet of {@code m}, after the demultiplexing. */
    private void incomingLink(MultiInstance m, ByteBuffer slot, SocketAddress source) {
        int length = slot.remaining();
        counters.linkRead(length);
        m.read(length);
        PeerSession s = m.session;
        Incoming verdict = s.decapsulate(slot);
        boolean data = false;
        if (verdict == Incoming.DROP) {
            counters.drop(s.lastDropReason());
        } else {
            data = s.lastAcceptedWasData();
            if (data) {
                counters.linkAuthRead(slot.remaining());
                if (source != null && !source.equals(m.real)) {
                    if (!server.processFloat(m, source)) {
                        counters.drop(DropReason.UNKNOWN_PEER);
                        return;
                    }
                }
            }
            if (verdict == Incoming.TUN_PACKET) {
                fromClient(m, slot);
            } else if (verdict == Incoming.PEER_EXIT) {
                close(m, "client sent an exit notification");
                return;
            }
        }
        decide(m);
        established(m);
        sessionOutput(m);
        if (!data) {
            // a control packet may move the engine's timers earlier (retransmission, hand-window)
            rearm(m);
        }
    }

    private void rearm(MultiInstance m) {
        long next = m.session.nextTimerMillis();
        m.nextTimer = next;
        if (next - nextTimers < 0) {
            nextTimers = next;
        }
    }

    /**
     * After decryption: the source check and the routing of a client's packet (client-to-client
     * inside the server, else to the tun).
     */
    private void fromClient(MultiInstance m, ByteBuffer slot) {
        if (!m.established) {
            counters.drop(DropReason.NO_KEY);
            return;
        }
        boolean tap = server.plan.tap();
        int flags = Mroute.extract(slot, tap, src, dst);
        if ((flags & Mroute.SUCCEEDED) == 0) {
            counters.drop(DropReason.MALFORMED);
            return;
        }
        long now = server.clock.millis();
        if (tap) {
            if (!server.mroute.learn(src, m, now)) {
                counters.drop(DropReason.BAD_SOURCE);
                return;
            }
        } else if (server.mroute.lookup(src, now) != m) {
            counters.drop(DropReason.BAD_SOURCE);
            return;
        }
        if (server.plan.clientToClient()) {
            if ((flags & (Mroute.BCAST | Mroute.MCAST)) != 0) {
                server.toAllClients(slot, m, counters);
            } else {
                MultiInstance target = server.mroute.lookup(dst, now);
                if (target != null) {
                    if (target != m) {
                        target.owner.handOver(slot, Handoff.FROM_TUN, target, null, counters);
                    } else {
                        counters.drop(DropReason.NO_ROUTE); // to itself: OpenVPN drops it too
                    }
                    return;
                }
            }
        }
        server.toTun(slot, counters);
    }

    /** {@code multi_process_incoming_tun} for a packet routed to {@code m}: encrypted and sent to its address. */
    private void incomingTun(MultiInstance m, ByteBuffer slot) {
        if (!m.established) {
            counters.drop(DropReason.NO_KEY);
            return;
        }
        DropReason dropped = m.session.encapsulate(slot);
        if (dropped != null) {
            counters.drop(dropped);
            return;
        }
        toLink(m, slot);
    }

    private void toLink(MultiInstance m, ByteBuffer slot) {
        int length = slot.remaining();
        if (server.toLink(slot, m, counters)) {
            m.wrote(length);
        }
    }

    /** The engine's own packets (handshake, acks, pings, OCC) for {@code m}. */
    private void sessionOutput(MultiInstance m) {
        for (int i = 0; i < OUTPUT_PER_CALL && !m.halted; i++) {
            output.clear();
            ByteBuffer slot = output.slot(0);
            if (!m.session.pollOutgoing(slot, output.headroom())) {
                return;
            }
            toLink(m, slot);
        }
    }

    /** The engine's decisions (authentication, PUSH_REPLY) and the close it asks for. */
    private void decide(MultiInstance m) {
        if (m.halted) {
            return;
        }
        long closeAt = server.engines.step(m, server);
        if (closeAt != 0 && (m.closeAtMillis == 0 || closeAt - m.closeAtMillis < 0)) {
            m.closeAtMillis = closeAt;
            nextTimers = Math.min(nextTimers, closeAt);
        }
    }

    /** {@code multi_connection_established}, once the client has its keys; REAUTH for later keys. */
    private void established(MultiInstance m) {
        if (m.halted || !m.session.isUp()) {
            return;
        }
        if (m.established) {
            int generation = m.session.keyGeneration();
            if (generation != m.keyGeneration) {
                m.keyGeneration = generation;
                server.publish(ServerClientEvent.Kind.REAUTH, m, "", false, Math.max(0, generation - 1));
            }
            return;
        }
        if (!server.connectionEstablished(m)) {
            close(m, "no address for the client");
            return;
        }
        m.keyGeneration = m.session.keyGeneration();
    }

    /** Runs the clients' timers that are due; returns when the next is due. */
    private long timers(long now) {
        long next = now + 1000;
        for (int i = mine.size() - 1; i >= 0; i--) {
            MultiInstance m = mine.get(i);
            if (m.halted) {
                continue;
            }
            try {
                if (m.closeAtMillis != 0 && now - m.closeAtMillis >= 0) {
                    close(m, "its exit time came (client-kill, AUTH_FAILED or the client's exit)");
                    continue;
                }
                if (now - m.nextTimer >= 0) {
                    TimerEvent event = m.session.checkTimers();
                    if (event == TimerEvent.PING_RESTART || event == TimerEvent.PING_EXIT) {
                        // the server's ping-restart closes the client silently (no message, no restart)
                        close(m, "ping-restart: no packet from the client");
                        continue;
                    }
                    if (event == TimerEvent.INACTIVE) {
                        close(m, "inactive");
                        continue;
                    }
                    if (event == TimerEvent.HANDSHAKE_FAILED) {
                        close(m, "TLS handshake failed: " + m.session.failure());
                        continue;
                    }
                    decide(m);
                    established(m);
                    sessionOutput(m);
                    m.nextTimer = m.session.nextTimerMillis();
                }
            } catch (RuntimeException | AssertionError | StackOverflowError e) {
                counters.drop(DropReason.INTERNAL_ERROR);
                faults.record("client " + m.clientId + " timers", e);
                close(m, "its session failed");
                continue;
            }
            if (m.nextTimer - next < 0) {
                next = m.nextTimer;
            }
            if (m.closeAtMillis != 0 && m.closeAtMillis - next < 0) {
                next = m.closeAtMillis;
            }
        }
        return next;
    }

    /** A control-channel message to {@code m}, sent at once; false when the engine cannot send one. This thread. */
    private boolean sendControl(MultiInstance m, String message) {
        if (!server.engines.sendControl(m.session, message)) {
            return false;
        }
        sessionOutput(m);
        rearm(m); // its retransmission
        return true;
    }

    /** The server's stop: {@code message} to each established client of this thread, noted in {@code told}. This thread. */
    void exitNotify(String message, java.util.Collection<MultiInstance> told) {
        for (MultiInstance m : mine) {
            if (m.established && !m.halted && sendControl(m, message)) {
                told.add(m);
            }
        }
    }

    /** {@code client-kill}: the message (if the engine can send it) and the close shortly after. This thread. */
    void clientKill(MultiInstance m, String message) {
        if (m.halted) {
            return;
        }
        if (sendControl(m, message)) {
            m.closeAtMillis = server.clock.millis() + KILL_DELAY_MILLIS;
            nextTimers = Math.min(nextTimers, m.closeAtMillis);
        } else {
            close(m, "client-kill");
        }
    }

    /** {@code multi_close_instance}. This thread. */
    void close(MultiInstance m, String why) {
        if (m.halted) {
            return;
        }
        m.halted = true;
        mine.remove(m);
        load.decrementAndGet();
        server.closed(m, why);
    }
}
