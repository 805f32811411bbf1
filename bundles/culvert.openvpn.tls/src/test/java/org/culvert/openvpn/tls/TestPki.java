package org.culvert.openvpn.tls;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.culvert.openvpn.tls.internal.Bytes;

/**
 * Certificates generated in-process for the tests: self-signed identities for --peer-fingerprint
 * and a small CA. Keys are EC P-256 (or RSA 2048); PEM text is what TlsSettings takes.
 */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime() & 0xFFFFFFFL);
    private static final long DAY = 86_400_000L;

    private TestPki() {
    }

    /** A certificate with its key, as PEM. */
    public record Identity(String certPem, String keyPem, String fingerprint, KeyPair keys, X500Name subject) {
    }

    public enum Usage { SERVER, CLIENT, NONE }

    public static Identity selfSigned(String cn) {
        return issue(null, cn, Usage.NONE, false, false);
    }

    public static Identity ca(String cn) {
        return issue(null, cn, Usage.NONE, true, false);
    }

    /** A leaf signed by {@code issuer} (or self-signed if null), with KU and the role's EKU. */
    public static Identity issue(Identity issuer, String cn, Usage usage, boolean isCa, boolean rsa) {
        try {
            KeyPair kp = keyPair(rsa);
            X500Name subject = new X500Name("C=DE, O=Culvert Test, CN=" + cn);
            X500Name issuerName = issuer == null ? subject : issuer.subject();
            long now = System.currentTimeMillis();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), new Date(now - DAY), new Date(now + 3650 * DAY),
                    subject, kp.getPublic());
            if (isCa) {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else if (usage != Usage.NONE) {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement
                        | KeyUsage.keyEncipherment));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        usage == Usage.SERVER ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
            }
            KeyPair signer = issuer == null ? kp : issuer.keys();
            String alg = signer.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            X509CertificateHolder holder = b.build(new JcaContentSignerBuilder(alg).build(signer.getPrivate()));
            String fp = Bytes.colonHex(MessageDigest.getInstance("SHA-256").digest(holder.getEncoded()));
            return new Identity(pem(holder), pem(new JcaPKCS8Generator(kp.getPrivate(), null)), fp, kp, subject);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair(boolean rsa) throws GeneralSecurityException {
        if (rsa) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static String pem(Object o) throws java.io.IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }
}
