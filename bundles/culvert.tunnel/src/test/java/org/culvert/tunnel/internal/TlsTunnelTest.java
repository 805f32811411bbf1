package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.tls.TestPki;
import org.culvert.testkit.MemoryEventBackend;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryTunDriver;
import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TLS point-to-point tunnels through the core, over the in-memory plugins. */
class TlsTunnelTest {
    private static final AtomicInteger SEQ = new AtomicInteger(500);
    private static final TestPki.Identity SERVER = TestPki.selfSigned("culvert-server");
    private static final TestPki.Identity CLIENT = TestPki.selfSigned("culvert-client");
    private static final TestPki.Identity STRANGER = TestPki.selfSigned("someone-else");
    private final int id = SEQ.incrementAndGet();
    private final MemoryTunDriver driver = new MemoryTunDriver();
    private final MemoryLinkTransport transport = new MemoryLinkTransport();
    private final MemoryEventBackend backend = new MemoryEventBackend();
    private TunnelRunner a;
    private TunnelRunner b;

    @AfterEach
    void tearDown() {
        if (a != null) {
            a.stop(TunnelReason.USER_STOP);
        }
        if (b != null) {
            b.stop(TunnelReason.USER_STOP);
        }
    }

    private String config(String me, String peer, boolean server, TestPki.Identity mine, String peerFingerprint) {
        return "dev mem" + me + id + "\ndev-type tun\nproto udp\nlocal " + me + id + "\nlport 1194\nremote " + peer + id + "\nrport 1194\n"
                + (server ? "tls-server\ndh none\n" : "tls-client\n") + "data-ciphers AES-256-GCM\n"
                + "<cert>\n" + mine.certPem() + "</cert>\n<key>\n" + mine.keyPem() + "</key>\n"
                + "peer-fingerprint " + peerFingerprint + "\n";
    }

    private TunnelRunner runner(String name, String config, RecordingSink sink) throws Exception {
        TunnelPlan plan = PlanBuilder.build(ConfigParser.parse(config, name + ".conf", null), null);
        TunnelRunner[] h = new TunnelRunner[1];
        PluginCatalog c = new PluginCatalog(() -> {
            if (h[0] != null) {
                h[0].pluginAdded();
            }
        }, s -> {
            if (h[0] != null) {
                h[0].pluginRemoved(s);
            }
        });
        c.addDriver(driver, TunnelRunnerTest.props(PluginProperties.KIND_TUN_DRIVER, "memory", PluginProperties.TUN_LAYERS, "tun"));
        c.addBackend(backend, TunnelRunnerTest.props(PluginProperties.KIND_EVENT_BACKEND, "memory", null, null));
        c.addTransport(transport, TunnelRunnerTest.props(PluginProperties.KIND_LINK_TRANSPORT, "memory", PluginProperties.LINK_PROTOCOLS, "udp"));
        TunnelRunner r = new TunnelRunner(name, plan, c, "Linux", null, null, null, sink, new Counters(), LoopClock.SYSTEM);
        h[0] = r;
        return r;
    }

    @Test
    void aPeerFingerprintTunnelComesUpOnlyWhenKeyedAndCarriesTraffic() throws Exception {
        RecordingSink sinkA = new RecordingSink();
        RecordingSink sinkB = new RecordingSink();
        a = runner("a" + id, config("a", "b", true, SERVER, CLIENT.fingerprint()), sinkA);
        b = runner("b" + id, config("b", "a", false, CLIENT, SERVER.fingerprint()), sinkB);
        a.start();
        b.start();
        sinkA.await(TunnelState.UP, null, 15000);
        sinkB.await(TunnelState.UP, null, 15000);
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("mema" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.awaitOsSide("memb" + id, 5000);
        Inet4Address ipA = (Inet4Address) InetAddress.getByName("10.0.0.1");
        Inet4Address ipB = (Inet4Address) InetAddress.getByName("10.0.0.2");
        for (int i = 0; i < 200; i++) {
            byte[] p = Packets.ipv4Udp(ipA, 1, ipB, 2, ("tls " + i).getBytes());
            assertTrue(osA.inject(p));
            assertArrayEquals(p, osB.take(5000));
            byte[] q = Packets.ipv4Udp(ipB, 2, ipA, 1, ("back " + i).getBytes());
            assertTrue(osB.inject(q));
            assertArrayEquals(q, osA.take(5000));
        }
    }

    @Test
    void aWrongPeerFingerprintFailsTheHandshakeWithItsReasonAndCarriesNothing() throws Exception {
        RecordingSink sinkA = new RecordingSink();
        RecordingSink sinkB = new RecordingSink();
        a = runner("a" + id, config("a", "b", true, SERVER, CLIENT.fingerprint()), sinkA);
        b = runner("b" + id, config("b", "a", false, CLIENT, STRANGER.fingerprint()), sinkB);
        a.start();
        b.start();
        sinkB.await(TunnelState.RECONNECTING, TunnelReason.HANDSHAKE_FAILED, 15000);
        assertTrue(sinkB.detail().contains("FINGERPRINT_MISMATCH"), sinkB.detail());
        assertTrue(!sinkB.history.contains("UP/NONE") && !sinkA.history.contains("UP/NONE"), sinkA.history + " " + sinkB.history);
        MemoryTunOsSide osA = MemoryTunHub.awaitOsSide("mema" + id, 5000);
        MemoryTunOsSide osB = MemoryTunHub.osSide("memb" + id);
        osA.inject(Packets.ipv4Udp((Inet4Address) InetAddress.getByName("10.0.0.1"), 1, (Inet4Address) InetAddress.getByName("10.0.0.2"), 2,
                "nothing".getBytes()));
        if (osB != null) {
            assertNull(osB.take(300));
        }
    }
}
