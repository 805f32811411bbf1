package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.testkit.MemoryTunDevice;
import org.culvert.testkit.MemoryTunDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --block-ipv6: the ICMPv6 answer, byte by byte, and what is and is not intercepted. */
class Ipv6BlockerTest {
    private static final byte[] PEER = address("fd00::1");
    private static final byte[] HOST = address("fd00::2");
    private static final byte[] FAR = address("2001:db8::99");

    @TempDir
    Path dir;

    private static byte[] address(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An IPv6 packet from {@code HOST} to {@code FAR} with {@code payload} bytes of UDP-ish payload. */
    private static ByteBuffer ipv6(int payload) {
        ByteBuffer b = ByteBuffer.allocate(40 + payload);
        b.putInt(0x6012_3456).putShort((short) payload).put((byte) 17).put((byte) 64).put(HOST).put(FAR);
        for (int i = 0; i < payload; i++) {
            b.put((byte) i);
        }
        return b.flip();
    }

    @Test
    void theAnswerIsAnIcmpv6NoRouteFromThePeerBackToTheSender() {
        ByteBuffer in = ipv6(100);
        ByteBuffer out = ByteBuffer.allocate(1280);
        assertTrue(Ipv6Blocker.unreachable(in, out, PEER, 1500));
        assertEquals(40 + 8 + 140, out.remaining(), "the whole packet fits");
        assertEquals(0x6012_3456, out.getInt(0), "version, traffic class, flow label kept");
        assertEquals(8 + 140, out.getShort(4));
        assertEquals(58, out.get(6), "next header ICMPv6");
        assertEquals(64, out.get(7), "hop limit kept");
        assertArrayEquals(PEER, Arrays.copyOfRange(out.array(), 8, 24));
        assertArrayEquals(HOST, Arrays.copyOfRange(out.array(), 24, 40));
        assertEquals(1, out.get(40), "destination unreachable");
        assertEquals(0, out.get(41), "no route to destination");
        assertEquals(0, out.getInt(44));
        assertArrayEquals(Arrays.copyOf(in.array(), 140), Arrays.copyOfRange(out.array(), 48, 188), "the packet quoted");
        // A valid checksum sums, with itself, to zero.
        assertEquals(0, Ipv6Blocker.checksum(out, 8, 40, 8 + 140));
        assertEquals(0, in.position(), "the packet itself is untouched");
    }

    @Test
    void theAnswerNeverExceeds1280BytesNorTheTunMtu() {
        ByteBuffer out = ByteBuffer.allocate(1280);
        assertTrue(Ipv6Blocker.unreachable(ipv6(1400), out, PEER, 1500));
        assertEquals(1280, out.remaining());
        assertEquals(0, Ipv6Blocker.checksum(out, 8, 40, 1240));
        ByteBuffer small = ByteBuffer.allocate(1280);
        assertTrue(Ipv6Blocker.unreachable(ipv6(1400), small, PEER, 600));
        assertEquals(600, small.remaining());
        ByteBuffer odd = ByteBuffer.allocate(1280);
        assertTrue(Ipv6Blocker.unreachable(ipv6(1), odd, PEER, 1500));
        assertEquals(0, Ipv6Blocker.checksum(odd, 8, 40, 8 + 41), "odd length");
    }

    @Test
    void badAndForeignPacketsAreNotAnswered() throws Exception {
        assertFalse(Ipv6Blocker.unreachable(ByteBuffer.wrap(new byte[] {0x60, 0, 0}), ByteBuffer.allocate(1280), PEER, 1500),
                "shorter than an IPv6 header");
        MemoryTunDevice tun = new MemoryTunDriver().open(TunSpec.builder(TunLayer.TUN).name("t0").build());
        Counters counters = new Counters();
        Ipv6Blocker blocker = new Ipv6Blocker(tun, counters, PEER, 1500);
        ByteBuffer ipv4 = ByteBuffer.wrap(new byte[] {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
        assertFalse(blocker.intercept(ipv4), "IPv4 goes on");
        assertFalse(blocker.intercept(ByteBuffer.allocate(0)), "empty");
        assertTrue(blocker.intercept(ByteBuffer.wrap(new byte[] {0x60, 0, 0})), "a truncated IPv6 packet is blocked, unanswered");
        assertNull(tun.osSide().poll());
        assertTrue(blocker.intercept(ipv6(10)));
        byte[] answer = tun.osSide().poll();
        assertEquals(40 + 8 + 50, answer.length);
        assertEquals(1, answer[40]);
        assertEquals(98, counters.snapshot().tunWriteBytes());
        tun.close();
    }

    @Test
    void theSourceIsTheIpv6PeerOrFe807AndTapIsRefused() throws Exception {
        Files.writeString(dir.resolve("static.key"), PlanBuilderTest.KEY);
        String base = "secret static.key\ncipher AES-256-CBC\nblock-ipv6\n";
        assertArrayEquals(PEER, plan("dev tun\n" + base + "ifconfig-ipv6 fd00::2/64 fd00::1\n").blockIpv6Source);
        assertArrayEquals(Ipv6Blocker.FALLBACK_SOURCE, plan("dev tun\n" + base).blockIpv6Source);
        assertNull(plan("dev tun\nsecret static.key\ncipher AES-256-CBC\n").blockIpv6Source);
        PlanBuilder.PlanException e = assertThrows(PlanBuilder.PlanException.class, () -> plan("dev tap\n" + base));
        assertTrue(e.getMessage().contains("--block-ipv6 with --dev tap"), e.getMessage());
    }

    private TunnelPlan plan(String config) throws PlanBuilder.PlanException {
        return PlanBuilder.fromConfiguration("t", Map.of(TunnelManager.PROP_NAME, "t", TunnelManager.PROP_CONFIG, config,
                "configSource", dir.resolve("p2p.conf").toString()));
    }
}
