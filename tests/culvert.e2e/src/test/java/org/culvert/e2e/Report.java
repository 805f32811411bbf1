package org.culvert.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;

/**
 * Prints one result line to the build log and appends it to {@code target/e2e/results.txt}: {@code [e2e] ...}
 * for case summaries, {@code [reliability] <figure>: <value>} for the fault figures collected in
 * {@code docs/reliability.md}.
 */
final class Report {
    private Report() {
    }

    static void line(String text) {
        print("[e2e] " + text);
    }

    /** One fault figure: {@code [reliability] <name>: <value>}. */
    static void figure(String name, String value) {
        print("[reliability] " + name + ": " + value);
    }

    private static synchronized void print(String line) {
        System.out.println(line);
        System.out.flush();
        try {
            Files.createDirectories(E2eEnv.workDir());
            Files.writeString(E2eEnv.workDir().resolve("results.txt"), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("[e2e] (could not append to results.txt: " + e + ")");
        }
    }
}
