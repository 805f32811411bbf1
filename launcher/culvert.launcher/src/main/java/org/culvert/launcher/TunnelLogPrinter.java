package org.culvert.launcher;

import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelLogListener;

/**
 * Prints one tunnel's log lines on the console, as {@code openvpn} does, in the format the headless
 * command always used ({@code 2026-11-25 13:20:21 [name] message}). The lines come from the tunnel's
 * log listener, so they are the ones --verb and --mute let through, whether or not the framework has
 * an OSGi log service.
 */
final class TunnelLogPrinter implements TunnelLogListener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final PrintStream out;
    /** Lines logged while the history is being read: printed after it, those not in it. Null once attached. */
    private List<TunnelLogEntry> pending;

    private TunnelLogPrinter(PrintStream out) {
        this.out = out;
    }

    /** Prints what the tunnel logged so far, then every new line; no line twice, none lost in between. */
    static TunnelLogPrinter attach(Tunnel tunnel, PrintStream out) {
        TunnelLogPrinter p = new TunnelLogPrinter(out);
        synchronized (p) {
            p.pending = new ArrayList<>();
        }
        tunnel.addLogListener(p);
        // Read the history without holding this printer's lock: the tunnel calls logged() with its
        // log's lock held, so taking the two locks in the other order here deadlocks the tunnel.
        List<TunnelLogEntry> history = tunnel.recentLog();
        synchronized (p) {
            // Identity: history and listener share entries; a line may be in both.
            Set<TunnelLogEntry> printed = Collections.newSetFromMap(new IdentityHashMap<>());
            for (TunnelLogEntry e : history) {
                if (printed.add(e)) {
                    p.print(tunnel, e);
                }
            }
            for (TunnelLogEntry e : p.pending) {
                if (printed.add(e)) {
                    p.print(tunnel, e);
                }
            }
            p.pending = null;
        }
        return p;
    }

    @Override
    public synchronized void logged(Tunnel tunnel, TunnelLogEntry entry) {
        if (pending != null) {
            pending.add(entry);
            return;
        }
        print(tunnel, entry);
    }

    private void print(Tunnel tunnel, TunnelLogEntry e) {
        out.println(TIME.format(LocalDateTime.ofInstant(e.time(), ZoneId.systemDefault())) + " [" + tunnel.name() + "] " + e.message());
        out.flush();
    }
}
