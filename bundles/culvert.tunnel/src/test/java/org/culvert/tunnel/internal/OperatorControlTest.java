package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.testkit.MemoryEventBackend;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryTunDriver;
import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What an operator does to a running tunnel: hold and release, SIGUSR1, SIGHUP, SIGTERM; and what it then reads. */
class OperatorControlTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private final int id = SEQ.incrementAndGet();
    private final MemoryTunDriver driver = new MemoryTunDriver();
    private final MemoryLinkTransport transport = new MemoryLinkTransport();
    private final MemoryEventBackend backend = new MemoryEventBackend();
    private final RecordingSink sinkA = new RecordingSink();
    private final RecordingSink sinkB = new RecordingSink();
    private final Counters countersA = new Counters();
    private final AtomicInteger reloads = new AtomicInteger();
    private volatile boolean reloadFails;
    private TunnelRunner a;
    private TunnelRunner b;

    @AfterEach
    void stop() {
        if (a != null) {
            a.stop(TunnelReason.USER_STOP);
        }
        if (b != null) {
            b.stop(TunnelReason.USER_STOP);
        }
    }

    private TunnelPlan plan(String me, String peer, boolean hold) {
        TunSpec tun = TunSpec.builder(TunLayer.TUN).name("op" + me + id).persist(true).build();
        LinkSpec link = LinkSpec.builder(LinkProtocol.UDP).local("op" + me + id, 1194).remote("op" + peer + id, 1194).build();
        TunnelOperations ops = new TunnelOperations(
                hold ? new TunnelOperations.Management("127.0.0.1", 7505, null, null, true, 50) : null, null, 1, 0);
        return new TunnelPlan(tun, link, false, 1600, clock -> new PassthroughSession().peer(), "test", "static-key", null, ops);
    }

    private PluginCatalog catalog(TunnelRunner[] holder) {
        PluginCatalog c = new PluginCatalog(() -> {
            if (holder[0] != null) {
                holder[0].pluginAdded();
            }
        }, s -> {
            if (holder[0] != null) {
                holder[0].pluginRemoved(s);
            }
        });
        c.addDriver(driver, TunnelRunnerTest.props(PluginProperties.KIND_TUN_DRIVER, "memory", PluginProperties.TUN_LAYERS, "tun"));
        c.addBackend(backend, TunnelRunnerTest.props(PluginProperties.KIND_EVENT_BACKEND, "memory", null, null));
        c.addTransport(transport, TunnelRunnerTest.props(PluginProperties.KIND_LINK_TRANSPORT, "memory", PluginProperties.LINK_PROTOCOLS, "udp"));
        return c;
    }

    /** A is the tunnel under control (with --management-hold when {@code hold}); B is its plain peer. */
    private void start(boolean hold, boolean releaseFirst) {
        TunnelRunner[] ha = new TunnelRunner[1];
        TunnelRunner[] hb = new TunnelRunner[1];
        TunnelPlan planA = plan("a", "b", hold);
        a = new TunnelRunner("opa" + id, planA, () -> {
            reloads.incrementAndGet();
            if (reloadFails) {
                throw new PlanBuilder.PlanException("p2p.conf:3: --cipher: bad value", null);
            }
            return planA;
        }, catalog(ha), "Linux", null, null, null, sinkA, countersA, LoopClock.SYSTEM, new TunnelLog("opa" + id));
        b = new TunnelRunner("opb" + id, plan("b", "a", false), catalog(hb), "Linux", null, null, null, sinkB, new Counters(),
                LoopClock.SYSTEM);
        ha[0] = a;
        hb[0] = b;
        if (releaseFirst) {
            a.releaseHold();
        }
        a.start();
        b.start();
    }

    private boolean peerUp;

    /** B must be listening before A's packet leaves, as UDP drops packets to a port no one holds. */
    private void awaitPeerUp() throws InterruptedException {
        if (!peerUp) {
            sinkB.await(TunnelState.UP, null, 5000);
            peerUp = true;
        }
    }

    private void assertTraffic() throws Exception {
        awaitPeerUp();
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("opa" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("opb" + id, 5000);
        Inet4Address ipA = (Inet4Address) InetAddress.getByName("10.0.0.1");
        Inet4Address ipB = (Inet4Address) InetAddress.getByName("10.0.0.2");
        byte[] packet = Packets.ipv4Udp(ipA, 1000, ipB, 2000, "hello".getBytes());
        assertTrue(osA.inject(packet));
        assertNotNull(osB.take(5000), "a packet did not cross");
    }

    @Test
    void managementHoldWaitsForARelease() throws Exception {
        start(true, false);
        sinkA.await(TunnelState.WAITING, TunnelReason.MANAGEMENT_HOLD, 5000);
        assertEquals("Waiting for hold release:0", sinkA.detail());
        assertTrue(a.isHolding());
        assertTrue(a.holdFlag());
        assertTrue(driver.openDeviceCount() <= 1, "a held tunnel opens no device (B may have opened its own)");
        a.releaseHold();
        sinkA.await(TunnelState.UP, null, 5000);
        assertFalse(a.isHolding());
        assertTraffic();
    }

    @Test
    void theHoldFlagHoldsAgainAfterARestartUntilItIsCleared() throws Exception {
        start(true, false);
        sinkA.await(TunnelState.WAITING, TunnelReason.MANAGEMENT_HOLD, 5000);
        a.releaseHold();
        sinkA.await(TunnelState.UP, null, 5000);
        a.requestRestart(false);
        sinkA.await(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, 5000);
        sinkA.await(TunnelState.WAITING, TunnelReason.MANAGEMENT_HOLD, 5000);
        a.holdFlag(false);
        sinkA.await(TunnelState.UP, null, 5000);
        a.requestRestart(false);
        sinkA.await(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, 5000);
        sinkA.await(TunnelState.UP, null, 5000);
        long holds = sinkA.historyCopy().stream().filter(h -> h.endsWith("/MANAGEMENT_HOLD")).count();
        assertEquals(2, holds, sinkA.historyCopy().toString());
    }

    @Test
    void aReleaseGivenBeforeTheHoldLetsItPassAtOnce() throws Exception {
        start(true, true);
        sinkA.await(TunnelState.UP, null, 5000);
        assertFalse(sinkA.historyCopy().contains("WAITING/MANAGEMENT_HOLD"), sinkA.historyCopy().toString());
    }

    @Test
    void softRestartKeepsThePersistedDeviceAndCountsARestart() throws Exception {
        start(false, false);
        sinkA.await(TunnelState.UP, null, 5000);
        awaitPeerUp();
        int devices = driver.openDeviceCount();
        long restartsBefore = countersA.snapshot().restarts();
        assertTraffic();
        // The loop counts a write after the send returns, so the peer may see the packet first.
        MemoryRunners.awaitTrue(() -> countersA.snapshot().linkWriteBytes() > 0, () -> countersA.snapshot().toString());
        long linkWriteBefore = countersA.snapshot().linkWriteBytes();
        a.requestRestart(false);
        sinkA.await(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, 5000);
        sinkA.await(TunnelState.UP, null, 5000);
        assertEquals(devices, driver.openDeviceCount());
        assertEquals(restartsBefore + 1, countersA.snapshot().restarts(), sinkA.historyCopy().toString());
        assertTrue(countersA.snapshot().linkWriteBytes() >= linkWriteBefore, "the counters go on across the restart, as OpenVPN's");
        assertEquals(0, reloads.get(), "SIGUSR1 does not re-read the configuration");
        assertTraffic();
    }

    @Test
    void hardRestartReReadsTheConfiguration() throws Exception {
        start(false, false);
        sinkA.await(TunnelState.UP, null, 5000);
        a.requestRestart(true);
        sinkA.await(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, 5000);
        sinkA.await(TunnelState.UP, null, 5000);
        assertEquals(1, reloads.get());
        assertTraffic();
    }

    @Test
    void aHardRestartIntoABadConfigurationFailsTheTunnelWithTheReason() throws Exception {
        start(false, false);
        sinkA.await(TunnelState.UP, null, 5000);
        awaitPeerUp();
        reloadFails = true;
        a.requestRestart(true);
        sinkA.await(TunnelState.FAILED, TunnelReason.CONFIG_ERROR, 5000);
        assertTrue(sinkA.detail().contains("--cipher"), sinkA.detail());
        a.stop(TunnelReason.USER_STOP);
        assertFalse(a.isAlive());
        assertEquals(1, driver.openDeviceCount(), "only B's device is left open");
    }

    @Test
    void requestStopReturnsAtOnceAndStops() throws Exception {
        start(true, false);
        sinkA.await(TunnelState.WAITING, TunnelReason.MANAGEMENT_HOLD, 5000);
        a.requestStop(TunnelReason.USER_STOP);
        sinkA.await(TunnelState.STOPPED, TunnelReason.USER_STOP, 5000);
    }

    @Test
    void theConnectionIsPublishedWhenUpAndClearedOnRestart() throws Exception {
        start(false, false);
        sinkA.await(TunnelState.UP, null, 5000);
        org.culvert.api.tunnel.TunnelConnection c = sinkA.connection;
        assertNotNull(c.lastHandshake());
        assertNotNull(c.linkLocal());
        assertEquals("static-key", c.role());
        a.stop(TunnelReason.USER_STOP);
        assertNull(sinkA.connection.linkLocal());
    }
}
