package org.culvert.openvpn.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --pkcs12}, encrypted {@code --key} with a password, {@code --extra-certs}, with OpenVPN's sample keys. */
class IdentityTest {
    private static final String CLIENT_CN = "Test-Client";

    @TempDir
    Path tmp;

    @BeforeEach
    void present() {
        SampleKeys.assumePresent();
    }

    private static Credentials load(String cert, String key, byte[] p12, String password, String extra, String ca)
            throws BadOption {
        return Credentials.load(new Credentials.Identity(cert, key == null ? null : key.toCharArray(), p12,
                password == null ? null : password.toCharArray(), extra), ca);
    }

    @Test
    void pkcs12WithItsPasswordGivesTheClientAndItsCa() throws Exception {
        byte[] p12 = Files.readAllBytes(SampleKeys.DIR.resolve("client.p12"));
        try (Credentials c = load(null, null, p12, SampleKeys.PASSWORD, null, null)) {
            assertEquals(CLIENT_CN, PeerVerifier.commonName(c.leaf()));
            assertEquals(1, c.chainDer().size());
            assertEquals(Credentials.KeyType.RSA, c.keyType());
            // Without --ca the bundle's CA is trusted, as in OpenVPN.
            assertEquals(1, c.caCertificates().size());
            assertEquals(SampleKeys.cert("ca.crt"), c.caCertificates().get(0));
        }
        // With --ca, --ca decides.
        String other = TestCa.otherCaPem();
        try (Credentials c = load(null, null, p12, SampleKeys.PASSWORD, null, other)) {
            assertEquals(1, c.caCertificates().size());
            assertTrue(!c.caCertificates().get(0).equals(SampleKeys.cert("ca.crt")));
        }
    }

    @Test
    void pkcs12BadInputs() throws Exception {
        byte[] p12 = Files.readAllBytes(SampleKeys.DIR.resolve("client.p12"));
        BadOption none = assertThrows(BadOption.class, () -> load(null, null, p12, null, null, null));
        assertTrue(none.getMessage().contains("--askpass"), none.getMessage());
        BadOption wrong = assertThrows(BadOption.class, () -> load(null, null, p12, "Password", null, null));
        assertTrue(wrong.getMessage().contains("wrong password"), wrong.getMessage());
        byte[] cut = java.util.Arrays.copyOf(p12, p12.length / 2);
        BadOption truncated = assertThrows(BadOption.class, () -> load(null, null, cut, SampleKeys.PASSWORD, null, null));
        assertEquals("--pkcs12", truncated.option());
        assertThrows(BadOption.class, () -> load(null, null, new byte[] {0x30, 0x03, 1, 2, 3}, SampleKeys.PASSWORD,
                null, null));
    }

    @Test
    void encryptedPkcs8KeyWithThePassword() throws Exception {
        String cert = SampleKeys.text("client.crt");
        String key = SampleKeys.text("client-pass.key");
        assertTrue(key.contains("ENCRYPTED PRIVATE KEY"));
        try (Credentials c = load(cert, key, null, SampleKeys.PASSWORD, null, SampleKeys.text("ca.crt"))) {
            assertEquals(CLIENT_CN, PeerVerifier.commonName(c.leaf()));
        }
        BadOption wrong = assertThrows(BadOption.class, () -> load(cert, key, null, "passwort", null, null));
        assertTrue(wrong.getMessage().contains("wrong password"), wrong.getMessage());
        BadOption none = assertThrows(BadOption.class, () -> load(cert, key, null, null, null, null));
        assertTrue(none.getMessage().contains("--askpass"), none.getMessage());
    }

    @Test
    void encryptedTraditionalOpenSslKeyWithThePassword() throws Exception {
        Path out = tmp.resolve("trad.key");
        SampleKeys.openssl("rsa", "-traditional", "-aes256", "-passout", "pass:secret word", "-in",
                SampleKeys.DIR.resolve("client.key").toString(), "-out", out.toString());
        String key = Files.readString(out);
        assertTrue(key.contains("Proc-Type: 4,ENCRYPTED"));
        try (Credentials c = load(SampleKeys.text("client.crt"), key, null, "secret word", null, null)) {
            assertEquals(CLIENT_CN, PeerVerifier.commonName(c.leaf()));
        }
        BadOption wrong = assertThrows(BadOption.class, () -> load(SampleKeys.text("client.crt"), key, null, "secret",
                null, null));
        assertTrue(wrong.getMessage().contains("wrong password"), wrong.getMessage());
    }

    @Test
    void extraCertsAreSentButNotTrusted() throws Exception {
        String ca = SampleKeys.text("ca.crt");
        try (Credentials c = load(SampleKeys.text("client.crt"), SampleKeys.text("client.key"), null, null, ca, null)) {
            assertEquals(2, c.chainDer().size());
            assertTrue(java.util.Arrays.equals(SampleKeys.cert("ca.crt").getEncoded(), c.chainDer().get(1)));
            assertTrue(c.caCertificates().isEmpty());
        }
        BadOption empty = assertThrows(BadOption.class, () -> load(SampleKeys.text("client.crt"),
                SampleKeys.text("client.key"), null, null, "no certificate here", null));
        assertEquals("--extra-certs", empty.option());
    }

    /** A CA other than the sample one. */
    static final class TestCa {
        static String otherCaPem() {
            return org.culvert.openvpn.tls.TestPki.ca("other").certPem();
        }
    }
}
