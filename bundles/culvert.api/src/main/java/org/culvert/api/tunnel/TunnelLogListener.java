package org.culvert.api.tunnel;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives one tunnel's log lines as they are written ({@link Tunnel#addLogListener}). Called on the
 * thread that logs (often the tunnel's own); must return quickly and must not block. Exceptions are ignored.
 */
@ConsumerType
@FunctionalInterface
public interface TunnelLogListener {
    void logged(Tunnel tunnel, TunnelLogEntry entry);
}
