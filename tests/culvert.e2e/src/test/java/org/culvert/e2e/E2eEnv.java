package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where things are and what the machine must offer, read from the system properties Surefire passes
 * (see the module's pom). Every test class calls {@link #requireTools()} from {@code @BeforeAll}: the
 * suite fails, with a message saying what to install, when root, the tun device or a binary is
 * missing. It never skips silently, because CI installs all of them and a skipped interop suite would
 * look like a passing one.
 */
public final class E2eEnv {
    private static final List<String> TOOLS = List.of("ip", "ss", "openvpn", "iperf3", "ping", "openssl");

    private E2eEnv() {
    }

    /** The repository root (holds {@code distribution/bin/culvert}). */
    public static Path root() {
        return Path.of(System.getProperty("culvert.e2e.root", "../..")).toAbsolutePath().normalize();
    }

    /** Folder for this run's keys, configs and peer logs; kept after the run for inspection. */
    public static Path workDir() {
        return Path.of(System.getProperty("culvert.e2e.work", "target/e2e")).toAbsolutePath().normalize();
    }

    /** Compiled test classes: the class path for {@link LossyRelay} run in a namespace. */
    public static Path testClasses() {
        return Path.of(System.getProperty("culvert.e2e.testClasses", "target/test-classes")).toAbsolutePath().normalize();
    }

    /** The Java that runs the tests; it also runs the relay. */
    public static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /**
     * The implementation that plays "the side under test": Culvert normally; {@code
     * -Dculvert.e2e.impl=openvpn} runs the same cases with stock OpenVPN everywhere to check the
     * harness itself.
     */
    public static Impl underTest() {
        String v = System.getProperty("culvert.e2e.impl", "culvert").trim();
        return Impl.parse(v);
    }

    /** The headless launcher script. */
    public static Path culvertScript() {
        return root().resolve("distribution/bin/culvert");
    }

    /** Fails the calling test class with an actionable message when a prerequisite is missing. */
    public static void requireTools() {
        if (!isRoot()) {
            fail("the e2e tests need root (network namespaces, tun devices); run the build as root");
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            fail("/dev/net/tun is missing: mkdir -p /dev/net && mknod /dev/net/tun c 10 200");
        }
        for (String tool : TOOLS) {
            if (which(tool) == null) {
                fail("'" + tool + "' is not on PATH; the e2e tests need it (Debian: apt-get install openvpn iperf3 iputils-ping iproute2 openssl)");
            }
        }
        if (underTest() == Impl.CULVERT || Boolean.getBoolean("culvert.e2e.requireCulvert")) {
            requireCulvert();
        }
    }

    /** Fails unless the distribution (launcher jar and bundle folder) has been built. */
    public static void requireCulvert() {
        Path target = root().resolve("distribution/target");
        if (!Files.isRegularFile(target.resolve("culvert.launcher.jar")) || !Files.isDirectory(target.resolve("bundles"))) {
            fail("Culvert's distribution is not built (" + target.resolve("culvert.launcher.jar")
                    + " or bundles/ missing): run `mvn -B install -DskipTests` at the root first, "
                    + "or -Dculvert.e2e.impl=openvpn to check the harness with stock OpenVPN only");
        }
        if (!Files.isExecutable(culvertScript())) {
            fail(culvertScript() + " is missing or not executable");
        }
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return "0".equals(f[1]); // effective uid
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static Path which(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        // sbin is not always on a build user's PATH.
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** How long a peer may take from start to the first ping through the tunnel (a JVM plus Felix). */
    public static Duration readyTimeout() {
        return Duration.ofSeconds(Long.getLong("culvert.e2e.readySeconds", 30));
    }
}
