package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.CONFLICT;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.culvert.openvpn.config.OptionsBuilder.Where;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.CipherAlgorithm;

/**
 * The data-channel cipher and digest options checked once all are read: {@code --cipher},
 * {@code --data-ciphers}, {@code --data-ciphers-fallback} and {@code --auth}, against what Culvert
 * implements in static-key and in TLS mode, telling a cipher it lacks from a typo.
 */
final class DataCipherChecks {
    private static final String STATIC_CIPHERS = "static-key mode supports AES-256-CBC, AES-128-CBC, none";
    private static final Set<String> AEAD_CIPHERS = Set.of("AES-128-GCM", "AES-192-GCM", "AES-256-GCM", "CHACHA20-POLY1305");
    /** Cipher names OpenSSL knows but Culvert does not implement (anything else is a typo). */
    private static final Pattern OTHER_OPENSSL_CIPHER = Pattern.compile(
            "(BF|CAST5|DES|DES-EDE|DES-EDE3|DESX|IDEA|RC2|SEED|SM4|CAMELLIA-(128|192|256)|ARIA-(128|192|256)|AES-(128|192|256))"
                    + "-(CBC|CFB|CFB1|CFB8|OFB|CTR|ECB)|AES-192-CBC|BLOWFISH-CBC");
    private static final Set<String> OTHER_OPENSSL_DIGESTS = Set.of("MD5", "MD4", "RIPEMD160", "SHA224", "SHA384",
            "SHA512-224", "SHA512-256", "SHA3-224", "SHA3-256", "SHA3-384", "SHA3-512", "BLAKE2B512", "BLAKE2S256",
            "WHIRLPOOL", "SM3");
    /** The data-channel ciphers Culvert's TLS engine implements, in OpenVPN's canonical spelling. */
    private static final List<String> TLS_DATA_CIPHERS = List.of("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305",
            "AES-256-CBC", "AES-128-CBC");
    private static final String TLS_CIPHERS = "TLS mode supports " + String.join(", ", TLS_DATA_CIPHERS);

    private DataCipherChecks() {
    }

    /**
     * TLS mode: {@code --cipher} or {@code --data-ciphers-fallback} names the cipher for a peer that
     * announces none (OpenVPN 2.6 point-to-point: an explicit --cipher enables the fallback).
     */
    static Optional<String> resolveTlsFallback(OptionsBuilder b) throws ConfigException {
        if (b.cipherName == null) {
            return Optional.empty();
        }
        String canonical = canonicalTlsCipher(b.cipherName);
        if (canonical == null) {
            throw unusableTlsCipher(b, b.cipherWhere, b.cipherOption, b.cipherName, "");
        }
        return Optional.of(canonical);
    }

    /** TLS mode: every --data-ciphers entry is one Culvert implements, unless marked optional with '?'. */
    static void checkTlsDataCiphers(OptionsBuilder b) throws ConfigException {
        boolean usable = false;
        for (String entry : b.dataCiphers) {
            String name = entry.strip();
            boolean optional = name.startsWith("?");
            String bare = optional ? name.substring(1) : name;
            if (bare.isEmpty()) {
                continue;
            }
            if (canonicalTlsCipher(bare) != null) {
                usable = true;
            } else if (!optional) {
                throw unusableTlsCipher(b, b.dataCiphersWhere, "data-ciphers", bare, "; mark ciphers a peer may lack"
                        + " as optional with '?'");
            }
        }
        if (!usable) {
            throw b.at(BAD_VALUE, b.dataCiphersWhere, "data-ciphers", "no cipher Culvert implements in the list ("
                    + TLS_CIPHERS + ")");
        }
    }

    /** OpenVPN's canonical name of a TLS data cipher Culvert implements (OpenSSL spelling tolerated), or null. */
    private static String canonicalTlsCipher(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (upper.equals("ID-AES256-GCM")) {
            return "AES-256-GCM";
        }
        if (upper.equals("ID-AES128-GCM")) {
            return "AES-128-GCM";
        }
        return TLS_DATA_CIPHERS.contains(upper) ? upper : null;
    }

    private static ConfigException unusableTlsCipher(OptionsBuilder b, Where where, String option, String name,
            String hint) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (name.equals("none")) {
            return b.at(UNSUPPORTED_OPTION, where, option, "'none' is not supported by Culvert in TLS mode (traffic is"
                    + " always encrypted; " + TLS_CIPHERS + ")" + hint);
        }
        if (OTHER_OPENSSL_CIPHER.matcher(upper).matches() || AEAD_CIPHERS.contains(upper)) {
            return b.at(UNSUPPORTED_OPTION, where, option, "'" + name + "' is not supported by Culvert (" + TLS_CIPHERS
                    + ")" + hint);
        }
        return b.at(BAD_VALUE, where, option, "unknown cipher '" + name + "' (" + TLS_CIPHERS + ")" + hint);
    }

    /** Static-key mode: the one --cipher, which must be a CBC cipher Culvert implements (or none). */
    static CipherAlgorithm resolveCipher(OptionsBuilder b, String sourceName) throws ConfigException {
        if (b.cipherName == null) {
            throw new ConfigException(UNSUPPORTED_OPTION, sourceName, 0, "cipher", "not set, and OpenVPN 2.6's default"
                    + " BF-CBC is not supported by Culvert; set 'cipher AES-256-CBC' (or AES-128-CBC) on both peers");
        }
        String upper = b.cipherName.toUpperCase(Locale.ROOT);
        if (AEAD_CIPHERS.contains(upper)) {
            throw b.at(CONFLICT, b.cipherWhere, b.cipherOption, "'" + b.cipherName
                    + "' is not allowed with --secret (" + STATIC_CIPHERS + ")");
        }
        try {
            return CipherAlgorithm.fromOpenVpnName(b.cipherName);
        } catch (IllegalArgumentException e) {
            if (OTHER_OPENSSL_CIPHER.matcher(upper).matches()) {
                throw b.at(UNSUPPORTED_OPTION, b.cipherWhere, b.cipherOption, "'" + b.cipherName
                        + "' is not supported by Culvert (" + STATIC_CIPHERS + ")");
            }
            throw b.at(BAD_VALUE, b.cipherWhere, b.cipherOption, "unknown cipher '" + b.cipherName + "' ("
                    + STATIC_CIPHERS + ")");
        }
    }

    /** The --auth digest, in either mode. */
    static AuthAlgorithm resolveAuth(OptionsBuilder b) throws ConfigException {
        try {
            return AuthAlgorithm.fromOpenVpnName(b.authName);
        } catch (IllegalArgumentException e) {
            String what = OTHER_OPENSSL_DIGESTS.contains(b.authName.toUpperCase(Locale.ROOT))
                    ? "is not supported by Culvert" : "is not a known digest";
            throw b.at(OTHER_OPENSSL_DIGESTS.contains(b.authName.toUpperCase(Locale.ROOT)) ? UNSUPPORTED_OPTION
                    : BAD_VALUE, b.authWhere, "auth", "'" + b.authName + "' " + what
                    + " (supported: SHA1, SHA256, SHA512, none)");
        }
    }
}
