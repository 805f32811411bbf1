package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad packets from the address the peer under test trusts. Namespace b runs stock OpenVPN on
 * 127.0.0.1 and a {@link LossyRelay} that carries its traffic to and from the peer under test in
 * namespace a. While pings flow, the relay injects replays of earlier packets, truncated copies
 * and bit-flipped copies towards a. Then: no ping lost, the peer still runs and exits 0 on SIGTERM,
 * and (Culvert) its counters line accounts for every injected packet exactly once as a drop, with the
 * replays under REPLAY, and no injected packet reached the tun. With stock OpenVPN under test (the
 * harness check) the same accounting is done on its per-packet error log lines.
 */
@ExtendWith(PeerLogs.class)
class LossyRelayTest {
    private static final int RELAY_A_PORT = 1195;
    private static final int RELAY_B_PORT = 1196;

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void injectedPacketsAreDroppedAndCounted() throws IOException {
        Path dir = Peer.caseDir("lossy-relay");
        Path key = Peer.genKey(dir);
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            String port = Integer.toString(PeerConfig.PORT);
            RelayControl relay = RelayControl.start(net, net.b(), dir, net.linkAddrB() + ":" + RELAY_A_PORT, net.linkAddrA() + ":" + port,
                    "127.0.0.1:" + RELAY_B_PORT, "127.0.0.1:" + port);
            PeerConfig cfgA = PeerConfig.udpLink(net.linkAddrA(), PeerConfig.PORT, net.linkAddrB(), RELAY_A_PORT, net.tunAddrA(), net.tunAddrB())
                    .option("secret", key.toString(), "0")
                    .option("cipher", "AES-256-CBC").option("auth", "SHA256").option("verb", "3");
            PeerConfig cfgB = PeerConfig.udpLink("127.0.0.1", PeerConfig.PORT, "127.0.0.1", RELAY_B_PORT, net.tunAddrB(), net.tunAddrA())
                    .option("secret", key.toString(), "1")
                    .option("cipher", "AES-256-CBC").option("auth", "SHA256").option("verb", "3");
            // a binds first: every packet the relay forwards to a must reach a's socket, or the
            // accounting below (and a "replay" of a packet a never saw) would be off.
            Peer a = Peer.startWithConfig(net, net.a(), ut, cfgA, dir, "a-" + ut);
            a.awaitUdpBound(net, PeerConfig.PORT, E2eEnv.readyTimeout());
            Peer b = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, cfgB, dir, "b-openvpn");
            Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), a, b);
            assertEquals(0, Traffic.ping(net, net.a(), net.tunAddrB(), 64, 20).lost(), "pings lost before injecting");

            // Inject while a ping stream is running, so that bad packets interleave with good ones.
            Path pingLog = dir.resolve("ping-during-injection.log");
            PeerLogs.register("ping during injection", pingLog);
            Process ping = net.start(net.a(), dir, pingLog, List.of("ping", "-n", "-c", "60", "-i", "0.05", "-s", "1400", "-W", "2", net.tunAddrB()));
            int replayedFirst = relay.inject("replay 20");
            int truncated = relay.inject("truncate 1 8 16 31 47 48 63 64 65 -1 -16 -17");
            int flipped = relay.inject("flip 24");
            int replayed = replayedFirst + relay.inject("replay 10");
            try {
                if (!ping.waitFor(30, TimeUnit.SECONDS)) {
                    fail("ping during injection did not finish within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
            Traffic.PingResult during = Traffic.parsePing(PeerLogs.readText(pingLog));
            assertEquals(60, during.transmitted(), "pings sent during injection");
            assertEquals(0, during.lost(), "pings lost during injection");
            assertEquals(0, Traffic.ping(net, net.a(), net.tunAddrB(), 64, 20).lost(), "pings lost after injecting");
            a.assertAlive("after the injection");
            b.assertAlive("after the injection");

            // Freeze the relay so its counts are final, let a read what is queued, then stop it.
            Map<String, Long> stats = RelayControl.parseStats(relay.command("freeze"));
            long injected = replayed + truncated + flipped;
            assertEquals(injected, stats.get("injected"), "relay's own count of injected packets");
            RelayControl.awaitReceiveQueueEmpty(net, net.a(), PeerConfig.PORT);
            int exit = a.stop(Duration.ofSeconds(20));
            String log = a.logText();
            Report.line("lossy relay vs " + ut + ": injected " + replayed + " replays, " + truncated + " truncated, " + flipped
                    + " bit-flipped; 0 of 100 pings lost; relay forwarded " + stats.get("forwardedToA") + " good packets to a; exit " + exit);
            // Both checks run, so that a bad exit status does not hide the accounting (or the reverse).
            assertAll(() -> assertEquals(0, exit, "exit status of a after SIGTERM"),
                    () -> checkAccounting(ut, log, replayed, injected, stats.get("forwardedToA")));
        }
    }

    private static void checkAccounting(Impl ut, String log, long replayed, long injected, long good) {
        if (ut == Impl.OPENVPN) {
            // Harness check: stock OpenVPN logs one "Authenticate/Decrypt packet error" per rejected packet.
            assertEquals(replayed, count(log, "Authenticate/Decrypt packet error: bad packet ID"), "OpenVPN's replay errors");
            assertEquals(injected, count(log, "Authenticate/Decrypt packet error"), "OpenVPN's packet errors");
            return;
        }
        CulvertCounters k = CulvertCounters.parseLast(log);
        Report.line("lossy relay: culvert counters " + k);
        assertAll(() -> assertEquals(good + injected, k.linkReadPackets(), "link packets read = good packets relayed + injected ones"),
                () -> assertEquals(replayed, k.drops("REPLAY"), "every replay is counted as REPLAY: " + k.drops()),
                () -> assertEquals(injected, k.totalDrops(), "every injected packet is counted exactly once as a drop: " + k.drops()),
                () -> assertTrue(k.tunWritePackets() <= good,
                        "tun writes " + k.tunWritePackets() + " > good packets " + good + ": an injected packet reached the tun"),
                () -> assertTrue(k.tunWritePackets() >= 100, "tun writes " + k.tunWritePackets() + " < the 100 ping replies received"));
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
