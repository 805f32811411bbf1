package org.culvert.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * JUnit extension that prints the logs of every peer (and relay, iperf3 server) a test started when
 * that test fails, so a CI log shows why without digging in {@code target/e2e}. Files register
 * themselves through {@link #register}; the registry is cleared before each test.
 */
public final class PeerLogs implements BeforeEachCallback, TestExecutionExceptionHandler {
    private static final int MAX_LINES = 300;
    private static final Map<String, Path> LOGS = new LinkedHashMap<>();

    /** Remembers a log file to print if the current test fails. */
    public static synchronized void register(String label, Path log) {
        LOGS.put(label, log);
    }

    private static synchronized List<Map.Entry<String, Path>> snapshot() {
        return new ArrayList<>(LOGS.entrySet());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        synchronized (PeerLogs.class) {
            LOGS.clear();
        }
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        StringBuilder sb = new StringBuilder();
        sb.append("\n===== ").append(context.getDisplayName()).append(" failed: logs of what it started =====\n");
        for (Map.Entry<String, Path> e : snapshot()) {
            sb.append("----- ").append(e.getKey()).append(" (").append(e.getValue()).append(") -----\n");
            sb.append(tail(e.getValue(), MAX_LINES));
        }
        sb.append("===== end of logs =====\n");
        System.out.print(sb);
        System.out.flush();
        throw throwable;
    }

    /** A log file's text; undecodable bytes become U+FFFD instead of failing. */
    public static String readText(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    /** The last {@code maxLines} lines of a file, or a note saying why there is nothing. */
    public static String tail(Path file, int maxLines) {
        try {
            List<String> lines = List.of(readText(file).split("\n", -1));
            int from = Math.max(0, lines.size() - maxLines);
            StringBuilder sb = new StringBuilder();
            if (from > 0) {
                sb.append("... (").append(from).append(" earlier lines)\n");
            }
            for (String l : lines.subList(from, lines.size())) {
                sb.append(l).append('\n');
            }
            return sb.toString();
        } catch (IOException e) {
            return "(no log: " + e + ")\n";
        }
    }
}
