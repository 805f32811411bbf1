package org.culvert.openvpn.tls;

import org.culvert.openvpn.session.Incoming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.Remote;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration files written once and read by both implementations: stock {@code openvpn} 2.6 runs
 * one role's file ({@code --config x.conf}, with only {@code --dev null} and a higher verbosity added on
 * its command line), Culvert parses the other role's file and maps it with {@link TlsSettingsFactory}.
 * Both role files include the same {@code common.conf}. Loopback UDP only; no tun, no namespaces.
 */
class ConfigFileInteropTest {
    private static final TestPki.Identity SERVER = TestPki.selfSigned("conf-server");
    private static final TestPki.Identity CLIENT = TestPki.selfSigned("conf-client");
    private static final int HEADROOM = 128;

    @TempDir
    Path dir;

    @BeforeAll
    static void requireOpenVpn() {
        Assumptions.assumeTrue(StockOpenVpn.available(), "openvpn is not installed");
    }

    /** What both peers share; the tls-crypt key is inline, the fallback cipher is the p2p --cipher. */
    private void writeCommon(String extra) throws Exception {
        byte[] key = new byte[256];
        new SecureRandom().nextBytes(key);
        Files.writeString(dir.resolve("common.conf"), String.join("\n",
                "# shared by both peers",
                "dev tun",
                "proto udp",
                "data-ciphers CHACHA20-POLY1305:AES-256-GCM",
                "cipher AES-256-CBC",
                "auth SHA256",
                "tls-version-min 1.2",
                "ping 1",
                "ping-restart 10",
                "verb 4",
                "<tls-crypt>",
                OpenVpnInteropTest.staticKeyFile(key).strip(),
                "</tls-crypt>",
                extra,
                ""));
        Files.writeString(dir.resolve("server.crt"), SERVER.certPem());
        Files.writeString(dir.resolve("server.key"), SERVER.keyPem());
        Files.writeString(dir.resolve("client.crt"), CLIENT.certPem());
        Files.writeString(dir.resolve("client.key"), CLIENT.keyPem());
    }

    private void writeServer(int port) throws Exception {
        Files.writeString(dir.resolve("server.conf"), String.join("\n", "config common.conf", "tls-server", "dh none",
                "cert server.crt", "key server.key", "peer-fingerprint " + CLIENT.fingerprint(), "local 127.0.0.1",
                "lport " + port, ""));
    }

    private void writeClient(int serverPort) throws Exception {
        Files.writeString(dir.resolve("client.conf"), String.join("\n", "config common.conf", "tls-client", "nobind",
                "cert client.crt", "key client.key", "<peer-fingerprint>", SERVER.fingerprint(), "</peer-fingerprint>",
                "remote 127.0.0.1 " + serverPort, ""));
    }

    private OpenVpnOptions parse(String file) throws Exception {
        return ConfigParser.parse(Files.readString(dir.resolve(file), StandardCharsets.UTF_8), file, dir);
    }

    private static List<String> stockArgs(String file) {
        // The tun device is the only difference: the stock peer runs without one.
        return List.of("--config", file, "--dev", "null", "--verb", "7");
    }

    @Test
    void culvertClientFromClientConfAgainstStockServerFromServerConf() throws Exception {
        int port = StockOpenVpn.freeUdpPort();
        writeCommon("");
        writeServer(port);
        writeClient(port);
        OpenVpnOptions options = parse("client.conf");
        TlsSettings settings = TlsSettingsFactory.fromOptions(options);
        Remote remote = options.remote().orElseThrow();
        try (StockOpenVpn ovpn = new StockOpenVpn(dir, stockArgs("server.conf"));
                DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom())) {
            assertTrue(StockOpenVpn.await(5000, () -> ovpn.logContains("UDPv4 link local")), ovpn.tail(30));
            socket.connect(new InetSocketAddress(InetAddress.getByName(remote.host()), remote.port()));
            OpenVpnInteropTest.runUdp(socket, session, 15_000, () -> session.isKeyed() && session.pingsReceived() >= 2
                    && ovpn.logContains("Initialization Sequence Completed") && ovpn.logCount("RECEIVED PING PACKET") >= 2);
            assertTunnelUp(ovpn, session, options);
            assertEquals(DataCipher.CHACHA20_POLY1305, session.negotiated().dataCipher(),
                    "the tls-server's first cipher that the client also offers");
        }
    }

    @Test
    void culvertServerFromServerConfAgainstStockClientFromClientConf() throws Exception {
        // The other way round, and with a CA instead of fingerprints on both sides.
        TestPki.Identity ca = TestPki.ca("Conf CA");
        TestPki.Identity server = TestPki.issue(ca, "conf-server", TestPki.Usage.SERVER, false, false);
        TestPki.Identity client = TestPki.issue(ca, "conf-client", TestPki.Usage.CLIENT, false, true);
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = socket.getLocalPort();
            writeCommon("ca ca.crt\ndata-ciphers AES-256-CBC:AES-256-GCM");
            writeServer(port);
            writeClient(port);
            Files.writeString(dir.resolve("ca.crt"), ca.certPem());
            Files.writeString(dir.resolve("server.crt"), server.certPem());
            Files.writeString(dir.resolve("server.key"), server.keyPem());
            Files.writeString(dir.resolve("client.crt"), client.certPem());
            Files.writeString(dir.resolve("client.key"), client.keyPem());
            // CA-based checks replace the pinned self-signed fingerprints.
            String serverConf = Files.readString(dir.resolve("server.conf"))
                    .replace("peer-fingerprint " + CLIENT.fingerprint(), "remote-cert-tls client\nverify-x509-name conf-client name");
            Files.writeString(dir.resolve("server.conf"), serverConf);
            String clientConf = Files.readString(dir.resolve("client.conf"))
                    .replace("<peer-fingerprint>\n" + SERVER.fingerprint() + "\n</peer-fingerprint>",
                            "remote-cert-tls server\nverify-x509-name 'C=DE, O=Culvert Test, CN=conf-server'");
            Files.writeString(dir.resolve("client.conf"), clientConf);

            OpenVpnOptions options = parse("server.conf");
            assertEquals(port, options.localPort());
            TlsSettings settings = TlsSettingsFactory.fromOptions(options);
            try (TlsSession session = new TlsSession(settings, Clock.system(), new SecureRandom());
                    StockOpenVpn ovpn = new StockOpenVpn(dir, stockArgs("client.conf"))) {
                socket.setSoTimeout(5000);
                byte[] first = new byte[2048];
                DatagramPacket p = new DatagramPacket(first, first.length);
                socket.receive(p);
                socket.connect(p.getSocketAddress());
                ByteBuffer buf = ByteBuffer.allocate(p.getLength() + 2 * HEADROOM);
                buf.position(HEADROOM);
                buf.put(first, 0, p.getLength());
                buf.limit(buf.position()).position(HEADROOM);
                assertEquals(Incoming.CONSUMED, session.decapsulate(buf), () -> "first packet: "
                        + session.lastVerdict());
                OpenVpnInteropTest.runUdp(socket, session, 15_000, () -> session.isKeyed() && session.pingsReceived() >= 2
                        && ovpn.logContains("Initialization Sequence Completed")
                        && ovpn.logCount("RECEIVED PING PACKET") >= 2);
                assertTunnelUp(ovpn, session, options);
                assertEquals(DataCipher.AES_256_CBC, session.negotiated().dataCipher());
                assertEquals("C=DE, O=Culvert Test, CN=conf-client", session.negotiated().peerSubject());
                assertTrue(ovpn.logContains("VERIFY EKU OK"), ovpn.grep("VERIFY"));
                assertTrue(ovpn.logContains("VERIFY X509NAME OK"), ovpn.grep("VERIFY"));
            }
        }
    }

    private static void assertTunnelUp(StockOpenVpn ovpn, TlsSession session, OpenVpnOptions options) {
        assertTrue(session.isKeyed(), () -> "not keyed: " + session.lastError() + "\n" + ovpn.tail(40));
        assertTrue(ovpn.logContains("Initialization Sequence Completed"), ovpn.tail(40));
        assertTrue(session.pingsReceived() >= 2, "pings from openvpn decrypted: " + session.pingsReceived());
        assertTrue(ovpn.logCount("RECEIVED PING PACKET") >= 2, () -> "openvpn did not decrypt our pings\n" + ovpn.tail(40));
        Negotiated n = session.negotiated();
        assertTrue(n.dynamicTlsCrypt(), "tls-crypt from the shared file, then dynamic tls-crypt");
        assertFalse(ovpn.logContains("TLS Error"), () -> ovpn.grep("TLS Error"));
        // The options strings agree except for the device the stock peer was told to use on its command line.
        String stockWarnings = ovpn.grep("WARNING: '");
        assertTrue(stockWarnings.contains("'dev-type' is used inconsistently"), ovpn.grep("Options String"));
        assertEquals(1, stockWarnings.strip().split("\n").length, () -> stockWarnings + ovpn.grep("Options String"));
        assertTrue(n.optionsWarning() != null && n.optionsWarning().contains("dev-type")
                && !n.optionsWarning().contains("link-mtu") && !n.optionsWarning().contains("cipher"),
                () -> "Culvert's OCC note: " + n.optionsWarning());
        // The same --mssfix limit for the negotiated cipher (both files leave mssfix at its default).
        assertEquals(stockMssFix(ovpn), TlsMtu.mssFix(options, n, false), () -> ovpn.grep("MTU parms"));
    }

    /** The mss_fix of the last "Data Channel MTU parms" line: OpenVPN logs it again once keys are installed. */
    private static int stockMssFix(StockOpenVpn ovpn) {
        String[] lines = ovpn.grep("Data Channel MTU parms").strip().split("\n");
        String last = lines[lines.length - 1];
        int at = last.indexOf("mss_fix:");
        assertTrue(at >= 0, last);
        int end = last.indexOf(' ', at);
        return Integer.parseInt(last.substring(at + "mss_fix:".length(), end));
    }
}
