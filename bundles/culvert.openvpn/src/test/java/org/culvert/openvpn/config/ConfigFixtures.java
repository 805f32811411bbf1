package org.culvert.openvpn.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Key files and configurations used across the config tests. */
final class ConfigFixtures {
    private ConfigFixtures() {
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
}
