package org.culvert.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * benchmarks/netns/Chart.java, run as the benches run it ({@code java Chart.java MODE ROWS OUT}) on the
 * sample rows kept beside it (the figures of docs/benchmarks.md): the SVG is well-formed XML with one
 * bar per measured figure, the right labels and ratios, and no bar for a failed row. Here (not in a
 * bundle) because the benches are this module's neighbours; needs no root.
 */
class ChartTest {
    private static final Path NETNS = Path.of(System.getProperty("user.dir")).resolve("../netns").normalize();

    @TempDir
    Path dir;

    @Test
    void pointToPointRowsGiveOneBarPerFigureWithRatios() throws Exception {
        Path svg = chart("p2p", NETNS.resolve("samples/bench-2026-11-25-jdk17.tsv"));
        Document doc = parse(svg);
        List<Element> bars = bars(doc);
        // 12 tunnel rows with a per-core figure, then 13 RTT bars (raw veth too); no figures under load.
        assertEquals(12 + 13, bars.size());
        assertTrue(!doc.getDocumentElement().getTextContent().contains("under load"), "no third panel");
        assertEquals(2, count(bars, "culvert-culvert-none"), "per-core and RTT bar");
        assertEquals(1, count(bars, "raw-veth"), "raw veth has an RTT bar only");
        assertEquals("1117", value(bars, "culvert-culvert-none", 0));
        assertEquals("0.635", value(bars, "culvert-culvert-none", 1));
        String text = doc.getDocumentElement().getTextContent();
        assertTrue(text.contains("1117 (1.53×)"), "ratio 1117 / 728 beside the bar");
        assertTrue(text.contains("TLS CHACHA20-POLY1305"), "group label");
        assertTrue(text.contains("Culvert ↔ OpenVPN"), "legend");
    }

    @Test
    void failedAndUnmeasuredRowsDrawNoBar() throws Exception {
        Path rows = dir.resolve("rows.tsv");
        Files.writeString(rows, String.join("\n",
                "ovpn-ovpn-none\t1000\t0.100\t60.0\t80.0\t700\t0.10\t0.050\t0.200\t0.020\t0.300",
                "culvert-ovpn-none\tFAILED\t-\t-\t-\t-\t-\t-\t-\t-\t-",
                "culvert-culvert-none\t-\t0.090\t-\t-\t-\t1.20\t0.040\t0.150\t0.010\t-",
                "a <label> & \"quotes\"\t5\t1\t1\t1\t5\t1"), StandardCharsets.UTF_8);
        Document doc = parse(chart("p2p", rows));
        List<Element> bars = bars(doc);
        assertEquals(0, count(bars, "culvert-ovpn-none"));
        assertEquals(1, count(bars, "culvert-culvert-none"), "ping-only row: an RTT bar, no throughput bar");
        assertEquals(3, count(bars, "ovpn-ovpn-none"), "per-core, idle RTT and RTT under load");
        assertEquals("0.300", value(bars, "ovpn-ovpn-none", 2), "under load");
        assertEquals(1, count(bars, "a <label> & \"quotes\""), "escaped, well-formed; outside the three pairs: an RTT bar only, as raw veth");
        assertTrue(doc.getDocumentElement().getTextContent().contains("Ping RTT under load"), "a third panel when a row has it");
        assertEquals(2, countClass(doc, "line", "whisker"), "min-max whiskers of the two RTT rows that have them");
    }

    @Test
    void serverRowsGiveBothServersPerGroup() throws Exception {
        Document doc = parse(chart("server", NETNS.resolve("samples/server-bench-2026-12-08.tsv")));
        List<Element> bars = bars(doc);
        assertEquals(2 * 12, bars.size(), "per-core and aggregate bar per row");
        assertEquals("1020", value(bars, "culvert-4-up", 0));
        String text = doc.getDocumentElement().getTextContent();
        assertTrue(text.contains("1020 (1.24×)"));
        assertTrue(text.contains("4 clients, server → client"));
    }

    @Test
    void badArgumentsAreRefused() throws Exception {
        Process p = new ProcessBuilder(java(), NETNS.resolve("Chart.java").toString(), "pie").redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue());
    }

    private Path chart(String mode, Path rows) throws IOException, InterruptedException {
        Path out = dir.resolve(mode + ".svg");
        Process p = new ProcessBuilder(java(), NETNS.resolve("Chart.java").toString(), mode, rows.toString(), out.toString(), "a <title>")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "Chart.java ends");
        assertEquals(0, p.exitValue(), output);
        return out;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Document parse(Path svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(svg.toFile());
    }

    private static List<Element> bars(Document doc) {
        List<Element> out = new ArrayList<>();
        NodeList rects = doc.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            Element e = (Element) rects.item(i);
            if ("bar".equals(e.getAttribute("class"))) {
                out.add(e);
            }
        }
        return out;
    }

    private static long count(List<Element> bars, String row) {
        return bars.stream().filter(b -> row.equals(b.getAttribute("data-row"))).count();
    }

    private static String value(List<Element> bars, String row, int nth) {
        return bars.stream().filter(b -> row.equals(b.getAttribute("data-row"))).skip(nth).findFirst().orElseThrow().getAttribute("data-value");
    }

    private static int countClass(Document doc, String tag, String cls) {
        NodeList nodes = doc.getElementsByTagName(tag);
        int n = 0;
        for (int i = 0; i < nodes.getLength(); i++) {
            if (cls.equals(((Element) nodes.item(i)).getAttribute("class"))) {
                n++;
            }
        }
        return n;
    }
}
