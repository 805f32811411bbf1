package org.culvert.embed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.tunnel.ServerClientListener;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelException;
import org.culvert.api.tunnel.TunnelListener;
import org.culvert.api.tunnel.TunnelLogListener;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleReference;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Culvert inside a host that is not OSGi: an embedded Felix running Culvert's bundles from a
 * distribution's bundle folder, behind a plain Java API for both ends of point-to-point tunnels.
 *
 * <pre>
 * try (Culvert culvert = Culvert.builder().bundleDir(Path.of("/opt/culvert/bundles")).start()) {
 *     culvert.addListener(e -&gt; System.out.println(e));           // state changes, on Culvert's event thread
 *     EmbeddedTunnel office = culvert.startFromFile("office", Path.of("/etc/culvert/office.conf"));
 *     office.awaitState(TunnelState.UP, Duration.ofSeconds(30));
 *     System.out.println(office.snapshot().counters());
 * }                                                                  // stops every tunnel and every thread
 * </pre>
 *
 * <h2>Threads</h2>
 * Thread-safe: every method may be called from any thread. Culvert runs its framework work on a
 * control thread of its own and delivers listener callbacks on one event thread of its own (see
 * {@link TunnelEventListener}); all threads it starts, and all the framework and its bundles start,
 * belong to one thread group, so {@link #close()} can wait for each of them to end. Calls that change
 * something ({@code start}, {@code stop}, {@code signal}) wait for the control thread; an interrupt
 * does not cut such a wait short (each is bounded by the core's own timeouts) but is kept for the caller.
 *
 * <h2>After close</h2>
 * Every method but {@link #close()}, {@link #isClosed()} and {@link #ownedThreads()} throws
 * {@link IllegalStateException} ("Culvert is closed") once {@code close()} has begun.
 */
public final class Culvert implements AutoCloseable {
    /** System property naming the default bundle folder ({@code -Dculvert.bundles=...}). */
    public static final String BUNDLES_PROPERTY = "culvert.bundles";

    private static final System.Logger LOG = System.getLogger("org.culvert.embed");
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** The core stops each tunnel within 15 s and the framework within 30 s; this bounds them all. */
    private static final long SHUTDOWN_WAIT_MILLIS = 120_000;
    /** The core's own bound on a tunnel's release. */
    private static final long STOP_WAIT_MILLIS = 15_000;
    /** How long close() waits for threads to end once the framework has stopped. */
    private static final long THREAD_END_WAIT_MILLIS = 15_000;

    private final OwnedThreads threads;
    private final ExecutorService control;
    private final EventHub events;
    private final FrameworkHost host;
    private final ServiceRegistration<?> listenerRegistration;
    private final ServiceTracker<Tunnel, Tunnel> tunnelTracker;
    private final Path storage;
    private final boolean deleteStorage;
    private final CountDownLatch shutDown = new CountDownLatch(1);
    private final Object lifecycle = new Object();
    /** Guarded by lifecycle. */
    private boolean closed;

    private Culvert(OwnedThreads threads, ExecutorService control, EventHub events, FrameworkHost host,
            ServiceRegistration<?> listenerRegistration, ServiceTracker<Tunnel, Tunnel> tunnelTracker, Path storage,
            boolean deleteStorage) {
        this.threads = threads;
        this.control = control;
        this.events = events;
        this.host = host;
        this.listenerRegistration = listenerRegistration;
        this.tunnelTracker = tunnelTracker;
        this.storage = storage;
        this.deleteStorage = deleteStorage;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where Culvert's bundles and files are, and what else the framework gets. Not thread-safe; use once. */
    public static final class Builder {
        private Path bundleDir;
        private Path storageDir;
        private final Map<String, String> frameworkProperties = new HashMap<>();
        private Duration startTimeout = Duration.ofSeconds(20);
        private org.culvert.api.tunnel.CredentialsSource credentials;
        private final Set<String> withoutBundles = new HashSet<>();

        private Builder() {
        }

        /**
         * Where tunnels get {@code --auth-user-pass} credentials that no file gives: called (on a
         * thread of Culvert's core, which it may block) with each request, answered through
         * {@link org.culvert.api.tunnel.CredentialsRequest#supply} now or later, or
         * {@link org.culvert.api.tunnel.CredentialsRequest#cancel}. A lambda will do:
         * {@code builder.credentials(r -> r.supply("alice", password, null))}. It also hears of
         * refusals and tokens (its default methods). Without one, a tunnel that needs credentials waits
         * in WAITING with reason CREDENTIALS_NEEDED.
         */
        public Builder credentials(org.culvert.api.tunnel.CredentialsSource source) {
            this.credentials = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * The folder of bundle jars to run: a distribution's {@code bundles/} folder (built as
         * {@code distribution/target/bundles}). Default: the {@value #BUNDLES_PROPERTY} system property.
         */
        public Builder bundleDir(Path dir) {
            this.bundleDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * The framework's cache folder, made if missing and emptied at start (tunnels never come back
         * from an earlier run by themselves), kept after close. Default: a new temporary folder, deleted
         * by {@link Culvert#close()}.
         */
        public Builder storageDir(Path dir) {
            this.storageDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * An extra OSGi framework property; it wins over Culvert's defaults, except that
         * {@code org.osgi.framework.system.packages.extra} is added to the API packages Culvert shares
         * (so a host can share more packages with the bundles without losing those).
         */
        public Builder frameworkProperty(String key, String value) {
            frameworkProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Several framework properties at once, as {@link #frameworkProperty}. */
        public Builder frameworkProperties(Map<String, String> properties) {
            properties.forEach(this::frameworkProperty);
            return this;
        }

        /**
         * Bundles of the folder not to install, by Bundle-SymbolicName: a host that needs no Gogo shell
         * starts faster without {@code culvert.shell} and {@code org.apache.felix.gogo.runtime}, as the
         * {@code culvert} command does. Leaving out a bundle the core needs makes {@link #start()} fail
         * with CORE_MISSING.
         */
        public Builder withoutBundles(String... symbolicNames) {
            for (String n : symbolicNames) {
                withoutBundles.add(Objects.requireNonNull(n, "symbolic name"));
            }
            return this;
        }

        /** How long {@link #start()} waits for Culvert's core to come up (default 20 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Starts the framework and its bundles and returns once tunnels can be started. On failure
         * everything started so far is stopped again before the exception is thrown.
         */
        public Culvert start() throws CulvertException {
            Path bundles = bundleDir;
            if (bundles == null) {
                String configured = System.getProperty(BUNDLES_PROPERTY);
                if (configured == null || configured.isBlank()) {
                    throw new CulvertException(CulvertException.Reason.BUNDLES_MISSING,
                            "no bundle folder: call bundleDir(...) or set -D" + BUNDLES_PROPERTY + "=DIR (a distribution's bundles/ folder)");
                }
                bundles = Path.of(configured);
            }
            boolean temporary = storageDir == null;
            Path storage;
            try {
                storage = temporary ? Files.createTempDirectory("culvert-felix-") : Files.createDirectories(storageDir);
            } catch (IOException e) {
                throw new CulvertException(CulvertException.Reason.STORAGE_FAILED, "cannot make the storage folder: " + e.getMessage(), e);
            }
            int id = INSTANCES.incrementAndGet();
            OwnedThreads threads = new OwnedThreads("culvert-" + id);
            ExecutorService control = Executors.newSingleThreadExecutor(r -> threads.newThread(r, "culvert-control-" + id));
            EventHub events = new EventHub(threads, "culvert-events-" + id);
            events.start();
            Path bundleFolder = bundles;
            Map<String, String> props = Map.copyOf(frameworkProperties);
            long timeoutMillis = startTimeout.toMillis();
            Set<String> without = Set.copyOf(withoutBundles);
            org.culvert.api.tunnel.CredentialsSource source = credentials;
            Future<Culvert> starting = control.submit(() -> {
                FrameworkHost host = FrameworkHost.start(bundleFolder, without, storage, props, timeoutMillis);
                try {
                    if (source != null) {
                        // Before any tunnel exists; unregistered with the framework's stop.
                        host.context().registerService(org.culvert.api.tunnel.CredentialsSource.class, source, null);
                    }
                    return attach(host, threads, control, events, storage, temporary);
                } catch (RuntimeException e) {
                    host.stop();
                    throw e;
                }
            });
            try {
                return awaitUninterruptibly(starting);
            } catch (ExecutionException e) {
                control.shutdown();
                events.finish();
                threads.awaitEnd(THREAD_END_WAIT_MILLIS, Culvert::isStrandedJnaCleaner);
                if (temporary) {
                    FrameworkHost.deleteTree(storage);
                }
                Throwable cause = e.getCause();
                if (cause instanceof CulvertException) {
                    throw (CulvertException) cause;
                }
                throw new CulvertException(CulvertException.Reason.FRAMEWORK_FAILED, "cannot start Culvert: " + cause, cause);
            }
        }

        /** Connects the event hub to the running framework: the state listener and every tunnel's log. */
        private static Culvert attach(FrameworkHost host, OwnedThreads threads, ExecutorService control, EventHub events, Path storage,
                boolean temporary) {
            BundleContext ctx = host.context();
            // Registered before any tunnel exists, so the host sees every tunnel's changes (and every server's clients).
            ServiceRegistration<?> reg = ctx.registerService(
                    new String[] {TunnelListener.class.getName(), ServerClientListener.class.getName()}, events, null);
            ServiceTracker<Tunnel, Tunnel> tracker = new ServiceTracker<>(ctx, Tunnel.class, null) {
                @Override
                public Tunnel addingService(ServiceReference<Tunnel> reference) {
                    Tunnel t = super.addingService(reference);
                    if (t != null) {
                        t.addLogListener(events);
                    }
                    return t;
                }

                @Override
                public void removedService(ServiceReference<Tunnel> reference, Tunnel t) {
                    t.removeLogListener(events);
                    super.removedService(reference, t);
                }
            };
            tracker.open();
            return new Culvert(threads, control, events, host, reg, tracker, storage, temporary);
        }
    }

    // --- tunnels ---

    /**
     * Checks {@code config} and starts a tunnel from it. Returns once the tunnel exists, not once it is
     * up: watch {@link EmbeddedTunnel#awaitState}, {@link #addListener} or {@link EmbeddedTunnel#snapshot()}.
     *
     * @param name 1-64 letters, digits, '.', '_' or '-'; unique among this Culvert's tunnels
     * @throws TunnelConfigException the configuration is wrong; the message names source, line and option
     * @throws TunnelException DUPLICATE_NAME, STORE_FAILED or TIMEOUT (the core did not make the tunnel)
     */
    public EmbeddedTunnel start(String name, TunnelConfig config) throws TunnelException {
        ensureOpen();
        TunnelConfig.Prepared prepared = config.prepare();
        Map<String, String> filters = config.pluginFilters();
        try {
            Tunnel t = onControl(() -> host.manager().start(name, prepared.text, prepared.coreSource, filters));
            return new EmbeddedTunnel(this, t);
        } catch (TunnelException e) {
            if (e.reason() == TunnelException.Reason.CONFIG_ERROR && !(e instanceof TunnelConfigException)
                    && prepared.isCoreConfigMessage(e.getMessage())) {
                throw prepared.translateCore(e);
            }
            throw e;
        }
    }

    /** {@link #start} from a configuration file; relative paths in it resolve against its folder. */
    public EmbeddedTunnel startFromFile(String name, Path configFile) throws TunnelException {
        return start(name, TunnelConfig.fromFile(configFile));
    }

    /** {@link #start} from configuration text; relative paths resolve against the working directory. */
    public EmbeddedTunnel startFromText(String name, String configText) throws TunnelException {
        return start(name, TunnelConfig.fromText(configText));
    }

    /** {@link #start} from a map of OpenVPN options (see {@link TunnelConfig} for repeated and inline options). */
    public EmbeddedTunnel startFromOptions(String name, Map<String, String> options) throws TunnelException {
        return start(name, TunnelConfig.fromOptions(options));
    }

    /** Stops the tunnel and forgets it; returns once it has released its device and socket. */
    public void stop(String name) throws TunnelException {
        ensureOpen();
        onControl(() -> {
            stopAndWait(name);
            return null;
        });
    }

    /**
     * Stops a tunnel and waits until it says STOPPED (or FAILED): the manager returns once the tunnel's
     * service is gone, which SCR does before the tunnel's deactivation has finished releasing things.
     */
    private void stopAndWait(String name) throws TunnelException {
        Tunnel t = host.manager().get(name).orElse(null);
        host.manager().stop(name);
        if (t != null) {
            try {
                if (events.awaitState(t, TunnelState.STOPPED, STOP_WAIT_MILLIS) == null) {
                    LOG.log(System.Logger.Level.WARNING, "tunnel '" + name + "' did not report STOPPED within " + STOP_WAIT_MILLIS / 1000 + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sends an OpenVPN signal to one tunnel: SIGUSR1/SIGHUP restart it, SIGUSR2 logs its counters, SIGTERM stops it. */
    public void signal(String name, TunnelSignal signal) throws TunnelException {
        ensureOpen();
        Objects.requireNonNull(signal, "signal");
        onControl(() -> {
            Tunnel t = host.manager().get(name)
                    .orElseThrow(() -> new TunnelException(TunnelException.Reason.NOT_FOUND, "no tunnel named '" + name + "'"));
            t.signal(signal);
            return null;
        });
    }

    /** The tunnel called {@code name}, if it exists. */
    public Optional<EmbeddedTunnel> tunnel(String name) {
        ensureOpen();
        return host.manager().get(name).map(t -> new EmbeddedTunnel(this, t));
    }

    /** A snapshot of every tunnel, sorted by name. */
    public List<TunnelSnapshot> list() {
        ensureOpen();
        List<TunnelSnapshot> out = new ArrayList<>();
        for (Tunnel t : host.manager().list()) {
            out.add(TunnelSnapshot.of(t));
        }
        return out;
    }

    /** A snapshot of the tunnel called {@code name}, if it exists. */
    public Optional<TunnelSnapshot> snapshot(String name) {
        ensureOpen();
        return host.manager().get(name).map(TunnelSnapshot::of);
    }

    // --- listeners ---

    /**
     * Registers a listener for every tunnel's state changes, delivered on Culvert's event thread in the
     * order they happened (see {@link TunnelEventListener}). It sees changes from now on; read
     * {@link #list()} for the states before. The final STOPPED events of a {@code close()}
     * are delivered before {@code close()} returns.
     */
    public Subscription addListener(TunnelEventListener listener) {
        ensureOpen();
        return events.addListener(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Registers a listener for every tunnel's log lines (after their --verb and --mute filtering),
     * delivered on Culvert's event thread, in order, interleaved with state events as they happened.
     * If the listener falls more than {@value EventHub#MAX_PENDING_LOG_LINES} lines behind, lines are
     * dropped and a warning line says how many.
     */
    public Subscription addLogListener(TunnelLogListener listener) {
        ensureOpen();
        return events.addLogListener(null, Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Registers a listener for every server-mode tunnel's client events (OpenVPN's {@code >CLIENT:}
     * notifications: CONNECT, REAUTH, ESTABLISHED, ADDRESS, DISCONNECT, with the client and its
     * environment), delivered on Culvert's event thread, in order, interleaved with state events as
     * they happened. If the listener falls more than {@value EventHub#MAX_PENDING_CLIENT_EVENTS}
     * events behind, events are dropped and a warning is logged. A server's clients now are in
     * {@link EmbeddedTunnel#server()}.
     */
    public Subscription addClientListener(ServerClientListener listener) {
        ensureOpen();
        return events.addClientListener(null, Objects.requireNonNull(listener, "listener"));
    }

    Subscription addClientListener(String tunnelName, ServerClientListener listener) {
        ensureOpen();
        return events.addClientListener(tunnelName, Objects.requireNonNull(listener, "listener"));
    }

    Subscription addLogListener(String tunnelName, TunnelLogListener listener) {
        ensureOpen();
        return events.addLogListener(tunnelName, Objects.requireNonNull(listener, "listener"));
    }

    TunnelStatus awaitState(Tunnel tunnel, TunnelState state, Duration timeout) throws TunnelException, InterruptedException {
        ensureOpen();
        TunnelStatus s = events.awaitState(tunnel, state, timeout.toMillis());
        if (s == null) {
            throw new TunnelException(TunnelException.Reason.TIMEOUT, "tunnel '" + tunnel.name() + "' did not reach " + state + " within "
                    + timeout.toMillis() + " ms; it is " + tunnel.status());
        }
        return s;
    }

    // --- for hosts that want more ---

    /** The core's tunnel manager (for what this class does not offer). Its listeners run on tunnel threads. */
    public TunnelManager tunnelManager() {
        ensureOpen();
        return host.manager();
    }

    /** The embedded framework's system bundle context (to register services for the bundles, or look some up). */
    public BundleContext bundleContext() {
        ensureOpen();
        return host.context();
    }

    /**
     * The live threads Culvert started, directly or through the framework and its bundles (its thread
     * group), sorted by name. Empty once {@link #close()} has returned, unless a thread could not be
     * ended (close() logs a warning naming it).
     */
    public List<Thread> ownedThreads() {
        return threads.live();
    }

    public boolean isClosed() {
        synchronized (lifecycle) {
            return closed;
        }
    }

    /**
     * Stops every tunnel (each reports STOPPED with reason USER_STOP, delivered to the
     * listeners), stops the framework, deletes a temporary storage folder, and returns once every thread
     * Culvert started has ended. Idempotent: a second call waits for the first to finish. Never throws.
     *
     * <p>Called from one of Culvert's own threads (a listener), it starts the shutdown and returns at
     * once, since a thread cannot wait for itself to end.
     *
     * <p>Threads Culvert cannot end from outside are named in a WARNING log line and remain in
     * {@link #ownedThreads()}: none are known with the distribution's bundles. JNA's cleaner thread,
     * which would otherwise outlive the framework, is ended here (it exits when interrupted, and nothing
     * uses that copy of JNA any more). Threads that the JDK pools for the whole JVM are not Culvert's and
     * are not waited for: notably the {@code process reaper} that the Linux tun driver's {@code ip}
     * commands start, which the JDK ends by itself 60 s after the last child process exited.
     */
    @Override
    public void close() {
        boolean first;
        synchronized (lifecycle) {
            first = !closed;
            closed = true;
        }
        if (first) {
            try {
                control.execute(this::shutDownOnControl);
            } catch (RejectedExecutionException e) {
                shutDown.countDown();
            }
            control.shutdown();
        }
        if (threads.owns(Thread.currentThread())) {
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (!shutDown.await(SHUTDOWN_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                        LOG.log(System.Logger.Level.WARNING, "Culvert's shutdown did not finish within " + SHUTDOWN_WAIT_MILLIS / 1000 + " s");
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            // Only now, with the framework stopped, may JNA's cleaner be ended.
            List<Thread> left = threads.awaitEnd(THREAD_END_WAIT_MILLIS, Culvert::isStrandedJnaCleaner);
            if (!left.isEmpty() && first) {
                LOG.log(System.Logger.Level.WARNING, "threads left after closing Culvert: " + OwnedThreads.describe(left));
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void shutDownOnControl() {
        try {
            for (Tunnel t : host.manager().list()) {
                try {
                    stopAndWait(t.name());
                } catch (TunnelException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "stopping tunnel '" + t.name() + "' failed: " + e.getMessage());
                }
            }
            tunnelTracker.close();
            try {
                listenerRegistration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // The framework is stopping anyway.
            }
            host.stop();
            if (deleteStorage) {
                FrameworkHost.deleteTree(storage);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing Culvert failed", e);
        } finally {
            events.finish();
            shutDown.countDown();
        }
    }

    /**
     * JNA's cleaner thread of the framework's (now stopped) JNA bundle: loaded by a bundle's class loader,
     * never a copy of JNA that the host loaded from its class path (and only ever asked about threads of
     * Culvert's own group).
     */
    static boolean isStrandedJnaCleaner(Thread t) {
        return t.getClass().getName().equals(OwnedThreads.JNA_CLEANER_CLASS) && t.getClass().getClassLoader() instanceof BundleReference;
    }

    // --- plumbing ---

    void ensureOpen() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("Culvert is closed");
            }
        }
    }

    /** Runs {@code op} on the control thread and returns its result, rethrowing its exception as is. */
    private <T> T onControl(Callable<T> op) throws TunnelException {
        Future<T> f;
        try {
            f = control.submit(op);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("Culvert is closed", e);
        }
        try {
            return awaitUninterruptibly(f);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof TunnelException) {
                throw (TunnelException) c;
            }
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            if (c instanceof Error) {
                throw (Error) c;
            }
            throw new IllegalStateException(c);
        }
    }

    private static <T> T awaitUninterruptibly(Future<T> f) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "Culvert[" + (isClosed() ? "closed" : host.manager().list().size() + " tunnels") + "]";
    }
}
