package org.culvert.tunnel.internal;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunException;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;

/**
 * One tunnel's thread: OpenVPN's outer loop around {@code tunnel_point_to_point}. It picks plugins
 * from the catalog, opens device, link and event set, runs the {@link PointToPointLoop}, and on a
 * restart cause (ping-restart, link error, a lost plugin) releases what it opened and starts over with
 * the same configuration, keeping the tun device under {@code --persist-tun} when its driver remains.
 * When a plugin it needs is missing it waits, naming what is missing, until one appears.
 *
 * <p>Other threads call only {@link #start()}, {@link #stop(TunnelReason)}, {@link #pluginAdded()} and
 * {@link #pluginRemoved(Object)}.
 */
final class TunnelRunner implements Runnable {
    private static final long ESTABLISH_SLICE_MILLIS = 250;
    private static final long RELEASE_TIMEOUT_MILLIS = 10_000;

    /** Re-reads the configuration for a SIGHUP. */
    interface PlanSource {
        TunnelPlan reload() throws PlanBuilder.PlanException;
    }

    private final String name;
    private volatile TunnelPlan plan;
    private final PlanSource planSource;
    private final PluginCatalog catalog;
    private final String osName;
    private final String driverFilter;
    private final String backendFilter;
    private final String transportFilter;
    private final StatusSink sink;
    private final Counters counters;
    private final TunnelLog log;
    private final LoopClock clock;
    private final Object monitor = new Object();
    private Thread thread;

    // Guarded by monitor: what the current run holds, so that a plugin's removal waits for its release.
    private Object usedDriver;
    private Object usedBackend;
    private Object usedTransport;
    private PointToPointLoop loop;
    private LinkSocket establishingLink;
    private boolean stopRequested;
    private TunnelReason stopReason = TunnelReason.USER_STOP;
    private long pluginGeneration;
    private boolean pluginLost;
    /** Which kind of plugin in use went away, so that the restart names it. */
    private TunnelReason lostPlugin = TunnelReason.DRIVER_MISSING;
    /** An operator's SIGUSR1 (soft) or SIGHUP (hard) not yet acted upon. */
    private boolean restartRequested;
    private boolean hardRestartRequested;
    /** --management-hold / "hold on": wait for a release before each (re)connection. */
    private boolean holdFlag;
    private boolean holdReleased;
    private boolean holding;

    /** Kept across restarts under --persist-tun; touched only by the tunnel thread. */
    private TunDevice persistedDevice;
    private TunDriver persistedDriver;
    /** Pull mode: what the persisted device was opened for, so that changed pushed addresses reopen it. */
    private org.culvert.api.tun.TunSpec persistedSpec;
    /** Pull mode: the device of the current run as the server's options made it; null before the push. */
    private volatile org.culvert.api.tun.TunSpec pulledSpec;
    /** Pull mode: the pushed options of the current run as taken, for status surfaces; empty before the push. */
    private volatile String pulledOptions = "";

    TunnelRunner(String name, TunnelPlan plan, PluginCatalog catalog, String osName, String driverFilter,
            String backendFilter, String transportFilter, StatusSink sink, Counters counters, LoopClock clock) {
        this(name, plan, null, catalog, osName, driverFilter, backendFilter, transportFilter, sink, counters, clock,
                new TunnelLog(name));
    }

    /** @param planSource re-reads the configuration on SIGHUP; null to restart with the same plan */
    TunnelRunner(String name, TunnelPlan plan, PlanSource planSource, PluginCatalog catalog, String osName, String driverFilter,
            String backendFilter, String transportFilter, StatusSink sink, Counters counters, LoopClock clock, TunnelLog log) {
        this.name = name;
        this.plan = plan;
        this.planSource = planSource;
        this.holdFlag = plan.operations.management() != null && plan.operations.management().hold();
        this.catalog = catalog;
        this.osName = osName;
        this.driverFilter = driverFilter;
        this.backendFilter = backendFilter;
        this.transportFilter = transportFilter;
        this.sink = sink;
        this.counters = counters;
        this.clock = clock;
        this.log = log;
    }

    void start() {
        synchronized (monitor) {
            thread = new Thread(this, "culvert-tunnel-" + name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Stops the tunnel and returns once its thread has released everything (or after a bounded wait). */
    void stop(TunnelReason reason) {
        Thread t;
        synchronized (monitor) {
            if (!stopRequested) {
                stopRequested = true;
                stopReason = reason;
            }
            if (loop != null) {
                loop.requestExit(PointToPointLoop.Exit.STOP_REQUESTED);
            }
            monitor.notifyAll();
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(RELEASE_TIMEOUT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                log.warn("tunnel thread did not stop within " + RELEASE_TIMEOUT_MILLIS + " ms");
            }
        }
    }

    /** Asks the tunnel to stop without waiting for it (a SIGTERM from a management client). */
    void requestStop(TunnelReason reason) {
        synchronized (monitor) {
            if (!stopRequested) {
                stopRequested = true;
                stopReason = reason;
            }
            if (loop != null) {
                loop.requestExit(PointToPointLoop.Exit.STOP_REQUESTED);
            }
            monitor.notifyAll();
        }
    }

    /** SIGUSR1 ({@code hard} false) or SIGHUP ({@code hard} true): restart now; returns at once. */
    void requestRestart(boolean hard) {
        synchronized (monitor) {
            restartRequested = true;
            hardRestartRequested |= hard;
            if (loop != null) {
                loop.requestExit(PointToPointLoop.Exit.RESTART_REQUESTED);
            }
            monitor.notifyAll();
        }
    }

    boolean holdFlag() {
        synchronized (monitor) {
            return holdFlag;
        }
    }

    void holdFlag(boolean on) {
        synchronized (monitor) {
            holdFlag = on;
            monitor.notifyAll();
        }
    }

    boolean isHolding() {
        synchronized (monitor) {
            return holding;
        }
    }

    void releaseHold() {
        synchronized (monitor) {
            holdReleased = true;
            monitor.notifyAll();
        }
    }

    boolean isAlive() {
        synchronized (monitor) {
            return thread != null && thread.isAlive();
        }
    }

    void pluginAdded() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    /**
     * Called by SCR while {@code service} goes away. If this tunnel uses it, the run is ended and this
     * method returns only once the tunnel no longer touches the service (bounded), because the
     * service's bundle may be stopping.
     */
    void pluginRemoved(Object service) {
        synchronized (monitor) {
            if (service != usedDriver && service != usedBackend && service != usedTransport && service != persistedDriver) {
                monitor.notifyAll();
                return;
            }
            pluginLost = true;
            lostPlugin = service == usedBackend ? TunnelReason.BACKEND_MISSING
                    : service == usedTransport ? TunnelReason.TRANSPORT_MISSING : TunnelReason.DRIVER_MISSING;
            if (loop != null) {
                loop.requestExit(PointToPointLoop.Exit.PLUGIN_GONE);
            }
            if (establishingLink != null && service == usedTransport) {
                establishingLink.close();
            }
            monitor.notifyAll();
            if (Thread.currentThread() == thread) {
                return;
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RELEASE_TIMEOUT_MILLIS);
            while (service == usedDriver || service == usedBackend || service == usedTransport || service == persistedDriver) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    log.warn("a removed plugin was not released within " + RELEASE_TIMEOUT_MILLIS + " ms");
                    return;
                }
                try {
                    monitor.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void run() {
        long restartDelay = 0;
        boolean holdPassed = false;
        RestartPause pause = new RestartPause();
        logWarnings(plan, log);
        try {
            while (!isStopRequested()) {
                try {
                    if (takeHardRestart() && !reloadPlan()) {
                        break;
                    }
                    if (!holdPassed) {
                        // OpenVPN holds before each (re)connection, in place of the restart pause.
                        Hold hold = awaitHoldRelease(restartDelay);
                        if (hold == Hold.STOPPED) {
                            break;
                        }
                        holdPassed = true;
                        if (restartDelay > 0 && hold == Hold.NOT_HELD) {
                            sleepInterruptibly(restartDelay);
                            // An operator's restart during the pause ends it; a SIGHUP still re-reads the configuration.
                            if (isStopRequested() || (takeHardRestart() && !reloadPlan())) {
                                break;
                            }
                        }
                    }
                    PluginCatalog.Snapshot snapshot = catalog.snapshot();
                    PluginSelection selection = PluginSelection.choose(snapshot, plan.layer(), plan.protocol(), osName,
                            driverFilter, backendFilter, transportFilter);
                    if (!selection.complete()) {
                        releasePersistedDeviceIfDriverGone(snapshot);
                        sink.plugins(null, null, null, null);
                        sink.status(TunnelState.WAITING, selection.missing, selection.detail);
                        waitForPluginChange(snapshot.generation);
                        continue;
                    }
                    RunResult result = runOnce(selection, snapshot.generation, pause);
                    if (result.rechoose) {
                        continue;
                    }
                    holdPassed = false;
                    synchronized (monitor) {
                        // OpenVPN forgets a release when the instance ends: the next hold needs a new one.
                        holdReleased = false;
                    }
                    sink.connection(org.culvert.api.tunnel.TunnelConnection.NONE);
                    if (result.finalState != null) {
                        sink.status(result.finalState, result.reason, result.detail);
                        break;
                    }
                    if (isStopRequested()) {
                        break;
                    }
                    counters.restart();
                    restartDelay = result.immediateRestart ? 0 : restartPauseMillis(pause);
                    if (restartDelay > 0) {
                        log.detail("Restart pause, " + restartDelay / 1000 + " second(s)"); // OpenVPN's D_RESTART, verb 3
                    }
                    sink.status(TunnelState.RECONNECTING, result.reason, result.detail
                            + (restartDelay > 0 ? " (restart in " + restartDelay / 1000.0 + " s)" : ""));
                } catch (RuntimeException | AssertionError | StackOverflowError e) {
                    // A bug in the runner's own steps: a soft restart after OpenVPN's pause, never a dead tunnel.
                    log.error("internal error, restarting", e);
                    holdPassed = false;
                    closePersistedDevice();
                    sink.plugins(null, null, null, null);
                    counters.restart();
                    restartDelay = restartPauseMillis(pause);
                    sink.status(TunnelState.RECONNECTING, TunnelReason.INTERNAL_ERROR, String.valueOf(e)
                            + (restartDelay > 0 ? " (restart in " + restartDelay / 1000.0 + " s)" : ""));
                }
            }
        } catch (Error e) {
            log.error("internal error, tunnel stopped", e);
            closePersistedDevice();
            sink.plugins(null, null, null, null);
            sink.status(TunnelState.FAILED, TunnelReason.INTERNAL_ERROR, String.valueOf(e));
            plan.wipe();
            return;
        }
        closePersistedDevice();
        sink.plugins(null, null, null, null);
        log.info("counters: " + counters.snapshot());
        plan.wipe(); // the run is over for good: no session will be built from its keys again
        synchronized (monitor) {
            if (stopRequested) {
                sink.status(TunnelState.STOPPED, stopReason, "");
            }
        }
    }

    /** How a hold ended: it did not apply, it waited (then the restart pause is skipped, as OpenVPN does), or a stop came. */
    private enum Hold { NOT_HELD, RELEASED, STOPPED }

    /** Waits while the hold flag is set and no release came. */
    private Hold awaitHoldRelease(long restartDelayMillis) {
        synchronized (monitor) {
            if (stopRequested) {
                return Hold.STOPPED;
            }
            if (!holdFlag || holdReleased) {
                return Hold.NOT_HELD;
            }
            holding = true;
        }
        sink.plugins(null, null, null, null);
        // OpenVPN's >HOLD text, with the restart pause it replaces in seconds.
        sink.status(TunnelState.WAITING, TunnelReason.MANAGEMENT_HOLD,
                "Waiting for hold release:" + (restartDelayMillis / 1000));
        log.info("Need hold release from management interface, waiting...");
        synchronized (monitor) {
            try {
                while (holdFlag && !holdReleased && !stopRequested) {
                    try {
                        monitor.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        stopRequested = true;
                    }
                }
            } finally {
                holding = false;
            }
            return stopRequested ? Hold.STOPPED : Hold.RELEASED;
        }
    }

    /** The configuration's warnings (OpenVPN's, in its words) go to the tunnel log, as OpenVPN logs them at start. */
    static void logWarnings(TunnelPlan plan, TunnelLog log) {
        for (String w : plan.warnings) {
            log.warn(w);
        }
    }

    private boolean takeHardRestart() {
        synchronized (monitor) {
            boolean hard = hardRestartRequested;
            restartRequested = false;
            hardRestartRequested = false;
            return hard;
        }
    }

    /** SIGHUP: a fresh plan from the configuration, and a fresh tun device. False when the new configuration is bad. */
    private boolean reloadPlan() {
        closePersistedDevice();
        if (planSource == null) {
            return true;
        }
        try {
            TunnelPlan old = plan;
            plan = planSource.reload();
            old.wipe();
            log.info("SIGHUP: configuration re-read");
            logWarnings(plan, log);
            return true;
        } catch (PlanBuilder.PlanException e) {
            log.warn("SIGHUP: " + e.getMessage());
            sink.plugins(null, null, null, null);
            sink.status(TunnelState.FAILED, TunnelReason.CONFIG_ERROR, e.getMessage());
            return false;
        }
    }

    private long restartPauseMillis(RestartPause pause) {
        TunnelPlan p = plan;
        return pause.nextPauseSeconds(p.linkSpec, "tls-client".equals(p.role)) * 1000;
    }

    private static final class RunResult {
        TunnelState finalState;
        TunnelReason reason = TunnelReason.NONE;
        String detail = "";
        /** Only for a lost plugin, a Culvert-only cause: every OpenVPN restart cause pauses as {@link RestartPause} says. */
        boolean immediateRestart;
        /** Nothing was opened: the catalog changed under the choice, choose again. */
        boolean rechoose;
    }

    private RunResult runOnce(PluginSelection sel, long generation, RestartPause pause) {
        RunResult result = new RunResult();
        TunDevice device = null;
        LinkSocket link = null;
        EventSet eventSet = null;
        PointToPointLoop currentLoop = null;
        PeerSession session = null;
        boolean keepDevice = false;
        TunDevice[] opened = {null};
        long[] upSince = { -1 };
        synchronized (monitor) {
            usedDriver = sel.driver.service;
            usedBackend = sel.backend.service;
            usedTransport = sel.transport.service;
            pluginLost = false;
        }
        try {
            if (catalog.generation() != generation) {
                // A plugin came or went since the choice was made: choose again.
                result.rechoose = true;
                return result;
            }
            pause.attemptStarted();
            sink.status(TunnelState.CONNECTING, TunnelReason.NONE, "");
            boolean pulls = plan.pulls();
            pulledSpec = null;
            pulledOptions = "";
            // Pull mode opens the device only once the server's options are known (OpenVPN's do_up).
            TunDevice loopDevice = pulls ? new PendingDevice(plan.layer(), plan.tunSpec.mtu()) : openDevice(sel.driver.service);
            device = pulls ? null : loopDevice;
            sink.plugins(sel.driver.name(), sel.backend.name(), sel.transport.name(), loopDevice.name());
            if (!pulls) {
                log.info("TUN/TAP device " + device.name() + " opened (" + sel.driver.name() + " driver)");
            }
            link = sel.transport.service.open(plan.linkSpec);
            if (!establish(link)) {
                if (isRestartRequested()) {
                    result.reason = TunnelReason.USER_RESTART;
                    result.detail = hardRestart() ? "SIGHUP" : "SIGUSR1";
                    keepDevice = !hardRestart();
                    return result;
                }
                result.reason = stopReasonOr(TunnelReason.TRANSPORT_MISSING);
                return result;
            }
            log.info("link " + plan.linkSpec.protocol().optionName() + " local " + link.local()
                    + (link.remote() != null ? " remote " + link.remote() : " (waiting for the peer)"));
            publishConnection(link, null, "");
            checkHandleKinds(sel.backend.service, loopDevice, link);
            eventSet = sel.backend.service.open(4);
            try {
                session = plan.sessionFactory.newSession(clock);
            } catch (Exception e) {
                // What no retry mends: a bad key file, an unusable certificate, a cipher the configuration cannot have.
                log.error("cannot start the protocol engine", e);
                result.reason = TunnelReason.CONFIG_ERROR;
                result.detail = e.getMessage();
                result.finalState = TunnelState.FAILED;
                return result;
            }
            session.linkIpv6(link.local() instanceof java.net.InetSocketAddress
                    && ((java.net.InetSocketAddress) link.local()).getAddress() instanceof java.net.Inet6Address);
            PeerSession started = session;
            LinkSocket openLink = link;
            long[] upAt = upSince;
            currentLoop = new PointToPointLoop(loopDevice, link, eventSet, session, counters, clock, plan.floatAllowed, 32,
                    plan.maxPayload, plan.linkSpec.maxPacketSize(), log, () -> {
                        upAt[0] = clock.millis();
                        pause.initializationCompleted();
                        String negotiated = started.negotiated();
                        if (!negotiated.isEmpty()) {
                            log.info(negotiated);
                        }
                        publishConnection(openLink, java.time.Instant.now(), negotiated);
                        sink.status(TunnelState.UP, TunnelReason.NONE, "");
                        log.info("Initialization Sequence Completed");
                    }, () -> {
                        if (upAt[0] >= 0) {
                            publishConnection(openLink, java.time.Instant.now(), started.negotiated());
                        }
                        // OpenVPN logs each TLS session at verb 3 ("Control Channel: ..."); one line per renegotiation here.
                        int keys = started.keyGeneration();
                        if (keys > 1) {
                            log.info("Data channel keys renegotiated (key generation " + keys + ")");
                        }
                    });
            if (pulls) {
                currentLoop.deviceOpener(pushed -> {
                    opened[0] = openPulledDevice(sel, openLink, pushed);
                    return opened[0];
                });
            }
            synchronized (monitor) {
                if (stopRequested || pluginLost) {
                    result.reason = stopRequested ? stopReason : lostPlugin;
                    return result;
                }
                if (restartRequested) {
                    result.reason = TunnelReason.USER_RESTART;
                    result.detail = hardRestartRequested ? "SIGHUP" : "SIGUSR1";
                    keepDevice = !hardRestartRequested;
                    return result;
                }
                loop = currentLoop;
            }
            PointToPointLoop.Exit exit = currentLoop.run();
            switch (exit) {
                case STOP_REQUESTED:
                    long notifyFor = session.beginExitNotify();
                    if (notifyFor > 0 && !plan.linkSpec.protocol().isStream()) {
                        currentLoop.drainExitNotifications(clock.millis() + notifyFor);
                    }
                    result.reason = stopReasonOr(TunnelReason.USER_STOP);
                    break;
                case RESTART_REQUESTED:
                    log.info(hardRestart() ? "SIGHUP[hard,] received, process restarting" : "SIGUSR1[soft,] received, process restarting");
                    result.reason = TunnelReason.USER_RESTART;
                    result.detail = hardRestart() ? "SIGHUP" : "SIGUSR1";
                    keepDevice = !hardRestart();
                    break;
                case PLUGIN_GONE:
                    result.reason = lostPlugin();
                    result.detail = lostPluginDetail(sel, result.reason);
                    result.immediateRestart = true;
                    break;
                case PING_RESTART:
                    log.info("Inactivity timeout (--ping-restart), restarting");
                    result.reason = TunnelReason.PING_RESTART;
                    keepDevice = true;
                    break;
                case PING_EXIT:
                    log.info("Inactivity timeout (--ping-exit), exiting");
                    result.finalState = TunnelState.STOPPED;
                    result.reason = TunnelReason.PING_EXIT;
                    break;
                case INACTIVE:
                    log.info("Inactivity timeout (--inactive), exiting");
                    result.finalState = TunnelState.STOPPED;
                    result.reason = TunnelReason.INACTIVITY;
                    break;
                case PEER_EXIT:
                    log.info("Peer announced its exit, restarting");
                    result.reason = TunnelReason.PEER_EXIT;
                    keepDevice = true;
                    break;
                case HANDSHAKE_FAILED:
                    result.reason = PullPhase.reason(session.failureReason());
                    log.warn((result.reason == TunnelReason.HANDSHAKE_FAILED ? "TLS Error: " : "") + session.failure());
                    result.detail = session.failure();
                    keepDevice = true;
                    if (result.reason == TunnelReason.SERVER_HALT) {
                        result.finalState = TunnelState.STOPPED;
                    }
                    break;
                case DECRYPT_ERROR:
                    log.warn("Authentication failure on a TCP link, restarting (as OpenVPN does)");
                    result.reason = TunnelReason.DECRYPT_ERROR;
                    keepDevice = true;
                    break;
                case INTERNAL_ERROR:
                    log.warn("the session keeps failing (see the internal errors above), restarting");
                    result.reason = TunnelReason.INTERNAL_ERROR;
                    result.detail = "the session's timers or output kept throwing";
                    keepDevice = true;
                    break;
                default:
                    throw new IllegalStateException(exit.toString());
            }
        } catch (TunException e) {
            log.warn("tun: " + e.getMessage() + " [" + e.reason() + "]");
            result.reason = TunnelReason.TUN_ERROR;
            result.detail = e.reason() + ": " + e.getMessage();
            if (isPermanent(e)) {
                result.finalState = TunnelState.FAILED;
            }
        } catch (LinkException e) {
            log.warn("link: " + e.getMessage() + " [" + e.reason() + "]");
            result.reason = TunnelReason.LINK_ERROR;
            result.detail = e.reason() + ": " + e.getMessage();
            keepDevice = true;
        } catch (IOException e) {
            log.warn("I/O error: " + e.getMessage());
            result.reason = TunnelReason.INTERNAL_ERROR;
            result.detail = e.toString();
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            // A bug met after start (in a plugin, the loop or an engine outside a packet): a soft restart.
            log.error("internal error, restarting", e);
            result.reason = TunnelReason.INTERNAL_ERROR;
            result.detail = String.valueOf(e);
            keepDevice = true;
        } finally {
            synchronized (monitor) {
                loop = null;
                establishingLink = null;
            }
            if (device == null) {
                device = opened[0];
            }
            if (session != null) {
                session.close();
            }
            if (eventSet != null) {
                eventSet.close();
            }
            if (link != null) {
                link.close();
            }
            boolean persist = device != null && keepDevice && plan.tunSpec.persist() && !isStopRequested() && !pluginLostNow();
            if (persist) {
                persistedDevice = device;
                persistedDriver = sel.driver.service;
                persistedSpec = pulledSpec;
            } else if (device != null) {
                if (device == persistedDevice) {
                    persistedDevice = null;
                    persistedDriver = null;
                }
                device.close();
                log.info("TUN/TAP device " + device.name() + " closed");
            }
            synchronized (monitor) {
                usedDriver = null;
                usedBackend = null;
                usedTransport = null;
                monitor.notifyAll();
            }
        }
        return result;
    }

    private static boolean isPermanent(TunException e) {
        return e.reason() == TunException.Reason.UNSUPPORTED || e.reason() == TunException.Reason.PERMISSION_DENIED;
    }

    private TunDevice openDevice(TunDriver driver) throws TunException {
        if (persistedDevice != null) {
            if (persistedDriver == driver) {
                TunDevice d = persistedDevice;
                log.info("Preserving previous TUN/TAP instance: " + d.name());
                return d;
            }
            closePersistedDevice();
        }
        return driver.open(plan.tunSpec);
    }

    /**
     * Pull mode, on the loop thread once the push is in: the device for the server's options. Under
     * --persist-tun the previous run's device stays if the pushed addresses and routes are the same,
     * as OpenVPN's do_up keeps it; otherwise it is closed and a new one opened.
     */
    private TunDevice openPulledDevice(PluginSelection sel, LinkSocket link, org.culvert.openvpn.config.PushedOptions pushed)
            throws IOException {
        org.culvert.api.tun.TunSpec spec = plan.tunSpec(pushed);
        log.info("PUSH: " + pushed.summary());
        TunDevice d;
        if (persistedDevice != null && persistedDriver == sel.driver.service && PullPhase.sameDevice(persistedSpec, spec)) {
            d = persistedDevice;
            log.info("Preserving previous TUN/TAP instance: " + d.name());
        } else {
            closePersistedDevice();
            d = sel.driver.service.open(spec);
            log.info("TUN/TAP device " + d.name() + " opened (" + sel.driver.name() + " driver)");
        }
        pulledSpec = spec;
        checkHandleKinds(sel.backend.service, d, link);
        sink.plugins(sel.driver.name(), sel.backend.name(), sel.transport.name(), d.name());
        pulledOptions = pushed.summary();
        publishConnection(link, null, "");
        return d;
    }

    private void releasePersistedDeviceIfDriverGone(PluginCatalog.Snapshot snapshot) {
        if (persistedDevice == null) {
            return;
        }
        for (PluginEntry<TunDriver> e : snapshot.drivers) {
            if (e.service == persistedDriver) {
                return;
            }
        }
        closePersistedDevice();
    }

    private void closePersistedDevice() {
        TunDevice d = persistedDevice;
        persistedSpec = null;
        if (d != null) {
            persistedDevice = null;
            d.close();
            log.info("TUN/TAP device " + d.name() + " closed");
        }
        synchronized (monitor) {
            persistedDriver = null;
            monitor.notifyAll();
        }
    }

    /** Calls {@link LinkSocket#establish} in slices so that a stop or a lost plugin ends the wait. */
    private boolean establish(LinkSocket link) throws LinkException {
        synchronized (monitor) {
            establishingLink = link;
        }
        boolean announced = false;
        while (true) {
            synchronized (monitor) {
                if (stopRequested || pluginLost || restartRequested) {
                    return false;
                }
            }
            if (link.establish(ESTABLISH_SLICE_MILLIS)) {
                return true;
            }
            if (!announced) {
                announced = true;
                log.info(plan.linkSpec.protocol() == org.culvert.api.link.LinkProtocol.TCP_SERVER
                        ? "Listening for incoming TCP connection on " + link.local()
                        : "Attempting to establish TCP connection with " + plan.linkSpec.remoteHost() + ":" + plan.linkSpec.remotePort());
            }
        }
    }

    private static void checkHandleKinds(EventBackend backend, TunDevice device, LinkSocket link) throws IOException {
        // A device with no waitable (dev null) is never waited on.
        Object deviceKind = device.waitable() == null ? "nothing" : device.waitable().kind();
        if ((device.waitable() != null && !backend.handleKinds().contains(device.waitable().kind()))
                || !backend.handleKinds().contains(link.waitable().kind())) {
            throw new IOException("event backend waits on " + backend.handleKinds() + " but the device gives "
                    + deviceKind + " and the link " + link.waitable().kind()
                    + " (a plugin registered wrong culvert.plugin.handle.kinds)");
        }
    }

    private TunnelReason stopReasonOr(TunnelReason fallback) {
        synchronized (monitor) {
            return stopRequested ? stopReason : fallback;
        }
    }

    private boolean isStopRequested() {
        synchronized (monitor) {
            return stopRequested;
        }
    }

    private boolean isRestartRequested() {
        synchronized (monitor) {
            return restartRequested;
        }
    }

    private boolean hardRestart() {
        synchronized (monitor) {
            return hardRestartRequested;
        }
    }

    private void publishConnection(LinkSocket link, java.time.Instant handshake, String negotiated) {
        TunnelPlan p = plan;
        org.culvert.api.tun.TunSpec spec = pulledSpec != null ? pulledSpec : p.tunSpec;
        String tunRemote = pulledSpec == null ? p.tunRemoteIpv4
                : spec.layer() == org.culvert.api.tun.TunLayer.TUN ? spec.ifconfigRemoteOrNetmask() : null;
        sink.connection(new org.culvert.api.tunnel.TunnelConnection(link.local(), link.remote(), spec.ifconfigLocal(),
                tunRemote, spec.ifconfigIpv6Local(), handshake, p.role, negotiated, pulledOptions));
    }

    private TunnelReason lostPlugin() {
        synchronized (monitor) {
            return lostPlugin;
        }
    }

    /** E.g. "event backend epoll went away": the restart that follows may find another one of its kind. */
    private static String lostPluginDetail(PluginSelection sel, TunnelReason reason) {
        switch (reason) {
            case BACKEND_MISSING:
                return "event backend " + sel.backend.name() + " went away";
            case TRANSPORT_MISSING:
                return "link transport " + sel.transport.name() + " went away";
            default:
                return "tun driver " + sel.driver.name() + " went away";
        }
    }

    private boolean pluginLostNow() {
        synchronized (monitor) {
            return pluginLost;
        }
    }

    private void waitForPluginChange(long seenGeneration) {
        synchronized (monitor) {
            while (!stopRequested && !hardRestartRequested && catalog.generation() == seenGeneration) {
                try {
                    monitor.wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopRequested = true;
                }
            }
        }
    }

    private void sleepInterruptibly(long millis) {
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
                try {
                    monitor.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopRequested = true;
                }
            }
        }
    }
}
