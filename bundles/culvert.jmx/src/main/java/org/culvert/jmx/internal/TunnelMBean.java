package org.culvert.jmx.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;


import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelStatus;
import org.culvert.jmx.TunnelMXBean;

/**
 * The MXBean of one tunnel: a thin view that asks the tunnel for a fresh snapshot on every
 * attribute read, so JMX never shows stale numbers and no thread polls. A {@link DescribedMBean}
 * subclass only to give consoles a description for each attribute and operation.
 */
final class TunnelMBean extends DescribedMBean implements TunnelMXBean {
    private static final Map<String, String> DESCRIPTIONS = descriptions();

    private final Tunnel tunnel;

    TunnelMBean(Tunnel tunnel) {
        super(TunnelMXBean.class, DESCRIPTIONS);
        this.tunnel = tunnel;
    }

    Tunnel tunnel() {
        return tunnel;
    }

    @Override
    public String getName() {
        return tunnel.name();
    }

    @Override
    public String getState() {
        return tunnel.status().state().name();
    }

    @Override
    public String getReason() {
        return tunnel.status().reason().name();
    }

    @Override
    public String getDetail() {
        return tunnel.status().detail();
    }

    @Override
    public Date getStateSince() {
        TunnelStatus s = tunnel.status();
        return date(s.since());
    }

    @Override
    public String getDeviceName() {
        return tunnel.deviceName();
    }

    @Override
    public Map<String, String> getPlugins() {
        Map<String, String> p = tunnel.plugins();
        return p == null ? Collections.emptyMap() : p;
    }

    @Override
    public String getOffloads() {
        String offloads = tunnel.offloads();
        return offloads == null || offloads.isEmpty() ? null : offloads;
    }

    @Override
    public long getTunReadBytes() {
        return tunnel.counters().tunReadBytes();
    }

    @Override
    public long getTunReadPackets() {
        return tunnel.counters().tunReadPackets();
    }

    @Override
    public long getTunWriteBytes() {
        return tunnel.counters().tunWriteBytes();
    }

    @Override
    public long getTunWritePackets() {
        return tunnel.counters().tunWritePackets();
    }

    @Override
    public long getLinkReadBytes() {
        return tunnel.counters().linkReadBytes();
    }

    @Override
    public long getLinkReadPackets() {
        return tunnel.counters().linkReadPackets();
    }

    @Override
    public long getLinkWriteBytes() {
        return tunnel.counters().linkWriteBytes();
    }

    @Override
    public long getLinkWritePackets() {
        return tunnel.counters().linkWritePackets();
    }

    @Override
    public long getLinkAuthReadBytes() {
        return tunnel.counters().linkAuthReadBytes();
    }

    @Override
    public long getRestarts() {
        return tunnel.counters().restarts();
    }

    @Override
    public Map<String, Long> getDrops() {
        TunnelCounters c = tunnel.counters();
        // Every cause, zeros included: monitoring tools graph a fixed set of rows better than rows that appear.
        Map<String, Long> drops = new LinkedHashMap<>();
        for (DropReason r : DropReason.values()) {
            drops.put(r.name(), c.drops(r));
        }
        return drops;
    }

    @Override
    public long getTotalDrops() {
        return tunnel.counters().totalDrops();
    }

    @Override
    public Date getLastHandshake() {
        return date(connection().lastHandshake());
    }

    @Override
    public String getLinkLocal() {
        return address(connection().linkLocal());
    }

    @Override
    public String getLinkRemote() {
        return address(connection().linkRemote());
    }

    @Override
    public String getTunLocalIpv4() {
        return connection().tunLocalIpv4();
    }

    @Override
    public String getTunRemoteIpv4() {
        return connection().tunRemoteIpv4();
    }

    @Override
    public String getTunLocalIpv6() {
        return connection().tunLocalIpv6();
    }

    @Override
    public String getClientState() {
        ClientStatus c = tunnel.status().clientState();
        return c == null ? null : c.state().name();
    }

    @Override
    public String getClientStateDescription() {
        ClientStatus c = tunnel.status().clientState();
        return c == null ? null : c.description();
    }

    @Override
    public boolean isSettingsPushed() {
        return connection().settings().pushed();
    }

    @Override
    public java.util.List<String> getSettings() {
        return connection().settings().lines();
    }

    @Override
    public void restart() {
        tunnel.signal(TunnelSignal.SIGUSR1);
    }

    @Override
    public void hardRestart() {
        tunnel.signal(TunnelSignal.SIGHUP);
    }

    private TunnelConnection connection() {
        TunnelConnection c = tunnel.connection();
        return c == null ? TunnelConnection.NONE : c;
    }

    private static Date date(Instant instant) {
        return instant == null ? null : Date.from(instant);
    }

    /** {@code 192.0.2.1:1194}, {@code [2001:db8::1]:1194}; other address kinds (the memory transport's) as they print. */
    static String address(SocketAddress address) {
        if (address == null) {
            return null;
        }
        if (address instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) address;
            InetAddress ip = a.getAddress();
            String host = ip == null ? a.getHostString() : ip.getHostAddress();
            return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
        }
        return address.toString();
    }

    // --- descriptions for consoles ---

    @Override
    String description() {
        return "Culvert tunnel " + tunnel.name() + ": state, counters and drops, read live from the tunnel";
    }

    private static Map<String, String> descriptions() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("Name", "The tunnel's name");
        d.put("State", "STARTING, WAITING, CONNECTING, UP, RECONNECTING, STOPPING, STOPPED or FAILED");
        d.put("Reason", "Why the tunnel is in its state (NONE when up)");
        d.put("Detail", "One line about the state, e.g. which plugin filter matched nothing");
        d.put("StateSince", "When the tunnel entered its current state");
        d.put("DeviceName", "The tun device's OS name while open");
        d.put("Plugins", "Plugin kind to plugin name in use");
        d.put("Offloads", "Kernel offloads of the tun device and the link socket: tun: ...; link: ...");
        d.put("TunReadBytes", "Bytes read from the tun device (plaintext, towards the peer)");
        d.put("TunReadPackets", "Packets read from the tun device");
        d.put("TunWriteBytes", "Bytes written to the tun device (decrypted, from the peer)");
        d.put("TunWritePackets", "Packets written to the tun device");
        d.put("LinkReadBytes", "Bytes received on the link, before authentication");
        d.put("LinkReadPackets", "Packets received on the link, before authentication");
        d.put("LinkWriteBytes", "Bytes sent on the link");
        d.put("LinkWritePackets", "Packets sent on the link");
        d.put("LinkAuthReadBytes", "Link bytes of packets that passed authentication (OpenVPN's Auth read bytes)");
        d.put("Restarts", "Restarts since the tunnel was started (ping-restart, link errors, signals)");
        d.put("Drops", "Dropped packets by cause");
        d.put("TotalDrops", "Dropped packets, all causes");
        d.put("LastHandshake", "When data-channel keys were last made");
        d.put("LinkLocal", "The link socket's local address");
        d.put("LinkRemote", "The peer's link address");
        d.put("TunLocalIpv4", "The local tunnel IPv4 address");
        d.put("TunRemoteIpv4", "The peer's tunnel IPv4 address");
        d.put("TunLocalIpv6", "The local tunnel IPv6 address");
        d.put("ClientState", "OpenVPN's client state: CONNECTING, WAIT, AUTH, GET_CONFIG, ASSIGN_IP, CONNECTED, RECONNECTING, EXITING, ...");
        d.put("ClientStateDescription", "OpenVPN's detail for the client state: SUCCESS, ping-restart, SIGTERM, ...");
        d.put("SettingsPushed", "True when the server pushed the configuration in effect");
        d.put("Settings", "The configuration in effect: addresses, routes, DNS, cipher, peer-id, pushed options");
        d.put("restart", "Soft restart (SIGUSR1): reconnect with the same configuration");
        d.put("hardRestart", "Hard restart (SIGHUP): re-read the configuration and start over");
        return Collections.unmodifiableMap(d);
    }
}
