package org.culvert.openvpn.tls;

import org.culvert.openvpn.session.TimerEvent;
import org.culvert.openvpn.session.Incoming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.config.Proto;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Culvert's engine against the stock {@code openvpn} 2.6 binary on 127.0.0.1, with {@code --dev null}:
 * the handshake completes on both sides and each side's data-channel pings decrypt on the other.
 * The Java side is driven with plain sockets; no tun and no namespaces.
 */
class OpenVpnInteropTest {
    private static final int HEADROOM = 128;
    private static final TestPki.Identity SERVER = TestPki.selfSigned("stock-server");
    private static final TestPki.Identity CLIENT = TestPki.selfSigned("culvert-client");

    @TempDir
    Path dir;

    @BeforeAll
    static void requireOpenVpn() {
        Assumptions.assumeTrue(StockOpenVpn.available(), "openvpn is not installed");
    }

    @Test
    void culvertClientAgainstStockServerUdpFingerprintGcm() throws Exception {
        Files.writeString(dir.resolve("s.crt"), SERVER.certPem());
        Files.writeString(dir.resolve("s.key"), SERVER.keyPem());
        int port = StockOpenVpn.freeUdpPort();
        List<String> args = List.of("--dev", "null", "--proto", "udp", "--local", "127.0.0.1", "--lport",
                String.valueOf(port), "--tls-server", "--dh", "none", "--cert", "s.crt", "--key", "s.key",
                "--peer-fingerprint", CLIENT.fingerprint(), "--data-ciphers", "AES-256-GCM", "--verb", "7", "--ping", "1",
                "--ping-restart", "5");
        TlsSettings settings = TlsSettings.builder(TlsRole.CLIENT).cert(CLIENT.certPem()).key(CLIENT.keyPem())
                .peerFingerprint(SERVER.fingerprint()).ping(1).pingRestart(5).build();
        try (StockOpenVpn ovpn = new StockOpenVpn(dir, args);
                DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom())) {
            assertTrue(StockOpenVpn.await(5000, () -> ovpn.logContains("UDPv4 link local")), ovpn.tail(30));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            runUdp(socket, session, 15_000, () -> session.isKeyed() && session.pingsReceived() >= 2
                    && ovpn.logContains("Initialization Sequence Completed") && ovpn.logCount("RECEIVED PING PACKET") >= 2);
            assertTrue(session.isKeyed(), () -> "not keyed: " + session.lastError() + "\n" + ovpn.tail(40));
            assertTrue(ovpn.logContains("Initialization Sequence Completed"), ovpn.tail(40));
            assertTrue(session.pingsReceived() >= 2, "pings from openvpn decrypted: " + session.pingsReceived());
            assertTrue(ovpn.logCount("RECEIVED PING PACKET") >= 2, () -> "openvpn did not decrypt our pings\n"
                    + ovpn.tail(40));
            Negotiated n = session.negotiated();
            assertEquals(DataCipher.AES_256_GCM, n.dataCipher());
            assertEquals("tls-ekm", n.keyDerivation());
            assertTrue(n.dataV2());
            assertTrue(ovpn.logContains("peer-id " + n.peerId()), ovpn.grep("P2P mode NCP"));
            assertFalse(ovpn.logContains("Inactivity timeout"), ovpn.tail(20));
        }
    }

    @Test
    void culvertClientAgainstStockServerThatAlsoKnowsItsRemote() throws Exception {
        // The usual p2p deployment: both ends name each other, so the stock tls-server sends its own
        // hard reset without waiting for ours.
        Files.writeString(dir.resolve("s.crt"), SERVER.certPem());
        Files.writeString(dir.resolve("s.key"), SERVER.keyPem());
        int port = StockOpenVpn.freeUdpPort();
        TlsSettings settings = TlsSettings.builder(TlsRole.CLIENT).cert(CLIENT.certPem()).key(CLIENT.keyPem())
                .peerFingerprint(SERVER.fingerprint()).ping(1).pingRestart(5).build();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom())) {
            List<String> args = List.of("--dev", "null", "--proto", "udp", "--local", "127.0.0.1", "--lport",
                    String.valueOf(port), "--remote", "127.0.0.1", "--rport", String.valueOf(socket.getLocalPort()),
                    "--tls-server", "--dh", "none", "--cert", "s.crt", "--key", "s.key", "--peer-fingerprint",
                    CLIENT.fingerprint(), "--verb", "7", "--ping", "1", "--ping-restart", "5");
            try (StockOpenVpn ovpn = new StockOpenVpn(dir, args)) {
                assertTrue(StockOpenVpn.await(5000, () -> ovpn.logContains("UDPv4 link local")), ovpn.tail(30));
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                runUdp(socket, session, 15_000, () -> session.isKeyed() && session.pingsReceived() >= 2
                        && ovpn.logContains("Initialization Sequence Completed")
                        && ovpn.logCount("RECEIVED PING PACKET") >= 2);
                assertTrue(session.isKeyed(), () -> "not keyed: " + session.lastError() + "\n" + ovpn.tail(40));
                assertTrue(session.pingsReceived() >= 2, "pings from openvpn decrypted: " + session.pingsReceived());
                assertTrue(ovpn.logCount("RECEIVED PING PACKET") >= 2, () -> "openvpn did not decrypt our pings\n"
                        + ovpn.tail(40));
            }
        }
    }

    @Test
    void stockClientAgainstCulvertServerUdpWithCa() throws Exception {
        TestPki.Identity ca = TestPki.ca("Culvert Test CA");
        TestPki.Identity server = TestPki.issue(ca, "culvert-server", TestPki.Usage.SERVER, false, false);
        TestPki.Identity client = TestPki.issue(ca, "stock-client", TestPki.Usage.CLIENT, false, true);
        Files.writeString(dir.resolve("ca.crt"), ca.certPem());
        Files.writeString(dir.resolve("c.crt"), client.certPem());
        Files.writeString(dir.resolve("c.key"), client.keyPem());
        TlsSettings settings = TlsSettings.builder(TlsRole.SERVER).ca(ca.certPem()).cert(server.certPem())
                .key(server.keyPem()).dhNone().remoteCertTls(RemoteCertTls.CLIENT)
                .verifyX509Name("stock-client", X509NameType.NAME).ping(1).pingRestart(5).build();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom())) {
            List<String> args = List.of("--dev", "null", "--proto", "udp", "--remote", "127.0.0.1",
                    String.valueOf(socket.getLocalPort()), "--nobind", "--tls-client", "--ca", "ca.crt", "--cert", "c.crt",
                    "--key", "c.key", "--remote-cert-tls", "server", "--verify-x509-name", "culvert-server", "name",
                    "--data-ciphers", "AES-256-GCM", "--verb", "7", "--ping", "1", "--ping-restart", "5");
            try (StockOpenVpn ovpn = new StockOpenVpn(dir, args)) {
                byte[] first = receiveFirst(socket);
                ByteBuffer buf = framed(first, first.length);
                assertEquals(Incoming.CONSUMED, session.decapsulate(buf), () -> "first packet: "
                        + session.lastVerdict());
                runUdp(socket, session, 15_000, () -> session.isKeyed() && session.pingsReceived() >= 2
                        && ovpn.logContains("Initialization Sequence Completed")
                        && ovpn.logCount("RECEIVED PING PACKET") >= 2);
                assertTrue(session.isKeyed(), () -> "not keyed: " + session.lastError() + "\n" + ovpn.tail(40));
                assertTrue(ovpn.logContains("Initialization Sequence Completed"), ovpn.tail(40));
                assertTrue(session.pingsReceived() >= 2, "pings from openvpn decrypted: " + session.pingsReceived());
                assertTrue(ovpn.logCount("RECEIVED PING PACKET") >= 2, () -> "openvpn did not decrypt our pings\n"
                        + ovpn.tail(40));
                Negotiated n = session.negotiated();
                assertEquals(DataCipher.AES_256_GCM, n.dataCipher());
                assertEquals("C=DE, O=Culvert Test, CN=stock-client", n.peerSubject());
                assertTrue(ovpn.logContains("VERIFY EKU OK"), ovpn.grep("VERIFY"));
            }
        }
    }

    @Test
    void culvertClientAgainstStockServerTcp() throws Exception {
        Files.writeString(dir.resolve("s.crt"), SERVER.certPem());
        Files.writeString(dir.resolve("s.key"), SERVER.keyPem());
        int port = StockOpenVpn.freeTcpPort();
        List<String> args = List.of("--dev", "null", "--proto", "tcp-server", "--local", "127.0.0.1", "--lport",
                String.valueOf(port), "--tls-server", "--dh", "none", "--cert", "s.crt", "--key", "s.key",
                "--peer-fingerprint", CLIENT.fingerprint(), "--data-ciphers", "AES-256-GCM", "--verb", "7", "--ping", "1",
                "--ping-restart", "5");
        TlsSettings settings = TlsSettings.builder(TlsRole.CLIENT).cert(CLIENT.certPem()).key(CLIENT.keyPem())
                .peerFingerprint(SERVER.fingerprint()).proto(Proto.TCP_CLIENT).ping(1).pingRestart(5).build();
        try (StockOpenVpn ovpn = new StockOpenVpn(dir, args);
                TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom())) {
            assertTrue(StockOpenVpn.await(5000, () -> ovpn.logContains("Listening for incoming TCP connection")),
                    ovpn.tail(30));
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
                runTcp(socket, session, 15_000, () -> session.isKeyed() && session.pingsReceived() >= 2
                        && ovpn.logContains("Initialization Sequence Completed")
                        && ovpn.logCount("RECEIVED PING PACKET") >= 2);
            }
            assertTrue(session.isKeyed(), () -> "not keyed: " + session.lastError() + "\n" + ovpn.tail(40));
            assertTrue(session.pingsReceived() >= 2, "pings from openvpn decrypted: " + session.pingsReceived());
            assertTrue(ovpn.logCount("RECEIVED PING PACKET") >= 2, () -> "openvpn did not decrypt our pings\n"
                    + ovpn.tail(40));
        }
    }

    @Test
    void tlsCryptCbcAndRenegotiationStartedByStockServer() throws Exception {
        byte[] key = new byte[256];
        new SecureRandom().nextBytes(key);
        Files.writeString(dir.resolve("tc.key"), staticKeyFile(key));
        Files.writeString(dir.resolve("s.crt"), SERVER.certPem());
        Files.writeString(dir.resolve("s.key"), SERVER.keyPem());
        int port = StockOpenVpn.freeUdpPort();
        List<String> args = List.of("--dev", "null", "--proto", "udp", "--local", "127.0.0.1", "--lport",
                String.valueOf(port), "--tls-server", "--dh", "none", "--cert", "s.crt", "--key", "s.key",
                "--peer-fingerprint", CLIENT.fingerprint(), "--tls-crypt", "tc.key", "--data-ciphers", "AES-256-CBC",
                "--auth", "SHA256", "--reneg-sec", "3", "--verb", "7", "--ping", "1", "--ping-restart", "5");
        TlsSettings settings = TlsSettings.builder(TlsRole.CLIENT).cert(CLIENT.certPem()).key(CLIENT.keyPem())
                .peerFingerprint(SERVER.fingerprint()).tlsCrypt(key).dataCiphers("AES-256-CBC")
                .auth(org.culvert.openvpn.crypto.AuthAlgorithm.SHA256).ping(1).pingRestart(5).build();
        try (StockOpenVpn ovpn = new StockOpenVpn(dir, args);
                DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom())) {
            assertTrue(StockOpenVpn.await(5000, () -> ovpn.logContains("UDPv4 link local")), ovpn.tail(30));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            runUdp(socket, session, 20_000, () -> session.renegotiations() >= 2 && session.negotiated().keyId() >= 2
                    && ovpn.logCount("RECEIVED PING PACKET") >= 6);
            assertTrue(session.isKeyed(), () -> "not keyed: " + session.lastError() + "\n" + ovpn.tail(40));
            Negotiated n = session.negotiated();
            assertEquals(DataCipher.AES_256_CBC, n.dataCipher());
            assertTrue(n.dynamicTlsCrypt(), "dynamic tls-crypt negotiated");
            assertTrue(session.renegotiations() >= 2, () -> "renegotiations " + session.renegotiations() + "\n"
                    + ovpn.grep("soft reset") + ovpn.tail(30));
            assertTrue(n.keyId() >= 2, "now sending on key_id " + n.keyId());
            assertTrue(ovpn.logCount("RECEIVED PING PACKET") >= 6, () -> ovpn.tail(40));
            assertFalse(ovpn.logContains("TLS Error"), () -> ovpn.grep("TLS Error"));
            assertFalse(ovpn.logContains("Authenticate/Decrypt packet error"), () -> ovpn.grep("Decrypt"));
        }
    }

    @Test
    void tlsAuthChachaAndRenegotiationStartedByCulvertServer() throws Exception {
        byte[] key = new byte[256];
        new SecureRandom().nextBytes(key);
        Files.writeString(dir.resolve("ta.key"), staticKeyFile(key));
        Files.writeString(dir.resolve("c.crt"), CLIENT.certPem());
        Files.writeString(dir.resolve("c.key"), CLIENT.keyPem());
        TlsSettings settings = TlsSettings.builder(TlsRole.SERVER).cert(SERVER.certPem()).key(SERVER.keyPem())
                .peerFingerprint(CLIENT.fingerprint()).dhNone()
                .tlsAuth(key, org.culvert.openvpn.crypto.KeyDirection.NORMAL).dataCiphers("CHACHA20-POLY1305")
                .renegSeconds(3).ping(1).pingRestart(5).build();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom())) {
            List<String> args = List.of("--dev", "null", "--proto", "udp", "--remote", "127.0.0.1",
                    String.valueOf(socket.getLocalPort()), "--nobind", "--tls-client", "--cert", "c.crt", "--key", "c.key",
                    "--peer-fingerprint", SERVER.fingerprint(), "--tls-auth", "ta.key", "1", "--data-ciphers",
                    "CHACHA20-POLY1305", "--verb", "7", "--ping", "1", "--ping-restart", "5");
            try (StockOpenVpn ovpn = new StockOpenVpn(dir, args)) {
                byte[] first = receiveFirst(socket);
                ByteBuffer buf = framed(first, first.length);
                session.decapsulate(buf);
                runUdp(socket, session, 20_000, () -> session.renegotiations() >= 2 && session.negotiated().keyId() >= 2
                        && ovpn.logCount("RECEIVED PING PACKET") >= 6);
                assertTrue(session.isKeyed(), () -> "not keyed: " + session.lastError() + "\n" + ovpn.tail(40));
                Negotiated n = session.negotiated();
                assertEquals(DataCipher.CHACHA20_POLY1305, n.dataCipher());
                assertTrue(session.renegotiations() >= 2, () -> "renegotiations " + session.renegotiations() + "\n"
                        + ovpn.tail(30));
                assertTrue(ovpn.logCount("RECEIVED PING PACKET") >= 6, () -> ovpn.tail(40));
                assertFalse(ovpn.logContains("TLS Error"), () -> ovpn.grep("TLS Error"));
                assertFalse(ovpn.logContains("Authenticate/Decrypt packet error"), () -> ovpn.grep("Decrypt"));
            }
        }
    }

    static String staticKeyFile(byte[] key) {
        StringBuilder sb = new StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        String hex = org.culvert.openvpn.tls.internal.Bytes.hex(key);
        for (int i = 0; i < hex.length(); i += 32) {
            sb.append(hex, i, i + 32).append('\n');
        }
        return sb.append("-----END OpenVPN Static key V1-----\n").toString();
    }

    /** Drives the engine over TCP with OpenVPN's 16-bit length framing, applied here as a link would. */
    static void runTcp(Socket socket, TlsSession session, long timeoutMillis, java.util.function.BooleanSupplier done)
            throws IOException {
        socket.setSoTimeout(20);
        socket.setTcpNoDelay(true);
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        ByteBuffer slot = ByteBuffer.allocate(HEADROOM + 4096);
        byte[] stream = new byte[1 << 17];
        int have = 0;
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end && !done.getAsBoolean()) {
            if (session.checkTimers() == TimerEvent.HANDSHAKE_FAILED) {
                return;
            }
            while (session.pollOutgoing(slot.clear(), HEADROOM)) {
                int len = slot.remaining();
                byte[] frame = new byte[len + 2];
                frame[0] = (byte) (len >>> 8);
                frame[1] = (byte) len;
                slot.get(slot.position(), frame, 2, len);
                out.write(frame);
            }
            out.flush();
            try {
                int n = in.read(stream, have, stream.length - have);
                if (n < 0) {
                    return;
                }
                have += n;
            } catch (SocketTimeoutException e) {
                continue;
            }
            int p = 0;
            while (have - p >= 2) {
                int len = ((stream[p] & 0xFF) << 8) | (stream[p + 1] & 0xFF);
                if (have - p - 2 < len) {
                    break;
                }
                ByteBuffer buf = ByteBuffer.allocate(len + 2 * HEADROOM);
                buf.position(HEADROOM);
                buf.put(stream, p + 2, len);
                buf.limit(buf.position()).position(HEADROOM);
                session.decapsulate(buf);
                p += 2 + len;
            }
            System.arraycopy(stream, p, stream, 0, have - p);
            have -= p;
        }
    }

    /** Drives the engine over a connected UDP socket until {@code done} or the deadline. */
    static void runUdp(DatagramSocket socket, TlsSession session, long timeoutMillis, java.util.function.BooleanSupplier done)
            throws IOException {
        runUdp(socket, session, timeoutMillis, done, () -> { });
    }

    /** As {@link #runUdp(DatagramSocket, TlsSession, long, java.util.function.BooleanSupplier)}, running {@code everyTurn} each turn. */
    static void runUdp(DatagramSocket socket, TlsSession session, long timeoutMillis, java.util.function.BooleanSupplier done,
            Runnable everyTurn) throws IOException {
        socket.setSoTimeout(20);
        ByteBuffer slot = ByteBuffer.allocate(HEADROOM + 4096);
        byte[] rx = new byte[65536];
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end && !done.getAsBoolean()) {
            everyTurn.run();
            TimerEvent ev = session.checkTimers();
            if (ev == TimerEvent.HANDSHAKE_FAILED) {
                return;
            }
            while (session.pollOutgoing(slot.clear(), HEADROOM)) {
                socket.send(new DatagramPacket(slot.array(), slot.position(), slot.remaining()));
            }
            DatagramPacket p = new DatagramPacket(rx, rx.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            }
            session.decapsulate(framed(rx, p.getLength()));
        }
    }

    /** {@code b[0, length)} in a fresh buffer with {@code HEADROOM} before and after, as a link delivers it. */
    static ByteBuffer framed(byte[] b, int length) {
        ByteBuffer buf = ByteBuffer.allocate(length + 2 * HEADROOM);
        buf.position(HEADROOM);
        buf.put(b, 0, length);
        buf.limit(buf.position()).position(HEADROOM);
        return buf;
    }

    /** Waits for the peer's first datagram, connects the socket to its sender and returns it. */
    static byte[] receiveFirst(DatagramSocket socket) throws IOException {
        socket.setSoTimeout(5000);
        byte[] first = new byte[2048];
        DatagramPacket p = new DatagramPacket(first, first.length);
        socket.receive(p);
        socket.connect(p.getSocketAddress());
        return java.util.Arrays.copyOf(first, p.getLength());
    }
}
