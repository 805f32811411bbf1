package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigFixtures.pem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.culvert.openvpn.config.ConfigException.Reason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PKI options of a client profile: {@code remote-cert-ku}, {@code remote-cert-eku},
 * {@code crl-verify}, {@code pkcs12}, {@code askpass}, {@code extra-certs}, {@code tls-crypt-v2}: good
 * values typed, bad values refused at parse time with the option and line.
 */
class PkiConfigTest {
    private static final String CLIENT = "dev tun\ntls-client\ncert client.crt\nkey client.key\nca ca.crt\n";
    private static final String P12_CLIENT = "dev tun\ntls-client\npkcs12 c.p12\n";
    private static final String CRL = pem("X509 CRL", "MIIBpzCBkAIBATANBgkqhkiG9w0BAQsFADA");
    static final String V2_CLIENT_KEY = "-----BEGIN OpenVPN tls-crypt-v2 client key-----\nAAAA\n"
            + "-----END OpenVPN tls-crypt-v2 client key-----\n";

    @TempDir
    Path dir;

    @BeforeEach
    void files() throws Exception {
        ConfigFixtures.writeTlsFiles(dir);
        Files.writeString(dir.resolve("crl.pem"), CRL);
        Files.write(dir.resolve("c.p12"), new byte[] {0x30, (byte) 0x82, 0x01, 0x00, 0x02, 0x01, 0x03});
    }

    private OpenVpnOptions parse(String text) throws ConfigException {
        return ConfigParser.parse(text, "pki.conf", dir);
    }

    private PkiOptions pki(String text) throws ConfigException {
        return parse(text).tls().orElseThrow().pki();
    }

    private void assertError(String text, Reason reason, String option, String detail) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(text));
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(option, e.option(), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        if (reason != Reason.MISSING_OPTION) {
            assertTrue(e.line() > 0, "names its line: " + e.getMessage());
        }
    }

    @Test
    void noneOfThemGivesNone() throws Exception {
        assertEquals(PkiOptions.NONE, pki(CLIENT));
    }

    @Test
    void remoteCertKuHexValuesAsOpenVpnReadsThem() throws Exception {
        PkiOptions p = pki(CLIENT + "remote-cert-ku a0 0x88 80\n");
        assertEquals(List.of(0xa0, 0x88, 0x80), p.remoteCertKu());
        assertTrue(p.remoteCertKuRequired());
        PkiOptions bare = pki(CLIENT + "remote-cert-ku\n");
        assertTrue(bare.remoteCertKuRequired());
        assertTrue(bare.remoteCertKu().isEmpty());
        // --remote-cert-ku or --remote-cert-eku counts as server verification: no warning then.
        assertFalse(parse(CLIENT + "remote-cert-ku\n").warnings().stream()
                .anyMatch(w -> w.contains(OptionWarnings.NO_SERVER_VERIFICATION)));
        for (String bad : List.of("xyz", "0", "12345", "0x", "-1", "a0g")) {
            assertError(CLIENT + "remote-cert-ku a0 " + bad + "\n", Reason.BAD_VALUE, "remote-cert-ku", "'" + bad + "'");
        }
    }

    @Test
    void remoteCertEkuOidOrOpenSslLongName() throws Exception {
        assertEquals(Optional.of("1.3.6.1.5.5.7.3.1"), pki(CLIENT + "remote-cert-eku \"TLS Web Server Authentication\"\n")
                .remoteCertEku());
        assertEquals(Optional.of("1.3.6.1.5.5.7.3.2"), pki(CLIENT + "remote-cert-eku 1.3.6.1.5.5.7.3.2\n").remoteCertEku());
        assertEquals(Optional.of("1.3.6.1.4.1.311.20.2.2"), pki(CLIENT + "remote-cert-eku 1.3.6.1.4.1.311.20.2.2\n")
                .remoteCertEku());
        // The short name never matches in OpenVPN (it compares long name and OID): refused with the fix.
        assertError(CLIENT + "remote-cert-eku serverAuth\n", Reason.BAD_VALUE, "remote-cert-eku",
                "write 'TLS Web Server Authentication' or 1.3.6.1.5.5.7.3.1");
        for (String bad : List.of("1.", "1..2", "web", "3.1.2", "\"tls web server authentication\"")) {
            assertError(CLIENT + "remote-cert-eku " + bad + "\n", Reason.BAD_VALUE, "remote-cert-eku", "neither an OID");
        }
    }

    @Test
    void crlVerifyFileInlineAndDirectory() throws Exception {
        PkiOptions file = pki(CLIENT + "crl-verify crl.pem\n");
        assertEquals(Optional.of(dir.resolve("crl.pem")), file.crlVerify().orElseThrow().file());
        assertEquals(Optional.empty(), file.crlVerifyDir());
        PkiOptions inline = pki(CLIENT + "<crl-verify>\n" + CRL + "</crl-verify>\n");
        assertTrue(inline.crlVerify().orElseThrow().inline());
        Files.createDirectory(dir.resolve("crls"));
        PkiOptions d = pki(CLIENT + "crl-verify crls dir\n");
        assertEquals(Optional.of(dir.resolve("crls")), d.crlVerifyDir());
        assertEquals(Optional.empty(), d.crlVerify());

        assertError(CLIENT + "crl-verify ca.crt\n", Reason.BAD_VALUE, "crl-verify", "does not hold a PEM CRL");
        assertError(CLIENT + "crl-verify missing.pem\n", Reason.FILE_ERROR, "crl-verify", "cannot read");
        assertError(CLIENT + "crl-verify crl.pem dir\n", Reason.FILE_ERROR, "crl-verify", "not a directory");
        assertError(CLIENT + "crl-verify crls folder\n", Reason.BAD_VALUE, "crl-verify", "only second argument is 'dir'");
        ConfigFixtures.writeKey(dir, "s.key", ConfigFixtures.keyBlock(ConfigFixtures.keyHex()));
        assertError("dev tun\nsecret s.key\ncrl-verify crl.pem\n", Reason.CONFLICT, "crl-verify", "TLS mode");
    }

    @Test
    void pkcs12ReplacesCertAndKey() throws Exception {
        TlsOptions t = parse(P12_CLIENT).tls().orElseThrow();
        assertEquals("", t.cert().text());
        assertEquals("", t.key().text());
        assertEquals(Optional.empty(), t.ca());
        byte[] der = Base64.getDecoder().decode(t.pki().pkcs12().orElseThrow().text());
        assertEquals(7, der.length);
        assertEquals(Optional.of(dir.resolve("c.p12")), t.pki().pkcs12().get().file());
        PkiOptions inline = pki("dev tun\ntls-client\n<pkcs12>\nMIIBAAIBAw==\n</pkcs12>\n");
        assertTrue(inline.pkcs12().orElseThrow().inline());

        assertError(P12_CLIENT + "cert client.crt\n", Reason.CONFLICT, "cert", "cannot be used when --pkcs12");
        assertError(P12_CLIENT + "key client.key\n", Reason.CONFLICT, "key", "cannot be used when --pkcs12");
        assertError("dev tun\ntls-client\npkcs12 ca.crt\n", Reason.BAD_VALUE, "pkcs12", "not a PKCS#12 bundle");
        assertError("dev tun\ntls-client\n<pkcs12>\n!!notbase64\n</pkcs12>\n", Reason.BAD_VALUE, "pkcs12", "base64");
        assertError("dev tun\ntls-client\npkcs12 none.p12\n", Reason.FILE_ERROR, "pkcs12", "cannot read");
        assertFalse(t.toString().contains(t.pki().pkcs12().get().text()), "toString shows no key material");
    }

    @Test
    void extraCertsMustBeCertificates() throws Exception {
        assertEquals(Optional.of(dir.resolve("ca.crt")), pki(CLIENT + "extra-certs ca.crt\n").extraCerts().orElseThrow().file());
        assertError(CLIENT + "extra-certs client.key\n", Reason.BAD_VALUE, "extra-certs", "PEM certificates");
    }

    @Test
    void tlsCryptV2ClientKeyForAClient() throws Exception {
        Files.writeString(dir.resolve("v2.key"), V2_CLIENT_KEY);
        assertTrue(pki(CLIENT + "tls-crypt-v2 v2.key\n").tlsCryptV2().isPresent());
        assertTrue(pki(CLIENT + "<tls-crypt-v2>\n" + V2_CLIENT_KEY + "</tls-crypt-v2>\n").tlsCryptV2().orElseThrow().inline());
        Files.writeString(dir.resolve("server.v2"), "-----BEGIN OpenVPN tls-crypt-v2 server key-----\nAAAA\n"
                + "-----END OpenVPN tls-crypt-v2 server key-----\n");
        assertError(CLIENT + "tls-crypt-v2 server.v2\n", Reason.BAD_KEY, "tls-crypt-v2", "server key");
        assertError(CLIENT + "tls-crypt-v2 ca.crt\n", Reason.BAD_KEY, "tls-crypt-v2", "no '-----BEGIN OpenVPN tls-crypt-v2");
        assertError(CLIENT + "tls-crypt-v2 v2.key cookies\n", Reason.BAD_VALUE, "tls-crypt-v2", "force-cookie");
        ConfigFixtures.writeKey(dir, "ta.key", ConfigFixtures.keyBlock(ConfigFixtures.keyHex()));
        assertError(CLIENT + "tls-crypt ta.key\ntls-crypt-v2 v2.key\n", Reason.CONFLICT, "tls-crypt-v2", "mutually exclusive");
        assertError("dev tun\ntls-server\ncert server.crt\nkey server.key\nca ca.crt\ndh none\ntls-crypt-v2 v2.key\n",
                Reason.UNSUPPORTED_OPTION, "tls-crypt-v2", "server mode");
    }

    @Test
    void tlsCryptV2ServerKeyForAServer() throws Exception {
        String server = "dev tun\nserver 10.8.0.0 255.255.255.0\ncert server.crt\nkey server.key\nca ca.crt\ndh none\n";
        Files.writeString(dir.resolve("v2.key"), V2_CLIENT_KEY);
        Files.writeString(dir.resolve("server.v2"), "-----BEGIN OpenVPN tls-crypt-v2 server key-----\nAAAA\n"
                + "-----END OpenVPN tls-crypt-v2 server key-----\n");
        OpenVpnOptions o = parse(server + "tls-crypt-v2 server.v2 force-cookie\n");
        assertTrue(o.tls().orElseThrow().pki().tlsCryptV2().isPresent());
        assertFalse(o.warnings().stream().anyMatch(w -> w.contains("allow-noncookie")), o.warnings().toString());
        // OpenVPN's default allow-noncookie would serve 2.5 clients without the cookie: Culvert says it does not.
        for (String arg : List.of("", " allow-noncookie")) {
            assertTrue(parse(server + "tls-crypt-v2 server.v2" + arg + "\n").warnings().stream()
                    .anyMatch(w -> w.contains("allow-noncookie") && w.contains("pki.conf:7")), arg);
        }
        assertError(server + "tls-crypt-v2 v2.key\n", Reason.BAD_KEY, "tls-crypt-v2", "a server needs the server key");
        assertError(server + "tls-crypt-v2 ca.crt\n", Reason.BAD_KEY, "tls-crypt-v2", "no '-----BEGIN OpenVPN tls-crypt-v2");
        assertError(server + "tls-crypt-v2 server.v2 cookies\n", Reason.BAD_VALUE, "tls-crypt-v2", "force-cookie");
    }
}
