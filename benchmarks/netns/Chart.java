import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws a benchmark run as an SVG of grouped bars, with nothing beyond the JDK: run as
 * {@code java Chart.java MODE ROWS.tsv OUT.svg [TITLE]} (a single-file source program, so the bench
 * needs no build of its own).
 *
 * <ul>
 * <li>{@code p2p}: the rows of {@code bench.sh} (label, Mbit/s, ping avg, CPU A, CPU B, Mbit/s per
 * peer core, ready s, then optionally ping min, max, mdev and ping avg under load). Panel 1: Mbit/s
 * per peer core for every mode, OpenVPN↔OpenVPN, Culvert↔OpenVPN and Culvert↔Culvert side by side,
 * each Culvert bar with its ratio to OpenVPN↔OpenVPN. Panel 2: idle ping RTT (avg, whisker min–max);
 * panel 3, when the rows have it: the average ping RTT under load.
 * <li>{@code server}: the rows of {@code server-bench.sh} (label IMPL-CLIENTS-up|down, Mbit/s, CPU %,
 * Mbit/s per server core). Panel 1: Mbit/s per server core, OpenVPN and Culvert server side by side
 * for 1/2/4 clients in both directions, with the ratio; panel 2: aggregate Mbit/s.
 * </ul>
 *
 * Every bar is a {@code rect} of class {@code bar} carrying {@code data-row} (the row's label) and
 * {@code data-value}, so a test can count and check them. A row that failed or was not measured
 * draws no bar.
 */
public final class Chart {
    private static final int WIDTH = 980;
    private static final int PANEL_HEIGHT = 300;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 60;
    private static final int GAP = 60;

    /** One bar: its series, value, optional whisker (low, high), and the text above it. */
    record Bar(String row, int series, double value, double low, double high, String note) { }

    /** A group of bars along the x axis (a mode, or a client count and direction). */
    record Group(String name, List<Bar> bars) { }

    record Panel(String title, String unit, List<Group> groups) { }

    private final String[] seriesNames;
    private static final String[] COLOURS = {"#8c8c8c", "#3b75af", "#519e3e"};

    private Chart(String... seriesNames) {
        this.seriesNames = seriesNames;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3 || !(args[0].equals("p2p") || args[0].equals("server"))) {
            System.err.println("usage: java Chart.java p2p|server ROWS.tsv OUT.svg [TITLE]");
            System.exit(2);
        }
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                rows.add(line.split("\t", -1));
            }
        }
        String title = args.length > 3 ? args[3] : "";
        String svg;
        if (args[0].equals("p2p")) {
            Chart chart = new Chart("OpenVPN ↔ OpenVPN", "Culvert ↔ OpenVPN", "Culvert ↔ Culvert");
            svg = chart.render(title, p2pPanels(rows));
        } else {
            Chart chart = new Chart("OpenVPN server", "Culvert server");
            svg = chart.render(title, serverPanels(rows));
        }
        Files.writeString(Path.of(args[2]), svg, StandardCharsets.UTF_8);
    }

    private static final String[] PAIRS = {"ovpn-ovpn-", "culvert-ovpn-", "culvert-culvert-"};

    static List<Panel> p2pPanels(List<String[]> rows) {
        Map<String, List<Bar>> core = new LinkedHashMap<>();
        Map<String, List<Bar>> rtt = new LinkedHashMap<>();
        Map<String, List<Bar>> loaded = new LinkedHashMap<>();
        Map<String, Double> reference = new LinkedHashMap<>();
        for (String[] r : rows) {
            int series = series(r[0]);
            if (series == 0 && number(field(r, 5)) > 0) {
                reference.put(group(r[0]), number(field(r, 5)));
            }
        }
        for (String[] r : rows) {
            String label = r[0];
            int series = series(label);
            String g = series < 0 ? label : group(label);
            if (series >= 0) {
                double perCore = number(field(r, 5));
                if (perCore > 0) {
                    Double ref = reference.get(g);
                    String note = fmt(perCore) + (series > 0 && ref != null ? " (" + String.format(Locale.ROOT, "%.2f×", perCore / ref) + ")" : "");
                    core.computeIfAbsent(g, k -> new ArrayList<>()).add(new Bar(label, series, perCore, Double.NaN, Double.NaN, note));
                }
            }
            String rttGroup = series < 0 ? label : g;
            double avg = number(field(r, 2));
            if (avg > 0) {
                double low = number(field(r, 7));
                double high = number(field(r, 8));
                rtt.computeIfAbsent(rttGroup, k -> new ArrayList<>()).add(new Bar(label, Math.max(0, series), avg,
                        low > 0 ? low : Double.NaN, high > 0 ? high : Double.NaN, String.format(Locale.ROOT, "%.3f", avg)));
            }
            double load = number(field(r, 10));
            if (load > 0) {
                loaded.computeIfAbsent(rttGroup, k -> new ArrayList<>()).add(new Bar(label, Math.max(0, series), load,
                        Double.NaN, Double.NaN, String.format(Locale.ROOT, "%.2f", load)));
            }
        }
        List<Panel> panels = new ArrayList<>();
        panels.add(new Panel("Mbit/s per peer core (higher is better; ratio to OpenVPN ↔ OpenVPN)", "Mbit/s per core", groups(core)));
        panels.add(new Panel("Ping RTT through the tunnel, idle, ms (lower is better): average, whisker min–max", "ms", groups(rtt)));
        if (!loaded.isEmpty()) {
            panels.add(new Panel("Ping RTT under load (beside the measured iperf3 stream), average ms (lower is better)", "ms", groups(loaded)));
        }
        return panels;
    }

    static List<Panel> serverPanels(List<String[]> rows) {
        Map<String, List<Bar>> core = new LinkedHashMap<>();
        Map<String, List<Bar>> sum = new LinkedHashMap<>();
        Map<String, Double> refCore = new LinkedHashMap<>();
        Map<String, Double> refSum = new LinkedHashMap<>();
        for (String[] r : rows) {
            String[] p = r[0].split("-");
            if (p.length == 3 && p[0].equals("openvpn")) {
                refCore.put(p[1] + p[2], number(field(r, 3)));
                refSum.put(p[1] + p[2], number(field(r, 1)));
            }
        }
        for (String[] r : rows) {
            String[] p = r[0].split("-");
            if (p.length != 3) {
                continue;
            }
            int series = p[0].equals("openvpn") ? 0 : 1;
            String g = p[1] + (p[1].equals("1") ? " client, " : " clients, ") + (p[2].equals("up") ? "client → server" : "server → client");
            add(core, g, r[0], series, number(field(r, 3)), refCore.get(p[1] + p[2]));
            add(sum, g, r[0], series, number(field(r, 1)), refSum.get(p[1] + p[2]));
        }
        List<Panel> panels = new ArrayList<>();
        panels.add(new Panel("Mbit/s per server core (higher is better; ratio to OpenVPN's server)", "Mbit/s per core", groups(core)));
        panels.add(new Panel("Mbit/s, sum of the clients' streams", "Mbit/s", groups(sum)));
        return panels;
    }

    private static void add(Map<String, List<Bar>> map, String group, String row, int series, double value, Double ref) {
        if (!(value > 0)) {
            return;
        }
        String note = fmt(value) + (series > 0 && ref != null && ref > 0 ? String.format(Locale.ROOT, " (%.2f×)", value / ref) : "");
        map.computeIfAbsent(group, k -> new ArrayList<>()).add(new Bar(row, series, value, Double.NaN, Double.NaN, note));
    }

    private static List<Group> groups(Map<String, List<Bar>> map) {
        List<Group> out = new ArrayList<>();
        map.forEach((k, v) -> out.add(new Group(groupName(k), v)));
        return out;
    }

    /** 0, 1, 2 for the three pairs; -1 for a row outside them (raw veth). */
    private static int series(String label) {
        for (int i = 0; i < PAIRS.length; i++) {
            if (label.startsWith(PAIRS[i])) {
                return i;
            }
        }
        return -1;
    }

    private static String group(String label) {
        int s = series(label);
        return s < 0 ? label : label.substring(PAIRS[s].length());
    }

    /** The group's name as a reader knows it. */
    private static String groupName(String g) {
        switch (g) {
            case "raw-veth": return "raw veth";
            case "aes256cbc-sha256": return "static AES-256-CBC + SHA256";
            case "none": return "static none / none";
            case "tls-aes256gcm": return "TLS AES-256-GCM";
            case "tls-chacha20poly1305": return "TLS CHACHA20-POLY1305";
            default: return g;
        }
    }

    private static String field(String[] r, int i) {
        return i < r.length ? r[i].trim() : "";
    }

    /** The leading number of a field ("1294 (1145-1330)" gives 1294); NaN for "-", "FAILED" or nothing. */
    static double number(String s) {
        int end = 0;
        while (end < s.length() && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.')) {
            end++;
        }
        if (end == 0) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s.substring(0, end));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    private String render(String title, List<Panel> panels) {
        int height = TOP + panels.size() * (PANEL_HEIGHT + GAP) - GAP + 10;
        StringBuilder s = new StringBuilder();
        s.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">\n", WIDTH, height, WIDTH, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", WIDTH, height));
        s.append(String.format(Locale.ROOT, "<text class=\"title\" x=\"%d\" y=\"20\" font-size=\"13\" font-weight=\"bold\">%s</text>\n", LEFT, esc(title)));
        int lx = LEFT;
        for (int i = 0; i < seriesNames.length; i++) {
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"32\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text class=\"legend\" x=\"%d\" y=\"42\">%s</text>\n", lx, COLOURS[i], lx + 16, esc(seriesNames[i])));
            lx += 30 + 7 * seriesNames[i].length();
        }
        int y = TOP;
        for (Panel p : panels) {
            panel(s, p, y);
            y += PANEL_HEIGHT + GAP;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private void panel(StringBuilder s, Panel p, int top) {
        int plotTop = top + 30;
        int plotHeight = PANEL_HEIGHT - 40;
        int bottom = plotTop + plotHeight;
        int plotWidth = WIDTH - LEFT - RIGHT;
        s.append(String.format(Locale.ROOT, "<text class=\"panel-title\" x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\">%s</text>\n",
                LEFT, top + 14, esc(p.title())));
        double max = 0;
        for (Group g : p.groups()) {
            for (Bar b : g.bars()) {
                max = Math.max(max, Math.max(b.value(), nz(b.high())));
            }
        }
        double step = niceStep(max > 0 ? max : 1);
        double top_ = Math.ceil((max > 0 ? max * 1.12 : 1) / step) * step;
        for (double v = 0; v <= top_ + step / 2; v += step) {
            double yy = bottom - v / top_ * plotHeight;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT, yy, WIDTH - RIGHT, yy, LEFT - 6, yy + 4, fmtTick(v, step)));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s</text>\n",
                plotTop + plotHeight / 2, plotTop + plotHeight / 2, esc(p.unit())));
        int groups = Math.max(1, p.groups().size());
        double groupWidth = (double) plotWidth / groups;
        double barWidth = Math.min(46, groupWidth * 0.8 / seriesNames.length);
        for (int gi = 0; gi < p.groups().size(); gi++) {
            Group g = p.groups().get(gi);
            double gx = LEFT + gi * groupWidth;
            double start = gx + (groupWidth - barWidth * seriesNames.length) / 2;
            for (Bar b : g.bars()) {
                double x = start + b.series() * barWidth;
                double h = b.value() / top_ * plotHeight;
                s.append(String.format(Locale.ROOT, "<rect class=\"bar\" data-row=\"%s\" data-value=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s</title></rect>\n",
                        esc(b.row()), fmt(b.value()), x + 1, bottom - h, barWidth - 2, h, COLOURS[b.series()], esc(b.row()), esc(b.note())));
                double cx = x + barWidth / 2;
                double labelY = bottom - h - 4;
                if (!Double.isNaN(b.low()) && !Double.isNaN(b.high())) {
                    double y1 = bottom - b.low() / top_ * plotHeight;
                    double y2 = bottom - b.high() / top_ * plotHeight;
                    s.append(String.format(Locale.ROOT, "<line class=\"whisker\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
                            + "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", cx, y1, cx, y2, cx - 4, y2, cx + 4, y2));
                    labelY = Math.min(labelY, y2 - 4);
                }
                s.append(String.format(Locale.ROOT, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"9\" transform=\"rotate(-60 %.1f %.1f)\">%s</text>\n",
                        cx, labelY, cx, labelY, esc(b.note())));
            }
            s.append(String.format(Locale.ROOT, "<text class=\"group\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    gx + groupWidth / 2, bottom + 16, esc(g.name())));
        }
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", LEFT, bottom, WIDTH - RIGHT, bottom));
    }

    private static double nz(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /** 1, 2 or 5 times a power of ten, giving 4 to 10 ticks. */
    private static double niceStep(double max) {
        double raw = max / 5;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
    }

    private static String fmtTick(double v, double step) {
        return step >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%." + (int) Math.ceil(-Math.log10(step)) + "f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
