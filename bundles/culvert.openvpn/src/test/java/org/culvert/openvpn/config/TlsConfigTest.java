package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigFixtures.CA_CERT;
import static org.culvert.openvpn.config.ConfigFixtures.CLIENT_CERT;
import static org.culvert.openvpn.config.ConfigFixtures.CLIENT_FP;
import static org.culvert.openvpn.config.ConfigFixtures.CLIENT_KEY;
import static org.culvert.openvpn.config.ConfigFixtures.DH_PARAMS;
import static org.culvert.openvpn.config.ConfigFixtures.SERVER_CERT;
import static org.culvert.openvpn.config.ConfigFixtures.SERVER_FP;
import static org.culvert.openvpn.config.ConfigFixtures.SERVER_KEY;
import static org.culvert.openvpn.config.ConfigFixtures.keyBlock;
import static org.culvert.openvpn.config.ConfigFixtures.keyHex;
import static org.culvert.openvpn.config.ConfigFixtures.pem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.culvert.openvpn.config.ConfigException.Reason;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS point-to-point configurations: what stock users write, every TLS option typed, every new error. */
class TlsConfigTest {
    @TempDir
    Path dir;

    /** The minimum TLS client Culvert accepts, so each test adds only what it is about. */
    private static final String CLIENT = "dev tun\ntls-client\ncert client.crt\nkey client.key\nca ca.crt\n";
    /** The minimum TLS server. */
    private static final String SERVER = "dev tun\ntls-server\ncert server.crt\nkey server.key\ndh none\n"
            + "peer-fingerprint " + CLIENT_FP + "\n";

    @BeforeEach
    void files() throws Exception {
        ConfigFixtures.writeTlsFiles(dir);
        ConfigFixtures.writeKey(dir, "ta.key", keyBlock(keyHex()));
        ConfigFixtures.writeKey(dir, "static.key", keyBlock(keyHex()));
        ConfigFixtures.writeKey(dir, "one.key", keyBlock(keyHex().substring(0, 256)));
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(text, "tls.conf", dir);
    }

    private ConfigException fails(String text) {
        return assertThrows(ConfigException.class, () -> parse(text));
    }

    private static TlsOptions tls(OpenVpnOptions o) {
        return o.tls().orElseThrow(() -> new AssertionError("not TLS mode: " + o));
    }

    // ------------------------------------------------------------------ what stock users write

    @Test
    void perfAnchorServerParsesToTheRightValues() throws Exception {
        OpenVpnOptions o = parse(ConfigFixtures.perfAnchorTlsServer("udp"));
        TlsOptions t = tls(o);
        assertEquals(TlsOptions.Role.SERVER, t.role());
        assertEquals("tls-server", t.roleOption());
        assertEquals(SERVER_CERT, t.cert().text());
        assertEquals(Optional.of(dir.resolve("server.crt")), t.cert().file());
        assertFalse(t.cert().inline());
        assertEquals(SERVER_KEY, t.key().text());
        assertEquals(Optional.empty(), t.ca());
        assertTrue(t.dhNone());
        assertEquals(Optional.empty(), t.dh());
        assertEquals(List.of(CLIENT_FP.toUpperCase(Locale.ROOT)), t.peerFingerprints());
        assertEquals(List.of("AES-256-GCM"), o.dataCiphers());
        assertEquals(Optional.empty(), o.dataCiphersFallback(), "no --cipher: no fallback, as OpenVPN 2.6 p2p");
        assertEquals(AuthAlgorithm.SHA1, o.auth());
        assertEquals(KeyDirection.BIDIRECTIONAL, o.keyDirection());
        // OpenVPN 2.6 defaults
        assertEquals(Optional.empty(), t.tlsAuth());
        assertEquals(Optional.empty(), t.tlsCrypt());
        assertEquals(Optional.empty(), t.verifyX509Name());
        assertEquals(TlsOptions.X509NameType.SUBJECT, t.verifyX509Type());
        assertEquals(Optional.empty(), t.remoteCertTls());
        assertEquals(Optional.empty(), t.tlsVersionMin());
        assertEquals(3600, t.renegSeconds());
        assertEquals(OptionalInt.empty(), t.renegSecondsMin());
        assertEquals(-1, t.renegBytes());
        assertEquals(0, t.renegPackets());
        assertEquals(60, t.handWindow());
        assertEquals(2, t.tlsTimeout());
        assertEquals(3600, t.tranWindow());
        // the tunnel options are the same as in static-key mode
        assertEquals(Proto.UDP, o.proto());
        assertEquals(Optional.of("10.201.0.1"), o.local());
        assertEquals("10.201.0.2", o.remote().orElseThrow().host());
        assertEquals("10.202.0.1", o.ifconfig().orElseThrow().local().getHostAddress());
        assertEquals(1500, o.tunMtu());
        assertEquals(1492, o.mssfix());
        assertTrue(o.disableDco());
        assertFalse(o.warnings().stream().anyMatch(w -> w.contains("deprecated")), o.warnings().toString());
        // static-key accessors say why they have nothing
        IllegalStateException noKey = assertThrows(IllegalStateException.class, o::secret);
        assertTrue(noKey.getMessage().contains("TLS mode"));
        assertThrows(IllegalStateException.class, o::cipher);
        assertEquals(Optional.empty(), o.secretFile());
        assertFalse(o.secretInline());
    }

    @Test
    void perfAnchorClientAndTcpVariantsParse() throws Exception {
        OpenVpnOptions client = parse(ConfigFixtures.perfAnchorTlsClient("udp"));
        assertEquals(TlsOptions.Role.CLIENT, tls(client).role());
        assertEquals(List.of(SERVER_FP.toUpperCase(Locale.ROOT)), tls(client).peerFingerprints());
        assertFalse(tls(client).dhNone());
        OpenVpnOptions tcpServer = parse(ConfigFixtures.perfAnchorTlsServer("tcp-server"));
        assertEquals(Proto.TCP_SERVER, tcpServer.proto());
        assertTrue(tcpServer.remote().isEmpty());
        OpenVpnOptions tcpClient = parse(ConfigFixtures.perfAnchorTlsClient("tcp-client"));
        assertEquals(Proto.TCP_CLIENT, tcpClient.proto());
        assertFalse(tcpClient.bind());
    }

    @Test
    void inlineBlocksGiveTheSameContentAsFiles() throws Exception {
        TlsOptions file = tls(parse(ConfigFixtures.perfAnchorTlsClient("udp")));
        TlsOptions inline = tls(parse(ConfigFixtures.perfAnchorTlsClientInline()));
        assertEquals(file.cert().text(), inline.cert().text());
        assertEquals(file.key().text(), inline.key().text());
        assertTrue(inline.cert().inline());
        assertTrue(inline.key().inline());
        assertEquals(file.peerFingerprints(), inline.peerFingerprints());
        String more = "dev tun\ntls-server\n<cert>\n" + SERVER_CERT + "</cert>\n<key>\n" + SERVER_KEY + "</key>\n<ca>\n"
                + CA_CERT + "</ca>\n<dh>\n" + DH_PARAMS + "</dh>\nkey-direction 0\n<tls-auth>\n" + keyBlock(keyHex())
                + "</tls-auth>\n";
        TlsOptions t = tls(parse(more));
        assertEquals(CA_CERT, t.ca().orElseThrow().text());
        assertEquals(DH_PARAMS, t.dh().orElseThrow().text());
        assertTrue(t.tlsAuth().orElseThrow().inline());
        assertEquals(keyBlock(keyHex()), t.tlsAuth().orElseThrow().text());
        TlsOptions crypt = tls(parse(CLIENT + "<tls-crypt>\n" + keyBlock(keyHex()) + "</tls-crypt>\n"));
        assertTrue(crypt.tlsCrypt().orElseThrow().inline());
    }

    @Test
    void commandLineGivesTheSameOptionsAsTheFile() throws Exception {
        OpenVpnOptions file = parse(ConfigFixtures.perfAnchorTlsServer("udp"));
        OpenVpnOptions args = ConfigParser.parseArgs(List.of("--dev", "tun", "--disable-dco", "--verb", "4", "--proto", "udp",
                "--local", "10.201.0.1", "--remote", "10.201.0.2", "--port", "1194", "--ifconfig", "10.202.0.1", "10.202.0.2",
                "--tls-server", "--dh", "none", "--cert", "server.crt", "--key", "server.key", "--peer-fingerprint", CLIENT_FP,
                "--data-ciphers", "AES-256-GCM"), dir);
        assertEquals(describe(file), describe(args));
        assertEquals(tls(file), tls(args));
        OpenVpnOptions fileTls = parse(CLIENT + "tls-auth ta.key 1\ncipher AES-128-GCM\nauth SHA256\nreneg-sec 600\n");
        OpenVpnOptions argsTls = ConfigParser.parseArgs(List.of("--dev", "tun", "--tls-client", "--cert", "client.crt",
                "--key", "client.key", "--ca", "ca.crt", "--tls-auth", "ta.key", "1", "--cipher", "AES-128-GCM", "--auth",
                "SHA256", "--reneg-sec", "600"), dir);
        assertEquals(describe(fileTls), describe(argsTls));
        assertEquals(tls(fileTls), tls(argsTls));
    }

    @Test
    void peerFingerprintsFromArgumentsAndBlocks() throws Exception {
        String block = "<peer-fingerprint>\n# the old server\n\n  " + SERVER_FP + "  \r\n; the new one\n" + CLIENT_FP
                + "\n</peer-fingerprint>\n";
        TlsOptions t = tls(parse("dev tun\ntls-client\ncert client.crt\nkey client.key\n" + block
                + "peer-fingerprint " + ConfigFixtures.fingerprint(0x33) + "\n"));
        assertEquals(List.of(SERVER_FP.toUpperCase(Locale.ROOT), CLIENT_FP.toUpperCase(Locale.ROOT),
                ConfigFixtures.fingerprint(0x33).toUpperCase(Locale.ROOT)), t.peerFingerprints(), "accumulated in order");
        assertEquals(Optional.empty(), t.ca(), "fingerprints replace the CA");
    }

    @Test
    void cipherInTlsModeIsTheFallback() throws Exception {
        assertEquals(Optional.of("AES-256-GCM"), parse(CLIENT + "cipher AES-256-GCM\n").dataCiphersFallback(),
                "AEAD is fine as a TLS fallback");
        assertEquals(Optional.of("AES-128-GCM"), parse(CLIENT + "cipher id-aes128-GCM\n").dataCiphersFallback());
        assertEquals(Optional.of("CHACHA20-POLY1305"), parse(CLIENT + "cipher chacha20-poly1305\n").dataCiphersFallback());
        assertEquals(Optional.of("AES-256-CBC"), parse(CLIENT + "cipher AES-256-CBC\ndata-ciphers-fallback aes-256-cbc\n")
                .dataCiphersFallback());
        assertEquals(Optional.of("AES-128-CBC"), parse(CLIENT + "data-ciphers-fallback AES-256-GCM\ncipher AES-128-CBC\n")
                .dataCiphersFallback(), "the later one wins, as in OpenVPN");
        OpenVpnOptions optional = parse(CLIENT + "data-ciphers ?BF-CBC:AES-128-GCM:?SEED-CBC\n");
        assertEquals(List.of("?BF-CBC", "AES-128-GCM", "?SEED-CBC"), optional.dataCiphers(), "recorded as written");
        assertEquals(AuthAlgorithm.SHA512, parse(CLIENT + "auth SHA512\n").auth());
    }

    @Test
    void tlsAuthAndTlsCryptKeys() throws Exception {
        OpenVpnOptions auth = parse(CLIENT + "tls-auth ta.key 1\n");
        assertEquals(KeyDirection.INVERSE, auth.keyDirection());
        assertEquals(Optional.of(dir.resolve("ta.key")), tls(auth).tlsAuth().orElseThrow().file());
        assertEquals(KeyDirection.NORMAL, parse(SERVER + "key-direction 0\ntls-auth ta.key\n").keyDirection());
        assertEquals(KeyDirection.NORMAL, parse(SERVER + "tls-auth ta.key 0\nkey-direction 0\n").keyDirection());
        assertEquals(KeyDirection.BIDIRECTIONAL, parse(CLIENT + "tls-auth one.key\n").keyDirection(),
                "a one-key file is enough without a direction");
        OpenVpnOptions crypt = parse(CLIENT + "tls-crypt ta.key 1\n");
        assertEquals(keyBlock(keyHex()), tls(crypt).tlsCrypt().orElseThrow().text());
        assertTrue(crypt.warnings().stream().anyMatch(w -> w.contains("ignored")), crypt.warnings().toString());
        assertFalse(crypt.toString().contains(keyHex().substring(0, 16)), crypt.toString());
        assertFalse(tls(crypt).toString().contains("BEGIN"), tls(crypt).toString());
    }

    @Test
    void everyOtherTlsOptionIsTyped() throws Exception {
        OpenVpnOptions o = parse(CLIENT + "verify-x509-name 'C=DE, O=Example, CN=server'\nremote-cert-tls server\n"
                + "tls-version-min 1.2\ntls-version-max 1.3\ntls-cipher ECDHE-ECDSA-AES256-GCM-SHA384\n"
                + "tls-ciphersuites TLS_AES_256_GCM_SHA384\ntls-groups X25519:secp384r1\necdh-curve secp384r1\n"
                + "reneg-sec 600 540\nreneg-bytes 1000000\nreneg-pkts 5000\nhand-window 30\ntls-timeout 4\n"
                + "tran-window 120\nkey-method 2\nkey-derivation tls-ekm\nwindows-driver wintun\n");
        TlsOptions t = tls(o);
        assertEquals(Optional.of("C=DE, O=Example, CN=server"), t.verifyX509Name());
        assertEquals(TlsOptions.X509NameType.SUBJECT, t.verifyX509Type());
        assertEquals(Optional.of(TlsOptions.Role.SERVER), t.remoteCertTls());
        assertEquals(Optional.of(TlsOptions.Version.TLS_1_2), t.tlsVersionMin());
        assertEquals(Optional.of(TlsOptions.Version.TLS_1_3), t.tlsVersionMax());
        assertEquals(Optional.of("ECDHE-ECDSA-AES256-GCM-SHA384"), t.tlsCipher());
        assertEquals(Optional.of("TLS_AES_256_GCM_SHA384"), t.tlsCiphersuites());
        assertEquals(Optional.of("X25519:secp384r1"), t.tlsGroups());
        assertEquals(Optional.of("secp384r1"), t.ecdhCurve());
        assertEquals(600, t.renegSeconds());
        assertEquals(OptionalInt.of(540), t.renegSecondsMin());
        assertEquals(1_000_000, t.renegBytes());
        assertEquals(5000, t.renegPackets());
        assertEquals(30, t.handWindow());
        assertEquals(4, t.tlsTimeout());
        assertEquals(120, t.tranWindow());
        assertEquals(Optional.of("wintun"), o.windowsDriver());
        assertTrue(o.warnings().stream().anyMatch(w -> w.contains("--key-method")), o.warnings().toString());
        assertTrue(o.warnings().stream().anyMatch(w -> w.contains("--key-derivation")), o.warnings().toString());

        assertEquals(TlsOptions.X509NameType.NAME, tls(parse(CLIENT + "verify-x509-name server name\n")).verifyX509Type());
        assertEquals(TlsOptions.X509NameType.NAME_PREFIX,
                tls(parse(CLIENT + "verify-x509-name srv- name-prefix\n")).verifyX509Type());
        assertEquals(Optional.of(TlsOptions.Role.CLIENT), tls(parse(SERVER + "remote-cert-tls client\n")).remoteCertTls());
        assertEquals(Optional.of(TlsOptions.Version.TLS_1_3),
                tls(parse(CLIENT + "tls-version-min 1.4 or-highest\n")).tlsVersionMin(), "or-highest: the highest known");
        assertEquals(Optional.of(TlsOptions.Version.TLS_1_2),
                tls(parse(CLIENT + "tls-version-min 1.2 or-highest\n")).tlsVersionMin());
        OpenVpnOptions old = parse(CLIENT + "tls-version-min 1.0\n");
        assertEquals(Optional.of(TlsOptions.Version.TLS_1_0), tls(old).tlsVersionMin());
        assertTrue(old.warnings().stream().anyMatch(w -> w.contains("below TLS 1.2")), old.warnings().toString());
        assertEquals(Optional.of("tap-windows6"), parse("dev tap\n" + CLIENT.substring(8) + "windows-driver tap-windows6\n")
                .windowsDriver());
        assertEquals(Optional.of("wintun"), parse(ConfigFixtures.PERF_ANCHOR_A.replace("secret", "windows-driver wintun\nsecret"))
                .windowsDriver(), "a static-key tunnel may name the driver too");
    }

    @Test
    void dhOnServersAndClients() throws Exception {
        TlsOptions server = tls(parse("dev tun\ntls-server\ncert server.crt\nkey server.key\nca ca.crt\ndh dh.pem\n"));
        assertEquals(DH_PARAMS, server.dh().orElseThrow().text());
        assertFalse(server.dhNone());
        OpenVpnOptions client = parse(CLIENT + "dh dh.pem\n");
        assertEquals(Optional.empty(), tls(client).dh(), "OpenVPN ignores --dh on a tls-client");
        assertTrue(client.warnings().contains(OptionWarnings.DH_ON_CLIENT), client.warnings().toString());
    }

    @Test
    void looseKeyFilePermissionsAreReported() throws Exception {
        Files.setPosixFilePermissions(dir.resolve("client.key"), PosixFilePermissions.fromString("rw-r--r--"));
        OpenVpnOptions o = parse(CLIENT);
        assertTrue(o.warnings().contains("WARNING: file 'client.key' is group or others accessible"), o.warnings().toString());
    }

    // ------------------------------------------------------------------ one fixture per new error

    @Test
    void modeConflictsAndMissingMode() {
        assertError(CLIENT + "tls-server\n", Reason.CONFLICT, "tls-server", "only one of --tls-server, --tls-client");
        assertError(CLIENT + "secret ta.key\n", Reason.CONFLICT, "secret", "only one of");
        ConfigException none = fails("dev tun\ncert client.crt\n");
        assertEquals(Reason.MISSING_OPTION, none.reason());
        assertTrue(none.getMessage().contains("neither a static key"), none.getMessage());
    }

    @Test
    void missingCredentials() {
        assertError("dev tun\ntls-client\nkey client.key\nca ca.crt\n", Reason.MISSING_OPTION, "cert", "certificate");
        assertError("dev tun\ntls-client\ncert client.crt\nca ca.crt\n", Reason.MISSING_OPTION, "key", "private key");
        assertError("dev tun\ntls-client\ncert client.crt\nkey client.key\n", Reason.MISSING_OPTION, "ca",
                "--ca and/or --peer-fingerprint");
        assertError("dev tun\ntls-server\ncert server.crt\nkey server.key\nca ca.crt\n", Reason.MISSING_OPTION, "dh",
                "'dh none'");
    }

    @Test
    void crossOptionConflicts() {
        assertError(CLIENT + "tls-auth ta.key 1\ntls-crypt ta.key\n", Reason.CONFLICT, "tls-crypt", "mutually exclusive");
        assertError(CLIENT + "tls-auth ta.key 1\nkey-direction 0\n", Reason.CONFLICT, "key-direction", "--tls-auth");
        assertError(CLIENT + "tls-version-max 1.2\ntls-version-min 1.3\n", Reason.CONFLICT, "tls-version-min",
                "above --tls-version-max");
        assertError("dev tap\n" + CLIENT.substring(8) + "windows-driver wintun\n", Reason.CONFLICT, "windows-driver",
                "requires --dev tun");
    }

    @Test
    void tlsOptionsWithASecretAreConflictsOrIgnored() throws Exception {
        String base = "dev tun\nsecret ta.key\ncipher AES-256-CBC\n";
        for (String option : List.of("ca ca.crt", "cert client.crt", "key client.key", "dh none", "tls-auth ta.key 1",
                "tls-crypt ta.key", "verify-x509-name x", "remote-cert-tls server", "tls-cipher X", "tls-ciphersuites X",
                "reneg-sec 0", "reneg-bytes 1", "reneg-pkts 1", "hand-window 60", "tls-timeout 2", "tran-window 60")) {
            ConfigException e = fails(base + option + "\n");
            assertEquals(Reason.CONFLICT, e.reason(), option);
            assertEquals(option.split(" ")[0], e.option());
            assertTrue(e.getMessage().startsWith("tls.conf:4: --" + e.option() + ": can only be used in TLS mode"),
                    e.getMessage());
        }
        OpenVpnOptions ignored = parse(base + "peer-fingerprint " + SERVER_FP + "\ntls-version-min 1.2\ntls-groups X25519\n");
        assertTrue(ignored.tls().isEmpty());
        assertTrue(ignored.warnings().stream().anyMatch(w -> w.startsWith("--peer-fingerprint is ignored")),
                ignored.warnings().toString());
        assertTrue(ignored.warnings().stream().anyMatch(w -> w.startsWith("--tls-groups is ignored")),
                ignored.warnings().toString());
    }

    @Test
    void badValues() {
        assertBad(CLIENT + "peer-fingerprint " + SERVER_FP.replace(':', '-') + "\n", "peer-fingerprint", "format error");
        assertBad(CLIENT + "peer-fingerprint " + SERVER_FP.substring(0, 3 * 20 - 1) + "\n", "peer-fingerprint",
                "has 20 bytes");
        assertBad(CLIENT + "peer-fingerprint " + SERVER_FP + ":AB\n", "peer-fingerprint", "has 33 bytes");
        assertBad(CLIENT + "peer-fingerprint " + SERVER_FP.replace("10:", "1:") + "\n", "peer-fingerprint", "format error");
        assertBad(CLIENT + "peer-fingerprint " + SERVER_FP.replace("10", "1g") + "\n", "peer-fingerprint", "format error");
        assertBad(CLIENT + "<peer-fingerprint>\n# none yet\n</peer-fingerprint>\n", "peer-fingerprint", "no fingerprint");
        assertBad(CLIENT + "verify-x509-name server cn\n", "verify-x509-name", "unknown X.509 name type");
        assertBad(CLIENT + "verify-x509-name ''\n", "verify-x509-name", "empty");
        assertBad(CLIENT + "remote-cert-tls peer\n", "remote-cert-tls", "'client' or 'server'");
        assertBad(CLIENT + "tls-version-min 1.4\n", "tls-version-min", "unknown TLS version");
        assertBad(CLIENT + "tls-version-min 1.2 or-lowest\n", "tls-version-min", "or-highest");
        assertBad(CLIENT + "tls-version-max 2\n", "tls-version-max", "unknown TLS version");
        assertBad(CLIENT + "tls-cipher ''\n", "tls-cipher", "empty");
        assertBad(CLIENT + "reneg-sec soon\n", "reneg-sec", "not a number");
        assertBad(CLIENT + "reneg-bytes -1\n", "reneg-bytes", "out of range");
        assertBad(CLIENT + "hand-window 0\n", "hand-window", "out of range");
        assertBad(CLIENT + "tls-timeout 0\n", "tls-timeout", "out of range");
        assertBad(CLIENT + "key-method 3\n", "key-method", "must be 2");
        assertBad(CLIENT + "key-derivation openvpn-prf\n", "key-derivation", "unknown key-derivation method");
        assertBad(CLIENT + "windows-driver tap\n", "windows-driver", "tap-windows6 or wintun");
        assertBad(CLIENT + "cipher AES-256-FOO\n", "cipher", "unknown cipher");
        assertBad(CLIENT + "data-ciphers AES-256-GCM:FOO-1\n", "data-ciphers", "unknown cipher 'FOO-1'");
        assertBad(CLIENT + "data-ciphers ?BF-CBC\n", "data-ciphers", "no cipher Culvert implements");
    }

    @Test
    void filesThatAreNotWhatTheOptionNeeds() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "just text\n");
        assertBad(CLIENT + "cert notes.txt\n", "cert", "PEM certificate");
        assertBad(CLIENT + "ca client.key\n", "ca", "PEM certificate");
        assertBad(CLIENT + "key client.crt\n", "key", "PEM private key");
        assertBad(SERVER + "dh server.crt\n", "dh", "DH parameters");
        assertBad(CLIENT + "<cert>\nMIIB\n</cert>\n", "cert", "the inline block does not hold a PEM certificate");
        ConfigException missing = fails(CLIENT + "ca nowhere.crt\n");
        assertEquals(Reason.FILE_ERROR, missing.reason());
        assertEquals("tls.conf:6: --ca: cannot read CA file 'nowhere.crt': no such file", missing.getMessage());
        ConfigException block = fails(CLIENT + "<tls-version-min>\n1.2\n</tls-version-min>\n");
        assertEquals(Reason.BAD_INLINE_BLOCK, block.reason());
    }

    @Test
    void badStaticKeysForTlsAuthAndTlsCrypt() throws Exception {
        assertError(CLIENT + "tls-auth client.crt 1\n", Reason.BAD_KEY, "tls-auth", "");
        assertError(CLIENT + "tls-auth one.key 1\n", Reason.BAD_KEY, "tls-auth", "needs two");
        assertError(CLIENT + "key-direction 1\ntls-auth one.key\n", Reason.BAD_KEY, "tls-auth", "needs two");
        assertError(CLIENT + "tls-crypt one.key\n", Reason.BAD_KEY, "tls-crypt", "needs two");
        assertError(CLIENT + "tls-auth ta.key 2\n", Reason.BAD_VALUE, "tls-auth", "'0' or '1'");
        ConfigException inline = fails(CLIENT + "<tls-crypt>\n" + keyBlock(keyHex().substring(0, 100) + "q"
                + keyHex().substring(101)) + "</tls-crypt>\n");
        assertEquals(Reason.BAD_KEY, inline.reason());
        for (int i = 0; i + 8 <= keyHex().length(); i += 8) {
            assertFalse(inline.getMessage().contains(keyHex().substring(i, i + 8)), "no key material in: " + inline.getMessage());
        }
    }

    @Test
    void whatCulvertCannotHonourIsRefused() throws Exception {
        assertError(CLIENT + "tls-version-max 1.1\n", Reason.UNSUPPORTED_OPTION, "tls-version-max", "TLS 1.2 and 1.3 only");
        assertError(CLIENT + "key-method 1\n", Reason.UNSUPPORTED_OPTION, "key-method", "removed it in 2.5");
        assertError(CLIENT + "cipher BF-CBC\n", Reason.UNSUPPORTED_OPTION, "cipher", "not supported by Culvert");
        assertError(CLIENT + "data-ciphers-fallback AES-192-GCM\n", Reason.UNSUPPORTED_OPTION, "data-ciphers-fallback",
                "not supported by Culvert");
        assertError(CLIENT + "cipher none\n", Reason.UNSUPPORTED_OPTION, "cipher", "always encrypted");
        assertError(CLIENT + "data-ciphers AES-256-GCM:BF-CBC\n", Reason.UNSUPPORTED_OPTION, "data-ciphers", "'?'");
        assertError(CLIENT + "link-mtu 1560\n", Reason.UNSUPPORTED_OPTION, "link-mtu", "--tun-mtu");
        assertError(CLIENT + "windows-driver ovpn-dco\n", Reason.UNSUPPORTED_OPTION, "windows-driver", "offload");
        assertError(CLIENT + "mode server\n", Reason.CONFLICT, "mode", "--mode server requires --tls-server");
        for (String option : List.of("server-bridge 10.8.0.4 255.255.255.0 10.8.0.128 10.8.0.254",
                "tls-verify ./v.sh", "verify-hash AB", "ns-cert-type server",
                "tls-cert-profile suiteb", "x509-username-field CN")) {
            assertError(CLIENT + option + "\n", Reason.UNSUPPORTED_OPTION, option.split(" ")[0], "not supported by Culvert yet");
        }
    }

    @Test
    void encryptedKeysAreAcceptedForTheEngineToUnlock() throws Exception {
        Files.writeString(dir.resolve("enc.key"), pem("ENCRYPTED PRIVATE KEY", "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkq"));
        TlsOptions t = tls(parse(CLIENT + "key enc.key\naskpass pass.txt\n"));
        assertTrue(t.key().contains("ENCRYPTED PRIVATE KEY"));
        assertTrue(t.pki().askpass());
        assertEquals(Optional.of(dir.resolve("pass.txt")), t.pki().askpassFile());
        assertEquals(Optional.empty(), tls(parse(CLIENT + "askpass\n")).pki().askpassFile());
        assertEquals(Optional.empty(), tls(parse(CLIENT + "askpass stdin\n")).pki().askpassFile());
        assertFalse(tls(parse(CLIENT)).pki().askpass());
    }

    // ------------------------------------------------------------------ helpers

    private void assertBad(String text, String option, String detail) {
        assertError(text, Reason.BAD_VALUE, option, detail);
    }

    private void assertError(String text, Reason reason, String option, String detail) {
        ConfigException e = fails(text);
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(option, e.option(), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        if (reason != Reason.MISSING_OPTION) {
            assertTrue(e.line() > 0, "names its line: " + e.getMessage());
        }
    }

    /** Every public getter's value except those that name the source or throw in TLS mode. */
    static Map<String, String> describe(OpenVpnOptions o) throws Exception {
        Map<String, String> out = new TreeMap<>();
        List<String> skip = new ArrayList<>(List.of("sourceName", "secret", "cipher", "toString", "hashCode", "getClass"));
        if (o.tls().isEmpty()) {
            skip.remove("cipher");
        }
        for (java.lang.reflect.Method m : OpenVpnOptions.class.getMethods()) {
            if (m.getParameterCount() == 0 && !skip.contains(m.getName()) && m.getDeclaringClass() == OpenVpnOptions.class) {
                out.put(m.getName(), String.valueOf(m.invoke(o)));
            }
        }
        return out;
    }
}
