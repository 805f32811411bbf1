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
 * <p>A client that is not established yet is lent to the {@link HandshakeWorkers} for each run of its
 * control packets (its TLS handshake's public-key work, key exchange, the engine's decisions and
 * PUSH_REPLY), so that a storm of handshakes does not hold up the established clients' data packets
 * here; their ownership passes as that class describes. Renegotiations of established clients run here,
 * in the engine's bounded steps. The per-packet work itself is {@link ClientWork}, shared with the
 * workers. Nothing a client sends can stop the thread: a packet that makes the engine throw is a counted drop,
 * a session whose timers throw is closed.
 */
final class ServerDataThread implements Runnable, ClientWork.Owner {
    /** OpenVPN closes a client 5 s after its control-channel EXIT; a client-kill waits as long for the message to go out. */
    static final long KILL_DELAY_MILLIS = 2000;

    final int index;
    final Counters counters;
    private final ClientWork client;
    final Handoff inbound;
    private final ServerLoop server;
    private final EventSet events;
    private final ReadyEvents ready = new ReadyEvents(1);
    private final PacketBatch work;
    private final int[] kinds;
    private final Object[] owners;
    private final List<MultiInstance> mine = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    /** Loans the workers gave back, to take the clients back from. */
    private final ConcurrentLinkedQueue<HandshakeWorkers.Loan> returns = new ConcurrentLinkedQueue<>();
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
        this.client = new ClientWork(server, this, headroom, slotSize);
        this.counters = client.counters;
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
        Runnable late = () -> {
            command.run();
            if (!m.halted) {
                client.decide(m);
                client.established(m);
                client.sessionOutput(m);
                client.rearm(m);
            }
        };
        // A client lent to a handshake worker is the worker's until it comes back: the step waits for it.
        post(() -> {
            if (!m.halted && !deferWhileLent(m, late)) {
                late.run();
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

    /** A worker: the client of {@code loan} is this thread's again. */
    void returned(HandshakeWorkers.Loan loan) {
        returns.add(loan);
        events.wakeup();
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
                m.loan = null; // the workers stopped before this thread
                close(m, "server stopping");
            }
            faults.flush();
        }
    }

    private void turn() throws IOException {
        for (HandshakeWorkers.Loan l = returns.poll(); l != null; l = returns.poll()) {
            takeBack(l);
            server.handshakes.release(l); // only now: its return notice is the last thing that names it
        }
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
                if (lent(m, work.slot(i), kinds[i], work.source(i))) {
                    continue;
                }
                if (kinds[i] == Handoff.FROM_LINK) {
                    client.incomingLink(m, work.slot(i), work.source(i));
                } else {
                    client.incomingTun(m, work.slot(i));
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
        if (n == 0 && commands.isEmpty() && returns.isEmpty() && inbound.size() == 0) {
            events.wait(Math.max(1, nextTimers - server.clock.millis()), ready);
        }
    }

    /**
     * A packet of {@code m} that goes to a handshake worker: every packet while {@code m} is lent (its
     * order kept), and a control packet of a client not established yet, which lends it. True when the
     * packet was taken (or dropped, counted, for want of room); false when this thread runs it.
     */
    private boolean lent(MultiInstance m, java.nio.ByteBuffer slot, int kind, SocketAddress source) {
        HandshakeWorkers.Loan loan = m.loan;
        if (loan != null) {
            int r = loan.add(slot, kind, source);
            if (r >= 0) {
                if (r == 0) {
                    counters.drop(DropReason.QUEUE_FULL);
                }
                return true;
            }
            takeBack(loan); // the worker is done with it
            if (m.halted) {
                return true;
            }
        }
        if (m.established || kind != Handoff.FROM_LINK || server.handshakes == null || isData(slot)) {
            return false;
        }
        loan = server.handshakes.lend(m, this, slot, kind, source);
        if (loan == null) {
            counters.drop(DropReason.QUEUE_FULL); // every loan is out: the client sends it again
        } else {
            m.loan = loan;
        }
        return true;
    }

    private static boolean isData(java.nio.ByteBuffer slot) {
        if (!slot.hasRemaining()) {
            return false;
        }
        int op = (slot.get(slot.position()) & 0xFF) >>> 3;
        return op == ServerLoop.P_DATA_V1 || op == ServerLoop.P_DATA_V2;
    }

    /**
     * {@code m} comes back from a worker (its loan is finished): what it asked for and what waited for
     * it happen now. The loan itself is released when its return notice arrives, so that a notice
     * never finds it lent again.
     */
    private void takeBack(HandshakeWorkers.Loan loan) {
        MultiInstance m = loan.instance;
        if (m == null || m.loan != loan) {
            return; // taken back already, when a packet found the loan finished
        }
        m.loan = null;
        String why = loan.closeWhy;
        if (why != null) {
            close(m, why);
        }
        Runnable waiting = m.afterLoan;
        m.afterLoan = null;
        if (waiting != null) {
            waiting.run();
        }
        if (!m.halted) {
            client.rearm(m);
            if (m.closeAtMillis != 0) {
                timerAt(m.closeAtMillis);
            }
        }
    }

    /** Runs {@code action} on {@code m} now, or once a worker gave it back. This thread. */
    private boolean deferWhileLent(MultiInstance m, Runnable action) {
        if (m.loan == null) {
            return false;
        }
        Runnable before = m.afterLoan;
        m.afterLoan = before == null ? action : () -> {
            before.run();
            action.run();
        };
        return true;
    }

    @Override
    public void timerAt(long millis) {
        if (millis - nextTimers < 0) {
            nextTimers = millis;
        }
    }

    /** A new client placed on this thread by the link thread. */
    void adopt(MultiInstance m) {
        mine.add(m);
        m.nextTimer = server.clock.millis();
        nextTimers = m.nextTimer;
    }

    /** Runs the clients' timers that are due; returns when the next is due. */
    private long timers(long now) {
        long next = now + 1000;
        for (int i = mine.size() - 1; i >= 0; i--) {
            MultiInstance m = mine.get(i);
            if (m.halted || m.loan != null) {
                continue; // a lent client's timers are planned again when it comes back
            }
            try {
                if (m.closeAtMillis != 0 && now - m.closeAtMillis >= 0) {
                    close(m, "its exit time came (client-kill, AUTH_FAILED or the client's exit)");
                    continue;
                }
                if (now - m.nextTimer >= 0) {
                    if (!m.established && server.handshakes != null) {
                        // a handshaking client's timers (retransmissions, the engine's decisions) run on a worker too
                        HandshakeWorkers.Loan loan = server.handshakes.lend(m, this, null, Handoff.FROM_LINK, null);
                        if (loan != null) {
                            m.loan = loan;
                            continue;
                        }
                    }
                    client.timers(m);
                    if (m.halted) {
                        continue;
                    }
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
        client.sessionOutput(m);
        client.rearm(m); // its retransmission
        return true;
    }

    /** The server's stop: {@code message} to each established client of this thread, noted in {@code told}. This thread. */
    void exitNotify(String message, java.util.Collection<MultiInstance> told) {
        for (MultiInstance m : mine) {
            if (m.established && !m.halted && !deferWhileLent(m, () -> {
                if (!m.halted && sendControl(m, message)) {
                    told.add(m);
                }
            }) && sendControl(m, message)) {
                told.add(m);
            }
        }
    }

    /** {@code client-kill}: the message (if the engine can send it) and the close shortly after. This thread. */
    void clientKill(MultiInstance m, String message) {
        if (m.halted || deferWhileLent(m, () -> clientKill(m, message))) {
            return;
        }
        if (sendControl(m, message)) {
            m.closeAtMillis = server.clock.millis() + KILL_DELAY_MILLIS;
            timerAt(m.closeAtMillis);
        } else {
            close(m, "client-kill");
        }
    }

    /** {@code multi_close_instance}; for a lent client, once a worker gave it back. This thread. */
    @Override
    public void close(MultiInstance m, String why) {
        if (m.halted || deferWhileLent(m, () -> close(m, why))) {
            return;
        }
        m.halted = true;
        mine.remove(m);
        load.decrementAndGet();
        server.closed(m, why);
    }
}
