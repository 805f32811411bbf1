package org.culvert.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.culvert.e2e.PeerConfig.Role;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The PKI a real client profile carries (issue 11 item 4), point-to-point TLS over UDP against stock
 * OpenVPN 2.6 with OpenVPN's shipped sample keys: the implementation under test in namespace a as
 * tls-client, stock OpenVPN in b as tls-server with the sample {@code server.crt}.
 *
 * <ul>
 *   <li>{@code crl-verify}: a CRL made from the sample CA at test time ({@code openssl ca -gencrl})
 *       that revokes the sample server refuses it with {@code CERT_REVOKED} and OpenVPN's
 *       {@code VERIFY ERROR: ... certificate revoked} text; one that revokes only the sample client
 *       lets the tunnel up. The {@code dir} form refuses by the server's decimal serial.</li>
 *   <li>{@code pkcs12} with {@code askpass FILE}, {@code verify-x509-name ... name},
 *       {@code remote-cert-eku} by long name, {@code remote-cert-ku a0}: up.</li>
 *   <li>The encrypted {@code client-pass.key} with {@code askpass FILE}, {@code extra-certs},
 *       {@code verify-x509-name} of the whole subject, {@code remote-cert-eku} by OID: up.</li>
 *   <li>{@code remote-cert-eku} for client authentication and {@code verify-x509-name ... name-prefix}
 *       that does not match: refused with {@code CERT_USAGE_MISMATCH} and {@code CERT_NAME_MISMATCH}.</li>
 * </ul>
 */
@ExtendWith(PeerLogs.class)
class PkiInteropTest {
    static final Path SAMPLES = Path.of("/usr/share/doc/openvpn/examples/sample-keys");
    private static final String SERVER_SUBJECT = "C=KG, ST=NA, O=OpenVPN-TEST, CN=Test-Server, emailAddress=me@myhost.mydomain";
    private static final String CIPHER = "AES-256-GCM";

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
        assumeTrue(Files.isRegularFile(SAMPLES.resolve("ca.key")), "OpenVPN's sample keys are not installed");
    }

    /** Copies the sample keys the case needs into its folder (keys 0600) and writes the askpass file. */
    private static Path samples(String name) {
        Path dir = Peer.caseDir(name);
        try {
            for (String f : new String[] {"ca.crt", "ca.key", "server.crt", "server.key", "client.crt", "client.key",
                    "client-pass.key", "client.p12"}) {
                Files.copy(SAMPLES.resolve(f), dir.resolve(f));
                if (f.endsWith(".key") || f.endsWith(".p12")) {
                    Files.setPosixFilePermissions(dir.resolve(f), PosixFilePermissions.fromString("rw-------"));
                }
            }
            // The samples' password, from their README.
            Files.writeString(dir.resolve("pass.txt"), "password\n");
            Files.setPosixFilePermissions(dir.resolve("pass.txt"), PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Stock OpenVPN as tls-server with the sample server certificate; it checks nothing but the CA. */
    private static PeerConfig stockServer(Netns net, Path dir) {
        return PeerConfig.tls(net, net.b(), Role.UDP, true).option("ca", dir.resolve("ca.crt").toString())
                .option("cert", dir.resolve("server.crt").toString()).option("key", dir.resolve("server.key").toString())
                .option("data-ciphers", CIPHER);
    }

    /** The tls-client under test with {@code ca} and the caller's identity options to add. */
    private static PeerConfig client(Netns net, Path dir) {
        return PeerConfig.tls(net, net.a(), Role.UDP, false).option("ca", dir.resolve("ca.crt").toString())
                .option("data-ciphers", CIPHER);
    }

    private static PeerConfig plainIdentity(PeerConfig c, Path dir) {
        return c.option("cert", dir.resolve("client.crt").toString()).option("key", dir.resolve("client.key").toString());
    }

    /** {@code openvpn ca} with a database in {@code dir/db}: revokes {@code certs} and writes the CRL. */
    private static Path crl(Path dir, String name, String... revoke) {
        Path db = dir.resolve("db-" + name);
        try {
            Files.createDirectories(db);
            Files.writeString(db.resolve("index.txt"), "");
            Files.writeString(db.resolve("crlnumber"), "01\n");
            Files.writeString(db.resolve("ca.cnf"), "[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = " + db.resolve("index.txt")
                    + "\ncrlnumber = " + db.resolve("crlnumber") + "\ndefault_md = sha256\ndefault_crl_days = 30\ncertificate = "
                    + dir.resolve("ca.crt") + "\nprivate_key = " + dir.resolve("ca.key") + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String cert : revoke) {
            Proc.run(Duration.ofSeconds(30), "openssl", "ca", "-config", db.resolve("ca.cnf").toString(), "-revoke",
                    dir.resolve(cert).toString()).check();
        }
        Path out = dir.resolve(name + ".pem");
        Proc.run(Duration.ofSeconds(30), "openssl", "ca", "-config", db.resolve("ca.cnf").toString(), "-gencrl", "-out",
                out.toString()).check();
        return out;
    }

    private static String serverSerialDecimal(Path dir) {
        String out = Proc.run(Duration.ofSeconds(30), "openssl", "x509", "-in", dir.resolve("server.crt").toString(), "-noout",
                "-serial").check().output().trim();
        return new java.math.BigInteger(out.substring(out.indexOf('=') + 1), 16).toString();
    }

    private static String up(Netns net, Path dir, PeerConfig a, String label) {
        Impl ut = E2eEnv.underTest();
        Peer.Pair p = Peer.startPair(net, dir, Role.UDP, ut, a, label + "-a-" + ut, Impl.OPENVPN, stockServer(net, dir), label + "-b-openvpn");
        String traffic = TunnelChecks.assertCarriesTraffic(net, p, dir);
        TunnelChecks.awaitDataCipher(p.a(), CIPHER);
        p.stop(Duration.ofSeconds(20));
        return traffic;
    }

    /** @param openvpnRegex what stock OpenVPN logs for the same refusal, when it is the implementation under test */
    private static String refused(Netns net, Path dir, PeerConfig a, String label, String reason, String openvpnRegex) {
        Impl ut = E2eEnv.underTest();
        Peer.Pair p = Peer.startPair(net, dir, Role.UDP, ut, a, label + "-a-" + ut, Impl.OPENVPN, stockServer(net, dir), label + "-b-openvpn");
        String seen = TlsFailureTest.expectRejected(net, p, p.a(), reason, openvpnRegex);
        p.stop(Duration.ofSeconds(20));
        return seen;
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void crlVerifyRefusesTheRevokedServerAndPassesAGoodOne() {
        Path dir = samples("pki-crl");
        Path revokesServer = crl(dir, "crl-server", "server.crt");
        Path revokesClient = crl(dir, "crl-client", "client.crt");
        Path crlDir = dir.resolve("crl-dir");
        try (Netns net = Netns.create()) {
            String revoked = refused(net, dir, plainIdentity(client(net, dir), dir).option("crl-verify", revokesServer.toString()),
                    "revoked", "CERT_REVOKED", "VERIFY ERROR: depth=0, error=certificate revoked");
            if (!revoked.contains("VERIFY ERROR: depth=0, error=certificate revoked: " + SERVER_SUBJECT)) {
                throw new AssertionError("not OpenVPN's text: " + revoked);
            }
            String good = up(net, dir, plainIdentity(client(net, dir), dir).option("crl-verify", revokesClient.toString()), "good");
            Files.createDirectories(crlDir);
            Files.writeString(crlDir.resolve(serverSerialDecimal(dir)), "");
            String byDir = refused(net, dir, plainIdentity(client(net, dir), dir).option("crl-verify", crlDir.toString(), "dir"),
                    "dir", "CERT_REVOKED", "VERIFY CRL: depth=0, .* is revoked");
            Report.line("pki crl-verify against stock openvpn: revoked server: " + revoked + " | CRL revoking another: " + good
                    + " | dir: " + byDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void profileIdentitiesAndChecksThatPass() {
        Path dir = samples("pki-good");
        try (Netns net = Netns.create()) {
            PeerConfig p12 = client(net, dir).option("pkcs12", dir.resolve("client.p12").toString())
                    .option("askpass", dir.resolve("pass.txt").toString()).option("verify-x509-name", "Test-Server", "name")
                    .option("remote-cert-eku", "TLS Web Server Authentication").option("remote-cert-ku", "a0")
                    .option("remote-cert-tls", "server");
            String viaP12 = up(net, dir, p12, "p12");
            PeerConfig encrypted = client(net, dir).option("cert", dir.resolve("client.crt").toString())
                    .option("key", dir.resolve("client-pass.key").toString()).option("askpass", dir.resolve("pass.txt").toString())
                    .option("extra-certs", dir.resolve("ca.crt").toString()).option("verify-x509-name", SERVER_SUBJECT)
                    .option("remote-cert-eku", "1.3.6.1.5.5.7.3.1");
            String viaEncrypted = up(net, dir, encrypted, "enc");
            Report.line("pki pkcs12+askpass, verify-x509-name name, remote-cert-eku/ku against stock openvpn: " + viaP12
                    + " | encrypted key+askpass, extra-certs, verify-x509-name subject, eku OID: " + viaEncrypted);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void profileChecksThatRefuse() {
        Path dir = samples("pki-refused");
        try (Netns net = Netns.create()) {
            String eku = refused(net, dir, plainIdentity(client(net, dir), dir).option("remote-cert-eku", "TLS Web Client Authentication"),
                    "eku", "CERT_USAGE_MISMATCH", "VERIFY EKU ERROR");
            String name = refused(net, dir, plainIdentity(client(net, dir), dir).option("verify-x509-name", "Test-Client", "name-prefix"),
                    "name", "CERT_NAME_MISMATCH", "VERIFY X509NAME ERROR");
            Report.line("pki refusals against stock openvpn: remote-cert-eku client auth: " + eku + " | verify-x509-name prefix: " + name);
        }
    }
}
