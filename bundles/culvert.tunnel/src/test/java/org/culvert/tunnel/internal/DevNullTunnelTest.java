package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.tun.TunLayer;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code dev null} in the core: the null driver is chosen for it (and only for it, the memory driver
 * serving tun and tap sits in the same catalog), the loop runs without waiting on a device, and the
 * engine's pings cross the link both ways while nothing reaches a device.
 */
class DevNullTunnelTest {
    private static final AtomicInteger SEQ = new AtomicInteger(300);
    private final int id = SEQ.incrementAndGet();
    private final MemoryRunners memory = new MemoryRunners();
    private final RecordingSink sinkA = new RecordingSink();
    private final RecordingSink sinkB = new RecordingSink();
    private final Counters countersA = new Counters();
    private final Counters countersB = new Counters();

    @AfterEach
    void tearDown() {
        memory.stopAll();
    }

    private String config(String dev, String me, String peer, int direction) {
        return "dev " + dev + "\nproto udp\nlocal " + me + id + "\nlport 1194\nremote " + peer + id + "\nrport 1194\n"
                + "cipher AES-256-CBC\nauth SHA256\nping 1\n<secret>\n" + PlanBuilderTest.KEY + "</secret>\nkey-direction " + direction + "\n";
    }

    @Test
    void planAsksForTheNullLayer() throws Exception {
        TunnelPlan plan = PlanBuilder.build(org.culvert.openvpn.config.ConfigParser.parse(config("null", "a", "b", 0), "n.conf", null), null);
        assertEquals(TunLayer.NULL, plan.tunSpec.layer());
        assertEquals("null", plan.tunSpec.name());
    }

    @Test
    void twoNullTunnelsComeUpOnTheNullDriverAndExchangePings() throws Exception {
        TunnelRunner a = memory.fromConfig("a" + id, config("null", "a", "b", 0), sinkA, countersA, LoopClock.SYSTEM);
        TunnelRunner b = memory.fromConfig("b" + id, config("null", "b", "a", 1), sinkB, countersB, LoopClock.SYSTEM);
        a.start();
        b.start();
        sinkA.await(TunnelState.UP, null, 5000);
        sinkB.await(TunnelState.UP, null, 5000);
        assertEquals("null", sinkA.driver);
        assertEquals("null", sinkB.driver);
        assertEquals("null", sinkA.device);
        assertEquals(0, memory.driver.openDeviceCount(), "the memory driver serves tun and tap, never dev null");
        // ping 1: at least two pings each way reach the other side's engine; none is a tun packet.
        MemoryRunners.awaitTrue(() -> countersA.snapshot().linkReadPackets() >= 2 && countersB.snapshot().linkReadPackets() >= 2,
                () -> "pings did not cross: a " + countersA.snapshot() + ", b " + countersB.snapshot());
        assertEquals(0, countersA.snapshot().tunWritePackets());
        assertEquals(0, countersA.snapshot().tunReadPackets());
        assertEquals(0, countersB.snapshot().totalDrops(), countersB.snapshot().toString());
        a.stop(TunnelReason.USER_STOP);
        sinkA.await(TunnelState.STOPPED, TunnelReason.USER_STOP, 5000);
        assertTrue(!a.isAlive());
    }

    /** TLS over dev null, as OpenVPN's loopback samples run it: each renegotiation is logged once. */
    @Test
    void renegotiationsOverDevNullAreLoggedOneLineEach() throws Exception {
        org.culvert.openvpn.tls.TestPki.Identity server = org.culvert.openvpn.tls.TestPki.selfSigned("null-server");
        org.culvert.openvpn.tls.TestPki.Identity client = org.culvert.openvpn.tls.TestPki.selfSigned("null-client");
        TunnelLog logA = new TunnelLog("la" + id);
        TunnelRunner a = memory.runner("la" + id, tlsPlan("a", "b", true, server, client), sinkA, countersA, LoopClock.SYSTEM, logA);
        TunnelRunner b = memory.fromConfig("lb" + id, tlsConfig("b", "a", false, client, server), sinkB, countersB, LoopClock.SYSTEM);
        a.start();
        b.start();
        sinkA.await(TunnelState.UP, null, 15000);
        assertEquals("null", sinkA.driver);
        // reneg-sec 2: two renegotiations within about 4 s.
        MemoryRunners.awaitTrue(() -> renegotiationLines(logA) >= 2, () -> "log of a: " + logA.recent());
        assertEquals(1, logA.recent().stream().filter(e -> e.message().equals("Initialization Sequence Completed")).count());
        assertTrue(logA.recent().stream().anyMatch(e -> e.message().equals("Data channel keys renegotiated (key generation 2)")),
                logA.recent().toString());
        assertEquals(0, countersA.snapshot().restarts());
    }

    private static long renegotiationLines(TunnelLog log) {
        return log.recent().stream().filter(e -> e.message().startsWith("Data channel keys renegotiated")).count();
    }

    private String tlsConfig(String me, String peer, boolean server, org.culvert.openvpn.tls.TestPki.Identity mine,
            org.culvert.openvpn.tls.TestPki.Identity other) {
        return TlsTunnelTest.config(id, me, peer, server, mine, other.fingerprint()).replace("dev mem" + me + id + "\ndev-type tun\n", "dev null\n")
                + "reneg-sec 2\nping 1\n";
    }

    private TunnelPlan tlsPlan(String me, String peer, boolean server, org.culvert.openvpn.tls.TestPki.Identity mine,
            org.culvert.openvpn.tls.TestPki.Identity other) throws Exception {
        return PlanBuilder.build(org.culvert.openvpn.config.ConfigParser.parse(tlsConfig(me, peer, server, mine, other), "l.conf", null), null);
    }

    @Test
    void aTunConfigurationNeverGetsTheNullDriver() throws Exception {
        TunnelRunner a = memory.fromConfig("t" + id, config("memt" + id + "\ndev-type tun", "t", "u", 0), sinkA, countersA, LoopClock.SYSTEM);
        a.start();
        sinkA.await(TunnelState.UP, null, 5000);
        assertEquals("memory", sinkA.driver);
    }
}
