package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the TLS cases check on a tunnel, shared by {@link TlsInteropTest}, {@link TlsRenegotiationTest}
 * and {@link TlsFailureTest}. Every wait has a deadline; a failing check names the peer and the
 * PeerLogs extension prints the logs.
 */
final class TunnelChecks {
    /** Both implementations log this once the tunnel carries data. */
    static final String INIT_DONE = "Initialization Sequence Completed";
    /** How long a log line may lag behind what the traffic already showed. */
    static final Duration LOG_LAG = Duration.ofSeconds(10);
    /** The iperf3 run of the TLS cases: short, it only has to show data moving both ways. */
    static final int IPERF_SECONDS = 2;

    private TunnelChecks() {
    }

    /**
     * The standard check of a working tunnel: the first ping from a to b passes within the ready
     * timeout, then 20 pings each at 64, 1400 and 3000 bytes lose nothing, a {@value #IPERF_SECONDS}-s
     * bidirectional iperf3 moves data both ways, and both peers have logged {@value #INIT_DONE}.
     *
     * @return a summary for the report: time to the first ping, ping RTTs, iperf3 rates
     */
    static String assertCarriesTraffic(Netns net, Peer.Pair p, Path dir) {
        Duration ready = Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), p.a(), p.b());
        String pings = Traffic.assertPingsAllSizes(net, net.a(), net.tunAddrB(), 20);
        Traffic.IperfResult iperf = Traffic.iperfBidir(net, net.a(), net.tunAddrA(), net.b(), IPERF_SECONDS, dir);
        Traffic.assertMoved(iperf);
        p.a().awaitLog(Pattern.quote(INIT_DONE), 0, LOG_LAG);
        p.b().awaitLog(Pattern.quote(INIT_DONE), 0, LOG_LAG);
        p.a().assertAlive("after the traffic");
        p.b().assertAlive("after the traffic");
        return "first ping after " + Traffic.fmt(ready.toMillis() / 1000.0) + " s; " + pings + "; iperf3 b->a "
                + Traffic.mbit(iperf.clientToServerBps()) + " Mbit/s, a->b " + Traffic.mbit(iperf.serverToClientBps()) + " Mbit/s";
    }

    /**
     * Waits until the peer's log names {@code cipher} as its data-channel cipher: OpenVPN logs
     * {@code Data Channel: cipher 'AES-256-GCM'}, Culvert {@code ...; data channel AES-256-GCM, ...}.
     */
    static void awaitDataCipher(Peer p, String cipher) {
        String regex = p.impl() == Impl.OPENVPN ? "Data Channel: cipher '" + Pattern.quote(cipher) + "'"
                : "data channel " + Pattern.quote(cipher) + "(?![\\w-])";
        p.awaitLog(regex, 0, LOG_LAG);
    }

    /** How many lines of the peer's log match {@code regex}. */
    static int countLines(Peer p, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(p.logText());
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** The first log line matching {@code regex}, or "(none)": for reports. */
    static String firstLine(Peer p, String regex) {
        Matcher m = Pattern.compile("^.*(?:" + regex + ").*$", Pattern.MULTILINE).matcher(p.logText());
        return m.find() ? m.group().trim() : "(none)";
    }

    /** Fails if the peer logged {@value #INIT_DONE} (a tunnel that must not come up). */
    static void assertNeverCompleted(Peer p) {
        assertTrue(!p.logText().contains(INIT_DONE), p.label() + " (" + p.impl() + ") logged '" + INIT_DONE + "' although the handshake must fail");
    }

    /** Culvert's counters line in a report ("; a drops {..} restarts N"), empty for OpenVPN. */
    static String counters(Peer p) {
        return InteropTest.countersOf(p);
    }
}
