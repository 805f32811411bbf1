package org.culvert.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.culvert.openvpn.tls.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The headless command exits non-zero when a tunnel's credentials cannot be had, naming why. */
class MainCredentialsTest {
    @TempDir
    Path dir;

    @Test
    void withoutATerminalTheCommandExitsOneNamingTheReason() throws Exception {
        TestPki.Identity me = TestPki.selfSigned("headless-client");
        TestPki.Identity peer = TestPki.selfSigned("headless-server");
        Path conf = dir.resolve("client.conf");
        Files.writeString(conf, "dev tun\nproto udp\nremote 192.0.2.1\nnobind\ntls-client\n<cert>\n" + me.certPem()
                + "</cert>\n<key>\n" + me.keyPem() + "</key>\npeer-fingerprint " + peer.fingerprint() + "\nauth-user-pass\n");
        String before = System.getProperty("culvert.bundles");
        System.setProperty("culvert.bundles", System.getProperty("culvert.embed.testBundles", "target/test-bundles"));
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.run(new String[] {"--config", conf.toString()});
        } finally {
            System.setErr(err);
            if (before == null) {
                System.clearProperty("culvert.bundles");
            } else {
                System.setProperty("culvert.bundles", before);
            }
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(1, exit, out);
        assertTrue(out.contains("tunnel failed: CREDENTIALS_UNAVAILABLE") && out.contains("no terminal"), out);
    }
}
