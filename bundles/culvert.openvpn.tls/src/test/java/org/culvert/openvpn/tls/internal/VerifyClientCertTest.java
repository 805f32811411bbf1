package org.culvert.openvpn.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

import org.culvert.openvpn.tls.FakeClock;
import org.culvert.openvpn.tls.PeerCertEnv;
import org.culvert.openvpn.tls.TestPki;
import org.culvert.openvpn.tls.TestPki.Identity;
import org.culvert.openvpn.tls.TestPki.Usage;
import org.culvert.openvpn.tls.TlsFailure;
import org.culvert.openvpn.tls.TlsVersion;
import org.culvert.openvpn.tls.VerifyClientCert;
import org.junit.jupiter.api.Test;

/**
 * {@code --verify-client-cert none|optional|require} on the TLS server endpoint, in TLS 1.2 and 1.3,
 * with a client that has a good certificate, one from another CA, and none; and the script variables of a
 * verified chain.
 */
class VerifyClientCertTest {
    private static final Identity CA = TestPki.ca("Auth Test CA");
    private static final Identity OTHER_CA = TestPki.ca("Other CA");
    private static final Identity SERVER = TestPki.issue(CA, "server", Usage.SERVER, false, false);
    private static final Identity CLIENT = TestPki.issue(CA, "client1", Usage.CLIENT, false, false);
    private static final Identity STRANGER = TestPki.issue(OTHER_CA, "stranger", Usage.CLIENT, false, false);

    private final FakeClock clock = new FakeClock();

    /** Runs a handshake to its end; returns the server endpoint. */
    private TlsEndpoint handshake(VerifyClientCert mode, Identity client, TlsVersion max) throws Exception {
        return handshake(mode, client, max, null);
    }

    /** A CRL from the test CA revoking {@code revoked}, as PEM. */
    private static String crlRevoking(Identity revoked) throws Exception {
        X509Certificate cert = Credentials.certificates("--cert", revoked.certPem()).get(0);
        java.util.Date now = new java.util.Date();
        org.bouncycastle.cert.X509v2CRLBuilder b = new org.bouncycastle.cert.X509v2CRLBuilder(CA.subject(),
                new java.util.Date(now.getTime() - 60_000));
        b.setNextUpdate(new java.util.Date(now.getTime() + 86_400_000L));
        b.addCRLEntry(cert.getSerialNumber(), now, org.bouncycastle.asn1.x509.CRLReason.keyCompromise);
        org.bouncycastle.cert.X509CRLHolder crl = b.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder(
                "SHA256withECDSA").build(CA.keys().getPrivate()));
        return "-----BEGIN X509 CRL-----\n" + java.util.Base64.getMimeEncoder().encodeToString(crl.getEncoded())
                + "\n-----END X509 CRL-----\n";
    }

    private TlsEndpoint handshake(VerifyClientCert mode, Identity client, TlsVersion max, String crlPem) throws Exception {
        Credentials serverCreds = Credentials.load(SERVER.certPem(), SERVER.keyPem(), CA.certPem());
        Credentials clientCreds = client == null ? null : Credentials.load(client.certPem(), client.keyPem(), CA.certPem());
        TlsProfile sp = TlsProfile.resolve(TlsVersion.TLS_1_2, max, null, null, null, null, serverCreds.keyType(), true);
        TlsProfile cp = TlsProfile.resolve(TlsVersion.TLS_1_2, max, null, null, null, null,
                clientCreds == null ? Credentials.KeyType.EC_P256 : clientCreds.keyType(), false);
        PeerVerifier sv = crlPem == null ? new PeerVerifier(serverCreds.caCertificates(), List.of(), null, null, null, clock)
                : PeerVerifier.create(serverCreds.caCertificates(), List.of(), null, null, null,
                        new org.culvert.openvpn.tls.PeerChecks(false, List.of(), null, crlPem, null, null), clock);
        PeerVerifier cv = new PeerVerifier(serverCreds.caCertificates(), List.of(), null, null, null, clock);
        TlsEndpoint server = TlsEndpoint.server(sp, serverCreds, sv, new SecureRandom(), mode);
        TlsEndpoint clientEnd = TlsEndpoint.client(cp, clientCreds, cv, new SecureRandom());
        byte[] buf = new byte[65536];
        for (int round = 0; round < 20; round++) {
            int n = clientEnd.readOutput(buf, 0, buf.length);
            if (n > 0) {
                server.offer(buf, 0, n);
            }
            int m = server.readOutput(buf, 0, buf.length);
            if (m > 0) {
                clientEnd.offer(buf, 0, m);
            }
            if (n == 0 && m == 0) {
                break;
            }
        }
        return server;
    }

    @Test
    void requireAcceptsAGoodCertificateAndRefusesNoneOrAStrangersInBothVersions() throws Exception {
        for (TlsVersion v : new TlsVersion[] {TlsVersion.TLS_1_2, TlsVersion.TLS_1_3}) {
            TlsEndpoint ok = handshake(VerifyClientCert.REQUIRE, CLIENT, v);
            assertTrue(ok.handshakeComplete(), v + ": " + ok.failure());
            assertEquals("client1", ok.peer().commonName());
            TlsEndpoint none = handshake(VerifyClientCert.REQUIRE, null, v);
            assertFalse(none.handshakeComplete(), v.toString());
            assertNotNull(none.failure());
            TlsEndpoint stranger = handshake(VerifyClientCert.REQUIRE, STRANGER, v);
            assertFalse(stranger.handshakeComplete(), v.toString());
            assertEquals(TlsFailure.Reason.CERT_UNTRUSTED, stranger.failure().reason(), v.toString());
        }
    }

    @Test
    void optionalLetsAClientWithoutACertificateInButStillVerifiesOneSent() throws Exception {
        for (TlsVersion v : new TlsVersion[] {TlsVersion.TLS_1_2, TlsVersion.TLS_1_3}) {
            TlsEndpoint none = handshake(VerifyClientCert.OPTIONAL, null, v);
            assertTrue(none.handshakeComplete(), v + ": " + none.failure());
            assertNull(none.peer(), "no certificate, no identity");
            TlsEndpoint ok = handshake(VerifyClientCert.OPTIONAL, CLIENT, v);
            assertTrue(ok.handshakeComplete(), v + ": " + ok.failure());
            assertEquals("client1", ok.peer().commonName());
            TlsEndpoint stranger = handshake(VerifyClientCert.OPTIONAL, STRANGER, v);
            assertFalse(stranger.handshakeComplete(), v.toString());
            assertEquals(TlsFailure.Reason.CERT_UNTRUSTED, stranger.failure().reason(), v.toString());
        }
    }

    @Test
    void noneAsksForNoCertificate() throws Exception {
        for (TlsVersion v : new TlsVersion[] {TlsVersion.TLS_1_2, TlsVersion.TLS_1_3}) {
            TlsEndpoint none = handshake(VerifyClientCert.NONE, null, v);
            assertTrue(none.handshakeComplete(), v + ": " + none.failure());
            assertNull(none.peer());
            // A client with a certificate is not asked for it, so a stranger's is never seen.
            TlsEndpoint stranger = handshake(VerifyClientCert.NONE, STRANGER, v);
            assertTrue(stranger.handshakeComplete(), v + ": " + stranger.failure());
            assertNull(stranger.peer());
        }
    }

    @Test
    void crlVerifyRefusesARevokedClientCertificateAndKeepsOthers() throws Exception {
        Identity other = TestPki.issue(CA, "client2", Usage.CLIENT, false, false);
        String crl = crlRevoking(CLIENT);
        for (VerifyClientCert mode : new VerifyClientCert[] {VerifyClientCert.REQUIRE, VerifyClientCert.OPTIONAL}) {
            TlsEndpoint revoked = handshake(mode, CLIENT, TlsVersion.TLS_1_3, crl);
            assertFalse(revoked.handshakeComplete(), mode.toString());
            assertEquals(TlsFailure.Reason.CERT_REVOKED, revoked.failure().reason(), mode.toString());
            TlsEndpoint ok = handshake(mode, other, TlsVersion.TLS_1_3, crl);
            assertTrue(ok.handshakeComplete(), mode + ": " + ok.failure());
            assertEquals("client2", ok.peer().commonName());
        }
    }

    @Test
    void scriptVariablesOfAChain() throws Exception {
        X509Certificate leaf = Credentials.certificates("--cert", CLIENT.certPem()).get(0);
        X509Certificate ca = Credentials.certificates("--ca", CA.certPem()).get(0);
        Map<String, String> env = PeerCertEnv.of(List.of(leaf, ca));
        assertEquals("client1", env.get("X509_0_CN"));
        assertEquals("Culvert Test", env.get("X509_0_O"));
        assertEquals("DE", env.get("X509_0_C"));
        assertEquals("Auth Test CA", env.get("X509_1_CN"));
        assertEquals("C=DE, O=Culvert Test, CN=client1", env.get("tls_id_0"));
        assertEquals(leaf.getSerialNumber().toString(), env.get("tls_serial_0"));
        String hex = env.get("tls_serial_hex_0");
        assertEquals(leaf.getSerialNumber(), new java.math.BigInteger(hex.replace(":", ""), 16));
        assertTrue(hex.equals(hex.toLowerCase()));
        assertEquals(CLIENT.fingerprint().toLowerCase(), env.get("tls_digest_sha256_0"));
        assertEquals(59, env.get("tls_digest_0").length(), "SHA-1: 20 bytes, colon-separated");
        List<String> keys = List.copyOf(env.keySet());
        assertTrue(keys.indexOf("X509_1_CN") < keys.indexOf("X509_0_CN"), "the CA's first, as OpenVPN's callback");
    }
}
