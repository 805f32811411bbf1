package org.culvert.tunnel.internal;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.ServerClientListener;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.CredentialsRequest;
import org.culvert.api.tunnel.CredentialsSource;
import org.culvert.api.tunnel.TunnelListener;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelLogListener;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelServer;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.service.log.admin.LoggerContext;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One tunnel per factory configuration. The plugin references are dynamic and optional on purpose:
 * a tunnel whose driver, backend or transport goes away must not be deactivated (it would vanish
 * from {@code tunnel:list} and lose its state); it goes to WAITING, naming what is missing, and comes
 * back by itself. The configuration's {@code driver.target}, {@code backend.target} and
 * {@code transport.target} properties filter these references.
 */
@Component(configurationPid = TunnelManager.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = Tunnel.class)
@Designate(ocd = TunnelConfig.class, factory = true)
public final class TunnelComponent implements Tunnel, StatusSink {
    private final PluginCatalog catalog;
    private final List<TunnelListener> listeners = new CopyOnWriteArrayList<>();
    private final Counters counters = new Counters();
    private final CredentialsBroker credentials = new CredentialsBroker("?");
    private volatile TunnelStatus status = new TunnelStatus(TunnelState.STARTING, TunnelReason.NONE, "", Instant.now());
    private volatile Map<String, String> plugins = Collections.emptyMap();
    /** The offloads of the plugins in use, read live; null while none. */
    private volatile java.util.function.Supplier<String> offloads;
    private volatile String deviceName;
    private volatile TunnelRunner runner;
    /** Server mode: the runner and the view of its clients; null for a point-to-point tunnel. */
    private volatile ServerRunner serverRunner;
    private volatile ServerView serverView;
    private final List<ServerClientListener> serverListeners = new CopyOnWriteArrayList<>();
    private volatile String name = "?";
    private volatile TunnelLog log = new TunnelLog("?");
    private volatile TunnelConnection connection = TunnelConnection.NONE;
    private final ClientStateHistory clientStates = new ClientStateHistory();
    private volatile TunnelOperations operations = TunnelOperations.DEFAULT;
    private volatile LoggerFactory loggerFactory;
    private volatile LoggerAdmin loggerAdmin;
    private volatile String bundleName = "culvert.tunnel";
    /** Serialises the read-modify-write of the bundle's logger context, which all tunnels share. */
    private static final Object LOG_LEVELS = new Object();

    public TunnelComponent() {
        catalog = new PluginCatalog(this::pluginAdded, this::pluginRemoved);
    }

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        name = String.valueOf(properties.getOrDefault(TunnelManager.PROP_NAME, properties.get("service.pid")));
        credentials.tunnelName(name);
        bundleName = context.getBundle().getSymbolicName();
        TunnelLog tunnelLog = new TunnelLog(name);
        tunnelLog.tunnel(this);
        log = tunnelLog;
        bindLogOutput();
        TunnelPlan plan;
        try {
            checkTargets(properties);
            plan = PlanBuilder.fromConfiguration(name, properties);
        } catch (PlanBuilder.PlanException e) {
            tunnelLog.warn(e.getMessage());
            status(TunnelState.FAILED, TunnelReason.CONFIG_ERROR, e.getMessage());
            return;
        }
        applyOperations(plan);
        if (plan.server != null) {
            ServerRunner.Setup setup;
            try {
                setup = plan.server.apply(tunnelLog);
            } catch (RuntimeException e) {
                tunnelLog.warn(e.getMessage());
                status(TunnelState.FAILED, TunnelReason.CONFIG_ERROR, e.getMessage());
                return;
            }
            startServer(setup, context, properties);
            return;
        }
        Map<String, Object> configuration = Map.copyOf(properties);
        TunnelRunner.PlanSource reload = () -> {
            TunnelPlan fresh = PlanBuilder.fromConfiguration(name, configuration);
            applyOperations(fresh);
            return fresh;
        };
        TunnelRunner r = new TunnelRunner(name, plan, reload, catalog, context.getProperty("org.osgi.framework.os.name"),
                text(properties.get(TunnelManager.PROP_DRIVER_TARGET)), text(properties.get(TunnelManager.PROP_BACKEND_TARGET)),
                text(properties.get(TunnelManager.PROP_TRANSPORT_TARGET)), this, counters, LoopClock.SYSTEM, tunnelLog);
        r.credentialsBroker(credentials);
        runner = r;
        r.start();
    }

    /**
     * Server mode ({@code mode server}): runs {@code setup} with the server loop in place of the
     * point-to-point runner, with the same catalog and plugin filters. Called from {@link #activate}
     * instead of starting a {@link TunnelRunner} when the plan is a server's.
     */
    void startServer(ServerRunner.Setup setup, BundleContext context, Map<String, Object> properties) {
        ServerView view = new ServerView(name, this, () -> serverListeners, LoopClock.SYSTEM, log);
        Map<String, Object> configuration = Map.copyOf(properties);
        ServerRunner.SetupSource reload = () -> {
            // SIGHUP: the configuration read again, as the point-to-point runner's PlanSource does
            TunnelPlan fresh = PlanBuilder.fromConfiguration(name, configuration);
            if (fresh.server == null) {
                fresh.wipe();
                throw new PlanBuilder.PlanException("the configuration is no longer a server's (mode server)", null);
            }
            applyOperations(fresh);
            return fresh.server.apply(log);
        };
        ServerRunner r = new ServerRunner(name, setup, reload, catalog, context.getProperty("org.osgi.framework.os.name"),
                text(properties.get(TunnelManager.PROP_DRIVER_TARGET)), text(properties.get(TunnelManager.PROP_BACKEND_TARGET)),
                text(properties.get(TunnelManager.PROP_TRANSPORT_TARGET)), this, view, LoopClock.SYSTEM, log);
        serverView = view;
        serverRunner = r;
        r.start();
    }

    @Override
    public Optional<TunnelServer> server() {
        return Optional.ofNullable(serverView);
    }

    /** Whiteboard: told of every server's client events (connect, address, disconnect, ...). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addServerClientListener(ServerClientListener listener) {
        serverListeners.add(listener);
    }

    void removeServerClientListener(ServerClientListener listener) {
        serverListeners.remove(listener);
    }

    @Deactivate
    void deactivate() {
        TunnelRunner r = runner;
        if (r != null) {
            r.stop(TunnelReason.USER_STOP);
        }
        ServerRunner s = serverRunner;
        if (s != null) {
            s.stop(TunnelReason.USER_STOP);
            serverView.close();
        }
        setLogLevel(loggerAdmin, null);
    }

    /**
     * A configuration written by hand (a .cfg file) may carry a malformed plugin filter; it is a
     * configuration error, as {@code TunnelManager.start} reports it, not a missing plugin.
     */
    static void checkTargets(Map<String, Object> properties) throws PlanBuilder.PlanException {
        for (String key : new String[] { TunnelManager.PROP_DRIVER_TARGET, TunnelManager.PROP_BACKEND_TARGET,
                TunnelManager.PROP_TRANSPORT_TARGET }) {
            String filter = text(properties.get(key));
            if (filter == null || filter.isBlank()) {
                continue;
            }
            try {
                org.osgi.framework.FrameworkUtil.createFilter(filter);
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new PlanBuilder.PlanException(key + ": bad LDAP filter '" + filter + "'", e);
            }
        }
    }

    private void applyOperations(TunnelPlan plan) {
        TunnelOperations ops = plan.operations;
        operations = ops;
        setLogLevel(loggerAdmin, osgiLevel(ops.verb()));
        log.configure(ops.verb(), ops.mute(), ops.management() != null ? ops.management().logCache()
                : org.culvert.openvpn.config.Management.DEFAULT_LOG_CACHE);
    }

    // --- the OSGi log service: optional, so a host without one still gets System.Logger output ---

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setLoggerFactory(LoggerFactory factory) {
        loggerFactory = factory;
        bindLogOutput();
    }

    void unsetLoggerFactory(LoggerFactory factory) {
        if (loggerFactory == factory) {
            loggerFactory = null;
            bindLogOutput();
        }
    }

    /**
     * --verb is also the OSGi log level of this tunnel's logger (Log Service 1.4 filters by level, WARN by
     * default): verb 0 lets warnings and errors through, 1–4 information, 5–6 debug, 7 and more trace.
     */
    static LogLevel osgiLevel(int verb) {
        if (verb <= 0) {
            return LogLevel.WARN;
        }
        if (verb < TunnelLog.VERB_DEBUG) {
            return LogLevel.INFO;
        }
        return verb < 7 ? LogLevel.DEBUG : LogLevel.TRACE;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setLoggerAdmin(LoggerAdmin admin) {
        loggerAdmin = admin;
        setLogLevel(admin, osgiLevel(operations.verb()));
    }

    void unsetLoggerAdmin(LoggerAdmin admin) {
        if (loggerAdmin == admin) {
            loggerAdmin = null;
        }
    }

    /** Sets (or with null removes) this tunnel's logger level in the bundle's logger context. */
    private void setLogLevel(LoggerAdmin admin, LogLevel level) {
        if (admin == null || "?".equals(name)) {
            return;
        }
        synchronized (LOG_LEVELS) {
            LoggerContext context = admin.getLoggerContext(bundleName);
            Map<String, LogLevel> levels = new java.util.HashMap<>(context.getLogLevels());
            if (level == null) {
                levels.remove(loggerName());
            } else {
                levels.put(loggerName(), level);
            }
            context.setLogLevels(levels);
        }
    }

    private String loggerName() {
        return "org.culvert.tunnel." + name;
    }

    private void bindLogOutput() {
        LoggerFactory f = loggerFactory;
        TunnelLog l = log;
        if (f == null) {
            l.output(null);
            return;
        }
        Logger logger = f.getLogger(loggerName());
        l.output((level, message, t) -> {
            switch (level) {
                case FATAL:
                case ERROR:
                    if (t != null) {
                        logger.error(message, t);
                    } else {
                        logger.error(message);
                    }
                    break;
                case WARNING:
                    logger.warn(message);
                    break;
                case DEBUG:
                    logger.debug(message);
                    break;
                default:
                    logger.info(message);
                    break;
            }
        });
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }

    // --- plugins (SCR threads) ---

    @Reference(name = "driver", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDriver(TunDriver driver, Map<String, Object> properties) {
        catalog.addDriver(driver, properties);
    }

    void removeDriver(TunDriver driver) {
        catalog.removeDriver(driver);
    }

    @Reference(name = "backend", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addBackend(EventBackend backend, Map<String, Object> properties) {
        catalog.addBackend(backend, properties);
    }

    void removeBackend(EventBackend backend) {
        catalog.removeBackend(backend);
    }

    @Reference(name = "transport", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTransport(LinkTransport transport, Map<String, Object> properties) {
        catalog.addTransport(transport, properties);
    }

    void removeTransport(LinkTransport transport) {
        catalog.removeTransport(transport);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addCredentialsSource(CredentialsSource source, Map<String, Object> properties) {
        credentials.addSource(source, properties);
    }

    void removeCredentialsSource(CredentialsSource source) {
        credentials.removeSource(source);
    }

    @Override
    public Optional<CredentialsRequest> pendingCredentials() {
        return credentials.pending();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addListener(TunnelListener listener) {
        listeners.add(listener);
    }

    void removeListener(TunnelListener listener) {
        listeners.remove(listener);
    }

    private void pluginAdded() {
        TunnelRunner r = runner;
        if (r != null) {
            r.pluginAdded();
        }
        ServerRunner s = serverRunner;
        if (s != null) {
            s.pluginAdded();
        }
    }

    private void pluginRemoved(Object service) {
        TunnelRunner r = runner;
        if (r != null) {
            r.pluginRemoved(service);
        }
        ServerRunner s = serverRunner;
        if (s != null) {
            s.pluginRemoved(service);
        }
    }

    // --- StatusSink (tunnel thread) ---

    @Override
    public void status(TunnelState state, TunnelReason reason, String detail) {
        publish(status, new TunnelStatus(state, reason, detail, Instant.now(), status.clientState()));
    }

    @Override
    public void status(TunnelState state, TunnelReason reason, String detail, ClientState clientState, String description) {
        Instant now = Instant.now();
        publish(status, new TunnelStatus(state, reason, detail, now, clientStates.add(clientState, description, now, connection)));
    }

    @Override
    public void clientState(ClientState state, String description) {
        TunnelStatus previous = status;
        ClientStatus step = clientStates.add(state, description, Instant.now(), connection);
        publish(previous, new TunnelStatus(previous.state(), previous.reason(), previous.detail(), previous.since(), step));
    }

    /** Sets the status and tells the listeners, in order, on the tunnel thread. */
    private void publish(TunnelStatus previous, TunnelStatus current) {
        status = current;
        if (previous.state() != current.state() || previous.reason() != current.reason()) {
            log.detail("state " + current);
        }
        if (current.clientState() != previous.clientState()) {
            log.detail("client state " + current.clientState()); // OpenVPN's management state, as its >STATE lines
        }
        for (TunnelListener l : listeners) {
            try {
                l.stateChanged(this, previous, current);
            } catch (RuntimeException e) {
                log.error("a tunnel listener failed", e);
            }
        }
    }

    @Override
    public void plugins(String driver, String backend, String transport, String device) {
        offloads = null;
        if (driver == null) {
            plugins = Collections.emptyMap();
        } else {
            Map<String, String> m = new LinkedHashMap<>();
            m.put(PluginProperties.KIND_TUN_DRIVER, driver);
            m.put(PluginProperties.KIND_EVENT_BACKEND, backend);
            m.put(PluginProperties.KIND_LINK_TRANSPORT, transport);
            plugins = Collections.unmodifiableMap(m);
        }
        deviceName = device;
    }

    @Override
    public void offloads(java.util.function.Supplier<String> tun, java.util.function.Supplier<String> link) {
        if (plugins.isEmpty()) {
            return;
        }
        offloads = () -> "tun: " + tun.get() + "; link: " + link.get();
    }

    @Override
    public void connection(TunnelConnection c) {
        connection = c;
    }

    // --- Tunnel ---

    @Override
    public TunnelConnection connection() {
        return connection;
    }

    @Override
    public List<ClientStatus> clientStates() {
        return clientStates.snapshot();
    }

    @Override
    public TunnelOperations operations() {
        return operations;
    }

    @Override
    public void signal(TunnelSignal signal) {
        TunnelRunner r = runner;
        switch (signal) {
            case SIGUSR2:
                TunnelCounters c = counters(); // a server's: all its threads', across its restarts
                log.info("SIGUSR2: TUN/TAP read bytes " + c.tunReadBytes() + ", TUN/TAP write bytes " + c.tunWriteBytes()
                        + ", TCP/UDP read bytes " + c.linkReadBytes() + ", TCP/UDP write bytes " + c.linkWriteBytes()
                        + ", Auth read bytes " + c.linkAuthReadBytes() + ", drops " + c.drops());
                return;
            case SIGTERM:
                log.info("SIGTERM received, stopping");
                if (r != null) {
                    r.requestStop(TunnelReason.USER_STOP);
                }
                ServerRunner s = serverRunner;
                if (s != null) {
                    // stop() waits for the server's threads: not on the caller's (a management client's) thread
                    Thread t = new Thread(() -> s.stop(TunnelReason.USER_STOP), "culvert-server-stop-" + name);
                    t.setDaemon(true);
                    t.start();
                }
                return;
            case SIGHUP:
            case SIGUSR1:
                if (r != null) {
                    r.requestRestart(signal == TunnelSignal.SIGHUP);
                }
                ServerRunner server = serverRunner;
                if (server != null) {
                    server.requestRestart(signal == TunnelSignal.SIGHUP);
                }
                return;
            default:
                throw new IllegalArgumentException(String.valueOf(signal));
        }
    }

    @Override
    public boolean holdFlag() {
        TunnelRunner r = runner;
        return r != null && r.holdFlag();
    }

    @Override
    public void setHoldFlag(boolean hold) {
        TunnelRunner r = runner;
        if (r != null) {
            r.holdFlag(hold);
        }
    }

    @Override
    public boolean isHolding() {
        TunnelRunner r = runner;
        return r != null && r.isHolding();
    }

    @Override
    public void releaseHold() {
        TunnelRunner r = runner;
        if (r != null) {
            r.releaseHold();
        }
    }

    @Override
    public List<TunnelLogEntry> recentLog() {
        return log.recent();
    }

    @Override
    public void addLogListener(TunnelLogListener listener) {
        log.addListener(listener);
    }

    @Override
    public void removeLogListener(TunnelLogListener listener) {
        log.removeListener(listener);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public TunnelStatus status() {
        return status;
    }

    @Override
    public TunnelCounters counters() {
        ServerView v = serverView;
        if (v != null) {
            return v.counters(); // the server's link thread and data threads count apart
        }
        return counters.snapshot();
    }

    @Override
    public Map<String, String> plugins() {
        return plugins;
    }

    @Override
    public String offloads() {
        java.util.function.Supplier<String> text = offloads;
        return text == null ? "" : text.get();
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    @Override
    public String toString() {
        return "Tunnel[" + name + " " + status + "]";
    }
}
