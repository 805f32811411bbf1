package org.culvert.openvpn.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.util.List;
import org.culvert.openvpn.tls.FakeClock;
import org.culvert.openvpn.tls.PeerChecks;
import org.culvert.openvpn.tls.RemoteCertTls;
import org.culvert.openvpn.tls.TlsFailure;
import org.culvert.openvpn.tls.X509NameType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --remote-cert-ku}, {@code --remote-cert-eku}, {@code --crl-verify} and {@code --verify-x509-name}
 * against OpenVPN's shipped sample certificates: the server certificate has key usage
 * digitalSignature+keyEncipherment (OpenVPN's a0) and EKU serverAuth; the client certificate has no
 * extensions at all.
 */
class PeerChecksTest {
    private static final String SERVER_SUBJECT = "C=KG, ST=NA, O=OpenVPN-TEST, CN=Test-Server, emailAddress=me@myhost.mydomain";
    private static final String CLIENT_SUBJECT = "C=KG, ST=NA, O=OpenVPN-TEST, CN=Test-Client, emailAddress=me@myhost.mydomain";

    @TempDir
    Path tmp;
    private X509Certificate ca;
    private X509Certificate server;
    private X509Certificate client;
    /** A minute ahead: CRLs made during the test are current (OpenSSL's thisUpdate has whole seconds). */
    private final FakeClock clock = new FakeClock(System.currentTimeMillis() / 1000 + 60);

    @BeforeEach
    void load() throws Exception {
        SampleKeys.assumePresent();
        ca = SampleKeys.cert("ca.crt");
        server = SampleKeys.cert("server.crt");
        client = SampleKeys.cert("client.crt");
    }

    private TlsFailure verify(X509Certificate peer, PeerChecks checks) throws Exception {
        return verify(peer, checks, null, X509NameType.SUBJECT);
    }

    private TlsFailure verify(X509Certificate peer, PeerChecks checks, String name, X509NameType type) throws Exception {
        PeerVerifier v = PeerVerifier.create(List.of(ca), List.of(), null, name, type, checks, clock);
        return v.verify(List.of(peer.getEncoded())).failure();
    }

    private static PeerChecks ku(Integer... values) {
        return new PeerChecks(true, List.of(values), null, null, null, null);
    }

    private static PeerChecks eku(String oid) {
        return new PeerChecks(false, List.of(), oid, null, null, null);
    }

    @Test
    void subjectAndCommonNameAreOpenVpnsFormat() {
        assertEquals(SERVER_SUBJECT, PeerVerifier.subject(server));
        assertEquals("Test-Client", PeerVerifier.commonName(client));
    }

    @Test
    void verifyX509NameAllTypesGoodAndBad() throws Exception {
        assertNull(verify(server, PeerChecks.NONE, SERVER_SUBJECT, X509NameType.SUBJECT));
        assertNull(verify(server, PeerChecks.NONE, "Test-Server", X509NameType.NAME));
        assertNull(verify(server, PeerChecks.NONE, "Test-S", X509NameType.NAME_PREFIX));
        for (Object[] bad : new Object[][] {
                {"C=KG, ST=NA, O=OpenVPN-TEST, CN=Test-Server", X509NameType.SUBJECT}, // missing the email
                {"/C=KG/ST=NA/O=OpenVPN-TEST/CN=Test-Server/emailAddress=me@myhost.mydomain", X509NameType.SUBJECT},
                {"test-server", X509NameType.NAME}, {"Test-Serve", X509NameType.NAME},
                {"Test-Client", X509NameType.NAME_PREFIX}, {"Test-Server-1", X509NameType.NAME_PREFIX}}) {
            TlsFailure f = verify(server, PeerChecks.NONE, (String) bad[0], (X509NameType) bad[1]);
            assertNotNull(f, String.valueOf(bad[0]));
            assertEquals(TlsFailure.Reason.CERT_NAME_MISMATCH, f.reason());
            assertTrue(f.message().startsWith("VERIFY X509NAME ERROR: " + SERVER_SUBJECT + ", must be " + bad[0]), f.message());
        }
    }

    @Test
    void keyUsageAnyOfTheValuesAsOpenVpn() throws Exception {
        assertNull(verify(server, ku()));               // only presence required
        assertNull(verify(server, ku(0xa0)));
        assertNull(verify(server, ku(0x80)));           // a subset is enough
        assertNull(verify(server, ku(0x88, 0xa0)));     // any one of them
        TlsFailure f = verify(server, ku(0x88));        // keyAgreement is not there
        assertEquals(TlsFailure.Reason.CERT_USAGE_MISMATCH, f.reason());
        assertTrue(f.message().startsWith("VERIFY KU ERROR: Certificate has key usage 00a0, expected one of: 0088: "
                + SERVER_SUBJECT), f.message());
        assertEquals(TlsFailure.Reason.CERT_USAGE_MISMATCH, verify(server, ku(0x08, 0x02)).reason());
        TlsFailure none = verify(client, ku());
        assertEquals(TlsFailure.Reason.CERT_USAGE_MISMATCH, none.reason());
        assertTrue(none.message().contains("does not have key usage extension"), none.message());
        assertEquals(0xa0, KeyUsageCheck.openVpnKeyUsage(server.getKeyUsage()));
    }

    @Test
    void extendedKeyUsageByOid() throws Exception {
        assertNull(verify(server, eku("1.3.6.1.5.5.7.3.1")));
        assertEquals(TlsFailure.Reason.CERT_USAGE_MISMATCH, verify(server, eku("1.3.6.1.5.5.7.3.2")).reason());
        TlsFailure none = verify(client, eku("1.3.6.1.5.5.7.3.2"));
        assertEquals(TlsFailure.Reason.CERT_USAGE_MISMATCH, none.reason());
        assertTrue(none.message().startsWith("VERIFY EKU ERROR: Certificate does not have extended key usage"), none.message());
        assertTrue(verify(server, eku("1.3.6.1.5.5.7.3.2")).message().startsWith("VERIFY EKU ERROR: Certificate has EKU"
                + " 1.3.6.1.5.5.7.3.1, expects 1.3.6.1.5.5.7.3.2"));
        // --remote-cert-tls server is KU present + EKU serverAuth: the same verdicts.
        PeerVerifier tls = PeerVerifier.create(List.of(ca), List.of(), RemoteCertTls.SERVER, null, X509NameType.SUBJECT,
                PeerChecks.NONE, clock);
        assertNull(tls.verify(List.of(server.getEncoded())).failure());
        assertNotNull(tls.verify(List.of(client.getEncoded())).failure());
    }

    private PeerChecks crlFile(Path file) throws Exception {
        return new PeerChecks(false, List.of(), null, Files.readString(file), file, null);
    }

    @Test
    void crlRevokesTheSampleClientAndKeepsTheServer() throws Exception {
        SampleKeys.Ca db = new SampleKeys.Ca(tmp);
        db.revoke("client.crt");
        Path crl = tmp.resolve("crl.pem");
        db.crl(crl);
        TlsFailure f = verify(client, crlFile(crl));
        assertEquals(TlsFailure.Reason.CERT_REVOKED, f.reason());
        assertEquals("VERIFY ERROR: depth=0, error=certificate revoked: " + CLIENT_SUBJECT + ", serial="
                + client.getSerialNumber(), f.message());
        assertNull(verify(server, crlFile(crl)));
    }

    @Test
    void crlFileIsReReadWhenItChanges() throws Exception {
        SampleKeys.Ca db = new SampleKeys.Ca(tmp);
        Path crl = tmp.resolve("crl.pem");
        db.crl(crl);
        PeerVerifier v = PeerVerifier.create(List.of(ca), List.of(), null, null, X509NameType.SUBJECT, crlFile(crl), clock);
        assertNull(v.verify(List.of(client.getEncoded())).failure());
        db.revoke("client.crt");
        db.crl(crl);
        // The size changes with the new entry; the time is moved as well, as a later write would.
        Files.setLastModifiedTime(crl, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        assertEquals(TlsFailure.Reason.CERT_REVOKED, v.verify(List.of(client.getEncoded())).failure().reason());
        // A file that becomes unreadable keeps the CRL last read, as OpenVPN.
        Files.writeString(crl, "garbage");
        assertEquals(TlsFailure.Reason.CERT_REVOKED, v.verify(List.of(client.getEncoded())).failure().reason());
    }

    @Test
    void crlMissingForTheIssuerExpiredOrForeignRefusesEveryPeer() throws Exception {
        SampleKeys.Ca db = new SampleKeys.Ca(tmp);
        Path crl = tmp.resolve("crl.pem");
        db.crl(crl);
        // Not yet valid: a minute before it was made; expired: 31 days later (default_crl_days is 30).
        FakeClock earlier = new FakeClock(System.currentTimeMillis() / 1000 - 60);
        TlsFailure early = PeerVerifier.create(List.of(ca), List.of(), null, null, X509NameType.SUBJECT, crlFile(crl),
                earlier).verify(List.of(server.getEncoded())).failure();
        assertTrue(early.message().contains("error=CRL is not yet valid"), early.message());
        FakeClock later = new FakeClock(clock.unixSeconds() + 31L * 86_400);
        PeerVerifier v = PeerVerifier.create(List.of(ca), List.of(), null, null, X509NameType.SUBJECT, crlFile(crl), later);
        TlsFailure expired = v.verify(List.of(server.getEncoded())).failure();
        assertEquals(TlsFailure.Reason.CERT_REVOKED, expired.reason());
        assertTrue(expired.message().contains("error=CRL has expired"), expired.message());
        // A CRL from another CA with the same name would need the sample CA's key: one signed by a
        // fresh self-signed CA is "unable to get certificate CRL" for the sample chain.
        Path otherDir = Files.createDirectory(tmp.resolve("other"));
        SampleKeys.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Other CA", "-days", "2",
                "-keyout", otherDir.resolve("k.pem").toString(), "-out", otherDir.resolve("c.pem").toString());
        Files.writeString(otherDir.resolve("index.txt"), "");
        Files.writeString(otherDir.resolve("crlnumber"), "01\n");
        Files.writeString(otherDir.resolve("o.cnf"), "[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = " + otherDir.resolve("index.txt")
                + "\ncrlnumber = " + otherDir.resolve("crlnumber") + "\ndefault_md = sha256\ndefault_crl_days = 30\n");
        Path foreign = tmp.resolve("foreign.pem");
        SampleKeys.openssl("ca", "-config", otherDir.resolve("o.cnf").toString(), "-gencrl", "-keyfile",
                otherDir.resolve("k.pem").toString(), "-cert", otherDir.resolve("c.pem").toString(), "-out", foreign.toString());
        TlsFailure missing = verify(server, crlFile(foreign));
        assertEquals(TlsFailure.Reason.CERT_REVOKED, missing.reason());
        assertTrue(missing.message().contains("error=unable to get certificate CRL"), missing.message());
    }

    @Test
    void crlThatIsNotACrlIsAConfigurationError() {
        BadOption e = assertThrows(BadOption.class, () -> PeerVerifier.create(List.of(ca), List.of(), null, null,
                X509NameType.SUBJECT, new PeerChecks(false, List.of(), null,
                        "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n", null, null), clock));
        assertEquals("--crl-verify", e.option());
    }

    @Test
    void crlDirectoryRevokesByDecimalSerial() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("crl"));
        PeerChecks checks = new PeerChecks(false, List.of(), null, null, null, dir);
        PeerVerifier v = PeerVerifier.create(List.of(ca), List.of(), null, null, X509NameType.SUBJECT, checks, clock);
        assertNull(v.verify(List.of(client.getEncoded())).failure());
        // The hex form does not count: OpenVPN names the file in decimal.
        Files.writeString(dir.resolve(client.getSerialNumber().toString(16) + "x"), "");
        assertNull(v.verify(List.of(client.getEncoded())).failure());
        Files.writeString(dir.resolve(client.getSerialNumber().toString()), "");
        TlsFailure f = v.verify(List.of(client.getEncoded())).failure();
        assertEquals(TlsFailure.Reason.CERT_REVOKED, f.reason());
        assertEquals("VERIFY CRL: depth=0, " + CLIENT_SUBJECT + ", serial=" + client.getSerialNumber() + " is revoked",
                f.message());
        assertNull(v.verify(List.of(server.getEncoded())).failure());
        // The CA's own serial revokes every certificate it issued (depth 1).
        Files.writeString(dir.resolve(ca.getSerialNumber().toString()), "");
        TlsFailure caRevoked = v.verify(List.of(server.getEncoded())).failure();
        assertTrue(caRevoked.message().startsWith("VERIFY CRL: depth=1, "), caRevoked.message());
    }
}
