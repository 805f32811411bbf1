package org.culvert.openvpn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The library promises no OSGi, sockets, threads or clock reads outside {@link Clock#system()}. */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java");

    @Test
    void mainCodeStaysPure() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String text = Files.readString(f);
                String name = f.getFileName().toString();
                check(violations, name, text, "import org.osgi", !name.equals("package-info.java"));
                check(violations, name, text, "java.net.Socket", true);
                check(violations, name, text, "java.net.DatagramSocket", true);
                check(violations, name, text, "java.nio.channels", true);
                check(violations, name, text, "new Thread", true);
                check(violations, name, text, "Executor", true);
                check(violations, name, text, "System.currentTimeMillis", !name.equals("SystemClock.java"));
                check(violations, name, text, "System.nanoTime", !name.equals("SystemClock.java"));
                check(violations, name, text, "Instant.now", true);
                check(violations, name, text, "System.exit", true);
                check(violations, name, text, "Arrays.equals", true);
            }
        }
        assertTrue(violations.isEmpty(), "forbidden constructs: " + violations);
    }

    @Test
    void everyPackageIsExportedAndVersioned() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> dirs = Files.walk(MAIN)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                boolean hasClasses;
                try (Stream<Path> list = Files.list(d)) {
                    hasClasses = list.anyMatch(p -> p.toString().endsWith(".java") && !p.endsWith("package-info.java"));
                }
                if (!hasClasses) {
                    continue;
                }
                Path info = d.resolve("package-info.java");
                String text = Files.exists(info) ? Files.readString(info) : "";
                if (!text.contains("@org.osgi.annotation.bundle.Export") || !text.matches("(?s).*@org\\.osgi\\.annotation\\.versioning\\.Version\\(\"\\d+\\.\\d+\\.\\d+\"\\).*")) {
                    missing.add(MAIN.relativize(d).toString());
                }
            }
        }
        assertTrue(missing.isEmpty(), "packages without @Export/@Version: " + missing);
    }

    private static void check(List<String> out, String file, String text, String needle, boolean applies) {
        if (applies && text.contains(needle)) {
            out.add(file + ": " + needle);
        }
    }
}
