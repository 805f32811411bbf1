package org.culvert.api.tunnel;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service: register one to be told of every tunnel's state changes. Called on the
 * tunnel's own thread, in order; must return quickly and must not call back into the tunnel's
 * stop. Exceptions are logged and ignored.
 */
@ConsumerType
public interface TunnelListener {
    void stateChanged(Tunnel tunnel, TunnelStatus previous, TunnelStatus current);
}
