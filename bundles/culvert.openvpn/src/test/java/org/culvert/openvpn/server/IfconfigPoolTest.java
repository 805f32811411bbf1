package org.culvert.openvpn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.culvert.openvpn.ManualClock;
import org.culvert.openvpn.config.ServerSettings;
import org.culvert.openvpn.config.ServerSettings.Ipv4Pool;
import org.culvert.openvpn.config.ServerSettings.Ipv6Pool;
import org.culvert.openvpn.config.ServerSettings.PoolType;
import org.junit.jupiter.api.Test;

/** OpenVPN's pool.c allocation rule, releases, reservations and address arithmetic. */
class IfconfigPoolTest {
    private final ManualClock clock = new ManualClock(1_700_000_000L);

    static Inet4Address v4(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }

    static Inet6Address v6(String s) throws Exception {
        return (Inet6Address) InetAddress.getByName(s);
    }

    private IfconfigPool subnet(String start, String end, boolean duplicateCn) throws Exception {
        return new IfconfigPool(Optional.of(new Ipv4Pool(v4(start), v4(end), Optional.of(v4("255.255.255.0")),
                PoolType.INDIVIDUAL)), Optional.empty(), duplicateCn, clock);
    }

    private static String addr(IfconfigPool pool, String cn) {
        return pool.acquire(cn).map(l -> l.remote().orElseThrow().getHostAddress()).orElse("none");
    }

    @Test
    void freshEntriesGoInIndexOrderAndAReturningNameGetsItsOwnBack() throws Exception {
        IfconfigPool pool = subnet("10.8.0.2", "10.8.0.254", false);
        assertEquals(253, pool.size());
        IfconfigPool.Lease alice = pool.acquire("alice").orElseThrow();
        assertEquals(0, alice.handle());
        assertEquals("10.8.0.2", alice.remote().orElseThrow().getHostAddress());
        assertTrue(alice.local().isEmpty(), "a subnet pool gives one address");
        assertEquals("10.8.0.3", addr(pool, "bob"));
        assertEquals("10.8.0.4", addr(pool, "carol"));
        clock.advanceSeconds(10);
        pool.release(0, false);
        clock.advanceSeconds(10);
        pool.release(1, false);
        // Never used (release time 0) beats any released entry: a newcomer does not take alice's address.
        assertEquals("10.8.0.5", addr(pool, "dave"));
        assertEquals("10.8.0.2", addr(pool, "alice"), "the name's previous entry first");
        assertEquals("10.8.0.3", addr(pool, "bob"));
        assertEquals(4, pool.inUse());
    }

    @Test
    void whenThePoolRunsShortTheEntryReleasedLongestAgoIsTaken() throws Exception {
        IfconfigPool pool = subnet("10.8.0.2", "10.8.0.4", false);
        assertEquals("10.8.0.2", addr(pool, "a"));
        assertEquals("10.8.0.3", addr(pool, "b"));
        assertEquals("10.8.0.4", addr(pool, "c"));
        assertEquals("none", addr(pool, "d"), "all in use");
        clock.advanceSeconds(5);
        pool.release(1, false);
        clock.advanceSeconds(5);
        pool.release(0, false);
        assertEquals("10.8.0.3", addr(pool, "d"), "b's entry was released first");
        assertEquals("10.8.0.2", addr(pool, "b"), "b's name went with its entry; a's entry is the only free one");
        pool.release(1, false);
        assertEquals("10.8.0.3", addr(pool, "x"), "only d's old entry is free");
    }

    @Test
    void releasesInTheSameSecondTieAndTheLowestIndexWins() throws Exception {
        IfconfigPool pool = subnet("10.8.0.2", "10.8.0.4", false);
        addr(pool, "a");
        addr(pool, "b");
        addr(pool, "c");
        clock.advanceMillis(1200);
        pool.release(2, false);
        clock.advanceMillis(300);
        pool.release(1, false);
        assertEquals("10.8.0.3", addr(pool, "z"), "released in the same second as c's: the lower index");
    }

    @Test
    void aHardReleaseForgetsTheName() throws Exception {
        IfconfigPool pool = subnet("10.8.0.2", "10.8.0.4", false);
        addr(pool, "a");
        addr(pool, "b");
        clock.advanceSeconds(1);
        pool.release(0, true);
        assertEquals(List.of("b"), pool.entries().stream().map(IfconfigPool.Entry::commonName).toList());
        assertEquals("10.8.0.2", addr(pool, "c"), "hard release counts as never used");
        assertFalse(pool.release(3, false));
        assertFalse(pool.release(-1, true));
    }

    @Test
    void duplicateCnTakesTheFirstFreeEntryAndKeepsNoName() throws Exception {
        IfconfigPool pool = subnet("10.8.0.2", "10.8.0.10", true);
        assertEquals("10.8.0.2", addr(pool, "same"));
        assertEquals("10.8.0.3", addr(pool, "same"));
        assertEquals("10.8.0.4", addr(pool, "other"));
        clock.advanceSeconds(3);
        pool.release(1, false);
        assertEquals("10.8.0.3", addr(pool, "new"), "the first free one, released or not");
        assertTrue(pool.entries().isEmpty(), "no names are kept with --duplicate-cn");
    }

    @Test
    void reservedEntriesGoOnlyToTheirName() throws Exception {
        IfconfigPool pool = subnet("10.8.0.2", "10.8.0.4", false);
        pool.set("alice", 0, true);
        pool.set("bob", 1, false);
        assertEquals("10.8.0.4", addr(pool, "carol"), "alice's is reserved, bob's was stamped when read: never-used comes first");
        assertEquals("10.8.0.3", addr(pool, "dave"), "bob's entry is not reserved");
        assertEquals("none", addr(pool, "erin"), "alice's reserved entry is never given to another name");
        assertEquals("10.8.0.2", addr(pool, "alice"));
    }

    @Test
    void net30HandsOutSlash30Blocks() throws Exception {
        IfconfigPool pool = new IfconfigPool(Optional.of(new Ipv4Pool(v4("10.8.0.4"), v4("10.8.0.251"), Optional.empty(),
                PoolType.NET30)), Optional.empty(), false, clock);
        assertEquals(62, pool.size());
        IfconfigPool.Lease a = pool.acquire("a").orElseThrow();
        assertEquals("10.8.0.5", a.local().orElseThrow().getHostAddress());
        assertEquals("10.8.0.6", a.remote().orElseThrow().getHostAddress());
        IfconfigPool.Lease b = pool.acquire("b").orElseThrow();
        assertEquals("10.8.0.9", b.local().orElseThrow().getHostAddress());
        assertEquals("10.8.0.10", b.remote().orElseThrow().getHostAddress());
        assertEquals("10.8.0.4", pool.entries().get(0).ipv4Base().orElseThrow().getHostAddress(), "the /30 base");
        assertEquals(1, pool.handleOf(v4("10.8.0.8")));
        assertEquals(1, pool.handleOf(v4("10.8.0.10")));
        assertEquals(-1, pool.handleOf(v4("10.8.0.0")));
        assertEquals(-1, pool.handleOf(v4("10.8.1.0")));
    }

    @Test
    void ipv4AndIpv6ShareTheIndex() throws Exception {
        IfconfigPool pool = new IfconfigPool(Optional.of(new Ipv4Pool(v4("10.8.0.2"), v4("10.8.0.254"),
                Optional.of(v4("255.255.255.0")), PoolType.INDIVIDUAL)), Optional.of(new Ipv6Pool(v6("fd00:8::1000"), 64)),
                false, clock);
        assertEquals(253, pool.size(), "the smaller pool sets the size");
        assertTrue(pool.notes().get(0).startsWith("NOTE: IPv4 pool size is 253"), pool.notes().toString());
        pool.acquire("a");
        IfconfigPool.Lease b = pool.acquire("b").orElseThrow();
        assertEquals("10.8.0.3", b.remote().orElseThrow().getHostAddress());
        assertEquals(v6("fd00:8::1001"), b.remoteIpv6().orElseThrow());
        assertEquals(1, pool.handleOf(v6("fd00:8::1001")));
        assertEquals(-1, pool.handleOf(v6("fd00:9::1001")), "another prefix");
        assertEquals(-1, pool.handleOf(v6("fd00:8::fff")), "below the base");
    }

    @Test
    void anIpv6PoolNeverHandsOutTheSubnetRouterAddress() throws Exception {
        IfconfigPool pool = new IfconfigPool(Optional.empty(), Optional.of(new Ipv6Pool(v6("fd00::"), 124)), false, clock);
        assertEquals(15, pool.size(), "::1 to ::f");
        assertEquals(v6("fd00::1"), pool.acquire("a").orElseThrow().remoteIpv6().orElseThrow());
        assertTrue(pool.acquire("b").orElseThrow().remote().isEmpty(), "no IPv4 pool");
        IfconfigPool small = new IfconfigPool(Optional.of(new Ipv4Pool(v4("10.0.0.2"), v4("10.0.0.200"), Optional.empty(),
                PoolType.INDIVIDUAL)), Optional.of(new Ipv6Pool(v6("fd00::2"), 124)), false, clock);
        assertEquals(14, small.size());
        assertTrue(small.notes().get(0).startsWith("WARNING: IPv4 pool size is 199, IPv6 pool size is 14"));
    }

    @Test
    void poolsThatCannotWorkAreRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> subnet("10.8.0.2", "10.8.0.2", false), "one entry");
        assertThrows(IllegalArgumentException.class, () -> subnet("10.8.0.9", "10.8.0.2", false), "start past end");
        assertThrows(IllegalArgumentException.class, () -> subnet("10.0.0.0", "10.1.0.0", false), "past IFCONFIG_POOL_MAX");
        assertThrows(IllegalArgumentException.class, () -> new IfconfigPool(Optional.empty(), Optional.empty(), false, clock));
        assertThrows(IllegalArgumentException.class, () -> new IfconfigPool(Optional.empty(),
                Optional.of(new Ipv6Pool(v6("fd00::f"), 124)), false, clock), "one IPv6 entry");
    }

    @Test
    void dataThreadsMayShareOnePool() throws Exception {
        IfconfigPool pool = subnet("10.8.0.2", "10.8.0.254", false);
        ExecutorService ex = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<Integer>>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                futures.add(ex.submit(() -> {
                    List<Integer> got = new ArrayList<>();
                    for (int i = 0; i < 31; i++) {
                        got.add(pool.acquire("t" + thread + "-" + i).orElseThrow().handle());
                    }
                    return got;
                }));
            }
            Set<Integer> handles = new HashSet<>();
            for (Future<List<Integer>> f : futures) {
                handles.addAll(f.get());
            }
            assertEquals(248, handles.size(), "every client got its own entry");
            assertEquals(248, pool.inUse());
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void theServerSettingsMakeThePool(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        org.culvert.openvpn.config.ConfigFixtures.writeTlsFiles(dir);
        String keys = "dev tun\nca ca.crt\ncert server.crt\nkey server.key\ndh none\n";
        ServerSettings none = org.culvert.openvpn.config.ConfigParser.parse(keys + "mode server\ntls-server\n"
                + "ifconfig 10.8.0.1 10.8.0.2\n", "s.conf", dir).server().orElseThrow();
        assertTrue(IfconfigPool.of(none, clock).isEmpty());
        ServerSettings subnet = org.culvert.openvpn.config.ConfigParser.parse(keys + "topology subnet\n"
                + "server 10.8.0.0 255.255.255.0\n", "s.conf", dir).server().orElseThrow();
        assertEquals(253, IfconfigPool.of(subnet, clock).orElseThrow().size());
    }
}
