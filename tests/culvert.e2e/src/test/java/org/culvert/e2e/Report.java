package org.culvert.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;

/** Prints one result line to the build log and appends it to {@code target/e2e/results.txt}. */
final class Report {
    private Report() {
    }

    static synchronized void line(String text) {
        String line = "[e2e] " + text;
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
