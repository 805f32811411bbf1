package org.culvert.openvpn.tls;

import org.culvert.openvpn.crypto.Verdict;
import org.culvert.openvpn.session.Incoming;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;

/**
 * A client and a server engine joined by an in-memory wire that can drop, reorder and corrupt packets,
 * stepped with a shared {@link FakeClock}. Used by the engine tests.
 */
final class TlsPair {
    static final int HEADROOM = 128;
    static final int SLOT = HEADROOM + 4096;

    final FakeClock clock = new FakeClock();
    final TlsSession client;
    final TlsSession server;
    final Wire toServer;
    final Wire toClient;
    final ByteBuffer slot = ByteBuffer.allocateDirect(SLOT);
    /** What each side's decapsulate returned, counted. */
    final java.util.EnumMap<Incoming, Integer> atClient = new java.util.EnumMap<>(Incoming.class);
    final java.util.EnumMap<Incoming, Integer> atServer = new java.util.EnumMap<>(Incoming.class);
    /** Control packets on the wire are dropped in this direction while set. */
    boolean blockControlToServer;
    /** The last packet a side dropped, for failure messages. */
    String lastDrop;

    TlsPair(TlsSettings clientSettings, TlsSettings serverSettings, long seed, int dropOneIn, int reorderOneIn,
            int corruptOneIn, IntPredicate corruptible) throws TlsConfigException {
        this(clientSettings, serverSettings, seed, dropOneIn, reorderOneIn, corruptOneIn, corruptible, c -> c);
    }

    /** @param serverClock wraps the shared clock for the server (e.g. to inject faults) */
    TlsPair(TlsSettings clientSettings, TlsSettings serverSettings, long seed, int dropOneIn, int reorderOneIn,
            int corruptOneIn, IntPredicate corruptible, java.util.function.UnaryOperator<org.culvert.openvpn.Clock> serverClock)
            throws TlsConfigException {
        SecureRandom cr = new SecureRandom();
        client = new TlsSession(clientSettings, clock, cr);
        server = new TlsSession(serverSettings, serverClock.apply(clock), cr);
        Random r = new Random(seed);
        toServer = new Wire(new Random(r.nextLong()), dropOneIn, reorderOneIn, corruptOneIn, corruptible);
        toClient = new Wire(new Random(r.nextLong()), dropOneIn, reorderOneIn, corruptOneIn, corruptible);
    }

    static TlsPair clean(TlsSettings c, TlsSettings s) throws TlsConfigException {
        return new TlsPair(c, s, 1, 0, 0, 0, op -> false);
    }

    /** Moves every packet each side wants to send onto the wire, then delivers everything in flight. */
    void exchange(List<ByteBuffer> toClientTun, List<ByteBuffer> toServerTun) {
        for (int round = 0; round < 20; round++) {
            boolean any = false;
            any |= drain(client, toServer);
            any |= drain(server, toClient);
            any |= deliver(toServer, server, toServerTun);
            any |= deliver(toClient, client, toClientTun);
            if (!any) {
                return;
            }
        }
    }

    /**
     * One hop of a wire with latency: what was in flight arrives, then what each side now wants to
     * send goes onto the wire, to arrive at the next call. Called every N ms, it models a one-way
     * delay of N ms.
     */
    void hop() {
        deliver(toServer, server, null);
        deliver(toClient, client, null);
        drain(client, toServer);
        drain(server, toClient);
    }

    void timers() {
        client.checkTimers();
        server.checkTimers();
    }

    /** Runs until both are keyed or {@code maxMillis} of simulated time pass. */
    boolean handshake(long maxMillis) {
        long end = clock.monotonicMillis() + maxMillis;
        while (clock.monotonicMillis() < end) {
            timers();
            exchange(null, null);
            if (client.isKeyed() && server.isKeyed()) {
                return true;
            }
            if (client.state() == TlsSession.State.FAILED || server.state() == TlsSession.State.FAILED) {
                // keep running a little so that alerts reach the other side
                timers();
                exchange(null, null);
                return false;
            }
            clock.advance(100);
        }
        return false;
    }

    private boolean drain(TlsSession from, Wire wire) {
        boolean any = false;
        while (from.pollOutgoing(slot.clear(), HEADROOM)) {
            int op = (slot.get(slot.position()) & 0xFF) >>> 3;
            if (!(blockControlToServer && from == client && op != 6 && op != 9)) {
                wire.send(slot);
            }
            any = true;
        }
        return any;
    }

    int count(TlsSession side, Incoming kind) {
        return (side == client ? atClient : atServer).getOrDefault(kind, 0);
    }

    /** Seals {@code text} on {@code from}, carries it across, and returns what arrived at the tun. */
    List<String> send(TlsSession from, String text) {
        return send(from, TlsSessionTest.packet(text));
    }

    /** Seals the packet {@code p[position, limit)} on {@code from}, carries it across, and returns what arrived at the tun. */
    List<String> send(TlsSession from, ByteBuffer p) {
        Verdict v = from.encapsulate(p);
        if (v != Verdict.OK) {
            throw new AssertionError("encapsulate: " + v);
        }
        (from == client ? toServer : toClient).send(p);
        List<ByteBuffer> tun = new ArrayList<>();
        if (from == client) {
            exchange(null, tun);
        } else {
            exchange(tun, null);
        }
        List<String> out = new ArrayList<>();
        for (ByteBuffer b : tun) {
            out.add(TlsSessionTest.text(b));
        }
        return out;
    }

    /** Runs timers and exchanges for {@code millis} of simulated time in 100 ms steps. */
    void run(long millis) {
        for (long t = 0; t < millis; t += 100) {
            clock.advance(100);
            timers();
            exchange(null, null);
        }
    }

    private boolean deliver(Wire wire, TlsSession to, List<ByteBuffer> tun) {
        boolean any = false;
        ByteBuffer p;
        while ((p = wire.next()) != null) {
            any = true;
            ByteBuffer buf = ByteBuffer.allocate(p.remaining() + 2 * HEADROOM);
            buf.position(HEADROOM);
            buf.put(p);
            buf.limit(buf.position()).position(HEADROOM);
            Incoming in = to.decapsulate(buf);
            (to == client ? atClient : atServer).merge(in, 1, Integer::sum);
            if (in == Incoming.DROP) {
                lastDrop = (to == client ? "client " : "server ") + to.lastVerdict() + " op=" + ((p.get(0) & 0xFF) >>> 3)
                        + " kid=" + (p.get(0) & 7);
            }
            if (in == Incoming.TUN_PACKET && tun != null) {
                byte[] copy = new byte[buf.remaining()];
                buf.get(copy);
                tun.add(ByteBuffer.wrap(copy));
            }
        }
        return any;
    }

    /** One direction of the lossy wire. */
    static final class Wire {
        private final Random random;
        private final int dropOneIn;
        private final int reorderOneIn;
        private final int corruptOneIn;
        private final IntPredicate corruptible;
        private final Deque<byte[]> queue = new ArrayDeque<>();
        private byte[] held;
        final List<byte[]> sent = new ArrayList<>();
        boolean record;
        long dropped;
        long corrupted;
        long reordered;

        Wire(Random random, int dropOneIn, int reorderOneIn, int corruptOneIn, IntPredicate corruptible) {
            this.random = random;
            this.dropOneIn = dropOneIn;
            this.reorderOneIn = reorderOneIn;
            this.corruptOneIn = corruptOneIn;
            this.corruptible = corruptible;
        }

        void send(ByteBuffer packet) {
            byte[] b = new byte[packet.remaining()];
            packet.get(packet.position(), b);
            if (record) {
                sent.add(b.clone());
            }
            if (dropOneIn > 0 && random.nextInt(dropOneIn) == 0) {
                dropped++;
                return;
            }
            if (corruptOneIn > 0 && corruptible.test((b[0] & 0xFF) >>> 3) && random.nextInt(corruptOneIn) == 0) {
                b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
                corrupted++;
            }
            if (reorderOneIn > 0 && held == null && random.nextInt(reorderOneIn) == 0) {
                held = b; // delivered after the next packet
                reordered++;
                return;
            }
            queue.add(b);
            if (held != null) {
                queue.add(held);
                held = null;
            }
        }

        void inject(byte[] packet) {
            queue.add(packet.clone());
        }

        ByteBuffer next() {
            byte[] b = queue.poll();
            if (b == null && held != null && random.nextInt(4) == 0) {
                b = held; // do not hold a packet forever when nothing follows it
                held = null;
            }
            return b == null ? null : ByteBuffer.wrap(b);
        }
    }
}
