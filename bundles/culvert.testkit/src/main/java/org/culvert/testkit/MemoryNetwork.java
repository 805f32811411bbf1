package org.culvert.testkit;

import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.culvert.api.link.LinkException;

/**
 * The in-process network {@link MemoryLinkSocket}s bind to and send over. Static and thread-safe:
 * every user of this package (in OSGi: every bundle importing it) shares one network.
 *
 * <p>Addresses are {@link MemoryAddress}es ({@code host:port}, host {@code *} for the wildcard).
 * Datagram and stream sockets have separate port spaces, as UDP and TCP do. A packet to
 * {@code host:port} goes to the socket bound to exactly that address, else to one bound to
 * {@code *:port}.
 *
 * <p>Tests can impair a path (drop, duplicate, reorder, corrupt) with {@link #impair}; a path is the
 * pair (sending socket's {@link MemoryLinkSocket#local()}, receiving socket's local address).
 * Impairments apply to stream paths too, which then stop being reliable: that is how a test feeds a
 * stream peer duplicated or reordered packets.
 */
public final class MemoryNetwork {
    /** First port handed out to sockets that bind to port 0 or do not bind (IANA's dynamic range). */
    static final int FIRST_EPHEMERAL_PORT = 49152;

    private static final Object LOCK = new Object();
    /** Guarded by LOCK. */
    private static final Map<MemoryAddress, MemoryLinkSocket> DATAGRAM = new HashMap<>();
    private static final Map<MemoryAddress, MemoryLinkSocket> STREAM = new HashMap<>();
    private static final Map<Path, Impairment> IMPAIRMENTS = new HashMap<>();
    private static int nextEphemeralPort = FIRST_EPHEMERAL_PORT;
    /**
     * Bumped on every change of bindings or impairments; senders cache their route and impairment and
     * look again only when it moved, so the data path reads one volatile and allocates nothing.
     */
    private static volatile int version;

    private MemoryNetwork() {
    }

    private record Path(MemoryAddress from, MemoryAddress to) {
    }

    /**
     * Installs {@code impairment} on the path from the socket bound to {@code from} to the one bound
     * to {@code to} (both as their {@code local()} addresses), replacing any; null removes it.
     */
    public static void impair(SocketAddress from, SocketAddress to, Impairment impairment) {
        Path path = new Path(memoryAddress(from), memoryAddress(to));
        synchronized (LOCK) {
            if (impairment == null) {
                IMPAIRMENTS.remove(path);
            } else {
                IMPAIRMENTS.put(path, impairment);
            }
            version++;
        }
    }

    /** Removes every impairment. */
    public static void clearImpairments() {
        synchronized (LOCK) {
            IMPAIRMENTS.clear();
            version++;
        }
    }

    /** The bound addresses, datagram ones as {@code udp host:port}, stream ones as {@code tcp host:port}; for diagnostics. */
    public static SortedSet<String> bindings() {
        synchronized (LOCK) {
            SortedSet<String> all = new TreeSet<>();
            DATAGRAM.keySet().forEach(a -> all.add("udp " + a));
            STREAM.keySet().forEach(a -> all.add("tcp " + a));
            return all;
        }
    }

    private static MemoryAddress memoryAddress(SocketAddress a) {
        if (a instanceof MemoryAddress) {
            return (MemoryAddress) a;
        }
        throw new IllegalArgumentException("not a memory address: " + a);
    }

    static int version() {
        return version;
    }

    /**
     * Binds {@code socket} to {@code host:port}; port 0 picks a free ephemeral port.
     *
     * @throws LinkException ADDRESS_IN_USE when taken
     */
    static MemoryAddress bind(MemoryLinkSocket socket, String host, int port, boolean stream) throws LinkException {
        synchronized (LOCK) {
            Map<MemoryAddress, MemoryLinkSocket> space = stream ? STREAM : DATAGRAM;
            MemoryAddress address;
            if (port == 0) {
                address = ephemeral(space, host);
            } else {
                address = MemoryAddress.of(host, port);
                if (space.containsKey(address)) {
                    throw new LinkException(LinkException.Reason.ADDRESS_IN_USE,
                            (stream ? "tcp " : "udp ") + address + " is already bound on the memory network");
                }
            }
            space.put(address, socket);
            version++;
            LOCK.notifyAll(); // a tcp-client may be waiting for this listener
            return address;
        }
    }

    private static MemoryAddress ephemeral(Map<MemoryAddress, MemoryLinkSocket> space, String host) throws LinkException {
        for (int tries = 0; tries <= 65535 - FIRST_EPHEMERAL_PORT; tries++) {
            MemoryAddress candidate = MemoryAddress.of(host, nextEphemeralPort);
            nextEphemeralPort = nextEphemeralPort == 65535 ? FIRST_EPHEMERAL_PORT : nextEphemeralPort + 1;
            if (!space.containsKey(candidate)) {
                return candidate;
            }
        }
        throw new LinkException(LinkException.Reason.ADDRESS_IN_USE, "no free ephemeral port for host " + host);
    }

    /** Unbinds {@code socket} (if it still holds its address) and wakes anyone waiting on the network. */
    static void unbind(MemoryLinkSocket socket, MemoryAddress address, boolean stream) {
        synchronized (LOCK) {
            if (address != null) {
                (stream ? STREAM : DATAGRAM).remove(address, socket);
            }
            version++;
            LOCK.notifyAll();
        }
    }

    /** The datagram socket that receives packets sent to {@code to}, or null. */
    static MemoryLinkSocket route(MemoryAddress to) {
        synchronized (LOCK) {
            return lookup(DATAGRAM, to);
        }
    }

    private static MemoryLinkSocket lookup(Map<MemoryAddress, MemoryLinkSocket> space, MemoryAddress to) {
        MemoryLinkSocket s = space.get(to);
        if (s == null && !to.isWildcard()) {
            s = space.get(MemoryAddress.of(MemoryAddress.WILDCARD, to.port()));
        }
        return s;
    }

    /** The impairment on the path {@code from -> to}, or null. */
    static Impairment impairment(MemoryAddress from, MemoryAddress to) {
        synchronized (LOCK) {
            return IMPAIRMENTS.get(new Path(from, to));
        }
    }

    /**
     * Connects tcp-client {@code client} to a listening tcp-server at {@code remote}, waiting up to
     * {@code timeoutMillis} for one to be there and free.
     *
     * @return true once paired; false on timeout
     * @throws LinkException CLOSED when the client is closed meanwhile
     */
    static boolean connect(MemoryLinkSocket client, MemoryAddress remote, long timeoutMillis) throws LinkException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis));
        synchronized (LOCK) {
            while (true) {
                client.checkOpen();
                MemoryLinkSocket server = lookup(STREAM, remote);
                if (server != null && server.listener != null && server.acceptsPeer()) {
                    MemoryLinkSocket stream = server.listener.newStream();
                    stream.pairWith(client);
                    client.pairWith(stream);
                    server.listener.queue(stream);
                    version++;
                    LOCK.notifyAll();
                    return true;
                }
                if (server != null && server.listener == null && server.acceptsPeer()) {
                    server.pairWith(client);
                    client.pairWith(server);
                    version++;
                    LOCK.notifyAll();
                    return true;
                }
                if (!awaitChange(deadline)) {
                    return false;
                }
            }
        }
    }

    /**
     * Waits up to {@code timeoutMillis} until {@code server} has been paired by a client.
     *
     * @return true once paired; false on timeout
     * @throws LinkException CLOSED when the server is closed meanwhile
     */
    static boolean accept(MemoryLinkSocket server, long timeoutMillis) throws LinkException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis));
        synchronized (LOCK) {
            while (true) {
                server.checkOpen();
                if (server.isPaired()) {
                    return true;
                }
                if (!awaitChange(deadline)) {
                    return false;
                }
            }
        }
    }

    /** The oldest stream queued on {@code listener}, or null; wakes clients waiting for room in its backlog. */
    static MemoryLinkSocket takeAccepted(MemoryLinkListener listener) {
        synchronized (LOCK) {
            MemoryLinkSocket s = listener.poll();
            if (s != null) {
                LOCK.notifyAll();
            }
            return s;
        }
    }

    static int backlogSize(MemoryLinkListener listener) {
        synchronized (LOCK) {
            return listener.backlog().size();
        }
    }

    /** Empties {@code listener}'s backlog (it closed). */
    static java.util.List<MemoryLinkSocket> drainBacklog(MemoryLinkListener listener) {
        synchronized (LOCK) {
            java.util.List<MemoryLinkSocket> all = new java.util.ArrayList<>();
            for (MemoryLinkSocket s; (s = listener.poll()) != null;) {
                all.add(s);
            }
            return all;
        }
    }

    /** LOCK held: waits for a notification until the deadline; false once it has passed. */
    private static boolean awaitChange(long deadline) throws LinkException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            return false;
        }
        try {
            LOCK.wait(left);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LinkException(LinkException.Reason.IO_ERROR, "interrupted while establishing", e);
        }
    }

    /** Wakes every thread waiting in {@link #connect} or {@link #accept} (after a close). */
    static void wakeWaiters() {
        synchronized (LOCK) {
            LOCK.notifyAll();
        }
    }
}
