package org.culvert.api.tunnel;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service: register one to be told of every server's client events. Called off the data
 * threads, in order per server; must return quickly. Exceptions are logged and ignored.
 */
@ConsumerType
public interface ServerClientListener {
    void clientEvent(Tunnel server, ServerClientEvent event);
}
