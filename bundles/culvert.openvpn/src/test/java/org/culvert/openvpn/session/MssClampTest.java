package org.culvert.openvpn.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.culvert.openvpn.DeterministicRandom;
import org.culvert.openvpn.config.DevType;
import org.junit.jupiter.api.Test;

class MssClampTest {
    private final MssClamp tun = new MssClamp(1359, DevType.TUN);

    private static ByteBuffer buffer(byte[] packet, boolean direct) {
        ByteBuffer b = (direct ? ByteBuffer.allocateDirect(packet.length + 20) : ByteBuffer.allocate(packet.length + 20))
                .order(ByteOrder.LITTLE_ENDIAN);
        b.position(7);
        b.put(packet);
        b.limit(7 + packet.length).position(7);
        return b;
    }

    private static byte[] content(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void clampsAnIpv4SynAndKeepsTheChecksumValid() {
        byte[] syn = Packets.ipv4(Packets.tcp(0x02, Packets.synOptions(1460), 0));
        assertTrue(Packets.tcpChecksumValid(syn, 0));
        for (boolean direct : new boolean[] {false, true}) {
            ByteBuffer b = buffer(syn, direct);
            assertTrue(tun.clamp(b));
            assertEquals(7, b.position(), "position and limit stay");
            byte[] out = content(b);
            assertEquals(1359, Packets.mss(out, 0));
            assertTrue(Packets.tcpChecksumValid(out, 0));
        }
    }

    @Test
    void clampsSynAckAndIpv6SynsTo20Less() {
        byte[] synAck = Packets.ipv4(Packets.tcp(0x12, Packets.synOptions(8960), 0));
        ByteBuffer b = buffer(synAck, false);
        assertTrue(tun.clamp(b));
        assertEquals(1359, Packets.mss(content(b), 0));
        byte[] syn6 = Packets.ipv6(Packets.tcp(0x02, Packets.synOptions(1440), 0));
        ByteBuffer b6 = buffer(syn6, true);
        assertTrue(tun.clamp(b6));
        byte[] out6 = content(b6);
        assertEquals(1339, Packets.mss(out6, 0));
        assertTrue(Packets.tcpChecksumValid(out6, 0));
    }

    @Test
    void leavesEverythingElseAlone() {
        assertUnchanged(tun, Packets.ipv4(Packets.tcp(0x10, Packets.synOptions(1460), 100)), "ACK, not SYN");
        assertUnchanged(tun, Packets.ipv4(Packets.tcp(0x02, Packets.synOptions(1300), 0)), "MSS already small");
        assertUnchanged(tun, Packets.ipv4(Packets.tcp(0x02, Packets.synOptions(1359), 0)), "MSS equal to the limit");
        assertUnchanged(tun, Packets.ipv4(Packets.tcp(0x02, new byte[0], 0)), "SYN without options");
        byte[] fragment = Packets.ipv4(Packets.tcp(0x02, Packets.synOptions(1460), 0));
        fragment[6] = 0x20;
        fragment[7] = 0x01;
        assertUnchanged(tun, fragment, "a non-first fragment");
        byte[] udp = Packets.ipv4(Packets.tcp(0x02, Packets.synOptions(1460), 0));
        udp[9] = 17;
        assertUnchanged(tun, udp, "UDP");
        byte[] lying = Packets.ipv4(Packets.tcp(0x02, Packets.synOptions(1460), 0));
        lying[3]++;
        assertUnchanged(tun, lying, "total length does not match");
        byte[] ext = Packets.ipv6(Packets.tcp(0x02, Packets.synOptions(1460), 0));
        ext[6] = 0;
        assertUnchanged(tun, ext, "IPv6 extension header before TCP");
        assertUnchanged(new MssClamp(1359, DevType.TAP), Packets.ipv4(Packets.tcp(0x02, Packets.synOptions(1460), 0)),
                "a tap device sees frames, not bare IP packets");
    }

    @Test
    void walksOptionsLikeOpenVpn() {
        byte[] options = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 2, 4, 0x05, (byte) 0xb4, 1, 1, 1, 0};
        byte[] syn = Packets.ipv4(Packets.tcp(0x02, options, 0));
        ByteBuffer b = buffer(syn, false);
        assertTrue(tun.clamp(b), "MSS after NOPs and a timestamp");
        assertEquals(1359, Packets.mss(content(b), 0));
        byte[] wrongLength = {2, 3, 0x05, (byte) 0xb4};
        assertUnchanged(tun, Packets.ipv4(Packets.tcp(0x02, wrongLength, 0)), "MSS option of length 3 is skipped");
        byte[] zeroLength = {8, 0, 2, 4, 0x05, (byte) 0xb4, 0, 0};
        assertUnchanged(tun, Packets.ipv4(Packets.tcp(0x02, zeroLength, 0)), "an option of length 0 ends the walk");
        byte[] overlong = {8, 40, 2, 4, 0x05, (byte) 0xb4, 0, 0};
        assertUnchanged(tun, Packets.ipv4(Packets.tcp(0x02, overlong, 0)), "an option longer than the header ends the walk");
        byte[] afterEol = {0, 0, 0, 0, 2, 4, 0x05, (byte) 0xb4};
        assertUnchanged(tun, Packets.ipv4(Packets.tcp(0x02, afterEol, 0)), "nothing after end-of-options");
    }

    @Test
    void tapFramesWithAndWithoutVlanTag() {
        MssClamp tap = new MssClamp(1327, DevType.TAP);
        byte[] ip4 = Packets.ipv4(Packets.tcp(0x02, Packets.synOptions(1460), 0));
        for (boolean vlan : new boolean[] {false, true}) {
            ByteBuffer b = buffer(Packets.ethernet(0x0800, ip4, vlan), false);
            assertTrue(tap.clamp(b), "vlan " + vlan);
            byte[] out = content(b);
            int ip = vlan ? 18 : 14;
            assertEquals(1327, Packets.mss(out, ip));
            assertTrue(Packets.tcpChecksumValid(Arrays.copyOfRange(out, ip, out.length), 0));
        }
        ByteBuffer v6 = buffer(Packets.ethernet(0x86DD, Packets.ipv6(Packets.tcp(0x02, Packets.synOptions(1440), 0)), false), true);
        assertTrue(tap.clamp(v6));
        assertEquals(1307, Packets.mss(content(v6), 14));
        assertUnchanged(tap, Packets.ethernet(0x86DD, ip4, false), "ethertype and IP version disagree");
        assertUnchanged(tap, Packets.ethernet(0x0806, ip4, false), "ARP");
    }

    @Test
    void truncatedAndRandomPacketsNeverThrow() {
        byte[] syn = Packets.ipv4(Packets.tcp(0x02, Packets.synOptions(1460), 0));
        byte[] syn6 = Packets.ipv6(Packets.tcp(0x02, Packets.synOptions(1460), 0));
        MssClamp tap = new MssClamp(1300, DevType.TAP);
        for (byte[] p : new byte[][] {syn, syn6, Packets.ethernet(0x0800, syn, true)}) {
            for (int length = 0; length < p.length; length++) {
                byte[] cut = Arrays.copyOf(p, length);
                tun.clamp(buffer(cut, false));
                tap.clamp(buffer(cut, true));
            }
        }
        DeterministicRandom random = new DeterministicRandom(3);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = (i % 2 == 0 ? syn : syn6).clone();
            byte[] noise = new byte[4];
            random.nextBytes(noise);
            junk[(noise[0] & 0xFF) % junk.length] = noise[1];
            junk[(noise[2] & 0xFF) % junk.length] = noise[3];
            tun.clamp(buffer(junk, i % 3 == 0));
        }
    }

    @Test
    void incrementalChecksumEqualsARecomputedOne() {
        DeterministicRandom random = new DeterministicRandom(9);
        byte[] r = new byte[4];
        for (int i = 0; i < 2000; i++) {
            random.nextBytes(r);
            int mss = 600 + ((r[0] & 0xFF) << 8 | (r[1] & 0xFF)) % 64000;
            int limit = 536 + (r[2] & 0xFF) * 4;
            byte[] syn = Packets.ipv4(Packets.tcp(0x02, Packets.synOptions(mss), r[3] & 0x3F));
            ByteBuffer b = buffer(syn, false);
            boolean changed = new MssClamp(limit, DevType.TUN).clamp(b);
            byte[] out = content(b);
            assertEquals(mss > limit, changed);
            assertEquals(Math.min(mss, limit), Packets.mss(out, 0));
            assertTrue(Packets.tcpChecksumValid(out, 0), "mss " + mss + " limit " + limit);
        }
    }

    /** Found by MssClampFuzz: after one NOP the MSS value sits at an odd offset of the TCP header. */
    @Test
    void anMssAtAnOddOffsetKeepsTheChecksumValid() {
        for (byte[] options : new byte[][] {{1, 2, 4, 0x05, (byte) 0xb4, 0, 0, 0}, {1, 1, 1, 2, 4, (byte) 0xff, (byte) 0xff, 0}}) {
            for (boolean v6 : new boolean[] {false, true}) {
                byte[] tcp = Packets.tcp(0x02, options, 3);
                byte[] syn = v6 ? Packets.ipv6(tcp) : Packets.ipv4(tcp);
                assertTrue(Packets.tcpChecksumValid(syn, 0), "valid before");
                ByteBuffer b = buffer(syn, false);
                assertTrue(tun.clamp(b));
                assertTrue(Packets.tcpChecksumValid(content(b), 0),
                        "checksum after clamping an MSS at an odd offset, IPv" + (v6 ? 6 : 4));
            }
        }
    }

    @Test
    void rejectsImpossibleLimits() {
        assertThrows(IllegalArgumentException.class, () -> new MssClamp(-1, DevType.TUN));
        assertThrows(IllegalArgumentException.class, () -> new MssClamp(70000, DevType.TUN));
    }

    /** RFC 1624 section 4's example: eqn. 3 gives 0x0000 where eqn. 2 would give the wrong 0xFFFF. */
    @Test
    void rfc1624Example() {
        assertEquals(0x0000, MssClamp.adjustChecksum(0xDD2F, 0x5555, 0x3285));
    }

    private static void assertUnchanged(MssClamp clamp, byte[] packet, String why) {
        ByteBuffer b = buffer(packet, false);
        assertFalse(clamp.clamp(b), why);
        assertArrayEquals(packet, content(b), why);
    }
}
