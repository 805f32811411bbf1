package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Collectors;

import org.culvert.testkit.Packets;
import org.junit.jupiter.api.Test;

/** The server's routing table and OpenVPN's address extraction. */
class MrouteTableTest {
    private final MrouteTable<String> table = new MrouteTable<>();

    private static Mroute.Addr addr(String text) {
        Mroute.Addr a = new Mroute.Addr();
        assertTrue(Mroute.parse(text, a), text);
        return a;
    }

    private List<String> routes() {
        return table.routes().stream().map(r -> r.address() + "=" + r.owner()).sorted().collect(Collectors.toList());
    }

    @Test
    void hostsThenIroutesLongestFirstAndHitsAreCachedAsHostRoutes() {
        table.addHost(addr("10.8.0.6"), "a", 0);
        table.addHost(addr("10.8.0.10"), "b", 0);
        table.addIroute(addr("192.168.0.0"), 16, "a", 0);
        table.addIroute(addr("192.168.7.0"), 24, "b", 0);
        assertEquals("a", table.lookup(addr("10.8.0.6"), 1));
        assertEquals("b", table.lookup(addr("10.8.0.10"), 1));
        assertNull(table.lookup(addr("10.8.0.7"), 1), "no route to an address nobody has");
        assertEquals("b", table.lookup(addr("192.168.7.9"), 1), "the /24 wins over the /16");
        assertEquals("a", table.lookup(addr("192.168.8.9"), 1));
        assertTrue(routes().contains("192.168.7.9C=b") && routes().contains("192.168.8.9C=a"), routes().toString());
        assertTrue(routes().contains("192.168.0.0/16=a") && routes().contains("192.168.7.0/24=b"), routes().toString());
    }

    @Test
    void cachedRoutesExpireSixtySecondsAfterTheirLastUseButOwnRoutesStay() {
        table.addHost(addr("10.8.0.6"), "a", 0);
        table.addIroute(addr("172.16.0.0"), 12, "a", 0);
        table.lookup(addr("172.16.1.1"), 1000);
        table.lookup(addr("172.16.1.1"), 50_000); // used again: the minute starts over
        assertEquals(0, table.reap(100_000));
        assertEquals(1, table.reap(110_000));
        assertFalse(routes().contains("172.16.1.1C=a"), routes().toString());
        assertEquals(List.of("10.8.0.6=a", "172.16.0.0/12=a"), routes());
    }

    @Test
    void aNewIrouteFlushesCachedRoutesThatMightNowLeadElsewhere() {
        table.addIroute(addr("10.0.0.0"), 8, "a", 0);
        assertEquals("a", table.lookup(addr("10.1.2.3"), 0));
        table.addIroute(addr("10.1.0.0"), 16, "b", 0);
        assertEquals("b", table.lookup(addr("10.1.2.3"), 0));
    }

    @Test
    void closingAClientRemovesItsAddressesIroutesAndCachedRoutesOnly() {
        table.addHost(addr("10.8.0.6"), "a", 0);
        table.addHost(addr("fd00::1000"), "a", 0);
        table.addIroute(addr("192.168.0.0"), 24, "a", 0);
        table.addHost(addr("10.8.0.10"), "b", 0);
        table.lookup(addr("192.168.0.5"), 0);
        table.removeOwner("a");
        assertEquals(List.of("10.8.0.10=b"), routes());
        assertNull(table.lookup(addr("192.168.0.5"), 0));
        assertNull(table.lookup(addr("fd00::1000"), 0));
    }

    @Test
    void ipv6PrefixesAndHosts() {
        table.addHost(addr("fd00::1001"), "a", 0);
        table.addIroute(addr("fd00:1:2::"), 48, "b", 0);
        table.addIroute(addr("fd00:1:2:3:4::"), 80, "c", 0);
        assertEquals("a", table.lookup(addr("fd00::1001"), 0));
        assertEquals("b", table.lookup(addr("fd00:1:2:ffff::1"), 0));
        assertEquals("c", table.lookup(addr("fd00:1:2:3:4:5::9"), 0));
        assertNull(table.lookup(addr("fd00:1:3::1"), 0));
        assertNull(table.lookup(addr("10.0.0.1"), 0), "an IPv4 address is not in an IPv6 prefix");
    }

    @Test
    void manyClientsGrowTheTableWithoutLosingOne() {
        String[] clients = new String[5000]; // owners are told apart by identity, as instances are
        for (int i = 0; i < 5000; i++) {
            clients[i] = "c" + i;
            table.addHost(addr("10.8." + (i >> 8) + "." + (i & 0xFF)), clients[i], 0);
        }
        for (int i = 0; i < 5000; i += 7) {
            table.removeOwner(clients[i]);
        }
        for (int i = 0; i < 5000; i++) {
            String owner = table.lookup(addr("10.8." + (i >> 8) + "." + (i & 0xFF)), 0);
            assertSame(i % 7 == 0 ? null : clients[i], owner);
        }
        assertEquals(5000 - 715, table.size());
    }

    @Test
    void tapLearnsMacsTakesThemFromOtherOwnersAndBoundsThemPerClient() {
        Mroute.Addr mac = new Mroute.Addr();
        mac.set(Mroute.ETHER, 0, 0x0200_0000_0001L);
        assertTrue(table.learn(mac, "a", 0));
        assertEquals("a", table.lookup(mac, 0));
        assertTrue(table.learn(mac, "b", 0), "a MAC moves to the client it is seen from");
        assertEquals("b", table.lookup(mac, 0));
        for (int i = 0; i < MrouteTable.MAX_LEARNED_PER_CLIENT - 1; i++) {
            mac.set(Mroute.ETHER, 0, 0x0200_0001_0000L + i);
            assertTrue(table.learn(mac, "b", 0));
        }
        mac.set(Mroute.ETHER, 0, 0x0200_0002_0000L);
        assertFalse(table.learn(mac, "b", 0), "the 257th address of one client is refused");
        assertTrue(table.learn(mac, "a", 0), "a's one address moved to b, so a has room");
    }

    @Test
    void extractReadsIpv4Ipv6AndEthernetAndFlagsBroadcastAndMulticast() throws Exception {
        Mroute.Addr src = new Mroute.Addr();
        Mroute.Addr dst = new Mroute.Addr();
        Inet4Address a = (Inet4Address) InetAddress.getByName("10.8.0.6");
        byte[] p = Packets.ipv4Udp(a, 1, (Inet4Address) InetAddress.getByName("10.8.0.10"), 2, new byte[3]);
        assertEquals(Mroute.SUCCEEDED, Mroute.extract(ByteBuffer.wrap(p), false, src, dst));
        assertEquals("10.8.0.6", src.toString());
        assertEquals("10.8.0.10", dst.toString());
        p = Packets.ipv4Udp(a, 1, (Inet4Address) InetAddress.getByName("255.255.255.255"), 2, new byte[3]);
        assertEquals(Mroute.SUCCEEDED | Mroute.BCAST, Mroute.extract(ByteBuffer.wrap(p), false, src, dst));
        p = Packets.ipv4Udp(a, 1, (Inet4Address) InetAddress.getByName("239.1.2.3"), 2, new byte[3]);
        assertEquals(Mroute.SUCCEEDED | Mroute.MCAST, Mroute.extract(ByteBuffer.wrap(p), false, src, dst));
        p = Packets.ipv6Udp((Inet6Address) InetAddress.getByName("fd00::1001"), 1, (Inet6Address) InetAddress.getByName("ff02::1"), 2,
                new byte[3]);
        assertEquals(Mroute.SUCCEEDED | Mroute.MCAST, Mroute.extract(ByteBuffer.wrap(p), false, src, dst));
        assertEquals("fd00:0:0:0:0:0:0:1001", src.toString());
        byte[] frame = new byte[60];
        for (int i = 0; i < 6; i++) {
            frame[i] = (byte) 0xFF;
        }
        frame[6] = 2;
        frame[11] = 7;
        assertEquals(Mroute.SUCCEEDED | Mroute.BCAST, Mroute.extract(ByteBuffer.wrap(frame), true, src, dst));
        assertEquals("02:00:00:00:00:07", src.toString());
    }

    @Test
    void extractRefusesShortAndUnknownPackets() {
        Mroute.Addr src = new Mroute.Addr();
        Mroute.Addr dst = new Mroute.Addr();
        assertEquals(0, Mroute.extract(ByteBuffer.allocate(0), false, src, dst));
        assertEquals(0, Mroute.extract(ByteBuffer.wrap(new byte[19]).put(0, (byte) 0x45), false, src, dst), "IPv4 shorter than its header");
        assertEquals(0, Mroute.extract(ByteBuffer.wrap(new byte[39]).put(0, (byte) 0x60), false, src, dst), "IPv6 shorter than its header");
        assertEquals(0, Mroute.extract(ByteBuffer.wrap(new byte[40]).put(0, (byte) 0x50), false, src, dst), "version 5");
        assertEquals(0, Mroute.extract(ByteBuffer.wrap(new byte[13]), true, src, dst), "a frame shorter than its header");
    }

    @Test
    void peerIdTableFindsRemovesAndKeepsProbeChainsWhole() {
        PeerIdTable<String> ids = new PeerIdTable<>();
        String[] p = new String[1000];
        for (int i = 0; i < 1000; i++) {
            p[i] = "p" + i;
            assertSame(p[i], ids.putIfAbsent(i * 64, p[i]), "ids that share a home slot");
        }
        assertEquals("p3", ids.putIfAbsent(3 * 64, "other"), "a taken id stays with its holder");
        ids.remove(5 * 64, "not the holder");
        assertEquals("p5", ids.get(5 * 64));
        for (int i = 0; i < 1000; i += 2) {
            ids.remove(i * 64, p[i]);
        }
        for (int i = 0; i < 1000; i++) {
            assertSame(i % 2 == 0 ? null : p[i], ids.get(i * 64));
        }
        assertSame(null, ids.get(0xFFFFFF));
    }

    @Test
    void staleRoutesCheckRemovesLearnedRoutesUnusedForTheAgeingTimeOnly() {
        table.addHost(addr("10.8.0.6"), "a", 0);
        table.addIroute(addr("192.168.1.0"), 24, "a", 0);
        table.addIroute(addr("192.168.2.0"), 24, "a", 0);
        table.lookup(addr("192.168.1.9"), 20_000); // the /24 used at 20 s (and 192.168.1.9 cached)
        assertEquals(0, table.removeStale(29_999, 30_000), "nothing is 30 s old yet");
        assertEquals(1, table.removeStale(30_000, 30_000), "the unused iroute goes at its ageing time");
        assertNull(table.lookup(addr("192.168.2.1"), 30_000), "no route to the stale iroute's net any more");
        assertEquals(List.of("10.8.0.6=a", "192.168.1.0/24=a", "192.168.1.9C=a"), routes());
        assertEquals(2, table.removeStale(50_000, 30_000), "the used iroute and its cached host route, 30 s after their use");
        assertEquals(List.of("10.8.0.6=a"), routes(), "the client's own address stays");
        assertEquals("a", table.lookup(addr("10.8.0.6"), 50_000));
    }

    @Test
    void staleLearnedMacsGoAndGiveTheirClientRoomAgain() {
        Mroute.Addr mac = new Mroute.Addr();
        for (int i = 0; i < MrouteTable.MAX_LEARNED_PER_CLIENT; i++) {
            mac.set(Mroute.ETHER, 0, 0x0200_0001_0000L + i);
            assertTrue(table.learn(mac, "a", 0));
        }
        mac.set(Mroute.ETHER, 0, 0x0200_0001_0000L);
        table.learn(mac, "a", 10_000); // seen again: fresh
        mac.set(Mroute.ETHER, 0, 0x0200_0002_0000L);
        assertFalse(table.learn(mac, "a", 10_000), "full");
        assertEquals(MrouteTable.MAX_LEARNED_PER_CLIENT - 1, table.removeStale(10_000, 10_000));
        assertTrue(table.learn(mac, "a", 10_000), "room again after the stale ones went");
        mac.set(Mroute.ETHER, 0, 0x0200_0001_0000L);
        assertEquals("a", table.lookup(mac, 10_000), "the fresh one stayed");
    }
}
