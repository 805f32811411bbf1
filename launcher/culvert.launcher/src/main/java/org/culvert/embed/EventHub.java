package org.culvert.embed;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.ServerClientListener;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelListener;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelLogListener;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;

/**
 * Moves state changes, log lines and servers' client events from the tunnels' threads to the host's listeners on one thread
 * of Culvert's own, so that a slow host never stalls a tunnel. The tunnels only enqueue (no lock is
 * held while a listener runs, and nothing blocks); the event thread delivers everything in the order
 * it was enqueued: for one tunnel that is the order in which it changed state and logged.
 *
 * <p>State changes are rare and always kept. Log lines are bounded ({@link #MAX_PENDING_LOG_LINES}
 * waiting at once, and only while someone listens): beyond that they are dropped, and the next line
 * delivered is preceded by a warning saying how many were lost.
 */
final class EventHub implements TunnelListener, TunnelLogListener, ServerClientListener {
    static final int MAX_PENDING_LOG_LINES = 10_000;
    /** Servers' client events waiting at once; beyond, they are dropped and counted (a storm of clients). */
    static final int MAX_PENDING_CLIENT_EVENTS = 10_000;
    private static final System.Logger LOG = System.getLogger("org.culvert.embed");
    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final List<TunnelEventListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Filtered<TunnelLogListener>> logListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger pendingLogLines = new AtomicInteger();
    private final AtomicLong droppedLogLines = new AtomicLong();
    private final List<Filtered<ServerClientListener>> clientListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger pendingClientEvents = new AtomicInteger();
    private final AtomicLong droppedClientEvents = new AtomicLong();
    /** Notified on every state change, for {@link Culvert#awaitState}. */
    private final Object stateMonitor = new Object();
    private final Thread thread;

    EventHub(OwnedThreads threads, String threadName) {
        this.thread = threads.newThread(this::run, threadName);
    }

    void start() {
        thread.start();
    }

    /** Delivers what is queued, then ends the event thread. */
    void finish() {
        queue.add(END);
    }

    boolean isEventThread() {
        return Thread.currentThread() == thread;
    }

    Object stateMonitor() {
        return stateMonitor;
    }

    Subscription addListener(TunnelEventListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** @param tunnelName only this tunnel's lines, or null for every tunnel's */
    Subscription addLogListener(String tunnelName, TunnelLogListener listener) {
        Filtered<TunnelLogListener> s = new Filtered<>(tunnelName, listener);
        logListeners.add(s);
        return () -> logListeners.remove(s);
    }

    /** @param tunnelName only this server's client events, or null for every server's */
    Subscription addClientListener(String tunnelName, ServerClientListener listener) {
        Filtered<ServerClientListener> s = new Filtered<>(tunnelName, listener);
        clientListeners.add(s);
        return () -> clientListeners.remove(s);
    }

    // --- tunnel threads: enqueue only ---

    /** A server's client event (whiteboard), on the server's event thread: only enqueues. */
    @Override
    public void clientEvent(Tunnel server, ServerClientEvent event) {
        if (clientListeners.isEmpty()) {
            return;
        }
        if (pendingClientEvents.incrementAndGet() > MAX_PENDING_CLIENT_EVENTS) {
            pendingClientEvents.decrementAndGet();
            droppedClientEvents.incrementAndGet();
            return;
        }
        queue.add(new ClientEventItem(server, event));
    }

    @Override
    public void stateChanged(Tunnel tunnel, TunnelStatus previous, TunnelStatus current) {
        queue.add(new TunnelEvent(tunnel.name(), previous, current));
        synchronized (stateMonitor) {
            stateMonitor.notifyAll();
        }
    }

    @Override
    public void logged(Tunnel tunnel, TunnelLogEntry entry) {
        if (logListeners.isEmpty()) {
            return;
        }
        if (pendingLogLines.incrementAndGet() > MAX_PENDING_LOG_LINES) {
            pendingLogLines.decrementAndGet();
            droppedLogLines.incrementAndGet();
            return;
        }
        queue.add(new LogLine(tunnel, entry));
    }

    // --- the event thread ---

    private void run() {
        while (true) {
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                // Only finish() ends this thread, so that no queued event is lost.
                continue;
            }
            if (item == END) {
                return;
            }
            if (item instanceof TunnelEvent) {
                deliver((TunnelEvent) item);
            } else if (item instanceof ClientEventItem) {
                pendingClientEvents.decrementAndGet();
                deliver((ClientEventItem) item);
            } else {
                pendingLogLines.decrementAndGet();
                deliver((LogLine) item);
            }
        }
    }

    private void deliver(TunnelEvent event) {
        for (TunnelEventListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                LOG.log(System.Logger.Level.WARNING, "a tunnel event listener failed on " + event, e);
            }
        }
    }

    private void deliver(ClientEventItem item) {
        long dropped = droppedClientEvents.getAndSet(0);
        if (dropped > 0) {
            LOG.log(System.Logger.Level.WARNING, dropped + " server client events were dropped because a client listener of the host"
                    + " was too slow");
        }
        String name = item.server.name();
        for (Filtered<ServerClientListener> s : clientListeners) {
            if (s.wants(name)) {
                try {
                    s.listener.clientEvent(item.server, item.event);
                } catch (RuntimeException | LinkageError | AssertionError e) {
                    LOG.log(System.Logger.Level.WARNING, "a server client listener failed on " + item.event.kind(), e);
                }
            }
        }
    }

    private void deliver(LogLine line) {
        long dropped = droppedLogLines.getAndSet(0);
        if (dropped > 0) {
            TunnelLogEntry warning = new TunnelLogEntry(Instant.now(), TunnelLogEntry.Level.WARNING,
                    dropped + " log lines were dropped because a log listener of the host was too slow");
            deliverLog(line.tunnel, warning);
        }
        deliverLog(line.tunnel, line.entry);
    }

    private void deliverLog(Tunnel tunnel, TunnelLogEntry entry) {
        for (Filtered<TunnelLogListener> s : logListeners) {
            if (s.wants(tunnel.name())) {
                try {
                    s.listener.logged(tunnel, entry);
                } catch (RuntimeException | LinkageError | AssertionError e) {
                    LOG.log(System.Logger.Level.WARNING, "a tunnel log listener failed", e);
                }
            }
        }
    }

    /**
     * Waits until {@code tunnel} is in {@code state}, or in a state it cannot leave by itself (FAILED,
     * STOPPED).
     *
     * @return its status then, or null at the deadline
     */
    TunnelStatus awaitState(Tunnel tunnel, TunnelState state, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (stateMonitor) {
            while (true) {
                TunnelStatus s = tunnel.status();
                if (s.state() == state || s.state() == TunnelState.FAILED || s.state() == TunnelState.STOPPED) {
                    return s;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                // Woken by stateChanged; the bound also covers a change made before our listener was bound.
                stateMonitor.wait(Math.min(left, 250));
            }
        }
    }

    private static final class LogLine {
        final Tunnel tunnel;
        final TunnelLogEntry entry;

        LogLine(Tunnel tunnel, TunnelLogEntry entry) {
            this.tunnel = tunnel;
            this.entry = entry;
        }
    }

    private static final class ClientEventItem {
        final Tunnel server;
        final ServerClientEvent event;

        ClientEventItem(Tunnel server, ServerClientEvent event) {
            this.server = server;
            this.event = event;
        }
    }

    /** A listener for one tunnel's items ({@code tunnelName}) or every tunnel's (null). */
    private static final class Filtered<L> {
        final String tunnelName;
        final L listener;

        Filtered(String tunnelName, L listener) {
            this.tunnelName = tunnelName;
            this.listener = listener;
        }

        boolean wants(String name) {
            return tunnelName == null || tunnelName.equals(name);
        }
    }
}
