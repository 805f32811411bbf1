package org.culvert.tun.tapwindows6;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.util.List;
import java.util.Map;

import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;
import org.culvert.platform.win32.Kernel32Api;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Opening TAP-Windows6 adapters: discovery, selection, version and mode ioctls, netsh, scripts, and every failure's reason. */
class TapWindows6DriverTest {
    private static final String GUID2 = "{0A1B2C3D-4E5F-4061-8273-94A5B6C7D8E9}";
    private TapFixture f;
    private TunDevice opened;

    @AfterEach
    void closeAndCheck() {
        if (opened != null) {
            opened.close();
        }
        if (f != null) {
            assertEquals(0, f.k32.violations().size(), () -> f.k32.violations().toString());
            assertEquals(0, f.k32.openHandles(), "handles left open");
        }
    }

    private TunException openFails(TunSpec spec) {
        return assertThrows(TunException.class, () -> opened = f.driver.open(spec));
    }

    @Test
    void opensTheAdapterInTunModeWithTheIfconfigAddresses() throws Exception {
        f = new TapFixture();
        opened = f.driver.open(TapFixture.spec().build());
        assertEquals(TapFixture.NAME, opened.name());
        assertEquals(TunLayer.TUN, opened.layer());
        assertEquals(List.of("GET_VERSION", "GET_MTU", "CONFIG_TUN", "SET_MEDIA_STATUS"), f.adapter.ioctls());
        // Point to point: local, the remote as a one-address network, 255.255.255.255.
        assertArrayEquals(new byte[] { 10, 8, 0, 2, 10, 8, 0, 1, -1, -1, -1, -1 }, f.adapter.configTun);
        assertEquals(Integer.valueOf(1), f.adapter.mediaStatus, "media connected");
        assertEquals(TapFixture.GUID, ((TapDevice) opened).guid());
    }

    @Test
    void subnetTopologyGivesTheLocalNetworkAndMask() throws Exception {
        f = new TapFixture();
        opened = f.driver.open(TunSpec.builder(TunLayer.TUN).ifconfig("10.9.0.6", "255.255.255.0").build());
        assertArrayEquals(new byte[] { 10, 9, 0, 6, 10, 9, 0, 0, -1, -1, -1, 0 }, f.adapter.configTun);
        assertTrue(f.commands.lines().contains("netsh interface ipv4 set address " + TapFixture.NAME
                + " source=static address=10.9.0.6 mask=255.255.255.0 store=active"), f.commands.lines().toString());
    }

    @Test
    void theTopologyOptionDecidesWhatTheSecondAddressIs() throws Exception {
        f = new TapFixture();
        opened = f.driver.open(TunSpec.builder(TunLayer.TUN).ifconfig("10.9.0.6", "255.255.255.252")
                .driverOption("topology", "net30").build());
        assertArrayEquals(new byte[] { 10, 9, 0, 6, -1, -1, -1, -4, -1, -1, -1, -1 }, f.adapter.configTun,
                "net30: the second address is the peer, however it looks");
        opened.close();
        opened = f.driver.open(TunSpec.builder(TunLayer.TUN).ifconfig("10.9.0.6", "10.9.0.1")
                .driverOption("topology", "subnet").build());
        assertArrayEquals(new byte[] { 10, 9, 0, 6, 10, 9, 0, 0, 10, 9, 0, 1 }, f.adapter.configTun,
                "subnet: the second address is the mask, as the configuration says");
    }

    @Test
    void tapModeNeedsNoTunIoctlNorIfconfig() throws Exception {
        f = new TapFixture();
        opened = f.driver.open(TunSpec.builder(TunLayer.TAP).build());
        assertEquals(TunLayer.TAP, opened.layer());
        assertNull(f.adapter.configTun);
        assertEquals(List.of("GET_VERSION", "GET_MTU", "SET_MEDIA_STATUS"), f.adapter.ioctls());
    }

    @Test
    void devNodePicksAnAdapterByNameOrGuid() throws Exception {
        f = new TapFixture();
        FakeTapAdapter second = new FakeTapAdapter();
        f.registry.adapter("0011", "root\\tap0901", GUID2, "Second TAP");
        f.k32.addDevice("\\\\.\\Global\\" + GUID2 + ".tap", second);

        opened = f.driver.open(TapFixture.spec().deviceNode("second tap").build());
        assertEquals("Second TAP", opened.name());
        assertEquals(1, second.opens);
        opened.close();
        String bare = GUID2.substring(1, GUID2.length() - 1).toLowerCase(java.util.Locale.ROOT);
        opened = f.driver.open(TapFixture.spec().deviceNode(bare).build());
        assertEquals(2, second.opens, "a GUID without braces, in any case, names it too");
        assertEquals(0, f.adapter.opens);
    }

    @Test
    void unknownDevNodeIsDeviceNotFoundListingTheInstalledOnes() throws Exception {
        f = new TapFixture();
        TunException e = openFails(TapFixture.spec().deviceNode("Ethernet 7").build());
        assertEquals(TunException.Reason.DEVICE_NOT_FOUND, e.reason());
        assertTrue(e.getMessage().contains(TapFixture.NAME), e.getMessage());
    }

    @Test
    void noAdapterInstalledIsDeviceNotFound() throws Exception {
        f = new TapFixture();
        TapWindows6Driver bare = new TapWindows6Driver(f.k32, new FakeRegistry().adapter("0001", "wintun", GUID2, "Wintun"),
                f.commands, TapWindows6Driver.Settings.defaults());
        TunException e = assertThrows(TunException.class, () -> bare.open(TapFixture.spec().build()));
        assertEquals(TunException.Reason.DEVICE_NOT_FOUND, e.reason());
        assertTrue(e.getMessage().contains("tap0901"), e.getMessage());
    }

    @Test
    void componentIdOptionOverridesTheConfiguredIds() throws Exception {
        f = new TapFixture();
        FakeTapAdapter custom = new FakeTapAdapter();
        f.registry.adapter("0003", "tapcustom", GUID2, "Custom");
        f.k32.addDevice("\\\\.\\Global\\" + GUID2 + ".tap", custom);
        opened = f.driver.open(TapFixture.spec().driverOption("component-id", "TapCustom").build());
        assertEquals("Custom", opened.name());
    }

    @Test
    void unreadableRegistryIsAnIoError() throws Exception {
        f = new TapFixture();
        TapWindows6Driver d = new TapWindows6Driver(f.k32, new FakeRegistry().unreadable(), f.commands, TapWindows6Driver.Settings.defaults());
        assertEquals(TunException.Reason.IO_ERROR, assertThrows(TunException.class, () -> d.open(TapFixture.spec().build())).reason());
    }

    @Test
    void adapterListedButNotOpenableIsDeviceNotFound() throws Exception {
        f = new TapFixture();
        f.k32.removeDevice("\\\\.\\Global\\" + TapFixture.GUID + ".tap"); // disabled adapter: no device object
        TunException e = openFails(TapFixture.spec().build());
        assertEquals(TunException.Reason.DEVICE_NOT_FOUND, e.reason());
        assertTrue(e.getMessage().contains("ERROR_FILE_NOT_FOUND"), e.getMessage());
    }

    @Test
    void driverOlderThanNineNineIsRefused() throws Exception {
        f = new TapFixture();
        f.adapter.versionMajor = 9;
        f.adapter.versionMinor = 8;
        TunException e = openFails(TapFixture.spec().build());
        assertEquals(TunException.Reason.DRIVER_VERSION, e.reason());
        assertTrue(e.getMessage().contains("9.8") && e.getMessage().contains("9.9"), e.getMessage());
        assertEquals(1, f.adapter.closes, "the handle was closed again");
    }

    @Test
    void unreadableVersionIsADriverVersionProblem() throws Exception {
        f = new TapFixture();
        f.adapter.versionFails = true;
        assertEquals(TunException.Reason.DRIVER_VERSION, openFails(TapFixture.spec().build()).reason());
    }

    @Test
    void aBusyAdapterIsSkippedWhenNoneIsNamed() throws Exception {
        f = new TapFixture();
        f.adapter.openError = Kernel32Api.ERROR_ACCESS_DENIED; // held by another OpenVPN
        FakeTapAdapter free = new FakeTapAdapter();
        f.registry.adapter("0012", "tap0901", GUID2, "Free TAP");
        f.k32.addDevice("\\\\.\\Global\\" + GUID2 + ".tap", free);
        opened = f.driver.open(TapFixture.spec().build());
        assertEquals("Free TAP", opened.name());
    }

    @Test
    void allAdaptersBusyIsDeviceBusy() throws Exception {
        f = new TapFixture();
        f.adapter.openError = Kernel32Api.ERROR_ACCESS_DENIED;
        assertEquals(TunException.Reason.DEVICE_BUSY, openFails(TapFixture.spec().build()).reason());
        assertEquals(TunException.Reason.DEVICE_BUSY, openFails(TapFixture.spec().deviceNode(TapFixture.NAME).build()).reason());
    }

    @Test
    void tunWithoutIfconfigCannotWork() throws Exception {
        f = new TapFixture();
        TunException e = openFails(TunSpec.builder(TunLayer.TUN).build());
        assertEquals(TunException.Reason.CONFIGURATION_FAILED, e.reason());
        assertEquals(0, f.adapter.opens, "refused before touching the adapter");
    }

    @Test
    void aSpecAskingForAnotherWindowsDriverIsUnsupported() throws Exception {
        f = new TapFixture();
        TunException e = openFails(TapFixture.spec().driverOption("windows-driver", "wintun").build());
        assertEquals(TunException.Reason.UNSUPPORTED, e.reason());
        opened = f.driver.open(TapFixture.spec().driverOption("windows-driver", "TAP-Windows6").build());
    }

    @Test
    void netshConfiguresAddressesMtuAndRoutesAndCloseUndoesThem() throws Exception {
        f = new TapFixture();
        opened = f.driver.open(TapFixture.spec().mtu(1400).ifconfigIpv6("fd00::2", 64, "fd00::1")
                .route(new TunRoute("192.168.50.0", 24, null, 5)).route(new TunRoute("fd01::", 48, null, -1)).build());
        String n = TapFixture.NAME;
        assertEquals(List.of(
                "netsh interface ipv4 set address " + n + " source=static address=10.8.0.2 mask=255.255.255.255 store=active",
                "netsh interface ipv4 add route 10.8.0.1/32 " + n + " store=active",
                "netsh interface ipv6 add address " + n + " fd00::2/64 store=active",
                "netsh interface ipv4 set subinterface " + n + " mtu=1400 store=active",
                "netsh interface ipv6 set subinterface " + n + " mtu=1400 store=active",
                "netsh interface ipv4 add route 192.168.50.0/24 " + n + " 10.8.0.1 metric=5 store=active",
                "netsh interface ipv6 add route fd01::/48 " + n + " fd00::1 store=active"), f.commands.lines());
        f.commands.commands.clear();
        opened.close();
        assertEquals(List.of(
                "netsh interface ipv6 delete route fd01::/48 " + n + " fd00::1 store=active",
                "netsh interface ipv4 delete route 192.168.50.0/24 " + n + " 10.8.0.1 store=active",
                "netsh interface ipv6 delete address " + n + " fd00::2",
                "netsh interface ipv4 delete route 10.8.0.1/32 " + n + " store=active",
                "netsh interface ipv4 delete address " + n + " 10.8.0.2"), f.commands.lines());
    }

    @Test
    void ipConfigNoneRunsNoNetsh() throws Exception {
        f = new TapFixture(new TapWindows6Driver.Settings(new String[] { "tap0901" }, "9.9", 4, "none", 1000));
        opened = f.driver.open(TapFixture.spec().build());
        assertTrue(f.commands.lines().isEmpty(), f.commands.lines().toString());
        assertEquals(4, opened.batchSize());
    }

    @Test
    void netshFailureIsConfigurationFailedAndLeavesNothingOpen() throws Exception {
        f = new TapFixture();
        f.commands.failWhen(c -> c.contains("subinterface"));
        TunException e = openFails(TapFixture.spec().build());
        assertEquals(TunException.Reason.CONFIGURATION_FAILED, e.reason());
        assertTrue(e.getMessage().contains("elevation"), "netsh's complaint is passed on: " + e.getMessage());
        List<String> lines = f.commands.lines();
        assertEquals("netsh interface ipv4 delete address " + TapFixture.NAME + " 10.8.0.2", lines.get(lines.size() - 1),
                "what was applied is undone: " + lines);
        assertEquals(1, f.adapter.closes);
    }

    @Test
    void upAndDownScriptsGetOpenVpnsArgumentsAndEnvironment() throws Exception {
        f = new TapFixture();
        opened = f.driver.open(TapFixture.spec().up("\"C:\\Program Files\\hooks\\up.bat\" --flag").down("down.cmd")
                .scriptEnv("link_mtu", "1572").scriptEnv("config", "client.ovpn").build());
        List<String> up = f.commands.commands.get(f.commands.commands.size() - 1);
        assertEquals(List.of("C:\\Program Files\\hooks\\up.bat", "--flag", TapFixture.NAME, "1500", "1572", "10.8.0.2", "10.8.0.1", "init"), up);
        Map<String, String> env = f.commands.environments.get(f.commands.environments.size() - 1);
        assertEquals("up", env.get("script_type"));
        assertEquals(TapFixture.NAME, env.get("dev"));
        assertEquals("10.8.0.1", env.get("ifconfig_remote"));
        assertEquals("client.ovpn", env.get("config"));
        opened.close();
        List<String> down = f.commands.commands.get(f.commands.commands.size() - 1);
        assertEquals("down.cmd", down.get(0));
        assertEquals("down", f.commands.environments.get(f.commands.environments.size() - 1).get("script_type"));
    }

    @Test
    void failingUpScriptIsScriptFailedUndoesNetshAndSkipsDown() throws Exception {
        f = new TapFixture();
        f.commands.failWhen(c -> c.get(0).equals("up.bat"));
        TunException e = openFails(TapFixture.spec().up("up.bat").down("down.bat").build());
        assertEquals(TunException.Reason.SCRIPT_FAILED, e.reason());
        List<String> lines = f.commands.lines();
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("down.bat")), "no --down after a failed --up: " + lines);
        assertTrue(lines.get(lines.size() - 1).startsWith("netsh interface ipv4 delete address"), lines.toString());
        assertEquals(1, f.adapter.closes);
    }

    @Test
    void withoutWindowsTheRegisteredDriverIsUnavailableAndSaysWhy() throws Exception {
        TapWindows6Driver d = new TapWindows6Driver();
        assertFalse(d.availability().isAvailable(), "not activated yet");
        d.activate(config());
        assertFalse(d.availability().isAvailable());
        assertTrue(d.availability().cause().contains("not Windows"), d.availability().cause());
        TunException e = assertThrows(TunException.class, () -> d.open(TapFixture.spec().build()));
        assertEquals(TunException.Reason.DRIVER_VERSION, e.reason());
    }

    @Test
    void badConfigurationMakesTheDriverUnavailable() {
        assertThrows(IllegalArgumentException.class, () -> new TapWindows6Driver.Settings(new String[0], "9.9", 8, "netsh", 1));
        assertThrows(IllegalArgumentException.class, () -> new TapWindows6Driver.Settings(new String[] { "tap0901" }, "9", 8, "netsh", 1));
        assertThrows(IllegalArgumentException.class, () -> new TapWindows6Driver.Settings(new String[] { "tap0901" }, "9.9", 0, "netsh", 1));
        assertThrows(IllegalArgumentException.class, () -> new TapWindows6Driver.Settings(new String[] { "tap0901" }, "9.9", 8, "dhcp", 1));
    }

    private static TapWindows6Driver.Config config() {
        return new TapWindows6Driver.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return TapWindows6Driver.Config.class;
            }

            @Override
            public String[] componentIds() {
                return new String[] { "tap0901" };
            }

            @Override
            public String minimumVersion() {
                return "9.9";
            }

            @Override
            public int batchSize() {
                return 8;
            }

            @Override
            public String ipConfig() {
                return "netsh";
            }

            @Override
            public long commandTimeoutMillis() {
                return 1000;
            }
        };
    }
}
