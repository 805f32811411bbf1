package org.culvert.e2e;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The counters line Culvert logs when a tunnel stops, e.g.
 * {@code counters: tun read 12p/1008B, tun write 10p/840B, link read 25p/3000B, link write 14p/1900B,
 * drops {AUTH_FAILED=3, REPLAY=2}, restarts 0} (the format of {@code TunnelCounters.toString()}).
 * Only the last such line of a log counts: it describes the whole run.
 */
public record CulvertCounters(long tunReadPackets, long tunWritePackets, long linkReadPackets, long linkWritePackets,
        Map<String, Long> drops, long restarts) {

    private static final Pattern LINE = Pattern.compile("counters: (.*)$", Pattern.MULTILINE);
    private static final Pattern TUN_READ = Pattern.compile("tun read (\\d+)p/\\d+B");
    private static final Pattern TUN_WRITE = Pattern.compile("tun write (\\d+)p/\\d+B");
    private static final Pattern LINK_READ = Pattern.compile("link read (\\d+)p/\\d+B");
    private static final Pattern LINK_WRITE = Pattern.compile("link write (\\d+)p/\\d+B");
    private static final Pattern DROPS = Pattern.compile("drops \\{([^}]*)\\}");
    private static final Pattern DROP = Pattern.compile("\\s*([A-Z_]+)=(\\d+)\\s*");
    private static final Pattern RESTARTS = Pattern.compile("restarts (\\d+)");

    public long drops(String reason) {
        return drops.getOrDefault(reason, 0L);
    }

    public long totalDrops() {
        long t = 0;
        for (long v : drops.values()) {
            t += v;
        }
        return t;
    }

    /** Parses the last counters line of {@code log}; throws if there is none or it is malformed. */
    public static CulvertCounters parseLast(String log) {
        Matcher m = LINE.matcher(log);
        String line = null;
        while (m.find()) {
            line = m.group(1);
        }
        if (line == null) {
            throw new IllegalArgumentException("no 'counters:' line in the log");
        }
        Map<String, Long> drops = new LinkedHashMap<>();
        Matcher d = DROPS.matcher(line);
        if (!d.find()) {
            throw new IllegalArgumentException("no drops {...} in counters line: " + line);
        }
        String body = d.group(1).trim();
        if (!body.isEmpty()) {
            for (String entry : body.split(",")) {
                Matcher e = DROP.matcher(entry);
                if (!e.matches()) {
                    throw new IllegalArgumentException("bad drop entry '" + entry + "' in counters line: " + line);
                }
                drops.put(e.group(1), Long.parseLong(e.group(2)));
            }
        }
        return new CulvertCounters(field(TUN_READ, line), field(TUN_WRITE, line), field(LINK_READ, line), field(LINK_WRITE, line),
                Collections.unmodifiableMap(drops), field(RESTARTS, line));
    }

    private static long field(Pattern p, String line) {
        Matcher m = p.matcher(line);
        if (!m.find()) {
            throw new IllegalArgumentException("counters line lacks /" + p.pattern() + "/: " + line);
        }
        return Long.parseLong(m.group(1));
    }
}
