package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/culvert's class-data sharing archive on the built distribution: the first start that comes up
 * leaves a dump, the next start maps it (the launcher's and the bundles' classes come from the shared
 * archive), and a broken archive is ignored: the tunnel still starts. A static-key tunnel with
 * {@code --dev null} on loopback (no root, no peer: static mode is up at once).
 */
class ClassDataSharingTest {
    private static final long UP_TIMEOUT_MILLIS = 60_000;
    private static final String UP = "Initialization Sequence Completed";

    @TempDir
    Path dir;

    @BeforeAll
    static void built() {
        E2eEnv.requireCulvert();
    }

    @Test
    void aStartThatCameUpLeavesAnArchiveTheNextMapsAndABrokenOneIsIgnored() throws Exception {
        Path key = dir.resolve("static.key");
        writeStaticKey(key);
        Path cds = dir.resolve("cds");

        // 1: no archive yet: the JVM dumps at exit, and the launcher marked the dump once the tunnel was up.
        Run first = start(key, cds, null);
        assertTrue(first.output.contains(UP), first.output);
        List<Path> files = list(cds);
        assertTrue(files.stream().anyMatch(p -> p.toString().endsWith(".part")), "no dump: " + files);
        assertTrue(files.stream().anyMatch(p -> p.toString().endsWith(".part.ok")), "the dump was not marked: " + files);

        // 2: the marked dump became the archive; the launcher's and the bundles' classes come from it.
        Path classes = dir.resolve("classes-2.log");
        Run second = start(key, cds, classes);
        assertTrue(second.output.contains(UP), second.output);
        List<Path> archives = list(cds).stream().filter(p -> p.toString().endsWith(".jsa")).toList();
        assertEquals(1, archives.size(), "archives: " + list(cds));
        String loads = Files.readString(classes, StandardCharsets.UTF_8);
        assertTrue(loads.contains("org.culvert.launcher.Main source: shared objects file"), "the launcher is not shared: " + firstLine(loads, "org.culvert.launcher.Main "));
        assertTrue(loads.contains("org.culvert.tunnel.internal.TunnelManagerImpl source: shared objects file"),
                "the core bundle's classes are not shared: " + firstLine(loads, "TunnelManagerImpl "));

        // 3: a broken archive (here: garbage under its name) is ignored without a word, and the tunnel still starts.
        byte[] garbage = new byte[64 * 1024];
        new SecureRandom().nextBytes(garbage);
        Files.write(archives.get(0), garbage);
        Path classes3 = dir.resolve("classes-3.log");
        Run third = start(key, cds, classes3);
        assertTrue(third.output.contains(UP), third.output);
        assertFalse(third.output.contains("[cds]") || third.output.contains("shared archive"), third.output);
        String loads3 = Files.readString(classes3, StandardCharsets.UTF_8);
        assertTrue(loads3.contains("org.culvert.launcher.Main source: file:"), firstLine(loads3, "org.culvert.launcher.Main "));
        assertEquals(0, third.exitCode, third.output);
    }

    private record Run(String output, int exitCode) {
    }

    /** Starts bin/culvert until "Initialization Sequence Completed", then stops it with SIGTERM. */
    private Run start(Path key, Path cds, Path classLog) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(E2eEnv.culvertScript().toString(), "--dev", "null", "--proto", "udp",
                "--local", "127.0.0.1", "--lport", "0", "--remote", "127.0.0.1", "--rport", "9", "--secret", key.toString(), "0",
                "--cipher", "AES-256-CBC", "--auth", "SHA256", "--verb", "3"));
        Path out = dir.resolve("culvert-" + System.nanoTime() + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("CULVERT_CDS_DIR", cds.toString());
        pb.environment().remove("CULVERT_CDS");
        if (classLog != null) {
            pb.environment().put("CULVERT_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog);
        } else {
            pb.environment().remove("CULVERT_JAVA_OPTS");
        }
        Process p = pb.start();
        try {
            long deadline = System.currentTimeMillis() + UP_TIMEOUT_MILLIS;
            while (!Files.readString(out, StandardCharsets.UTF_8).contains(UP)) {
                if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                    fail("culvert did not come up (" + (p.isAlive() ? "timeout" : "exit " + p.exitValue()) + "): " + Files.readString(out));
                }
                Thread.sleep(50);   // poll interval of a deadline-bounded wait for the log line
            }
            p.destroy();   // SIGTERM: a normal stop, and the JVM's exit dumps the archive on a first start
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                fail("culvert did not stop on SIGTERM: " + Files.readString(out));
            }
            return new Run(Files.readString(out, StandardCharsets.UTF_8), p.exitValue());
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static String firstLine(String text, String containing) {
        return text.lines().filter(l -> l.contains(containing)).findFirst().orElse("(not loaded)");
    }

    /** An OpenVPN static key file (2048 random bits), as {@code openvpn --genkey secret} writes it. */
    private static void writeStaticKey(Path file) throws IOException {
        byte[] key = new byte[256];
        new SecureRandom().nextBytes(key);
        StringBuilder sb = new StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        String hex = HexFormat.of().formatHex(key);
        for (int i = 0; i < hex.length(); i += 32) {
            sb.append(hex, i, i + 32).append('\n');
        }
        sb.append("-----END OpenVPN Static key V1-----\n");
        Files.writeString(file, sb.toString(), StandardCharsets.US_ASCII);
    }
}
