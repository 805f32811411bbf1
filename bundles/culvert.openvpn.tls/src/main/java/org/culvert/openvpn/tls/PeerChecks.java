package org.culvert.openvpn.tls;

import java.nio.file.Path;
import java.util.List;

/**
 * Checks on the peer's certificate beyond the chain, fingerprint, {@code --remote-cert-tls} and
 * {@code --verify-x509-name}, as OpenVPN 2.6 makes them. Immutable.
 *
 * @param keyUsageRequired {@code --remote-cert-ku}: the peer's leaf must carry a key usage extension
 * @param keyUsages {@code --remote-cert-ku} values; when not empty, the leaf's key usage (OpenVPN's byte:
 *     digitalSignature 0x80 ... decipherOnly dropped) must hold all bits of at least one of them
 * @param extendedKeyUsage {@code --remote-cert-eku} as a dotted OID, or null
 * @param crlPem {@code --crl-verify}: the PEM CRL(s) as first read, or null
 * @param crlFile the file {@code crlPem} came from, re-read when its size or time changes (as OpenVPN before
 *     each handshake); null for an inline CRL
 * @param crlDir {@code --crl-verify DIR dir}: a file named by a certificate's decimal serial number
 *     revokes it; null otherwise
 * @since tls 2.1
 */
public record PeerChecks(boolean keyUsageRequired, List<Integer> keyUsages, String extendedKeyUsage, String crlPem,
        Path crlFile, Path crlDir) {
    /** No checks. */
    public static final PeerChecks NONE = new PeerChecks(false, List.of(), null, null, null, null);

    public PeerChecks {
        keyUsages = List.copyOf(keyUsages);
        if (!keyUsages.isEmpty() && !keyUsageRequired) {
            throw new IllegalArgumentException("key usages imply that the extension is required");
        }
        if (crlPem != null && crlDir != null) {
            throw new IllegalArgumentException("a CRL file and a CRL directory are exclusive");
        }
        if (crlFile != null && crlPem == null) {
            throw new IllegalArgumentException("a CRL file needs its first content");
        }
    }
}
