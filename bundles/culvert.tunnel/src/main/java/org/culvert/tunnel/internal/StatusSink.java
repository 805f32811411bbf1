package org.culvert.tunnel.internal;

import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;

/** Where a runner reports its state; the tunnel component publishes it and tells listeners. */
interface StatusSink {
    void status(TunnelState state, TunnelReason reason, String detail);

    /** The plugins in use, or null values while none. */
    void plugins(String driver, String backend, String transport, String deviceName);

    /**
     * The kernel offloads the device and the link socket use ({@code TunDevice.offloads()},
     * {@code LinkSocket.offloads()}), told after {@link #plugins} with the same plugins; cleared with them.
     * Read each time the status is shown: GRO or GSO may turn off while the tunnel runs.
     */
    default void offloads(java.util.function.Supplier<String> tun, java.util.function.Supplier<String> link) {
    }

    /** The current connection (addresses, last handshake); {@link TunnelConnection#NONE} between runs. */
    default void connection(TunnelConnection connection) {
    }

    /**
     * One step of OpenVPN's client state sequence, at the moment OpenVPN sets it (its
     * {@code management_set_state} calls). The sink adds the addresses OpenVPN gives with the state
     * from the current {@link #connection}: publish the connection first (the tun addresses before
     * ASSIGN_IP, pushed ones included; the link before CONNECTED).
     *
     * @param description OpenVPN's detail: SUCCESS or ERROR for CONNECTED, the reason for RECONNECTING and EXITING, else empty
     */
    default void clientState(ClientState state, String description) {
    }

    /** A step without description: {@code sink.clientState(ClientState.GET_CONFIG)}. */
    default void clientState(ClientState state) {
        clientState(state, "");
    }

    /** A change of state that is also a step of OpenVPN's sequence (RECONNECTING, EXITING), told to listeners once. */
    default void status(TunnelState state, TunnelReason reason, String detail, ClientState clientState, String description) {
        clientState(clientState, description);
        status(state, reason, detail);
    }
}
