package org.culvert.embed;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.culvert.api.tunnel.TunnelManager;
import org.culvert.launcher.StartTrace;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.namespace.NativeNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The embedded Felix: installs and starts the bundles of a distribution folder, shares the
 * {@code org.culvert.api} packages of the host's class path through the system bundle, and stops it
 * all again. Runs only on {@link Culvert}'s control thread, so every thread the framework starts belongs
 * to Culvert's thread group.
 */
final class FrameworkHost {
    /** Bundles the host provides itself (from its class path) and so never installs. */
    private static final List<String> HOST_PROVIDED = List.of("culvert.api", "org.apache.felix.framework");
    private static final System.Logger LOG = System.getLogger("org.culvert.embed");

    private final Framework framework;
    private final ServiceTracker<TunnelManager, TunnelManager> managerTracker;
    private final TunnelManager manager;

    private FrameworkHost(Framework framework, ServiceTracker<TunnelManager, TunnelManager> tracker, TunnelManager manager) {
        this.framework = framework;
        this.managerTracker = tracker;
        this.manager = manager;
    }

    /**
     * Starts Felix with every bundle jar of {@code bundleDir} and waits for the tunnel manager.
     *
     * @param without    symbolic names of the folder's bundles not to install
     * @param storage    the framework's cache folder (cleaned on start)
     * @param extra      the host's framework properties; they win over the defaults, except that
     *                   {@code org.osgi.framework.system.packages.extra} is added to the shared API packages
     */
    static FrameworkHost start(Path bundleDir, Set<String> without, Path storage, Map<String, String> extra, long serviceTimeoutMillis)
            throws CulvertException {
        List<Path> jars;
        try {
            jars = bundleJars(bundleDir, without);
        } catch (IOException e) {
            throw new CulvertException(CulvertException.Reason.BUNDLES_MISSING, "cannot read the bundle folder "
                    + bundleDir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        if (jars.isEmpty()) {
            throw new CulvertException(CulvertException.Reason.BUNDLES_MISSING, "no bundles in " + bundleDir.toAbsolutePath()
                    + " (build the distribution first: its bundle folder is distribution/target/bundles)");
        }
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put("felix.log.level", "1");
        // Resolve on the calling thread: Felix's parallel resolver keeps a thread pool that outlives
        // the framework (its threads only idle out after 60 s), which would break close()'s promise.
        props.put("felix.resolver.parallelism", "1");
        props.putAll(extra);
        String shared = sharedPackages();
        String hostExtra = extra.get(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA);
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, hostExtra == null || hostExtra.isBlank() ? shared : shared + "," + hostExtra);

        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, FrameworkHost.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new CulvertException(CulvertException.Reason.FRAMEWORK_FAILED,
                        "no OSGi framework on the class path (add org.apache.felix.framework)"));
        StartTrace.step("bundle folder read");
        Framework fw = factory.newFramework(props);
        List<Bundle> installed = new ArrayList<>();
        try {
            fw.start();
            StartTrace.step("framework started");
            BundleContext ctx = fw.getBundleContext();
            for (Path jar : jars) {
                // "reference:": Felix reads the jar where it is instead of copying it into the storage
                // folder first (about 15 MB, a third of a second of every start).
                installed.add(ctx.installBundle("reference:" + jar.toUri()));
            }
            // One resolver pass for every bundle: starting them one by one resolves again for each bundle
            // that cannot resolve (those for another OS), which cost about half a second of every start.
            StartTrace.step(installed.size() + " bundles installed");
            fw.adapt(FrameworkWiring.class).resolveBundles(installed);
            StartTrace.step("bundles resolved");
            List<String> unresolved = new ArrayList<>();
            for (Bundle b : installed) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
                    continue;
                }
                if (b.getState() == Bundle.INSTALLED && requiresOtherNative(b, fw)) {
                    continue;   // a bundle for another OS (osgi.native) stays unresolved: expected, not fatal
                }
                try {
                    b.start();
                } catch (BundleException e) {
                    if (e.getType() != BundleException.RESOLVE_ERROR) {
                        throw e;
                    }
                    unresolved.add(b.getSymbolicName() + ": " + e.getMessage());
                }
            }
            StartTrace.step("bundles started");
            ServiceTracker<TunnelManager, TunnelManager> tracker = new ServiceTracker<>(ctx, TunnelManager.class, null);
            tracker.open();
            TunnelManager manager = tracker.waitForService(serviceTimeoutMillis);
            if (manager == null) {
                tracker.close();
                throw new CulvertException(CulvertException.Reason.CORE_MISSING, "the tunnel manager did not start within "
                        + serviceTimeoutMillis / 1000 + " s" + (unresolved.isEmpty() ? "" : "; unresolved bundles: " + String.join("; ", unresolved)));
            }
            StartTrace.step("tunnel manager up");
            return new FrameworkHost(fw, tracker, manager);
        } catch (BundleException | RuntimeException e) {
            stop(fw);
            throw new CulvertException(CulvertException.Reason.FRAMEWORK_FAILED, "cannot start the embedded framework: " + e.getMessage(), e);
        } catch (CulvertException e) {
            stop(fw);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(fw);
            throw new CulvertException(CulvertException.Reason.INTERRUPTED, "interrupted while starting", e);
        }
    }

    /** Whether {@code b} requires a native environment ({@code osgi.native}) that {@code fw} does not offer. */
    private static boolean requiresOtherNative(Bundle b, Framework fw) {
        List<BundleRequirement> needs = b.adapt(BundleRevision.class).getDeclaredRequirements(NativeNamespace.NATIVE_NAMESPACE);
        List<BundleCapability> offered = fw.adapt(BundleRevision.class).getDeclaredCapabilities(NativeNamespace.NATIVE_NAMESPACE);
        return needs.stream().anyMatch(r -> offered.stream().noneMatch(r::matches));
    }

    TunnelManager manager() {
        return manager;
    }

    BundleContext context() {
        return framework.getBundleContext();
    }

    /** Stops the framework and waits for it (bounded). Never throws. */
    void stop() {
        managerTracker.close();
        stop(framework);
    }

    private static void stop(Framework fw) {
        try {
            fw.stop();
            FrameworkEvent e = fw.waitForStop(30_000);
            if (e.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                LOG.log(System.Logger.Level.WARNING, "the embedded framework did not stop within 30 s");
            }
        } catch (BundleException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stopping the embedded framework failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The API packages the host shares with the bundles, exactly as the culvert.api jar on the host's
     * class path exports them (so their versions always match what the bundles import).
     */
    static String sharedPackages() throws CulvertException {
        try {
            Enumeration<URL> manifests = FrameworkHost.class.getClassLoader().getResources(JarFile.MANIFEST_NAME);
            while (manifests.hasMoreElements()) {
                try (InputStream in = manifests.nextElement().openStream()) {
                    Attributes a = new Manifest(in).getMainAttributes();
                    String bsn = a.getValue(Constants.BUNDLE_SYMBOLICNAME);
                    if (bsn != null && bsn.split(";")[0].trim().equals("culvert.api")) {
                        return a.getValue(Constants.EXPORT_PACKAGE);
                    }
                }
            }
        } catch (IOException e) {
            throw new CulvertException(CulvertException.Reason.API_NOT_ON_CLASS_PATH, "cannot read the class path's manifests: " + e.getMessage(), e);
        }
        throw new CulvertException(CulvertException.Reason.API_NOT_ON_CLASS_PATH,
                "culvert.api is not on the class path: the host needs it to share the API with the bundles");
    }

    /** The bundle jars of {@code dir} that the framework installs, sorted by file name. */
    static List<Path> bundleJars(Path dir) throws IOException {
        return bundleJars(dir, Set.of());
    }

    /** As {@link #bundleJars(Path)}, leaving out the bundles named in {@code without}. */
    static List<Path> bundleJars(Path dir, Set<String> without) throws IOException {
        List<Path> jars = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return jars;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.jar")) {
            for (Path p : ds) {
                String bsn = symbolicName(p);
                if (bsn != null && !HOST_PROVIDED.contains(bsn) && !without.contains(bsn)) {
                    jars.add(p);
                }
            }
        }
        jars.sort(Comparator.comparing(Path::toString));
        return jars;
    }

    private static String symbolicName(Path jar) throws IOException {
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest m = jf.getManifest();
            if (m == null) {
                return null;
            }
            String bsn = m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            return bsn == null ? null : bsn.split(";")[0].trim();
        }
    }

    /** Deletes a folder tree, best effort: a temp folder left behind is not worth failing a shutdown for. */
    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // Best effort, see above.
                }
            });
        } catch (IOException | RuntimeException e) {
            // Best effort, see above.
        }
    }
}
