package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.testkit.MemoryEventBackend;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryNetwork;
import org.culvert.testkit.MemoryTunDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A server-mode tunnel under the same plugin choice and hot-swap rules as a point-to-point one. */
class ServerRunnerTest {
    private final ServerHarness h = new ServerHarness();
    private final MemoryTunDriver driver = new MemoryTunDriver();
    private final MemoryEventBackend backend = new MemoryEventBackend();
    private final MemoryLinkTransport transport = new MemoryLinkTransport();
    private ServerRunner runner;
    private ServerRunner[] holder = new ServerRunner[1];
    private final PluginCatalog catalog = new PluginCatalog(() -> {
        if (holder[0] != null) {
            holder[0].pluginAdded();
        }
    }, s -> {
        if (holder[0] != null) {
            holder[0].pluginRemoved(s);
        }
    });

    @AfterEach
    void tearDown() throws Exception {
        if (runner != null) {
            runner.stop(TunnelReason.USER_STOP);
        }
        h.close();
    }

    private void addTransport() {
        catalog.addTransport(transport, TunnelRunnerTest.props(PluginProperties.KIND_LINK_TRANSPORT, "memory", PluginProperties.LINK_PROTOCOLS, "udp"));
    }

    @Test
    void aLostTransportStopsTheServerIntoWaitingAndItComesBackWithItsClients() throws Exception {
        catalog.addDriver(driver, TunnelRunnerTest.props(PluginProperties.KIND_TUN_DRIVER, "memory", PluginProperties.TUN_LAYERS, "tun,tap"));
        catalog.addBackend(backend, TunnelRunnerTest.props(PluginProperties.KIND_EVENT_BACKEND, "memory", null, null));
        RecordingSink sink = new RecordingSink();
        ServerView view = new ServerView("srv" + h.id, null, List::of, LoopClock.SYSTEM, h.log);
        h.view = view;
        ServerRunner.Setup setup = new ServerRunner.Setup(ServerPlan.defaults().withDataThreads(2),
                TunSpec.builder(TunLayer.TUN).name("memsrv" + h.id).build(), LinkSpec.builder(LinkProtocol.UDP).local("srv" + h.id, 1194).build(),
                h.engines("ping 1\nping-restart 30\n"), h.addressing());
        runner = new ServerRunner("srv" + h.id, setup, catalog, "Linux", null, null, null, sink, view, LoopClock.SYSTEM, h.log);
        holder[0] = runner;
        runner.start();
        sink.await(TunnelState.WAITING, TunnelReason.TRANSPORT_MISSING, 5000);
        addTransport();
        sink.await(TunnelState.UP, TunnelReason.NONE, 5000);
        h.client(1, "ping 1\nping-restart 3\n");
        h.client(2, "ping 1\nping-restart 3\n");
        h.awaitEstablished("client1", "client2");

        catalog.removeTransport(transport); // returns once the server let go of it
        assertFalse(MemoryNetwork.bindings().contains("udp srv" + h.id + ":1194"), "the server's socket is closed: " + MemoryNetwork.bindings());
        sink.await(TunnelState.WAITING, TunnelReason.TRANSPORT_MISSING, 5000);
        assertTrue(view.clients().isEmpty(), "no clients while waiting: " + view.clients());
        assertTrue(h.released.containsAll(List.of("client1", "client2")), "their addresses were released: " + h.released);
        assertEquals(1, driver.closeCount(), "the device was closed with the run");

        addTransport();
        sink.await(TunnelState.UP, TunnelReason.NONE, 5000);
        h.awaitEstablished("client1", "client2");
    }
}
