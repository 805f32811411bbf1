package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The harness's parsers, on recorded output and on broken input: a parser that accepted garbage
 * would let an e2e assertion pass on nothing. Needs no root.
 */
class ParsersTest {
    private static final String PING_OK = "PING 10.202.1.2 (10.202.1.2) 1400(1428) bytes of data.\n"
            + "1408 bytes from 10.202.1.2: icmp_seq=1 ttl=64 time=0.512 ms\n\n"
            + "--- 10.202.1.2 ping statistics ---\n"
            + "20 packets transmitted, 20 received, 0% packet loss, time 1003ms\n"
            + "rtt min/avg/max/mdev = 0.301/0.455/0.702/0.080 ms\n";
    private static final String PING_ALL_LOST = "--- 10.202.1.2 ping statistics ---\n"
            + "20 packets transmitted, 0 received, 100% packet loss, time 1950ms\n";
    private static final String PING_ERRORS = "--- 10.202.1.2 ping statistics ---\n"
            + "20 packets transmitted, 17 received, +3 errors, 15% packet loss, time 1003ms\n"
            + "rtt min/avg/max/mdev = 0.3/0.4/0.5/0.1 ms\n";

    @Test
    void pingSummaryParsed() {
        Traffic.PingResult p = Traffic.parsePing(PING_OK);
        assertEquals(20, p.transmitted());
        assertEquals(20, p.received());
        assertEquals(0, p.lost());
        assertEquals(0.455, p.avgMs(), 1e-9);
    }

    @Test
    void pingTotalLossHasNoRtt() {
        Traffic.PingResult p = Traffic.parsePing(PING_ALL_LOST);
        assertEquals(20, p.lost());
        assertTrue(Double.isNaN(p.avgMs()));
    }

    @Test
    void pingWithErrorsCountsLoss() {
        assertEquals(3, Traffic.parsePing(PING_ERRORS).lost());
    }

    @Test
    void pingWithoutSummaryRejected() {
        assertThrows(IllegalArgumentException.class, () -> Traffic.parsePing("ping: connect: Network is unreachable\n"));
        assertThrows(IllegalArgumentException.class, () -> Traffic.parsePing(""));
    }

    private static final String IPERF_BIDIR = "{\"start\":{\"connected\":[]},\"intervals\":[],\"end\":{"
            + "\"sum_sent\":{\"bytes\":1000,\"bits_per_second\":8000.5,\"sender\":true},"
            + "\"sum_received\":{\"start\":0,\"end\":1.0,\"bytes\":990,\"bits_per_second\":7920.25,\"sender\":true},"
            + "\"sum_received_bidir_reverse\":{\"bytes\":500,\"bits_per_second\":4000e0,\"sender\":false},"
            + "\"note\":\"a \\\"quoted\\\" \\u0041 string\",\"flags\":[true,false,null,-1.5E2]}}";

    @Test
    void iperfBidirParsed() {
        Traffic.IperfResult r = Traffic.parseIperfBidir(IPERF_BIDIR);
        assertEquals(7920.25, r.clientToServerBps(), 1e-9);
        assertEquals(4000.0, r.serverToClientBps(), 1e-9);
        assertEquals(990, r.clientToServerBytes());
        assertEquals(500, r.serverToClientBytes());
    }

    @Test
    void jsonValuesAndEscapes() {
        Object root = Json.parse(IPERF_BIDIR);
        assertEquals("a \"quoted\" A string", Json.path(root, "end", "note"));
        assertEquals(List.of(true, false), ((List<?>) Json.path(root, "end", "flags")).subList(0, 2));
        assertEquals(-150.0, ((List<?>) Json.path(root, "end", "flags")).get(3));
        assertEquals(null, Json.path(root, "end", "missing", "deeper"));
    }

    @Test
    void iperfErrorOrMissingFieldRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> Traffic.parseIperfBidir("{\"start\":{},\"intervals\":[],\"end\":{},\"error\":\"unable to connect to server\"}"));
        assertThrows(IllegalArgumentException.class, () -> Traffic.parseIperfBidir("{\"end\":{\"sum_received\":{\"bytes\":1}}}"));
    }

    @Test
    void truncatedOrGarbledJsonRejected() {
        assertThrows(IllegalArgumentException.class, () -> Json.parse(IPERF_BIDIR.substring(0, IPERF_BIDIR.length() - 3)));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1} trailing"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\" 1}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1,]"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"bad \\q escape\""));
        assertThrows(IllegalArgumentException.class, () -> Json.parse(""));
    }

    @Test
    void countersLineParsedLastOneWins() {
        String log = "2026-11-25 10:00:00 [culvert] counters: tun read 1p/84B, tun write 2p/168B, link read 3p/300B, link write 4p/400B, drops {}, restarts 0\n"
                + "2026-11-25 10:00:09 [culvert] counters: tun read 10p/840B, tun write 20p/1680B, link read 35p/3000B, link write 40p/4000B, "
                + "drops {SHORT_PACKET=2, AUTH_FAILED=3, REPLAY=5}, restarts 1\n";
        CulvertCounters k = CulvertCounters.parseLast(log);
        assertEquals(10, k.tunReadPackets());
        assertEquals(20, k.tunWritePackets());
        assertEquals(35, k.linkReadPackets());
        assertEquals(40, k.linkWritePackets());
        assertEquals(Map.of("SHORT_PACKET", 2L, "AUTH_FAILED", 3L, "REPLAY", 5L), k.drops());
        assertEquals(10, k.totalDrops());
        assertEquals(0, k.drops("DECRYPT_FAILED"));
        assertEquals(1, k.restarts());
    }

    @Test
    void countersEmptyDrops() {
        CulvertCounters k = CulvertCounters.parseLast(
                "counters: tun read 0p/0B, tun write 0p/0B, link read 0p/0B, link write 0p/0B, drops {}, restarts 0");
        assertEquals(0, k.totalDrops());
    }

    @Test
    void countersMissingOrMalformedRejected() {
        assertThrows(IllegalArgumentException.class, () -> CulvertCounters.parseLast("Initialization Sequence Completed\n"));
        assertThrows(IllegalArgumentException.class,
                () -> CulvertCounters.parseLast("counters: tun read 1p/1B, tun write 1p/1B, link read 1p/1B, link write 1p/1B, restarts 0"));
        assertThrows(IllegalArgumentException.class, () -> CulvertCounters
                .parseLast("counters: tun read 1p/1B, tun write 1p/1B, link read 1p/1B, link write 1p/1B, drops {REPLAY}, restarts 0"));
        assertThrows(IllegalArgumentException.class,
                () -> CulvertCounters.parseLast("counters: tun write 1p/1B, link read 1p/1B, link write 1p/1B, drops {}, restarts 0"));
    }

    @Test
    void relayStatsParsedAndGarbageRejected() {
        Map<String, Long> m = RelayControl.parseStats("stats forwardedToA=12 forwardedToB=13 injected=4 foreign=0");
        assertEquals(12L, m.get("forwardedToA"));
        assertEquals(4L, m.get("injected"));
        assertThrows(IllegalArgumentException.class, () -> RelayControl.parseStats("replayed 3"));
        assertThrows(IllegalArgumentException.class, () -> RelayControl.parseStats("stats injected"));
        assertThrows(NumberFormatException.class, () -> RelayControl.parseStats("stats injected=x"));
    }

    @Test
    void relayAddressesValidated() {
        assertEquals(1195, LossyRelay.addr("10.0.0.1:1195").getPort());
        assertThrows(IllegalArgumentException.class, () -> LossyRelay.addr("10.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> LossyRelay.addr(":1195"));
        assertThrows(NumberFormatException.class, () -> LossyRelay.addr("10.0.0.1:port"));
    }

    @Test
    void configRenderedAsFileAndArgs() {
        PeerConfig c = new PeerConfig().option("dev", "tun").option("secret", "/tmp/my keys/static.key", "1").option("nobind");
        assertEquals("# generated by the Culvert e2e harness\ndev tun\nsecret \"/tmp/my keys/static.key\" 1\nnobind\n", c.toConfigText());
        assertEquals(List.of("--dev", "tun", "--secret", "/tmp/my keys/static.key", "1", "--nobind"), c.toArgs());
        assertEquals("\"a\\\\b\"", PeerConfig.quoteIfNeeded("a\\b"));
        assertEquals("\"\"", PeerConfig.quoteIfNeeded(""));
    }

    @Test
    void inlineBlocksOnlyInFileForm() {
        PeerConfig c = new PeerConfig().option("tls-client").inline("ca", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")
                .inline("tls-crypt", "key\n").option("verb", "3");
        assertEquals("# generated by the Culvert e2e harness\ntls-client\n<ca>\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n</ca>\n"
                + "<tls-crypt>\nkey\n</tls-crypt>\nverb 3\n", c.toConfigText());
        assertThrows(IllegalStateException.class, c::toArgs);
        // toString is for messages: it must not throw, nor print the inline content (keys).
        assertEquals("--tls-client <ca>... <tls-crypt>... --verb 3", c.toString());
    }

    @Test
    void unansweredPingsListed() {
        String out = "64 bytes from 10.202.1.2: icmp_seq=1 ttl=64 time=0.5 ms\nno answer yet for icmp_seq=2\n"
                + "64 bytes from 10.202.1.2: icmp_seq=3 ttl=64 time=0.5 ms\nno answer yet for icmp_seq=4\n";
        assertEquals("no answer yet for icmp_seq=2\nno answer yet for icmp_seq=4\n", Traffic.unanswered(out));
        assertEquals("", Traffic.unanswered(PING_OK));
    }

    @Test
    void implNames() {
        assertEquals(Impl.CULVERT, Impl.parse("Culvert"));
        assertEquals(Impl.OPENVPN, Impl.parse("openvpn"));
        assertThrows(IllegalArgumentException.class, () -> Impl.parse("wireguard"));
    }
}
