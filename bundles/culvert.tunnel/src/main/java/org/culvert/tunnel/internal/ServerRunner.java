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
 * point-to-point tunnel ({@link TunnelRunner}, sharing {@link RunnerControl}): the driver, backend and
 * transport are chosen from the catalog by {@link PluginSelection}; while one is missing the server is
 * WAITING, naming it; when a plugin it uses goes away, the {@link ServerLoop} ends (its clients are
 * closed), everything opened is released before {@link #pluginRemoved} returns, and the server comes
 * back by itself when a matching plugin appears. A device or link failure is retried after a pause.
 *
 * <p>OpenVPN's restart signals restart the server as its {@code sig.c} does: the clients are told
 * {@code RESTART} first under {@code explicit-exit-notify} ({@code multi_process_signal}), every
 * instance is closed (client-disconnect, pool entry released), and the loop starts again; SIGUSR1 keeps
 * the tun device under {@code persist-tun}, SIGHUP re-reads the configuration (the engines and the pool
 * are made anew, the pool's persist file written and read again). The server's counters go on across
 * restarts ({@link ServerView}).
 */
final class ServerRunner implements Runnable {
    private static final long RELEASE_TIMEOUT_MILLIS = 5000;
    private static final long RETRY_MILLIS = 2000;

    /** What the server needs besides its plan: made by the plan builder from the options. */
    record Setup(ServerPlan plan, TunSpec tunSpec, LinkSpec linkSpec, ServerEngines engines, ClientAddressing addressing) {
    }

    /** Re-reads the configuration for a SIGHUP. */
    interface SetupSource {
        Setup reload() throws PlanBuilder.PlanException;
    }

    /** How one run ended. */
    private enum Outcome { ENDED, RECHOOSE, FAILED, SIGNALLED }

    private final String name;
    /** Runner thread only (read by other threads for nothing). */
    private volatile Setup setup;
    private final SetupSource setupSource;
    private final PluginCatalog catalog;
    private final String osName;
    private final String driverFilter;
    private final String backendFilter;
    private final String transportFilter;
    private final StatusSink sink;
    private final ServerView view;
    private final LoopClock clock;
    private final TunnelLog log;
    private final RunnerControl control;
    /** The tun device kept by a SIGUSR1 under persist-tun, and its driver; guarded by control.monitor. */
    private TunDevice persistedTun;
    private Object persistedDriver;

    ServerRunner(String name, Setup setup, PluginCatalog catalog, String osName, String driverFilter, String backendFilter,
            String transportFilter, StatusSink sink, ServerView view, LoopClock clock, TunnelLog log) {
        this(name, setup, null, catalog, osName, driverFilter, backendFilter, transportFilter, sink, view, clock, log);
    }

    /** @param setupSource re-reads the configuration on SIGHUP; null to restart with the same setup */
    ServerRunner(String name, Setup setup, SetupSource setupSource, PluginCatalog catalog, String osName, String driverFilter,
            String backendFilter, String transportFilter, StatusSink sink, ServerView view, LoopClock clock, TunnelLog log) {
        this.name = name;
        this.setup = setup;
        this.setupSource = setupSource;
        this.catalog = catalog;
        this.osName = osName;
        this.driverFilter = driverFilter;
        this.backendFilter = backendFilter;
        this.transportFilter = transportFilter;
        this.sink = sink;
        this.view = view;
        this.clock = clock;
        this.log = log;
        this.control = new RunnerControl(catalog, log, RELEASE_TIMEOUT_MILLIS, s -> s != null && s == persistedDriver);
    }

    void start() {
        control.start(this, "culvert-server-" + name);
    }

    /** Stops the server and returns once its thread has released everything (bounded). Idempotent. */
    void stop(TunnelReason reason) {
        control.requestStop(reason);
        control.join(RELEASE_TIMEOUT_MILLIS * 2);
        sink.plugins(null, null, null, null);
        sink.status(TunnelState.STOPPED, reason, "");
    }

    /** SIGUSR1 ({@code hard} false) or SIGHUP ({@code hard} true): restart now; returns at once. */
    void requestRestart(boolean hard) {
        control.requestRestart(hard);
    }

    void pluginAdded() {
        control.pluginAdded();
    }

    /** SCR is removing {@code service}: if the server uses it, it is released before this returns (bounded). */
    void pluginRemoved(Object service) {
        control.pluginRemoved(service);
    }

    @Override
    public void run() {
        setup.addressing().start();
        try {
            while (!control.isStopRequested()) {
                if (control.takeHardRestart() && !reload()) {
                    return;
                }
                PluginCatalog.Snapshot snapshot = catalog.snapshot();
                PluginSelection selection = PluginSelection.choose(snapshot, setup.tunSpec().layer(), setup.linkSpec().protocol(), osName,
                        driverFilter, backendFilter, transportFilter);
                if (!selection.complete()) {
                    releasePersistedTun();
                    sink.plugins(null, null, null, null);
                    sink.status(TunnelState.WAITING, selection.missing, selection.detail);
                    control.awaitCatalogChange(snapshot.generation);
                    continue;
                }
                Outcome outcome = runOnce(selection, snapshot.generation);
                if (outcome == Outcome.RECHOOSE || control.isStopRequested()) {
                    continue;
                }
                view.restarted();
                if (outcome == Outcome.FAILED) {
                    control.pause(RETRY_MILLIS);
                }
            }
        } finally {
            releasePersistedTun();
            setup.engines().close();
            setup.addressing().close();
        }
    }

    /** SIGHUP: the configuration read again; the old engines and pool closed (its persist file written). False on a bad one. */
    private boolean reload() {
        releasePersistedTun();
        if (setupSource == null) {
            return true;
        }
        Setup fresh;
        try {
            fresh = setupSource.reload();
        } catch (PlanBuilder.PlanException | RuntimeException e) {
            log.warn("SIGHUP: " + e.getMessage());
            sink.plugins(null, null, null, null);
            sink.status(TunnelState.FAILED, TunnelReason.CONFIG_ERROR, "SIGHUP: " + e.getMessage());
            return false;
        }
        Setup old = setup;
        old.engines().close();
        old.addressing().close();
        setup = fresh;
        fresh.addressing().start();
        log.info("SIGHUP: configuration re-read");
        return true;
    }

    /** One run of the server loop with the chosen plugins. */
    private Outcome runOnce(PluginSelection sel, long generation) {
        Setup s = setup;
        TunDevice tun = null;
        LinkSocket link = null;
        LinkListener listener = null;
        boolean keepTun = false;
        control.using(sel);
        try {
            if (catalog.generation() != generation) {
                return Outcome.RECHOOSE; // a plugin came or went since the choice: choose again
            }
            sink.status(TunnelState.CONNECTING, TunnelReason.NONE, "");
            tun = takePersistedTun(sel.driver.service);
            if (tun == null) {
                tun = sel.driver.service.open(s.tunSpec());
                log.info("TUN/TAP device " + tun.name() + " opened (" + sel.driver.name() + " driver)");
            } else {
                log.info("Preserving previous TUN/TAP instance: " + tun.name()); // OpenVPN's line under persist-tun
            }
            ServerLoop running;
            if (s.linkSpec().protocol() == LinkProtocol.TCP_SERVER) {
                listener = sel.transport.service.listen(s.linkSpec());
                running = new ServerLoop(s.plan(), tun, listener, sel.backend.service, s.engines(), s.addressing(), clock, log,
                        view.sink());
            } else {
                link = sel.transport.service.open(s.linkSpec());
                running = new ServerLoop(s.plan(), tun, link, sel.backend.service, s.engines(), s.addressing(), clock, log,
                        view.sink());
            }
            if (!control.goLive(new RunnerControl.LiveRun() {
                @Override
                public void stop() {
                    running.requestStop();
                }

                @Override
                public void restart() {
                    running.requestStop(); // OpenVPN tells its clients RESTART on SIGUSR1/SIGHUP as on SIGTERM
                }

                @Override
                public void pluginGone(Object service) {
                    running.requestExit();
                }
            })) {
                running.close();
                if (control.isRestartRequested() && !control.isStopRequested() && !control.pluginLostNow()) {
                    keepTun = !control.hardRestart();
                    restarting();
                    return Outcome.SIGNALLED;
                }
                return Outcome.ENDED;
            }
            view.attach(running);
            sink.plugins(sel.driver.name(), sel.backend.name(), sel.transport.name(), tun.name());
            sink.offloads(tun::offloads, link != null ? link::offloads : () -> "none: tcp server");
            sink.status(TunnelState.UP, TunnelReason.NONE, "serving on " + (link != null ? link.local() : listener.local()) + " with "
                    + s.plan().dataThreads() + " data threads");
            log.info("Initialization Sequence Completed");
            running.run(name);
            control.notLive();
            if (control.isStopRequested()) {
                return Outcome.ENDED;
            }
            if (control.pluginLostNow()) {
                TunnelReason lost = control.lostPlugin();
                sink.plugins(null, null, null, null);
                sink.status(TunnelState.RECONNECTING, lost, RunResult.lostPluginDetail(sel, lost));
                return Outcome.ENDED;
            }
            if (control.isRestartRequested()) {
                keepTun = !control.hardRestart();
                restarting();
                return Outcome.SIGNALLED;
            }
            return Outcome.ENDED;
        } catch (IOException | RuntimeException e) {
            TunnelReason reason = e instanceof org.culvert.api.tun.TunException ? TunnelReason.TUN_ERROR
                    : e instanceof org.culvert.api.link.LinkException ? TunnelReason.LINK_ERROR : TunnelReason.INTERNAL_ERROR;
            log.warn("server: " + e.getMessage());
            sink.plugins(null, null, null, null);
            sink.status(TunnelState.RECONNECTING, reason, String.valueOf(e.getMessage()));
            return Outcome.FAILED;
        } finally {
            control.notLive();
            view.attach(null);
            if (link != null) {
                link.close();
            }
            if (listener != null) {
                listener.close();
            }
            if (tun != null) {
                if (keepTun && s.tunSpec().persist() && !control.isStopRequested() && !control.pluginLostNow()) {
                    synchronized (control.monitor) {
                        persistedTun = tun;
                        persistedDriver = sel.driver.service;
                    }
                } else {
                    tun.close();
                }
            }
            control.released();
        }
    }

    /** A restart signal ends the run: OpenVPN's log line and RECONNECTING with the signal's name. */
    private void restarting() {
        String signal = control.restartSignal();
        log.info(control.hardRestart() ? "SIGHUP[hard,] received, process restarting" : "SIGUSR1[soft,] received, process restarting");
        sink.plugins(null, null, null, null);
        sink.status(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, signal);
    }

    /** The device a SIGUSR1 kept, when {@code driver} made it; else it is closed here and null returned. */
    private TunDevice takePersistedTun(Object driver) {
        synchronized (control.monitor) {
            TunDevice kept = persistedTun;
            Object keptDriver = persistedDriver;
            persistedTun = null;
            persistedDriver = null;
            if (kept != null && keptDriver != driver) {
                kept.close();
                kept = null;
            }
            control.monitor.notifyAll();
            return kept;
        }
    }

    private void releasePersistedTun() {
        synchronized (control.monitor) {
            if (persistedTun != null) {
                persistedTun.close();
                persistedTun = null;
                persistedDriver = null;
                control.monitor.notifyAll();
            }
        }
    }
}
