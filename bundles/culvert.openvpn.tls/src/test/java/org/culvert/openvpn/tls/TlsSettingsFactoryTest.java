package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.culvert.openvpn.config.Compression;
import org.culvert.openvpn.config.ConfigException;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.Proto;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.tls.internal.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenVPN configuration files, parsed by {@link ConfigParser} and mapped by {@link TlsSettingsFactory},
 * drive engines that handshake with each other: the perf-anchor's TLS client and server as users write
 * them (files and inline blocks), the p2p meaning of {@code --cipher}, and every mapped option.
 */
class TlsSettingsFactoryTest {
    private static final TestPki.Identity SERVER = TestPki.selfSigned("perf-server");
    private static final TestPki.Identity CLIENT = TestPki.selfSigned("perf-client");

    @TempDir
    Path dir;

    /** Side A of perf-anchor.md's TLS row: {@code --tls-server --dh none --cert --key --peer-fingerprint}. */
    static String perfAnchorServer(String proto, String clientFingerprint) {
        return String.join("\n", "dev tun", "disable-dco", "verb 4", "proto " + proto, "local 10.201.0.1",
                proto.equals("udp") ? "remote 10.201.0.2" : "", "port 1194", "ifconfig 10.202.0.1 10.202.0.2", "tls-server",
                "dh none", "cert server.crt", "key server.key", "peer-fingerprint " + clientFingerprint,
                "data-ciphers AES-256-GCM", "");
    }

    /** Side B: {@code --tls-client --cert --key --peer-fingerprint}. */
    static String perfAnchorClient(String proto, String serverFingerprint) {
        return String.join("\n", "dev tun", "disable-dco", "verb 4", "proto " + proto,
                proto.equals("udp") ? "local 10.201.0.2" : "", "remote 10.201.0.1", "port 1194",
                "ifconfig 10.202.0.2 10.202.0.1", "tls-client", "cert client.crt", "key client.key",
                "peer-fingerprint " + serverFingerprint, "data-ciphers AES-256-GCM", "");
    }

    private void writeIdentities() throws Exception {
        Files.writeString(dir.resolve("server.crt"), SERVER.certPem());
        Files.writeString(dir.resolve("server.key"), SERVER.keyPem());
        Files.writeString(dir.resolve("client.crt"), CLIENT.certPem());
        Files.writeString(dir.resolve("client.key"), CLIENT.keyPem());
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(text, "p2p.conf", dir);
    }

    private TlsSettings map(String text) throws Exception {
        return TlsSettingsFactory.fromOptions(parse(text));
    }

    @Test
    void perfAnchorConfigsMapAndHandshake() throws Exception {
        writeIdentities();
        TlsSettings server = map(perfAnchorServer("udp", CLIENT.fingerprint()));
        TlsSettings client = map(perfAnchorClient("udp", SERVER.fingerprint()));
        assertEquals(TlsRole.SERVER, server.role());
        assertEquals(TlsRole.CLIENT, client.role());
        assertTrue(server.dhNone());
        assertNull(server.ca());
        assertEquals(SERVER.certPem(), server.cert());
        assertTrue(server.hasKey());
        assertArrayEquals(Bytes.parseHex(CLIENT.fingerprint()), server.peerFingerprints().get(0));
        assertEquals(List.of("AES-256-GCM"), client.dataCiphers());
        assertNull(client.dataCiphersFallback(), "no --cipher, no fallback");
        assertEquals(Proto.UDP, client.proto());
        assertEquals(AuthAlgorithm.SHA1, client.auth());
        assertFalse(client.hasTlsAuth() || client.hasTlsCrypt());
        assertEquals(3600, client.renegSeconds());
        assertEquals(60, client.handWindow());
        // Each side builds exactly the string the other expects, as two stock peers do.
        assertEquals("V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,ifconfig 10.202.0.2 10.202.0.1,"
                + "cipher BF-CBC,auth SHA1,keysize 128,key-method 2,tls-server", server.localOptionsString());
        assertEquals(server.localOptionsString(), client.expectedRemoteOptionsString());
        assertEquals(client.localOptionsString(), server.expectedRemoteOptionsString());

        TlsPair pair = TlsPair.clean(client, server);
        assertTrue(pair.handshake(10_000), () -> "client " + pair.client.lastError() + " server " + pair.server.lastError());
        Negotiated n = pair.client.negotiated();
        assertEquals(DataCipher.AES_256_GCM, n.dataCipher());
        assertNull(n.optionsWarning(), "OCC strings match");
        assertNull(pair.server.negotiated().optionsWarning());
        assertEquals(List.of("10.202.0.2 -> 10.202.0.1"), pair.send(pair.client, "10.202.0.2 -> 10.202.0.1"));
        assertEquals(List.of("10.202.0.1 -> 10.202.0.2"), pair.send(pair.server, "10.202.0.1 -> 10.202.0.2"));
    }

    @Test
    void inlineAndTcpVariantsMapToTheSameEngine() throws Exception {
        writeIdentities();
        String inline = perfAnchorClient("udp", SERVER.fingerprint())
                .replace("cert client.crt\n", "<cert>\n" + CLIENT.certPem() + "</cert>\n")
                .replace("key client.key\n", "<key>\n" + CLIENT.keyPem() + "</key>\n")
                .replace("peer-fingerprint " + SERVER.fingerprint() + "\n", "<peer-fingerprint>\n"
                        + SERVER.fingerprint().toLowerCase(java.util.Locale.ROOT) + "\n</peer-fingerprint>\n");
        TlsSettings file = map(perfAnchorClient("udp", SERVER.fingerprint()));
        TlsSettings fromInline = map(inline);
        assertEquals(file.cert(), fromInline.cert());
        assertArrayEquals(file.peerFingerprints().get(0), fromInline.peerFingerprints().get(0));
        assertEquals(file.localOptionsString(), fromInline.localOptionsString());
        TlsPair pair = TlsPair.clean(fromInline, map(perfAnchorServer("udp", CLIENT.fingerprint())));
        assertTrue(pair.handshake(10_000), () -> "client " + pair.client.lastError() + " server " + pair.server.lastError());

        TlsSettings tcpServer = map(perfAnchorServer("tcp-server", CLIENT.fingerprint()));
        TlsSettings tcpClient = map(perfAnchorClient("tcp-client", SERVER.fingerprint()));
        assertEquals(Proto.TCP_SERVER, tcpServer.proto());
        assertTrue(tcpServer.localOptionsString().contains(",proto TCPv4_SERVER,"), tcpServer.localOptionsString());
        assertEquals(tcpServer.localOptionsString(), tcpClient.expectedRemoteOptionsString());
        TlsPair tcp = TlsPair.clean(tcpClient, tcpServer);
        assertTrue(tcp.handshake(10_000), () -> "client " + tcp.client.lastError() + " server " + tcp.server.lastError());
    }

    @Test
    void aServersModeAndVerifyClientCertReachTheEngine() throws Exception {
        writeIdentities();
        Files.writeString(dir.resolve("ca.crt"), SERVER.certPem());
        String server = "dev tun\nproto udp\ntopology subnet\nserver 10.8.0.0 255.255.255.0\nca ca.crt\ncert server.crt\n"
                + "key server.key\ndh none\n";
        TlsSettings required = map(server);
        assertTrue(required.serverMode(), "server: mode server");
        assertEquals(VerifyClientCert.REQUIRE, required.verifyClientCert(), "OpenVPN's default");
        TlsSettings none = map(server + "verify-client-cert none\nscript-security 2\nauth-user-pass-verify /bin/true via-env\n");
        assertEquals(VerifyClientCert.NONE, none.verifyClientCert());
        TlsSettings optional = map(server + "verify-client-cert optional\nscript-security 2\nauth-user-pass-verify /bin/true via-env\n");
        assertEquals(VerifyClientCert.OPTIONAL, optional.verifyClientCert());
        TlsSettings p2p = map(perfAnchorServer("udp", CLIENT.fingerprint()));
        assertFalse(p2p.serverMode(), "a point-to-point tls-server is no multi-client server");
        assertEquals(VerifyClientCert.REQUIRE, p2p.verifyClientCert());
    }

    @Test
    void caVerificationTlsAuthAndCipherAsFallback() throws Exception {
        TestPki.Identity ca = TestPki.ca("Perf CA");
        TestPki.Identity server = TestPki.issue(ca, "perf-server", TestPki.Usage.SERVER, false, false);
        TestPki.Identity client = TestPki.issue(ca, "perf-client", TestPki.Usage.CLIENT, false, true);
        Files.writeString(dir.resolve("ca.crt"), ca.certPem());
        Files.writeString(dir.resolve("s.crt"), server.certPem());
        Files.writeString(dir.resolve("s.key"), server.keyPem());
        Files.writeString(dir.resolve("c.crt"), client.certPem());
        Files.writeString(dir.resolve("c.key"), client.keyPem());
        byte[] key = new byte[256];
        new SecureRandom().nextBytes(key);
        Files.writeString(dir.resolve("ta.key"), OpenVpnInteropTest.staticKeyFile(key));
        String common = "dev tun\nca ca.crt\ncipher AES-128-CBC\nauth SHA256\ndata-ciphers AES-128-CBC\nreneg-sec 600\n"
                + "keepalive 10 60\ncompress stub-v2\ntun-mtu 1400\n";
        TlsSettings s = map(common + "tls-server\ndh none\ncert s.crt\nkey s.key\ntls-auth ta.key 0\nremote-cert-tls client\n"
                + "verify-x509-name perf-client name\n");
        TlsSettings c = map(common + "tls-client\ncert c.crt\nkey c.key\nkey-direction 1\ntls-auth ta.key\n"
                + "remote-cert-tls server\nverify-x509-name 'C=DE, O=Culvert Test, CN=perf-server'\ntls-version-min 1.3\n");
        assertEquals("AES-128-CBC", c.dataCiphersFallback(), "--cipher is the p2p fallback");
        assertEquals(AuthAlgorithm.SHA256, c.auth());
        assertTrue(c.hasTlsAuth());
        assertEquals(KeyDirection.INVERSE, c.tlsAuthDirection());
        assertEquals(KeyDirection.NORMAL, s.tlsAuthDirection());
        assertArrayEquals(key, c.tlsAuthKey());
        assertEquals(RemoteCertTls.SERVER, c.remoteCertTls());
        assertEquals(X509NameType.SUBJECT, c.verifyX509Type());
        assertEquals(X509NameType.NAME, s.verifyX509Type());
        assertEquals(TlsVersion.TLS_1_3, c.tlsVersionMin());
        assertEquals(600, c.renegSeconds());
        assertEquals(10, c.ping());
        assertEquals(60, c.pingRestart());
        assertEquals(Compression.STUB_V2, c.compression());
        assertEquals(1400, c.occ().tunMtu());
        assertTrue(c.localOptionsString().contains(",keydir 1,cipher AES-128-CBC,auth SHA256,keysize 128,tls-auth,"),
                c.localOptionsString());
        assertEquals(s.localOptionsString(), c.expectedRemoteOptionsString());

        TlsPair pair = TlsPair.clean(c, s);
        assertTrue(pair.handshake(10_000), () -> "client " + pair.client.lastError() + " server " + pair.server.lastError());
        assertEquals(DataCipher.AES_128_CBC, pair.client.negotiated().dataCipher());
        assertEquals("C=DE, O=Culvert Test, CN=perf-server", pair.client.negotiated().peerSubject());
        assertEquals(List.of("through tls-auth"), pair.send(pair.client, "through tls-auth"));
    }

    @Test
    void everyTimerAndTheOccItemsAreMapped() throws Exception {
        writeIdentities();
        byte[] key = new byte[256];
        new SecureRandom().nextBytes(key);
        Files.writeString(dir.resolve("tc.key"), OpenVpnInteropTest.staticKeyFile(key));
        TlsSettings t = map("dev tap\nproto tcp-client\nremote peer.example\ntls-client\ncert client.crt\nkey client.key\n"
                + "peer-fingerprint " + SERVER.fingerprint() + "\ntls-crypt tc.key\nreneg-sec 0\nreneg-bytes 1000000\n"
                + "reneg-pkts 5000\nhand-window 30\ntls-timeout 4\ntran-window 120\nping 7\nping-exit 50\ninactive 600 100000\n"
                + "replay-window 128 30\ntun-mtu 1400 1500\nifconfig 10.9.0.2 255.255.255.0\nifconfig-ipv6 fd00::2/64 fd00::1\n"
                + "tls-cipher ECDHE-ECDSA-AES128-GCM-SHA256\ntls-ciphersuites TLS_AES_128_GCM_SHA256\ntls-groups X25519\n"
                + "ecdh-curve secp384r1\ntls-version-max 1.2\n");
        assertTrue(t.hasTlsCrypt());
        assertArrayEquals(key, t.tlsCryptKey());
        assertEquals(0, t.renegSeconds());
        assertEquals(1_000_000, t.renegBytes());
        assertEquals(5000, t.renegPackets());
        assertEquals(30, t.handWindow());
        assertEquals(4, t.tlsTimeout());
        assertEquals(120, t.tranWindow());
        assertEquals(7, t.ping());
        assertEquals(50, t.pingExit());
        assertEquals(0, t.pingRestart());
        assertEquals(600, t.inactive());
        assertEquals(100_000, t.inactiveBytes());
        assertEquals(new ReplayWindow.Settings(128, 30), t.replayWindow());
        assertEquals(Proto.TCP_CLIENT, t.proto());
        assertEquals("ECDHE-ECDSA-AES128-GCM-SHA256", t.tlsCipher());
        assertEquals("TLS_AES_128_GCM_SHA256", t.tlsCiphersuites());
        assertEquals("X25519", t.tlsGroups());
        assertEquals("secp384r1", t.ecdhCurve());
        assertEquals(TlsVersion.TLS_1_2, t.tlsVersionMax());
        assertEquals(new OccOptions("tap", 0, 1500, true, "10.9.0.0 255.255.255.0", "10.9.0.0 255.255.255.0"), t.occ(),
                "the second --tun-mtu argument is what OCC announces; tap sends network and netmask");
        assertTrue(t.localOptionsString().startsWith("V4,dev-type tap,"), t.localOptionsString());
        assertTrue(t.localOptionsString().contains(",tun-mtu 1500,proto TCPv4_CLIENT,tun-ipv6,ifconfig 10.9.0.0 255.255.255.0,"),
                t.localOptionsString());
    }

    @Test
    void theOldestTlsFloorBecomesTls12() throws Exception {
        writeIdentities();
        TlsSettings t = map(perfAnchorClient("udp", SERVER.fingerprint()) + "tls-version-min 1.0\n");
        assertEquals(TlsVersion.TLS_1_2, t.tlsVersionMin());
    }

    // ------------------------------------------------------------------ what the engine refuses

    @Test
    void aStaticKeyConfigurationIsNotTls() throws Exception {
        byte[] key = new byte[256];
        new SecureRandom().nextBytes(key);
        Files.writeString(dir.resolve("static.key"), OpenVpnInteropTest.staticKeyFile(key));
        TlsConfigException e = assertThrows(TlsConfigException.class,
                () -> map("dev tun\nsecret static.key\ncipher AES-256-CBC\n"));
        assertEquals(TlsConfigException.Reason.MISSING, e.reason());
        assertEquals("--tls-client", e.option());
        assertTrue(e.getMessage().contains("not in TLS mode"), e.getMessage());
    }

    @Test
    void materialTheParserAcceptsButTheEngineCannotUse() throws Exception {
        writeIdentities();
        String client = perfAnchorClient("udp", SERVER.fingerprint());
        Files.writeString(dir.resolve("garbage.crt"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        refused(client.replace("cert client.crt", "cert garbage.crt"), "--cert", TlsConfigException.Reason.INVALID);
        refused(client.replace("key client.key", "key server.key"), "--key", TlsConfigException.Reason.INVALID);
        refused(client + "data-ciphers AES-256-CBC\nauth none\n", "--auth", TlsConfigException.Reason.CONFLICT);
        refused(client + "tls-cipher NO-SUCH-SUITE\n", "--tls-cipher", null);
        refused(client + "tls-groups no-such-group\n", "--tls-groups", null);
        refused(client + "ecdh-curve no-such-curve\n", "--ecdh-curve", null);
        Files.writeString(dir.resolve("dh.pem"), "-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----\n");
        refused(perfAnchorServer("udp", CLIENT.fingerprint()).replace("dh none", "dh dh.pem"), "--dh",
                TlsConfigException.Reason.INVALID);
    }

    private void refused(String config, String option, TlsConfigException.Reason reason) throws Exception {
        OpenVpnOptions parsed = parse(config);
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> TlsSettingsFactory.fromOptions(parsed));
        assertEquals(option, e.option(), e.getMessage());
        if (reason != null) {
            assertEquals(reason, e.reason(), e.getMessage());
        }
        String keyBody = SERVER.keyPem().split("\n")[1];
        assertFalse(e.getMessage().contains(keyBody.substring(0, 16)), "no key material: " + e.getMessage());
        assertFalse(e.getMessage().contains(CLIENT.keyPem().split("\n")[1].substring(0, 16)), e.getMessage());
    }
}
