package org.culvert.management.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelLogListener;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.api.tunnel.TunnelStatus;

/**
 * Runs the management interfaces of all tunnels on one thread ({@value #THREAD_NAME}): one NIO
 * selector for every listening socket and client, plus the {@code bytecount} timers.
 *
 * <p>Other threads only enqueue: {@link #addTunnel}/{@link #removeTunnel} (SCR's threads),
 * {@link #stateChanged} and {@link #logged} (tunnels' threads, which must never wait on a management
 * client). The queue keeps their order, so a tunnel's states reach clients in the order it reported
 * them, and a removal comes after the states reported before it. {@link #close()} stops the thread
 * and closes everything; it is idempotent, never throws, and returns once the thread has ended (or
 * after {@link #JOIN_TIMEOUT_MILLIS}).
 */
final class ManagementEngine implements TunnelLogListener, AutoCloseable {
    static final String THREAD_NAME = "culvert-management";
    static final long JOIN_TIMEOUT_MILLIS = 5_000;
    /** The longest select; timers are re-read on every wakeup anyway. */
    private static final long IDLE_SELECT_MILLIS = 60_000;

    /** How the engine reaches a tunnel: resolved on the management thread, released when it goes. */
    interface TunnelHandle {
        /** The tunnel, or null if it is already gone. */
        Tunnel resolve();

        /** Gives the tunnel back (e.g. ungets the service); called once, on the management thread. */
        void release();
    }

    private static final System.Logger LOG = System.getLogger("org.culvert.management");

    private final ManagementClock clock;
    private final ManagementCommands commands;
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Tunnels with an endpoint: read by the tunnels' threads to drop events nobody needs. */
    private final Set<Tunnel> served = ConcurrentHashMap.newKeySet();
    /** For tests and diagnostics: where each tunnel's interface listens. */
    private final Map<Object, SocketAddress> bound = new ConcurrentHashMap<>();

    // Management thread only.
    private final Map<Object, Entry> entries = new LinkedHashMap<>();
    private final Map<Tunnel, TunnelEndpoint> byTunnel = new IdentityHashMap<>();
    private final ByteBuffer scratch = ByteBuffer.allocate(4096);

    private static final class Entry {
        final TunnelHandle handle;
        final Tunnel tunnel;
        final TunnelEndpoint endpoint;

        Entry(TunnelHandle handle, Tunnel tunnel, TunnelEndpoint endpoint) {
            this.handle = handle;
            this.tunnel = tunnel;
            this.endpoint = endpoint;
        }
    }

    /**
     * Opens the selector and starts the thread.
     *
     * @param product what {@code version} reports after "OpenVPN Version: "
     */
    ManagementEngine(ManagementClock clock, ZoneId zone, String product) {
        this.clock = clock;
        this.commands = new ManagementCommands(product, ProcessHandle.current().pid(), clock, zone);
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for the management interface", e);
        }
        this.thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
    }

    /** The management thread, for tests that check it ends. */
    Thread thread() {
        return thread;
    }

    /**
     * Starts serving a tunnel (if its configuration has --management). {@code key} identifies it for
     * {@link #removeTunnel}. Any thread; returns at once.
     */
    void addTunnel(Object key, TunnelHandle handle) {
        enqueue(() -> add(key, handle));
    }

    /** Stops serving the tunnel added under {@code key}; its clients are closed. Any thread; returns at once. */
    void removeTunnel(Object key) {
        enqueue(() -> remove(key, true));
    }

    /** From the whiteboard listener, on the tunnel's thread: only enqueues. */
    void stateChanged(Tunnel tunnel, TunnelStatus current) {
        if (served.contains(tunnel)) {
            enqueue(() -> {
                TunnelEndpoint ep = byTunnel.get(tunnel);
                if (ep != null) {
                    ep.onStatus(current);
                }
            });
        }
    }

    /** A server's client event, from the whiteboard listener on the server's event thread: only enqueues. */
    void clientEvent(Tunnel tunnel, org.culvert.api.tunnel.ServerClientEvent event) {
        if (served.contains(tunnel)) {
            enqueue(() -> {
                TunnelEndpoint ep = byTunnel.get(tunnel);
                if (ep != null) {
                    ep.onClientEvent(event);
                }
            });
        }
    }

    /** The named tunnel asks its management clients for credentials (--management-query-passwords). Any thread. */
    void credentialsRequested(org.culvert.api.tunnel.CredentialsRequest request) {
        enqueue(() -> {
            TunnelEndpoint ep = endpointNamed(request.tunnelName());
            if (ep != null && ep.queryPasswords()) {
                ep.notifyClients(ep.passwords().request(request));
            }
        });
    }

    /** A line for the clients of the named tunnel (>PASSWORD:Verification Failed, >PASSWORD:Auth-Token). Any thread. */
    void notifyTunnel(String tunnelName, String line) {
        enqueue(() -> {
            TunnelEndpoint ep = endpointNamed(tunnelName);
            if (ep != null) {
                ep.notifyClients(line);
            }
        });
    }

    private TunnelEndpoint endpointNamed(String name) {
        for (Entry e : entries.values()) {
            try {
                if (e.tunnel.name().equals(name)) {
                    return e.endpoint;
                }
            } catch (RuntimeException ex) {
                // A tunnel going away: not this one.
            }
        }
        return null;
    }

    /** A tunnel's log line, on the thread that logged it: only enqueues. */
    @Override
    public void logged(Tunnel tunnel, TunnelLogEntry entry) {
        if (served.contains(tunnel)) {
            enqueue(() -> {
                TunnelEndpoint ep = byTunnel.get(tunnel);
                if (ep != null) {
                    ep.onLog(entry);
                }
            });
        }
    }

    /** Where the tunnel added under {@code key} listens, or null while it does not. Any thread. */
    SocketAddress boundAddress(Object key) {
        return bound.get(key);
    }

    /** Makes the management thread look at its clock and timers now (tests with a manual clock). */
    void wakeup() {
        if (wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    private void enqueue(Runnable task) {
        if (closing.get()) {
            return;
        }
        queue.add(task);
        wakeup();
    }

    // --- management thread ---

    private void run() {
        try {
            while (!closing.get()) {
                long timeoutMillis = timeoutMillis();
                if (timeoutMillis == 0) {
                    selector.selectNow();
                } else {
                    selector.select(timeoutMillis);
                }
                wakeupPending.set(false);
                drainQueue();
                handleSelected();
                timers();
                for (Entry e : entries.values()) {
                    e.endpoint.flushAll();
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "the management interface thread failed; management interfaces are closed", e);
        } finally {
            // The bundle stops, not the tunnels: clients are closed without an EXITING line.
            for (Object key : new ArrayList<>(entries.keySet())) {
                remove(key, false);
            }
            queue.clear();
            try {
                selector.close();
            } catch (IOException e) {
                // Nothing left to release.
            }
        }
    }

    private long timeoutMillis() {
        long next = Long.MAX_VALUE;
        for (Entry e : entries.values()) {
            next = Math.min(next, e.endpoint.nextDeadline());
        }
        if (next == Long.MAX_VALUE) {
            return IDLE_SELECT_MILLIS;
        }
        long waitNanos = next - clock.nanoTime();
        if (waitNanos <= 0) {
            return 0;
        }
        // Round up: waking a little late is harmless, waking early would spin until the deadline.
        return Math.max(1, Math.min(IDLE_SELECT_MILLIS, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999)));
    }

    private void drainQueue() {
        Runnable task;
        while ((task = queue.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "management event failed", e);
            }
        }
    }

    private void handleSelected() {
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            Object att = key.attachment();
            try {
                if (!key.isValid()) {
                    continue;
                }
                if (att instanceof TunnelEndpoint) {
                    if (key.isAcceptable()) {
                        ((TunnelEndpoint) att).accept(selector);
                    }
                } else if (att instanceof ClientSession) {
                    ClientSession client = (ClientSession) att;
                    TunnelEndpoint ep = client.endpoint();
                    if (key.isValid() && key.isReadable()) {
                        ep.read(client, scratch);
                    }
                    if (!client.isClosed() && key.isValid() && key.isWritable() && !client.flush()) {
                        ep.closeClient(client);
                    }
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "management I/O failed", e);
            }
        }
    }

    private void timers() {
        long now = clock.nanoTime();
        for (Map.Entry<Object, Entry> me : entries.entrySet()) {
            TunnelEndpoint ep = me.getValue().endpoint;
            if (ep.boundAddress() == null) {
                ep.openIfDue(selector);
                SocketAddress a = ep.boundAddress();
                if (a != null) {
                    bound.put(me.getKey(), a);
                }
            }
            ep.tick(now);
        }
    }

    private void add(Object key, TunnelHandle handle) {
        if (entries.containsKey(key)) {
            return;
        }
        Tunnel tunnel = handle.resolve();
        if (tunnel == null) {
            handle.release();
            return;
        }
        TunnelOperations.Management settings;
        try {
            TunnelOperations ops = tunnel.operations();
            settings = ops == null ? null : ops.management();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read the operations settings of a tunnel", e);
            settings = null;
        }
        if (settings == null) {
            handle.release();
            return;
        }
        TunnelEndpoint endpoint = new TunnelEndpoint(tunnel, settings, commands, clock, LOG);
        // Listen for events before taking the snapshot, so no state falls between the two.
        served.add(tunnel);
        byTunnel.put(tunnel, endpoint);
        entries.put(key, new Entry(handle, tunnel, endpoint));
        try {
            tunnel.addLogListener(this);
            endpoint.onStatus(tunnel.status());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot follow tunnel " + tunnel + "; no management interface for it", e);
            remove(key, false);
            return;
        }
        endpoint.openIfDue(selector);
        SocketAddress a = endpoint.boundAddress();
        if (a != null) {
            bound.put(key, a);
        }
    }

    private void remove(Object key, boolean tunnelGone) {
        Entry e = entries.remove(key);
        bound.remove(key);
        if (e == null) {
            return;
        }
        byTunnel.remove(e.tunnel);
        served.remove(e.tunnel);
        try {
            e.tunnel.removeLogListener(this);
        } catch (RuntimeException ex) {
            // The tunnel is going away anyway.
        }
        e.endpoint.close(tunnelGone);
        try {
            e.handle.release();
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.DEBUG, "releasing a tunnel failed", ex);
        }
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            joinThread();
            return;
        }
        selector.wakeup();
        joinThread();
    }

    private void joinThread() {
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(JOIN_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.log(System.Logger.Level.WARNING, THREAD_NAME + " did not end within " + JOIN_TIMEOUT_MILLIS + " ms");
        }
    }
}
