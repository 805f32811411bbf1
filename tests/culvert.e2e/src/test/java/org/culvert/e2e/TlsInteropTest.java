package org.culvert.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * The interop matrix, TLS point-to-point mode: the implementation under test in namespace a as
 * tls-server or tls-client, over UDP, tcp-server and tcp-client, against stock OpenVPN 2.6 or itself
 * in namespace b. Peers are verified by {@code peer-fingerprint} (self-signed EC certificates) or by a
 * CA (RSA certificates with server/client EKU, {@code remote-cert-tls}, {@code verify-x509-name});
 * the control channel is plain, {@code tls-auth} or {@code tls-crypt}; the data channel is
 * AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305 or AES-256-CBC with HMAC-SHA256. Every case: the
 * {@link TunnelChecks#assertCarriesTraffic standard traffic check}, and both peers name the expected
 * data-channel cipher in their logs.
 */
@ExtendWith(PeerLogs.class)
class TlsInteropTest {
    private static final String GCM256 = "AES-256-GCM";

    /**
     * One cell of the matrix. {@code aTlsServer} says which side is the tls-server (independent of the
     * link role: a tcp-client may be the tls-server). {@code digest} is {@code --auth} or null.
     */
    record Case(String name, Impl implA, Impl implB, Role roleA, boolean aTlsServer, Verify verify, Wrap wrap, String cipher, String digest,
            boolean inline) {
        @Override
        public String toString() {
            return name + ": " + implA + "(" + roleA.proto() + "," + (aTlsServer ? "tls-server" : "tls-client") + ") <-> " + implB + " "
                    + verify.name().toLowerCase(Locale.ROOT) + (wrap == Wrap.NONE ? "" : "+" + wrap.name().toLowerCase(Locale.ROOT))
                    + " " + cipher + (digest == null ? "" : "/" + digest) + (inline ? " (inline)" : "");
        }
    }

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    static Stream<Case> cases() {
        Impl ut = E2eEnv.underTest();
        Impl ovpn = Impl.OPENVPN;
        List<Case> l = new ArrayList<>();
        // 1. Both TLS roles over UDP and both TCP roles, peer-fingerprint, AES-256-GCM.
        l.add(new Case("fp-udp-server", ut, ovpn, Role.UDP, true, Verify.FINGERPRINT, Wrap.NONE, GCM256, null, false));
        l.add(new Case("fp-udp-client", ut, ovpn, Role.UDP, false, Verify.FINGERPRINT, Wrap.NONE, GCM256, null, false));
        l.add(new Case("fp-tcpserver-server", ut, ovpn, Role.TCP_SERVER, true, Verify.FINGERPRINT, Wrap.NONE, GCM256, null, false));
        l.add(new Case("fp-tcpclient-client", ut, ovpn, Role.TCP_CLIENT, false, Verify.FINGERPRINT, Wrap.NONE, GCM256, null, false));
        l.add(new Case("fp-tcpserver-client", ut, ovpn, Role.TCP_SERVER, false, Verify.FINGERPRINT, Wrap.NONE, GCM256, null, false));
        // 2. A CA with remote-cert-tls: tls-auth in both key directions with CHACHA20-POLY1305, tls-crypt
        // with AES-128-GCM (inline over UDP, files over TCP); AES-256-CBC + HMAC-SHA256.
        l.add(new Case("ca-tlsauth-chacha-server", ut, ovpn, Role.UDP, true, Verify.CA, Wrap.TLS_AUTH, "CHACHA20-POLY1305", null, false));
        l.add(new Case("ca-tlsauth-chacha-client", ut, ovpn, Role.UDP, false, Verify.CA, Wrap.TLS_AUTH, "CHACHA20-POLY1305", null, false));
        l.add(new Case("ca-tlscrypt-aes128gcm-inline-client", ut, ovpn, Role.UDP, false, Verify.CA, Wrap.TLS_CRYPT, "AES-128-GCM", null, true));
        l.add(new Case("ca-tlscrypt-aes128gcm-tcpserver-server", ut, ovpn, Role.TCP_SERVER, true, Verify.CA, Wrap.TLS_CRYPT, "AES-128-GCM", null,
                false));
        l.add(new Case("fp-cbc-sha256-server", ut, ovpn, Role.UDP, true, Verify.FINGERPRINT, Wrap.NONE, "AES-256-CBC", "SHA256", false));
        // 3. The implementation under test against itself.
        l.add(new Case("self-fp-udp", ut, ut, Role.UDP, true, Verify.FINGERPRINT, Wrap.NONE, GCM256, null, false));
        l.add(new Case("self-ca-tlsauth-tcpclient", ut, ut, Role.TCP_CLIENT, true, Verify.CA, Wrap.TLS_AUTH, "CHACHA20-POLY1305", null, false));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void pingAndIperf(Case c) {
        Path dir = Peer.caseDir("tls-" + c.name());
        TlsConfigs.Material m = TlsConfigs.make(dir, c.verify(), c.wrap());
        try (Netns net = Netns.create()) {
            PeerConfig cfgA = TlsConfigs.side(net, net.a(), c.roleA(), c.aTlsServer(), m, c.wrap(), c.cipher(), c.digest(), c.inline());
            PeerConfig cfgB = TlsConfigs.side(net, net.b(), c.roleA().opposite(), !c.aTlsServer(), m, c.wrap(), c.cipher(), c.digest(), c.inline());
            Peer.Pair p = Peer.startPair(net, dir, c.roleA(), c.implA(), cfgA, "a-" + c.implA(), c.implB(), cfgB, "b-" + c.implB());
            String traffic = TunnelChecks.assertCarriesTraffic(net, p, dir);
            TunnelChecks.awaitDataCipher(p.a(), c.cipher());
            TunnelChecks.awaitDataCipher(p.b(), c.cipher());
            String exits = p.stop(Duration.ofSeconds(20));
            Report.line("tls " + c + ": " + traffic + "; " + exits + TunnelChecks.counters(p.a()) + TunnelChecks.counters(p.b()));
        }
    }
}
