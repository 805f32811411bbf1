package org.culvert.openvpn.tls.internal;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.tls.PeerChecks;
import org.culvert.openvpn.tls.RemoteCertTls;
import org.culvert.openvpn.tls.TlsFailure;
import org.culvert.openvpn.tls.X509NameType;

/**
 * Decides whether the peer's certificate chain is acceptable, as OpenVPN 2.6's verify callback does:
 *
 * <ol>
 *   <li>With {@code --ca}: the chain must validate (PKIX, at the injected clock's time, no revocation
 *       checks) up to one of the CA certificates.</li>
 *   <li>With {@code --peer-fingerprint}: the leaf's SHA-256 fingerprint must be one of the configured
 *       ones (compared in constant time). Without {@code --ca}, this alone decides: the leaf may be
 *       self-signed and its dates are not checked, as in OpenVPN's no-CA mode.</li>
 *   <li>{@code --remote-cert-tls}: the leaf has a key-usage extension and the role's extended key usage.</li>
 *   <li>{@code --verify-x509-name}: the subject (OpenVPN's {@code C=.., O=.., CN=..} format) or the
 *       common name (with OpenVPN's character remapping) matches.</li>
 *   <li>{@code --remote-cert-ku}, {@code --remote-cert-eku}: as OpenVPN's {@code x509_verify_cert_ku}
 *       and {@code x509_verify_cert_eku}.</li>
 *   <li>{@code --crl-verify}: see {@link CrlCheck}.</li>
 * </ol>
 *
 * A rejection returns a {@link TlsFailure} naming the reason; the caller turns it into a TLS alert.
 * Loop thread only (the CRL file is re-read when it changes).
 */
public final class PeerVerifier {
    private static final Map<String, String> SHORT_NAMES = Map.ofEntries(
            Map.entry("2.5.4.6", "C"), Map.entry("2.5.4.8", "ST"), Map.entry("2.5.4.7", "L"),
            Map.entry("2.5.4.10", "O"), Map.entry("2.5.4.11", "OU"), Map.entry("2.5.4.3", "CN"),
            Map.entry("2.5.4.5", "serialNumber"), Map.entry("2.5.4.4", "SN"), Map.entry("2.5.4.42", "GN"),
            Map.entry("2.5.4.12", "title"), Map.entry("2.5.4.9", "street"), Map.entry("2.5.4.17", "postalCode"),
            Map.entry("2.5.4.46", "dnQualifier"), Map.entry("2.5.4.65", "pseudonym"), Map.entry("2.5.4.43", "initials"),
            Map.entry("1.2.840.113549.1.9.1", "emailAddress"), Map.entry("0.9.2342.19200300.100.1.25", "DC"),
            Map.entry("0.9.2342.19200300.100.1.1", "UID"));

    private final List<X509Certificate> cas;
    private final List<byte[]> fingerprints;
    private final RemoteCertTls remoteCertTls;
    private final String x509Name;
    private final X509NameType x509NameType;
    private final Clock clock;
    private final PeerChecks checks;
    private final CrlCheck crl;

    public PeerVerifier(List<X509Certificate> cas, List<byte[]> fingerprints, RemoteCertTls remoteCertTls,
            String x509Name, X509NameType x509NameType, Clock clock) {
        this(cas, fingerprints, remoteCertTls, x509Name, x509NameType, PeerChecks.NONE, null, clock);
    }

    /** @param crl {@code checks}' CRL, loaded by {@link #crlCheck}, or null */
    PeerVerifier(List<X509Certificate> cas, List<byte[]> fingerprints, RemoteCertTls remoteCertTls,
            String x509Name, X509NameType x509NameType, PeerChecks checks, CrlCheck crl, Clock clock) {
        this.checks = checks;
        this.crl = crl;
        this.cas = List.copyOf(cas);
        this.fingerprints = List.copyOf(fingerprints);
        this.remoteCertTls = remoteCertTls;
        this.x509Name = x509Name;
        this.x509NameType = x509NameType;
        this.clock = clock;
    }

    /**
     * With {@link PeerChecks}: {@code --remote-cert-ku}, {@code --remote-cert-eku}, {@code --crl-verify}.
     *
     * @throws BadOption if the CRL cannot be read (OpenVPN refuses to start then)
     */
    public static PeerVerifier create(List<X509Certificate> cas, List<byte[]> fingerprints, RemoteCertTls remoteCertTls,
            String x509Name, X509NameType x509NameType, PeerChecks checks, Clock clock) throws BadOption {
        return new PeerVerifier(cas, fingerprints, remoteCertTls, x509Name, x509NameType, checks,
                CrlCheck.of(checks, clock), clock);
    }

    /** Checks that {@code --crl-verify}'s text holds CRLs, so that a bad file is a configuration error. */
    public static void checkCrl(String pem) throws BadOption {
        CrlCheck.parse(pem);
    }

    /** What was learned about an accepted peer. */
    public record PeerIdentity(String subject, String commonName, byte[] sha256) {
    }

    /** Outcome: exactly one of identity and failure is non-null. */
    public record Result(PeerIdentity identity, TlsFailure failure) {
    }

    /** @param chainDer the peer's chain as sent, leaf first */
    public Result verify(List<byte[]> chainDer) {
        if (chainDer.isEmpty()) {
            return reject(TlsFailure.Reason.CERT_UNTRUSTED, "the peer sent no certificate");
        }
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (byte[] der : chainDer) {
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            return reject(TlsFailure.Reason.CERT_UNTRUSTED, "the peer's certificate does not parse");
        }
        X509Certificate leaf = chain.get(0);
        byte[] sha256 = sha256(chainDer.get(0));
        String subject = subject(leaf);
        String commonName = commonName(leaf);

        if (!cas.isEmpty()) {
            String problem = validatePath(chain);
            if (problem != null) {
                return reject(TlsFailure.Reason.CERT_UNTRUSTED, "peer certificate '" + subject + "' is not trusted by --ca: "
                        + problem);
            }
        }
        if (!fingerprints.isEmpty()) {
            boolean match = false;
            for (byte[] expected : fingerprints) {
                // Every configured fingerprint is compared, so the time taken does not tell which matched.
                match |= Bytes.constantTimeEquals(expected, 0, sha256, 0, 32);
            }
            if (!match) {
                return reject(TlsFailure.Reason.FINGERPRINT_MISMATCH, "peer certificate '" + subject
                        + "' has SHA-256 fingerprint " + Bytes.colonHex(sha256) + ", which is not a --peer-fingerprint");
            }
        }
        if (remoteCertTls != null) {
            if (leaf.getKeyUsage() == null) {
                return reject(TlsFailure.Reason.CERT_USAGE_MISMATCH, "peer certificate '" + subject
                        + "' has no key usage extension (--remote-cert-tls " + remoteCertTls.name().toLowerCase() + ")");
            }
            List<String> eku;
            try {
                eku = leaf.getExtendedKeyUsage();
            } catch (GeneralSecurityException e) {
                eku = null;
            }
            if (eku == null || !eku.contains(remoteCertTls.ekuOid())) {
                return reject(TlsFailure.Reason.CERT_USAGE_MISMATCH, "peer certificate '" + subject
                        + "' lacks extended key usage '" + remoteCertTls.ekuName() + "' (--remote-cert-tls "
                        + remoteCertTls.name().toLowerCase() + ")");
            }
        }
        if (x509Name != null) {
            boolean ok;
            switch (x509NameType) {
                case NAME:
                    ok = x509Name.equals(commonName);
                    break;
                case NAME_PREFIX:
                    ok = commonName != null && commonName.startsWith(x509Name);
                    break;
                default:
                    ok = x509Name.equals(subject);
                    break;
            }
            if (!ok) {
                // OpenVPN's line, then which option said so.
                return reject(TlsFailure.Reason.CERT_NAME_MISMATCH, "VERIFY X509NAME ERROR: " + subject + ", must be "
                        + x509Name + " (--verify-x509-name " + x509NameType.name().toLowerCase().replace('_', '-') + ")");
            }
        }
        String usage = KeyUsageCheck.check(leaf, checks);
        if (usage != null) {
            return reject(TlsFailure.Reason.CERT_USAGE_MISMATCH, usage + ": " + subject);
        }
        if (crl != null) {
            String revoked = crl.check(withAnchor(chain));
            if (revoked != null) {
                return reject(TlsFailure.Reason.CERT_REVOKED, revoked);
            }
        }
        return new Result(new PeerIdentity(subject, commonName, sha256), null);
    }

    /** The peer's chain with the CA that issued its last certificate appended, unless it is there already. */
    private List<X509Certificate> withAnchor(List<X509Certificate> chain) {
        List<X509Certificate> path = new ArrayList<>(chain);
        X509Certificate last = path.get(path.size() - 1);
        if (!last.getIssuerX500Principal().equals(last.getSubjectX500Principal())) {
            for (X509Certificate ca : cas) {
                if (ca.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
                    path.add(ca);
                    break;
                }
            }
        }
        return path;
    }

    private String validatePath(List<X509Certificate> chain) {
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            for (X509Certificate ca : cas) {
                anchors.add(new TrustAnchor(ca, null));
            }
            // A peer may include the root itself; PKIX wants the path without the anchor.
            List<X509Certificate> path = new ArrayList<>(chain);
            while (path.size() > 1 && isAnchor(path.get(path.size() - 1))) {
                path.remove(path.size() - 1);
            }
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(new Date(clock.unixSeconds() * 1000L));
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
            return null;
        } catch (CertPathValidatorException e) {
            return e.getReason() + (e.getMessage() == null ? "" : " (" + printable(e.getMessage()) + ")");
        } catch (GeneralSecurityException | RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }

    private boolean isAnchor(X509Certificate c) {
        for (X509Certificate ca : cas) {
            if (ca.equals(c)) {
                return true;
            }
        }
        return false;
    }

    private static Result reject(TlsFailure.Reason reason, String message) {
        return new Result(null, new TlsFailure(reason, message));
    }

    static byte[] sha256(byte[] der) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(der);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The subject as OpenVPN prints it: RDNs in certificate order, {@code ", "} between, short names. */
    public static String subject(X509Certificate cert) {
        X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        StringBuilder sb = new StringBuilder();
        for (RDN rdn : name.getRDNs()) {
            AttributeTypeAndValue[] values = rdn.getTypesAndValues();
            for (int i = 0; i < values.length; i++) {
                if (sb.length() > 0) {
                    sb.append(i == 0 ? ", " : " + ");
                }
                sb.append(shortName(values[i].getType())).append('=').append(escape(valueText(values[i].getValue())));
            }
        }
        return sb.toString();
    }

    /**
     * The subject's entries in certificate order as (short name, value) pairs, for the
     * {@code X509_<depth>_<name>} script variables.
     */
    public static List<Map.Entry<String, String>> subjectEntries(X509Certificate cert) {
        X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        List<Map.Entry<String, String>> entries = new ArrayList<>();
        for (RDN rdn : name.getRDNs()) {
            for (AttributeTypeAndValue v : rdn.getTypesAndValues()) {
                entries.add(Map.entry(shortName(v.getType()), valueText(v.getValue())));
            }
        }
        return entries;
    }

    /**
     * The last CN of the subject with OpenVPN's remapping: characters outside letters, digits and
     * {@code _-.@:/=} become {@code _}.
     */
    public static String commonName(X509Certificate cert) {
        X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        String cn = null;
        for (RDN rdn : name.getRDNs()) {
            for (AttributeTypeAndValue v : rdn.getTypesAndValues()) {
                if (v.getType().getId().equals("2.5.4.3")) {
                    cn = valueText(v.getValue());
                }
            }
        }
        if (cn == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(cn.length());
        for (int i = 0; i < cn.length(); i++) {
            char c = cn.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "_-.@:/=".indexOf(c) >= 0;
            sb.append(allowed ? c : '_');
        }
        return sb.toString();
    }

    private static String shortName(ASN1ObjectIdentifier oid) {
        String s = SHORT_NAMES.get(oid.getId());
        return s == null ? oid.getId() : s;
    }

    private static String valueText(ASN1Encodable value) {
        return value instanceof ASN1String ? ((ASN1String) value).getString() : value.toString();
    }

    /** OpenSSL's ESC_CTRL: control characters become {@code \XX}. */
    private static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                sb.append('\\').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return sb.toString();
    }
}
