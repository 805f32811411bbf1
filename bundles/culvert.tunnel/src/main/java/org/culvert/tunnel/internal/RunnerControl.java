package org.culvert.tunnel.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.culvert.api.tunnel.TunnelReason;

/**
 * The outer loop's shared part, for the point-to-point {@link TunnelRunner} and the {@link ServerRunner}
 * alike: the runner's thread; OpenVPN's signals as other threads raise them (SIGTERM a stop, SIGUSR1 a
 * soft and SIGHUP a hard restart, as {@code sig.c} keeps them until the loop acts); the plugins the current
 * run uses, so that a plugin's removal ends the run and returns only once it is released; and the outer
 * loop's waits (for a catalog change, a pause), which a stop, a restart or a lost plugin end.
 *
 * <p>Everything is guarded by {@link #monitor}, which a runner may also hold for its own state (a
 * caller may hold it across several of these calls to see them together).
 */
final class RunnerControl {
    /**
     * What the live run does when another thread ends it; called with the monitor held: must not block.
     */
    interface LiveRun {
        /** A stop (SIGTERM). */
        void stop();

        /** SIGUSR1 or SIGHUP. */
        void restart();

        /** A plugin the run uses is going away. */
        void pluginGone(Object service);
    }

    final Object monitor = new Object();
    private final PluginCatalog catalog;
    private final TunnelLog log;
    private final long releaseTimeoutMillis;
    /** Plugins a runner keeps between runs (a persisted tun device's driver). */
    private final Predicate<Object> keptBetweenRuns;
    private Thread thread;
    private boolean stopRequested;
    private TunnelReason stopReason = TunnelReason.USER_STOP;
    private boolean restartRequested;
    private boolean hardRestartRequested;
    private Object usedDriver;
    private Object usedBackend;
    private Object usedTransport;
    private boolean pluginLost;
    /** Which kind of plugin in use went away, so that the restart names it. */
    private TunnelReason lostPlugin = TunnelReason.DRIVER_MISSING;
    private LiveRun live;

    /** @param keptBetweenRuns true for a service the runner holds outside a run (called with the monitor held) */
    RunnerControl(PluginCatalog catalog, TunnelLog log, long releaseTimeoutMillis, Predicate<Object> keptBetweenRuns) {
        this.catalog = catalog;
        this.log = log;
        this.releaseTimeoutMillis = releaseTimeoutMillis;
        this.keptBetweenRuns = keptBetweenRuns;
    }

    void start(Runnable body, String threadName) {
        synchronized (monitor) {
            thread = new Thread(body, threadName);
            thread.setDaemon(true);
            thread.start();
        }
    }

    boolean isAlive() {
        synchronized (monitor) {
            return thread != null && thread.isAlive();
        }
    }

    boolean onRunnerThread() {
        synchronized (monitor) {
            return Thread.currentThread() == thread;
        }
    }

    /** Asks for a stop (the first reason stays) and ends the live run; returns at once. */
    void requestStop(TunnelReason reason) {
        synchronized (monitor) {
            if (!stopRequested) {
                stopRequested = true;
                stopReason = reason;
            }
            if (live != null) {
                live.stop();
            }
            monitor.notifyAll();
        }
    }

    /** Waits (bounded) for the runner's thread to end, unless called on it; true when it ended. */
    boolean join(long timeoutMillis) {
        Thread t;
        synchronized (monitor) {
            t = thread;
        }
        if (t == null || t == Thread.currentThread()) {
            return true;
        }
        try {
            t.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    /** SIGUSR1 ({@code hard} false) or SIGHUP ({@code hard} true): ends the live run; returns at once. */
    void requestRestart(boolean hard) {
        synchronized (monitor) {
            restartRequested = true;
            hardRestartRequested |= hard;
            if (live != null) {
                live.restart();
            }
            monitor.notifyAll();
        }
    }

    void pluginAdded() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    /**
     * SCR is removing {@code service}: if the runner uses it, the live run is ended and this returns only
     * once the runner let go of it (bounded, see {@link PluginRelease}), because its bundle may be stopping.
     */
    void pluginRemoved(Object service) {
        synchronized (monitor) {
            if (!uses(service)) {
                monitor.notifyAll();
                return;
            }
            pluginLost = true;
            lostPlugin = service == usedBackend ? TunnelReason.BACKEND_MISSING
                    : service == usedTransport ? TunnelReason.TRANSPORT_MISSING : TunnelReason.DRIVER_MISSING;
            if (live != null) {
                live.pluginGone(service);
            }
            monitor.notifyAll();
            if (Thread.currentThread() == thread) {
                return;
            }
            PluginRelease.await(monitor, () -> uses(service), releaseTimeoutMillis, log);
        }
    }

    private boolean uses(Object service) {
        return service == usedDriver || service == usedBackend || service == usedTransport || keptBetweenRuns.test(service);
    }

    /** A run starts with these plugins: their removal now ends it. */
    void using(PluginSelection sel) {
        synchronized (monitor) {
            usedDriver = sel.driver.service;
            usedBackend = sel.backend.service;
            usedTransport = sel.transport.service;
            pluginLost = false;
        }
    }

    /** The run let go of its plugins: a removal waiting for them returns. */
    void released() {
        synchronized (monitor) {
            live = null;
            usedDriver = null;
            usedBackend = null;
            usedTransport = null;
            monitor.notifyAll();
        }
    }

    /**
     * The run's loop is about to run: from now on a stop, a restart or a lost plugin reaches it.
     *
     * @return false (and nothing set) when one of them came already: the run ends without running
     */
    boolean goLive(LiveRun run) {
        synchronized (monitor) {
            if (stopRequested || pluginLost || restartRequested) {
                return false;
            }
            live = run;
            return true;
        }
    }

    /** The run's loop returned: nothing reaches it any more. */
    void notLive() {
        synchronized (monitor) {
            live = null;
        }
    }

    boolean isStopRequested() {
        synchronized (monitor) {
            return stopRequested;
        }
    }

    TunnelReason stopReasonOr(TunnelReason fallback) {
        synchronized (monitor) {
            return stopRequested ? stopReason : fallback;
        }
    }

    boolean isRestartRequested() {
        synchronized (monitor) {
            return restartRequested;
        }
    }

    boolean hardRestart() {
        synchronized (monitor) {
            return hardRestartRequested;
        }
    }

    /** OpenVPN's name of the pending restart signal. */
    String restartSignal() {
        return hardRestart() ? "SIGHUP" : "SIGUSR1";
    }

    /** Takes the pending restart (both kinds); true when it was a SIGHUP. */
    boolean takeHardRestart() {
        synchronized (monitor) {
            boolean hard = hardRestartRequested;
            restartRequested = false;
            hardRestartRequested = false;
            return hard;
        }
    }

    boolean pluginLostNow() {
        synchronized (monitor) {
            return pluginLost;
        }
    }

    TunnelReason lostPlugin() {
        synchronized (monitor) {
            return lostPlugin;
        }
    }

    /** Waits for a catalog generation other than {@code seen}, a stop or a SIGHUP (which may change the choice). */
    void awaitCatalogChange(long seen) {
        synchronized (monitor) {
            while (!stopRequested && !hardRestartRequested && catalog.generation() == seen) {
                waitOnMonitor(1000);
            }
        }
    }

    /** The restart pause: ends early on a stop, a restart signal or a lost plugin. */
    void pause(long millis) {
        if (millis <= 0) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (monitor) {
            while (!stopRequested && !pluginLost && !restartRequested) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return;
                }
                waitOnMonitor(left);
            }
        }
    }

    /** One wait on the monitor (held); an interrupt is a stop. */
    void waitOnMonitor(long millis) {
        try {
            monitor.wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopRequested = true;
        }
    }
}
