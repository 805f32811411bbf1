package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.culvert.e2e.TlsConfigs.Verify;
import org.culvert.e2e.TlsConfigs.Wrap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Control-channel attacks through a {@link LossyRelay}, as issue 10 describes them: the attacked peer
 * runs in namespace a, stock OpenVPN in namespace b behind the relay (on 127.0.0.1), so the attacker's
 * packets come from the address the attacked peer expects. Each attack runs twice, first with stock
 * OpenVPN as the attacked peer (the reference: what OpenVPN 2.6 holds), then with the implementation
 * under test, and both results are printed as {@code [reliability]} figures.
 *
 * <p>Each run: the attacked peer starts and binds, the relay starts the attack, stock OpenVPN starts
 * with {@code --reneg-sec 10}; the tunnel must come up (timed from OpenVPN's start), then a ping
 * stream of {@link #STREAM_COUNT} pings 0.2 s apart runs under the continuing attack and must see at
 * least two renegotiations and lose at most {@link #MAX_LOST_PERCENT}% of its pings; after the attack
 * stops, 20 pings lose nothing. The implementation under test must come up within {@link #upBound}
 * of OpenVPN's time. The reference must hold against replays; against forged resets stock OpenVPN
 * itself does not always come up, so its result is printed, not asserted. Culvert's counters line
 * must account for every packet the relay sent it (good and injected), and every replayed control
 * packet must be counted as a REPLAY drop.
 *
 * <p>Scaled-down by default (25 s of pings); {@code -Dculvert.e2e.attackPings=N} runs N pings instead.
 */
@ExtendWith(PeerLogs.class)
class RelayAttackTest {
    private static final int RELAY_A_PORT = 1195;
    private static final int RELAY_B_PORT = 1196;
    private static final int STREAM_COUNT = Integer.getInteger("culvert.e2e.attackPings", 125);
    private static final String STREAM_INTERVAL = "0.2";
    /** The initial session and two renegotiations: 25 s after the tunnel is up at reneg-sec 10. */
    private static final int MIN_SESSIONS = 3;
    /** A lost ping or two when a key changes is what OpenVPN itself shows under these attacks; more means the attack got through. */
    private static final int MAX_LOST_PERCENT = 5;
    private static final Duration UP_LIMIT = Duration.ofSeconds(30);
    /** Stock OpenVPN's time to come up under these attacks when it does (every such run measured 1.1 s or 2.2 s: the 1-s ping poll). */
    private static final Duration USUAL_OPENVPN_UP = Duration.ofMillis(2200);

    /** One attack: what the relay does, which side is attacked, how the control channel is wrapped. */
    enum Attack {
        FORGED_CLIENT_RESETS("forged resets (50 ms)", Wrap.NONE, true, "forge client 50"),
        FORGED_SERVER_RESETS("forged server resets (50 ms)", Wrap.NONE, false, "forge server 50"),
        REPLAYED_RESETS_TLS_AUTH("replayed resets with tls-auth (100 ms)", Wrap.TLS_AUTH, true, "replay-control 100"),
        REPLAYED_RESETS_TLS_CRYPT("replayed resets with tls-crypt (100 ms)", Wrap.TLS_CRYPT, true, "replay-control 100");

        final String figure;
        final Wrap wrap;
        final boolean attackedIsTlsServer;
        final String relayCommand;

        Attack(String figure, Wrap wrap, boolean attackedIsTlsServer, String relayCommand) {
            this.figure = figure;
            this.wrap = wrap;
            this.attackedIsTlsServer = attackedIsTlsServer;
            this.relayCommand = relayCommand;
        }

        boolean replays() {
            return relayCommand.startsWith("replay");
        }
    }

    /** What one run saw. {@code up} is null if the tunnel never came up; {@code counters} is null for OpenVPN. */
    record Outcome(Impl attacked, Duration up, int sessions, Traffic.PingResult stream, Traffic.PingResult after, Map<String, Long> relay,
            int exit, CulvertCounters counters, int openVpnReplayLines) {
        /** The figure's name, as the brief spells it: "forged resets (50 ms), Culvert tls-server". */
        String name(Attack a) {
            return a.figure + ", " + (attacked == Impl.CULVERT ? "Culvert" : "OpenVPN") + (a.attackedIsTlsServer ? " tls-server" : " tls-client");
        }

        String value() {
            if (up == null) {
                return "never up in " + UP_LIMIT.toSeconds() + " s (" + relay.get("injected") + " packets injected)";
            }
            return "up in " + Traffic.fmt(up.toMillis() / 1000.0) + " s, " + (sessions - 1) + " renegotiations, " + stream.received() + "/"
                    + stream.transmitted() + " pings (" + relay.get("injected") + " packets injected over " + STREAM_COUNT / 5 + " s)";
        }
    }

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Attack.class)
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void attackFailsAsItFailsAgainstOpenVpn(Attack attack) {
        Outcome ref = run(attack, Impl.OPENVPN);
        Report.figure(ref.name(attack), ref.value());
        Impl ut = E2eEnv.underTest();
        Outcome out = run(attack, ut);
        Report.figure(out.name(attack), out.value());
        if (attack.replays()) {
            // Stock OpenVPN has always held against replays here: if it failed, the harness is wrong.
            assertHeld(attack, ref);
        }
        assertHeld(attack, out);
        // Against forged resets stock OpenVPN 2.6 itself sometimes never comes up (once in six runs as
        // the attacked tls-server; its client's P_CONTROL_V1 became "Unroutable", cause not studied):
        // its line is printed, and the bound then falls back to its usual time.
        Duration refUp = ref.up() != null ? ref.up() : USUAL_OPENVPN_UP;
        Duration bound = upBound(refUp);
        assertTrue(out.up().compareTo(bound) <= 0, ut + " came up " + out.up().toMillis() + " ms after OpenVPN's start, OpenVPN (attacked the same way) "
                + (ref.up() != null ? ref.up().toMillis() + " ms" : "never") + "; allowed " + bound.toMillis() + " ms");
        if (out.counters() != null) {
            checkAccounting(attack, out);
        }
    }

    /**
     * How much later than OpenVPN the implementation under test may come up: twice OpenVPN's time, and
     * at least 3 s more (the JVM's first handshake runs its TLS code cold; without an attack Culvert's
     * first handshake takes ~1 s longer than OpenVPN's).
     */
    static Duration upBound(Duration reference) {
        Duration twice = reference.multipliedBy(2);
        Duration plus = reference.plusSeconds(3);
        return twice.compareTo(plus) > 0 ? twice : plus;
    }

    private static void assertHeld(Attack attack, Outcome o) {
        assertNotNull(o.up(), o.attacked() + " attacked by " + attack.figure + ": the tunnel did not come up within " + UP_LIMIT.toSeconds() + " s");
        assertAll(() -> assertEquals(STREAM_COUNT, o.stream().transmitted(), "pings sent under attack"),
                () -> assertTrue(o.stream().lost() * 100 <= (long) MAX_LOST_PERCENT * STREAM_COUNT,
                        o.attacked() + ": " + o.stream().lost() + " of " + STREAM_COUNT + " pings lost under " + attack.figure),
                () -> assertTrue(o.sessions() >= MIN_SESSIONS, o.attacked() + ": " + o.sessions() + " TLS sessions in OpenVPN's log under "
                        + attack.figure + ", expected at least " + MIN_SESSIONS + " (the first and two renegotiations at reneg-sec 10)"),
                () -> assertEquals(0, o.after().lost(), o.attacked() + ": pings lost after the attack stopped"),
                () -> assertEquals(0, o.exit(), o.attacked() + ": exit status after SIGTERM"));
    }

    /**
     * Every packet the relay sent to Culvert was read, none of the injected ones reached the tun, and
     * every replayed control packet was refused as a replay. (A forged reset without a wrapper is not a
     * drop: as in OpenVPN, the untrusted slot takes it and answers it; it only must not disturb the tunnel.)
     */
    private static void checkAccounting(Attack attack, Outcome o) {
        CulvertCounters k = o.counters();
        long injected = o.relay().get("injected");
        long good = o.relay().get("forwardedToA");
        assertAll(() -> assertEquals(good + injected, k.linkReadPackets(), "link packets read = good packets relayed + injected ones: " + k),
                () -> assertTrue(k.tunWritePackets() <= good, "tun writes " + k.tunWritePackets() + " > good packets " + good + ": an injected packet reached the tun"),
                () -> {
                    if (attack.replays()) {
                        assertEquals(o.relay().get("controlReplayed"), k.drops("REPLAY"), "every replayed control packet is a REPLAY drop: " + k.drops());
                    }
                });
    }

    private static Outcome run(Attack attack, Impl attacked) {
        String name = "attack-" + attack.name().toLowerCase(java.util.Locale.ROOT) + "-" + attacked;
        Path dir = Peer.caseDir(name);
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.FINGERPRINT, attack.wrap);
        try (Netns net = Netns.create()) {
            RelayControl relay = RelayControl.start(net, net.b(), dir, net.linkAddrB() + ":" + RELAY_A_PORT, net.linkAddrA() + ":" + PeerConfig.PORT,
                    "127.0.0.1:" + RELAY_B_PORT, "127.0.0.1:" + PeerConfig.PORT);
            PeerConfig cfgA = TlsConfigs.tlsOptions(PeerConfig.tlsRole(PeerConfig.udpLink(net.linkAddrA(), PeerConfig.PORT, net.linkAddrB(), RELAY_A_PORT,
                    net.tunAddrA(), net.tunAddrB()), attack.attackedIsTlsServer), attack.attackedIsTlsServer, m, attack.wrap, "AES-256-GCM", null, false);
            PeerConfig cfgB = TlsConfigs.tlsOptions(PeerConfig.tlsRole(PeerConfig.udpLink("127.0.0.1", PeerConfig.PORT, "127.0.0.1", RELAY_B_PORT,
                    net.tunAddrB(), net.tunAddrA()), !attack.attackedIsTlsServer), !attack.attackedIsTlsServer, m, attack.wrap, "AES-256-GCM", null, false);
            cfgB.option("reneg-sec", "10");
            // a binds first, so that every packet the relay sends it is read (the accounting below).
            Peer a = Peer.startWithConfig(net, net.a(), attacked, cfgA, dir, "a-" + attacked);
            a.awaitUdpBound(net, PeerConfig.PORT, E2eEnv.readyTimeout());
            relay.command(attack.relayCommand);
            Peer b = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, cfgB, dir, "b-openvpn");
            Duration up = Peer.pollTunnel(net, net.a(), net.tunAddrB(), UP_LIMIT, a, b);
            if (up == null) {
                Map<String, Long> stats = RelayControl.parseStats(relay.command("freeze"));
                return new Outcome(attacked, null, 0, null, null, stats, a.stop(Duration.ofSeconds(20)), null, 0);
            }
            Proc.Result stream = Traffic.pingStream(net, net.a(), net.tunAddrB(), 64, STREAM_COUNT, STREAM_INTERVAL);
            Traffic.PingResult under = Traffic.parsePing(stream.output());
            int sessions = TunnelChecks.countLines(b, "Control Channel: TLS");
            relay.command("attack-stop");
            Traffic.PingResult after = Traffic.ping(net, net.a(), net.tunAddrB(), 64, 20);
            a.assertAlive("after the attack");
            b.assertAlive("after the attack");
            // Frozen, the relay's counts are final; a reads what is queued before it stops.
            Map<String, Long> stats = RelayControl.parseStats(relay.command("freeze"));
            RelayControl.awaitReceiveQueueEmpty(net, net.a(), PeerConfig.PORT);
            int exit = a.stop(Duration.ofSeconds(20));
            String log = a.logText();
            CulvertCounters counters = attacked == Impl.CULVERT ? CulvertCounters.parseLast(log) : null;
            int replayLines = attacked == Impl.OPENVPN ? TunnelChecks.countLines(a, "(?i)replay") : 0;
            Outcome o = new Outcome(attacked, up, sessions, under, after, stats, exit, counters, replayLines);
            Report.line(name + ": " + o.value() + "; relay " + stats + (counters != null ? "; culvert counters " + counters
                    : "; openvpn logged " + replayLines + " replay lines") + (under.lost() > 0 ? "; unanswered:\n" + Traffic.unanswered(stream.output()) : ""));
            return o;
        }
    }
}
