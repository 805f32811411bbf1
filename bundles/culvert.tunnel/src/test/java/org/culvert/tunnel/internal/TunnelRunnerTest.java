package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
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

/**
 * The core without OSGi and without root: two runners over the test kit's in-memory driver, link
 * and backend, as wireguard-go's TestTwoDevicePing does.
 */
class TunnelRunnerTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private final int id = SEQ.incrementAndGet();
    private final MemoryTunDriver driver = new MemoryTunDriver();
    private final MemoryLinkTransport transport = new MemoryLinkTransport();
    private final MemoryEventBackend backend = new MemoryEventBackend();
    private final RecordingSink sinkA = new RecordingSink();
    private final RecordingSink sinkB = new RecordingSink();
    private PluginCatalog catalogA;
    private PluginCatalog catalogB;
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

    static Map<String, Object> props(String kind, String name, String extraKey, String extraValue) {
        Map<String, Object> p = new HashMap<>();
        p.put(PluginProperties.KIND, kind);
        p.put(PluginProperties.NAME, name);
        p.put(PluginProperties.OS, new String[] { PluginProperties.OS_ANY });
        p.put(PluginProperties.HANDLE_KINDS, new String[] { "SIGNAL" });
        if (extraKey != null) {
            p.put(extraKey, extraValue.split(","));
        }
        return p;
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
        return c;
    }

    private void fill(PluginCatalog c, boolean withDriver) {
        if (withDriver) {
            c.addDriver(driver, props(PluginProperties.KIND_TUN_DRIVER, "memory", PluginProperties.TUN_LAYERS, "tun,tap"));
        }
        c.addBackend(backend, props(PluginProperties.KIND_EVENT_BACKEND, "memory", null, null));
        c.addTransport(transport, props(PluginProperties.KIND_LINK_TRANSPORT, "memory", PluginProperties.LINK_PROTOCOLS, "udp,tcp-client,tcp-server"));
    }

    private TunnelPlan plan(String me, String peer, boolean persist) {
        TunSpec tun = TunSpec.builder(TunLayer.TUN).name("mem" + me + id).persist(persist).build();
        LinkSpec link = LinkSpec.builder(LinkProtocol.UDP).local(me + id, 1194).remote(peer + id, 1194).build();
        return new TunnelPlan(tun, link, false, 1600, clock -> new PassthroughSession().peer(), "test");
    }

    private void startBoth(boolean persist) {
        TunnelRunner[] ha = new TunnelRunner[1];
        TunnelRunner[] hb = new TunnelRunner[1];
        catalogA = catalog(ha);
        catalogB = catalog(hb);
        fill(catalogA, true);
        fill(catalogB, true);
        a = new TunnelRunner("a" + id, plan("a", "b", persist), catalogA, "Linux", null, null, null, sinkA, new Counters(), LoopClock.SYSTEM);
        b = new TunnelRunner("b" + id, plan("b", "a", persist), catalogB, "Linux", null, null, null, sinkB, new Counters(), LoopClock.SYSTEM);
        ha[0] = a;
        hb[0] = b;
        a.start();
        b.start();
    }

    private void assertTraffic(int count) throws Exception {
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("mema" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("memb" + id, 5000);
        assertNotNull(osA);
        assertNotNull(osB);
        Inet4Address ipA = (Inet4Address) InetAddress.getByName("10.0.0.1");
        Inet4Address ipB = (Inet4Address) InetAddress.getByName("10.0.0.2");
        for (int i = 0; i < count; i++) {
            byte[] payload = ("ping " + i).getBytes();
            byte[] packet = Packets.ipv4Udp(ipA, 1000, ipB, 2000, payload);
            assertTrue(osA.inject(packet));
            byte[] got = osB.take(5000);
            assertNotNull(got, "packet " + i + " did not cross a->b");
            assertArrayEquals(packet, got);
            byte[] back = Packets.ipv4Udp(ipB, 2000, ipA, 1000, payload);
            assertTrue(osB.inject(back));
            assertArrayEquals(back, osA.take(5000), "packet " + i + " did not cross b->a");
        }
    }

    @Test
    void twoTunnelsExchangePackets() throws Exception {
        startBoth(false);
        sinkA.await(TunnelState.UP, null, 5000);
        sinkB.await(TunnelState.UP, null, 5000);
        assertTraffic(200);
    }

    @Test
    void losingTheDriverWaitsAndComesBackWhenItReturns() throws Exception {
        startBoth(false);
        sinkA.await(TunnelState.UP, null, 5000);
        sinkB.await(TunnelState.UP, null, 5000);
        assertTraffic(5);
        for (int cycle = 0; cycle < 20; cycle++) {
            catalogA.removeDriver(driver);
            sinkA.await(TunnelState.WAITING, TunnelReason.DRIVER_MISSING, 5000);
            assertTrue(sinkA.detail().contains("tun driver"), sinkA.detail());
            catalogA.addDriver(driver, props(PluginProperties.KIND_TUN_DRIVER, "memory", PluginProperties.TUN_LAYERS, "tun,tap"));
            sinkA.await(TunnelState.UP, null, 5000);
            assertTraffic(3);
        }
        assertEquals(2, driver.openDeviceCount(), "A and B each hold exactly one device: none leaked across 20 swaps");
    }

    /**
     * A backend in use goes while another usable one is bound: the tunnel restarts at once on the
     * other, never WAITING, and the restart names the backend that went (not the driver).
     */
    @Test
    void losingTheBackendInUseRestartsOnAnotherAndSaysWhichWent() throws Exception {
        startBoth(false);
        sinkA.await(TunnelState.UP, null, 5000);
        sinkB.await(TunnelState.UP, null, 5000);
        Map<String, Object> lower = props(PluginProperties.KIND_EVENT_BACKEND, "memory2", null, null);
        lower.put("service.ranking", -1);
        catalogA.addBackend(new MemoryEventBackend(), lower);
        int before = sinkA.statusesCopy().size();
        catalogA.removeBackend(backend);
        sinkA.await(TunnelState.RECONNECTING, TunnelReason.BACKEND_MISSING, 5000);
        sinkA.await(TunnelState.UP, null, 5000);
        assertTraffic(3);
        java.util.List<String> since = sinkA.statusesCopy().subList(before, sinkA.statusesCopy().size());
        assertTrue(since.get(0).equals("RECONNECTING/BACKEND_MISSING: event backend memory went away"), since.toString());
        assertTrue(since.stream().noneMatch(st -> st.startsWith("WAITING/")), since.toString());
    }

    @Test
    void aBackendThatCannotWaitOnTheHandlesIsNotChosen() throws Exception {
        TunnelRunner[] h = new TunnelRunner[1];
        PluginCatalog c = catalog(h);
        c.addDriver(driver, props(PluginProperties.KIND_TUN_DRIVER, "memory", PluginProperties.TUN_LAYERS, "tun"));
        c.addTransport(transport, props(PluginProperties.KIND_LINK_TRANSPORT, "memory", PluginProperties.LINK_PROTOCOLS, "udp"));
        Map<String, Object> fdOnly = props(PluginProperties.KIND_EVENT_BACKEND, "fd-only", null, null);
        fdOnly.put(PluginProperties.HANDLE_KINDS, new String[] { "POSIX_FD" });
        EventBackend fdBackend = new EventBackend() {
            @Override
            public java.util.Set<org.culvert.api.event.HandleKind> handleKinds() {
                return java.util.EnumSet.of(org.culvert.api.event.HandleKind.POSIX_FD);
            }

            @Override
            public org.culvert.api.event.EventSet open(int maxEvents) {
                throw new AssertionError("must not be chosen");
            }
        };
        c.addBackend(fdBackend, fdOnly);
        a = new TunnelRunner("x" + id, plan("x", "y", false), c, "Linux", null, null, null, sinkA, new Counters(), LoopClock.SYSTEM);
        h[0] = a;
        a.start();
        sinkA.await(TunnelState.WAITING, TunnelReason.NO_COMPATIBLE_BACKEND, 5000);
        assertTrue(sinkA.detail().contains("SIGNAL"), sinkA.detail());
        c.addBackend(backend, props(PluginProperties.KIND_EVENT_BACKEND, "memory", null, null));
        sinkA.await(TunnelState.UP, null, 5000);
    }

    @Test
    void aDriverForAnotherOsIsNotChosen() throws Exception {
        TunnelRunner[] h = new TunnelRunner[1];
        PluginCatalog c = catalog(h);
        fill(c, false);
        Map<String, Object> win = props(PluginProperties.KIND_TUN_DRIVER, "wintun", PluginProperties.TUN_LAYERS, "tun");
        win.put(PluginProperties.OS, new String[] { "win32" });
        c.addDriver(driver, win);
        a = new TunnelRunner("w" + id, plan("w", "v", false), c, "Linux", null, null, null, sinkA, new Counters(), LoopClock.SYSTEM);
        h[0] = a;
        a.start();
        sinkA.await(TunnelState.WAITING, TunnelReason.DRIVER_MISSING, 5000);
        assertTrue(sinkA.detail().contains("not for linux"), sinkA.detail());
    }

    @Test
    void stopReleasesEverythingAndEndsTheThread() throws Exception {
        startBoth(false);
        sinkA.await(TunnelState.UP, null, 5000);
        a.stop(TunnelReason.USER_STOP);
        sinkA.await(TunnelState.STOPPED, TunnelReason.USER_STOP, 5000);
        assertTrue(!a.isAlive());
        a.stop(TunnelReason.USER_STOP); // idempotent
        b.stop(TunnelReason.USER_STOP);
        assertEquals(0, driver.openDeviceCount());
        assertEquals(0, transport.openSocketCount());
    }
}
