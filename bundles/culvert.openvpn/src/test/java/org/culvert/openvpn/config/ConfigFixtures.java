package org.culvert.openvpn.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Key files and configurations used across the config tests. */
public final class ConfigFixtures {
    private ConfigFixtures() {
    }

    /** Parses {@code text} as {@code source} in {@code dir} and checks it fails with that reason, option and line. */
    static ConfigException fails(String text, String source, Path dir, ConfigException.Reason reason, String option, int line) {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigParser.parse(text, source, dir));
        org.junit.jupiter.api.Assertions.assertEquals(reason, e.reason(), e.getMessage());
        org.junit.jupiter.api.Assertions.assertEquals(option, e.option(), e.getMessage());
        org.junit.jupiter.api.Assertions.assertEquals(line, e.line(), e.getMessage());
        return e;
    }

    static final String HEADER = "-----BEGIN OpenVPN Static key V1-----";
    static final String FOOTER = "-----END OpenVPN Static key V1-----";

    /** 256 distinct key bytes as hex (never all zero). */
    static String keyHex() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 256; i++) {
            sb.append(String.format("%02x", (i * 37 + 11) & 0xFF));
        }
        return sb.toString();
    }

    static String keyBlock(String hex) {
        StringBuilder sb = new StringBuilder("#\n# 2048 bit OpenVPN static key\n#\n").append(HEADER).append('\n');
        for (int i = 0; i < hex.length(); i += 32) {
            sb.append(hex, i, Math.min(hex.length(), i + 32)).append('\n');
        }
        return sb.append(FOOTER).append('\n').toString();
    }

    static Path writeKey(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not POSIX
        }
        return p;
    }

    /** Side A of the performance anchor (perf-anchor.md), written as a config file. */
    static final String PERF_ANCHOR_A = String.join("\n",
            "# static-key side A of the performance anchor",
            "dev tun",
            "disable-dco",
            "verb 4",
            "proto udp",
            "local 10.201.0.1",
            "remote 10.201.0.2",
            "port 1194",
            "ifconfig 10.202.0.1 10.202.0.2",
            "secret static.key 0",
            "cipher AES-256-CBC",
            "auth SHA256",
            "");

    /** PEM-shaped text: the parser checks only the armour, the TLS engine parses the content. */
    static String pem(String type, String body) {
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    static final String SERVER_CERT = "Certificate:\n    Data: (text dump before the PEM, as easy-rsa writes)\n"
            + pem("CERTIFICATE", "MIIBserverCERTIFICATEbody");
    static final String SERVER_KEY = pem("PRIVATE KEY", "MIGHserverPRIVATEKEYbody0123456789");
    static final String CLIENT_CERT = pem("CERTIFICATE", "MIIBclientCERTIFICATEbody");
    static final String CLIENT_KEY = pem("EC PRIVATE KEY", "MHcCclientPRIVATEKEYbody0123456789");
    static final String CA_CERT = pem("CERTIFICATE", "MIIBcaCERTIFICATEbody");
    static final String DH_PARAMS = pem("DH PARAMETERS", "MIIBCAKCAQEA");
    /** Lower case, as `openssl x509 -fingerprint` users sometimes paste it; the parser upper-cases it. */
    static final String SERVER_FP = fingerprint(0x10);
    static final String CLIENT_FP = fingerprint(0xA0);

    static String fingerprint(int first) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            sb.append(i == 0 ? "" : ":").append(String.format("%02x", (first + i * 7) & 0xFF));
        }
        return sb.toString();
    }

    /** Writes the certificates and keys the TLS fixtures name into {@code dir}. */
    public static void writeTlsFiles(Path dir) throws IOException {
        Files.writeString(dir.resolve("server.crt"), SERVER_CERT);
        writeKey(dir, "server.key", SERVER_KEY);
        Files.writeString(dir.resolve("client.crt"), CLIENT_CERT);
        writeKey(dir, "client.key", CLIENT_KEY);
        Files.writeString(dir.resolve("ca.crt"), CA_CERT);
        Files.writeString(dir.resolve("dh.pem"), DH_PARAMS);
    }

    /**
     * Side A (tls-server) of the performance anchor's TLS row, written as a config file: the common
     * flags plus {@code --tls-server --dh none --cert server.crt --key server.key --peer-fingerprint
     * <client> --data-ciphers AES-256-GCM}.
     */
    static String perfAnchorTlsServer(String proto) {
        return String.join("\n",
                "# TLS side A of the performance anchor",
                "dev tun",
                "disable-dco",
                "verb 4",
                "proto " + proto,
                "local 10.201.0.1",
                proto.equals("udp") ? "remote 10.201.0.2" : "",
                "port 1194",
                "ifconfig 10.202.0.1 10.202.0.2",
                "tls-server",
                "dh none",
                "cert server.crt",
                "key server.key",
                "peer-fingerprint " + CLIENT_FP,
                "data-ciphers AES-256-GCM",
                "");
    }

    /** Side B (tls-client) of the performance anchor's TLS row. */
    static String perfAnchorTlsClient(String proto) {
        return String.join("\n",
                "# TLS side B of the performance anchor",
                "dev tun",
                "disable-dco",
                "verb 4",
                "proto " + proto,
                proto.equals("udp") ? "local 10.201.0.2" : "",
                "remote 10.201.0.1",
                "port 1194",
                "ifconfig 10.202.0.2 10.202.0.1",
                "tls-client",
                "cert client.crt",
                "key client.key",
                "peer-fingerprint " + SERVER_FP,
                "data-ciphers AES-256-GCM",
                "");
    }

    /** The same as {@link #perfAnchorTlsClient} with the certificate, key and fingerprint inline. */
    static String perfAnchorTlsClientInline() {
        return perfAnchorTlsClient("udp")
                .replace("cert client.crt\n", "<cert>\n" + CLIENT_CERT + "</cert>\n")
                .replace("key client.key\n", "<key>\n" + CLIENT_KEY + "</key>\n")
                .replace("peer-fingerprint " + SERVER_FP + "\n", "<peer-fingerprint>\n" + SERVER_FP + "\n</peer-fingerprint>\n");
    }
}
