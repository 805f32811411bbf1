package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.culvert.e2e.PeerConfig.Role;
import org.culvert.e2e.TlsConfigs.Verify;
import org.culvert.e2e.TlsConfigs.Wrap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compression as OpenVPN 2.6 does it: stock OpenVPN in namespace b <em>compresses</em> ({@code
 * allow-compression yes} with {@code compress lz4-v2}, {@code comp-lzo yes} or {@code compress lz4}),
 * the implementation under test in namespace a has the same compression option and the default
 * {@code allow-compression asym}: it decompresses and sends uncompressed. Zero-filled 1400-byte pings
 * from b to a prove both: the bytes b's veth sends are a fraction of the payload (OpenVPN compressed,
 * a decompressed, or no reply would come), the bytes it receives are not (a did not compress). Then a
 * 3-s iperf3 both ways, and Culvert's counters show no BAD_COMPRESSION drop.
 */
@ExtendWith(PeerLogs.class)
class CompressionInteropTest {
    private static final int PINGS = 20;
    private static final int SIZE = 1400;

    record Case(String option, String... args) {
        @Override
        public String toString() {
            return option + " " + String.join(" ", args);
        }
    }

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    static Stream<Case> cases() {
        return Stream.of(new Case("comp-lzo", "yes"), new Case("compress", "lz4-v2"), new Case("compress", "lz4"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void openvpnCompressesCulvertDecompresses(Case c) {
        Path dir = Peer.caseDir("compression-" + c.toString().replace(' ', '-'));
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.FINGERPRINT, Wrap.NONE);
        try (Netns net = Netns.create()) {
            PeerConfig cfgA = TlsConfigs.side(net, net.a(), Role.UDP, false, m, Wrap.NONE, "AES-256-GCM", null, false)
                    .option(c.option(), c.args());
            PeerConfig cfgB = TlsConfigs.side(net, net.b(), Role.UDP, true, m, Wrap.NONE, "AES-256-GCM", null, false)
                    .option(c.option(), c.args()).option("allow-compression", "yes");
            Peer.Pair p = Peer.startPair(net, dir, Role.UDP, E2eEnv.underTest(), cfgA, "a-" + E2eEnv.underTest(), Impl.OPENVPN, cfgB,
                    "b-openvpn");
            Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), p.a(), p.b());

            long tx0 = linkBytes(net, "tx");
            long rx0 = linkBytes(net, "rx");
            Proc.Result ping = net.run(net.b(), Duration.ofSeconds(30), "ping", "-n", "-c", Integer.toString(PINGS), "-i", "0.05", "-p", "00",
                    "-s", Integer.toString(SIZE), "-W", "2", net.tunAddrA());
            Traffic.PingResult r = Traffic.parsePing(ping.output());
            long sent = linkBytes(net, "tx") - tx0;
            long received = linkBytes(net, "rx") - rx0;
            assertEquals(PINGS, r.received(), "zero-filled pings b->a, OpenVPN compressing:\n" + ping.output());
            long payload = (long) PINGS * SIZE;
            assertTrue(sent < payload / 4, "OpenVPN's link sent " + sent + " bytes for " + payload + " payload bytes: not compressed");
            assertTrue(received > payload, "the link brought back " + received + " bytes for " + payload + ": the replies were compressed");

            String pings = Traffic.assertPingsAllSizes(net, net.a(), net.tunAddrB(), PINGS);
            Traffic.IperfResult iperf = Traffic.iperfBidir(net, net.a(), net.tunAddrA(), net.b(), 3, dir);
            Traffic.assertMoved(iperf);
            p.a().assertAlive("after the traffic");
            p.b().assertAlive("after the traffic");
            String exits = p.stop(Duration.ofSeconds(20));
            if (p.a().impl() == Impl.CULVERT) {
                CulvertCounters k = CulvertCounters.parseLast(p.a().logText());
                // NO_KEY: data the server sent before Culvert's keys were in place, not a compression matter.
                assertEquals(0, k.drops("BAD_COMPRESSION"), "Culvert dropped compressed packets: " + k.drops());
            }
            Report.line("compression " + c + " (OpenVPN compressing): " + PINGS + " pings of " + SIZE + " zero bytes b->a sent "
                    + sent + " link bytes, got " + received + " back; " + pings + "; iperf3 b->a " + Traffic.mbit(iperf.clientToServerBps())
                    + " Mbit/s, a->b " + Traffic.mbit(iperf.serverToClientBps()) + " Mbit/s; " + exits + TunnelChecks.counters(p.a()));
        }
    }

    /** Bytes namespace b's veth has sent ({@code tx}) or received ({@code rx}) so far. */
    private static long linkBytes(Netns net, String direction) {
        Proc.Result r = net.run(net.b(), Duration.ofSeconds(5), "cat", "/sys/class/net/veth-b/statistics/" + direction + "_bytes");
        return Long.parseLong(r.check().output().trim());
    }
}
