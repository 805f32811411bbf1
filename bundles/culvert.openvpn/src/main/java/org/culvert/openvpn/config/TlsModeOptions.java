package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.direction;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.integer;
import static org.culvert.openvpn.config.OptionArgs.text;
import static org.culvert.openvpn.config.OptionFiles.requirePem;
import static org.culvert.openvpn.config.OptionFiles.staticKeyCount;

import java.util.Locale;
import java.util.OptionalInt;
import org.culvert.openvpn.config.OptionsBuilder.Line;

/** OpenVPN 2.6 manual, "TLS Mode Options", "Data Channel Renegotiation" and "PKCS#11 / SmartCard options". */
final class TlsModeOptions {
    private static final int SHA256_LENGTH = 32;
    private static final String PEM_CERTIFICATE = "a PEM certificate ('-----BEGIN CERTIFICATE-----')";

    private TlsModeOptions() {
    }

    static void register(OptionRegistry.Table t) {
        t.option("tls-client", 0, 0, (b, l) -> b.tlsClientWhere = l.where());
        t.option("tls-server", 0, 0, (b, l) -> b.tlsServerWhere = l.where());
        t.option("ca", 1, 1, (b, l) -> {
            b.ca = OptionFiles.read(l, "CA file");
            requirePem(l, b.ca, "CERTIFICATE-----", PEM_CERTIFICATE);
        });
        t.option("cert", 1, 1, (b, l) -> {
            b.cert = OptionFiles.read(l, "certificate file");
            requirePem(l, b.cert, "CERTIFICATE-----", PEM_CERTIFICATE);
        });
        t.option("key", 1, 1, TlsModeOptions::setKey);
        t.option("dh", 1, 1, (b, l) -> {
            if (!l.inline() && l.arg(0).equals("none")) {
                b.dh = null;
                b.dhNone = true;
            } else {
                b.dh = OptionFiles.read(l, "DH parameter file");
                requirePem(l, b.dh, "DH PARAMETERS-----",
                        "PEM DH parameters ('-----BEGIN DH PARAMETERS-----') or 'none'");
                b.dhNone = false;
            }
            b.dhWhere = l.where();
        });
        t.option("tls-auth", 1, 2, (b, l) -> {
            b.tlsAuth = OptionFiles.read(l, "key file");
            b.tlsAuthKeyCount = staticKeyCount(b, l, b.tlsAuth);
            if (l.count() == 2) {
                // As OpenVPN: only a given direction changes it; a later bare --tls-auth keeps it.
                b.tlsAuthDirection = direction(l, 1);
            }
            b.tlsAuthWhere = l.where();
        });
        t.option("tls-crypt", 1, 2, (b, l) -> {
            if (l.count() == 2) {
                b.warnings.add("--tls-crypt: the second argument '" + l.arg(1) + "' is ignored, as by OpenVPN: the"
                        + " key direction follows the TLS role");
            }
            b.tlsCrypt = OptionFiles.read(l, "key file");
            b.tlsCryptKeyCount = staticKeyCount(b, l, b.tlsCrypt);
            b.tlsCryptWhere = l.where();
        });
        t.option("peer-fingerprint", 1, 1, TlsModeOptions::addPeerFingerprints);
        t.option("verify-x509-name", 1, 2, TlsModeOptions::setVerifyX509Name);
        t.option("remote-cert-tls", 1, 1, (b, l) -> {
            if (l.arg(0).equals("client")) {
                b.remoteCertTls = TlsOptions.Role.CLIENT;
            } else if (l.arg(0).equals("server")) {
                b.remoteCertTls = TlsOptions.Role.SERVER;
            } else {
                throw error(BAD_VALUE, l, "must be 'client' or 'server', not '" + l.arg(0) + "'");
            }
        });
        t.option("tls-version-min", 1, 2, TlsModeOptions::setTlsVersionMin);
        t.option("tls-version-max", 1, 1, TlsModeOptions::setTlsVersionMax);
        t.option("tls-cipher", (b, l) -> b.tlsCipher = text(l));
        t.option("tls-ciphersuites", (b, l) -> b.tlsCiphersuites = text(l));
        t.option("tls-groups", (b, l) -> b.tlsGroups = text(l));
        t.option("ecdh-curve", (b, l) -> b.ecdhCurve = text(l));
        t.option("hand-window", 1, 1, (b, l) -> b.handWindow = integer(l, 0, 1, Integer.MAX_VALUE));
        t.option("tls-timeout", 1, 1, (b, l) -> b.tlsTimeout = integer(l, 0, 1, Integer.MAX_VALUE));
        t.option("key-method", 1, 1, (b, l) -> {
            if (l.arg(0).equals("1")) {
                throw error(UNSUPPORTED_OPTION, l, "key method 1 is not supported (OpenVPN removed it in 2.5)");
            }
            if (!l.arg(0).equals("2")) {
                throw error(BAD_VALUE, l, "must be 2, not '" + l.arg(0) + "'");
            }
            b.warnings.add("--key-method 2 is the only key method; OpenVPN 2.6 no longer accepts the option, so"
                    + " remove it from configurations stock peers read");
        });
        PkiModeOptions.register(t);
        registerRefusals(t);
        registerRenegotiation(t);
        t.notSupported("pkcs11-cert-private", "pkcs11-id", "pkcs11-id-management", "pkcs11-pin-cache",
                "pkcs11-private-mode", "pkcs11-protected-authentication", "pkcs11-providers", "show-pkcs11-ids");
    }

    /** TLS features the engine cannot honour, each with what to use instead where there is something. */
    private static void registerRefusals(OptionRegistry.Table t) {
        t.notSupportedBecause("tls-verify", ": it runs a script to verify certificates; use --verify-x509-name,"
                + " --remote-cert-tls or --peer-fingerprint");
        t.notSupportedBecause("verify-hash", " (OpenVPN 2.6 deprecates it): use --peer-fingerprint");
        t.notSupportedBecause("ns-cert-type", " (a deprecated Netscape extension): use --remote-cert-tls");
        for (String name : new String[] {"capath", "tls-cert-profile", "tls-exit", "tls-export-cert", "x509-track", "x509-username-field"}) {
            t.notSupportedBecause(name, OptionRegistry.TLS_ENGINE_CANNOT_HONOUR);
        }
    }

    /** The manual's "Data Channel Renegotiation" section. */
    private static void registerRenegotiation(OptionRegistry.Table t) {
        t.option("reneg-sec", 1, 2, (b, l) -> {
            b.renegSeconds = integer(l, 0, 0, Integer.MAX_VALUE);
            b.renegSecondsMin = l.count() == 2 ? OptionalInt.of(integer(l, 1, 0, Integer.MAX_VALUE)) : OptionalInt.empty();
        });
        // OpenVPN reads these with atoi: an int, whatever the platform's long.
        t.option("reneg-bytes", 1, 1, (b, l) -> b.renegBytes = integer(l, 0, 0, Integer.MAX_VALUE));
        t.option("reneg-pkts", 1, 1, (b, l) -> b.renegPackets = integer(l, 0, 0, Integer.MAX_VALUE));
    }

    private static void setKey(OptionsBuilder b, Line l) throws ConfigException {
        FileContent k = OptionFiles.read(l, "private key file");
        requirePem(l, k, "PRIVATE KEY-----", "a PEM private key ('-----BEGIN PRIVATE KEY-----')");
        k.file().ifPresent(f -> b.warnIfShared(f, l.arg(0)));
        b.key = k;
    }

    /**
     * Adds {@code --peer-fingerprint}s: one per line of an inline block (blank lines and {@code #}/{@code ;}
     * comments skipped), or the one argument, each 32 colon-separated hex bytes as OpenVPN 2.6 requires.
     */
    private static void addPeerFingerprints(OptionsBuilder b, Line l) throws ConfigException {
        int added = 0;
        for (String raw : l.arg(0).split("\n", -1)) {
            String entry = raw.strip();
            if (entry.isEmpty() || entry.startsWith("#") || entry.startsWith(";")) {
                continue;
            }
            b.peerFingerprints.add(sha256Fingerprint(l, entry));
            added++;
        }
        if (added == 0) {
            throw error(BAD_VALUE, l, "no fingerprint given");
        }
    }

    private static String sha256Fingerprint(Line l, String entry) throws ConfigException {
        String[] bytes = entry.split(":", -1);
        for (String x : bytes) {
            if (x.length() != 2 || Character.digit(x.charAt(0), 16) < 0 || Character.digit(x.charAt(1), 16) < 0) {
                throw error(BAD_VALUE, l, "format error in '" + shorten(entry) + "': a SHA-256 fingerprint is 32"
                        + " hex bytes separated by colons (AB:CD:...)");
            }
        }
        if (bytes.length != SHA256_LENGTH) {
            throw error(BAD_VALUE, l, "'" + shorten(entry) + "' has " + bytes.length + " bytes; a SHA-256 fingerprint"
                    + " has " + SHA256_LENGTH);
        }
        return entry.toUpperCase(Locale.ROOT);
    }

    private static String shorten(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "...";
    }

    private static void setVerifyX509Name(OptionsBuilder b, Line l) throws ConfigException {
        if (l.arg(0).isEmpty()) {
            throw error(BAD_VALUE, l, "the name is empty");
        }
        TlsOptions.X509NameType type = TlsOptions.X509NameType.SUBJECT;
        if (l.count() == 2) {
            type = null;
            for (TlsOptions.X509NameType x : TlsOptions.X509NameType.values()) {
                if (x.optionValue().equals(l.arg(1))) {
                    type = x;
                }
            }
            if (type == null) {
                throw error(BAD_VALUE, l, "unknown X.509 name type '" + l.arg(1) + "' (subject, name or name-prefix)");
            }
        }
        b.verifyX509Name = l.arg(0);
        b.verifyX509Type = type;
    }

    private static void setTlsVersionMin(OptionsBuilder b, Line l) throws ConfigException {
        boolean orHighest = l.count() == 2;
        if (orHighest && !l.arg(1).equals("or-highest")) {
            throw error(BAD_VALUE, l, "the only second argument is 'or-highest', not '" + l.arg(1) + "'");
        }
        TlsOptions.Version v = TlsOptions.Version.fromOptionValue(l.arg(0));
        if (v == null) {
            if (!orHighest) {
                throw error(BAD_VALUE, l, "unknown TLS version '" + l.arg(0) + "' (1.0, 1.1, 1.2 or 1.3; add"
                        + " 'or-highest' to use the highest version instead)");
            }
            // As OpenVPN: an unknown version with or-highest means the highest the library offers.
            v = TlsOptions.Version.TLS_1_3;
        }
        if (v.compareTo(TlsOptions.Version.TLS_1_2) < 0) {
            b.warnings.add("--tls-version-min " + v.optionValue() + ": Culvert never negotiates below TLS 1.2");
        }
        b.tlsVersionMin = v;
        b.tlsVersionMinWhere = l.where();
    }

    private static void setTlsVersionMax(OptionsBuilder b, Line l) throws ConfigException {
        b.tlsVersionMax = TlsOptions.Version.fromOptionValue(l.arg(0));
        if (b.tlsVersionMax == null) {
            throw error(BAD_VALUE, l, "unknown TLS version '" + l.arg(0) + "' (1.0, 1.1, 1.2 or 1.3)");
        }
        if (b.tlsVersionMax.compareTo(TlsOptions.Version.TLS_1_2) < 0) {
            throw error(UNSUPPORTED_OPTION, l, "TLS " + l.arg(0) + " is not supported by Culvert (it runs TLS 1.2"
                    + " and 1.3 only)");
        }
    }
}
