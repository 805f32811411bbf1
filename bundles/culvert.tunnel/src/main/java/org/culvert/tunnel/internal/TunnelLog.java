package org.culvert.tunnel.internal;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelLogEntry.Level;
import org.culvert.api.tunnel.TunnelLogListener;

/**
 * One tunnel's log, one line per event (never per packet). Lines pass OpenVPN's {@code --verb} and
 * {@code --mute} filters, then go to the OSGi log service when one is bound (logger
 * {@code org.culvert.tunnel.<name>}), else to {@code System.Logger}, and to the tunnel's log listeners
 * and history (the management interface's {@code log on|all}). Keys are never passed here.
 * Thread-safe: the tunnel thread, SCR threads and operators' threads all log.
 */
final class TunnelLog {
    /** OpenVPN's verbosity at which each kind of line starts to show (errors and warnings always show). */
    static final int VERB_INFO = 1;
    static final int VERB_DETAIL = 3;
    static final int VERB_DEBUG = 5;

    /** Where accepted lines go besides listeners and history: the OSGi log or System.Logger. */
    interface Output {
        void write(Level level, String message, Throwable t);
    }

    private static final System.Logger FALLBACK = System.getLogger("org.culvert.tunnel");

    private final String prefix;
    private final List<TunnelLogListener> listeners = new CopyOnWriteArrayList<>();
    private final ArrayDeque<TunnelLogEntry> history = new ArrayDeque<>();
    private volatile Output output;
    private volatile Tunnel tunnel;
    private int verb = 1;
    private int mute;
    private int historySize = org.culvert.openvpn.config.Management.DEFAULT_LOG_CACHE;
    // --mute state, guarded by this.
    private String muteCategory;
    private int muteRun;
    private int muteSuppressed;

    TunnelLog(String tunnelName) {
        this.prefix = "[" + tunnelName + "] ";
    }

    /** Applies --verb, --mute and --management-log-cache. */
    synchronized void configure(int verbosity, int muteLimit, int historyLines) {
        verb = verbosity;
        mute = muteLimit;
        historySize = Math.max(1, historyLines);
        while (history.size() > historySize) {
            history.removeFirst();
        }
    }

    /** The OSGi log to write to, or null to use System.Logger. */
    void output(Output o) {
        output = o;
    }

    /** The tunnel handed to log listeners. */
    void tunnel(Tunnel t) {
        tunnel = t;
    }

    void addListener(TunnelLogListener l) {
        if (!listeners.contains(l)) {
            listeners.add(l);
        }
    }

    void removeListener(TunnelLogListener l) {
        listeners.remove(l);
    }

    synchronized List<TunnelLogEntry> recent() {
        return new ArrayList<>(history);
    }

    void fatal(String message) {
        log(Level.FATAL, 0, message, null);
    }

    void error(String message, Throwable t) {
        log(Level.ERROR, 0, message, t);
    }

    void warn(String message) {
        log(Level.WARNING, 0, message, null);
    }

    void info(String message) {
        log(Level.INFO, VERB_INFO, message, null);
    }

    /** Shown from verb 3, like OpenVPN's handshake and route details. */
    void detail(String message) {
        log(Level.INFO, VERB_DETAIL, message, null);
    }

    void debug(String message) {
        log(Level.DEBUG, VERB_DEBUG, message, null);
    }

    private void log(Level level, int minimumVerb, String message, Throwable t) {
        String suppressedNote = null;
        TunnelLogEntry entry;
        synchronized (this) {
            if (verb < minimumVerb) {
                return;
            }
            if (mute > 0) {
                String category = category(message);
                if (category.equals(muteCategory)) {
                    if (++muteRun > mute) {
                        muteSuppressed++;
                        return;
                    }
                } else {
                    if (muteSuppressed > 0) {
                        // OpenVPN's own wording, so log readers recognise it.
                        suppressedNote = muteSuppressed + " variation(s) on previous " + mute + " message(s) suppressed by --mute";
                    }
                    muteCategory = category;
                    muteRun = 1;
                    muteSuppressed = 0;
                }
            }
            if (suppressedNote != null) {
                emit(new TunnelLogEntry(Instant.now(), Level.INFO, suppressedNote), null);
            }
            entry = new TunnelLogEntry(Instant.now(), level, message);
            emit(entry, t);
        }
    }

    /** Called with the monitor held so that history, outputs and listeners see lines in one order. */
    private void emit(TunnelLogEntry entry, Throwable t) {
        history.addLast(entry);
        if (history.size() > historySize) {
            history.removeFirst();
        }
        Output o = output;
        String line = prefix + entry.message();
        if (o != null) {
            o.write(entry.level(), line, t);
        } else {
            FALLBACK.log(systemLevel(entry.level()), line, t);
        }
        Tunnel tn = tunnel;
        for (TunnelLogListener l : listeners) {
            try {
                l.logged(tn, entry);
            } catch (RuntimeException e) {
                // A listener's failure must not stop the tunnel's logging; it is told nothing more.
            }
        }
    }

    /** Lines that differ only in numbers (counts, addresses, ports) are one --mute category. */
    private static String category(String message) {
        StringBuilder b = new StringBuilder(Math.min(message.length(), 64));
        for (int i = 0; i < message.length() && b.length() < 64; i++) {
            char c = message.charAt(i);
            if (c < '0' || c > '9') {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static System.Logger.Level systemLevel(Level level) {
        switch (level) {
            case FATAL:
            case ERROR:
                return System.Logger.Level.ERROR;
            case WARNING:
                return System.Logger.Level.WARNING;
            case DEBUG:
                return System.Logger.Level.DEBUG;
            default:
                return System.Logger.Level.INFO;
        }
    }
}
