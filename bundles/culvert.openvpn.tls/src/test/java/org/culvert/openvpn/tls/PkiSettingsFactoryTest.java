package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.culvert.openvpn.config.ConfigParser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client profile's PKI options from configuration text to validated engine settings, with OpenVPN's sample keys. */
class PkiSettingsFactoryTest {
    private static final Path SAMPLES = Path.of("/usr/share/doc/openvpn/examples/sample-keys");

    @TempDir
    Path dir;

    @BeforeEach
    void samples() throws Exception {
        assumeTrue(Files.isRegularFile(SAMPLES.resolve("client.p12")), "OpenVPN's sample keys are not installed");
        for (String f : List.of("ca.crt", "client.crt", "client-pass.key", "client.p12")) {
            Files.copy(SAMPLES.resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("pass.txt"), "password\nignored second line\n");
        Files.writeString(dir.resolve("wrong.txt"), "Password\n");
    }

    private TlsSettings settings(String profile) throws Exception {
        return TlsSettingsFactory.fromOptions(ConfigParser.parse("dev null\nremote 192.0.2.1\ntls-client\n" + profile,
                "pki.conf", dir));
    }

    @Test
    void pkcs12AndEncryptedKeysWithAskpass() throws Exception {
        settings("pkcs12 client.p12\naskpass pass.txt\n").validate();
        settings("ca ca.crt\ncert client.crt\nkey client-pass.key\naskpass pass.txt\n").validate();
        TlsConfigException wrong = assertThrows(TlsConfigException.class,
                () -> settings("ca ca.crt\ncert client.crt\nkey client-pass.key\naskpass wrong.txt\n"));
        assertEquals("--key", wrong.option());
        assertTrue(wrong.getMessage().contains("wrong password"), wrong.getMessage());
        // No askpass and no console this engine may use: the message says what to add.
        TlsConfigException none = assertThrows(TlsConfigException.class,
                () -> settings("ca ca.crt\ncert client.crt\nkey client-pass.key\n"));
        assertTrue(none.getMessage().contains("--askpass FILE"), none.getMessage());
        TlsConfigException p12 = assertThrows(TlsConfigException.class, () -> settings("pkcs12 client.p12\n"));
        assertEquals("--pkcs12", p12.option());
        assertTrue(p12.getMessage().contains("--askpass"), p12.getMessage());
        TlsConfigException missing = assertThrows(TlsConfigException.class,
                () -> settings("pkcs12 client.p12\naskpass nofile.txt\n"));
        assertEquals("--askpass", missing.option());
    }

    @Test
    void peerChecksReachTheEngine() throws Exception {
        Files.writeString(dir.resolve("crl.pem"), "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
        Files.createDirectory(dir.resolve("crls"));
        TlsSettings s = settings("pkcs12 client.p12\naskpass pass.txt\nremote-cert-ku a0 88\nremote-cert-eku"
                + " \"TLS Web Server Authentication\"\ncrl-verify crls dir\n");
        PeerChecks c = s.peerChecks();
        assertTrue(c.keyUsageRequired());
        assertEquals(List.of(0xa0, 0x88), c.keyUsages());
        assertEquals("1.3.6.1.5.5.7.3.1", c.extendedKeyUsage());
        assertEquals(dir.resolve("crls"), c.crlDir());
        // A CRL file that does not parse is a configuration error, naming --crl-verify.
        TlsConfigException e = assertThrows(TlsConfigException.class,
                () -> settings("pkcs12 client.p12\naskpass pass.txt\ncrl-verify crl.pem\n"));
        assertEquals("--crl-verify", e.option());
        assertTrue(e.getMessage().contains("CRL: cannot read"), e.getMessage());
    }
}
