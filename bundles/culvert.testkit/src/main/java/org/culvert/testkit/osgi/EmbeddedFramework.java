package org.culvert.testkit.osgi;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * An OSGi framework started inside a test, from the {@link FrameworkFactory} found on the class path
 * (Felix, in this project), with bundles installed from files and, optionally, packages of the test's
 * own class path exported by the system bundle. Exporting a package that way (for example the plugin
 * API and {@code org.culvert.testkit}) lets the test use the framework's services through its own
 * classes, and share the test kit's static hub and network with the bundles.
 *
 * <p>Not thread-safe; one test uses one instance and closes it ({@link #close()} stops the framework
 * and waits for it).
 */
public final class EmbeddedFramework implements AutoCloseable {
    private static final long STOP_TIMEOUT_MILLIS = 10_000;

    private final Framework framework;
    private final List<Bundle> installed;

    private EmbeddedFramework(Framework framework, List<Bundle> installed) {
        this.framework = framework;
        this.installed = installed;
    }

    public static Builder builder(Path storage) {
        return new Builder(storage);
    }

    /** The system bundle's context. */
    public BundleContext context() {
        return framework.getBundleContext();
    }

    /** The bundles the builder installed, in order. */
    public List<Bundle> installed() {
        return List.copyOf(installed);
    }

    /** The installed bundle with this symbolic name, or null. */
    public Bundle bundle(String symbolicName) {
        for (Bundle b : context().getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /**
     * Waits up to {@code timeoutMillis} for a service of {@code objectClass} matching {@code filter}
     * (null: any) to be registered.
     *
     * @return its reference, or null when none came in time
     */
    public ServiceReference<?> awaitService(String objectClass, String filter, long timeoutMillis)
            throws InvalidSyntaxException, InterruptedException {
        String full = "(&(" + Constants.OBJECTCLASS + "=" + objectClass + ")" + (filter == null ? "" : filter) + ")";
        Filter f = FrameworkUtil.createFilter(full);
        Object monitor = new Object();
        ServiceListener listener = event -> {
            synchronized (monitor) {
                monitor.notifyAll();
            }
        };
        context().addServiceListener(listener, full);
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            synchronized (monitor) {
                while (true) {
                    ServiceReference<?>[] refs = context().getAllServiceReferences(objectClass, filter);
                    if (refs != null) {
                        for (ServiceReference<?> r : refs) {
                            if (f.match(r)) {
                                return r;
                            }
                        }
                    }
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return null;
                    }
                    monitor.wait(left);
                }
            }
        } finally {
            context().removeServiceListener(listener);
        }
    }

    /** True when no service of {@code objectClass} matching {@code filter} is registered. */
    public boolean noService(String objectClass, String filter) throws InvalidSyntaxException {
        return context().getAllServiceReferences(objectClass, filter) == null;
    }

    /** Stops the framework and waits for it; never throws. */
    @Override
    public void close() {
        try {
            framework.stop();
            framework.waitForStop(STOP_TIMEOUT_MILLIS);
        } catch (BundleException e) {
            // Stopping failed: nothing left to do for a test framework.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The jar on the class path ({@code java.class.path}) whose file name starts with
     * {@code fileNamePrefix}, e.g. {@code "org.apache.felix.scr-"}.
     *
     * @throws IllegalStateException if there is none
     */
    public static Path classPathJar(String fileNamePrefix) {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Paths.get(entry);
            Path name = p.getFileName();
            if (name != null && name.toString().startsWith(fileNamePrefix) && name.toString().endsWith(".jar")) {
                return p;
            }
        }
        throw new IllegalStateException("no jar named " + fileNamePrefix + "* on the class path");
    }

    /**
     * The {@code Export-Package} header of the culvert.api bundle on the class path, for
     * {@link Builder#systemPackages}: the API packages with the versions they were built with, so a
     * test keeps resolving when an API package gains a minor version.
     *
     * @throws IllegalStateException when culvert.api is not on the class path
     */
    public static String culvertApiExports() {
        try {
            java.util.Enumeration<java.net.URL> manifests = EmbeddedFramework.class.getClassLoader().getResources("META-INF/MANIFEST.MF");
            while (manifests.hasMoreElements()) {
                try (java.io.InputStream in = manifests.nextElement().openStream()) {
                    java.util.jar.Attributes a = new java.util.jar.Manifest(in).getMainAttributes();
                    String bsn = a.getValue(Constants.BUNDLE_SYMBOLICNAME);
                    if (bsn != null && bsn.split(";")[0].trim().equals("culvert.api")) {
                        return a.getValue(Constants.EXPORT_PACKAGE);
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the class path's manifests", e);
        }
        throw new IllegalStateException("culvert.api is not on the class path");
    }

    /** Collects the configuration; {@link #start()} launches. */
    public static final class Builder {
        private final Map<String, String> properties = new HashMap<>();
        private final List<String> systemPackages = new ArrayList<>();
        private final List<Path> bundles = new ArrayList<>();

        private Builder(Path storage) {
            properties.put(Constants.FRAMEWORK_STORAGE, storage.toAbsolutePath().toString());
            properties.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        }

        /** A framework launch property. */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /**
         * Packages the system bundle exports from the test's class path, as
         * {@code Export-Package} clauses (e.g. {@code "org.culvert.api.tun;version=1.0.0"}).
         */
        public Builder systemPackages(String... clauses) {
            systemPackages.addAll(List.of(clauses));
            return this;
        }

        /** A bundle to install and start: a jar, or an exploded directory (such as {@code target/classes}) with a manifest. */
        public Builder bundle(Path jarOrDirectory) {
            bundles.add(jarOrDirectory);
            return this;
        }

        /** As {@link #bundle(Path)}, for the class-path jar {@link EmbeddedFramework#classPathJar} finds. */
        public Builder classPathBundle(String fileNamePrefix) {
            return bundle(classPathJar(fileNamePrefix));
        }

        /**
         * Starts the framework, installs every bundle, then starts each one in order.
         *
         * @throws BundleException when a bundle does not install, resolve or start (the framework is stopped then)
         * @throws IllegalStateException when no framework implementation is on the class path
         */
        public EmbeddedFramework start() throws BundleException, IOException {
            Map<String, String> config = new HashMap<>(properties);
            if (!systemPackages.isEmpty()) {
                config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, String.join(",", systemPackages));
            }
            Iterator<FrameworkFactory> factories = ServiceLoader.load(FrameworkFactory.class, EmbeddedFramework.class.getClassLoader())
                    .iterator();
            if (!factories.hasNext()) {
                throw new IllegalStateException("no OSGi framework implementation on the class path");
            }
            Framework framework = factories.next().newFramework(config);
            framework.start();
            List<Bundle> installed = new ArrayList<>();
            try {
                for (Path p : bundles) {
                    if (!Files.exists(p)) {
                        throw new IOException("no bundle at " + p);
                    }
                    // Felix installs an exploded directory in place from a reference: URL.
                    String location = (Files.isDirectory(p) ? "reference:" : "") + p.toAbsolutePath().toUri();
                    installed.add(framework.getBundleContext().installBundle(location));
                }
                for (Bundle b : installed) {
                    if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                        b.start();
                    }
                }
            } catch (BundleException | IOException | RuntimeException e) {
                new EmbeddedFramework(framework, installed).close();
                throw e;
            }
            return new EmbeddedFramework(framework, installed);
        }
    }
}
