package org.culvert.tunnel.internal;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.TunnelCounters;

/**
 * The server's handshake workers: a client that is not yet established (its TLS handshake, key
 * exchange, the engine's decisions and PUSH_REPLY, with their public-key work) is lent by its data
 * thread to a worker for each run of control packets, so that the data thread keeps serving the
 * established clients' data packets while a storm of handshakes runs (issue 12).
 *
 * <p><b>Ownership.</b> A client has one owner at a time, so its engine stays single-threaded and its
 * packets keep their order. Its data thread lends it with a {@link Loan} (the packet copied in, the
 * loan queued for the workers); from then on the data thread adds every further packet of the client
 * to the loan, under the loan's lock, instead of touching the client. The worker takes the packets,
 * under the same lock, and runs them through the same {@link ClientWork} the data thread uses; when it
 * finds the loan empty it marks it finished under the lock and gives it back to the data thread. The
 * data thread takes the client back when it sees the loan finished (under the lock) or receives it;
 * the lock and the return queue order the worker's writes before the data thread's next reads. What
 * only the data thread does for a client (its close, its timers, a client-kill) waits for the return.
 *
 * <p><b>Bounds.</b> A worker per core but one; at most {@code loans} clients lent at once (as many as
 * {@code --max-clients}, so that in a storm every client waits its turn in the queue rather than losing
 * its packet and waiting for its retransmission), each holding at most {@link #PACKETS_PER_LOAN}
 * packets: a control packet that finds every loan out, or its loan full, is dropped and counted
 * ({@link DropReason#QUEUE_FULL}), as a full socket buffer would drop it, and the client's reliability
 * layer sends it again. Loans and their packet slots (made on a loan's first use) are reused, so the
 * data path allocates nothing for them.
 */
final class HandshakeWorkers {
    /** Packets a lent client may have waiting: a TLS flight of a few control packets and their retransmissions. */
    static final int PACKETS_PER_LOAN = 8;
    /** Loans per worker at least: the clients whose handshake may be queued or running at once, per core. */
    static final int LOANS_PER_WORKER = 128;

    /** One client lent to a worker, with the packets that came for it meanwhile. */
    static final class Loan {
        private final HandshakeWorkers pool;
        /** The packets, allocated on the loan's first use and kept; guarded by this. */
        private Handoff packets;
        /** Guarded by this: set by the worker when it found no packet left; the client is then its data thread's again. */
        private boolean finished;
        MultiInstance instance;
        ServerDataThread lender;
        /** Whether the client's timers are due (run before its packets). Set by the data thread before the loan is queued. */
        boolean timers;
        /** Worker, then data thread after the return: the close the worker's work asked for. */
        String closeWhy;

        Loan(HandshakeWorkers pool) {
            this.pool = pool;
        }

        /**
         * Data thread: adds a packet of the lent client.
         *
         * @return 1 when added, 0 when dropped (the loan is full), -1 when the loan is finished (the
         *     client is the caller's again)
         */
        synchronized int add(ByteBuffer packet, int kind, SocketAddress source) {
            if (finished) {
                return -1;
            }
            return packets.offer(packet, kind, instance, source) < 0 ? 0 : 1;
        }

        /** Worker: moves the waiting packets into {@code batch}; none left finishes the loan. */
        synchronized int take(PacketBatch batch, int[] kinds, Object[] owners) {
            int n = packets.drainTo(batch, kinds, owners, false);
            if (batch.count() == 0) {
                finished = true;
            }
            return n;
        }

        synchronized boolean finished() {
            return finished;
        }
    }

    private final ServerLoop server;
    private final int slotSize;
    private final int headroom;
    private final int batchSize;
    private final ArrayBlockingQueue<Loan> free;
    /**
     * Loans of clients past their TLS handshake (keys made: the ACKs, PUSH_REQUEST, first data packets)
     * and timer runs, served before {@link #ready}: cheap steps that finish a client need not wait
     * behind other clients' public-key work.
     */
    private final ArrayBlockingQueue<Loan> urgent;
    private final ArrayBlockingQueue<Loan> ready;
    /** One permit per queued loan. */
    private final java.util.concurrent.Semaphore queued = new java.util.concurrent.Semaphore(0);
    private final Worker[] workers;
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param count workers (one per core)
     * @param loans the most clients lent at once
     */
    HandshakeWorkers(ServerLoop server, int count, int loans, int batchSize, int headroom, int slotSize) {
        this.server = server;
        this.slotSize = slotSize;
        this.headroom = headroom;
        this.batchSize = batchSize;
        this.free = new ArrayBlockingQueue<>(loans);
        this.ready = new ArrayBlockingQueue<>(loans);
        this.urgent = new ArrayBlockingQueue<>(loans);
        for (int i = 0; i < loans; i++) {
            free.add(new Loan(this));
        }
        this.workers = new Worker[count];
        for (int i = 0; i < count; i++) {
            workers[i] = new Worker(i);
        }
    }

    /**
     * A worker per core but one, which stays for the link and data threads (a storm's public-key work
     * then never takes every core from established clients); a loan for each of {@code maxClients}, at
     * least {@link #LOANS_PER_WORKER} per worker.
     */
    static HandshakeWorkers forCores(ServerLoop server, int maxClients, int batchSize, int headroom, int slotSize) {
        int workers = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
        return new HandshakeWorkers(server, workers, Math.max(workers * LOANS_PER_WORKER, maxClients), batchSize, headroom, slotSize);
    }

    void start(String name) {
        for (Worker w : workers) {
            Thread t = new Thread(w, "culvert-server-" + name + "-handshake-" + w.index);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /** Stops the workers and waits for them (a step in progress ends first). Idempotent. */
    void stop() {
        for (Worker w : workers) {
            w.stop = true;
        }
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        threads.clear();
    }

    /**
     * Data thread: lends {@code m} with its first packet to a worker, or with none ({@code packet}
     * null) for its due timers; null when every loan is out (the caller drops the packet, or runs the
     * timers itself). The caller marks {@code m} lent before anything else of it.
     */
    Loan lend(MultiInstance m, ServerDataThread lender, ByteBuffer packet, int kind, SocketAddress source) {
        Loan loan = free.poll();
        if (loan == null) {
            return null;
        }
        synchronized (loan) {
            if (loan.packets == null) {
                loan.packets = new Handoff(PACKETS_PER_LOAN, slotSize - headroom);
            }
            loan.finished = false;
            loan.instance = m;
            loan.lender = lender;
            loan.closeWhy = null;
            loan.timers = packet == null;
            if (packet != null) {
                loan.packets.offer(packet, kind, m, source);
            }
        }
        // never full: there are no more loans than either queue holds
        (packet == null || m.session.isUp() ? urgent : ready).add(loan);
        queued.release();
        return loan;
    }

    /** Data thread, after taking the client back: the loan is free again. */
    void release(Loan loan) {
        synchronized (loan) {
            loan.instance = null;
            loan.lender = null;
            loan.closeWhy = null;
        }
        free.add(loan);
    }

    /** The workers' counters, summed. Allocates. */
    TunnelCounters counters(TunnelCounters into, java.util.function.BinaryOperator<TunnelCounters> add) {
        TunnelCounters sum = into;
        for (Worker w : workers) {
            sum = add.apply(sum, w.work.counters.snapshot());
        }
        return sum;
    }

    /** A worker: takes a loan, runs its packets until none is left, gives the client back. */
    private final class Worker implements Runnable, ClientWork.Owner {
        final int index;
        final ClientWork work;
        private final PacketBatch batch;
        private final int[] kinds;
        private final Object[] owners;
        private final FaultLog faults;
        private Loan current;
        volatile boolean stop;

        Worker(int index) {
            this.index = index;
            this.work = new ClientWork(server, this, headroom, slotSize);
            this.batch = PacketBatch.allocate(Math.min(batchSize, PACKETS_PER_LOAN), headroom, slotSize);
            this.kinds = new int[batch.capacity()];
            this.owners = new Object[batch.capacity()];
            this.faults = new FaultLog(server.log, server.clock);
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    if (queued.tryAcquire(1, TimeUnit.SECONDS)) {
                        Loan loan = urgent.poll();
                        serve(loan != null ? loan : ready.poll());
                    }
                }
            } catch (InterruptedException e) {
                // stopping
            } finally {
                faults.flush();
            }
        }

        private void serve(Loan loan) {
            current = loan;
            MultiInstance m = loan.instance;
            if (loan.timers && !m.halted) {
                try {
                    work.timers(m);
                } catch (RuntimeException | AssertionError | StackOverflowError e) {
                    work.counters.drop(DropReason.INTERNAL_ERROR);
                    faults.record("client " + m.clientId + " timers (handshake worker)", e);
                    close(m, "its session failed");
                }
            }
            while (true) {
                batch.count(0);
                loan.take(batch, kinds, owners);
                if (batch.count() == 0) {
                    break;
                }
                for (int i = 0; i < batch.count(); i++) {
                    owners[i] = null;
                    if (m.halted || loan.closeWhy != null) {
                        continue;
                    }
                    try {
                        if (kinds[i] == Handoff.FROM_LINK) {
                            work.incomingLink(m, batch.slot(i), batch.source(i));
                        } else {
                            work.incomingTun(m, batch.slot(i));
                        }
                    } catch (RuntimeException | AssertionError | StackOverflowError e) {
                        work.counters.drop(DropReason.INTERNAL_ERROR);
                        faults.record("client " + m.clientId + " (handshake worker)", e);
                    }
                }
            }
            current = null;
            loan.lender.returned(loan);
        }

        /** The close waits for the data thread, which owns the client's place in its list. */
        @Override
        public void close(MultiInstance m, String why) {
            if (current.closeWhy == null) {
                current.closeWhy = why;
            }
        }

        /** The data thread plans the client's timers when it takes it back. */
        @Override
        public void timerAt(long millis) {
        }
    }
}
