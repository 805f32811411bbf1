package org.culvert.api.tunnel;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/** A configured tunnel, registered as a service by the core while it exists. Thread-safe. */
@ProviderType
public interface Tunnel {
    /** Service property carrying {@link #name()}. */
    String NAME_PROPERTY = "culvert.tunnel.name";

    String name();

    TunnelStatus status();

    TunnelCounters counters();

    /**
     * The plugins in use, by kind ({@code tun-driver}, {@code event-backend}, {@code link-transport}) to
     * name; empty while waiting.
     */
    Map<String, String> plugins();

    /**
     * The kernel offloads the tun device and the link socket in use take ({@code tun: ...; link: ...},
     * from {@code TunDevice.offloads()} and {@code LinkSocket.offloads()}), read when asked, since GRO
     * or GSO may turn off while the tunnel runs; empty while no device and link are open.
     *
     * @since tunnel 1.6
     */
    default String offloads() {
        return "";
    }

    /** The tun device's OS name while it is open, else null. */
    String deviceName();

    /** Addresses and handshake time of the current connection; {@link TunnelConnection#NONE} while not connected. */
    TunnelConnection connection();

    /**
     * OpenVPN's client state history of this tunnel, oldest first: the newest steps (at most 100, as
     * OpenVPN's management keeps), each as {@code state all} shows it.
     */
    default List<ClientStatus> clientStates() {
        ClientStatus c = status().clientState();
        return c == null ? List.of() : List.of(c);
    }

    /** The configuration's --management, --status, --verb and --mute settings. */
    TunnelOperations operations();

    /**
     * Delivers an OpenVPN signal to this tunnel: SIGUSR1 and SIGHUP restart it (reason USER_RESTART),
     * SIGUSR2 logs its statistics, SIGTERM stops it (reason USER_STOP). Returns at once; watch the state.
     */
    void signal(TunnelSignal signal);

    /**
     * The hold flag (OpenVPN's {@code --management-hold}, {@code hold on|off}): while set, the tunnel
     * waits before each (re)connection, in WAITING with reason MANAGEMENT_HOLD, until {@link #releaseHold()}.
     */
    boolean holdFlag();

    void setHoldFlag(boolean hold);

    /** True while the tunnel waits for a hold release. */
    boolean isHolding();

    /**
     * Lets a held tunnel go on (OpenVPN's {@code hold release}). A release given before the hold
     * begins is kept, as OpenVPN keeps it, so the next hold passes at once.
     */
    void releaseHold();

    /**
     * The tunnel's pending request for {@code --auth-user-pass} credentials, if it waits for them (for
     * surfaces that answer on demand: the shell's {@code tunnel:auth}, a management client).
     *
     * @since 1.4
     */
    default java.util.Optional<CredentialsRequest> pendingCredentials() {
        return java.util.Optional.empty();
    }

    /** The newest log lines, oldest first, at most --management-log-cache of them. */
    List<TunnelLogEntry> recentLog();

    /** Adds a listener for this tunnel's log lines; adding one twice adds it once. */
    void addLogListener(TunnelLogListener listener);

    void removeLogListener(TunnelLogListener listener);

    /**
     * The server side of a tunnel run in server mode ({@code server}, {@code mode server}): its
     * clients and routes; empty for a point-to-point or client tunnel.
     */
    default java.util.Optional<TunnelServer> server() {
        return java.util.Optional.empty();
    }
}
