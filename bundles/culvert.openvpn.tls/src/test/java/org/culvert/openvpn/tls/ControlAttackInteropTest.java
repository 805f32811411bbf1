package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.session.Incoming;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine under control-channel attacks against the stock {@code openvpn} 2.6 binary on 127.0.0.1
 * with {@code --dev null}: forged hard resets (random session ids, one every 50 ms, no wrapper) and
 * the peer's own first reset replayed every 50 ms (tls-auth, tls-crypt). The attack packets are handed
 * to the engine as if they came over its link, so its replies reach the stock peer, as through a
 * relay. The stock peer must come up at once, renegotiate normally and never restart. (The live relay
 * tests with tun devices are in the e2e suite.)
 */
class ControlAttackInteropTest {
    private static final TestPki.Identity CULVERT = TestPki.selfSigned("culvert");
    private static final TestPki.Identity STOCK = TestPki.selfSigned("stock");

    @TempDir
    Path dir;

    @BeforeAll
    static void requireOpenVpn() {
        Assumptions.assumeTrue(StockOpenVpn.available(), "openvpn is not installed");
    }

    @Test
    void stockClientComesUpAndRenegotiatesWhileForgedClientResetsReachTheCulvertServer() throws Exception {
        Files.writeString(dir.resolve("c.crt"), STOCK.certPem());
        Files.writeString(dir.resolve("c.key"), STOCK.keyPem());
        TlsSettings settings = TlsSettings.builder(TlsRole.SERVER).cert(CULVERT.certPem()).key(CULVERT.keyPem())
                .peerFingerprint(STOCK.fingerprint()).dhNone().renegSeconds(3).ping(1).pingRestart(10).build();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom())) {
            List<String> args = List.of("--dev", "null", "--proto", "udp", "--remote", "127.0.0.1",
                    String.valueOf(socket.getLocalPort()), "--nobind", "--tls-client", "--cert", "c.crt", "--key", "c.key",
                    "--peer-fingerprint", CULVERT.fingerprint(), "--verb", "4", "--ping", "1", "--ping-restart", "10");
            Injector forger = Injector.forging(session, 7, 1);
            try (StockOpenVpn ovpn = new StockOpenVpn(dir, args)) {
                byte[] first = OpenVpnInteropTest.receiveFirst(socket);
                forger.injectNow();
                assertEquals(Incoming.CONSUMED, session.decapsulate(OpenVpnInteropTest.framed(first, first.length)));
                upAndRenegotiatingUnderAttack(socket, session, ovpn, forger);
            }
        }
    }

    @Test
    void culvertClientComesUpWhileForgedServerResetsReachIt() throws Exception {
        Files.writeString(dir.resolve("s.crt"), STOCK.certPem());
        Files.writeString(dir.resolve("s.key"), STOCK.keyPem());
        int port = StockOpenVpn.freeUdpPort();
        List<String> args = List.of("--dev", "null", "--proto", "udp", "--local", "127.0.0.1", "--lport",
                String.valueOf(port), "--tls-server", "--dh", "none", "--cert", "s.crt", "--key", "s.key",
                "--peer-fingerprint", CULVERT.fingerprint(), "--verb", "4", "--ping", "1", "--ping-restart", "10");
        TlsSettings settings = TlsSettings.builder(TlsRole.CLIENT).cert(CULVERT.certPem()).key(CULVERT.keyPem())
                .peerFingerprint(STOCK.fingerprint()).renegSeconds(3).ping(1).pingRestart(10).build();
        try (StockOpenVpn ovpn = new StockOpenVpn(dir, args);
                DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom())) {
            assertTrue(StockOpenVpn.await(5000, () -> ovpn.logContains("UDPv4 link local")), ovpn.tail(30));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            Injector forger = Injector.forging(session, 8, 2);
            forger.injectNow(); // the first server reset the client sees is forged
            upAndRenegotiatingUnderAttack(socket, session, ovpn, forger);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tls-auth", "tls-crypt"})
    void replayedResetsAreRefusedBeforeAndAfterKeyingAndAcrossRenegotiations(String wrap) throws Exception {
        byte[] key = new byte[256];
        new SecureRandom().nextBytes(key);
        Files.writeString(dir.resolve("w.key"), OpenVpnInteropTest.staticKeyFile(key));
        Files.writeString(dir.resolve("c.crt"), STOCK.certPem());
        Files.writeString(dir.resolve("c.key"), STOCK.keyPem());
        TlsSettings.Builder b = TlsSettings.builder(TlsRole.SERVER).cert(CULVERT.certPem()).key(CULVERT.keyPem())
                .peerFingerprint(STOCK.fingerprint()).dhNone().renegSeconds(3).ping(1).pingRestart(10);
        List<String> wrapArgs;
        if (wrap.equals("tls-auth")) {
            b.tlsAuth(key, org.culvert.openvpn.crypto.KeyDirection.NORMAL);
            wrapArgs = List.of("--tls-auth", "w.key", "1");
        } else {
            b.tlsCrypt(key);
            wrapArgs = List.of("--tls-crypt", "w.key");
        }
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(b.build(), Clock.system(), new SecureRandom())) {
            List<String> args = new java.util.ArrayList<>(List.of("--dev", "null", "--proto", "udp", "--remote",
                    "127.0.0.1", String.valueOf(socket.getLocalPort()), "--nobind", "--tls-client", "--cert", "c.crt",
                    "--key", "c.key", "--peer-fingerprint", CULVERT.fingerprint(), "--verb", "4", "--ping", "1",
                    "--ping-restart", "10"));
            args.addAll(wrapArgs);
            try (StockOpenVpn ovpn = new StockOpenVpn(dir, args)) {
                byte[] reset = OpenVpnInteropTest.receiveFirst(socket);
                assertEquals(Incoming.CONSUMED, session.decapsulate(OpenVpnInteropTest.framed(reset, reset.length)));
                Injector replayer = Injector.replaying(session, reset);
                replayer.injectNow();
                upAndRenegotiatingUnderAttack(socket, session, ovpn, replayer);
                assertEquals(replayer.count, replayer.refused, "every replay refused as CONTROL_REPLAY");
            }
        }
    }

    /** Hands the engine one attack packet every 50 ms, as if it came over the link. */
    private static final class Injector {
        private final TlsSession session;
        private final java.util.function.Supplier<byte[]> packets;
        private long next;
        int count;
        /** How many were dropped as {@link TlsVerdict#CONTROL_REPLAY}. */
        int refused;

        private Injector(TlsSession session, java.util.function.Supplier<byte[]> packets) {
            this.session = session;
            this.packets = packets;
        }

        /** Forged hard resets with random session ids. */
        static Injector forging(TlsSession session, int opcode, long seed) {
            Random random = new Random(seed);
            return new Injector(session, () -> ControlChannelAttackTest.forgedReset(opcode, random));
        }

        /** The same recorded packet again and again. */
        static Injector replaying(TlsSession session, byte[] packet) {
            return new Injector(session, packet::clone);
        }

        void injectNow() {
            byte[] p = packets.get();
            if (session.decapsulate(OpenVpnInteropTest.framed(p, p.length)) == Incoming.DROP
                    && session.lastVerdict() == TlsVerdict.CONTROL_REPLAY) {
                refused++;
            }
            count++;
            next = System.currentTimeMillis() + 50;
        }

        void maybeInject() {
            if (System.currentTimeMillis() >= next) {
                injectNow();
            }
        }
    }

    /**
     * Runs until both sides are up, then through two renegotiations (reneg-sec 3), injecting all along:
     * the stock peer came up once, opened no other session with us, never restarted, and pings flow.
     */
    private static void upAndRenegotiatingUnderAttack(DatagramSocket socket, TlsSession session, StockOpenVpn ovpn,
            Injector attack) throws IOException {
        OpenVpnInteropTest.runUdp(socket, session, 5_000, () -> session.isKeyed()
                && ovpn.logContains("Initialization Sequence Completed"), attack::maybeInject);
        assertTrue(session.isKeyed() && ovpn.logContains("Initialization Sequence Completed"),
                () -> "not up under attack: " + session.lastError() + "\n" + ovpn.tail(40));
        OpenVpnInteropTest.runUdp(socket, session, 15_000, () -> session.renegotiations() >= 2, attack::maybeInject);
        assertTrue(session.renegotiations() >= 2, () -> "renegotiations " + session.renegotiations() + " "
                + session.lastError() + "\n" + ovpn.tail(40));
        assertTrue(attack.count > 80, "injected " + attack.count);
        assertEquals(TlsSession.State.KEYED, session.state());
        assertEquals(1, ovpn.logCount("Initialization Sequence Completed"), () -> ovpn.grep("Initialization"));
        assertFalse(ovpn.logContains("SIGUSR1"), () -> ovpn.grep("SIGUSR1"));
        // Our replies to the attack never made the stock peer open another session with us.
        assertEquals(1, ovpn.logCount("promoted to trusted"), () -> ovpn.grep("Initial packet"));
        assertTrue(session.pingsReceived() >= 3, "pings from openvpn decrypted: " + session.pingsReceived());
    }
}
