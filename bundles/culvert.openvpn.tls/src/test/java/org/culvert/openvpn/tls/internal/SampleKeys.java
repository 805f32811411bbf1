package org.culvert.openvpn.tls.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * OpenVPN's shipped sample keys (the {@code openvpn} package's examples), and CRLs made from the
 * sample CA at test time with {@code openssl ca}, as the sample's own {@code gen-sample-keys.sh} does.
 */
public final class SampleKeys {
    public static final Path DIR = Path.of("/usr/share/doc/openvpn/examples/sample-keys");
    /** The password of {@code client-pass.key} and {@code client.p12}, from the sample's README. */
    public static final String PASSWORD = "password";

    private SampleKeys() {
    }

    /** Skips the test where OpenVPN's examples are not installed. */
    public static void assumePresent() {
        assumeTrue(Files.isRegularFile(DIR.resolve("ca.key")), "OpenVPN's sample keys are not installed");
    }

    public static String text(String name) throws IOException {
        return Files.readString(DIR.resolve(name), StandardCharsets.US_ASCII);
    }

    public static X509Certificate cert(String name) throws Exception {
        return Credentials.certificates("test", text(name)).get(0);
    }

    /** A CA database in {@code dir} for {@code openssl ca}; then {@link #crl} revokes and publishes. */
    public static final class Ca {
        private final Path dir;

        public Ca(Path dir) throws IOException {
            this.dir = dir;
            Files.writeString(dir.resolve("index.txt"), "");
            Files.writeString(dir.resolve("crlnumber"), "01\n");
            Files.writeString(dir.resolve("ca.cnf"), "[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = " + dir.resolve("index.txt")
                    + "\ncrlnumber = " + dir.resolve("crlnumber") + "\ndefault_md = sha256\ndefault_crl_days = 30\n"
                    + "certificate = " + DIR.resolve("ca.crt") + "\nprivate_key = " + DIR.resolve("ca.key") + "\n");
        }

        /** Revokes a sample certificate ({@code client.crt}, {@code server.crt}) in the database. */
        public void revoke(String certName) throws Exception {
            openssl("ca", "-config", dir.resolve("ca.cnf").toString(), "-revoke", DIR.resolve(certName).toString());
        }

        /** Writes the CRL of what is revoked so far to {@code out}. */
        public void crl(Path out, String... extra) throws Exception {
            List<String> args = new ArrayList<>(List.of("ca", "-config", dir.resolve("ca.cnf").toString(), "-gencrl",
                    "-out", out.toString()));
            args.addAll(List.of(extra));
            openssl(args.toArray(new String[0]));
        }
    }

    public static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }
}
