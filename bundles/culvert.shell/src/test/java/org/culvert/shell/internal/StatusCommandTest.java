package org.culvert.shell.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;

import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelSettings;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.junit.jupiter.api.Test;

/** tunnel:status shows OpenVPN's client state, the server and the configuration in effect. */
class StatusCommandTest {
    private static final Instant T0 = Instant.ofEpochSecond(1_700_000_000);

    private static Tunnel tunnel(TunnelStatus status, TunnelConnection connection) {
        return tunnel(status, connection, Map.of());
    }

    private static Tunnel tunnel(TunnelStatus status, TunnelConnection connection, Map<String, String> plugins) {
        return (Tunnel) Proxy.newProxyInstance(StatusCommandTest.class.getClassLoader(), new Class<?>[] { Tunnel.class }, (p, m, a) -> {
            switch (m.getName()) {
                case "name":
                    return "office";
                case "status":
                    return status;
                case "connection":
                    return connection;
                case "counters":
                    return new TunnelCounters(0, 0, 0, 0, 0, 0, 0, 0, Map.of(), 0, 0);
                case "plugins":
                    return plugins;
                case "offloads":
                    return plugins.isEmpty() ? "" : "tun: vnet-hdr: csum tso4 tso6 uso4 uso6, gso split; link: none";
                case "deviceName":
                    return "tun0";
                case "isHolding":
                    return false;
                default:
                    throw new UnsupportedOperationException(m.getName());
            }
        });
    }

    @Test
    void aConnectedClientShowsItsOpenVpnStateServerAndPushedSettings() {
        InetSocketAddress server = new InetSocketAddress("198.51.100.7", 1194);
        TunnelSettings pushed = TunnelSettings.builder().pushed(true).ifconfig("10.8.0.6", "255.255.255.0").route("10.0.0.0/24 via 10.8.0.1")
                .dns("10.8.0.1").cipher("AES-256-GCM").peerId(3).option("route 10.0.0.0 255.255.255.0").option("dhcp-option DNS 10.8.0.1")
                .build();
        TunnelConnection c = new TunnelConnection(new InetSocketAddress("192.0.2.10", 41000), server, "10.8.0.6", null, null, T0, "tls-client",
                "", pushed);
        ClientStatus connected = new ClientStatus(ClientState.CONNECTED, "SUCCESS", T0, "10.8.0.6", server, null, null);
        String text = TunnelCommands.statusText(tunnel(new TunnelStatus(TunnelState.UP, TunnelReason.NONE, "", T0, connected), c));
        assertTrue(text.contains("\nopenvpn   CONNECTED,SUCCESS since 2023-11-14T22:13:20Z\n"), text);
        assertTrue(text.contains("\nserver    /198.51.100.7:1194\n"), text);
        assertTrue(text.contains("\nsettings  pushed by the server\n  ifconfig 10.8.0.6 255.255.255.0\n  route 10.0.0.0/24 via 10.8.0.1\n"
                + "  dns 10.8.0.1\n  cipher AES-256-GCM\n  peer-id 3\n  pushed: route 10.0.0.0 255.255.255.0\n  pushed: dhcp-option DNS 10.8.0.1\n"), text);
    }

    @Test
    void aTunnelWithoutClientStateOrConnectionShowsNeither() {
        String text = TunnelCommands.statusText(tunnel(new TunnelStatus(TunnelState.CONNECTING, TunnelReason.NONE, "", T0), TunnelConnection.NONE));
        assertFalse(text.contains("openvpn "), text);
        assertFalse(text.contains("server "), text);
        assertFalse(text.contains("settings "), text);
        assertTrue(text.contains("state     CONNECTING"), text);
    }

    @Test
    void theOffloadsOfDeviceAndLinkShowOnTheirOwnLine() {
        Map<String, String> plugins = new java.util.LinkedHashMap<>();
        plugins.put("tun-driver", "linux");
        plugins.put("event-backend", "epoll");
        plugins.put("link-transport", "udp");
        Tunnel t = tunnel(new TunnelStatus(TunnelState.UP, TunnelReason.NONE, "", T0), TunnelConnection.NONE, plugins);
        String text = TunnelCommands.statusText(t);
        assertTrue(text.contains("\noffloads  tun: vnet-hdr: csum tso4 tso6 uso4 uso6, gso split; link: none\n"), text);
        assertTrue(text.contains("\ndriver    linux\n"), text);
        assertTrue(TunnelCommands.pluginNames(t).equals("linux,epoll,udp"), TunnelCommands.pluginNames(t));
    }
}
