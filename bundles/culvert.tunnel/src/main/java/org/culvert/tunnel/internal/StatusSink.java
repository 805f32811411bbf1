package org.culvert.tunnel.internal;

import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;

/** Where a runner reports its state; the tunnel component publishes it and tells listeners. */
interface StatusSink {
    void status(TunnelState state, TunnelReason reason, String detail);

    /** The plugins in use, or null values while none. */
    void plugins(String driver, String backend, String transport, String deviceName);

    /** The current connection (addresses, last handshake); {@link TunnelConnection#NONE} between runs. */
    default void connection(TunnelConnection connection) {
    }
}
