package org.culvert.jmx;

import java.util.Date;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One tunnel as JMX shows it, registered in the platform MBeanServer under
 * {@code org.culvert:type=Tunnel,name=<quoted tunnel name>} (see {@link TunnelMBeans}) for as long as
 * the tunnel service exists. Every attribute is read from the tunnel's live snapshot when it is asked
 * for; nothing is cached or polled. Attributes that do not apply right now (no device, no handshake
 * yet, no link) are null. Called on whatever thread the JMX connector uses; the implementation is
 * thread-safe.
 */
@ProviderType
public interface TunnelMXBean {
    /** The tunnel's name, as in its configuration. */
    String getName();

    /** {@link org.culvert.api.tunnel.TunnelState} name, e.g. {@code UP}. */
    String getState();

    /** {@link org.culvert.api.tunnel.TunnelReason} name, {@code NONE} when there is nothing to say. */
    String getReason();

    /** One human-readable line about the state; may be empty. */
    String getDetail();

    /** When the tunnel entered its current state. */
    Date getStateSince();

    /** The tun device's OS name while it is open, else null. */
    String getDeviceName();

    /** Plugin kind ({@code tun-driver}, {@code event-backend}, {@code link-transport}) to plugin name; empty while waiting. */
    Map<String, String> getPlugins();

    /**
     * The kernel offloads the tun device and the link socket use, {@code tun: ...; link: ...} (as in
     * {@code tunnel:status}); null while no device is open.
     *
     * @since 1.3
     */
    String getOffloads();

    long getTunReadBytes();

    long getTunReadPackets();

    long getTunWriteBytes();

    long getTunWritePackets();

    long getLinkReadBytes();

    long getLinkReadPackets();

    long getLinkWriteBytes();

    long getLinkWritePackets();

    /** Link bytes of packets that passed authentication (OpenVPN's "Auth read bytes"). */
    long getLinkAuthReadBytes();

    long getRestarts();

    /** Drops by cause: every {@link org.culvert.api.tunnel.DropReason} name, 0 for causes never seen. */
    Map<String, Long> getDrops();

    long getTotalDrops();

    /** When data-channel keys were last made, or null before the first handshake. */
    Date getLastHandshake();

    /** The link socket's local address ({@code host:port}, IPv6 in brackets), or null. */
    String getLinkLocal();

    /** The peer's link address, or null while unknown. */
    String getLinkRemote();

    /** The local tunnel IPv4 address (--ifconfig), or null. */
    String getTunLocalIpv4();

    /** The peer's tunnel IPv4 address, or null. */
    String getTunRemoteIpv4();

    /** The local tunnel IPv6 address, or null. */
    String getTunLocalIpv6();

    /**
     * OpenVPN's client state ({@link org.culvert.api.tunnel.ClientState} name: CONNECTING, WAIT, AUTH,
     * GET_CONFIG, ASSIGN_IP, CONNECTED, RECONNECTING, EXITING, ...), as OpenVPN's management
     * {@code state} shows it; null before the first.
     */
    String getClientState();

    /** OpenVPN's detail for the client state (SUCCESS, ping-restart, SIGTERM, ...); may be empty; null before the first. */
    String getClientStateDescription();

    /** True when the server pushed the configuration in effect ({@link #getSettings()}). */
    boolean isSettingsPushed();

    /**
     * The configuration in effect, one line each as an option would say it ({@code ifconfig ...},
     * {@code route ...}, {@code dns ...}, {@code cipher ...}, {@code peer-id ...}, then
     * {@code pushed: ...} for each pushed option); empty when not connected.
     */
    java.util.List<String> getSettings();

    /** Soft restart, as OpenVPN's SIGUSR1: reconnect with the same configuration. Returns at once. */
    void restart();

    /** Hard restart, as OpenVPN's SIGHUP: re-read the configuration and start over. Returns at once. */
    void hardRestart();
}
