package org.culvert.itests;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.AllServiceListener;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * How long Culvert takes to come up: Felix with exactly the distribution's bundles (no test kit, no
 * Pax Exam), launched the way a launcher does it, timed from the framework's creation until the
 * {@code TunnelManager} service is registered and until it can be used. Failsafe runs this class
 * in a JVM of its own, so the number is a cold start as an operator sees it. The lead quotes the
 * printed line in the issue note.
 */
class StartupTimeIT {
    private static final String TUNNEL_MANAGER = "org.culvert.api.tunnel.TunnelManager";
    private static final long TIMEOUT_SECONDS = 30;

    @Test
    void frameworkStartToTunnelManagerAvailable(@TempDir Path storage) throws Exception {
        List<String> bundles = new ArrayList<>(CulvertBundles.RUNTIME);
        bundles.addAll(CulvertBundles.PRODUCT);
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put("felix.log.level", "1");
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).iterator().next();

        long t0 = System.nanoTime();
        Framework framework = factory.newFramework(config);
        framework.init();
        long initialized = System.nanoTime();
        try {
            BundleContext context = framework.getBundleContext();
            CountDownLatch registered = new CountDownLatch(1);
            AtomicLong registeredAt = new AtomicLong();
            // An AllServiceListener, because this JVM's class path has its own copy of the API: a plain
            // listener on the system bundle would be told only of services whose class it shares.
            AllServiceListener listener = event -> {
                if (event.getType() == ServiceEvent.REGISTERED && registeredAt.compareAndSet(0, System.nanoTime())) {
                    registered.countDown();
                }
            };
            context.addServiceListener(listener, "(" + Constants.OBJECTCLASS + "=" + TUNNEL_MANAGER + ")");

            List<Bundle> installed = new ArrayList<>();
            for (String artifactId : bundles) {
                installed.add(context.installBundle(CulvertBundles.url(artifactId)));
            }
            long allInstalled = System.nanoTime();
            for (Bundle b : installed) {
                // The Windows bundles cannot resolve here; marking them for start would only add a
                // logged resolve error each (the launcher carries on without them either way).
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null && !CulvertBundles.WINDOWS.contains(b.getSymbolicName())) {
                    b.start(Bundle.START_ACTIVATION_POLICY);
                }
            }
            framework.start();
            long frameworkStarted = System.nanoTime();

            assertTrue(registered.await(TIMEOUT_SECONDS, TimeUnit.SECONDS),
                    () -> "TunnelManager was not registered within " + TIMEOUT_SECONDS + " s of framework start; bundles not running: "
                            + notRunning(installed));
            ServiceReference<?>[] references = context.getAllServiceReferences(TUNNEL_MANAGER, null);
            assertNotNull(references, "TunnelManager registered and gone again");
            ServiceReference<?> reference = references[0];
            Object manager = context.getService(reference); // a delayed component activates here
            long usable = System.nanoTime();
            assertNotNull(manager, "TunnelManager could not be activated");
            context.ungetService(reference);
            context.removeServiceListener(listener);

            System.out.println("Culvert startup (Felix " + framework.getVersion() + ", " + installed.size() + " bundles, cold JVM, Java "
                    + System.getProperty("java.version") + "): framework start -> TunnelManager service registered in "
                    + millis(t0, registeredAt.get()) + " ms, usable in " + millis(t0, usable) + " ms (init " + millis(t0, initialized)
                    + " ms, install " + millis(initialized, allInstalled) + " ms, start " + millis(allInstalled, frameworkStarted) + " ms)");
        } finally {
            framework.stop();
            framework.waitForStop(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        }
    }

    private static List<String> notRunning(List<Bundle> bundles) {
        List<String> out = new ArrayList<>();
        for (Bundle b : bundles) {
            if (b.getState() != Bundle.ACTIVE && b.getState() != Bundle.STARTING && !CulvertBundles.WINDOWS.contains(b.getSymbolicName())) {
                out.add(b.getSymbolicName() + " (state " + b.getState() + ")");
            }
        }
        return out;
    }

    private static long millis(long fromNanos, long toNanos) {
        return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
    }
}
