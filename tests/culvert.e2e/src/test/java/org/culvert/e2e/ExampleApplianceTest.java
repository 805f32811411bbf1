package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.culvert.e2e.PeerConfig.Role;
import org.culvert.e2e.TlsConfigs.Verify;
import org.culvert.e2e.TlsConfigs.Wrap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The example appliance ({@code examples/culvert.example.appliance}, its own JVM started with
 * {@code run.sh} in namespace a) embeds Culvert through the library and runs a TLS tunnel, as the
 * tls-client, to stock OpenVPN in namespace b. It must report UP and carry pings; when OpenVPN is
 * killed (by PID) it must report leaving UP (RECONNECTING, PING_RESTART), and when OpenVPN is started
 * again report UP and carry pings again; its counters must show bytes both ways; and {@code quit}
 * must leave the JVM with no more threads than it had before Culvert started, and exit 0.
 */
@ExtendWith(PeerLogs.class)
class ExampleApplianceTest {
    private static final String NAME = "appliance";
    private static final Duration UP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RESTART_NOTICED = Duration.ofSeconds(25);
    /** quit waits for the JDK's process reaper, which ends 60 s after the tun driver's last `ip` command. */
    private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(120);

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
        E2eEnv.requireCulvert();
        Path app = runScript().getParent().resolve("target/culvert.example.appliance.jar");
        if (!Files.isRegularFile(app)) {
            fail(app + " is missing: build the example (mvn -B install -DskipTests at the root)");
        }
    }

    static Path runScript() {
        return E2eEnv.root().resolve("examples/culvert.example.appliance/run.sh");
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void applianceFollowsAStockOpenVpnPeerThroughKillAndRestartAndLeavesNoThread() throws Exception {
        Path dir = Peer.caseDir("example-appliance");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.CA, Wrap.TLS_CRYPT);
        try (Netns net = Netns.create()) {
            // Short keepalives so that the dead peer is noticed quickly; persist-tun keeps the device across restarts.
            PeerConfig appCfg = TlsConfigs.side(net, net.a(), Role.UDP, false, m, Wrap.TLS_CRYPT, "AES-256-GCM", null, false)
                    .option("ping", "1").option("ping-restart", "5").option("persist-tun");
            Path appConf = dir.resolve("appliance.conf");
            Files.writeString(appConf, appCfg.toConfigText(), StandardCharsets.UTF_8);
            PeerConfig ovpnCfg = TlsConfigs.side(net, net.b(), Role.UDP, true, m, Wrap.TLS_CRYPT, "AES-256-GCM", null, false)
                    .option("ping", "1");

            Peer b = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, ovpnCfg, dir, "b-openvpn");
            try (LineProcess app = startAppliance(net, net.a(), dir, appConf)) {
                app.await("^STATE " + NAME + " UP ", 0, UP_TIMEOUT);
                int connected = app.await("^OPENVPN " + NAME + " CONNECTED,SUCCESS$", 0, UP_TIMEOUT);
                int wait = app.find("^OPENVPN " + NAME + " WAIT$", 0);
                int auth = app.find("^OPENVPN " + NAME + " AUTH$", 0);
                assertTrue(wait >= 0 && wait < auth && auth < connected, "WAIT, then AUTH, then CONNECTED: " + wait + ", " + auth + ", " + connected);
                Peer.awaitTunnel(net, net.a(), net.tunAddrB(), Duration.ofSeconds(20), b);
                assertEquals(0, Traffic.ping(net, net.a(), net.tunAddrB(), 64, 10).lost(), "pings lost before the kill");

                int mark = app.lineCount();
                b.kill();
                int leftUp = app.await("^STATE " + NAME + " RECONNECTING PING_RESTART", mark, RESTART_NOTICED);
                // The same restart as OpenVPN's client state, and (with --persist-tun, no new ASSIGN_IP) back to CONNECTED.
                int reconnecting = app.await("^OPENVPN " + NAME + " RECONNECTING,ping-restart$", mark, RESTART_NOTICED);

                Peer b2 = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, ovpnCfg, dir, "b2-openvpn");
                app.await("^STATE " + NAME + " UP ", leftUp + 1, UP_TIMEOUT);
                app.await("^OPENVPN " + NAME + " CONNECTED,SUCCESS$", reconnecting + 1, UP_TIMEOUT);
                Peer.awaitTunnel(net, net.a(), net.tunAddrB(), Duration.ofSeconds(20), b2);
                assertEquals(0, Traffic.ping(net, net.a(), net.tunAddrB(), 64, 10).lost(), "pings lost after the restart");

                mark = app.lineCount();
                app.send("counters");
                Map<String, Long> counters = counters(app.line(app.await("^COUNTERS " + NAME + " UP ", mark, Duration.ofSeconds(10))));
                for (String k : List.of("tun_read_bytes", "tun_write_bytes", "link_read_bytes", "link_write_bytes")) {
                    assertTrue(counters.getOrDefault(k, 0L) > 0, k + " should be > 0: " + counters);
                }
                assertTrue(counters.getOrDefault("restarts", 0L) >= 1, "the ping-restart should be counted: " + counters);

                mark = app.lineCount();
                app.send("threads");
                String running = app.line(app.await("^RUNNING threads=\\d+ culvert=\\d+$", mark, Duration.ofSeconds(10)));

                mark = app.lineCount();
                app.send("quit");
                int threadsLine = app.await("^THREADS before=\\d+ after=\\d+$", mark, QUIT_TIMEOUT);
                int exit = app.awaitExit(Duration.ofSeconds(20));
                Matcher t = Pattern.compile("before=(\\d+) after=(\\d+)").matcher(app.line(threadsLine));
                assertTrue(t.find());
                int before = Integer.parseInt(t.group(1));
                int after = Integer.parseInt(t.group(2));
                int stopped = app.find("^STATE " + NAME + " STOPPED USER_STOP", mark);
                assertTrue(stopped >= 0 && stopped < threadsLine, "the tunnel's STOPPED event must come before THREADS");
                Report.line("example appliance: UP, survived an OpenVPN kill/restart (ping-restart 5), " + counters + "; threads before="
                        + before + ", " + running.substring("RUNNING ".length()) + " while up, after=" + after + ", exit " + exit);
                assertTrue(after <= before, "threads after close " + after + " > before start " + before);
                assertEquals(0, exit, "the appliance's exit status");
            }
        }
    }

    /** "COUNTERS name STATE k=v k=v ..." as a map. */
    static Map<String, Long> counters(String line) {
        Map<String, Long> m = new TreeMap<>();
        Matcher kv = Pattern.compile("(\\w+)=(\\d+)").matcher(line);
        while (kv.find()) {
            m.put(kv.group(1), Long.parseLong(kv.group(2)));
        }
        return m;
    }

    /** The appliance's JVM, started with {@code run.sh} inside a namespace; it takes commands on its standard input. */
    static LineProcess startAppliance(Netns net, String ns, Path dir, Path conf) throws IOException {
        return LineProcess.start(net, ns, dir, "appliance", List.of(runScript().toString(), conf.toString(), "--name", NAME,
                "--counters-every", "5"), "STATE " + NAME + " FAILED ");
    }
}
