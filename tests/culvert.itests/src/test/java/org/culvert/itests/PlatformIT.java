package org.culvert.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.testkit.MemoryTunHub;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The whole platform in a real Felix: every runtime and Culvert bundle, the in-memory plugins and
 * the shell, as the distribution runs them (issue 2 §7). A fresh framework per test, so that a
 * test that stops bundles cannot disturb another.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class PlatformIT {
    /** Driver-gone / driver-back cycles the memory tunnels must survive. */
    private static final int CYCLES = 50;

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return PaxOptions.culvert();
    }

    /** §7.1: everything resolves and runs, except the Windows bundles, which stay INSTALLED. */
    @Test
    public void everyBundleIsActiveExceptTheWindowsOnes() throws Exception {
        Platform.awaitService(context, TunnelManager.class, null);
        List<String> wrong = new ArrayList<>();
        for (String artifactId : CulvertBundles.all()) {
            Bundle b = Platform.bundle(context, CulvertBundles.symbolicName(artifactId));
            if (b == null) {
                wrong.add(artifactId + " is not installed");
                continue;
            }
            int expected = CulvertBundles.WINDOWS.contains(artifactId) ? Bundle.INSTALLED : Bundle.ACTIVE;
            if (b.getState() != expected && !(expected == Bundle.ACTIVE && isLazyAndStarting(b))) {
                wrong.add(b.getSymbolicName() + " is " + state(b) + ", expected " + (expected == Bundle.ACTIVE ? "ACTIVE" : "INSTALLED"));
            }
        }
        // Nothing else in the framework (Pax Exam's own bundles, the probe) may be stuck either.
        for (Bundle b : context.getBundles()) {
            boolean windows = CulvertBundles.WINDOWS.contains(b.getSymbolicName());
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            if (!windows && !fragment && b.getState() != Bundle.ACTIVE && !isLazyAndStarting(b)) {
                wrong.add(b.getSymbolicName() + " is " + state(b));
            }
        }
        assertTrue("bundles in the wrong state: " + wrong, wrong.isEmpty());
    }

    /**
     * §7.4: a bundle that requires {@code osgi.native} with {@code osname~=win32} cannot resolve on
     * Linux, and for exactly that reason; asking the framework to resolve it changes nothing else.
     */
    @Test
    public void windowsBundlesStayUnresolvedBecauseOfOsgiNative() throws Exception {
        Platform.awaitService(context, TunnelManager.class, null);
        BundleCapability nativeCapability = systemNativeCapability();
        assertNotNull("the system bundle announces no osgi.native capability", nativeCapability);
        assertEquals("this test expects to run on Linux", "linux",
                String.valueOf(firstValue(nativeCapability.getAttributes().get("osgi.native.osname"))).toLowerCase(Locale.ROOT));

        for (String artifactId : CulvertBundles.WINDOWS) {
            Bundle b = Platform.bundle(context, CulvertBundles.symbolicName(artifactId));
            assertNotNull(artifactId + " is not installed", b);
            assertEquals(artifactId + " state", Bundle.INSTALLED, b.getState());

            List<BundleRequirement> natives = b.adapt(BundleRevision.class).getDeclaredRequirements("osgi.native");
            assertFalse(artifactId + " declares no osgi.native requirement", natives.isEmpty());
            String filter = natives.get(0).getDirectives().get(Constants.FILTER_DIRECTIVE);
            assertTrue(artifactId + " requirement " + filter + " does not ask for win32", filter != null && filter.contains("win32"));
            Filter f = FrameworkUtil.createFilter(filter);
            assertFalse(artifactId + ": this machine's osgi.native capability " + nativeCapability.getAttributes() + " satisfies " + filter,
                    f.matches(nativeCapability.getAttributes()));

            assertFalse(artifactId + " resolved", context.getBundle(0).adapt(FrameworkWiring.class).resolveBundles(Set.of(b)));
            assertEquals(artifactId + " state after a resolve attempt", Bundle.INSTALLED, b.getState());
            try {
                b.start();
                fail(artifactId + " started on Linux");
            } catch (BundleException e) {
                assertEquals(artifactId + ": " + e.getMessage(), BundleException.RESOLVE_ERROR, e.getType());
                assertTrue(artifactId + " failed to resolve for another reason: " + e.getMessage(), e.getMessage().contains("osgi.native"));
            }
        }
        // Everything else still runs.
        for (Bundle b : context.getBundles()) {
            if (!CulvertBundles.WINDOWS.contains(b.getSymbolicName()) && b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                assertTrue(b.getSymbolicName() + " is " + state(b), b.getState() == Bundle.ACTIVE || isLazyAndStarting(b));
            }
        }
    }

    /** §7.1: {@code tunnel:plugins} lists the real Linux plugins as usable (and the memory ones too). */
    @Test
    public void pluginsCommandListsTheLinuxPluginsAsUsable() throws Exception {
        for (Map.Entry<String, List<String>> kind : CulvertBundles.LINUX_PLUGINS.entrySet()) {
            for (String name : kind.getValue()) {
                awaitPlugin(kind.getKey(), name);
            }
        }
        try (GogoShell shell = new GogoShell(Platform.awaitService(context, CommandProcessor.class, null))) {
            String table = shell.run("tunnel:plugins");
            System.out.println("tunnel:plugins\n" + table);
            for (Map.Entry<String, List<String>> kind : CulvertBundles.LINUX_PLUGINS.entrySet()) {
                for (String name : kind.getValue()) {
                    assertUsable(table, kind.getKey(), name);
                }
            }
            assertUsable(table, PluginProperties.KIND_TUN_DRIVER, "memory");
            assertUsable(table, PluginProperties.KIND_EVENT_BACKEND, "memory");
            assertUsable(table, PluginProperties.KIND_LINK_TRANSPORT, "memory");
            assertFalse("a Windows plugin is registered on Linux:\n" + table,
                    Pattern.compile("(?m)\\b(wintun|tapwindows6|win32)\\b").matcher(table).find());
        }
    }

    /**
     * §7.3: two memory tunnels pass packets both ways; stopping the memory tun driver's bundle puts
     * both in WAITING (DRIVER_MISSING) and releases their devices, starting it brings them back UP with
     * traffic flowing, fifty times over; afterwards no tunnel or plugin thread is left.
     */
    @Test
    public void memoryTunnelsSurviveTheirDriverGoingAndComingBack() throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        awaitPlugin(PluginProperties.KIND_TUN_DRIVER, "memory");
        awaitPlugin(PluginProperties.KIND_EVENT_BACKEND, "memory");
        awaitPlugin(PluginProperties.KIND_LINK_TRANSPORT, "memory");
        Bundle driverBundle = Platform.bundle(context, CulvertBundles.TUN_MEMORY);
        assertNotNull(driverBundle);

        // Taken before the first tunnel exists: everything the tunnels start must be gone at the end.
        ThreadCensus before = ThreadCensus.take();
        try (TunnelFiles files = TunnelFiles.create(); TunnelWatcher watcher = TunnelWatcher.register(context, manager)) {
            try {
                manager.start("a", files.memoryConfig("a", "b", "10.0.0.1", "10.0.0.2", 0), "a.conf", Platform.memoryPlugins());
                manager.start("b", files.memoryConfig("b", "a", "10.0.0.2", "10.0.0.1", 1), "b.conf", Platform.memoryPlugins());
                watcher.await("a", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                watcher.await("b", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                exchange(manager, 0);

                long cyclesStarted = System.nanoTime();
                for (int cycle = 1; cycle <= CYCLES; cycle++) {
                    driverBundle.stop();
                    watcher.await("a", TunnelState.WAITING, TunnelReason.DRIVER_MISSING, Platform.TIMEOUT_MILLIS);
                    watcher.await("b", TunnelState.WAITING, TunnelReason.DRIVER_MISSING, Platform.TIMEOUT_MILLIS);
                    assertTrue("cycle " + cycle + ": devices still open without their driver: " + MemoryTunHub.names(),
                            MemoryTunHub.names().isEmpty());
                    assertNull("cycle " + cycle + ": a waiting tunnel still names a device", manager.get("a").get().deviceName());

                    driverBundle.start();
                    watcher.await("a", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                    watcher.await("b", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                    exchange(manager, cycle);
                }
                System.out.println(CYCLES + " driver stop/start cycles of two memory tunnels in "
                        + (System.nanoTime() - cyclesStarted) / 1_000_000 + " ms");
                // WAITING and UP at least, and the steps between them, in every cycle.
                assertTrue("the listener saw only " + watcher.changeCount("a") + " transitions of a", watcher.changeCount("a") >= 2 * CYCLES);
            } finally {
                Platform.stopQuietly(manager, "a", "b");
            }
            assertTrue("tunnels left after stop: " + manager.list(), manager.list().isEmpty());
        }

        Set<Thread> extra = before.awaitBackToBaseline(Platform.TIMEOUT_MILLIS);
        Set<Thread> leaked = ThreadCensus.notFramework(extra);
        int after = ThreadCensus.take().size();
        System.out.println("live threads: " + before.size() + " before the tunnels, " + after + " after stopping them"
                + (extra.isEmpty() ? "" : "; new framework threads " + ThreadCensus.names(extra)));
        assertTrue("threads left behind by the tunnels or plugins: " + ThreadCensus.names(leaked), leaked.isEmpty());
        // The only allowance: threads Felix starts on first use (see ThreadCensus.FRAMEWORK_LAZY_THREADS).
        assertTrue("live threads " + after + " > " + before.size() + " + " + extra.size(), after <= before.size() + extra.size());
        assertTrue("too many lazily started framework threads: " + ThreadCensus.names(extra), extra.size() <= 3);
    }

    /**
     * §7.5: the shell reports a bad configuration in one line naming the option and its line, shows
     * why a tunnel waits, and {@code tunnel:stop} removes the tunnel from {@code tunnel:list}.
     */
    @Test
    public void shellReportsErrorsStatusAndStops() throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        Platform.awaitService(context, Object.class, "(osgi.command.scope=tunnel)");
        try (TunnelFiles files = TunnelFiles.create();
                TunnelWatcher watcher = TunnelWatcher.register(context, manager);
                GogoShell shell = new GogoShell(Platform.awaitService(context, CommandProcessor.class, null))) {
            try {
                String good = files.memoryConfig("w", "peer", "10.0.0.1", "10.0.0.2", 0);
                int badLine = good.split("\n").length + 1;
                Path bad = files.write("bad.conf", good + "frobnicate on\n");
                Exception e = shell.fail("tunnel:start -d memory -b memory -t memory bad " + bad);
                String message = e.getMessage();
                System.out.println("tunnel:start with an unknown option: " + e.getClass().getSimpleName() + ": " + message);
                assertNotNull("no message: " + e, message);
                assertFalse("message spans lines: " + message, message.contains("\n") || message.contains("\r"));
                assertTrue("message does not name the option: " + message, message.contains("frobnicate"));
                assertTrue("message does not give line " + badLine + ": " + message,
                        Pattern.compile("(:" + badLine + ":|line " + badLine + "\\b)").matcher(message).find());
                assertTrue("not reported as a user error: " + e, e instanceof IllegalArgumentException);
                assertFalse("the command printed a stack trace:\n" + shell.printed(), shell.printed().contains("\tat "));
                assertFalse("a tunnel was created from a bad configuration", manager.get("bad").isPresent());

                // A driver filter that matches nothing leaves the tunnel waiting, and status says why.
                Path waiting = files.write("w.conf", good);
                shell.run("tunnel:start -d nosuchdriver -b memory -t memory w " + waiting);
                assertTrue("tunnel:start did not create w", manager.get("w").isPresent());
                watcher.await("w", TunnelState.WAITING, TunnelReason.DRIVER_MISSING, Platform.TIMEOUT_MILLIS);
                String status = shell.run("tunnel:status w");
                System.out.println("tunnel:status w\n" + status);
                assertTrue("status does not show the state:\n" + status, status.contains("WAITING"));
                assertTrue("status does not show the reason:\n" + status, status.contains("DRIVER_MISSING"));
                assertTrue("tunnel:list lacks w:\n" + shell.run("tunnel:list"), listed(shell.run("tunnel:list"), "w"));

                shell.run("tunnel:stop w");
                String list = shell.run("tunnel:list");
                assertFalse("tunnel:list still has w after tunnel:stop:\n" + list, listed(list, "w"));
                assertFalse(manager.get("w").isPresent());
                Exception again = shell.fail("tunnel:stop w");
                assertTrue("stopping an unknown tunnel: " + again, again instanceof IllegalArgumentException
                        && again.getMessage().contains("w") && !again.getMessage().contains("\n"));
            } finally {
                Platform.stopQuietly(manager, "w", "bad");
            }
        }
    }

    // --- helpers ---

    private void awaitPlugin(String kind, String name) throws InterruptedException {
        Platform.awaitService(context, Object.class, "(&(" + PluginProperties.KIND + "=" + kind + ")(" + PluginProperties.NAME + "=" + name + "))");
    }

    /** A row of {@code tunnel:plugins} is KIND NAME RANKING OS HANDLES SERVES USABLE; USABLE is "yes" or "no: why". */
    private static void assertUsable(String table, String kind, String name) {
        for (String row : table.split("\n")) {
            String[] cells = row.trim().split("\\s+", 7);
            if (cells.length == 7 && cells[0].equals(kind) && cells[1].equals(name)) {
                assertEquals(kind + " " + name + " is not usable: " + row, "yes", cells[6].trim());
                return;
            }
        }
        fail("tunnel:plugins does not list " + kind + " " + name + ":\n" + table);
    }

    private static boolean listed(String list, String tunnel) {
        for (String row : list.split("\n")) {
            String[] cells = row.trim().split("\\s+");
            if (cells.length > 0 && cells[0].equals(tunnel)) {
                return true;
            }
        }
        return false;
    }

    private static void exchange(TunnelManager manager, int cycle) throws InterruptedException {
        Platform.send(manager, "a", "10.0.0.1", "b", "10.0.0.2", 2 * cycle);
        Platform.send(manager, "b", "10.0.0.2", "a", "10.0.0.1", 2 * cycle + 1);
    }

    private BundleCapability systemNativeCapability() {
        List<BundleCapability> caps = context.getBundle(0).adapt(BundleRevision.class).getDeclaredCapabilities("osgi.native");
        return caps.isEmpty() ? null : caps.get(0);
    }

    private static Object firstValue(Object attribute) {
        if (attribute instanceof List) {
            List<?> l = (List<?>) attribute;
            return l.isEmpty() ? null : l.get(0);
        }
        if (attribute instanceof String[]) {
            String[] a = (String[]) attribute;
            return a.length == 0 ? null : a[0];
        }
        return attribute;
    }

    /** JNA declares lazy activation: it stays STARTING until a class of it is loaded, which is normal. */
    private static boolean isLazyAndStarting(Bundle b) {
        return b.getState() == Bundle.STARTING
                && Constants.ACTIVATION_LAZY.equals(String.valueOf(b.getHeaders().get(Constants.BUNDLE_ACTIVATIONPOLICY)).split(";")[0].trim());
    }

    private static String state(Bundle b) {
        switch (b.getState()) {
            case Bundle.INSTALLED:
                return "INSTALLED";
            case Bundle.RESOLVED:
                return "RESOLVED";
            case Bundle.STARTING:
                return "STARTING";
            case Bundle.STOPPING:
                return "STOPPING";
            case Bundle.ACTIVE:
                return "ACTIVE";
            default:
                return "UNINSTALLED";
        }
    }
}
