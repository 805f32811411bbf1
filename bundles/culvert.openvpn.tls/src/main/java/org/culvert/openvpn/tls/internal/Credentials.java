package org.culvert.openvpn.tls.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.DHParameter;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.tls.crypto.DHGroup;

/**
 * The local identity and trust material, parsed once from PEM text: our certificate chain and private
 * key ({@code --cert}, {@code --key}), the CA certificates ({@code --ca}) and explicit DH parameters
 * ({@code --dh}). Immutable until {@link #close()}; {@link #toString()} reveals nothing secret.
 *
 * <p>The private key is parsed once, as OpenVPN keeps its loaded key; the DER encodings parsed on the
 * way are overwritten at once. What Java cannot overwrite: Bouncy Castle's key parameters hold RSA and
 * EC keys as immutable {@code BigInteger}s and EdDSA keys in a private array, and {@code PEMParser}
 * reads the PEM text line by line into Strings; {@link #close()} drops the parameters so that only
 * unreachable copies remain.
 */
public final class Credentials implements AutoCloseable {
    /** The private key's algorithm, which decides the signature schemes and TLS 1.2 suites we can use. */
    public enum KeyType { RSA, EC_P256, EC_P384, EC_P521, ED25519, ED448 }

    private final List<byte[]> chainDer;
    private volatile AsymmetricKeyParameter privateKey;
    private final KeyType keyType;
    private final List<X509Certificate> caCertificates;
    private final X509Certificate leaf;

    private Credentials(List<byte[]> chainDer, X509Certificate leaf, AsymmetricKeyParameter privateKey, KeyType keyType,
            List<X509Certificate> caCertificates) {
        this.chainDer = chainDer;
        this.leaf = leaf;
        this.privateKey = privateKey;
        this.keyType = keyType;
        this.caCertificates = caCertificates;
    }

    /**
     * @param certPem {@code --cert}: the leaf first, optionally followed by intermediates
     * @param keyPem {@code --key}: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted
     * @param caPem {@code --ca}, or null when only {@code --peer-fingerprint} is used
     */
    public static Credentials load(String certPem, String keyPem, String caPem) throws BadOption {
        return load(certPem, keyPem == null ? null : keyPem.toCharArray(), caPem);
    }

    /**
     * As {@link #load(String, String, String)}, with the private key's PEM text as characters (the
     * caller wipes them).
     */
    public static Credentials load(String certPem, char[] keyPem, String caPem) throws BadOption {
        return load(new Identity(certPem, keyPem, null, null, null), caPem);
    }

    /**
     * Where our certificate and key come from: {@code --cert}/{@code --key} (the key possibly encrypted,
     * unlocked with {@code password}) or {@code --pkcs12}; plus {@code --extra-certs}, sent after our
     * chain and never trusted. The caller owns and wipes the arrays.
     */
    public record Identity(String certPem, char[] keyPem, byte[] pkcs12, char[] password, String extraCertsPem) {
    }

    /**
     * Loads our identity and {@code --ca}; with {@code --pkcs12} and no {@code --ca}, the bundle's CA
     * certificates are the trusted ones, as in OpenVPN.
     */
    public static Credentials load(Identity id, String caPem) throws BadOption {
        List<X509Certificate> chain;
        PrivateKeyInfo parsed;
        List<X509Certificate> bundledCas = List.of();
        if (id.pkcs12() != null) {
            Pkcs12.Content p12 = Pkcs12.read(id.pkcs12(), id.password());
            chain = p12.chain();
            parsed = p12.key();
            bundledCas = p12.cas();
        } else {
            chain = certificates("--cert", id.certPem());
            if (chain.isEmpty()) {
                throw new BadOption("--cert", false, "no certificate found in --cert");
            }
            parsed = privateKeyInfo(id.keyPem(), id.password());
        }
        if (id.extraCertsPem() != null) {
            List<X509Certificate> extra = certificates("--extra-certs", id.extraCertsPem());
            if (extra.isEmpty()) {
                throw new BadOption("--extra-certs", false, "no certificate found in --extra-certs");
            }
            chain = new ArrayList<>(chain);
            chain.addAll(extra);
        }
        List<byte[]> der = new ArrayList<>();
        for (X509Certificate c : chain) {
            try {
                der.add(c.getEncoded());
            } catch (CertificateException e) {
                throw new BadOption("--cert", false, "cannot encode certificate: " + e.getMessage());
            }
        }
        PrivateKeyInfo info = null;
        AsymmetricKeyParameter key;
        KeyType type;
        try {
            info = withCurveFromCertificate(parsed, chain.get(0));
            type = keyType(info);
            try {
                key = PrivateKeyFactory.createKey(info);
            } catch (IOException | RuntimeException e) {
                throw new BadOption("--key", false, "cannot use the private key: " + e.getClass().getSimpleName());
            }
            checkKeyMatchesCertificate(info, chain.get(0));
        } finally {
            wipe(parsed);
            wipe(info);
        }
        List<X509Certificate> cas = caPem == null ? bundledCas : certificates("--ca", caPem);
        if (caPem != null && cas.isEmpty()) {
            throw new BadOption("--ca", false, "no certificate found in --ca");
        }
        return new Credentials(Collections.unmodifiableList(der), chain.get(0), key, type, cas);
    }

    /** Parses {@code --dh} PEM (PKCS#3 "DH PARAMETERS"). */
    public static DHGroup dhParameters(String pem) throws BadOption {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            org.bouncycastle.util.io.pem.PemObject object = parser.readPemObject();
            if (object == null || !"DH PARAMETERS".equals(object.getType())) {
                throw new BadOption("--dh", false, "--dh must hold a PEM 'DH PARAMETERS' block or be 'none'");
            }
            DHParameter p = DHParameter.getInstance(object.getContent());
            BigInteger prime = p.getP();
            if (prime.bitLength() < 2048) {
                throw new BadOption("--dh", false, "DH parameters of " + prime.bitLength()
                        + " bits are too weak; use at least 2048 bits or --dh none");
            }
            if (!prime.isProbablePrime(40)) {
                throw new BadOption("--dh", false, "the DH modulus is not prime");
            }
            int l = p.getL() == null ? 0 : p.getL().intValue();
            return new DHGroup(prime, null, p.getG(), l);
        } catch (IOException | RuntimeException e) {
            throw new BadOption("--dh", false, "cannot parse --dh: " + e.getClass().getSimpleName());
        }
    }

    /** Our chain in DER, leaf first. */
    public List<byte[]> chainDer() {
        return chainDer;
    }

    public X509Certificate leaf() {
        return leaf;
    }

    /** The private key; throws once {@link #close() closed}. */
    public AsymmetricKeyParameter privateKey() {
        AsymmetricKeyParameter k = privateKey;
        if (k == null) {
            throw new IllegalStateException("the credentials were closed");
        }
        return k;
    }

    /**
     * Another handle on the same parsed identity, closed on its own: a server's sessions share what
     * was parsed and checked once (Bouncy Castle's key parameters are immutable, so sessions on
     * several threads may sign with them at once). Throws once this handle is closed.
     */
    public Credentials share() {
        return new Credentials(chainDer, leaf, privateKey(), keyType, caCertificates);
    }

    /** Drops the private key (see the class comment for what Java leaves behind); idempotent. */
    @Override
    public void close() {
        privateKey = null;
    }

    /** Overwrites the private key octets inside a parsed PKCS#8 structure (Bouncy Castle hands out its own array). */
    static void wipe(PrivateKeyInfo info) {
        if (info != null) {
            java.util.Arrays.fill(info.getPrivateKey().getOctets(), (byte) 0);
        }
    }

    public KeyType keyType() {
        return keyType;
    }

    /** {@code --ca} certificates; empty with fingerprint-only verification. */
    public List<X509Certificate> caCertificates() {
        return caCertificates;
    }

    @Override
    public String toString() {
        return "Credentials[" + leaf.getSubjectX500Principal().getName() + ", " + keyType + ", ca="
                + caCertificates.size() + "]";
    }

    /** All certificates in a PEM text, in order. */
    public static List<X509Certificate> certificates(String option, String pem) throws BadOption {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder) {
                    byte[] der = ((X509CertificateHolder) o).getEncoded();
                    out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new BadOption(option, false, "cannot parse " + option + ": " + e.getClass().getSimpleName());
        }
        return out;
    }

    private static PrivateKeyInfo privateKeyInfo(char[] pem, char[] password) throws BadOption {
        if (pem == null) {
            throw new BadOption("--key", false, "no private key found in --key");
        }
        try (PEMParser parser = new PEMParser(new java.io.CharArrayReader(pem))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof PEMKeyPair) {
                    return ((PEMKeyPair) o).getPrivateKeyInfo();
                }
                if (o instanceof PrivateKeyInfo) {
                    return (PrivateKeyInfo) o;
                }
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    return EncryptedKeys.decrypt(o, password);
                }
                // EC PARAMETERS blocks and anything else before the key are skipped.
            }
        } catch (IOException | RuntimeException e) {
            throw new BadOption("--key", false, "cannot parse --key: " + e.getClass().getSimpleName());
        }
        throw new BadOption("--key", false, "no private key found in --key");
    }

    /**
     * A SEC1 "EC PRIVATE KEY" may omit its curve; the certificate's public key always names it, and
     * the key must belong to that certificate anyway.
     */
    private static PrivateKeyInfo withCurveFromCertificate(PrivateKeyInfo info, X509Certificate cert) throws BadOption {
        if (!X9ObjectIdentifiers.id_ecPublicKey.equals(info.getPrivateKeyAlgorithm().getAlgorithm())
                || info.getPrivateKeyAlgorithm().getParameters() != null) {
            return info;
        }
        try {
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(cert.getPublicKey().getEncoded());
            return new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey,
                    spki.getAlgorithm().getParameters()), info.parsePrivateKey());
        } catch (IOException | RuntimeException e) {
            throw new BadOption("--key", false, "the EC private key names no curve and the certificate's is unusable");
        }
    }

    private static KeyType keyType(PrivateKeyInfo info) throws BadOption {
        ASN1ObjectIdentifier alg = info.getPrivateKeyAlgorithm().getAlgorithm();
        if (alg.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            return KeyType.RSA;
        }
        if (alg.equals(EdECObjectIdentifiers.id_Ed25519)) {
            return KeyType.ED25519;
        }
        if (alg.equals(EdECObjectIdentifiers.id_Ed448)) {
            return KeyType.ED448;
        }
        if (alg.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            Object params = info.getPrivateKeyAlgorithm().getParameters();
            if (X9ObjectIdentifiers.prime256v1.equals(params)) {
                return KeyType.EC_P256;
            }
            if (SECObjectIdentifiers.secp384r1.equals(params)) {
                return KeyType.EC_P384;
            }
            if (SECObjectIdentifiers.secp521r1.equals(params)) {
                return KeyType.EC_P521;
            }
            throw new BadOption("--key", true, "unsupported EC curve " + params + "; use P-256, P-384 or P-521");
        }
        throw new BadOption("--key", true, "unsupported private key algorithm " + alg.getId());
    }

    /** OpenVPN refuses a key that does not belong to the certificate; prove it with a signature. */
    private static void checkKeyMatchesCertificate(PrivateKeyInfo info, X509Certificate cert) throws BadOption {
        try {
            PrivateKey key = new JcaPEMKeyConverter().getPrivateKey(info);
            PublicKey pub = cert.getPublicKey();
            String alg;
            switch (key.getAlgorithm()) {
                case "RSA":
                    alg = "SHA256withRSA";
                    break;
                case "EC":
                case "ECDSA":
                    alg = "SHA256withECDSA";
                    break;
                default:
                    alg = key.getAlgorithm(); // Ed25519 / Ed448 / EdDSA
                    break;
            }
            byte[] probe = "culvert key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(alg);
            signer.initSign(key);
            signer.update(probe);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(alg);
            verifier.initVerify(pub);
            verifier.update(probe);
            if (!verifier.verify(sig)) {
                throw new BadOption("--key", false, "the private key does not match the certificate in --cert");
            }
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new BadOption("--key", false, "the private key does not match the certificate in --cert ("
                    + e.getClass().getSimpleName() + ")");
        }
    }
}
