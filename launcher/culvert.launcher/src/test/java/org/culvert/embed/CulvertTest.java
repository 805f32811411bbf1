package org.culvert.embed;

import static org.culvert.embed.MemoryTunnels.TIMEOUT_MILLIS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelException;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding library with the real embedded framework and core, over the in-memory plugins: two
 * tunnels go UP with no root, from a file, text and an options map; errors name the option and line;
 * listeners get ordered events on Culvert's thread; close() leaves no thread behind.
 */
class CulvertTest {
    private static final Duration UP_TIMEOUT = Duration.ofMillis(TIMEOUT_MILLIS);

    @TempDir
    Path dir;

    /** a from a file (its key named relative to the file), b from an options map with the key inline. */
    @Test
    void tunnelsFromAFileAndAnOptionsMapGoUpAndPassTrafficBothWays() throws Exception {
        Path confDir = Files.createDirectories(dir.resolve("conf"));
        MemoryTunnels.writeKey(confDir);
        Path aConf = confDir.resolve("a.conf");
        Files.writeString(aConf, MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0));

        Map<String, String> b = new LinkedHashMap<>();
        b.put("dev", "tun");
        b.put("--proto", "udp");
        b.put("local", "b");
        b.put("lport", "1194");
        b.put("remote", "a");
        b.put("rport", "1194");
        b.put("ifconfig", "10.0.0.2 10.0.0.1");
        b.put("cipher", "AES-256-CBC");
        b.put("auth", "SHA256");
        b.put("secret", Files.readString(confDir.resolve("static.key"))); // several lines: inline content
        b.put("key-direction", "1");
        b.put("route", "192.168.50.0 255.255.255.0\n192.168.60.0 255.255.255.0"); // one line per occurrence
        b.put("persist-tun", ""); // a flag

        try (Culvert culvert = MemoryTunnels.builder().start()) {
            EmbeddedTunnel ta = culvert.start("a", TunnelConfig.fromFile(aConf).withPlugins("memory"));
            EmbeddedTunnel tb = culvert.start("b", TunnelConfig.fromOptions(b).withPlugins("memory"));
            assertEquals(TunnelState.UP, ta.awaitState(TunnelState.UP, UP_TIMEOUT).state(), () -> ta.snapshot().toString());
            assertEquals(TunnelState.UP, tb.awaitState(TunnelState.UP, UP_TIMEOUT).state(), () -> tb.snapshot().toString());

            TunnelCounters before = ta.snapshot().counters();
            for (int i = 0; i < 5; i++) {
                MemoryTunnels.send(ta, "10.0.0.1", tb, "10.0.0.2", i);
                MemoryTunnels.send(tb, "10.0.0.2", ta, "10.0.0.1", 100 + i);
            }
            // The tunnel counts a write once the device took the packet, so the count may trail the packet a little.
            TunnelSnapshot sa = MemoryTunnels.awaitSnapshot(ta, s -> s.counters().tunWritePackets() >= before.tunWritePackets() + 5);
            assertTrue(sa.counters().tunReadPackets() >= before.tunReadPackets() + 5, sa::toString);
            assertTrue(sa.counters().linkWriteBytes() > before.linkWriteBytes(), sa::toString);
            assertTrue(sa.counters().linkReadBytes() > before.linkReadBytes(), sa::toString);
            assertEquals("memory", sa.plugins().get(PluginProperties.KIND_TUN_DRIVER));
            assertEquals("memory", sa.plugins().get(PluginProperties.KIND_LINK_TRANSPORT));
            assertNotNull(sa.deviceName());
            assertEquals("10.0.0.1", sa.connection().tunLocalIpv4(), sa::toString);
            assertEquals("10.0.0.2", sa.connection().tunRemoteIpv4(), sa::toString);
            assertNotNull(sa.connection().linkRemote(), sa::toString);

            List<TunnelSnapshot> list = culvert.list();
            assertEquals(List.of("a", "b"), List.of(list.get(0).name(), list.get(1).name()));
            assertEquals(TunnelState.UP, culvert.snapshot("b").orElseThrow().status().state());
            assertTrue(culvert.snapshot("nosuch").isEmpty());
            assertSame(ta.tunnel(), culvert.tunnel("a").orElseThrow().tunnel());
        }
    }

    /** Text resolves its relative key against the base folder given (or the working directory). */
    @Test
    void aTunnelFromTextResolvesRelativePathsAgainstItsBaseFolder() throws Exception {
        MemoryTunnels.writeKey(dir);
        try (Culvert culvert = MemoryTunnels.builder().start()) {
            EmbeddedTunnel ta = culvert.start("a", TunnelConfig.fromText(MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0), dir)
                    .withDriver("memory").withBackend("(culvert.plugin.name=memory)").withTransport("memory"));
            EmbeddedTunnel tb = culvert.start("b",
                    TunnelConfig.fromText(MemoryTunnels.config("b", "a", "10.0.0.2", "10.0.0.1", "static.key", 1), dir).withPlugins("memory"));
            ta.awaitState(TunnelState.UP, UP_TIMEOUT);
            tb.awaitState(TunnelState.UP, UP_TIMEOUT);
            MemoryTunnels.send(ta, "10.0.0.1", tb, "10.0.0.2", 1);

            // Without a base folder the working directory is used, where there is no static.key.
            TunnelConfigException e = assertThrows(TunnelConfigException.class,
                    () -> culvert.startFromText("c", MemoryTunnels.config("c", "d", "10.0.1.1", "10.0.1.2", "no-such-dir/static.key", 0)));
            assertEquals("secret", e.option(), e.getMessage());
            assertEquals(TunnelConfig.TEXT_SOURCE, e.source());
            assertEquals(10, e.line(), e.getMessage());
            assertTrue(e.getMessage().startsWith("config text:10: --secret: "), e.getMessage());
            assertTrue(culvert.tunnel("c").isEmpty(), "a refused tunnel must not exist");
        }
    }

    @Test
    void badConfigurationsAreReportedByOptionAndLine() throws Exception {
        MemoryTunnels.writeKey(dir);
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "dev tun\nproto udp\nfrobnicate 1\n");
        Map<String, String> badRoute = new LinkedHashMap<>();
        badRoute.put("dev", "tun");
        badRoute.put("secret", "static.key");
        badRoute.put("cipher", "AES-256-CBC");
        badRoute.put("ifconfig", "10.0.0.1 10.0.0.2");
        badRoute.put("route", "10.1.0.0 255.255.0.0\n10.2.0.0 not-a-netmask");

        try (Culvert culvert = MemoryTunnels.builder().start()) {
            TunnelConfigException unknown = assertThrows(TunnelConfigException.class, () -> culvert.startFromFile("x", bad));
            assertEquals(TunnelException.Reason.CONFIG_ERROR, unknown.reason());
            assertEquals("bad.conf", unknown.source());
            assertEquals(3, unknown.line());
            assertEquals("frobnicate", unknown.option());
            assertEquals("bad.conf:3: unknown option 'frobnicate'", unknown.getMessage());

            TunnelConfigException route = assertThrows(TunnelConfigException.class,
                    () -> culvert.start("x", TunnelConfig.fromOptions(badRoute, dir)));
            assertEquals("route", route.option(), route.getMessage());
            assertEquals("options", route.source());
            assertEquals(0, route.line());
            assertTrue(route.getMessage().startsWith("options: --route (value 2 of 2): "), route.getMessage());
            assertTrue(route.getMessage().contains("not-a-netmask"), route.getMessage());

            TunnelConfigException notAName = assertThrows(TunnelConfigException.class,
                    () -> culvert.startFromOptions("x", Map.of("dev tun", "")));
            assertTrue(notAName.getMessage().contains("'dev tun' is not an option name"), notAName.getMessage());

            Map<String, String> nullValue = new LinkedHashMap<>();
            nullValue.put("dev", null);
            TunnelConfigException noValue = assertThrows(TunnelConfigException.class, () -> culvert.startFromOptions("x", nullValue));
            assertEquals("dev", noValue.option());

            TunnelConfigException missing = assertThrows(TunnelConfigException.class,
                    () -> culvert.startFromFile("x", dir.resolve("missing.conf")));
            assertTrue(missing.getMessage().contains("cannot read the configuration file"), missing.getMessage());

            // Refused by the core rather than the parser: the name itself.
            TunnelException badName = assertThrows(TunnelException.class,
                    () -> culvert.start("bad name", TunnelConfig.fromText(MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0), dir)));
            assertEquals(TunnelException.Reason.CONFIG_ERROR, badName.reason());
            assertTrue(badName.getMessage().contains("bad tunnel name"), badName.getMessage());

            culvert.start("a", TunnelConfig.fromText(MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0), dir).withPlugins("memory"));
            TunnelException dup = assertThrows(TunnelException.class,
                    () -> culvert.start("a", TunnelConfig.fromText(MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0), dir)));
            assertEquals(TunnelException.Reason.DUPLICATE_NAME, dup.reason());

            TunnelException notFound = assertThrows(TunnelException.class, () -> culvert.stop("nosuch"));
            assertEquals(TunnelException.Reason.NOT_FOUND, notFound.reason());
            assertEquals(TunnelException.Reason.NOT_FOUND, assertThrows(TunnelException.class,
                    () -> culvert.signal("nosuch", TunnelSignal.SIGUSR1)).reason());
            assertEquals(List.of("a"), culvert.list().stream().map(TunnelSnapshot::name).collect(java.util.stream.Collectors.toList()));
        }
    }

    /**
     * Events come on Culvert's event thread, in order (each event starts where the previous one of its
     * tunnel ended), and a listener that blocks does not hold the tunnels back.
     */
    @Test
    void listenersGetOrderedEventsOnCulvertsThreadAndCannotStallTheTunnels() throws Exception {
        MemoryTunnels.writeKey(dir);
        List<TunnelEvent> seen = new ArrayList<>();
        List<String> threadNames = new ArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch bothUpDelivered = new CountDownLatch(2);
        try (Culvert culvert = MemoryTunnels.builder().start()) {
            culvert.addListener(e -> {
                try {
                    // Blocks the event thread until the test has seen both tunnels UP by themselves.
                    release.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                synchronized (seen) {
                    seen.add(e);
                    threadNames.add(Thread.currentThread().getName());
                }
                if (e.state() == TunnelState.UP) {
                    bothUpDelivered.countDown();
                }
            });
            EmbeddedTunnel ta = culvert.start("a", TunnelConfig.fromText(MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0), dir)
                    .withPlugins("memory"));
            EmbeddedTunnel tb = culvert.start("b", TunnelConfig.fromText(MemoryTunnels.config("b", "a", "10.0.0.2", "10.0.0.1", "static.key", 1), dir)
                    .withPlugins("memory"));
            ta.awaitState(TunnelState.UP, UP_TIMEOUT);
            tb.awaitState(TunnelState.UP, UP_TIMEOUT);
            synchronized (seen) {
                assertTrue(seen.size() <= 1, "the listener was still blocked, yet " + seen.size() + " events were delivered");
            }
            release.countDown();
            assertTrue(bothUpDelivered.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), () -> "UP not delivered for both: " + seen);

            synchronized (seen) {
                for (String n : threadNames) {
                    assertTrue(n.startsWith("culvert-events-"), "delivered on " + n);
                }
                for (String name : List.of("a", "b")) {
                    TunnelStatus last = null;
                    for (TunnelEvent e : seen) {
                        if (!e.tunnelName().equals(name)) {
                            continue;
                        }
                        if (last != null) {
                            assertSame(last, e.previous(), "events of " + name + " out of order: " + seen);
                        }
                        assertFalse(e.isError(), e::toString);
                        last = e.current();
                    }
                    assertNotNull(last, "no event for " + name);
                    assertEquals(TunnelState.UP, last.state(), "last event of " + name + ": " + seen);
                }
            }
        }
    }

    /** Events carry OpenVPN's client states in order; a snapshot shows the state, the server and the configuration in effect. */
    @Test
    void eventsCarryOpenVpnsClientStatesAndSnapshotsTheServerAndSettings() throws Exception {
        MemoryTunnels.writeKey(dir);
        List<TunnelEvent> events = new ArrayList<>();
        CountDownLatch connected = new CountDownLatch(1);
        try (Culvert culvert = MemoryTunnels.builder().start()) {
            culvert.addListener(e -> {
                synchronized (events) {
                    events.add(e);
                }
                if (e.tunnelName().equals("a") && e.isClientStep() && e.clientState().state() == ClientState.CONNECTED) {
                    connected.countDown();
                }
            });
            EmbeddedTunnel ta = culvert.start("a", TunnelConfig.fromText(MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0)
                    + "route 192.168.50.0 255.255.255.0\n", dir).withPlugins("memory"));
            EmbeddedTunnel tb = culvert.start("b", TunnelConfig.fromText(MemoryTunnels.config("b", "a", "10.0.0.2", "10.0.0.1", "static.key", 1), dir)
                    .withPlugins("memory"));
            ta.awaitState(TunnelState.UP, UP_TIMEOUT);
            tb.awaitState(TunnelState.UP, UP_TIMEOUT);
            TunnelSnapshot s = ta.snapshot();
            assertEquals(ClientState.CONNECTED, s.clientState().state(), s::toString);
            assertEquals("SUCCESS", s.clientState().description());
            assertEquals("10.0.0.1", s.clientState().tunLocalIpv4());
            assertNotNull(s.server(), "the server is known once connected");
            assertEquals(s.server(), s.clientState().remote());
            assertEquals(List.of("ifconfig 10.0.0.1 10.0.0.2", "route 192.168.50.0/24 via 10.0.0.2", "cipher AES-256-CBC"), s.settings().lines());
            assertFalse(s.settings().pushed());
            assertTrue(connected.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), () -> "no CONNECTED event: " + events);
            List<String> steps = new ArrayList<>();
            synchronized (events) {
                for (TunnelEvent e : events) {
                    if (e.tunnelName().equals("a") && e.isClientStep()) {
                        steps.add(e.clientState().state().name());
                    }
                }
            }
            // The memory network's remote is a host name: RESOLVE is published when it is looked up (before
            // the device in point-to-point mode, as docs/embedding.md says).
            assertEquals(List.of("CONNECTING", "RESOLVE", "ASSIGN_IP", "ADD_ROUTES", "CONNECTED"), steps);
        }
    }

    @Test
    void logLinesAndSignalsReachTheHost() throws Exception {
        MemoryTunnels.writeKey(dir);
        List<String> lines = new ArrayList<>();
        List<TunnelEvent> events = new ArrayList<>();
        CountDownLatch restartedUp = new CountDownLatch(1);
        try (Culvert culvert = MemoryTunnels.builder().start()) {
            culvert.addListener(e -> {
                synchronized (events) {
                    events.add(e);
                    boolean restarted = events.stream().anyMatch(x -> x.tunnelName().equals("a") && x.reason() == TunnelReason.USER_RESTART);
                    if (restarted && e.tunnelName().equals("a") && e.state() == TunnelState.UP) {
                        restartedUp.countDown();
                    }
                }
            });
            EmbeddedTunnel ta = culvert.start("a", TunnelConfig.fromText(MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0), dir)
                    .withPlugins("memory"));
            Subscription logs = ta.addLogListener((tunnel, entry) -> {
                synchronized (lines) {
                    lines.add(Thread.currentThread().getName() + " " + tunnel.name() + " " + entry.message());
                }
            });
            EmbeddedTunnel tb = culvert.start("b", TunnelConfig.fromText(MemoryTunnels.config("b", "a", "10.0.0.2", "10.0.0.1", "static.key", 1), dir)
                    .withPlugins("memory"));
            ta.awaitState(TunnelState.UP, UP_TIMEOUT);
            tb.awaitState(TunnelState.UP, UP_TIMEOUT);

            ta.signal(TunnelSignal.SIGUSR1);
            assertTrue(restartedUp.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), () -> "no RECONNECTING(USER_RESTART) then UP: " + events);
            assertTrue(ta.snapshot().counters().restarts() >= 1, () -> ta.snapshot().toString());
            MemoryTunnels.send(ta, "10.0.0.1", tb, "10.0.0.2", 7);
            assertTrue(ta.recentLog().stream().map(TunnelLogEntry::message).anyMatch(m -> m.contains("Initialization Sequence Completed")),
                    () -> "recent log: " + ta.recentLog());

            // The listener sees the restart's lines, only tunnel a's, on Culvert's event thread.
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
            while (true) {
                synchronized (lines) {
                    long completed = lines.stream().filter(l -> l.contains("Initialization Sequence Completed")).count();
                    if (completed >= 1 || System.nanoTime() > deadline) {
                        assertTrue(completed >= 1, "log lines seen: " + lines);
                        for (String l : lines) {
                            assertTrue(l.startsWith("culvert-events-"), l);
                            assertTrue(l.contains(" a "), l);
                        }
                        break;
                    }
                    lines.wait(100);
                }
            }
            logs.close();
            logs.close();
        }
    }

    @Test
    void stopRemovesOneTunnelAndItsHandleSaysSo() throws Exception {
        MemoryTunnels.writeKey(dir);
        try (Culvert culvert = MemoryTunnels.builder().start()) {
            EmbeddedTunnel ta = culvert.start("a", TunnelConfig.fromText(MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0), dir)
                    .withPlugins("memory"));
            EmbeddedTunnel tb = culvert.start("b", TunnelConfig.fromText(MemoryTunnels.config("b", "a", "10.0.0.2", "10.0.0.1", "static.key", 1), dir)
                    .withPlugins("memory"));
            ta.awaitState(TunnelState.UP, UP_TIMEOUT);
            ta.stop();
            assertEquals(TunnelState.STOPPED, ta.status().state());
            assertEquals(TunnelReason.USER_STOP, ta.status().reason());
            assertEquals(List.of("b"), culvert.list().stream().map(TunnelSnapshot::name).collect(java.util.stream.Collectors.toList()));
            assertEquals(TunnelException.Reason.NOT_FOUND, assertThrows(TunnelException.class, () -> ta.signal(TunnelSignal.SIGUSR1)).reason());
            assertEquals(TunnelState.STOPPED, ta.awaitState(TunnelState.UP, Duration.ofSeconds(1)).state(), "a stopped tunnel does not come UP");
            // b lost its peer but keeps trying; a new a brings it back.
            EmbeddedTunnel a2 = culvert.start("a", TunnelConfig.fromText(MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0), dir)
                    .withPlugins("memory"));
            a2.awaitState(TunnelState.UP, UP_TIMEOUT);
            MemoryTunnels.send(a2, "10.0.0.1", tb, "10.0.0.2", 3);
            TunnelException timeout = assertThrows(TunnelException.class, () -> tb.awaitState(TunnelState.STOPPING, Duration.ofMillis(300)));
            assertEquals(TunnelException.Reason.TIMEOUT, timeout.reason());
        }
    }

    /**
     * The JVM's threads before start and after close are the same threads: Culvert, Felix, SCR,
     * ConfigAdmin, the log service and the tunnels leave none behind. close() is idempotent, delivers
     * the final events before it returns, and use after close says so.
     */
    @Test
    void closeStopsEveryThreadItStartedAndUseAfterCloseIsAClearError() throws Exception {
        MemoryTunnels.writeKey(dir);
        Set<Thread> before = MemoryTunnels.liveThreads();
        List<TunnelEvent> events = new ArrayList<>();
        Culvert culvert = MemoryTunnels.builder().start();
        EmbeddedTunnel ta;
        int running;
        try {
            culvert.addListener(e -> {
                synchronized (events) {
                    events.add(e);
                }
            });
            ta = culvert.start("a", TunnelConfig.fromText(MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0), dir)
                    .withPlugins("memory"));
            EmbeddedTunnel tb = culvert.start("b", TunnelConfig.fromText(MemoryTunnels.config("b", "a", "10.0.0.2", "10.0.0.1", "static.key", 1), dir)
                    .withPlugins("memory"));
            ta.awaitState(TunnelState.UP, UP_TIMEOUT);
            tb.awaitState(TunnelState.UP, UP_TIMEOUT);
            MemoryTunnels.send(ta, "10.0.0.1", tb, "10.0.0.2", 1);
            running = MemoryTunnels.liveThreads().size();
            assertFalse(culvert.ownedThreads().isEmpty());
            for (Thread t : culvert.ownedThreads()) {
                assertFalse(before.contains(t), t.getName());
            }
        } finally {
            culvert.close();
        }
        List<String> left = MemoryTunnels.newThreads(before, 0);
        int after = MemoryTunnels.liveThreads().size();
        System.out.println("threads: " + before.size() + " before start, " + running + " with two tunnels up, " + after + " after close");
        assertEquals(List.of(), left, "threads left after close");
        assertTrue(after <= before.size(), "after " + after + " > before " + before.size());
        assertEquals(List.of(), culvert.ownedThreads());
        assertTrue(culvert.isClosed());

        synchronized (events) {
            for (String name : List.of("a", "b")) {
                TunnelEvent last = null;
                for (TunnelEvent e : events) {
                    if (e.tunnelName().equals(name)) {
                        last = e;
                    }
                }
                assertNotNull(last);
                assertEquals(TunnelState.STOPPED, last.state(), "last event of " + name + " before close returned: " + events);
                assertEquals(TunnelReason.USER_STOP, last.reason());
            }
        }

        culvert.close(); // idempotent, returns at once
        IllegalStateException e = assertThrows(IllegalStateException.class, culvert::list);
        assertEquals("Culvert is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> culvert.startFromText("c", "dev tun\n"));
        assertThrows(IllegalStateException.class, () -> culvert.addListener(x -> { }));
        assertThrows(IllegalStateException.class, () -> culvert.stop("a"));
        assertThrows(IllegalStateException.class, ta::snapshot);
        assertThrows(IllegalStateException.class, () -> ta.signal(TunnelSignal.SIGUSR1));
        assertEquals("a", ta.name());
    }

    /** A listener may close Culvert; close() then returns at once there, and a host's close() waits for the rest. */
    @Test
    void closeFromAListenerDoesNotDeadlock() throws Exception {
        MemoryTunnels.writeKey(dir);
        Set<Thread> before = MemoryTunnels.liveThreads();
        CountDownLatch closedInListener = new CountDownLatch(1);
        Culvert culvert = MemoryTunnels.builder().start();
        try {
            culvert.addListener(e -> {
                // b comes up only after the test's last call, so that call cannot meet a closed Culvert.
                if (e.tunnelName().equals("b") && e.state() == TunnelState.UP) {
                    culvert.close();
                    closedInListener.countDown();
                }
            });
            culvert.start("a", TunnelConfig.fromText(MemoryTunnels.config("a", "b", "10.0.0.1", "10.0.0.2", "static.key", 0), dir).withPlugins("memory"));
            culvert.start("b", TunnelConfig.fromText(MemoryTunnels.config("b", "a", "10.0.0.2", "10.0.0.1", "static.key", 1), dir).withPlugins("memory"));
            assertTrue(closedInListener.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "the listener's close() did not return");
        } finally {
            culvert.close();
        }
        assertEquals(List.of(), MemoryTunnels.newThreads(before, 0), "threads left after close");
    }

    @Test
    void startFailuresAreTypedAndLeaveNoThread(@TempDir Path empty) throws Exception {
        Set<Thread> before = MemoryTunnels.liveThreads();
        String saved = System.getProperty(Culvert.BUNDLES_PROPERTY);
        System.clearProperty(Culvert.BUNDLES_PROPERTY);
        try {
            CulvertException none = assertThrows(CulvertException.class, () -> Culvert.builder().start());
            assertEquals(CulvertException.Reason.BUNDLES_MISSING, none.reason());
            assertTrue(none.getMessage().contains(Culvert.BUNDLES_PROPERTY), none.getMessage());
        } finally {
            if (saved != null) {
                System.setProperty(Culvert.BUNDLES_PROPERTY, saved);
            }
        }
        CulvertException emptyDir = assertThrows(CulvertException.class, () -> Culvert.builder().bundleDir(empty).start());
        assertEquals(CulvertException.Reason.BUNDLES_MISSING, emptyDir.reason());

        // The runtime without the core: the framework starts, then gives up waiting for the tunnel manager.
        Path noCore = Files.createDirectories(empty.resolve("no-core"));
        for (Path jar : FrameworkHost.bundleJars(MemoryTunnels.bundleDir())) {
            if (!jar.getFileName().toString().startsWith("culvert.tunnel-")) {
                Files.copy(jar, noCore.resolve(jar.getFileName()));
            }
        }
        Path storage = empty.resolve("storage");
        CulvertException coreMissing = assertThrows(CulvertException.class,
                () -> MemoryTunnels.builder().bundleDir(noCore).storageDir(storage).startTimeout(Duration.ofMillis(500)).start());
        assertEquals(CulvertException.Reason.CORE_MISSING, coreMissing.reason(), coreMissing.getMessage());
        assertTrue(Files.isDirectory(storage), "a storage folder the host gave is kept");
        // The same with the core left out by withoutBundles: it is not installed.
        assertTrue(FrameworkHost.bundleJars(MemoryTunnels.bundleDir(), java.util.Set.of("culvert.tunnel")).stream()
                .noneMatch(j -> j.getFileName().toString().startsWith("culvert.tunnel-")), "culvert.tunnel was not left out");
        CulvertException leftOut = assertThrows(CulvertException.class,
                () -> MemoryTunnels.builder().withoutBundles("culvert.tunnel").startTimeout(Duration.ofMillis(500)).start());
        assertEquals(CulvertException.Reason.CORE_MISSING, leftOut.reason(), leftOut.getMessage());
        assertEquals(List.of(), MemoryTunnels.newThreads(before, 0), "threads left after failed starts");
    }

    /** Several values for one option, and inline blocks, become the text the parser expects. */
    @Test
    void optionsMapsBecomeConfigurationText() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("--remote", "peer1 1194\npeer2 1195");
        m.put("persist-tun", "");
        m.put("ca", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        m.put("secret", "static.key 1");
        String text = TunnelConfig.fromOptions(m, dir).generatedText();
        assertEquals("remote peer1 1194\nremote peer2 1195\npersist-tun\n<ca>\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n</ca>\n"
                + "secret static.key 1\n", text);
    }
}
