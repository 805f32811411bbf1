package org.culvert.management.internal;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;

import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.culvert.testkit.ScriptedTunnel;

/** The test kit's hand-driven tunnel, starting CONNECTING on device tun-fake, with this module's fixtures. */
final class FakeTunnel extends ScriptedTunnel {
    private volatile org.culvert.api.tunnel.TunnelServer server;

    /** Makes this a server-mode tunnel. */
    void setServer(org.culvert.api.tunnel.TunnelServer value) {
        server = value;
    }

    @Override
    public java.util.Optional<org.culvert.api.tunnel.TunnelServer> server() {
        return java.util.Optional.ofNullable(server);
    }

    FakeTunnel(String name, TunnelOperations operations) {
        super(name, operations);
        setStatus(new TunnelStatus(TunnelState.CONNECTING, TunnelReason.NONE, "", Instant.ofEpochSecond(1_700_000_000)));
        setDeviceName("tun-fake");
    }

    static TunnelCounters counters(long tunRead, long tunWrite, long linkRead, long linkWrite, long authRead) {
        return new TunnelCounters(1, tunRead, 1, tunWrite, 1, linkRead, 1, linkWrite, Map.of(), 0, authRead);
    }

    /** The connection a static-key p2p tunnel reports: tun 10.8.0.1, link 192.0.2.1:1194 -> 192.0.2.2:1194. */
    static TunnelConnection staticKeyConnection() {
        return new TunnelConnection(new InetSocketAddress("192.0.2.1", 1194), new InetSocketAddress("192.0.2.2", 1194), "10.8.0.1",
                "10.8.0.2", null, Instant.ofEpochSecond(1_700_000_010), "static-key", "");
    }
}
