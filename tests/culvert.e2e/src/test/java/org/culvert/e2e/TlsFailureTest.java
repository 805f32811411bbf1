package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.culvert.e2e.PeerConfig.Role;
import org.culvert.e2e.TlsConfigs.Verify;
import org.culvert.e2e.TlsConfigs.Wrap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TLS handshakes that must fail: a wrong {@code peer-fingerprint}, a certificate from another CA, a
 * wrong {@code tls-auth} key, a wrong {@code tls-crypt} key. The implementation under test is in
 * namespace a, stock OpenVPN (tls-server) or the implementation under test in b. In each run the
 * tunnel must pass nothing (pings for {@value #NO_TRAFFIC_SECONDS} s after both peers started, then
 * again after the verdict, all lost), no peer may log "Initialization Sequence Completed", and the
 * detecting side must name the reason: Culvert logs {@code TLS Error: <REASON>: ...} and goes to
 * {@code state RECONNECTING (HANDSHAKE_FAILED: <REASON>: ...)}; stock OpenVPN logs its own message. The
 * certificate cases run twice in one pair of namespaces, once with each side detecting; in the
 * wrap-key cases both sides detect at once (each drops the other's control packets).
 */
@ExtendWith(PeerLogs.class)
class TlsFailureTest {
    /** How long pings must fail once both peers run (a tunnel would be up in ~2 s). */
    private static final int NO_TRAFFIC_SECONDS = 6;
    /**
     * A wrap-key mismatch is declared only when {@code --hand-window} runs out without one good
     * control packet (OpenVPN's default is 60 s): the side under test gets 5 s to keep the case short.
     */
    private static final String HAND_WINDOW = "5";
    private static final Duration VERDICT_WAIT = Duration.ofSeconds(30);
    private static final String CIPHER = "AES-256-GCM";

    /** What stock OpenVPN 2.6 logs for each failure when it is the detecting side. */
    private static final String OVPN_FINGERPRINT = "TLS Error: --tls-verify/--peer-fingerprint certificate hash verification failed";
    private static final String OVPN_UNTRUSTED = "VERIFY ERROR: depth=0, error=(unable to get local issuer certificate|unable to verify the first certificate)";
    private static final String OVPN_TLS_AUTH = "TLS Error: incoming packet authentication failed from";
    private static final String OVPN_TLS_CRYPT = "TLS Error: tls-crypt unwrapping failed from";

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void wrongPeerFingerprint() {
        Path dir = Peer.caseDir("tls-fail-fingerprint");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.FINGERPRINT, Wrap.NONE);
        Pki.Identity stranger = Pki.selfSigned(dir, "stranger");
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            // Run 1: a (tls-server) pins a certificate the client does not have: a detects.
            PeerConfig a1 = fingerprintSide(net, net.a(), true, m.server(), stranger.fingerprint());
            PeerConfig b1 = fingerprintSide(net, net.b(), false, m.client(), m.server().fingerprint());
            Peer.Pair p1 = Peer.startPair(net, dir, Role.UDP, ut, a1, "run1-a-" + ut, Impl.OPENVPN, b1, "run1-b-openvpn");
            String seen1 = expectRejected(net, p1, p1.a(), "FINGERPRINT_MISMATCH", OVPN_FINGERPRINT);
            p1.stop(Duration.ofSeconds(20));

            // Run 2: OpenVPN (tls-server) pins a certificate a does not have: OpenVPN detects.
            PeerConfig a2 = fingerprintSide(net, net.a(), false, m.client(), m.server().fingerprint());
            PeerConfig b2 = fingerprintSide(net, net.b(), true, m.server(), stranger.fingerprint());
            Peer.Pair p2 = Peer.startPair(net, dir, Role.UDP, ut, a2, "run2-a-" + ut, Impl.OPENVPN, b2, "run2-b-openvpn");
            String seen2 = expectRejected(net, p2, p2.b(), null, OVPN_FINGERPRINT);
            String other2 = TunnelChecks.firstLine(p2.a(), "TLS Error|HANDSHAKE_FAILED");
            p2.stop(Duration.ofSeconds(20));
            Report.line("tls wrong peer-fingerprint: " + ut + " as detector: " + seen1 + " | openvpn as detector: " + seen2 + " | " + ut
                    + " meanwhile: " + other2);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void certificateFromAnotherCa() {
        Path dir = Peer.caseDir("tls-fail-other-ca");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.CA, Wrap.NONE);
        // Same common names and key usages as the good ones: only the issuer is wrong.
        Path otherDir = subdir(dir, "other-ca");
        Pki.Authority otherCa = Pki.authority(otherDir, "culvert-e2e-other-ca");
        Pki.Identity otherServer = Pki.issue(otherCa, otherDir, TlsConfigs.SERVER_CN, Pki.Usage.SERVER);
        Pki.Identity otherClient = Pki.issue(otherCa, otherDir, TlsConfigs.CLIENT_CN, Pki.Usage.CLIENT);
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            // Run 1: OpenVPN (tls-server) presents a certificate from the other CA: a (tls-client) detects.
            PeerConfig a1 = caSide(net, net.a(), false, m.ca(), m.client());
            PeerConfig b1 = caSide(net, net.b(), true, m.ca(), otherServer);
            Peer.Pair p1 = Peer.startPair(net, dir, Role.UDP, ut, a1, "run1-a-" + ut, Impl.OPENVPN, b1, "run1-b-openvpn");
            String seen1 = expectRejected(net, p1, p1.a(), "CERT_UNTRUSTED", OVPN_UNTRUSTED);
            p1.stop(Duration.ofSeconds(20));

            // Run 2: a (tls-client) presents a certificate from the other CA: OpenVPN detects.
            PeerConfig a2 = caSide(net, net.a(), false, m.ca(), otherClient);
            PeerConfig b2 = caSide(net, net.b(), true, m.ca(), m.server());
            Peer.Pair p2 = Peer.startPair(net, dir, Role.UDP, ut, a2, "run2-a-" + ut, Impl.OPENVPN, b2, "run2-b-openvpn");
            String seen2 = expectRejected(net, p2, p2.b(), null, OVPN_UNTRUSTED);
            String other2 = TunnelChecks.firstLine(p2.a(), "TLS Error|HANDSHAKE_FAILED");
            p2.stop(Duration.ofSeconds(20));
            Report.line("tls certificate from another CA: " + ut + " as detector: " + seen1 + " | openvpn as detector: " + seen2 + " | " + ut
                    + " meanwhile: " + other2);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void wrongTlsAuthKey() {
        wrongWrapKey("tls-fail-tls-auth", Wrap.TLS_AUTH, "TLS_AUTH_FAILED", OVPN_TLS_AUTH);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void wrongTlsCryptKey() {
        wrongWrapKey("tls-fail-tls-crypt", Wrap.TLS_CRYPT, "TLS_CRYPT_FAILED", OVPN_TLS_CRYPT);
    }

    /**
     * a (tls-client) wraps its control packets with one key, OpenVPN (tls-server) with another; both
     * send (a p2p tls-server starts its own handshake too), so both see only packets failing the check.
     */
    private static void wrongWrapKey(String name, Wrap wrap, String culvertReason, String openvpnRegex) {
        Path dir = Peer.caseDir(name);
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.FINGERPRINT, wrap);
        Path otherKey = Pki.tlsKey(dir, "other.key");
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            PeerConfig a = fingerprintSide(net, net.a(), false, m.client(), m.server().fingerprint());
            TlsConfigs.wrap(a, wrap, otherKey, false, false).option("hand-window", HAND_WINDOW);
            PeerConfig b = fingerprintSide(net, net.b(), true, m.server(), m.client().fingerprint());
            TlsConfigs.wrap(b, wrap, m.wrapKey(), true, false);
            Peer.Pair p = Peer.startPair(net, dir, Role.UDP, ut, a, "a-" + ut, Impl.OPENVPN, b, "b-openvpn");
            String seenA = expectRejected(net, p, p.a(), culvertReason, openvpnRegex);
            // OpenVPN drops a's packets from the first one on; its line is there by now or very soon.
            p.b().awaitLog(openvpnRegex, 0, TunnelChecks.LOG_LAG);
            String seenB = TunnelChecks.firstLine(p.b(), openvpnRegex);
            p.stop(Duration.ofSeconds(20));
            Report.line("tls wrong " + wrap + " key: " + ut + ": " + seenA + " | openvpn: " + seenB);
        }
    }

    /**
     * The checks of a run that must fail: nothing passes for {@value #NO_TRAFFIC_SECONDS} s; the detector
     * names the reason within {@link #VERDICT_WAIT} (as Culvert does when {@code culvertReason} is given
     * and the detector is Culvert, else by {@code openvpnRegex}); nothing passes afterwards either; no
     * peer completed its initialization.
     *
     * @return the detector's line naming the reason, for the report
     */
    static String expectRejected(Netns net, Peer.Pair p, Peer detector, String culvertReason, String openvpnRegex) {
        Traffic.PingResult before = pingWhileTunUp(net, p, NO_TRAFFIC_SECONDS);
        assertTrue(before.transmitted() > 0, "no ping was sent");
        assertEquals(0, before.received(), "pings passed through a tunnel whose handshake must fail");
        String line;
        if (detector.impl() == Impl.CULVERT && culvertReason != null) {
            detector.awaitLog("TLS Error: " + culvertReason + ": ", 0, VERDICT_WAIT);
            detector.awaitLog("state RECONNECTING \\(HANDSHAKE_FAILED: " + culvertReason + ": ", 0, VERDICT_WAIT);
            line = TunnelChecks.firstLine(detector, Pattern.quote("TLS Error: " + culvertReason + ": "));
        } else {
            detector.awaitLog(openvpnRegex, 0, VERDICT_WAIT);
            line = TunnelChecks.firstLine(detector, openvpnRegex);
        }
        Traffic.PingResult after = pingWhileTunUp(net, p, 2);
        assertEquals(0, after.received(), "pings passed after the handshake failed");
        TunnelChecks.assertNeverCompleted(p.a());
        TunnelChecks.assertNeverCompleted(p.b());
        p.a().assertAlive("after a failed handshake (it must retry, not exit)");
        p.b().assertAlive("after a failed handshake (it must retry, not exit)");
        return line;
    }

    /**
     * Pings from a to b's tunnel address for {@code seconds}, starting when a has its tun device: a
     * ping started without a route fails at once with "Network is unreachable", which proves nothing.
     * Culvert closes and reopens its tun device around each failed handshake, so the start is retried
     * until the ready timeout.
     */
    private static Traffic.PingResult pingWhileTunUp(Netns net, Peer.Pair p, int seconds) {
        long deadline = System.nanoTime() + E2eEnv.readyTimeout().toNanos();
        while (true) {
            if (net.hasRoute(net.a(), net.tunAddrB())) {
                Traffic.PingResult r = Traffic.pingFor(net, net.a(), net.tunAddrB(), seconds);
                if (r != null) {
                    return r;
                }
            }
            p.a().assertAlive("while waiting for its tun device");
            p.b().assertAlive("while waiting for a's tun device");
            if (System.nanoTime() > deadline) {
                fail(p.a() + " had no route to " + net.tunAddrB() + " (no tun device) for " + E2eEnv.readyTimeout().toSeconds() + " s");
            }
            Peer.pause();
        }
    }

    private static PeerConfig fingerprintSide(Netns net, String ns, boolean tlsServer, Pki.Identity self, String peerFingerprint) {
        return TlsConfigs.fingerprint(PeerConfig.tls(net, ns, Role.UDP, tlsServer), self, peerFingerprint, false).option("data-ciphers", CIPHER);
    }

    private static PeerConfig caSide(Netns net, String ns, boolean tlsServer, Pki.Authority ca, Pki.Identity self) {
        String peerCn = tlsServer ? TlsConfigs.CLIENT_CN : TlsConfigs.SERVER_CN;
        return TlsConfigs.ca(PeerConfig.tls(net, ns, Role.UDP, tlsServer), ca, self, !tlsServer, peerCn, false).option("data-ciphers", CIPHER);
    }

    private static Path subdir(Path dir, String name) {
        try {
            return Files.createDirectories(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
