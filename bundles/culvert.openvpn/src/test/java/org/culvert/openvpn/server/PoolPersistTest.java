package org.culvert.openvpn.server;

import static org.culvert.openvpn.server.IfconfigPoolTest.v4;
import static org.culvert.openvpn.server.IfconfigPoolTest.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.culvert.openvpn.ManualClock;
import org.culvert.openvpn.config.ServerSettings.Ipv4Pool;
import org.culvert.openvpn.config.ServerSettings.Ipv6Pool;
import org.culvert.openvpn.config.ServerSettings.PoolType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OpenVPN's ifconfig-pool-persist file: reading good and bad lines, reserving, writing and reading back. */
class PoolPersistTest {
    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(1_700_000_000L);

    private IfconfigPool dualStack() throws Exception {
        return new IfconfigPool(Optional.of(new Ipv4Pool(v4("10.8.0.2"), v4("10.8.0.254"), Optional.of(v4("255.255.255.0")),
                PoolType.INDIVIDUAL)), Optional.of(new Ipv6Pool(v6("fd00:8::1000"), 64)), false, clock);
    }

    private IfconfigPool net30() throws Exception {
        return new IfconfigPool(Optional.of(new Ipv4Pool(v4("10.8.0.4"), v4("10.8.0.251"), Optional.empty(), PoolType.NET30)),
                Optional.empty(), false, clock);
    }

    @Test
    void openVpnsFormatIsReadAndTheNamesGetTheirAddresses() throws Exception {
        IfconfigPool pool = dualStack();
        List<String> warnings = PoolPersist.read("# written by OpenVPN\n;comment\n\nalice,10.8.0.5,fd00:8::1003\n"
                + "bob,10.8.0.9,\ncarol,,fd00:8::1010\r\n", "ipp.txt", pool, false);
        assertEquals(List.of(), warnings);
        assertEquals("10.8.0.9", pool.acquire("bob").orElseThrow().remote().orElseThrow().getHostAddress());
        IfconfigPool.Lease alice = pool.acquire("alice").orElseThrow();
        assertEquals("10.8.0.5", alice.remote().orElseThrow().getHostAddress());
        assertEquals(v6("fd00:8::1003"), alice.remoteIpv6().orElseThrow());
        assertEquals(v6("fd00:8::1010"), pool.acquire("carol").orElseThrow().remoteIpv6().orElseThrow(),
                "the IPv6 alone gives the entry");
        assertEquals("10.8.0.2", pool.acquire("dave").orElseThrow().remote().orElseThrow().getHostAddress());
    }

    @Test
    void badLinesAreWarnedAboutWithTheirLineNumberAndSkipped() throws Exception {
        IfconfigPool pool = dualStack();
        String longLine = "x".repeat(300) + ",10.8.0.20,";
        List<String> w = PoolPersist.read(String.join("\n", "nocomma", "a,999.1.1.1,", "b,10.9.0.1,",
                "c,10.8.0.7,zz::zz::", "d,10.8.0.6,fd00:8::1009", longLine, ",10.8.0.30,", "e\u0001x,10.8.0.31,",
                "f,10.8.0.40,fd00:9::1", "g,example.com,", "good,10.8.0.50,"), "ipp.txt", pool, false);
        assertTrue(w.get(0).startsWith("ipp.txt:1: pool: expected CN,IPv4,IPv6"), w.toString());
        assertTrue(w.get(1).startsWith("ipp.txt:2: pool: invalid IPv4 (999.1.1.1) for CN=a"), w.toString());
        assertTrue(w.get(2).startsWith("ipp.txt:3: pool: IPv4 (10.9.0.1) out of pool range for CN=b"), w.toString());
        assertTrue(w.get(3).startsWith("ipp.txt:4: pool: invalid IPv6 (zz::zz::) for CN=c"), w.toString());
        assertTrue(w.get(4).startsWith("ipp.txt:5: pool: IPv4 (10.8.0.6) and IPv6 (fd00:8::1009) have different offsets!"),
                w.toString());
        assertTrue(w.get(5).startsWith("ipp.txt:6: pool: line longer than 255"), w.toString());
        assertTrue(w.get(6).startsWith("ipp.txt:7: pool: bad common name"), w.toString());
        assertTrue(w.get(7).startsWith("ipp.txt:8: pool: bad common name"), w.toString());
        assertTrue(w.get(8).startsWith("ipp.txt:9: pool: IPv6 (fd00:9::1) out of pool range for CN=f"), w.toString());
        assertTrue(w.get(9).startsWith("ipp.txt:10: pool: invalid IPv4 (example.com) for CN=g"), w.toString());
        assertEquals(10, w.size(), w.toString());
        // The usable lines still apply: c by its IPv4, d by its IPv4 (OpenVPN relies on IPv4), f by IPv4, good.
        assertEquals(List.of("d", "c", "f", "good"), pool.entries().stream().map(IfconfigPool.Entry::commonName).toList());
        assertEquals("10.8.0.50", pool.acquire("good").orElseThrow().remote().orElseThrow().getHostAddress());
    }

    @Test
    void aReadOnlyFileReservesItsEntries() throws Exception {
        IfconfigPool pool = new IfconfigPool(Optional.of(new Ipv4Pool(v4("10.8.0.2"), v4("10.8.0.3"), Optional.empty(),
                PoolType.INDIVIDUAL)), Optional.empty(), false, clock);
        assertEquals(List.of(), PoolPersist.read("alice,10.8.0.2,\n", "ipp.txt", pool, true));
        assertEquals("10.8.0.3", pool.acquire("bob").orElseThrow().remote().orElseThrow().getHostAddress());
        assertTrue(pool.acquire("carol").isEmpty(), "alice's entry is hers alone");
        assertEquals("10.8.0.2", pool.acquire("alice").orElseThrow().remote().orElseThrow().getHostAddress());
    }

    @Test
    void writingAndReadingBackGivesTheSameEntries() throws Exception {
        IfconfigPool pool = dualStack();
        pool.acquire("alice");
        pool.acquire("bob");
        pool.acquire("carol");
        clock.advanceSeconds(4);
        pool.release(1, false);
        Path file = dir.resolve("ipp.txt");
        PoolPersist.write(file, pool);
        assertEquals("alice,10.8.0.2,fd00:8::1000\nbob,10.8.0.3,fd00:8::1001\ncarol,10.8.0.4,fd00:8::1002\n",
                Files.readString(file), "released entries keep their name");
        IfconfigPool again = dualStack();
        assertEquals(List.of(), PoolPersist.read(file, again, false));
        assertEquals(pool.entries(), again.entries());
        assertEquals("10.8.0.3", again.acquire("bob").orElseThrow().remote().orElseThrow().getHostAddress());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void net30StoresTheBlockBase() throws Exception {
        IfconfigPool pool = net30();
        pool.acquire("a");
        assertEquals("10.8.0.10", pool.acquire("b").orElseThrow().remote().orElseThrow().getHostAddress());
        assertEquals("a,10.8.0.4,\nb,10.8.0.8,\n", PoolPersist.format(pool));
        IfconfigPool again = net30();
        assertEquals(List.of(), PoolPersist.read(PoolPersist.format(pool), "ipp.txt", again, false));
        IfconfigPool.Lease b = again.acquire("b").orElseThrow();
        assertEquals("10.8.0.9", b.local().orElseThrow().getHostAddress());
        assertEquals("10.8.0.10", b.remote().orElseThrow().getHostAddress());
    }

    @Test
    void aMissingFileIsAFirstStart() throws Exception {
        IfconfigPool pool = dualStack();
        assertEquals(List.of(), PoolPersist.read(dir.resolve("none.txt"), pool, false));
        assertTrue(pool.entries().isEmpty());
        assertFalse(Files.exists(dir.resolve("none.txt")));
    }
}
