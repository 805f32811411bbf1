package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code toString()} of every option and settings object that holds a key shows where the key came
 * from, never the key: inline and from files, private key, tls-crypt, tls-auth and static key.
 */
class SecretTextTest {
    private static final TestPki.Identity ID = TestPki.selfSigned("to-string");

    @TempDir
    Path dir;

    @Test
    void optionsAndSettingsNeverShowKeyText() throws Exception {
        byte[] wrap = new byte[256];
        new Random(9).nextBytes(wrap);
        String keyFile = keyFile(wrap);
        Files.writeString(dir.resolve("ta.key"), keyFile);
        String[] configs = {
            "dev tun\nremote peer\ntls-client\n<cert>\n" + ID.certPem() + "</cert>\n<key>\n" + ID.keyPem() + "</key>\n"
                    + "peer-fingerprint " + ID.fingerprint() + "\n<tls-crypt>\n" + keyFile + "</tls-crypt>\n",
            "dev tun\nremote peer\ntls-client\n<cert>\n" + ID.certPem() + "</cert>\n<key>\n" + ID.keyPem() + "</key>\n"
                    + "peer-fingerprint " + ID.fingerprint() + "\ntls-auth ta.key 1\n",
        };
        for (String config : configs) {
            OpenVpnOptions o = ConfigParser.parse(config, "p2p.conf", dir);
            TlsSettings settings = TlsSettingsFactory.fromOptions(o);
            List<String> texts = List.of(o.toString(), o.tls().get().toString(), o.tls().get().key().toString(),
                    settings.toString());
            assertTrue(o.tls().get().toString().contains("<inline>"), o.tls().get().toString());
            for (String text : texts) {
                assertNoKey(text, wrap);
                String der = ID.keyPem().split("\n")[1];
                assertFalse(text.contains(der.substring(0, 16)), "private key base64 in " + text);
                assertFalse(text.contains("PRIVATE KEY") || text.contains("Static key V1"), text);
            }
        }
        Files.writeString(dir.resolve("static.key"), keyFile);
        OpenVpnOptions s = ConfigParser.parse("dev tun\nremote peer\nsecret static.key 0\ncipher AES-256-CBC\n", "p2p.conf", dir);
        assertNoKey(s.toString(), wrap);
        assertNoKey(s.secret().toString(), wrap);
    }

    private static void assertNoKey(String text, byte[] key) {
        String flat = text.toLowerCase(Locale.ROOT).replaceAll("[:\\s]", "");
        for (int i = 0; i + 8 <= key.length; i += 8) {
            String window = hex(key, i, 8);
            assertFalse(flat.contains(window), "key hex " + window + " in " + text);
        }
        assertFalse(text.contains(Base64.getEncoder().encodeToString(key).substring(0, 12)), "key base64 in " + text);
    }

    private static String keyFile(byte[] key) {
        StringBuilder sb = new StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        for (int i = 0; i < key.length; i += 16) {
            sb.append(hex(key, i, 16)).append('\n');
        }
        return sb.append("-----END OpenVPN Static key V1-----\n").toString();
    }

    private static String hex(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = off; i < off + len; i++) {
            sb.append(String.format("%02x", b[i] & 0xFF));
        }
        return sb.toString();
    }
}
