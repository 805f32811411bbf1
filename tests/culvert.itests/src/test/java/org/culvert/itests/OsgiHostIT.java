package org.culvert.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import javax.inject.Inject;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Culvert in a framework that a host already runs, with what a host adds (examples/osgi/bundles.txt):
 * the metatype service renders the tunnel factory's form, fileinstall turns {@code .cfg} files into
 * tunnels and back, and culvert.jmx shows each tunnel as an MXBean. Failsafe runs it twice: on Felix
 * (the {@code pax-exam} execution) and on Equinox (the {@code equinox} execution, whose class path
 * has Equinox instead of Felix). One framework for the class; every test removes what it made.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class OsgiHostIT {
    /** The core names each tunnel's thread so (TunnelRunner); a tunnel that is gone leaves none. */
    private static final String TUNNEL_THREAD_PREFIX = "culvert-tunnel-";

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return HostOptions.host();
    }

    @Test
    public void hostBundlesAreActive() throws Exception {
        Platform.awaitService(context, TunnelManager.class, null);
        Bundle system = context.getBundle(0);
        System.out.println("OsgiHostIT on " + system.getSymbolicName() + " " + system.getVersion());
        assertEquals("the framework the class path offers", HostOptions.equinox() ? "org.eclipse.osgi" : "org.apache.felix.framework",
                system.getSymbolicName());
        for (String artifactId : HostOptions.hostBundles()) {
            Bundle b = Platform.bundle(context, CulvertBundles.symbolicName(artifactId));
            assertNotNull(artifactId + " is not installed", b);
            assertEquals(artifactId + " state", Bundle.ACTIVE, b.getState());
        }
    }

    // --- metatype ---

    @Test
    public void metatypeDescribesTheTunnelFactory() throws Exception {
        MetaTypeService metatype = Platform.awaitService(context, MetaTypeService.class, null);
        Bundle core = Platform.bundle(context, "culvert.tunnel");
        assertNotNull("culvert.tunnel is not installed", core);
        MetaTypeInformation info = metatype.getMetaTypeInformation(core);
        assertNotNull("no metatype information for culvert.tunnel", info);
        assertTrue("org.culvert.tunnel is not a factory PID in the metatype: " + Arrays.toString(info.getFactoryPids()),
                Arrays.asList(info.getFactoryPids()).contains(TunnelManager.FACTORY_PID));

        ObjectClassDefinition ocd = info.getObjectClassDefinition(TunnelManager.FACTORY_PID, null);
        assertNotNull("no object class definition for " + TunnelManager.FACTORY_PID, ocd);
        assertFalse("the form has no name", ocd.getName() == null || ocd.getName().isEmpty());
        assertFalse("the form has no description", ocd.getDescription() == null || ocd.getDescription().isEmpty());

        Map<String, AttributeDefinition> all = byId(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL));
        Set<String> expected = Set.of(TunnelManager.PROP_NAME, TunnelManager.PROP_CONFIG, TunnelManager.PROP_CONFIG_FILE,
                TunnelManager.PROP_DRIVER_TARGET, TunnelManager.PROP_BACKEND_TARGET, TunnelManager.PROP_TRANSPORT_TARGET);
        assertEquals("the form's fields", expected, all.keySet());
        StringBuilder form = new StringBuilder(ocd.getName() + ": " + ocd.getDescription());
        for (AttributeDefinition ad : all.values()) {
            assertEquals(ad.getID() + " type", AttributeDefinition.STRING, ad.getType());
            assertEquals(ad.getID() + " is a single value", 0, ad.getCardinality());
            assertFalse(ad.getID() + " has no description", ad.getDescription() == null || ad.getDescription().isEmpty());
            assertFalse(ad.getID() + " has no label", ad.getName() == null || ad.getName().isEmpty());
            form.append("\n  ").append(ad.getID()).append(" (").append(ad.getName()).append("): ").append(ad.getDescription());
        }
        System.out.println("metatype form of " + TunnelManager.FACTORY_PID + ":\n" + form);
        // Only the name must be filled in; the configuration comes from 'config' or 'configFile'.
        assertEquals(Set.of(TunnelManager.PROP_NAME), byId(ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED)).keySet());
        for (String target : List.of(TunnelManager.PROP_DRIVER_TARGET, TunnelManager.PROP_BACKEND_TARGET,
                TunnelManager.PROP_TRANSPORT_TARGET)) {
            assertTrue(target + " does not say it is an LDAP filter: " + all.get(target).getDescription(),
                    all.get(target).getDescription().contains("LDAP filter"));
        }
        assertTrue(all.get(TunnelManager.PROP_CONFIG_FILE).getDescription().contains("config"));
    }

    private static Map<String, AttributeDefinition> byId(AttributeDefinition[] ads) {
        Map<String, AttributeDefinition> m = new TreeMap<>();
        if (ads != null) {
            for (AttributeDefinition ad : ads) {
                m.put(ad.getID(), ad);
            }
        }
        return m;
    }

    // --- fileinstall ---

    /**
     * Two tunnels from two .cfg files (one naming an OpenVPN file, one carrying the text inline) come
     * up and pass packets; editing a file restarts its tunnel with the new settings; a hard restart
     * through JMX re-reads the OpenVPN file; deleting the .cfg removes the tunnel, its service, its
     * configuration and its thread, and leaves the other alone; stopping the other through the manager
     * makes fileinstall delete its file.
     */
    @Test
    public void cfgFilesCreateEditAndRemoveTunnels() throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        ConfigurationAdmin configAdmin = Platform.awaitService(context, ConfigurationAdmin.class, null);
        CfgFiles cfg = cfgFiles();
        String office = CfgFiles.fileName("office");
        String branch = CfgFiles.fileName("branch");
        try (TunnelFiles files = TunnelFiles.create(); TunnelWatcher watcher = TunnelWatcher.register(context, manager)) {
            try {
                Path officeConf = files.write("office.conf", files.memoryConfig("office", "branch", "10.0.0.1", "10.0.0.2", 0));
                String branchCfg = CfgFiles.withInlineConfig("branch", files.memoryConfig("branch", "office", "10.0.0.2", "10.0.0.1", 1));
                System.out.println(office + ":\n" + CfgFiles.withConfigFile("office", officeConf) + branch + ":\n" + branchCfg);
                cfg.put(branch, branchCfg);
                cfg.put(office, CfgFiles.withConfigFile("office", officeConf));

                watcher.await("office", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                watcher.await("branch", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                Platform.send(manager, "office", "10.0.0.1", "branch", "10.0.0.2", 1);
                Platform.send(manager, "branch", "10.0.0.2", "office", "10.0.0.1", 2);

                // A factory configuration of org.culvert.tunnel that fileinstall made from the file.
                org.osgi.service.cm.Configuration[] found = configAdmin.listConfigurations(tunnelConfigFilter("office"));
                assertNotNull("no configuration for office", found);
                assertEquals(1, found.length);
                assertEquals(TunnelManager.FACTORY_PID, found[0].getFactoryPid());
                assertTrue("not made by fileinstall: " + found[0].getProperties(),
                        String.valueOf(found[0].getProperties().get("felix.fileinstall.filename")).endsWith(office));
                assertEquals("a Tunnel service carries the configuration's name", 1,
                        context.getServiceReferences(Tunnel.class, "(" + TunnelManager.PROP_NAME + "=office)").size());

                // Edit: another OpenVPN file with other addresses. The tunnel restarts with them.
                Tunnel before = manager.get("office").get();
                Thread beforeThread = tunnelThread("office");
                assertNotNull("no thread for office", beforeThread);
                Path officeConf2 = files.write("office2.conf", files.memoryConfig("office", "branch", "10.0.1.1", "10.0.1.2", 0));
                // fileinstall records a file only once its scan is over: an edit within that scan would go unseen.
                cfg.awaitScan(configAdmin);
                cfg.put(office, CfgFiles.withConfigFile("office", officeConf2));
                Poll.until("a new office tunnel in place of the old one", Platform.TIMEOUT_MILLIS,
                        () -> manager.get("office").map(t -> t != before).orElse(false), () -> manager.get("office"));
                TunnelStatus up = watcher.await("office", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                Tunnel after = manager.get("office").get();
                assertEquals("the edited tunnel's local address", "10.0.1.1", after.connection().tunLocalIpv4());
                assertEquals("the edited tunnel's remote address", "10.0.1.2", after.connection().tunRemoteIpv4());
                beforeThread.join(Platform.TIMEOUT_MILLIS);
                assertFalse("the old tunnel's thread still runs: " + beforeThread, beforeThread.isAlive());
                assertEquals("the replaced tunnel's state", TunnelState.STOPPED, before.status().state());
                int attempts = Traffic.sendUntilThrough(manager, "office", "10.0.1.1", "branch", "10.0.1.2", Platform.TIMEOUT_MILLIS);
                Platform.send(manager, "branch", "10.0.1.2", "office", "10.0.1.1", 3);
                System.out.println("office after the edit: " + up + ", " + after.connection() + "; the first packet through was number "
                        + attempts);

                // The configuration file's contents change, the .cfg does not: JMX hardRestart() (SIGHUP) re-reads it.
                files.write("office2.conf", files.memoryConfig("office", "branch", "10.0.2.1", "10.0.2.2", 0));
                ObjectName officeMBean = tunnelMBean("office");
                ManagementFactory.getPlatformMBeanServer().invoke(officeMBean, "hardRestart", new Object[0], new String[0]);
                Poll.until("office re-reading office2.conf on SIGHUP", Platform.TIMEOUT_MILLIS,
                        () -> "10.0.2.1".equals(after.connection().tunLocalIpv4()) && after.status().state() == TunnelState.UP,
                        () -> after.status() + ", " + after.connection());
                assertTrue("SIGHUP replaced the tunnel service instead of restarting it", manager.get("office").get() == after);
                Traffic.sendUntilThrough(manager, "office", "10.0.2.1", "branch", "10.0.2.2", Platform.TIMEOUT_MILLIS);

                // Delete: the tunnel, its service, its configuration and its thread go; branch stays.
                Thread afterThread = tunnelThread("office");
                assertNotNull("no thread for the edited office", afterThread);
                cfg.delete(office);
                Poll.until("office removed", Platform.TIMEOUT_MILLIS, () -> manager.get("office").isEmpty(), () -> manager.get("office"));
                afterThread.join(Platform.TIMEOUT_MILLIS);
                assertFalse("office's thread still runs after its file was deleted", afterThread.isAlive());
                assertNull("a thread for office remains", tunnelThread("office"));
                assertTrue("a Tunnel service for office remains",
                        context.getServiceReferences(Tunnel.class, "(" + TunnelManager.PROP_NAME + "=office)").isEmpty());
                assertNull("office's configuration remains", configAdmin.listConfigurations(tunnelConfigFilter("office")));
                assertEquals(TunnelState.UP, manager.get("branch").map(t -> t.status().state()).orElse(null));

                // Stopping a file's tunnel through the manager (as tunnel:stop does) deletes its configuration,
                // and fileinstall (felix.fileinstall.enableConfigSave, on by default) then deletes the file.
                manager.stop("branch");
                assertFalse(manager.get("branch").isPresent());
                Path branchFile = Paths.get(context.getProperty(HostOptions.WATCHED_DIR)).resolve(branch);
                Poll.until("fileinstall deleting " + branchFile, Platform.TIMEOUT_MILLIS, () -> !Files.exists(branchFile),
                        () -> Files.exists(branchFile));
            } finally {
                cfg.deleteQuietly(office, branch);
                awaitGoneQuietly(manager, "office", "branch");
                Platform.stopQuietly(manager, "office", "branch");
            }
        }
    }

    /** A .cfg file naming an OpenVPN file that does not exist makes a FAILED tunnel that says so; deleting it removes it. */
    @Test
    public void cfgFileWithAMissingConfigFileFailsVisibly() throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        CfgFiles cfg = cfgFiles();
        String broken = CfgFiles.fileName("broken");
        Path missing = Paths.get(context.getProperty(HostOptions.WATCHED_DIR)).resolveSibling("no-such-file.conf");
        try (TunnelWatcher watcher = TunnelWatcher.register(context, manager)) {
            try {
                cfg.put(broken, CfgFiles.withConfigFile("broken", missing));
                TunnelStatus failed = watcher.await("broken", TunnelState.FAILED, TunnelReason.CONFIG_ERROR, Platform.TIMEOUT_MILLIS);
                assertTrue("the detail does not name the file: " + failed.detail(), failed.detail().contains("no-such-file.conf"));
                assertNull("a failed tunnel has a thread", tunnelThread("broken"));
                cfg.awaitScan(Platform.awaitService(context, ConfigurationAdmin.class, null));
                cfg.delete(broken);
                Poll.until("broken removed", Platform.TIMEOUT_MILLIS, () -> manager.get("broken").isEmpty(), () -> manager.get("broken"));
            } finally {
                cfg.deleteQuietly(broken);
                awaitGoneQuietly(manager, "broken");
            }
        }
    }

    /** A plugin filter that is not LDAP syntax: the tunnel must say what is wrong rather than hang in STARTING. */
    @Test
    public void cfgFileWithABadTargetFilterIsReported() throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        CfgFiles cfg = cfgFiles();
        String bad = CfgFiles.fileName("badfilter");
        try (TunnelFiles files = TunnelFiles.create()) {
            try {
                Path conf = files.write("bad.conf", files.memoryConfig("badfilter", "nobody", "10.0.0.1", "10.0.0.2", 0));
                String text = CfgFiles.withConfigFile("badfilter", conf).replace(TunnelManager.PROP_DRIVER_TARGET + " = (",
                        TunnelManager.PROP_DRIVER_TARGET + " = ((");
                cfg.put(bad, text);
                Poll.until("badfilter reported", Platform.TIMEOUT_MILLIS, () -> manager.get("badfilter")
                        .map(t -> t.status().state() == TunnelState.FAILED).orElse(false),
                        () -> manager.get("badfilter").map(Tunnel::status).orElse(null) + "; " + Diagnostics.describe(context));
                // Failing at once, it may beat fileinstall's bookkeeping: let the scan finish before the file goes.
                cfg.awaitScan(Platform.awaitService(context, ConfigurationAdmin.class, null));
                TunnelStatus s = manager.get("badfilter").get().status();
                // A malformed filter is a configuration error, as TunnelManager.start reports it, not a missing plugin.
                assertEquals("reason: " + s, TunnelReason.CONFIG_ERROR, s.reason());
                assertTrue("the status does not name the property and the filter: " + s,
                        s.detail().contains(TunnelManager.PROP_DRIVER_TARGET) && s.detail().contains("((" + PluginProperties.NAME + "=memory)"));
            } finally {
                cfg.deleteQuietly(bad);
                awaitGoneQuietly(manager, "badfilter");
            }
        }
    }

    // --- JMX ---

    /**
     * The MBean of a running memory tunnel shows it UP with its addresses, its counters move with
     * traffic, restart() restarts it, and the MBean goes when the tunnel is stopped.
     */
    @Test
    public void mbeanShowsARunningTunnelAndGoesWithIt() throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName a = tunnelMBean("jmx-a");
        ObjectName b = tunnelMBean("jmx-b");
        try (TunnelFiles files = TunnelFiles.create();
                TunnelWatcher watcher = TunnelWatcher.register(context, manager);
                MBeanWatcher mbeans = new MBeanWatcher()) {
            try {
                manager.start("jmx-a", files.memoryConfig("jmx-a", "jmx-b", "10.0.0.1", "10.0.0.2", 0), "jmx-a.conf", Platform.memoryPlugins());
                manager.start("jmx-b", files.memoryConfig("jmx-b", "jmx-a", "10.0.0.2", "10.0.0.1", 1), "jmx-b.conf", Platform.memoryPlugins());
                watcher.await("jmx-a", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                watcher.await("jmx-b", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                mbeans.awaitRegistered(a, Platform.TIMEOUT_MILLIS);
                mbeans.awaitRegistered(b, Platform.TIMEOUT_MILLIS);

                assertEquals("jmx-a", server.getAttribute(a, "Name"));
                assertEquals("UP", server.getAttribute(a, "State"));
                assertEquals("NONE", server.getAttribute(a, "Reason"));
                assertTrue(((Date) server.getAttribute(a, "StateSince")).getTime() <= System.currentTimeMillis());
                assertEquals(manager.get("jmx-a").get().deviceName(), server.getAttribute(a, "DeviceName"));
                assertEquals("10.0.0.1", server.getAttribute(a, "TunLocalIpv4"));
                assertEquals("10.0.0.2", server.getAttribute(a, "TunRemoteIpv4"));
                assertNotNull("no LinkLocal", server.getAttribute(a, "LinkLocal"));
                Map<String, Object> plugins = rows((TabularData) server.getAttribute(a, "Plugins"));
                assertEquals(Map.of(PluginProperties.KIND_TUN_DRIVER, "memory", PluginProperties.KIND_EVENT_BACKEND, "memory",
                        PluginProperties.KIND_LINK_TRANSPORT, "memory"), plugins);
                Map<String, Object> drops = rows((TabularData) server.getAttribute(a, "Drops"));
                assertEquals("a drops row per cause: " + drops, DropReason.values().length, drops.size());

                long aTunRead = (Long) server.getAttribute(a, "TunReadPackets");
                long aLinkWrite = (Long) server.getAttribute(a, "LinkWritePackets");
                long aLinkWriteBytes = (Long) server.getAttribute(a, "LinkWriteBytes");
                long bTunWrite = (Long) server.getAttribute(b, "TunWritePackets");
                long bAuthRead = (Long) server.getAttribute(b, "LinkAuthReadBytes");
                for (int i = 0; i < 3; i++) {
                    Platform.send(manager, "jmx-a", "10.0.0.1", "jmx-b", "10.0.0.2", 10 + i);
                }
                assertEquals("a's TunReadPackets after 3 packets", aTunRead + 3, (long) (Long) server.getAttribute(a, "TunReadPackets"));
                // The loops count a batch after passing it on, so the peer may deliver a packet before the
                // sender's link counters and the receiver's tun counters show it: poll, briefly.
                Poll.until("a's LinkWritePackets +3", Platform.TIMEOUT_MILLIS,
                        () -> (Long) server.getAttribute(a, "LinkWritePackets") >= aLinkWrite + 3, () -> server.getAttribute(a, "LinkWritePackets"));
                assertTrue("a's LinkWriteBytes did not move", (Long) server.getAttribute(a, "LinkWriteBytes") > aLinkWriteBytes);
                Poll.until("b's TunWritePackets +3", Platform.TIMEOUT_MILLIS, () -> (Long) server.getAttribute(b, "TunWritePackets") >= bTunWrite + 3,
                        () -> server.getAttribute(b, "TunWritePackets"));
                Poll.until("b's LinkAuthReadBytes moving", Platform.TIMEOUT_MILLIS,
                        () -> (Long) server.getAttribute(b, "LinkAuthReadBytes") > bAuthRead, () -> server.getAttribute(b, "LinkAuthReadBytes"));
                assertEquals(0L, server.getAttribute(b, "TotalDrops"));
                assertNotNull("no LinkRemote on b after traffic", server.getAttribute(b, "LinkRemote"));
                assertNotNull("no LastHandshake on a static-key tunnel that is up", server.getAttribute(b, "LastHandshake"));

                // restart() is SIGUSR1: the tunnel goes through a restart and comes back UP.
                Tunnel bTunnel = manager.get("jmx-b").get();
                int changes = watcher.changeCount("jmx-b");
                server.invoke(b, "restart", new Object[0], new String[0]);
                Poll.until("jmx-b restarting", Platform.TIMEOUT_MILLIS, () -> watcher.changeCount("jmx-b") > changes, bTunnel::status);
                watcher.await("jmx-b", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                assertEquals("UP", server.getAttribute(b, "State"));
                Platform.send(manager, "jmx-a", "10.0.0.1", "jmx-b", "10.0.0.2", 20);

                manager.stop("jmx-a");
                mbeans.awaitUnregistered(a, Platform.TIMEOUT_MILLIS);
                assertTrue("stopping jmx-a removed jmx-b's MBean", server.isRegistered(b));
                manager.stop("jmx-b");
                mbeans.awaitUnregistered(b, Platform.TIMEOUT_MILLIS);
            } finally {
                Platform.stopQuietly(manager, "jmx-a", "jmx-b");
            }
        }
    }

    /** A tunnel name with JMX's special characters (from a .cfg file, which allows any name) is quoted, not mangled. */
    @Test
    public void oddTunnelNameFromACfgFileIsQuotedInJmx() throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        String odd = "a,b=c \"x\"";
        ObjectName name = tunnelMBean(odd);
        CfgFiles cfg = cfgFiles();
        String file = CfgFiles.fileName("odd");
        try (TunnelFiles files = TunnelFiles.create(); MBeanWatcher mbeans = new MBeanWatcher()) {
            try {
                Path conf = files.write("odd.conf", files.memoryConfig("odd", "nobody", "10.0.0.1", "10.0.0.2", 0));
                cfg.put(file, CfgFiles.withConfigFile(odd, conf));
                mbeans.awaitRegistered(name, Platform.TIMEOUT_MILLIS);
                assertEquals("org.culvert:type=Tunnel,name=\"a,b=c \\\"x\\\"\"", name.toString());
                assertEquals(odd, server.getAttribute(name, "Name"));
                // The manager binds the new tunnel service on its own, maybe after culvert.jmx did.
                Poll.until("the manager lists " + odd, Platform.TIMEOUT_MILLIS, () -> manager.get(odd).isPresent(), manager::list);
                // A tunnel can be up before fileinstall's scan is over, and a file deleted within it goes unseen.
                cfg.awaitScan(Platform.awaitService(context, ConfigurationAdmin.class, null));
                cfg.delete(file);
                mbeans.awaitUnregistered(name, Platform.TIMEOUT_MILLIS);
            } finally {
                cfg.deleteQuietly(file);
                awaitGoneQuietly(manager, odd);
            }
        }
    }

    /** Stopping culvert.jmx unregisters the MBeans of running tunnels; starting it again brings them back. */
    @Test
    public void stoppingTheJmxBundleUnregistersItsMBeans() throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Bundle jmx = Platform.bundle(context, "culvert.jmx");
        assertNotNull("culvert.jmx is not installed", jmx);
        ObjectName c = tunnelMBean("jmx-c");
        try (TunnelFiles files = TunnelFiles.create(); MBeanWatcher mbeans = new MBeanWatcher()) {
            try {
                manager.start("jmx-c", files.memoryConfig("jmx-c", "nobody", "10.0.0.1", "10.0.0.2", 0), "jmx-c.conf",
                        Platform.memoryPlugins());
                mbeans.awaitRegistered(c, Platform.TIMEOUT_MILLIS);
                jmx.stop();
                assertFalse("the MBean outlived its bundle", server.isRegistered(c));
                assertTrue(server.queryNames(new ObjectName("org.culvert:type=Tunnel,*"), null).isEmpty());
                jmx.start();
                mbeans.awaitRegistered(c, Platform.TIMEOUT_MILLIS);
                Tunnel tunnel = manager.get("jmx-c").get();
                Poll.until("the MBean showing jmx-c's state", Platform.TIMEOUT_MILLIS,
                        () -> tunnel.status().state().name().equals(server.getAttribute(c, "State")), () -> server.getAttribute(c, "State"));
            } finally {
                if (jmx.getState() != Bundle.ACTIVE) {
                    jmx.start();
                }
                Platform.stopQuietly(manager, "jmx-c");
            }
        }
    }

    // --- helpers ---

    /** The documented name, spelt out here rather than taken from culvert.jmx, so that a change to it fails this test. */
    static ObjectName tunnelMBean(String tunnelName) throws Exception {
        return new ObjectName("org.culvert:type=Tunnel,name=" + ObjectName.quote(tunnelName));
    }

    private CfgFiles cfgFiles() {
        String watched = context.getProperty(HostOptions.WATCHED_DIR);
        assertNotNull(HostOptions.WATCHED_DIR + " is not set", watched);
        return new CfgFiles(Paths.get(watched), HostOptions.newFolder("staging"));
    }

    private static String tunnelConfigFilter(String name) {
        return "(&(" + ConfigurationAdmin.SERVICE_FACTORYPID + "=" + TunnelManager.FACTORY_PID + ")(" + TunnelManager.PROP_NAME + "=" + name
                + "))";
    }

    /** The live thread of tunnel {@code name}, or null. */
    private static Thread tunnelThread(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().equals(TUNNEL_THREAD_PREFIX + name)) {
                return t;
            }
        }
        return null;
    }

    /** For finally blocks: waits (bounded) for tunnels whose files were deleted to go, so the next test starts clean. */
    private static void awaitGoneQuietly(TunnelManager manager, String... names) {
        try {
            Poll.until("tunnels " + Arrays.toString(names) + " gone", Platform.TIMEOUT_MILLIS, () -> {
                for (String n : names) {
                    if (manager.get(n).isPresent()) {
                        return false;
                    }
                }
                return true;
            }, manager::list);
        } catch (Exception | AssertionError e) {
            // The test's own failure is what matters; a leftover shows in the next test's messages.
        }
    }

    private static Map<String, Object> rows(TabularData data) {
        Map<String, Object> m = new HashMap<>();
        for (Object row : data.values()) {
            CompositeData c = (CompositeData) row;
            m.put((String) c.get("key"), c.get("value"));
        }
        return m;
    }
}
