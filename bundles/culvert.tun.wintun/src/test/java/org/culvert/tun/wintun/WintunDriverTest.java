package org.culvert.tun.wintun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.util.List;

import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.platform.win32.Kernel32Api;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Opening Wintun adapters and sessions, and every failure's reason, over the fake wintun.dll. */
class WintunDriverTest {
    private WintunFixture f;
    private TunDevice opened;

    @AfterEach
    void closeAndCheck() {
        if (opened != null) {
            opened.close();
        }
        if (f != null) {
            assertEquals(0, f.k32.violations().size(), () -> f.k32.violations().toString());
            assertEquals(0, f.wintun.violations().size(), () -> f.wintun.violations().toString());
            assertEquals(0, f.k32.openHandles(), "handles left open");
            assertEquals(0, f.driver.openDeviceCount());
        }
    }

    private TunException openFails(TunSpec spec) {
        return assertThrows(TunException.class, () -> opened = f.driver.open(spec));
    }

    @Test
    void createsTheConfiguredAdapterAndRemovesItOnClose() throws Exception {
        f = new WintunFixture();
        opened = f.driver.open(WintunFixture.spec().build());
        assertEquals("Culvert", opened.name());
        assertTrue(f.wintun.adapterExists("Culvert"));
        assertEquals(1, f.driver.openDeviceCount());
        opened.close();
        opened = null;
        assertFalse(f.wintun.adapterExists("Culvert"), "created by us, removed by WintunCloseAdapter");
        assertTrue(f.session().isEnded());
    }

    @Test
    void opensAnExistingAdapterNamedByDevNodeAndLeavesIt() throws Exception {
        f = new WintunFixture();
        f.wintun.addExistingAdapter("Office VPN");
        opened = f.driver.open(WintunFixture.spec().deviceNode("Office VPN").build());
        assertEquals("Office VPN", opened.name());
        opened.close();
        opened = null;
        assertTrue(f.wintun.adapterExists("Office VPN"), "someone else's adapter stays");
    }

    @Test
    void aMissingDevNodeAdapterIsDeviceNotFoundAndNothingIsCreated() throws Exception {
        f = new WintunFixture();
        TunException e = openFails(WintunFixture.spec().deviceNode("Nope").build());
        assertEquals(TunException.Reason.DEVICE_NOT_FOUND, e.reason());
        assertFalse(f.wintun.adapterExists("Nope"));
    }

    @Test
    void creatingWithoutAdministratorRightsIsPermissionDenied() throws Exception {
        f = new WintunFixture();
        f.wintun.createError = Kernel32Api.ERROR_ACCESS_DENIED;
        TunException e = openFails(WintunFixture.spec().build());
        assertEquals(TunException.Reason.PERMISSION_DENIED, e.reason());
        assertTrue(e.getMessage().contains("Administrator"), e.getMessage());
    }

    @Test
    void anOldOrStoppedDriverIsDriverVersionAndTheAdapterIsReleased() throws Exception {
        f = new WintunFixture();
        f.wintun.driverVersion = 13;
        TunException e = openFails(WintunFixture.spec().build());
        assertEquals(TunException.Reason.DRIVER_VERSION, e.reason());
        assertTrue(e.getMessage().contains("0.13") && e.getMessage().contains("0.14"), e.getMessage());
        assertFalse(f.wintun.adapterExists("Culvert"));

        f.wintun.driverVersion = 0;
        e = openFails(WintunFixture.spec().build());
        assertEquals(TunException.Reason.DRIVER_VERSION, e.reason());
        assertTrue(e.getMessage().contains("ERROR_FILE_NOT_FOUND"), e.getMessage());
    }

    @Test
    void anAdapterWithASessionElsewhereIsBusy() throws Exception {
        f = new WintunFixture();
        f.wintun.startSessionError = Kernel32Api.ERROR_ALREADY_INITIALIZED;
        assertEquals(TunException.Reason.DEVICE_BUSY, openFails(WintunFixture.spec().build()).reason());
    }

    @Test
    void ringCapacityIsCheckedAsWintunDoes() {
        assertThrows(IllegalArgumentException.class, () -> settings(0x10000));
        assertThrows(IllegalArgumentException.class, () -> settings(0x30000));
        assertThrows(IllegalArgumentException.class, () -> settings(0x8000000));
        assertEquals(0x20000, settings(0x20000).ringCapacity);
    }

    private static WintunDriver.Settings settings(int ring) {
        return new WintunDriver.Settings("Culvert", "Culvert", "", ring, "0.14", 8, "netsh", 1000);
    }

    @Test
    void tapAndOtherWindowsDriversAreUnsupported() throws Exception {
        f = new WintunFixture();
        assertEquals(TunException.Reason.UNSUPPORTED, openFails(TunSpec.builder(TunLayer.TAP).build()).reason());
        assertEquals(TunException.Reason.UNSUPPORTED,
                openFails(WintunFixture.spec().driverOption("windows-driver", "tap-windows6").build()).reason());
        opened = f.driver.open(WintunFixture.spec().driverOption("windows-driver", "wintun").build());
    }

    @Test
    void netshFailureClosesEverythingAndRemovesTheCreatedAdapter() throws Exception {
        f = new WintunFixture();
        f.commands.failWhen(c -> c.contains("subinterface"));
        assertEquals(TunException.Reason.CONFIGURATION_FAILED, openFails(WintunFixture.spec().build()).reason());
        assertFalse(f.wintun.adapterExists("Culvert"));
        assertTrue(f.session().isEnded());
    }

    @Test
    void upScriptFailureIsScriptFailedWithoutDown() throws Exception {
        f = new WintunFixture();
        f.commands.failWhen(c -> c.get(0).equals("up.cmd"));
        assertEquals(TunException.Reason.SCRIPT_FAILED, openFails(WintunFixture.spec().up("up.cmd").down("down.cmd").build()).reason());
        assertTrue(f.commands.lines().stream().noneMatch(l -> l.startsWith("down.cmd")), f.commands.lines().toString());
    }

    @Test
    void netshUndoRunsWhileTheAdapterStillExistsAndDownAfterwards() throws Exception {
        f = new WintunFixture();
        opened = f.driver.open(WintunFixture.spec().down("down.cmd").build());
        f.commands.commands.clear();
        opened.close();
        opened = null;
        List<String> lines = f.commands.lines();
        assertEquals(List.of("netsh interface ipv4 delete route 10.9.0.1/32 Culvert store=active",
                "netsh interface ipv4 delete address Culvert 10.9.0.2",
                "down.cmd Culvert 1500 1500 10.9.0.2 10.9.0.1 init"), lines);
    }

    @Test
    void deactivateClosesOpenDevicesBeforeReleasingTheDll() throws Exception {
        f = new WintunFixture();
        opened = f.driver.open(WintunFixture.spec().build());
        f.driver.deactivate();
        assertTrue(f.session().isEnded(), "the device was closed first");
        assertTrue(f.wintun.isClosed(), "then the DLL released");
        assertFalse(f.driver.availability().isAvailable());
        assertEquals(TunException.Reason.DRIVER_VERSION, openFails(WintunFixture.spec().build()).reason());
        opened = null;
    }

    @Test
    void withoutWindowsTheRegisteredDriverIsUnavailableAndSaysWhy() {
        WintunDriver d = new WintunDriver();
        d.activate(config("", ""), null);
        assertFalse(d.availability().isAvailable());
        assertTrue(d.availability().cause().contains("not Windows"), d.availability().cause());
        d.deactivate();
    }

    @Test
    void aBadConfigurationIsReportedAsUnavailable() {
        WintunDriver d = new WintunDriver();
        d.activate(configWithRing(12345), null);
        assertTrue(d.availability().cause().contains("bad configuration"), d.availability().cause());
    }

    private static WintunDriver.Config config(String dllPath, String dllDirectory) {
        return config(dllPath, dllDirectory, 0x400000);
    }

    private static WintunDriver.Config configWithRing(int ring) {
        return config("", "", ring);
    }

    private static WintunDriver.Config config(String dllPath, String dllDirectory, int ring) {
        return new WintunDriver.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return WintunDriver.Config.class;
            }

            @Override
            public String dllPath() {
                return dllPath;
            }

            @Override
            public String dllDirectory() {
                return dllDirectory;
            }

            @Override
            public String adapterName() {
                return "Culvert";
            }

            @Override
            public String tunnelType() {
                return "Culvert";
            }

            @Override
            public String adapterGuid() {
                return "";
            }

            @Override
            public int ringCapacity() {
                return ring;
            }

            @Override
            public String minimumVersion() {
                return "0.14";
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
