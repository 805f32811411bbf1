package org.culvert.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.culvert.api.tunnel.TunnelListener;
import org.culvert.api.tunnel.TunnelManager;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Culvert inside a host that is not OSGi: starts an embedded Felix with the bundles of a
 * distribution folder and hands out the {@link TunnelManager}. The host and the bundles share the
 * {@code org.culvert.api} classes through the system bundle, so the host's {@link TunnelListener}s
 * and the tunnels' objects are the same types on both sides.
 *
 * <pre>
 * try (EmbeddedCulvert culvert = EmbeddedCulvert.start(Path.of("distribution/target/bundles"))) {
 *     Tunnel t = culvert.tunnels().start("office", configText, "office.conf", Map.of());
 *     ...
 * }
 * </pre>
 */
public final class EmbeddedCulvert implements AutoCloseable {
    /**
     * The API packages the host shares with the bundles, exactly as the culvert.api jar on the host's
     * class path exports them (so their versions always match what the bundles import).
     */
    static String sharedPackages() throws IOException {
        java.util.Enumeration<java.net.URL> manifests = EmbeddedCulvert.class.getClassLoader().getResources("META-INF/MANIFEST.MF");
        while (manifests.hasMoreElements()) {
            try (java.io.InputStream in = manifests.nextElement().openStream()) {
                java.util.jar.Attributes a = new java.util.jar.Manifest(in).getMainAttributes();
                String bsn = a.getValue(Constants.BUNDLE_SYMBOLICNAME);
                if (bsn != null && bsn.split(";")[0].trim().equals("culvert.api")) {
                    return a.getValue(Constants.EXPORT_PACKAGE);
                }
            }
        }
        throw new IOException("culvert.api is not on the class path: the host needs it to share the API with the bundles");
    }

    private static final long SERVICE_TIMEOUT_MILLIS = 20_000;

    private final Framework framework;
    private final Path storage;
    private final TunnelManager manager;
    private final ServiceTracker<TunnelManager, TunnelManager> tracker;
    private boolean closed;

    private EmbeddedCulvert(Framework framework, Path storage, ServiceTracker<TunnelManager, TunnelManager> tracker, TunnelManager manager) {
        this.framework = framework;
        this.storage = storage;
        this.tracker = tracker;
        this.manager = manager;
    }

    /** Starts with the bundles in {@code bundleDir} and default framework properties. */
    public static EmbeddedCulvert start(Path bundleDir) throws IOException, BundleException {
        return start(bundleDir, Map.of());
    }

    /**
     * Starts Felix with every bundle jar in {@code bundleDir} (except the API bundle, which the host
     * provides) and waits until the tunnel manager is available.
     *
     * @param frameworkProperties extra framework properties (they win over the defaults)
     */
    public static EmbeddedCulvert start(Path bundleDir, Map<String, String> frameworkProperties) throws IOException, BundleException {
        List<Path> jars = bundleJars(bundleDir);
        if (jars.isEmpty()) {
            throw new IOException("no bundles in " + bundleDir.toAbsolutePath() + " (build the distribution first)");
        }
        Path storage = Files.createTempDirectory("culvert-felix-");
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, sharedPackages());
        props.put("felix.log.level", "1");
        props.putAll(frameworkProperties);
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, EmbeddedCulvert.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"));
        Framework fw = factory.newFramework(props);
        fw.start();
        try {
            BundleContext ctx = fw.getBundleContext();
            List<Bundle> installed = new ArrayList<>();
            List<String> unresolved = new ArrayList<>();
            for (Path jar : jars) {
                installed.add(ctx.installBundle(jar.toUri().toString()));
            }
            for (Bundle b : installed) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    try {
                        b.start();
                    } catch (BundleException e) {
                        // A bundle for another OS (osgi.native) stays unresolved: expected, not fatal.
                        if (e.getType() != BundleException.RESOLVE_ERROR) {
                            throw e;
                        }
                        if (!String.valueOf(e.getMessage()).contains("osgi.native")) {
                            unresolved.add(b.getSymbolicName() + ": " + e.getMessage());
                        }
                    }
                }
            }
            ServiceTracker<TunnelManager, TunnelManager> tracker = new ServiceTracker<>(ctx, TunnelManager.class, null);
            tracker.open();
            TunnelManager manager = tracker.waitForService(SERVICE_TIMEOUT_MILLIS);
            if (manager == null) {
                throw new IOException("the tunnel manager did not start within " + SERVICE_TIMEOUT_MILLIS / 1000 + " s"
                        + (unresolved.isEmpty() ? "" : "; unresolved bundles: " + String.join("; ", unresolved)));
            }
            return new EmbeddedCulvert(fw, storage, tracker, manager);
        } catch (IOException | BundleException | RuntimeException e) {
            stopFramework(fw);
            deleteTree(storage);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopFramework(fw);
            deleteTree(storage);
            throw new IOException("interrupted while starting", e);
        }
    }

    static List<Path> bundleJars(Path dir) throws IOException {
        List<Path> jars = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return jars;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.jar")) {
            for (Path p : ds) {
                String bsn = symbolicName(p);
                if (bsn != null && !bsn.equals("culvert.api") && !bsn.equals("org.apache.felix.framework")) {
                    jars.add(p);
                }
            }
        }
        jars.sort(Comparator.comparing(Path::toString));
        return jars;
    }

    private static String symbolicName(Path jar) throws IOException {
        try (JarFile jf = new JarFile(jar.toFile())) {
            if (jf.getManifest() == null) {
                return null;
            }
            String bsn = jf.getManifest().getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            return bsn == null ? null : bsn.split(";")[0].trim();
        }
    }

    /** The tunnel manager of the embedded framework. */
    public TunnelManager tunnels() {
        return manager;
    }

    /** Registers a listener for every tunnel's state changes; unregister through the returned handle. */
    public ServiceRegistration<TunnelListener> addListener(TunnelListener listener) {
        return framework.getBundleContext().registerService(TunnelListener.class, listener, null);
    }

    /** The framework's bundle context, for hosts that want more. */
    public BundleContext bundleContext() {
        return framework.getBundleContext();
    }

    /** Stops every tunnel and the framework, and waits for them. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        tracker.close();
        stopFramework(framework);
        deleteTree(storage);
    }

    private static void stopFramework(Framework fw) {
        try {
            fw.stop();
            FrameworkEvent e = fw.waitForStop(TimeUnit.SECONDS.toMillis(30));
            if (e.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                System.getLogger("org.culvert.launcher").log(System.Logger.Level.WARNING, "framework did not stop within 30 s");
            }
        } catch (BundleException e) {
            System.getLogger("org.culvert.launcher").log(System.Logger.Level.WARNING, "framework stop failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // Best effort: a temp folder left behind is not worth failing a shutdown for.
        }
    }
}
