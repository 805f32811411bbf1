package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_KEY;
import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.FILE_ERROR;
import static org.culvert.openvpn.config.OptionArgs.describe;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.resolve;
import static org.culvert.openvpn.config.OptionFiles.requirePem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.culvert.openvpn.config.OptionsBuilder.Line;

/**
 * The certificate options of OpenVPN 2.6's manual, "TLS Mode Options", that a client profile carries
 * beyond {@code --ca}/{@code --cert}/{@code --key}: {@code --remote-cert-ku}, {@code --remote-cert-eku},
 * {@code --crl-verify}, {@code --pkcs12}, {@code --askpass}, {@code --extra-certs}, {@code --tls-crypt-v2}.
 * Registered through {@link TlsModeOptions}'s table.
 */
final class PkiModeOptions {
    /**
     * OpenSSL's long names of the extended key usages a VPN certificate carries: OpenVPN compares
     * {@code --remote-cert-eku} with the long name and with the dotted OID, never the short name.
     */
    static final Map<String, String> EKU_LONG_NAMES = Map.of(
            "TLS Web Server Authentication", "1.3.6.1.5.5.7.3.1",
            "TLS Web Client Authentication", "1.3.6.1.5.5.7.3.2",
            "Code Signing", "1.3.6.1.5.5.7.3.3",
            "E-mail Protection", "1.3.6.1.5.5.7.3.4",
            "Time Stamping", "1.3.6.1.5.5.7.3.8",
            "OCSP Signing", "1.3.6.1.5.5.7.3.9",
            "ipsec Internet Key Exchange", "1.3.6.1.5.5.7.3.17",
            "Any Extended Key Usage", "2.5.29.37.0");
    private static final Map<String, String> EKU_SHORT_NAMES = Map.of(
            "serverAuth", "TLS Web Server Authentication", "clientAuth", "TLS Web Client Authentication",
            "codeSigning", "Code Signing", "emailProtection", "E-mail Protection", "timeStamping", "Time Stamping",
            "OCSPSigning", "OCSP Signing", "ipsecIKE", "ipsec Internet Key Exchange",
            "anyExtendedKeyUsage", "Any Extended Key Usage");
    /** OpenVPN's limit on a PKCS#12 file is its general file limit; a bundle is a few KiB. */
    private static final long MAX_PKCS12_BYTES = 1L << 20;
    private static final String TLS_CRYPT_V2_CLIENT = "OpenVPN tls-crypt-v2 client key-----";
    private static final String TLS_CRYPT_V2_SERVER = "OpenVPN tls-crypt-v2 server key-----";

    private PkiModeOptions() {
    }

    static void register(OptionRegistry.Table t) {
        t.option("remote-cert-ku", 0, 15, PkiModeOptions::setRemoteCertKu);
        t.option("remote-cert-eku", 1, 1, (b, l) -> b.remoteCertEku = ekuOid(l, l.arg(0)));
        t.option("crl-verify", 1, 2, PkiModeOptions::setCrlVerify);
        t.option("pkcs12", 1, 1, PkiModeOptions::setPkcs12);
        t.option("askpass", 0, 1, (b, l) -> {
            b.askpass = true;
            // As OpenVPN: 'stdin' (the default) prompts on the console.
            b.askpassFile = l.count() == 0 || l.arg(0).equals("stdin") ? null : resolve(l, l.arg(0));
        });
        t.option("extra-certs", 1, 1, (b, l) -> {
            b.extraCerts = OptionFiles.read(l, "certificate file");
            requirePem(l, b.extraCerts, "CERTIFICATE-----", "PEM certificates ('-----BEGIN CERTIFICATE-----')");
        });
        t.option("tls-crypt-v2", 1, 2, PkiModeOptions::setTlsCryptV2);
    }

    /** As OpenVPN's {@code sscanf("%x")}, but a value that is not hex is refused instead of read as 0. */
    private static void setRemoteCertKu(OptionsBuilder b, Line l) throws ConfigException {
        Integer[] values = new Integer[l.count()];
        for (int i = 0; i < l.count(); i++) {
            String s = l.arg(i);
            String digits = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
            int v;
            try {
                v = digits.isEmpty() || digits.length() > 4 ? -1 : Integer.parseInt(digits, 16);
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v <= 0) {
                throw error(BAD_VALUE, l, "'" + s + "' is not a key usage: give hex values such as a0 (digitalSignature"
                        + " and keyEncipherment) or 88 (digitalSignature and keyAgreement)");
            }
            values[i] = v;
        }
        b.remoteCertKu = Arrays.asList(values);
        b.remoteCertKuRequired = true;
    }

    /** The dotted OID {@code --remote-cert-eku} names: an OID, or one of OpenSSL's long names. */
    static String ekuOid(Line l, String value) throws ConfigException {
        if (value.matches("[0-2](\\.(0|[1-9][0-9]{0,8}))+")) {
            return value;
        }
        String oid = EKU_LONG_NAMES.get(value);
        if (oid != null) {
            return oid;
        }
        String longName = EKU_SHORT_NAMES.get(value);
        if (longName != null) {
            throw error(BAD_VALUE, l, "OpenVPN compares the long name or the OID, so '" + value + "' would never"
                    + " match: write '" + longName + "' or " + EKU_LONG_NAMES.get(longName));
        }
        throw error(BAD_VALUE, l, "'" + value + "' is neither an OID (such as 1.3.6.1.5.5.7.3.1) nor a known"
                + " extended key usage name (such as 'TLS Web Server Authentication')");
    }

    private static void setCrlVerify(OptionsBuilder b, Line l) throws ConfigException {
        if (l.count() == 2 && !l.arg(1).equals("dir")) {
            throw error(BAD_VALUE, l, "the only second argument is 'dir', not '" + l.arg(1) + "'");
        }
        if (l.count() == 2) {
            if (l.inline()) {
                throw error(BAD_VALUE, l, "'dir' names a directory and cannot be inline");
            }
            Path dir = resolve(l, l.arg(0));
            if (!Files.isDirectory(dir)) {
                throw error(FILE_ERROR, l, "'" + l.arg(0) + "' is not a directory");
            }
            b.crlVerifyDir = dir;
            b.crlVerify = null;
            return;
        }
        FileContent crl = OptionFiles.read(l, "CRL file");
        requirePem(l, crl, "X509 CRL-----", "a PEM CRL ('-----BEGIN X509 CRL-----')");
        b.crlVerify = crl;
        b.crlVerifyDir = null;
    }

    /** A file is binary DER; the inline form is base64, as OpenVPN reads it. Both are kept as base64. */
    private static void setPkcs12(OptionsBuilder b, Line l) throws ConfigException {
        byte[] der;
        Optional<Path> file = Optional.empty();
        if (l.inline()) {
            try {
                der = Base64.getMimeDecoder().decode(l.arg(0).strip());
            } catch (IllegalArgumentException e) {
                throw error(BAD_VALUE, l, "the inline block is not base64 (an inline PKCS#12 bundle is its base64"
                        + " encoding)");
            }
        } else {
            Path p = resolve(l, l.arg(0));
            try {
                if (Files.size(p) > MAX_PKCS12_BYTES) {
                    throw error(FILE_ERROR, l, "the PKCS#12 file '" + l.arg(0) + "' is larger than 1 MiB");
                }
                der = Files.readAllBytes(p);
            } catch (IOException e) {
                throw error(FILE_ERROR, l, "cannot read PKCS#12 file '" + l.arg(0) + "': " + describe(e), e);
            }
            b.warnIfShared(p, l.arg(0));
            file = Optional.of(p);
        }
        try {
            // A DER SEQUENCE: the rest is for the TLS engine, which needs the password to read further.
            if (der.length < 2 || der[0] != 0x30) {
                throw error(BAD_VALUE, l, (l.inline() ? "the inline block" : "'" + l.arg(0) + "'")
                        + " is not a PKCS#12 bundle");
            }
            byte[] b64 = Base64.getEncoder().encode(der);
            char[] chars = new char[b64.length];
            for (int i = 0; i < b64.length; i++) {
                chars[i] = (char) b64[i];
            }
            Arrays.fill(b64, (byte) 0);
            b.pkcs12 = new FileContent(chars, file);
            Arrays.fill(chars, '\0');
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    private static void setTlsCryptV2(OptionsBuilder b, Line l) throws ConfigException {
        if (l.count() == 2 && !l.arg(1).equals("force-cookie") && !l.arg(1).equals("allow-noncookie")) {
            throw error(BAD_VALUE, l, "the second argument is 'force-cookie' or 'allow-noncookie', not '" + l.arg(1)
                    + "'");
        }
        FileContent k = OptionFiles.read(l, "key file");
        // Which kind the role needs (client key or server key) is checked once the role is known.
        boolean client = k.indexOf("-----BEGIN " + TLS_CRYPT_V2_CLIENT, 0) >= 0;
        if (!client && k.indexOf("-----BEGIN " + TLS_CRYPT_V2_SERVER, 0) < 0) {
            k.wipe();
            throw error(BAD_KEY, l, (l.inline() ? "the inline block" : "'" + l.arg(0) + "'")
                    + " holds no '-----BEGIN OpenVPN tls-crypt-v2 client key-----' or '... server key-----' block");
        }
        b.tlsCryptV2ServerKey = !client;
        b.tlsCryptV2ForceCookie = l.count() == 2 && l.arg(1).equals("force-cookie");
        k.file().ifPresent(f -> b.warnIfShared(f, l.arg(0)));
        b.tlsCryptV2 = k;
        b.tlsCryptV2Where = l.where();
    }
}
