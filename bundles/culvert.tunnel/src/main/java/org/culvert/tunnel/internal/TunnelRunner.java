package org.culvert.tunnel.internal;

import java.io.IOException;

import org.culvert.api.event.EventSet;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunException;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;

/**
 * One tunnel's thread: OpenVPN's outer loop around {@code tunnel_point_to_point}. It picks plugins
 * from the catalog, opens device, link and event set, runs the {@link PointToPointLoop}, and on a
 * restart cause (ping-restart, link error, a lost plugin) releases what it opened and starts over with
 * the same configuration, keeping the tun device under {@code --persist-tun} when its driver remains.
 * When a plugin it needs is missing it waits, naming what is missing, until one appears. The device
 * across runs (and the pull mode's device glue) is {@link TunnelDevices}'s job, the
 * {@code --auth-user-pass} credentials {@link RunCredentials}', which remote a run goes to
 * {@link ProfileWalk}'s, and how a run ended, in OpenVPN's words, {@link RunResult}'s. The thread, the
 * signals, the plugins in use (a removal waits for their release) and the outer loop's waits are
 * {@link RunnerControl}'s, shared with the server's {@link ServerRunner}.
 *
 * <p>Other threads call only {@link #start()}, {@link #stop(TunnelReason)}, {@link #pluginAdded()} and
 * {@link #pluginRemoved(Object)}.
 */
final class TunnelRunner implements Runnable {
    /**
     * Packets one wake-up of the point-to-point loop moves each way (capped by the plugins' own batch
     * sizes): room for the ~45 segments of one 64 KB TSO packet at MSS 1448 from an offloading tun.
     */
    static final int LOOP_BATCH = 64;
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
    private final ClientSteps steps;
    /** OpenVPN's text for the final EXITING where the stop reason alone does not give it; tunnel thread only. */
    private String exitText;
    /** The thread, the signals, the plugins in use and the outer loop's waits (shared with the server's runner). */
    private final RunnerControl control;
    /** Its monitor, which also guards the hold state below. */
    private final Object monitor;
    /** --management-hold / "hold on": wait for a release before each (re)connection. */
    private boolean holdFlag;
    private boolean holdReleased;
    private boolean holding;

    /** The connection profiles: where each run goes. Tunnel thread only. */
    private final ProfileWalk walk;
    /** The --auth-user-pass credentials of the runs. */
    private final RunCredentials credentials;
    /** The tun device across runs (kept under --persist-tun; in pull mode opened once the push is in). */
    private final TunnelDevices devices;

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
        this.control = new RunnerControl(catalog, log, RELEASE_TIMEOUT_MILLIS, this::persistedDriver);
        this.monitor = control.monitor;
        this.steps = new ClientSteps(sink);
        this.walk = new ProfileWalk(log, this::sleepForResolve, steps::resolving);
        this.credentials = new RunCredentials(name, log, sink);
        this.devices = new TunnelDevices(log, sink, steps, counters, () -> {
            synchronized (monitor) {
                monitor.notifyAll();
            }
        });
    }

    /** The sources of --auth-user-pass credentials (the component's {@code CredentialsSource} services). */
    void credentialsBroker(CredentialsBroker broker) {
        credentials.broker(broker);
    }

    CredentialsBroker credentialsBroker() {
        return credentials.broker();
    }

    /** The --auth-user-pass state of the current plan; null without (tests read the held token). */
    TunnelCredentials credentials() {
        return credentials.current();
    }

    void start() {
        control.start(this, "culvert-tunnel-" + name);
    }

    /** Stops the tunnel and returns once its thread has released everything (or after a bounded wait). */
    void stop(TunnelReason reason) {
        control.requestStop(reason);
        credentials.withdraw();
        if (!control.join(RELEASE_TIMEOUT_MILLIS)) {
            log.warn("tunnel thread did not stop within " + RELEASE_TIMEOUT_MILLIS + " ms");
        }
    }

    /** Asks the tunnel to stop without waiting for it (a SIGTERM from a management client). */
    void requestStop(TunnelReason reason) {
        control.requestStop(reason);
        credentials.withdraw();
    }

    /** SIGUSR1 ({@code hard} false) or SIGHUP ({@code hard} true): restart now; returns at once. */
    void requestRestart(boolean hard) {
        control.requestRestart(hard);
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
        return control.isAlive();
    }

    void pluginAdded() {
        control.pluginAdded();
    }

    /**
     * Called by SCR while {@code service} goes away. If this tunnel uses it, the run is ended and this
     * method returns only once the tunnel no longer touches the service (bounded), because the
     * service's bundle may be stopping.
     */
    void pluginRemoved(Object service) {
        control.pluginRemoved(service);
    }

    @Override
    public void run() {
        long restartDelay = 0;
        boolean holdPassed = false;
        logWarnings(plan, log);
        steps.starting(); // OpenVPN's first state, before any hold
        walk.reset(plan);
        try {
            while (!control.isStopRequested()) {
                try {
                    if (control.takeHardRestart() && !reloadPlan()) {
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
                            control.pause(restartDelay);
                            // An operator's restart during the pause ends it; a SIGHUP still re-reads the configuration.
                            if (control.isStopRequested() || (control.takeHardRestart() && !reloadPlan())) {
                                break;
                            }
                        }
                    }
                    // OpenVPN asks --auth-user-pass credentials before it connects (init_query_passwords).
                    RunResult asked = new RunResult();
                    if (!credentials.ready(plan, asked, control::isStopRequested, control::stopReasonOr)) {
                        if (asked.finalState != null) {
                            sink.plugins(null, null, null, null);
                            sink.status(asked.finalState, asked.reason, asked.detail);
                        }
                        break;
                    }
                    RunResult result = walk.needsNext() ? nextAttempt() : null;
                    if (result == null) {
                        PluginCatalog.Snapshot snapshot = catalog.snapshot();
                        PluginSelection selection = PluginSelection.choose(snapshot, plan.layer(), walk.plan().protocol(),
                                walk.plan().proxyKind(), osName, driverFilter, backendFilter, transportFilter);
                        if (!selection.complete()) {
                            devices.releaseIfDriverGone(snapshot);
                            sink.plugins(null, null, null, null);
                            sink.status(TunnelState.WAITING, selection.missing, selection.detail);
                            control.awaitCatalogChange(snapshot.generation);
                            continue;
                        }
                        result = runOnce(selection, snapshot.generation);
                        if (result.rechoose) {
                            continue;
                        }
                        walk.runEnded();
                    }
                    holdPassed = false;
                    synchronized (monitor) {
                        // OpenVPN forgets a release when the instance ends: the next hold needs a new one.
                        holdReleased = false;
                    }
                    sink.connection(org.culvert.api.tunnel.TunnelConnection.NONE);
                    if (result.finalState != null) {
                        steps.exiting(result.finalState, result.reason, result.detail);
                        break;
                    }
                    if (control.isStopRequested()) {
                        break;
                    }
                    counters.restart();
                    restartDelay = result.immediateRestart ? 0 : Math.max(restartPauseMillis(), result.minRestartMillis);
                    if (restartDelay > 0) {
                        log.detail("Restart pause, " + restartDelay / 1000 + " second(s)"); // OpenVPN's D_RESTART, verb 3
                    }
                    steps.reconnecting(result.reason, result.detail
                            + (restartDelay > 0 ? " (restart in " + restartDelay / 1000.0 + " s)" : ""));
                } catch (RuntimeException | AssertionError | StackOverflowError e) {
                    // A bug in the runner's own steps: a soft restart after OpenVPN's pause, never a dead tunnel.
                    log.error("internal error, restarting", e);
                    holdPassed = false;
                    walk.runEnded();
                    devices.close();
                    sink.plugins(null, null, null, null);
                    counters.restart();
                    restartDelay = restartPauseMillis();
                    steps.reconnecting(TunnelReason.INTERNAL_ERROR, String.valueOf(e)
                            + (restartDelay > 0 ? " (restart in " + restartDelay / 1000.0 + " s)" : ""));
                }
            }
        } catch (Error e) {
            log.error("internal error, tunnel stopped", e);
            devices.close();
            sink.plugins(null, null, null, null);
            steps.exiting(TunnelState.FAILED, TunnelReason.INTERNAL_ERROR, String.valueOf(e));
            plan.wipe();
            return;
        }
        devices.close();
        sink.plugins(null, null, null, null);
        log.info("counters: " + counters.snapshot());
        plan.wipe(); // the run is over for good: no session will be built from its keys again
        credentials.wipe();
        if (control.isStopRequested()) {
            TunnelReason stopReason = control.stopReasonOr(TunnelReason.USER_STOP);
            steps.exiting(TunnelState.STOPPED, stopReason, "", exitText != null ? exitText : stopReason.signalText(""));
        }
    }

    /** How a hold ended: it did not apply, it waited (then the restart pause is skipped, as OpenVPN does), or a stop came. */
    private enum Hold { NOT_HELD, RELEASED, STOPPED }

    /** Waits while the hold flag is set and no release came. */
    private Hold awaitHoldRelease(long restartDelayMillis) {
        synchronized (monitor) {
            if (control.isStopRequested()) {
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
                while (holdFlag && !holdReleased && !control.isStopRequested()) {
                    control.waitOnMonitor(0);
                }
            } finally {
                holding = false;
            }
            return control.isStopRequested() ? Hold.STOPPED : Hold.RELEASED;
        }
    }

    /** The configuration's warnings (OpenVPN's, in its words) go to the tunnel log, as OpenVPN logs them at start. */
    static void logWarnings(TunnelPlan plan, TunnelLog log) {
        for (String w : plan.warnings) {
            log.warn(w);
        }
    }

    /** SIGHUP: a fresh plan from the configuration, and a fresh tun device. False when the new configuration is bad. */
    private boolean reloadPlan() {
        devices.close();
        if (planSource == null) {
            return true;
        }
        try {
            TunnelPlan old = plan;
            plan = planSource.reload();
            old.wipe();
            // OpenVPN re-reads the profiles and starts again with the first.
            walk.reset(plan);
            log.info("SIGHUP: configuration re-read");
            logWarnings(plan, log);
            return true;
        } catch (PlanBuilder.PlanException e) {
            log.warn("SIGHUP: " + e.getMessage());
            sink.plugins(null, null, null, null);
            steps.exiting(TunnelState.FAILED, TunnelReason.CONFIG_ERROR, e.getMessage());
            return false;
        }
    }

    private long restartPauseMillis() {
        return walk.restartPauseSeconds(plan) * 1000;
    }

    private boolean sleepForResolve(long millis) {
        control.pause(millis);
        return !control.isStopRequested() && !control.isRestartRequested() && !control.pluginLostNow();
    }

    /**
     * OpenVPN's {@code next_connection_entry} before a run.
     *
     * @return null when the run can start; else why the tunnel ends ({@code --connect-retry-max},
     *     {@code --resolv-retry 0})
     */
    private RunResult nextAttempt() {
        try {
            walk.next(plan);
            return null;
        } catch (ConnectionList.NoAttempt e) {
            log.warn(e.getMessage());
            RunResult failed = new RunResult();
            failed.reason = e.reason;
            failed.detail = e.getMessage();
            failed.finalState = e.fatal ? TunnelState.FAILED : null;
            return failed;
        }
    }

    private RunResult runOnce(PluginSelection sel, long generation) {
        TunnelPlan p = walk.plan();
        long startedAt = clock.millis();
        RunResult result = new RunResult();
        TunDevice device = null;
        LinkSocket link = null;
        EventSet eventSet = null;
        PointToPointLoop currentLoop = null;
        PeerSession session = null;
        boolean keepDevice = false;
        TunDevice[] opened = {null};
        long[] upSince = { -1 };
        control.using(sel);
        try {
            if (catalog.generation() != generation) {
                // A plugin came or went since the choice was made: choose again.
                result.rechoose = true;
                return result;
            }
            sink.status(TunnelState.CONNECTING, TunnelReason.NONE, "");
            boolean pulls = p.pulls();
            devices.runStarting();
            // Pull mode opens the device only once the server's options are known (OpenVPN's do_up).
            TunDevice loopDevice = pulls ? new PendingDevice(p.layer(), p.tunSpec.mtu())
                    : devices.open(sel.driver.service, plan.tunSpec);
            device = pulls ? null : loopDevice;
            if (!pulls && !devices.isPersisted(device)) {
                devices.publish(p, null, null, "", null);
                steps.deviceConfigured(p.tunSpec);
            }
            sink.plugins(sel.driver.name(), sel.backend.name(), sel.transport.name(), loopDevice.name());
            if (!pulls) {
                log.info("TUN/TAP device " + device.name() + " opened (" + sel.driver.name() + " driver)");
            }
            link = sel.transport.service.open(p.linkSpec);
            if (!pulls) {
                sink.offloads(device::offloads, link::offloads); // pull mode tells them when the pushed device opens
            }
            if (p.linkSpec.protocol() == org.culvert.api.link.LinkProtocol.TCP_CLIENT) {
                steps.tcpConnect();
            }
            boolean established = establish(link, p.linkSpec, sel.transport.service);
            control.notLive();
            if (!established) {
                if (control.isRestartRequested()) {
                    result.reason = TunnelReason.USER_RESTART;
                    result.detail = control.restartSignal();
                    keepDevice = !control.hardRestart();
                    return result;
                }
                result.reason = control.stopReasonOr(TunnelReason.TRANSPORT_MISSING);
                return result;
            }
            log.info("link " + p.linkSpec.protocol().optionName() + " local " + link.local()
                    + (link.remote() != null ? " remote " + link.remote() : " (waiting for the peer)"));
            String remoteLine = ProfileWalk.linkRemoteLine(link);
            if (remoteLine != null) {
                log.info(remoteLine);
            }
            devices.publish(p, link, null, "", null);
            TunnelDevices.checkHandleKinds(sel.backend.service, loopDevice, link);
            eventSet = sel.backend.service.open(4);
            try {
                session = p.sessionFactory.newSession(clock);
            } catch (Exception e) {
                // What no retry mends: a bad key file, an unusable certificate, a cipher the configuration cannot have.
                log.error("cannot start the protocol engine", e);
                result.reason = TunnelReason.CONFIG_ERROR;
                result.detail = e.getMessage();
                result.finalState = TunnelState.FAILED;
                return result;
            }
            walk.armServerPoll(session, p, startedAt);
            if (credentials.current() != null) {
                session.userPass(credentials.current().cache());
            }
            session.linkIpv6(link.local() instanceof java.net.InetSocketAddress
                    && ((java.net.InetSocketAddress) link.local()).getAddress() instanceof java.net.Inet6Address);
            PeerSession started = session;
            LinkSocket openLink = link;
            long[] upAt = upSince;
            currentLoop = new PointToPointLoop(loopDevice, link, eventSet, session, counters, clock, p.floatAllowed, LOOP_BATCH,
                    p.maxPayload, p.linkSpec.maxPacketSize(), log, () -> {
                        upAt[0] = clock.millis();
                        walk.up();
                        String negotiated = started.negotiated();
                        if (!negotiated.isEmpty()) {
                            log.info(negotiated);
                        }
                        devices.publish(p, openLink, java.time.Instant.now(), negotiated, started);
                        log.info("Initialization Sequence Completed");
                        steps.connected();
                    }, () -> {
                        if (upAt[0] >= 0) {
                            devices.publish(p, openLink, java.time.Instant.now(), started.negotiated(), started);
                        }
                        // OpenVPN logs each TLS session at verb 3 ("Control Channel: ..."); one line per renegotiation here.
                        int keys = started.keyGeneration();
                        if (keys > 1) {
                            log.info("Data channel keys renegotiated (key generation " + keys + ")");
                        }
                    });
            if (p.blockIpv6Source != null && !pulls) {
                currentLoop.blockIpv6(new Ipv6Blocker(device, counters, p.blockIpv6Source, p.tunSpec.mtu()));
            }
            currentLoop.onClientState(sink::clientState);
            if (pulls) {
                PointToPointLoop pullLoop = currentLoop;
                currentLoop.deviceOpener(pushed -> {
                    opened[0] = devices.openPulled(sel, openLink, p, pushed, credentials.current(), pullLoop);
                    return opened[0];
                });
                currentLoop.onLaterPush(credentials::laterPush);
            }
            synchronized (monitor) {
                if (control.isStopRequested() || control.pluginLostNow()) {
                    result.reason = control.stopReasonOr(control.lostPlugin());
                    return result;
                }
                if (control.isRestartRequested()) {
                    result.reason = TunnelReason.USER_RESTART;
                    result.detail = control.restartSignal();
                    keepDevice = !control.hardRestart();
                    return result;
                }
                control.goLive(liveRun(currentLoop));
            }
            PointToPointLoop.Exit exit = currentLoop.run();
            switch (exit) {
                case STOP_REQUESTED:
                    long notifyFor = session.beginExitNotify();
                    if (notifyFor > 0 && !p.linkSpec.protocol().isStream()) {
                        currentLoop.drainExitNotifications(clock.millis() + notifyFor);
                        exitText = "exit-with-notification"; // sig.c: the SIGTERM after the notification period
                    }
                    result.reason = control.stopReasonOr(TunnelReason.USER_STOP);
                    break;
                case RESTART_REQUESTED:
                    log.info(control.hardRestart() ? "SIGHUP[hard,] received, process restarting" : "SIGUSR1[soft,] received, process restarting");
                    result.reason = TunnelReason.USER_RESTART;
                    result.detail = control.restartSignal();
                    keepDevice = !control.hardRestart();
                    break;
                case PLUGIN_GONE:
                    result.reason = control.lostPlugin();
                    result.detail = RunResult.lostPluginDetail(sel, result.reason);
                    result.immediateRestart = true;
                    break;
                case SERVER_POLL_TIMEOUT:
                    log.info("Server poll timeout, restarting");
                    result.reason = TunnelReason.SERVER_POLL_TIMEOUT;
                    result.detail = walk.remote(p.linkSpec);
                    result.immediateRestart = true;
                    keepDevice = true;
                    break;
                case HANDSHAKE_FAILED:
                    if (credentials.current() != null && session.authFailed() != null) {
                        credentials.authFailed(session.authFailed(), result);
                        keepDevice = true;
                        break;
                    }
                    keepDevice = result.sessionEnded(exit, session, log);
                    break;
                default:
                    keepDevice = result.sessionEnded(exit, session, log);
            }
        } catch (TunException e) {
            result.tunFailed(e, log);
        } catch (LinkException e) {
            result.linkFailed(e, log);
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
            control.notLive();
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
            devices.runEnded(device, sel.driver.service, keepDevice && p.tunSpec.persist() && !control.isStopRequested() && !control.pluginLostNow());
            control.released();
        }
        return result;
    }

    /** Calls {@link LinkSocket#establish} in slices so that a stop or a lost plugin ends the wait. */
    private boolean establish(LinkSocket link, org.culvert.api.link.LinkSpec spec, Object transport) throws LinkException {
        // While it waits, losing the transport closes the socket, which ends a blocked establish at once.
        if (!control.goLive(new RunnerControl.LiveRun() {
            @Override
            public void stop() {
            }

            @Override
            public void restart() {
            }

            @Override
            public void pluginGone(Object service) {
                if (service == transport) {
                    link.close();
                }
            }
        })) {
            return false;
        }
        boolean announced = false;
        if (spec.protocol() == org.culvert.api.link.LinkProtocol.TCP_CLIENT) {
            // OpenVPN's socket_connect line, naming the address this attempt connects to, before a proxy's lines.
            log.info("Attempting to establish TCP connection with " + walk.remote(spec)
                    + (spec.proxy() == null ? "" : " via " + spec.proxy()));
            announced = true;
        }
        while (true) {
            synchronized (monitor) {
                if (control.isStopRequested() || control.pluginLostNow() || control.isRestartRequested()) {
                    return false;
                }
            }
            if (!announced && spec.protocol().isStream()) {
                announced = true;
                log.info("Listening for incoming TCP connection on " + link.local());
            }
            boolean established = link.establish(ESTABLISH_SLICE_MILLIS);
            // The transport's own lines: a proxy exchange, a failed attempt (never credentials).
            link.drainNotes(log::info);
            if (established) {
                return true;
            }
        }
    }

    /** The driver of a device kept across runs (--persist-tun) is in use between runs too. */
    private boolean persistedDriver(Object service) {
        return devices != null && service == devices.persistedDriver();
    }

    /** How another thread ends the running loop. */
    private static RunnerControl.LiveRun liveRun(PointToPointLoop running) {
        return new RunnerControl.LiveRun() {
            @Override
            public void stop() {
                running.requestExit(PointToPointLoop.Exit.STOP_REQUESTED);
            }

            @Override
            public void restart() {
                running.requestExit(PointToPointLoop.Exit.RESTART_REQUESTED);
            }

            @Override
            public void pluginGone(Object service) {
                running.requestExit(PointToPointLoop.Exit.PLUGIN_GONE);
            }
        };
    }
}
