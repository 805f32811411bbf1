package org.culvert.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The bundle set of examples/osgi/bundles.txt on Eclipse Equinox instead of Felix, launched through
 * its {@link FrameworkFactory} as a host would (no Pax Exam). Failsafe runs this class in a JVM whose
 * class path has Equinox and not Felix (see the pom's {@code equinox} execution), so ServiceLoader
 * finds Equinox alone.
 *
 * <p>This JVM's class path also has its own copy of Culvert's API, which the framework's bundles do
 * not share; so the test drives the framework the way a host does, by {@code .cfg} files that
 * fileinstall turns into tunnel configurations, and watches the tunnels through culvert.jmx's MBeans
 * in the platform MBeanServer (JDK types only).
 */
class EquinoxHostIT {
    private static final long TIMEOUT_MILLIS = Platform.TIMEOUT_MILLIS;

    @Test
    void bundleSetResolvesAndAMemoryTunnelComesUpOnEquinox(@TempDir Path storage) throws Exception {
        FrameworkFactory factory = onlyFrameworkFactory();
        assertTrue(factory.getClass().getName().startsWith("org.eclipse.osgi."), "not Equinox: " + factory.getClass().getName());

        Path watched = HostOptions.newFolder("equinox-watched");
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put("eclipse.consoleLog", "true"); // framework errors on stdout, not only in a .log file in the storage area
        config.put(HostOptions.WATCHED_DIR, watched.toString());
        config.put("felix.fileinstall.poll", HostOptions.POLL_MILLIS);
        config.put("felix.fileinstall.noInitialDelay", "true");
        config.put("felix.fileinstall.log.level", "2");

        List<String> artifacts = new ArrayList<>(CulvertBundles.RUNTIME);
        // Equinox's system bundle has the log service; Felix's would be a second one.
        artifacts.remove(CulvertBundles.LOG);
        artifacts.addAll(CulvertBundles.PRODUCT);
        artifacts.addAll(CulvertBundles.MEMORY);
        artifacts.addAll(CulvertBundles.OSGI_HOST);

        Framework framework = factory.newFramework(config);
        framework.init();
        CfgFiles cfg = new CfgFiles(watched, HostOptions.newFolder("equinox-staging"));
        String office = CfgFiles.fileName("office");
        String branch = CfgFiles.fileName("branch");
        try (TunnelFiles files = TunnelFiles.create(); MBeanWatcher mbeans = new MBeanWatcher()) {
            BundleContext context = framework.getBundleContext();
            List<Bundle> installed = new ArrayList<>();
            for (String artifactId : artifacts) {
                installed.add(context.installBundle(CulvertBundles.url(artifactId)));
            }
            for (Bundle b : installed) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null && !CulvertBundles.WINDOWS.contains(b.getSymbolicName())) {
                    b.start(Bundle.START_ACTIVATION_POLICY);
                }
            }
            framework.start();
            System.out.println("Equinox " + framework.getVersion() + " (" + framework.getSymbolicName() + "), " + installed.size()
                    + " bundles, Java " + System.getProperty("java.version"));

            // Every bundle resolves and runs, except the Windows ones, which must stay unresolved.
            List<String> wrong = new ArrayList<>();
            for (Bundle b : installed) {
                boolean windows = CulvertBundles.WINDOWS.contains(b.getSymbolicName());
                boolean lazy = b.getState() == Bundle.STARTING && String.valueOf(b.getHeaders().get(Constants.BUNDLE_ACTIVATIONPOLICY))
                        .startsWith(Constants.ACTIVATION_LAZY);
                if (windows ? b.getState() != Bundle.INSTALLED : b.getState() != Bundle.ACTIVE && !lazy) {
                    wrong.add(b.getSymbolicName() + " is in state " + b.getState());
                }
            }
            assertTrue(wrong.isEmpty(), () -> "bundles in the wrong state on Equinox: " + wrong);

            // Two memory tunnels from .cfg files reach UP and exchange pings; JMX shows them.
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName officeMBean = OsgiHostIT.tunnelMBean("office");
            ObjectName branchMBean = OsgiHostIT.tunnelMBean("branch");
            Path officeConf = files.write("office.conf", files.memoryConfig("office", "branch", "10.0.0.1", "10.0.0.2", 0, "ping 1"));
            cfg.put(branch, CfgFiles.withInlineConfig("branch", files.memoryConfig("branch", "office", "10.0.0.2", "10.0.0.1", 1, "ping 1")));
            cfg.put(office, CfgFiles.withConfigFile("office", officeConf));
            mbeans.awaitRegistered(officeMBean, TIMEOUT_MILLIS);
            mbeans.awaitRegistered(branchMBean, TIMEOUT_MILLIS);
            for (ObjectName n : List.of(officeMBean, branchMBean)) {
                Poll.until(n + " UP", TIMEOUT_MILLIS, () -> "UP".equals(server.getAttribute(n, "State")),
                        () -> server.getAttribute(n, "State") + " " + server.getAttribute(n, "Reason") + " " + server.getAttribute(n, "Detail"));
            }
            Poll.until("a ping from office authenticated by branch", TIMEOUT_MILLIS,
                    () -> (Long) server.getAttribute(branchMBean, "LinkAuthReadBytes") > 0
                            && (Long) server.getAttribute(officeMBean, "LinkWritePackets") > 0,
                    () -> "branch LinkAuthReadBytes " + server.getAttribute(branchMBean, "LinkAuthReadBytes") + ", office LinkWritePackets "
                            + server.getAttribute(officeMBean, "LinkWritePackets"));
            assertEquals("memory", pluginOf(server, officeMBean, "tun-driver"));
            System.out.println("on Equinox: office " + server.getAttribute(officeMBean, "State") + " on "
                    + server.getAttribute(officeMBean, "DeviceName") + ", link write packets "
                    + server.getAttribute(officeMBean, "LinkWritePackets"));

            // Deleting the file removes the tunnel: its MBean and its thread go.
            cfg.delete(office);
            mbeans.awaitUnregistered(officeMBean, TIMEOUT_MILLIS);
            Poll.until("office's thread gone", TIMEOUT_MILLIS, () -> tunnelThread("office") == null, () -> tunnelThread("office"));
            assertEquals("UP", server.getAttribute(branchMBean, "State"));
        } finally {
            cfg.deleteQuietly(office, branch);
            framework.stop();
            framework.waitForStop(TimeUnit.SECONDS.toMillis(30));
        }
        assertEquals(Bundle.RESOLVED, framework.getState(), "Equinox did not stop");
        assertNull(tunnelThread("branch"), "a tunnel thread outlived the framework");
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(OsgiHostIT.tunnelMBean("branch")),
                "a tunnel MBean outlived the framework");
    }

    private static FrameworkFactory onlyFrameworkFactory() {
        Iterator<FrameworkFactory> it = ServiceLoader.load(FrameworkFactory.class).iterator();
        assertTrue(it.hasNext(), "no FrameworkFactory on the class path (is org.eclipse.osgi a test dependency?)");
        FrameworkFactory f = it.next();
        List<String> others = new ArrayList<>();
        it.forEachRemaining(o -> others.add(o.getClass().getName()));
        assertTrue(others.isEmpty(), () -> "more than one framework on the class path: " + f.getClass().getName() + " and " + others);
        return f;
    }

    private static Object pluginOf(MBeanServer server, ObjectName name, String kind) throws Exception {
        TabularData t = (TabularData) server.getAttribute(name, "Plugins");
        CompositeData row = t.get(new Object[] {kind});
        return row == null ? null : row.get("value");
    }

    private static Thread tunnelThread(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().equals("culvert-tunnel-" + name)) {
                return t;
            }
        }
        return null;
    }
}
