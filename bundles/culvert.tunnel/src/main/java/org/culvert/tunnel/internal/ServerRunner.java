package org.culvert.tunnel.internal;

import java.io.IOException;
import org.culvert.api.link.LinkListener;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;

/**
 * Runs a server-mode tunnel on its own thread with the same plugin choice and hot-swap rules as a
 * point-to-point tunnel ({@link TunnelRunner}): the driver, backend and transport are chosen from the
 * catalog by {@link PluginSelection}; while one is missing the server is WAITING, naming it; when a
 * plugin it uses goes away, the {@link ServerLoop} ends (its clients are closed), everything opened is
 * released before {@link #pluginRemoved} returns, and the server comes back by itself when a matching
 * plugin appears. A device or link failure is retried after a pause.
 */
final class ServerRunner implements Runnable {
    private static final long RELEASE_TIMEOUT_MILLIS = 5000;
    private static final long RETRY_MILLIS = 2000;

    /** What the server needs besides its plan: made by the plan builder from the options. */
    record Setup(ServerPlan plan, TunSpec tunSpec, LinkSpec linkSpec, ServerEngines engines, ClientAddressing addressing) {
    }

    private final String name;
    private final Setup setup;
    private final PluginCatalog catalog;
    private final String osName;
    private final String driverFilter;
    private final String backendFilter;
    private final String transportFilter;
    private final StatusSink sink;
    private final ServerView view;
    private final LoopClock clock;
    private final TunnelLog log;
    private final Object monitor = new Object();
    /** Guarded by monitor. */
    private Thread thread;
    private boolean stopRequested;
    private Object usedDriver;
    private Object usedBackend;
    private Object usedTransport;
    private ServerLoop loop;
    private TunnelReason lostPlugin;

    ServerRunner(String name, Setup setup, PluginCatalog catalog, String osName, String driverFilter, String backendFilter,
            String transportFilter, StatusSink sink, ServerView view, LoopClock clock, TunnelLog log) {
        this.name = name;
        this.setup = setup;
        this.catalog = catalog;
        this.osName = osName;
        this.driverFilter = driverFilter;
        this.backendFilter = backendFilter;
        this.transportFilter = transportFilter;
        this.sink = sink;
        this.view = view;
        this.clock = clock;
        this.log = log;
    }

    void start() {
        synchronized (monitor) {
            thread = new Thread(this, "culvert-server-" + name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Stops the server and returns once its thread has released everything (bounded). Idempotent. */
    void stop(TunnelReason reason) {
        Thread t;
        synchronized (monitor) {
            stopRequested = true;
            if (loop != null) {
                loop.requestStop();
            }
            monitor.notifyAll();
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(RELEASE_TIMEOUT_MILLIS * 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        sink.plugins(null, null, null, null);
        sink.status(TunnelState.STOPPED, reason, "");
    }

    void pluginAdded() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    /** SCR is removing {@code service}: if the server uses it, it is released before this returns (bounded). */
    void pluginRemoved(Object service) {
        synchronized (monitor) {
            if (service != usedDriver && service != usedBackend && service != usedTransport) {
                monitor.notifyAll();
                return;
            }
            lostPlugin = service == usedBackend ? TunnelReason.BACKEND_MISSING
                    : service == usedTransport ? TunnelReason.TRANSPORT_MISSING : TunnelReason.DRIVER_MISSING;
            if (loop != null) {
                loop.requestExit();
            }
            monitor.notifyAll();
            if (Thread.currentThread() == thread) {
                return;
            }
            PluginRelease.await(monitor, () -> service == usedDriver || service == usedBackend || service == usedTransport,
                    RELEASE_TIMEOUT_MILLIS, log);
        }
    }

    @Override
    public void run() {
        setup.addressing().start();
        while (!stopping()) {
            PluginCatalog.Snapshot snapshot = catalog.snapshot();
            PluginSelection selection = PluginSelection.choose(snapshot, setup.tunSpec().layer(), setup.linkSpec().protocol(), osName,
                    driverFilter, backendFilter, transportFilter);
            if (!selection.complete()) {
                sink.plugins(null, null, null, null);
                sink.status(TunnelState.WAITING, selection.missing, selection.detail);
                awaitChange(snapshot.generation, Long.MAX_VALUE);
                continue;
            }
            TunnelReason failed = runOnce(selection, snapshot.generation);
            if (failed != null && !stopping()) {
                awaitChange(-1, clock.millis() + RETRY_MILLIS);
            }
        }
        setup.engines().close();
        setup.addressing().close();
    }

    private boolean stopping() {
        synchronized (monitor) {
            return stopRequested;
        }
    }

    /** Waits for a catalog generation other than {@code seen} (-1: none), a stop, or the deadline. */
    private void awaitChange(long seen, long deadline) {
        synchronized (monitor) {
            while (!stopRequested && (seen < 0 || catalog.generation() == seen) && clock.millis() < deadline) {
                try {
                    monitor.wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopRequested = true;
                }
            }
        }
    }

    /** One run of the server loop with the chosen plugins; returns why it failed, or null when it ended as asked. */
    private TunnelReason runOnce(PluginSelection sel, long generation) {
        TunDevice tun = null;
        LinkSocket link = null;
        LinkListener listener = null;
        synchronized (monitor) {
            usedDriver = sel.driver.service;
            usedBackend = sel.backend.service;
            usedTransport = sel.transport.service;
            lostPlugin = null;
        }
        try {
            if (catalog.generation() != generation) {
                return null; // a plugin came or went since the choice: choose again
            }
            sink.status(TunnelState.CONNECTING, TunnelReason.NONE, "");
            tun = sel.driver.service.open(setup.tunSpec());
            log.info("TUN/TAP device " + tun.name() + " opened (" + sel.driver.name() + " driver)");
            ServerLoop running;
            if (setup.linkSpec().protocol() == LinkProtocol.TCP_SERVER) {
                listener = sel.transport.service.listen(setup.linkSpec());
                running = new ServerLoop(setup.plan(), tun, listener, sel.backend.service, setup.engines(), setup.addressing(), clock, log,
                        view.sink());
            } else {
                link = sel.transport.service.open(setup.linkSpec());
                running = new ServerLoop(setup.plan(), tun, link, sel.backend.service, setup.engines(), setup.addressing(), clock, log,
                        view.sink());
            }
            synchronized (monitor) {
                if (stopRequested || lostPlugin != null) {
                    return null;
                }
                loop = running;
            }
            view.attach(running);
            sink.plugins(sel.driver.name(), sel.backend.name(), sel.transport.name(), tun.name());
            sink.status(TunnelState.UP, TunnelReason.NONE, "serving on " + (link != null ? link.local() : listener.local()) + " with " + setup.plan().dataThreads() + " data threads");
            log.info("Initialization Sequence Completed");
            running.run(name);
            return null;
        } catch (IOException | RuntimeException e) {
            TunnelReason reason = e instanceof org.culvert.api.tun.TunException ? TunnelReason.TUN_ERROR
                    : e instanceof org.culvert.api.link.LinkException ? TunnelReason.LINK_ERROR : TunnelReason.INTERNAL_ERROR;
            log.warn("server: " + e.getMessage());
            sink.plugins(null, null, null, null);
            sink.status(TunnelState.RECONNECTING, reason, String.valueOf(e.getMessage()));
            return reason;
        } finally {
            view.attach(null);
            if (link != null) {
                link.close();
            }
            if (listener != null) {
                listener.close();
            }
            if (tun != null) {
                tun.close();
            }
            synchronized (monitor) {
                loop = null;
                usedDriver = null;
                usedBackend = null;
                usedTransport = null;
                monitor.notifyAll();
            }
        }
    }
}
