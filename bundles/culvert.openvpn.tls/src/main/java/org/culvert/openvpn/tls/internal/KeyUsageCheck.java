package org.culvert.openvpn.tls.internal;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.culvert.openvpn.tls.PeerChecks;

/** {@code --remote-cert-ku} and {@code --remote-cert-eku}, as OpenVPN 2.6 with OpenSSL checks them. */
final class KeyUsageCheck {
    private KeyUsageCheck() {
    }

    /** @return null if the leaf passes, else why not, as OpenVPN's lines ({@code VERIFY KU ERROR}, ...) */
    static String check(X509Certificate leaf, PeerChecks checks) {
        if (checks.keyUsageRequired()) {
            boolean[] ku = leaf.getKeyUsage();
            if (ku == null) {
                return "VERIFY KU ERROR: Certificate does not have key usage extension";
            }
            if (!checks.keyUsages().isEmpty()) {
                int nku = openVpnKeyUsage(ku);
                boolean found = false;
                for (int expected : checks.keyUsages()) {
                    found |= expected != 0 && (nku & expected) == expected;
                }
                if (!found) {
                    StringBuilder sb = new StringBuilder(String.format("VERIFY KU ERROR: Certificate has key usage"
                            + " %04x, expected one of:", nku));
                    for (int expected : checks.keyUsages()) {
                        sb.append(String.format(" %04x", expected));
                    }
                    return sb.toString();
                }
            }
        }
        if (checks.extendedKeyUsage() != null) {
            List<String> eku;
            try {
                eku = leaf.getExtendedKeyUsage();
            } catch (CertificateParsingException e) {
                eku = null;
            }
            if (eku == null) {
                return "VERIFY EKU ERROR: Certificate does not have extended key usage extension, expects "
                        + checks.extendedKeyUsage();
            }
            if (!eku.contains(checks.extendedKeyUsage())) {
                return "VERIFY EKU ERROR: Certificate has EKU " + String.join(", ", eku) + ", expects "
                        + checks.extendedKeyUsage();
            }
        }
        return null;
    }

    /**
     * OpenVPN's byte: bit i of the BIT STRING (0 = digitalSignature) becomes {@code 1 << (7 - i)} for
     * i &lt; 8, so digitalSignature is 0x80 and keyEncipherment 0x20; decipherOnly (bit 8) is not read.
     */
    static int openVpnKeyUsage(boolean[] ku) {
        int nku = 0;
        for (int i = 0; i < 8 && i < ku.length; i++) {
            if (ku[i]) {
                nku |= 1 << (7 - i);
            }
        }
        return nku;
    }
}
