package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.ServerClientListener;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.testkit.MemoryEventBackend;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryTunDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * OpenVPN's restart signals on a server ({@code sig.c}, {@code multi_process_signal}): SIGUSR1 and SIGHUP
 * tell the clients RESTART under explicit-exit-notify, close every instance and start the loop again;
 * SIGUSR1 keeps the device under persist-tun, SIGHUP reads the configuration again; the server's
 * counters go on across every kind of restart.
 */
class ServerSignalTest {
    private static final String CLIENT = "ping 1\nping-restart 3\n";
    private final ServerHarness h = new ServerHarness();
    private final MemoryTunDriver driver = new MemoryTunDriver();
    private final MemoryEventBackend backend = new MemoryEventBackend();
    private final MemoryLinkTransport transport = new MemoryLinkTransport();
    private final RecordingSink sink = new RecordingSink();
    private final List<ServerClientEvent> events = new CopyOnWriteArrayList<>();
    private final List<String> sent = new CopyOnWriteArrayList<>();
    private final AtomicInteger enginesClosed = new AtomicInteger();
    private final ServerRunner[] holder = new ServerRunner[1];
    private final PluginCatalog catalog = new PluginCatalog(() -> {
        if (holder[0] != null) {
            holder[0].pluginAdded();
        }
    }, s -> {
        if (holder[0] != null) {
            holder[0].pluginRemoved(s);
        }
    });
    private ServerView view;
    private ServerRunner runner;

    @AfterEach
    void tearDown() throws Exception {
        if (runner != null) {
            runner.stop(TunnelReason.USER_STOP);
        }
        h.close();
    }

    /** Engines that note the control messages the loop asks them to send, and their close. */
    private ServerEngines engines() throws Exception {
        return new DelegatingEngines(h.engines("ping 1\nping-restart 30\n")) {
            @Override
            public boolean sendControl(PeerSession session, String message) {
                sent.add(message);
                return true;
            }

            @Override
            public void close() {
                enginesClosed.incrementAndGet();
            }
        };
    }

    private ServerRunner.Setup setup(ServerPlan plan, boolean persistTun) throws Exception {
        return new ServerRunner.Setup(plan, TunSpec.builder(TunLayer.TUN).name("memsrv" + h.id).persist(persistTun).build(),
                LinkSpec.builder(LinkProtocol.UDP).local("srv" + h.id, 1194).build(), engines(), h.addressing());
    }

    private void start(ServerRunner.Setup setup, ServerRunner.SetupSource reload) throws Exception {
        catalog.addDriver(driver, TunnelRunnerTest.props(PluginProperties.KIND_TUN_DRIVER, "memory", PluginProperties.TUN_LAYERS, "tun,tap"));
        catalog.addBackend(backend, TunnelRunnerTest.props(PluginProperties.KIND_EVENT_BACKEND, "memory", null, null));
        catalog.addTransport(transport, TunnelRunnerTest.props(PluginProperties.KIND_LINK_TRANSPORT, "memory", PluginProperties.LINK_PROTOCOLS, "udp"));
        ServerClientListener listener = (tunnel, event) -> events.add(event);
        view = new ServerView("srv" + h.id, null, () -> List.of(listener), LoopClock.SYSTEM, h.log);
        h.view = view;
        runner = new ServerRunner("srv" + h.id, setup, reload, catalog, "Linux", null, null, null, sink, view, LoopClock.SYSTEM, h.log);
        holder[0] = runner;
        runner.start();
        sink.await(TunnelState.UP, TunnelReason.NONE, 5000);
    }

    /** The moment before a restart (a new loop counts client ids from 0 again, as OpenVPN's multi_init). */
    private static java.time.Instant mark() {
        return java.time.Instant.now();
    }

    private long disconnects() {
        return events.stream().filter(e -> e.kind() == ServerClientEvent.Kind.DISCONNECT).count();
    }

    /** Waits until the clients named are established again, connected after {@code before}. */
    private void awaitBack(java.time.Instant before, String... names) throws InterruptedException {
        MemoryRunners.awaitTrue(() -> {
            for (String cn : names) {
                if (view.clients().stream().noneMatch(c -> c.established() && c.commonName().equals(cn) && c.connectedSince().isAfter(before))) {
                    return false;
                }
            }
            return true;
        }, () -> "not back after the restart: " + view.clients() + "\n" + h.log.recent());
    }

    @Test
    void sigusr1TellsTheClientsRestartClosesThemAndTheyComeBackWhileTheCountersGoOn() throws Exception {
        start(setup(ServerPlan.defaults().withDataThreads(2).withExitNotify(1), false), null);
        h.client(1, CLIENT);
        h.client(2, CLIENT);
        h.awaitEstablished("client1", "client2");
        java.time.Instant before = mark();
        TunnelCounters c0 = view.counters();
        assertTrue(c0.linkReadBytes() > 0, c0.toString());

        runner.requestRestart(false);
        sink.await(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, 10_000);
        assertTrue(sink.statusesCopy().contains("RECONNECTING/USER_RESTART: SIGUSR1"), sink.statusesCopy().toString());
        assertEquals(List.of("RESTART", "RESTART"), sent, "explicit-exit-notify: each client told RESTART");
        MemoryRunners.awaitTrue(() -> disconnects() == 2, () -> "every instance closed: " + events);
        assertTrue(h.released.containsAll(List.of("client1", "client2")), "their addresses were released: " + h.released);
        // The runner counts the restart once the old run has ended (just after it published RECONNECTING).
        MemoryRunners.awaitTrue(() -> view.counters().restarts() == 1, () -> view.counters().toString());
        TunnelCounters c1 = view.counters();
        assertTrue(c1.linkReadBytes() >= c0.linkReadBytes() && c1.linkWriteBytes() >= c0.linkWriteBytes(),
                "counters kept across the restart: " + c0 + " then " + c1);

        sink.await(TunnelState.UP, TunnelReason.NONE, 10_000);
        assertEquals(2, driver.openCount(), "without persist-tun the device is opened anew");
        assertEquals(1, driver.closeCount());
        assertEquals(0, enginesClosed.get(), "a SIGUSR1 keeps the engines (and the keys)");
        awaitBack(before, "client1", "client2");
        TunnelCounters c2 = view.counters();
        assertTrue(c2.linkReadBytes() > c1.linkReadBytes(), "the new run counts on top: " + c1 + " then " + c2);
        assertTrue(h.log.recent().stream().anyMatch(e -> e.message().contains("SIGUSR1[soft,] received, process restarting")));
    }

    @Test
    void sigusr1KeepsTheDeviceUnderPersistTunAndSighupReadsTheConfigurationAgainWithAFreshDevice() throws Exception {
        AtomicInteger reloads = new AtomicInteger();
        ServerPlan plan = ServerPlan.defaults().withDataThreads(1);
        start(setup(plan, true), () -> {
            reloads.incrementAndGet();
            try {
                return setup(plan, true);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        h.client(1, CLIENT);
        h.awaitEstablished("client1");
        java.time.Instant before = mark();

        runner.requestRestart(false);
        sink.await(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, 10_000);
        sink.await(TunnelState.UP, TunnelReason.NONE, 10_000);
        assertEquals(1, driver.openCount(), "persist-tun: the device is kept across a SIGUSR1");
        assertEquals(0, driver.closeCount());
        assertEquals(0, reloads.get(), "a SIGUSR1 does not read the configuration");
        awaitBack(before, "client1");
        before = mark();

        runner.requestRestart(true);
        sink.await(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, 10_000);
        assertTrue(sink.statusesCopy().contains("RECONNECTING/USER_RESTART: SIGHUP"), sink.statusesCopy().toString());
        sink.await(TunnelState.UP, TunnelReason.NONE, 10_000);
        assertEquals(1, reloads.get(), "a SIGHUP reads the configuration again");
        assertEquals(1, enginesClosed.get(), "the old engines are closed");
        assertEquals(2, driver.openCount(), "a SIGHUP reopens the device");
        assertEquals(1, driver.closeCount());
        awaitBack(before, "client1");
        assertEquals(2, view.counters().restarts());
    }

    @Test
    void aSighupWithABadConfigurationFailsTheServerNamingTheError() throws Exception {
        start(setup(ServerPlan.defaults().withDataThreads(1), false), () -> {
            throw new PlanBuilder.PlanException("server.conf:3: Unrecognized option or missing parameter(s): bogus", null);
        });
        runner.requestRestart(true);
        sink.await(TunnelState.FAILED, TunnelReason.CONFIG_ERROR, 10_000);
        assertTrue(sink.detail().contains("bogus"), sink.detail());
        MemoryRunners.awaitTrue(() -> enginesClosed.get() == 1, () -> "the engines are closed when the server ends");
        assertEquals(driver.openCount(), driver.closeCount(), "nothing left open");
    }

    @Test
    void aSignalWhileStoppingDoesNotRestartAndTheStopEndsTheServer() throws Exception {
        start(setup(ServerPlan.defaults().withDataThreads(1), false), null);
        runner.stop(TunnelReason.USER_STOP);
        runner.requestRestart(false);
        assertEquals(TunnelState.STOPPED, sink.state());
        assertEquals(1, driver.openCount());
        assertEquals(1, driver.closeCount());
        assertFalse(sink.historyCopy().contains("RECONNECTING/USER_RESTART"), sink.historyCopy().toString());
        runner = null;
    }

    @Test
    void theCountersGoOnAcrossARestartForALostPlugin() throws Exception {
        start(setup(ServerPlan.defaults().withDataThreads(2), false), null);
        h.client(1, CLIENT);
        h.awaitEstablished("client1");
        java.time.Instant before = mark();
        TunnelCounters c0 = view.counters();

        catalog.removeTransport(transport);
        sink.await(TunnelState.WAITING, TunnelReason.TRANSPORT_MISSING, 5000);
        TunnelCounters waiting = view.counters();
        assertTrue(waiting.linkReadBytes() >= c0.linkReadBytes() && waiting.tunWriteBytes() >= c0.tunWriteBytes(),
                "counters kept while waiting: " + c0 + " then " + waiting);
        assertEquals(1, waiting.restarts());

        catalog.addTransport(transport, TunnelRunnerTest.props(PluginProperties.KIND_LINK_TRANSPORT, "memory", PluginProperties.LINK_PROTOCOLS, "udp"));
        sink.await(TunnelState.UP, TunnelReason.NONE, 5000);
        awaitBack(before, "client1");
        assertTrue(view.counters().linkReadBytes() > waiting.linkReadBytes());
    }
}
