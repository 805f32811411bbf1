package org.culvert.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.testkit.ScriptedTunnel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TunnelLogPrinterTest {
    private static TunnelLogEntry entry(String message) {
        return new TunnelLogEntry(Instant.now(), TunnelLogEntry.Level.INFO, message);
    }

    /**
     * The tunnel's thread logs (holding its log's lock, as the core does) while the printer reads the
     * history: the printer must not hold its own lock then, or the two threads deadlock (seen in the
     * headless command at start-up).
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aLineLoggedWhileTheHistoryIsReadIsPrintedOnceAfterItWithoutDeadlock() throws Exception {
        TunnelLogEntry old = entry("from before");
        TunnelLogEntry during = entry("logged by the tunnel thread during attach");
        boolean[] finished = new boolean[1];
        ScriptedTunnel tunnel = new ScriptedTunnel("office") {
            @Override
            public List<TunnelLogEntry> recentLog() {
                List<TunnelLogEntry> history = super.recentLog();
                // Another thread logs now and must be able to hand the line to the printer.
                Thread logger = new Thread(() -> logLine(during));
                logger.start();
                try {
                    logger.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                finished[0] = !logger.isAlive();
                return history;
            }
        };
        tunnel.logLine(old);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TunnelLogPrinter.attach(tunnel, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        tunnel.logLine(entry("after attach"));

        assertTrue(finished[0], "the logging thread was blocked by the printer while it read the history");
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().map(l -> l.substring(l.indexOf('[')))
                .collect(Collectors.toList());
        assertEquals(List.of("[office] from before", "[office] logged by the tunnel thread during attach", "[office] after attach"), lines);
    }

    @Test
    void aLineInBothTheHistoryAndTheListenerIsPrintedOnce() {
        TunnelLogEntry both = entry("in both");
        ScriptedTunnel tunnel = new ScriptedTunnel("lab") {
            @Override
            public List<TunnelLogEntry> recentLog() {
                logLine(both); // reaches the listener and the history
                return super.recentLog();
            }
        };
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TunnelLogPrinter.attach(tunnel, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.lines().count(), out);
        assertFalse(out.isEmpty());
    }
}
