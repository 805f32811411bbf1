package org.culvert.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.culvert.e2e.PeerConfig.Role;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The interop matrix, static-key mode: the implementation under test in namespace a (Culvert, or
 * OpenVPN with {@code -Dculvert.e2e.impl=openvpn}) against stock OpenVPN 2.6 or against itself in
 * namespace b. Every case: 20 pings each at 64, 1400 and 3000 bytes (3000 is fragmented) with none
 * lost, then a 3-second bidirectional iperf3 run that must move data both ways; the rates are printed.
 */
@ExtendWith(PeerLogs.class)
class InteropTest {
    private static final String AES256 = "AES-256-CBC";
    private static final String SHA256 = "SHA256";

    /** One cell of the matrix. {@code dirA} is a's key direction; b uses the other one. */
    record Case(String name, Impl implA, Impl implB, Role roleA, int dirA, String cipher, String auth) {
        @Override
        public String toString() {
            return implA + "(" + roleA.proto() + ",dir " + dirA + ") <-> " + implB + "(" + roleA.opposite().proto() + ",dir " + (1 - dirA)
                    + ") " + cipher + "/" + auth;
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
        for (int dir = 0; dir <= 1; dir++) {
            l.add(new Case("vs-openvpn-udp-dir" + dir, ut, ovpn, Role.UDP, dir, AES256, SHA256));
            l.add(new Case("vs-openvpn-tcpserver-dir" + dir, ut, ovpn, Role.TCP_SERVER, dir, AES256, SHA256));
            l.add(new Case("vs-openvpn-tcpclient-dir" + dir, ut, ovpn, Role.TCP_CLIENT, dir, AES256, SHA256));
        }
        l.add(new Case("vs-openvpn-udp-aes128-sha1", ut, ovpn, Role.UDP, 0, "AES-128-CBC", "SHA1"));
        l.add(new Case("vs-openvpn-udp-none-none", ut, ovpn, Role.UDP, 1, "none", "none"));
        l.add(new Case("self-udp-dir0", ut, ut, Role.UDP, 0, AES256, SHA256));
        l.add(new Case("self-udp-dir1", ut, ut, Role.UDP, 1, AES256, SHA256));
        l.add(new Case("self-tcpserver-dir0", ut, ut, Role.TCP_SERVER, 0, AES256, SHA256));
        l.add(new Case("self-tcpclient-dir0", ut, ut, Role.TCP_CLIENT, 0, AES256, SHA256));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void pingAndIperf(Case c) {
        Path dir = Peer.caseDir("interop-" + c.name());
        Path key = Peer.genKey(dir);
        try (Netns net = Netns.create()) {
            PeerConfig cfgA = PeerConfig.staticKey(net, net.a(), c.roleA(), key, c.dirA(), c.cipher(), c.auth());
            PeerConfig cfgB = PeerConfig.staticKey(net, net.b(), c.roleA().opposite(), key, 1 - c.dirA(), c.cipher(), c.auth());
            Peer a;
            Peer b;
            long t0 = System.nanoTime();
            // A tcp-client gives up between retries; start the server first and wait until it listens.
            if (c.roleA() == Role.TCP_SERVER) {
                a = Peer.startWithConfig(net, net.a(), c.implA(), cfgA, dir, "a");
                a.awaitTcpListening(net, PeerConfig.PORT, E2eEnv.readyTimeout());
                b = Peer.startWithConfig(net, net.b(), c.implB(), cfgB, dir, "b");
            } else if (c.roleA() == Role.TCP_CLIENT) {
                b = Peer.startWithConfig(net, net.b(), c.implB(), cfgB, dir, "b");
                b.awaitTcpListening(net, PeerConfig.PORT, E2eEnv.readyTimeout());
                a = Peer.startWithConfig(net, net.a(), c.implA(), cfgA, dir, "a");
            } else {
                b = Peer.startWithConfig(net, net.b(), c.implB(), cfgB, dir, "b");
                a = Peer.startWithConfig(net, net.a(), c.implA(), cfgA, dir, "a");
            }
            Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), a, b);
            double readySeconds = (System.nanoTime() - t0) / 1e9;

            String pings = Traffic.assertPingsAllSizes(net, net.a(), net.tunAddrB(), 20);
            Traffic.IperfResult iperf = Traffic.iperfBidir(net, net.a(), net.tunAddrA(), net.b(), 3, dir);
            Traffic.assertMoved(iperf);
            a.assertAlive("after the traffic");
            b.assertAlive("after the traffic");

            int exitA = a.stop(Duration.ofSeconds(20));
            int exitB = b.stop(Duration.ofSeconds(20));
            Report.line(c + ": up in " + Traffic.fmt(readySeconds) + " s; " + pings + "; iperf3 b->a " + Traffic.mbit(iperf.clientToServerBps())
                    + " Mbit/s, a->b " + Traffic.mbit(iperf.serverToClientBps()) + " Mbit/s; exit a=" + exitA + " b=" + exitB
                    + countersOf(a) + countersOf(b));
        }
    }

    static String countersOf(Peer p) {
        if (p.impl() != Impl.CULVERT) {
            return "";
        }
        try {
            CulvertCounters k = CulvertCounters.parseLast(p.logText());
            return "; " + p.label() + " drops " + k.drops() + " restarts " + k.restarts();
        } catch (IllegalArgumentException e) {
            return "; " + p.label() + ": " + e.getMessage();
        }
    }
}
