package org.culvert.tunnel.internal;

/**
 * The tunnel's log, one line per event (never per packet). Messages are prefixed with the tunnel
 * name so that several tunnels in one process stay readable. Keys are never passed here.
 */
final class TunnelLog {
    private static final System.Logger LOG = System.getLogger("org.culvert.tunnel");
    private final String prefix;

    TunnelLog(String tunnelName) {
        this.prefix = "[" + tunnelName + "] ";
    }

    void info(String message) {
        LOG.log(System.Logger.Level.INFO, prefix + message);
    }

    void warn(String message) {
        LOG.log(System.Logger.Level.WARNING, prefix + message);
    }

    void error(String message, Throwable t) {
        LOG.log(System.Logger.Level.ERROR, prefix + message, t);
    }

    void debug(String message) {
        LOG.log(System.Logger.Level.DEBUG, prefix + message);
    }
}
