package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.culvert.e2e.PeerConfig.Role;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Peer death and recovery: the peer under test runs with {@code --ping 1 --ping-restart 5} against
 * stock OpenVPN; the OpenVPN process is killed with SIGKILL (by PID), the peer under test must notice
 * (ping-restart) and, once OpenVPN is started again, carry traffic again within a deadline without
 * any outside help.
 */
@ExtendWith(PeerLogs.class)
class RestartTest {
    private static final Duration RESTART_NOTICED = Duration.ofSeconds(20);
    private static final Duration TRAFFIC_BACK = Duration.ofSeconds(30);

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void pingRestartBringsTrafficBackAfterPeerIsKilled() {
        Path dir = Peer.caseDir("restart-ping-restart");
        Path key = Peer.genKey(dir);
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            PeerConfig cfgA = PeerConfig.staticKey(net, net.a(), Role.UDP, key, 0, "AES-256-CBC", "SHA256").option("ping", "1").option("ping-restart", "5");
            PeerConfig cfgB = PeerConfig.staticKey(net, net.b(), Role.UDP, key, 1, "AES-256-CBC", "SHA256").option("ping", "1");
            Peer a = Peer.startWithConfig(net, net.a(), ut, cfgA, dir, "a-" + ut);
            Peer b = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, cfgB, dir, "b-openvpn");
            Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), a, b);
            assertEquals(0, Traffic.ping(net, net.a(), net.tunAddrB(), 64, 20).lost(), "pings lost before the kill");

            int seen = a.logText().length();
            b.kill();
            long killedAt = System.nanoTime();
            // Both implementations log "Inactivity timeout (--ping-restart), restarting".
            a.awaitLog("(?i)ping-restart", seen, RESTART_NOTICED);
            double noticed = (System.nanoTime() - killedAt) / 1e9;
            assertTrue(noticed >= 3.5, "ping-restart fired " + noticed + " s after the kill, before the 5 s timeout could have run out");

            Peer b2 = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, cfgB, dir, "b2-openvpn");
            Duration back = Peer.awaitTunnel(net, net.a(), net.tunAddrB(), TRAFFIC_BACK, a, b2);
            assertEquals(0, Traffic.ping(net, net.a(), net.tunAddrB(), 64, 20).lost(), "pings lost after the restart");
            int exit = a.stop(Duration.ofSeconds(20));
            String log = a.logText();
            Report.line("restart: " + ut + " noticed the dead peer after " + Traffic.fmt(noticed) + " s (ping-restart 5), traffic back "
                    + Traffic.fmt(back.toMillis() / 1000.0) + " s after openvpn was started again; exit " + exit);
            assertAll(() -> assertEquals(0, exit, "exit status of a after SIGTERM"), () -> {
                if (ut == Impl.CULVERT) {
                    CulvertCounters k = CulvertCounters.parseLast(log);
                    assertTrue(k.restarts() >= 1, "counters should show the ping-restart: " + k);
                }
            });
        }
    }
}
