package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;
import org.junit.jupiter.api.Test;

/** The commands and script interface computed from a spec, without touching the system. */
class DeviceSetupTest {
    private static String joined(List<List<String>> commands) {
        StringBuilder b = new StringBuilder();
        for (List<String> c : commands) {
            b.append(String.join(" ", c)).append('\n');
        }
        return b.toString();
    }

    @Test
    void tunPointToPoint() throws TunException {
        DeviceSetup s = new DeviceSetup(TunSpec.builder(TunLayer.TUN).mtu(1400).ifconfig("10.8.0.1", "10.8.0.2")
                .ifconfigIpv6("fd00::1", 112, null).route(new TunRoute("192.168.5.0", 24, null, -1)).build(), "tun3");
        assertEquals("link set dev tun3 up mtu 1400\naddr add dev tun3 local 10.8.0.1 peer 10.8.0.2\n-6 addr add fd00::1/112 dev tun3\n",
                joined(s.interfaceCommands()));
        assertEquals("route add 192.168.5.0/24 via 10.8.0.2\n", joined(s.routeCommands()));
        assertEquals(List.of("tun3", "1400", "0", "10.8.0.1", "10.8.0.2", "init"), s.scriptArguments());
    }

    @Test
    void tunSubnetTopologyUsesTheNetmask() throws TunException {
        DeviceSetup s = new DeviceSetup(TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0.2", "255.255.255.0")
                .driverOption("topology", "subnet").route(new TunRoute("10.9.0.0", 16, null, 2)).build(), "tun0");
        assertTrue(joined(s.interfaceCommands()).contains("addr add dev tun0 10.8.0.2/24 broadcast 10.8.0.255"));
        assertEquals("route add 10.9.0.0/16 dev tun0 metric 2\n", joined(s.routeCommands()));
        Map<String, String> env = s.scriptEnvironment("up");
        assertEquals("255.255.255.0", env.get("ifconfig_netmask"));
        assertFalse(env.containsKey("ifconfig_remote"));
        assertFalse(env.containsKey("route_vpn_gateway"));
    }

    @Test
    void routeGatewayOptionAndIpv6Routes() throws TunException {
        DeviceSetup s = new DeviceSetup(TunSpec.builder(TunLayer.TAP).ifconfig("10.8.0.2", "255.255.0.0")
                .driverOption("route-gateway", "10.8.0.1")
                .route(new TunRoute("10.9.0.0", 16, null, -1))
                .route(new TunRoute("2001:db8::", 32, "fd00::1", 4)).build(), "tap1");
        assertEquals("route add 10.9.0.0/16 via 10.8.0.1\n-6 route add 2001:db8::/32 via fd00::1 dev tap1 metric 4\n",
                joined(s.routeCommands()));
        Map<String, String> env = s.scriptEnvironment("down");
        assertEquals("down", env.get("script_type"));
        assertEquals("10.8.255.255", env.get("ifconfig_broadcast"));
        assertEquals("10.8.0.1", env.get("route_gateway_1"));
        assertEquals("2001:db8::/32", env.get("route_ipv6_network_1"));
        assertEquals("fd00::1", env.get("route_ipv6_gateway_1"));
        assertEquals("4", env.get("route_ipv6_metric_1"));
    }

    @Test
    void noIfconfigMeansLinkOnlyAndEmptyScriptArguments() throws TunException {
        DeviceSetup s = new DeviceSetup(TunSpec.builder(TunLayer.TUN).build(), "tun9");
        assertEquals("link set dev tun9 up mtu 1500\n", joined(s.interfaceCommands()));
        assertEquals(List.of("tun9", "1500", "0", "", "", "init"), s.scriptArguments());
        assertFalse(s.scriptEnvironment("up").containsKey("ifconfig_local"));
    }

    @Test
    void netmaskConversions() throws TunException {
        assertEquals(24, DeviceSetup.netmaskToPrefix("255.255.255.0"));
        assertEquals(0, DeviceSetup.netmaskToPrefix("0.0.0.0"));
        assertEquals(32, DeviceSetup.netmaskToPrefix("255.255.255.255"));
        assertEquals("255.255.240.0", DeviceSetup.prefixToNetmask(20));
        assertEquals("0.0.0.0", DeviceSetup.prefixToNetmask(0));
        assertThrows(TunException.class, () -> DeviceSetup.netmaskToPrefix("255.0.255.0"));
    }

    @Test
    void malformedInputIsRefusedAsConfigurationFailed() {
        List<TunSpec> bad = List.of(
                TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0", "10.8.0.2").build(),
                TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0.1", null).build(),
                TunSpec.builder(TunLayer.TUN).ifconfig("10.8.0.1", "-net").build(),
                TunSpec.builder(TunLayer.TUN).ifconfig("256.1.1.1", "10.8.0.2").build(),
                TunSpec.builder(TunLayer.TUN).ifconfig("example.com", "10.8.0.2").build(),
                TunSpec.builder(TunLayer.TAP).ifconfig("10.8.0.1", "255.255.0.255").build(),
                TunSpec.builder(TunLayer.TUN).ifconfigIpv6("fd00::zz", 64, null).build(),
                TunSpec.builder(TunLayer.TUN).ifconfigIpv6("fd00::1", 129, null).build(),
                TunSpec.builder(TunLayer.TUN).ifconfigIpv6("10.0.0.1", 64, null).build(),
                TunSpec.builder(TunLayer.TUN).route(new TunRoute("10.0.0.0", 33, null, -1)).build(),
                TunSpec.builder(TunLayer.TUN).route(new TunRoute("10.0.0.0", 8, "gw.example", -1)).build(),
                TunSpec.builder(TunLayer.TUN).route(new TunRoute("fd00::", -1, null, -1)).build(),
                TunSpec.builder(TunLayer.TUN).scriptEnv("a=b", "c").build(),
                TunSpec.builder(TunLayer.TUN).scriptEnv("", "c").build(),
                TunSpec.builder(TunLayer.TUN).scriptEnv("v", null).build(),
                TunSpec.builder(TunLayer.TUN).scriptEnv("v", "nul\0inside").build());
        for (TunSpec spec : bad) {
            TunException e = assertThrows(TunException.class, () -> new DeviceSetup(spec, "tun0"), spec.toString());
            assertEquals(TunException.Reason.CONFIGURATION_FAILED, e.reason());
        }
    }

    @Test
    void defaultNamesFollowTheLayer() throws TunException {
        assertEquals("tun%d", LinuxTunDriver.interfaceNameTemplate(TunSpec.builder(TunLayer.TUN).build()));
        assertEquals("tap%d", LinuxTunDriver.interfaceNameTemplate(TunSpec.builder(TunLayer.TAP).name("tap").build()));
        assertEquals("tun7", LinuxTunDriver.interfaceNameTemplate(TunSpec.builder(TunLayer.TUN).name("tun7").build()));
        assertEquals("vpn%d", LinuxTunDriver.interfaceNameTemplate(TunSpec.builder(TunLayer.TAP).name("vpn%d").build()));
        assertEquals("tun", LinuxTunDriver.interfaceNameTemplate(TunSpec.builder(TunLayer.TAP).name("tun").build()),
                "'tun' names a tap device exactly when the layer is tap");
    }
}
