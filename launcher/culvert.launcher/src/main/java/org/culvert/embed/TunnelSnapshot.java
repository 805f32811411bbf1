package org.culvert.embed;

import java.net.SocketAddress;
import java.util.Map;
import java.util.Objects;

import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelSettings;
import org.culvert.api.tunnel.TunnelStatus;

/**
 * One tunnel at one moment: its status with reason, traffic counters, connection (link and tunnel
 * addresses, last handshake, role), the plugins it uses and its device. Immutable; each part is read
 * from the tunnel separately, so two parts may differ by what happened in between.
 */
public final class TunnelSnapshot {
    private final String name;
    private final TunnelStatus status;
    private final TunnelCounters counters;
    private final TunnelConnection connection;
    private final Map<String, String> plugins;
    private final String deviceName;

    public TunnelSnapshot(String name, TunnelStatus status, TunnelCounters counters, TunnelConnection connection,
            Map<String, String> plugins, String deviceName) {
        this.name = Objects.requireNonNull(name, "name");
        this.status = Objects.requireNonNull(status, "status");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.connection = connection == null ? TunnelConnection.NONE : connection;
        this.plugins = Map.copyOf(plugins == null ? Map.of() : plugins);
        this.deviceName = deviceName;
    }

    /** Reads every part from {@code tunnel} now. */
    static TunnelSnapshot of(Tunnel tunnel) {
        return new TunnelSnapshot(tunnel.name(), tunnel.status(), tunnel.counters(), tunnel.connection(), tunnel.plugins(),
                tunnel.deviceName());
    }

    public String name() {
        return name;
    }

    /** State, reason, detail and since when. */
    public TunnelStatus status() {
        return status;
    }

    /** Bytes and packets each way on the tun device and on the link, drops by cause, restarts. */
    public TunnelCounters counters() {
        return counters;
    }

    /** Link addresses, tunnel IPs, last handshake, role; {@link TunnelConnection#NONE} while not connected. */
    public TunnelConnection connection() {
        return connection;
    }

    /** OpenVPN's client state (CONNECTED, RECONNECTING, ...) with its description and addresses; null before the first. */
    public ClientStatus clientState() {
        return status.clientState();
    }

    /** The server (the peer's link address), or null while not known. */
    public SocketAddress server() {
        return connection.linkRemote();
    }

    /** The configuration in effect: addresses, routes, DNS, cipher, peer-id and the options the server pushed. */
    public TunnelSettings settings() {
        return connection.settings();
    }

    /** Plugin names by kind ({@code tun-driver}, {@code event-backend}, {@code link-transport}); empty while waiting. */
    public Map<String, String> plugins() {
        return plugins;
    }

    /** The tun device's OS name while it is open, else null. */
    public String deviceName() {
        return deviceName;
    }

    @Override
    public String toString() {
        return name + " " + status + (deviceName == null ? "" : " on " + deviceName) + "; " + counters + "; " + connection;
    }
}
