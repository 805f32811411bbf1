package org.culvert.openvpn.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.culvert.openvpn.tls.internal.Bytes;
import org.culvert.openvpn.tls.internal.PeerVerifier;

/**
 * The script variables OpenVPN 2.6 sets for each certificate of a verified peer chain
 * ({@code ssl_verify.c} {@code verify_cert_set_env}, {@code ssl_verify_openssl.c} {@code x509_setenv}):
 * {@code X509_<d>_<field>} for each subject entry (OpenSSL short names; a repeated field gets
 * {@code _1}, {@code _2}...), {@code tls_id_<d>} (the subject), {@code tls_digest_<d>} (SHA-1) and
 * {@code tls_digest_sha256_<d>} (lower-case hex with colons), {@code tls_serial_<d>} (decimal) and
 * {@code tls_serial_hex_<d>}. Depth 0 is the peer's own certificate. Values are made safe as OpenVPN's
 * {@code string_mod(CC_PRINT, CC_CRLF)} does: anything not printable becomes {@code _}.
 *
 * @since tls 2.2
 */
public final class PeerCertEnv {
    private PeerCertEnv() {
    }

    /**
     * @param chain the peer's chain, its own certificate first (as the TLS handshake delivers it)
     * @return the variables, the CA's (highest depth) first, as OpenVPN's verify callback sets them
     */
    public static Map<String, String> of(List<X509Certificate> chain) {
        Map<String, String> env = new LinkedHashMap<>();
        for (int depth = chain.size() - 1; depth >= 0; depth--) {
            X509Certificate cert = chain.get(depth);
            for (Map.Entry<String, String> e : PeerVerifier.subjectEntries(cert)) {
                String name = safe("X509_" + depth + "_" + e.getKey());
                String unique = name;
                for (int i = 1; env.containsKey(unique); i++) {
                    unique = name + "_" + i; // setenv_str_incr
                }
                env.put(unique, safe(e.getValue()));
            }
            env.put("tls_id_" + depth, safe(PeerVerifier.subject(cert)));
            env.put("tls_digest_" + depth, colonHex(digest("SHA-1", cert)));
            env.put("tls_digest_sha256_" + depth, colonHex(digest("SHA-256", cert)));
            BigInteger serial = cert.getSerialNumber();
            env.put("tls_serial_" + depth, serial.toString());
            env.put("tls_serial_hex_" + depth, colonHex(magnitude(serial)));
        }
        return env;
    }

    /** The serial's bytes as OpenSSL's ASN1_INTEGER holds them: no sign byte. */
    private static byte[] magnitude(BigInteger serial) {
        byte[] b = serial.abs().toByteArray();
        if (b.length > 1 && b[0] == 0) {
            return java.util.Arrays.copyOfRange(b, 1, b.length);
        }
        return b;
    }

    private static byte[] digest(String algorithm, X509Certificate cert) {
        try {
            return MessageDigest.getInstance(algorithm).digest(cert.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " unavailable", e);
        }
    }

    /** Lower case: OpenVPN's {@code format_hex_ex} without {@code FHE_CAPS}. */
    private static String colonHex(byte[] b) {
        return Bytes.colonHex(b).toLowerCase(java.util.Locale.ROOT);
    }

    /** OpenVPN's {@code string_mod(s, CC_PRINT, CC_CRLF, '_')}. */
    static String safe(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7F || c == '\r' || c == '\n' ? '_' : c);
        }
        return sb.toString();
    }
}
