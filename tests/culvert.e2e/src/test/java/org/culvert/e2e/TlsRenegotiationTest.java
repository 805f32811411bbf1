package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
 * Data-channel key renegotiation under traffic: one side runs with {@code --reneg-sec 10} (stock
 * OpenVPN in one case, the implementation under test in the other; the other side keeps the default
 * 3600 s, so the short side always starts the renegotiation), and a ping stream of {@value #STREAM_COUNT}
 * packets every 0.2 s (35 s: at least three key changes) must lose nothing. OpenVPN's log shows how
 * many TLS sessions completed (one "Control Channel:" line each), which proves the renegotiations
 * happened. Afterwards the tunnel still passes the standard traffic check on the newest key.
 */
@ExtendWith(PeerLogs.class)
class TlsRenegotiationTest {
    private static final int STREAM_COUNT = 175;
    private static final String STREAM_INTERVAL = "0.2";
    /** The initial session and at least two renegotiations within 35 s at reneg-sec 10 (jitter can make it 9 s). */
    private static final int MIN_SESSIONS = 3;

    /** Which side has {@code reneg-sec 10}; a is the implementation under test, b stock OpenVPN. */
    record Case(String name, boolean renegOnA, boolean aTlsServer, Wrap wrap) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    static Stream<Case> cases() {
        // tls-crypt in the second case: renegotiated sessions are wrapped too (OpenVPN switches to dynamic
        // tls-crypt keys only when both peers announce it).
        return Stream.of(new Case("reneg-sec-on-openvpn", false, true, Wrap.NONE), new Case("reneg-sec-on-under-test", true, false, Wrap.TLS_CRYPT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void renegotiationLosesNothing(Case c) {
        Impl ut = E2eEnv.underTest();
        Path dir = Peer.caseDir("tls-" + c.name());
        Verify verify = c.wrap() == Wrap.NONE ? Verify.FINGERPRINT : Verify.CA;
        TlsConfigs.Material m = TlsConfigs.make(dir, verify, c.wrap());
        try (Netns net = Netns.create()) {
            PeerConfig cfgA = TlsConfigs.side(net, net.a(), Role.UDP, c.aTlsServer(), m, c.wrap(), "AES-256-GCM", null, false);
            PeerConfig cfgB = TlsConfigs.side(net, net.b(), Role.UDP, !c.aTlsServer(), m, c.wrap(), "AES-256-GCM", null, false);
            (c.renegOnA() ? cfgA : cfgB).option("reneg-sec", "10");
            Peer.Pair p = Peer.startPair(net, dir, Role.UDP, ut, cfgA, "a-" + ut, Impl.OPENVPN, cfgB, "b-openvpn");
            Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), p.a(), p.b());

            Proc.Result stream = Traffic.pingStream(net, net.a(), net.tunAddrB(), 64, STREAM_COUNT, STREAM_INTERVAL);
            Traffic.PingResult r = Traffic.parsePing(stream.output());
            assertEquals(STREAM_COUNT, r.transmitted(), "ping stream transmitted");
            if (r.lost() != 0) {
                fail(c.name() + ": " + r.lost() + " of " + STREAM_COUNT + " pings lost across renegotiations:\n" + Traffic.unanswered(stream.output())
                        + "openvpn sessions so far: " + sessions(p.b()) + "\n" + Traffic.interfaceStats(net));
            }
            int sessions = sessions(p.b());
            assertTrue(sessions >= MIN_SESSIONS, "expected at least " + MIN_SESSIONS + " completed TLS sessions (1 initial + renegotiations) in "
                    + "openvpn's log after 35 s at reneg-sec 10, saw " + sessions);

            String traffic = TunnelChecks.assertCarriesTraffic(net, p, dir);
            TunnelChecks.awaitDataCipher(p.a(), "AES-256-GCM");
            TunnelChecks.awaitDataCipher(p.b(), "AES-256-GCM");
            String exits = p.stop(Duration.ofSeconds(20));
            Report.line("tls " + c.name() + " (" + ut + " " + (c.aTlsServer() ? "tls-server" : "tls-client") + " <-> openvpn, reneg-sec 10 on "
                    + (c.renegOnA() ? ut : "openvpn") + (c.wrap() == Wrap.NONE ? "" : ", " + c.wrap()) + "): " + STREAM_COUNT + " pings at "
                    + STREAM_INTERVAL + " s, 0 lost, avg " + Traffic.fmtMs(r.avgMs()) + " ms, across " + (sessions - 1) + " renegotiations; then the standard check: "
                    + traffic + "; " + exits + TunnelChecks.counters(p.a()));
        }
    }

    /** TLS sessions OpenVPN completed: it logs one "Control Channel: TLSv1.3, cipher ..." line per session. */
    private static int sessions(Peer openvpn) {
        return TunnelChecks.countLines(openvpn, "Control Channel: TLS");
    }
}
