package org.culvert.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates and keys for the TLS cases, made with the {@code openssl} and {@code openvpn}
 * command-line tools into a case folder: self-signed EC certificates (for {@code --peer-fingerprint}),
 * a small CA issuing server and client certificates with the key usages {@code --remote-cert-tls}
 * checks, and {@code --tls-auth}/{@code --tls-crypt} keys. Everything is valid for two days only and
 * made fresh per case, so nothing secret outlives a run's work folder. Private keys are mode 0600.
 */
public final class Pki {
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
    private static final String DAYS = "2";
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private Pki() {
    }

    /** A certificate with its private key; {@code fingerprint} is the SHA-256 as {@code AB:CD:...}. */
    public record Identity(String commonName, Path cert, Path key, String fingerprint) {
    }

    /** A CA that can issue certificates ({@link #issue}). */
    public record Authority(String commonName, Path cert, Path key) {
    }

    /** What a CA-issued certificate is for: decides the extended key usage ({@code --remote-cert-tls}). */
    public enum Usage {
        SERVER("serverAuth"), CLIENT("clientAuth");

        private final String eku;

        Usage(String eku) {
            this.eku = eku;
        }
    }

    /** A self-signed P-256 certificate {@code CN=name}: {@code <name>.crt}, {@code <name>.key}. */
    public static Identity selfSigned(Path dir, String name) {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out",
                cert.toString(), "-days", DAYS, "-subj", "/CN=" + name);
        protect(key);
        return new Identity(name, cert, key, fingerprint(cert));
    }

    /** A CA ({@code CN=name}, P-256, basicConstraints CA:TRUE, may sign certificates). */
    public static Authority authority(Path dir, String name) {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out",
                cert.toString(), "-days", DAYS, "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                "keyUsage=critical,keyCertSign,cRLSign");
        protect(key);
        return new Authority(name, cert, key);
    }

    /**
     * A certificate {@code CN=name} signed by {@code ca}, with an RSA-2048 key (so the CA cases also
     * cover RSA signatures in the TLS handshake), key usage digitalSignature+keyEncipherment and the
     * extended key usage of {@code usage}.
     */
    public static Identity issue(Authority ca, Path dir, String name, Usage usage) {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        write(ext, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=" + usage.eku + "\n");
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
        protect(key);
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.cert().toString(), "-CAkey", ca.key().toString(), "-set_serial",
                Long.toString(SERIAL.incrementAndGet()), "-days", DAYS, "-sha256", "-extfile", ext.toString(), "-out", cert.toString());
        return new Identity(name, cert, key, fingerprint(cert));
    }

    /**
     * A PEM CRL ({@code crl.pem} in {@code dir}, valid two days) signed by {@code ca}, revoking
     * {@code revoked}: made with {@code openssl ca} over a throwaway database in {@code dir}.
     */
    public static Path crl(Authority ca, Path dir, Identity... revoked) {
        Path conf = dir.resolve("ca.cnf");
        write(conf, "[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndatabase = " + dir.resolve("index.txt") + "\ncrlnumber = "
                + dir.resolve("crlnumber") + "\ndefault_md = sha256\ndefault_crl_days = " + DAYS + "\n");
        write(dir.resolve("index.txt"), "");
        write(dir.resolve("crlnumber"), "01\n");
        for (Identity id : revoked) {
            openssl("ca", "-config", conf.toString(), "-keyfile", ca.key().toString(), "-cert", ca.cert().toString(), "-revoke",
                    id.cert().toString());
        }
        Path crl = dir.resolve("crl.pem");
        openssl("ca", "-config", conf.toString(), "-keyfile", ca.key().toString(), "-cert", ca.cert().toString(), "-gencrl", "-out",
                crl.toString());
        return crl;
    }

    /** A {@code --tls-auth}/{@code --tls-crypt} key ({@code openvpn --genkey secret}, 2048 bits, mode 0600). */
    public static Path tlsKey(Path dir, String name) {
        Path key = dir.resolve(name);
        Proc.run(TOOL_TIMEOUT, "openvpn", "--genkey", "secret", key.toString()).check();
        protect(key);
        return key;
    }

    /** The certificate's SHA-256 fingerprint in {@code --peer-fingerprint} form ({@code AB:CD:...}). */
    public static String fingerprint(Path cert) {
        String out = openssl("x509", "-in", cert.toString(), "-noout", "-fingerprint", "-sha256");
        // "sha256 Fingerprint=AB:..." (OpenSSL 3) or "SHA256 Fingerprint=AB:..." (1.1).
        int eq = out.indexOf('=');
        String fp = eq < 0 ? "" : out.substring(eq + 1).trim().toUpperCase(Locale.ROOT);
        if (!fp.matches("([0-9A-F]{2}:){31}[0-9A-F]{2}")) {
            throw new IllegalStateException("unexpected openssl fingerprint output: " + out);
        }
        return fp;
    }

    /** A file's text: for the inline {@code <cert>...</cert>} form of a config. */
    public static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String openssl(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return Proc.run(TOOL_TIMEOUT, cmd).check().output();
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void protect(Path key) {
        try {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
