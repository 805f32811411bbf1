package org.culvert.openvpn.tls.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.cert.CRL;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.tls.PeerChecks;

/**
 * {@code --crl-verify}, as OpenVPN 2.6 with OpenSSL checks it.
 *
 * <p>File mode: OpenSSL's {@code X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL}: every certificate
 * of the verified chain, the CA's own included, needs a CRL from its issuer, signed by it and current
 * at the clock's time, that does not list it. The file is re-read before a check when its size or
 * modification time changed, as OpenVPN re-reads it before each handshake; a file that cannot be read
 * later keeps the CRLs last read (OpenVPN: "Failed to stat CRL file, not reloading CRL").
 *
 * <p>Directory mode: a file named by a certificate's serial number in decimal, at any depth,
 * revokes it; no CRL is read.
 *
 * <p>Messages are OpenVPN's log lines. Loop thread only.
 */
final class CrlCheck {
    private static final long MAX_CRL_BYTES = 64L << 20;

    private final Path file;
    private final Path dir;
    private final Clock clock;
    private List<X509CRL> crls;
    private long lastSize = -1;
    private long lastModified = -1;

    private CrlCheck(Path file, Path dir, List<X509CRL> crls, Clock clock) {
        this.file = file;
        this.dir = dir;
        this.crls = crls;
        this.clock = clock;
    }

    /** Null when {@code checks} configures no CRL. */
    static CrlCheck of(PeerChecks checks, Clock clock) throws BadOption {
        if (checks.crlDir() != null) {
            return new CrlCheck(null, checks.crlDir(), List.of(), clock);
        }
        if (checks.crlPem() == null) {
            return null;
        }
        CrlCheck c = new CrlCheck(checks.crlFile(), null, parse(checks.crlPem()), clock);
        if (c.file != null) {
            c.remember();
        }
        return c;
    }

    /** All CRLs of a PEM text; none is an error, as OpenVPN refuses a CRL file it cannot read. */
    static List<X509CRL> parse(String pem) throws BadOption {
        List<X509CRL> out = new ArrayList<>();
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (CRL c : f.generateCRLs(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509CRL) c);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new BadOption("--crl-verify", false, "CRL: cannot read: " + e.getClass().getSimpleName());
        }
        if (out.isEmpty()) {
            throw new BadOption("--crl-verify", false, "CRL: cannot read: no CRL found");
        }
        return out;
    }

    /**
     * @param path the peer's chain followed by its trust anchor, leaf first (each certificate's issuer is
     *     the next one; the last is self-issued)
     * @return null if no certificate is revoked, else OpenVPN's log line
     */
    String check(List<X509Certificate> path) {
        if (dir != null) {
            for (int depth = 0; depth < path.size(); depth++) {
                String serial = path.get(depth).getSerialNumber().toString();
                if (Files.exists(dir.resolve(serial))) {
                    return "VERIFY CRL: depth=" + depth + ", " + PeerVerifier.subject(path.get(depth)) + ", serial="
                            + serial + " is revoked";
                }
            }
            return null;
        }
        reloadIfChanged();
        Date now = new Date(clock.unixSeconds() * 1000L);
        for (int depth = 0; depth < path.size(); depth++) {
            X509Certificate cert = path.get(depth);
            X509Certificate issuer = path.get(Math.min(depth + 1, path.size() - 1));
            String error = check(cert, issuer, now);
            if (error != null) {
                return "VERIFY ERROR: depth=" + depth + ", error=" + error + ": " + PeerVerifier.subject(cert)
                        + ", serial=" + cert.getSerialNumber();
            }
        }
        return null;
    }

    /** OpenSSL's {@code X509_verify_cert_error_string} for the first problem, or null. */
    private String check(X509Certificate cert, X509Certificate issuer, Date now) {
        X509CRL found = null;
        for (X509CRL crl : crls) {
            if (!crl.getIssuerX500Principal().equals(cert.getIssuerX500Principal())) {
                continue;
            }
            try {
                crl.verify(issuer.getPublicKey());
            } catch (GeneralSecurityException | RuntimeException e) {
                continue; // Same name, other key: not this issuer's CRL.
            }
            found = crl;
            break;
        }
        if (found == null) {
            return "unable to get certificate CRL";
        }
        if (found.getThisUpdate().after(now)) {
            return "CRL is not yet valid";
        }
        if (found.getNextUpdate() != null && found.getNextUpdate().before(now)) {
            return "CRL has expired";
        }
        if (found.getRevokedCertificate(cert) != null) {
            return "certificate revoked";
        }
        return null;
    }

    private void reloadIfChanged() {
        if (file == null) {
            return; // Inline: as OpenVPN, it cannot change.
        }
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            if (a.size() == lastSize && a.lastModifiedTime().toMillis() == lastModified) {
                return;
            }
            if (a.size() > MAX_CRL_BYTES) {
                return;
            }
            List<X509CRL> fresh = parse(new String(Files.readAllBytes(file), StandardCharsets.US_ASCII));
            crls = fresh;
            lastSize = a.size();
            lastModified = a.lastModifiedTime().toMillis();
        } catch (IOException | BadOption | RuntimeException e) {
            // Kept: the CRLs last read (OpenVPN warns and does not reload).
        }
    }

    private void remember() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            lastSize = a.size();
            lastModified = a.lastModifiedTime().toMillis();
        } catch (IOException e) {
            lastSize = -1;
        }
    }
}
