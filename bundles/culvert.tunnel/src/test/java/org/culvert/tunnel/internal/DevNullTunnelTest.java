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

    @Test
    void aTunConfigurationNeverGetsTheNullDriver() throws Exception {
        TunnelRunner a = memory.fromConfig("t" + id, config("memt" + id + "\ndev-type tun", "t", "u", 0), sinkA, countersA, LoopClock.SYSTEM);
        a.start();
        sinkA.await(TunnelState.UP, null, 5000);
        assertEquals("memory", sinkA.driver);
    }
}
