package org.culvert.example.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** docs/embedding.md's code sample is QuickStart's, so the document never shows code that does not compile. */
class QuickStartDocTest {
    private static final Path MODULE = Path.of(System.getProperty("culvert.example.basedir", "."));

    @Test
    void theDocumentShowsQuickStartWordForWord() throws IOException {
        List<String> code = between(Files.readAllLines(MODULE.resolve("src/main/java/org/culvert/example/appliance/QuickStart.java"),
                StandardCharsets.UTF_8), "// docs:begin", "// docs:end");
        List<String> doc = between(Files.readAllLines(MODULE.resolve("../../docs/embedding.md"), StandardCharsets.UTF_8),
                "<!-- QuickStart.java:begin -->", "<!-- QuickStart.java:end -->");
        assertTrue(code.size() >= 10, "QuickStart's sample is missing its markers");
        assertEquals("```java", doc.get(0));
        assertEquals("```", doc.get(doc.size() - 1));
        assertEquals(unindent(code), doc.subList(1, doc.size() - 1), "docs/embedding.md and QuickStart.java differ: copy QuickStart's sample");
    }

    private static List<String> between(List<String> lines, String begin, String end) {
        int from = -1;
        int to = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().equals(begin)) {
                from = i + 1;
            } else if (lines.get(i).trim().equals(end)) {
                to = i;
            }
        }
        assertTrue(from > 0 && to >= from, "markers " + begin + " / " + end + " not found");
        return lines.subList(from, to);
    }

    /** The sample without the indentation it has inside main(). */
    private static List<String> unindent(List<String> lines) {
        int indent = Integer.MAX_VALUE;
        for (String l : lines) {
            if (!l.isBlank()) {
                indent = Math.min(indent, l.length() - l.stripLeading().length());
            }
        }
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(l.isBlank() ? "" : l.substring(indent));
        }
        return out;
    }
}
