package org.culvert.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/culvert's choice of Java (distribution/bin/culvert-java), against a fake tree of JDKs: stub
 * {@code bin/java} scripts that print who they are, and {@code release} files giving JAVA_VERSION.
 */
class JavaChoiceTest {
    private static final Path BIN = Path.of(System.getProperty("culvert.launcher.basedir", "."), "../../distribution/bin").toAbsolutePath().normalize();

    /** How the stub of a JDK 25 is started: with the options that quiet JNA's and Felix's warnings. */
    private static final String ON_25 = "stub temurin-25 --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow ";

    @TempDir
    Path dir;

    /** A JDK home ROOT/NAME whose bin/java prints "stub NAME ARGS..." (and a -version banner for VERSION). */
    private Path jdk(String root, String name, String version, boolean releaseFile) throws IOException {
        Path home = dir.resolve(root).resolve(name);
        Files.createDirectories(home.resolve("bin"));
        Path java = home.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\n"
                + "if [ \"$1\" = -version ]; then echo 'openjdk version \"" + version + "\" 2020-01-01' >&2; exit 0; fi\n"
                + "echo stub " + name + " \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (releaseFile) {
            Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n", StandardCharsets.UTF_8);
        }
        return java;
    }

    /** Runs culvert_pick_java with env; returns exit code and output (stdout + stderr). */
    private Result pick(Map<String, String> env) throws Exception {
        return sh(". '" + BIN.resolve("culvert-java") + "'; culvert_pick_java || exit 3; echo \"$CULVERT_JAVA|$CULVERT_JAVA_VERSION|$CULVERT_JAVA_WHY\"", env);
    }

    private Result sh(String script, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true);
        pb.environment().remove("JAVA");
        pb.environment().remove("JAVA_HOME");
        // PATH holds only a folder with the tree's "path" JDK, when the test made one.
        pb.environment().put("PATH", dir.resolve("path/bin") + ":/usr/bin:/bin");
        pb.environment().put("CULVERT_CDS_DIR", dir.resolve("cds").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the script did not end");
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
    }

    private record Result(int code, String out) {
    }

    private String roots() {
        return dir.resolve("jvm") + ":" + dir.resolve("opt");
    }

    @Test
    void theNewestJava17OrLaterUnderTheRootsWins() throws Exception {
        jdk("jvm", "java-17-openjdk", "17.0.21.1", true);
        jdk("jvm", "java-11-openjdk", "11.0.2", true);
        jdk("jvm", "java-8", "1.8.0_392", true);
        Path newest = jdk("opt", "temurin-25", "25.0.3", true);
        jdk("opt", "jdk-21", "21.0.9", true);
        jdk("opt", "jdk-26-broken", "26", false);   // no release file: not a JDK home the search counts
        Result r = pick(Map.of("CULVERT_JDK_ROOTS", roots()));
        assertEquals(0, r.code(), r.out());
        assertEquals(newest + "|25.0.3|the newest Java 17+ under " + dir.resolve("opt"), r.out());
    }

    @Test
    void versionsCompareByNumberNotText() throws Exception {
        jdk("jvm", "a-17.0.9", "17.0.9", true);
        Path newer = jdk("jvm", "b-17.0.10", "17.0.10", true);
        Result r = pick(Map.of("CULVERT_JDK_ROOTS", roots()));
        assertEquals(newer + "|17.0.10|the newest Java 17+ under " + dir.resolve("jvm"), r.out());
    }

    @Test
    void anExplicitJavaOrJavaHomeWinsOverANewerOne() throws Exception {
        Path seventeen = jdk("jvm", "java-17", "17.0.21.1", true);
        jdk("jvm", "temurin-25", "25.0.3", true);
        Result r = pick(Map.of("CULVERT_JDK_ROOTS", roots(), "JAVA", seventeen.toString()));
        assertEquals(seventeen + "|17.0.21.1|set by JAVA", r.out());
        r = pick(Map.of("CULVERT_JDK_ROOTS", roots(), "JAVA_HOME", seventeen.getParent().getParent().toString()));
        assertEquals(seventeen + "|17.0.21.1|set by JAVA_HOME", r.out());
        // JAVA wins over JAVA_HOME.
        Path other = jdk("opt", "jdk-21", "21.0.9", true);
        r = pick(Map.of("CULVERT_JDK_ROOTS", roots(), "JAVA", other.toString(), "JAVA_HOME", seventeen.getParent().getParent().toString()));
        assertEquals(other + "|21.0.9|set by JAVA", r.out());
    }

    @Test
    void anExplicitJavaUnder17IsRefusedWithTheReason() throws Exception {
        Path eleven = jdk("jvm", "java-11", "11.0.2", true);
        jdk("jvm", "temurin-25", "25.0.3", true);
        Result r = pick(Map.of("CULVERT_JDK_ROOTS", roots(), "JAVA", eleven.toString()));
        assertEquals(3, r.code(), r.out());
        assertEquals("culvert: " + eleven + " (Java 11.0.2, set by JAVA) is too old: Culvert needs Java 17 or newer"
                + " (21 or newer runs faster); set JAVA=/path/to/bin/java or JAVA_HOME", r.out());
        Path eight = jdk("jvm", "java-8", "1.8.0_392", true);
        r = pick(Map.of("CULVERT_JDK_ROOTS", roots(), "JAVA_HOME", eight.getParent().getParent().toString()));
        assertEquals(3, r.code(), r.out());
        assertTrue(r.out().contains("(Java 1.8.0_392, set by JAVA_HOME) is too old"), r.out());
    }

    @Test
    void withoutAJdkUnderTheRootsJavaOnThePathIsTakenIfNewEnough() throws Exception {
        jdk("jvm", "java-11", "11.0.2", true);
        // The PATH's java has no release file: its version comes from -version.
        Path onPath = jdk("path", ".", "21.0.1", false);
        Result r = pick(Map.of("CULVERT_JDK_ROOTS", roots()));
        assertEquals(onPath.normalize() + "|21.0.1|java on the PATH", r.out().replace("/./", "/"));
        Files.writeString(onPath, Files.readString(onPath).replace("21.0.1", "16.0.2"));
        r = pick(Map.of("CULVERT_JDK_ROOTS", roots()));
        assertEquals(3, r.code(), r.out());
        assertTrue(r.out().contains("(Java 16.0.2, java on the PATH) is too old: Culvert needs Java 17 or newer"), r.out());
    }

    @Test
    void binCulvertExecsTheChosenJavaWithTheReasonAndTheClassDataOptions() throws Exception {
        // A copy of bin/ beside a fake target/ with the jars bin/culvert checks for.
        Path dist = dir.resolve("dist");
        Files.createDirectories(dist.resolve("bin"));
        Files.createDirectories(dist.resolve("target/bundles"));
        for (String f : List.of("culvert", "culvert-java")) {
            Files.copy(BIN.resolve(f), dist.resolve("bin").resolve(f));
        }
        Files.writeString(dist.resolve("target/culvert.launcher.jar"), "x");
        jdk("jvm", "java-17", "17.0.21.1", true);
        jdk("jvm", "temurin-25", "25.0.3", true);
        Result r = sh("'" + dist.resolve("bin/culvert") + "' --version", Map.of("CULVERT_JDK_ROOTS", roots()));
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().startsWith(ON_25 + "-XX:ArchiveClassesAtExit=" + dir.resolve("cds/culvert-25-")), r.out());
        assertTrue(r.out().contains("-Dculvert.java.choice=the newest Java 17+ under " + dir.resolve("jvm")), r.out());
        assertTrue(r.out().endsWith("org.culvert.launcher.Main --version"), r.out());
        // The first start dumps at exit into a PID-named part, which the launcher marks once the tunnel was up.
        String part = r.out().replaceFirst("^.*-XX:ArchiveClassesAtExit=(\\S+).*$", "$1");
        assertTrue(part.matches(".*/culvert-25-[0-9]+-[0-9]+\\.jsa\\.[0-9]+\\.part"), part);
        assertTrue(r.out().contains("-Dculvert.cds.ready=" + part + ".ok"), r.out());
        String archive = part.replaceFirst("\\.[0-9]+\\.part$", "");
        // A dump never marked (a --help, a failed start) is thrown away, and the next start dumps again.
        Files.writeString(Path.of(part), "dump of a start that never came up");
        r = sh("'" + dist.resolve("bin/culvert") + "' --version", Map.of("CULVERT_JDK_ROOTS", roots()));
        assertTrue(r.out().startsWith(ON_25 + "-XX:ArchiveClassesAtExit="), r.out());
        assertTrue(Files.notExists(Path.of(part)) && Files.notExists(Path.of(archive)), "an unmarked dump was kept");
        // A marked dump whose JVM has ended becomes the archive, and later starts map it instead of dumping.
        Files.writeString(Path.of(part), "dump");
        Files.writeString(Path.of(part + ".ok"), "");
        r = sh("'" + dist.resolve("bin/culvert") + "' --version", Map.of("CULVERT_JDK_ROOTS", roots()));
        assertTrue(r.out().startsWith(ON_25 + "-XX:SharedArchiveFile=" + archive + " "), r.out());
        assertEquals("dump", Files.readString(Path.of(archive)));
        assertTrue(Files.notExists(Path.of(part + ".ok")));
        r = sh("'" + dist.resolve("bin/culvert") + "' --version", Map.of("CULVERT_JDK_ROOTS", roots()));
        assertTrue(r.out().startsWith(ON_25 + "-XX:SharedArchiveFile=" + archive + " "), r.out());
        // Another build (a jar's size or time changes) gets an archive of its own; the old one is removed.
        Files.writeString(dist.resolve("target/culvert.launcher.jar"), "rebuilt");
        r = sh("'" + dist.resolve("bin/culvert") + "' --version", Map.of("CULVERT_JDK_ROOTS", roots()));
        assertTrue(r.out().startsWith(ON_25 + "-XX:ArchiveClassesAtExit="), r.out());
        assertTrue(Files.notExists(Path.of(archive)), "the archive of the earlier build was kept");
        // Another distribution's archive in the same cache is not this one's earlier build: it stays.
        Path other = Path.of(archive.replaceFirst("culvert-25-[0-9]+-", "culvert-25-1-"));
        Files.writeString(other, "another checkout's");
        r = sh("'" + dist.resolve("bin/culvert") + "' --version", Map.of("CULVERT_JDK_ROOTS", roots()));
        assertTrue(Files.exists(other), "another distribution's archive was deleted");
        // CULVERT_CDS=off: no class-data options at all.
        r = sh("'" + dist.resolve("bin/culvert") + "' --version", Map.of("CULVERT_JDK_ROOTS", roots(), "CULVERT_CDS", "off"));
        assertTrue(r.out().startsWith(ON_25 + "-Dculvert.java.choice="), r.out());
        // Too old: bin/culvert refuses before starting anything.
        r = sh("'" + dist.resolve("bin/culvert") + "' --version", Map.of("JAVA", jdk("jvm", "java-11", "11.0.2", true).toString()));
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().startsWith("culvert: ") && r.out().contains("is too old") && !r.out().contains("stub"), r.out());
    }
}
