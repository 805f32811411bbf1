package org.culvert.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.regex.Pattern;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * §7.2: the platform without the memory tun driver; the test installs the driver's bundle into the
 * running framework, and both a tunnel that was already waiting for it and a tunnel started after
 * it came use it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RuntimeInstallIT {
    private static final Pattern MEMORY_DRIVER_ROW = Pattern.compile("(?m)^\\s*" + PluginProperties.KIND_TUN_DRIVER + "\\s+memory\\s");

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return PaxOptions.culvert(CulvertBundles.TUN_MEMORY);
    }

    @Test
    public void driverInstalledAtRunTimeIsListedAndUsedByTunnels() throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        assertNull("culvert.tun.memory must not be provisioned for this test", Platform.bundle(context, CulvertBundles.TUN_MEMORY));
        Bundle installed = null;
        try (TunnelFiles files = TunnelFiles.create();
                TunnelWatcher watcher = TunnelWatcher.register(context, manager);
                GogoShell shell = new GogoShell(Platform.awaitService(context, CommandProcessor.class, null))) {
            try {
                String before = shell.run("tunnel:plugins");
                assertFalse("a memory tun driver is listed before its bundle is installed:\n" + before,
                        MEMORY_DRIVER_ROW.matcher(before).find());

                // A tunnel started before the driver exists waits for it.
                manager.start("a", files.memoryConfig("a", "b", "10.0.0.1", "10.0.0.2", 0), "a.conf", Platform.memoryPlugins());
                watcher.await("a", TunnelState.WAITING, TunnelReason.DRIVER_MISSING, Platform.TIMEOUT_MILLIS);

                installed = context.installBundle(CulvertBundles.url(CulvertBundles.TUN_MEMORY));
                installed.start();
                assertEquals("culvert.tun.memory state", Bundle.ACTIVE, installed.getState());
                Platform.awaitService(context, Object.class,
                        "(&(" + PluginProperties.KIND + "=" + PluginProperties.KIND_TUN_DRIVER + ")(" + PluginProperties.NAME + "=memory))");

                String after = shell.run("tunnel:plugins");
                System.out.println("tunnel:plugins after installing culvert.tun.memory\n" + after);
                assertTrue("the installed memory tun driver is not listed:\n" + after, MEMORY_DRIVER_ROW.matcher(after).find());
                assertTrue("the installed memory tun driver is not usable:\n" + after,
                        Pattern.compile("(?m)^\\s*" + PluginProperties.KIND_TUN_DRIVER + "\\s+memory\\s.*\\byes\\s*$").matcher(after).find());

                // The waiting tunnel comes up by itself; a new one uses the driver from the start.
                watcher.await("a", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                manager.start("b", files.memoryConfig("b", "a", "10.0.0.2", "10.0.0.1", 1), "b.conf", Platform.memoryPlugins());
                watcher.await("b", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                assertEquals("memory", manager.get("b").get().plugins().get(PluginProperties.KIND_TUN_DRIVER));
                Platform.send(manager, "a", "10.0.0.1", "b", "10.0.0.2", 1);
                Platform.send(manager, "b", "10.0.0.2", "a", "10.0.0.1", 2);
            } finally {
                Platform.stopQuietly(manager, "a", "b");
            }
        } finally {
            if (installed != null) {
                installed.uninstall();
            }
        }
    }
}
