package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.openvpn.tls.TestPki;
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
    private final MemoryRunners memory = new MemoryRunners();
    private TunnelRunner a;
    private TunnelRunner b;

    @AfterEach
    void tearDown() {
        memory.stopAll();
    }

    private String config(String me, String peer, boolean server, TestPki.Identity mine, String peerFingerprint) {
        return config(id, me, peer, server, mine, peerFingerprint);
    }

    /** A p2p TLS configuration on the memory network: {@code me} at host me+id, its peer at peer+id, authenticated by fingerprint. */
    static String config(int id, String me, String peer, boolean server, TestPki.Identity mine, String peerFingerprint) {
        return "dev mem" + me + id + "\ndev-type tun\nproto udp\nlocal " + me + id + "\nlport 1194\nremote " + peer + id + "\nrport 1194\n"
                + (server ? "tls-server\ndh none\n" : "tls-client\n") + "data-ciphers AES-256-GCM\n"
                + "<cert>\n" + mine.certPem() + "</cert>\n<key>\n" + mine.keyPem() + "</key>\n"
                + "peer-fingerprint " + peerFingerprint + "\n";
    }

    private TunnelRunner runner(String name, String config, RecordingSink sink) throws Exception {
        return memory.fromConfig(name, config, sink, new Counters(), LoopClock.SYSTEM);
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
