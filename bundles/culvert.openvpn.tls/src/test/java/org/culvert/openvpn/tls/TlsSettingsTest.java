package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.security.SecureRandom;
import org.bouncycastle.asn1.pkcs.DHParameter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.tls.crypto.DHStandardGroups;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.culvert.openvpn.config.Proto;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.junit.jupiter.api.Test;

/** validate() refuses what cannot be honoured, naming the option and the kind of problem. */
class TlsSettingsTest {
    private static final TestPki.Identity ID = TlsSessionTest.CLIENT;

    private static TlsSettings.Builder ok() {
        return TlsSessionTest.client();
    }

    private static TlsConfigException refused(TlsSettings.Builder b, String option, TlsConfigException.Reason reason) {
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> b.build().validate());
        assertEquals(option, e.option(), e.getMessage());
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith(option + ": "), e.getMessage());
        return e;
    }

    @Test
    void aCompleteConfigurationValidates() {
        assertDoesNotThrow(() -> ok().build().validate());
        assertDoesNotThrow(() -> TlsSessionTest.server().build().validate());
    }

    @Test
    void missingPieces() {
        refused(TlsSettings.builder(TlsRole.CLIENT).key(ID.keyPem()).peerFingerprint(ID.fingerprint()), "--cert",
                TlsConfigException.Reason.MISSING);
        refused(TlsSettings.builder(TlsRole.CLIENT).cert(ID.certPem()).peerFingerprint(ID.fingerprint()), "--key",
                TlsConfigException.Reason.MISSING);
        refused(TlsSettings.builder(TlsRole.CLIENT).cert(ID.certPem()).key(ID.keyPem()), "--ca",
                TlsConfigException.Reason.MISSING);
        refused(TlsSettings.builder(TlsRole.SERVER).cert(ID.certPem()).key(ID.keyPem()).peerFingerprint(ID.fingerprint()),
                "--dh", TlsConfigException.Reason.MISSING);
    }

    @Test
    void badPemMaterial() throws Exception {
        refused(ok().cert("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"), "--cert",
                TlsConfigException.Reason.INVALID);
        refused(ok().key(TlsSessionTest.SERVER.keyPem()), "--key", TlsConfigException.Reason.INVALID);
        refused(ok().key("nothing here"), "--key", TlsConfigException.Reason.INVALID);
        refused(ok().ca("no certificates"), "--ca", TlsConfigException.Reason.INVALID);

        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(new JcaPKCS8Generator(ID.keys().getPrivate(), new JceOpenSSLPKCS8EncryptorBuilder(
                    JcaPKCS8Generator.AES_256_CBC).setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                    .setPassword("secret".toCharArray()).setRandom(new SecureRandom()).build()));
        }
        // An encrypted key needs its password (--askpass); with it, it loads.
        TlsConfigException e = refused(ok().key(sw.toString()), "--key", TlsConfigException.Reason.INVALID);
        assertTrue(e.getMessage().contains("--askpass"), e.getMessage());
        refused(ok().key(sw.toString()).keyPassword("wrong".toCharArray()), "--key", TlsConfigException.Reason.INVALID);
        ok().key(sw.toString()).keyPassword("secret".toCharArray()).build().validate();
    }

    @Test
    void wrappingKeys() {
        byte[] key = new byte[256];
        refused(ok().tlsAuth(key, KeyDirection.INVERSE).tlsCrypt(key), "--tls-crypt", TlsConfigException.Reason.CONFLICT);
        refused(ok().tlsAuth(new byte[128], KeyDirection.INVERSE), "--tls-auth", TlsConfigException.Reason.INVALID);
        assertDoesNotThrow(() -> ok().tlsAuth(new byte[128], KeyDirection.BIDIRECTIONAL).build().validate());
        refused(ok().tlsAuth(new byte[100], KeyDirection.BIDIRECTIONAL), "--tls-auth", TlsConfigException.Reason.INVALID);
        refused(ok().tlsCrypt(new byte[128]), "--tls-crypt", TlsConfigException.Reason.INVALID);
        refused(ok().tlsAuth(key, KeyDirection.NORMAL).auth(AuthAlgorithm.NONE), "--auth", TlsConfigException.Reason.CONFLICT);
    }

    @Test
    void dataCiphers() {
        refused(ok().dataCiphers("AES-256-GCM:BF-CBC"), "--data-ciphers", TlsConfigException.Reason.UNSUPPORTED);
        assertDoesNotThrow(() -> ok().dataCiphers("?BF-CBC:aes-256-gcm").build().validate());
        refused(ok().dataCiphers("?BF-CBC"), "--data-ciphers", TlsConfigException.Reason.INVALID);
        refused(ok().dataCiphersFallback("DES-CBC"), "--data-ciphers-fallback", TlsConfigException.Reason.UNSUPPORTED);
        refused(ok().dataCiphers("AES-128-CBC").auth(AuthAlgorithm.NONE), "--auth", TlsConfigException.Reason.CONFLICT);
        assertDoesNotThrow(() -> ok().dataCiphers("AES-128-GCM").auth(AuthAlgorithm.NONE).build().validate());
    }

    @Test
    void tlsRestrictionsThatCannotBeHonouredExactlyAreRefused() {
        refused(ok().tlsCipher("DEFAULT:!aNULL"), "--tls-cipher", TlsConfigException.Reason.UNSUPPORTED);
        refused(ok().tlsCipher("TLS-RSA-WITH-AES-128-GCM-SHA256"), "--tls-cipher", TlsConfigException.Reason.UNSUPPORTED);
        refused(ok().tlsCipher("HIGH"), "--tls-cipher", TlsConfigException.Reason.UNSUPPORTED);
        assertDoesNotThrow(() -> ok().tlsCipher("ECDHE-ECDSA-AES256-GCM-SHA384:TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256")
                .build().validate());
        refused(ok().tlsCiphersuites("TLS_AES_256_GCM_SHA384:TLS_NOT_A_SUITE"), "--tls-ciphersuites",
                TlsConfigException.Reason.UNSUPPORTED);
        refused(ok().tlsCiphersuites("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"), "--tls-ciphersuites",
                TlsConfigException.Reason.UNSUPPORTED);
        assertDoesNotThrow(() -> ok().tlsCiphersuites("TLS-AES-128-GCM-SHA256").build().validate());
        refused(ok().tlsGroups("X25519:brainpoolP256r1"), "--tls-groups", TlsConfigException.Reason.UNSUPPORTED);
        refused(ok().ecdhCurve("sect163k1"), "--ecdh-curve", TlsConfigException.Reason.UNSUPPORTED);
        assertDoesNotThrow(() -> ok().tlsGroups("X25519:prime256v1:ffdhe3072").build().validate());
        refused(ok().tlsVersionMin(TlsVersion.TLS_1_3).tlsVersionMax(TlsVersion.TLS_1_2), "--tls-version-min",
                TlsConfigException.Reason.INVALID);
        // A TLS 1.2 ECDSA server has nothing to offer when --tls-cipher lists only RSA suites.
        refused(TlsSessionTest.server().tlsVersionMax(TlsVersion.TLS_1_2).tlsCipher("ECDHE-RSA-AES256-GCM-SHA384"),
                "--tls-cipher", TlsConfigException.Reason.INVALID);
    }

    @Test
    void versionTextAsOpenVpnParsesIt() {
        assertEquals(TlsVersion.TLS_1_2, ok().tlsVersionMin("1.0", false).build().tlsVersionMin(), "never weaker than 1.2");
        assertEquals(TlsVersion.TLS_1_3, ok().tlsVersionMin("1.4", true).build().tlsVersionMin());
        assertThrows(IllegalArgumentException.class, () -> ok().tlsVersionMin("1.4", false));
    }

    @Test
    void dhParameters() throws Exception {
        refused(TlsSessionTest.server().dh("not a pem"), "--dh", TlsConfigException.Reason.INVALID);
        refused(TlsSessionTest.server().dh(dhPem(DHStandardGroups.rfc2409_1024.getP(), DHStandardGroups.rfc2409_1024.getG())),
                "--dh", TlsConfigException.Reason.INVALID);
        assertDoesNotThrow(() -> TlsSessionTest.server().dh(TlsSessionTest.ffdhe2048Pem()).build().validate());
    }

    @Test
    void fingerprintsAndOtherTextInputs() {
        assertThrows(IllegalArgumentException.class, () -> ok().peerFingerprint("AB:CD"));
        assertThrows(IllegalArgumentException.class, () -> ok().peerFingerprint("ZZ" + ID.fingerprint().substring(2)));
        TlsSettings s = ok().peerFingerprint(ID.fingerprint() + "\n# comment\n" + ID.fingerprint().toLowerCase()).build();
        assertEquals(3, s.peerFingerprints().size());
        refused(ok().maxPacketSize(100), "--max-packet-size", TlsConfigException.Reason.INVALID);
        assertThrows(IllegalArgumentException.class, () -> ok().ping(-1));
    }

    @Test
    void staticKeyFiles() throws Exception {
        byte[] key = TlsSettings.parseStaticKey("--tls-auth", org.culvert.openvpn.tls.internal.KnownAnswerTestKeys.KEY);
        assertEquals(256, key.length);
        assertEquals(0x37, key[0] & 0xFF);
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> TlsSettings.parseStaticKey("--tls-crypt", "abc"));
        assertEquals("--tls-crypt", e.option());
        assertThrows(TlsConfigException.class, () -> TlsSettings.parseStaticKey("--tls-auth",
                "-----BEGIN OpenVPN Static key V1-----\nzz\n-----END OpenVPN Static key V1-----\n"));
        assertThrows(TlsConfigException.class, () -> TlsSettings.parseStaticKey("--tls-auth",
                "-----BEGIN OpenVPN Static key V1-----\n0011\n-----END OpenVPN Static key V1-----\n"));
    }

    @Test
    void optionsStringsMirrorEachOther() {
        byte[] key = new byte[256];
        TlsSettings c = ok().tlsAuth(key, KeyDirection.INVERSE).proto(Proto.TCP_CLIENT)
                .occ(new OccOptions("tun", 0, 1400, false, "10.8.0.1 10.8.0.2", "10.8.0.2 10.8.0.1")).build();
        assertEquals("V4,dev-type tun,link-mtu 1443,tun-mtu 1400,proto TCPv4_CLIENT,ifconfig 10.8.0.1 10.8.0.2,keydir 1,"
                + "cipher BF-CBC,auth SHA1,keysize 128,tls-auth,key-method 2,tls-client", c.localOptionsString());
        assertEquals("V4,dev-type tun,link-mtu 1443,tun-mtu 1400,proto TCPv4_SERVER,ifconfig 10.8.0.2 10.8.0.1,keydir 0,"
                + "cipher BF-CBC,auth SHA1,keysize 128,tls-auth,key-method 2,tls-server", c.expectedRemoteOptionsString());
        TlsSettings gcm = ok().dataCiphersFallback("AES-256-GCM").occ(new OccOptions("null", 0, 1500, false, null, null))
                .build();
        assertEquals("V4,dev-type null,link-mtu 1549,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,auth [null-digest],"
                + "keysize 256,key-method 2,tls-client", gcm.localOptionsString());
    }

    @Test
    void toStringRevealsNoKeys() {
        byte[] key = new byte[256];
        java.util.Arrays.fill(key, (byte) 0x5A);
        TlsSettings s = ok().tlsCrypt(key).build();
        String text = s.toString();
        assertFalse(text.contains("5a5a") || text.contains("5A5A"), text);
        assertFalse(text.contains("PRIVATE"), text);
        assertTrue(text.contains("tls-crypt"), text);
    }

    private static String dhPem(java.math.BigInteger p, java.math.BigInteger g) throws Exception {
        StringWriter sw = new StringWriter();
        try (PemWriter w = new PemWriter(sw)) {
            w.writeObject(new PemObject("DH PARAMETERS", new DHParameter(p, g, 0).getEncoded()));
        }
        return sw.toString();
    }

    @Test
    void aServersSessionsShareOneParseOfTheCredentialsEachWithItsOwnHandle() throws Exception {
        TlsSettings settings = TlsSessionTest.server().serverMode(true).build();
        TlsSettings.Resolved a = settings.resolveForSession();
        TlsSettings.Resolved b = settings.resolveForSession();
        assertTrue(a.credentials() != b.credentials(), "each session closes its own handle");
        assertTrue(a.credentials().privateKey() == b.credentials().privateKey(), "the key was parsed and proven once");
        a.credentials().close();
        assertThrows(IllegalStateException.class, () -> a.credentials().privateKey());
        assertDoesNotThrow(() -> b.credentials().privateKey(), "closing one session's handle leaves the others'");
        assertDoesNotThrow(() -> settings.resolveForSession().credentials().privateKey());
        // wipe() drops the shared form with the key text: sessions built afterwards fail to load the key
        settings.wipe();
        assertThrows(TlsConfigException.class, settings::resolveForSession);
    }

    @Test
    void aPointToPointPeerParsesItsCredentialsAfreshForEachSession() throws Exception {
        TlsSettings settings = TlsSessionTest.server().build();
        TlsSettings.Resolved a = settings.resolveForSession();
        TlsSettings.Resolved b = settings.resolveForSession();
        assertFalse(a.credentials().privateKey() == b.credentials().privateKey());
    }
}
