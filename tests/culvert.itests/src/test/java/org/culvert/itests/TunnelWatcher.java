package org.culvert.itests;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelListener;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Lets a test wait for a tunnel state without sleeping: registered as a {@link TunnelListener}
 * whiteboard service, it wakes waiters on every state change the core reports, and each waiter
 * also reads {@link Tunnel#status()} so that a change made before the listener was bound is not
 * missed. Also keeps every transition it saw, for failure messages.
 *
 * <p>Callbacks come on the tunnels' own threads; waiters are test threads. {@link #close()}
 * unregisters the listener; it is idempotent.
 */
final class TunnelWatcher implements TunnelListener, AutoCloseable {
    private final TunnelManager manager;
    private final Object lock = new Object();
    /** Guarded by lock: every transition seen, as "name: previous -> current". */
    private final List<String> history = new ArrayList<>();
    /** Guarded by lock: how many transitions each tunnel has reported. */
    private final Map<String, Integer> changes = new HashMap<>();
    private ServiceRegistration<TunnelListener> registration;

    private TunnelWatcher(TunnelManager manager) {
        this.manager = manager;
    }

    /** A watcher registered in {@code context}'s framework. */
    static TunnelWatcher register(BundleContext context, TunnelManager manager) {
        TunnelWatcher w = new TunnelWatcher(manager);
        w.registration = context.registerService(TunnelListener.class, w, null);
        return w;
    }

    @Override
    public void stateChanged(Tunnel tunnel, TunnelStatus previous, TunnelStatus current) {
        synchronized (lock) {
            history.add(tunnel.name() + ": " + previous + " -> " + current);
            changes.merge(tunnel.name(), 1, Integer::sum);
            lock.notifyAll();
        }
    }

    /** Transitions reported so far for {@code name}. */
    int changeCount(String name) {
        synchronized (lock) {
            return changes.getOrDefault(name, 0);
        }
    }

    /** Every transition of {@code name} seen so far, oldest first, as "name: previous -> current". */
    List<String> transitions(String name) {
        synchronized (lock) {
            List<String> mine = new ArrayList<>();
            for (String h : history) {
                if (h.startsWith(name + ": ")) {
                    mine.add(h);
                }
            }
            return mine;
        }
    }

    /**
     * Waits until tunnel {@code name} is in {@code state} (and, unless {@code reason} is null, for that
     * reason).
     *
     * @return the tunnel's status then
     * @throws AssertionError naming the last status and the transitions seen, on timeout
     */
    TunnelStatus await(String name, TunnelState state, TunnelReason reason, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (lock) {
            while (true) {
                Optional<Tunnel> t = manager.get(name);
                TunnelStatus s = t.map(Tunnel::status).orElse(null);
                if (s != null && s.state() == state && (reason == null || s.reason() == reason)) {
                    return s;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new AssertionError("tunnel " + name + " did not reach " + state + (reason == null ? "" : " (" + reason + ")")
                            + " within " + timeoutMillis + " ms; it is " + (s == null ? "absent" : s.toString())
                            + "; transitions seen: " + recentHistory(name));
                }
                // Woken by stateChanged; the timeout also covers a tunnel that changes without telling.
                lock.wait(Math.min(left, 200));
            }
        }
    }

    /** The last few transitions of {@code name}, oldest first (lock held). */
    private String recentHistory(String name) {
        List<String> mine = transitions(name);
        return mine.subList(Math.max(0, mine.size() - 8), mine.size()).toString();
    }

    @Override
    public void close() {
        ServiceRegistration<TunnelListener> r;
        synchronized (lock) {
            r = registration;
            registration = null;
        }
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // The framework stopped first; nothing left to do.
            }
        }
    }
}
