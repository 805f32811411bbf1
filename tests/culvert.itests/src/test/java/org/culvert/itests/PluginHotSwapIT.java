package org.culvert.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelSignal;
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

/**
 * Issue 10 §6: the real Linux plugins (tun driver, epoll and poll backends, UDP and TCP transports)
 * stopped and started over and over while a tunnel carries a ping every 50 ms. The Culvert end runs
 * in this framework on a real tun device; the other end is stock OpenVPN 2.6 in a network namespace
 * ({@link NetnsPeer}), so every echo crosses two real tun devices and a real link. Static key, so
 * the figure measures the plugins and the core, not a handshake.
 *
 * <p>After each start, traffic must be back within 2 s and the threads back at their baseline.
 * {@code -Dculvert.itest.pluginCycles=200} runs the full figure (default 20 per plugin).
 *
 * <p>Behaviour pinned here (issue 10 asks to say it): a tunnel whose plugin goes away restarts at
 * once on another usable plugin of the same kind if there is one (stopping epoll moves it to poll,
 * without WAITING); with none left it goes WAITING naming what is missing and comes back by itself.
 * A higher-ranked plugin that appears while a tunnel runs is not taken until the tunnel's next
 * restart (SIGUSR1, SIGHUP, ping-restart, a lost plugin): the running tunnel keeps what it has.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PluginHotSwapIT {
    /** Stop/start cycles per plugin. */
    private static final int CYCLES = Integer.getInteger("culvert.itest.pluginCycles", 20);
    /** What the issue asks: traffic back within 2 s of each start. */
    private static final long TRAFFIC_BACK_MILLIS = 2_000;
    /**
     * Threads the JDK starts on demand and keeps idle for a while: the process reaper pool runs one
     * thread per live child process (the tun driver's {@code ip} commands) and lets it idle 60 s.
     */
    private static final Pattern JDK_POOL_THREADS = Pattern.compile("process reaper");

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return PaxOptions.culvert();
    }

    @Test
    public void tunDriverStoppedAndStartedUnderTraffic() throws Exception {
        cycle("linux", CulvertBundles.LINUX_TUN, "udp", Platform.plugins("linux", "epoll", "udp"), TunnelReason.DRIVER_MISSING);
    }

    @Test
    public void epollBackendStoppedAndStartedUnderTraffic() throws Exception {
        cycle("epoll", CulvertBundles.EPOLL, "udp", Platform.plugins("linux", "epoll", "udp"), TunnelReason.BACKEND_MISSING);
    }

    @Test
    public void pollBackendStoppedAndStartedUnderTraffic() throws Exception {
        cycle("poll", CulvertBundles.POLL, "udp", Platform.plugins("linux", "poll", "udp"), TunnelReason.BACKEND_MISSING);
    }

    @Test
    public void udpTransportStoppedAndStartedUnderTraffic() throws Exception {
        cycle("udp", CulvertBundles.UDP, "udp", Platform.plugins("linux", "epoll", "udp"), TunnelReason.TRANSPORT_MISSING);
    }

    @Test
    public void tcpTransportStoppedAndStartedUnderTraffic() throws Exception {
        cycle("tcp", CulvertBundles.TCP, "tcp", Platform.plugins("linux", "epoll", "tcp"), TunnelReason.TRANSPORT_MISSING);
    }

    /**
     * With no backend filter the tunnel takes epoll (ranking 300). Stopping epoll moves it to poll
     * (200) at once, never WAITING; epoll coming back is not taken while the tunnel runs; a SIGUSR1
     * restart takes it.
     */
    @Test
    public void aLostBackendIsReplacedAndAHigherRankedOneIsTakenOnlyAtTheNextRestart() throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        awaitPlugins();
        Bundle epoll = Platform.bundle(context, CulvertBundles.EPOLL);
        Map<String, String> noBackendFilter = Platform.plugins("linux", null, "udp");
        try (TunnelFiles files = TunnelFiles.create();
                NetnsPeer peer = NetnsPeer.create(files);
                TunnelWatcher watcher = TunnelWatcher.register(context, manager)) {
            peer.startOpenVpn("udp");
            try {
                manager.start("swap", peer.culvertConfig("udp"), "swap.conf", noBackendFilter);
                watcher.await("swap", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                peer.startPing();
                peer.awaitReplyAfter(System.currentTimeMillis(), Platform.TIMEOUT_MILLIS, "first traffic");
                assertEquals("the highest-ranked backend", "epoll", backendOf(manager, "swap"));

                // epoll goes: the tunnel restarts on poll at once; it never waits.
                int changesBefore = watcher.changeCount("swap");
                long stoppedAt = System.currentTimeMillis();
                epoll.stop();
                awaitBackend(manager, "swap", "poll");
                // Counted from UP on poll, so that no reply from before the stop passes for one after it.
                long back = peer.awaitReplyAfter(System.currentTimeMillis(), Platform.TIMEOUT_MILLIS, "after epoll stopped") - stoppedAt;
                List<String> seen = watcher.transitions("swap");
                List<String> sinceStop = seen.subList(Math.min(seen.size(), changesBefore), seen.size());
                System.out.println("epoll stopped under a running tunnel: " + sinceStop + "; traffic back on poll in " + back + " ms");
                assertTrue("the restart does not name the backend that went: " + sinceStop,
                        !sinceStop.isEmpty() && sinceStop.get(0).contains("RECONNECTING (BACKEND_MISSING: event backend epoll went away)"));
                for (String t : sinceStop) {
                    assertTrue("the tunnel waited although poll was usable: " + sinceStop, !t.contains("-> " + TunnelState.WAITING));
                }
                assertTrue("traffic back on poll after " + back + " ms", back <= TRAFFIC_BACK_MILLIS);

                // epoll comes back, ranked higher: the running tunnel keeps poll. Watched over 20 echo
                // replies (about 1 s at one ping per 50 ms) after the backend service is registered.
                epoll.start();
                Platform.awaitService(context, Object.class, "(&(" + PluginProperties.KIND + "=" + PluginProperties.KIND_EVENT_BACKEND
                        + ")(" + PluginProperties.NAME + "=epoll))");
                int changesAtEpollStart = watcher.changeCount("swap");
                long epollBack = System.currentTimeMillis();
                Poll.until("20 echo replies after epoll came back", Platform.TIMEOUT_MILLIS, () -> peer.repliesSince(epollBack) >= 20,
                        () -> peer.repliesSince(epollBack) + " replies");
                assertEquals("the running tunnel changed backend when epoll came back", "poll", backendOf(manager, "swap"));
                assertEquals("the running tunnel changed state when epoll came back: " + watcher.transitions("swap"),
                        changesAtEpollStart, watcher.changeCount("swap"));
                assertEquals(TunnelState.UP, manager.get("swap").get().status().state());

                // The next restart chooses again, and takes the higher-ranked epoll.
                long restartAt = System.currentTimeMillis();
                manager.get("swap").get().signal(TunnelSignal.SIGUSR1);
                awaitBackend(manager, "swap", "epoll");
                watcher.await("swap", TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                long afterRestart = peer.awaitReplyAfter(System.currentTimeMillis(), Platform.TIMEOUT_MILLIS, "after SIGUSR1") - restartAt;
                System.out.println("[reliability] higher-ranked backend (epoll) appearing under a tunnel running on poll: kept poll over "
                        + peer.repliesSince(epollBack) + " echo replies, took epoll at the next SIGUSR1 restart, traffic back in "
                        + afterRestart + " ms");
            } finally {
                if (epoll.getState() != Bundle.ACTIVE) {
                    epoll.start();
                }
                Platform.stopQuietly(manager, "swap");
            }
        }
    }

    // --- the cycle ---

    private void cycle(String plugin, String bundleName, String proto, Map<String, String> filters, TunnelReason missing)
            throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        awaitPlugins();
        Bundle bundle = Platform.bundle(context, bundleName);
        assertNotNull(bundleName + " is not installed", bundle);
        String tunnel = "hs-" + plugin;
        List<Long> backMillis = new ArrayList<>();
        List<String> phases = new ArrayList<>();
        boolean stream = !proto.equals("udp");
        int baseline;
        int maxAfter = 0;
        try (TunnelFiles files = TunnelFiles.create();
                NetnsPeer peer = NetnsPeer.create(files);
                TunnelWatcher watcher = TunnelWatcher.register(context, manager)) {
            peer.startOpenVpn(proto.equals("udp") ? "udp" : "tcp-server");
            try {
                manager.start(tunnel, peer.culvertConfig(proto.equals("udp") ? "udp" : "tcp-client"), tunnel + ".conf", filters);
                watcher.await(tunnel, TunnelState.UP, null, Platform.TIMEOUT_MILLIS);
                peer.startPing();
                peer.awaitReplyAfter(System.currentTimeMillis(), Platform.TIMEOUT_MILLIS, "first traffic");
                assertEquals(plugin, manager.get(tunnel).get().plugins().get(kindOf(plugin)));

                // The tunnel thread, the ping and OpenVPN processes' reapers all exist now.
                ThreadCensus census = ThreadCensus.take();
                baseline = census.size();
                for (int i = 1; i <= CYCLES; i++) {
                    int listening = stream ? peer.timesListening() : 0;
                    long stopAt = System.nanoTime();
                    bundle.stop();
                    long stopMillis = (System.nanoTime() - stopAt) / 1_000_000;
                    TunnelStatus waiting = watcher.await(tunnel, TunnelState.WAITING, missing, Platform.TIMEOUT_MILLIS);
                    assertTrue("cycle " + i + ": WAITING does not name " + plugin + ": " + waiting.detail(),
                            waiting.detail().contains(plugin));
                    Tunnel t = manager.get(tunnel).get();
                    assertTrue("cycle " + i + ": a waiting tunnel still names plugins " + t.plugins(), t.plugins().isEmpty());

                    if (stream) {
                        // OpenVPN's tcp-server restarts when its connection goes (a 1 s pause, then it listens
                        // again); measured from when the peer can take a connection, so the figure is Culvert's.
                        Poll.until("stock OpenVPN listening again", Platform.TIMEOUT_MILLIS, () -> peer.timesListening() > listening,
                                peer::openVpnLog);
                    }
                    long startedAt = System.currentTimeMillis();
                    bundle.start();
                    long back = peer.awaitReplyAfter(startedAt, Platform.TIMEOUT_MILLIS, "cycle " + i) - startedAt;
                    backMillis.add(back);
                    phases.add(stopMillis + "/" + back);

                    Set<Thread> ours = culvertThreads(census.awaitBackToBaseline(Platform.TIMEOUT_MILLIS, JDK_POOL_THREADS));
                    assertTrue("cycle " + i + ": threads left behind: " + ThreadCensus.names(ours), ours.isEmpty());
                    maxAfter = Math.max(maxAfter, ThreadCensus.take().size());
                }
                assertEquals(plugin, manager.get(tunnel).get().plugins().get(kindOf(plugin)));
            } catch (AssertionError | RuntimeException e) {
                System.out.println("stock OpenVPN's log:\n" + peer.openVpnLog());
                throw e;
            } finally {
                if (bundle.getState() != Bundle.ACTIVE) {
                    bundle.start();
                }
                Platform.stopQuietly(manager, tunnel);
            }
        }
        List<Long> sorted = new ArrayList<>(backMillis);
        Collections.sort(sorted);
        long max = sorted.get(sorted.size() - 1);
        long median = sorted.get(sorted.size() / 2);
        System.out.println("[reliability] plugin " + plugin + " stopped/started " + CYCLES + " times under traffic: traffic back in max "
                + max + " ms (median " + median + " ms), threads baseline " + baseline + ", max after cycle " + maxAfter);
        System.out.println(plugin + ": bundle stop / traffic back after start, per cycle (ms): " + phases);
        assertTrue(plugin + ": traffic took " + max + " ms to come back (limit " + TRAFFIC_BACK_MILLIS + " ms): " + backMillis,
                max <= TRAFFIC_BACK_MILLIS);
        // Lazily started framework and JDK pool threads may idle on; they belong to neither Culvert nor a cycle.
        assertTrue("threads grew from " + baseline + " to " + maxAfter, maxAfter <= baseline + 3);
    }

    /** New threads that are neither the framework's lazy ones nor the JDK's process reapers. */
    private static Set<Thread> culvertThreads(Set<Thread> extra) {
        Set<Thread> out = new HashSet<>();
        for (Thread t : ThreadCensus.notFramework(extra)) {
            if (!JDK_POOL_THREADS.matcher(t.getName()).matches()) {
                out.add(t);
            }
        }
        return out;
    }

    private static String kindOf(String plugin) {
        switch (plugin) {
            case "linux":
                return PluginProperties.KIND_TUN_DRIVER;
            case "epoll":
            case "poll":
                return PluginProperties.KIND_EVENT_BACKEND;
            default:
                return PluginProperties.KIND_LINK_TRANSPORT;
        }
    }

    private static String backendOf(TunnelManager manager, String tunnel) {
        return manager.get(tunnel).map(t -> t.plugins().get(PluginProperties.KIND_EVENT_BACKEND)).orElse(null);
    }

    private static void awaitBackend(TunnelManager manager, String tunnel, String backend) throws Exception {
        Poll.until("tunnel " + tunnel + " UP on backend " + backend, Platform.TIMEOUT_MILLIS,
                () -> backend.equals(backendOf(manager, tunnel)) && manager.get(tunnel).get().status().state() == TunnelState.UP,
                () -> manager.get(tunnel).map(t -> t.status() + " " + t.plugins()).orElse("absent"));
    }

    private void awaitPlugins() throws InterruptedException {
        for (Map.Entry<String, List<String>> kind : CulvertBundles.LINUX_PLUGINS.entrySet()) {
            for (String name : kind.getValue()) {
                Platform.awaitService(context, Object.class,
                        "(&(" + PluginProperties.KIND + "=" + kind.getKey() + ")(" + PluginProperties.NAME + "=" + name + "))");
            }
        }
    }
}
