package org.culvert.tun.devnull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;

import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;
import org.culvert.testkit.osgi.EmbeddedFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.ServiceReference;

/** The driver: what it refuses, and its service in a framework with SCR. */
class NullTunDriverTest {
    private static final String FILTER = "(culvert.plugin.name=null)";

    private final NullTunDriver driver = new NullTunDriver();

    @Test
    void refusesTunAndTap() {
        for (TunLayer layer : new TunLayer[] { TunLayer.TUN, TunLayer.TAP }) {
            TunException e = assertThrows(TunException.class, () -> driver.open(TunSpec.builder(layer).name("tun").build()));
            assertEquals(TunException.Reason.UNSUPPORTED, e.reason());
            assertTrue(e.getMessage().contains(layer.optionName()), e.getMessage());
        }
        assertEquals(0, driver.openCount());
    }

    @Test
    void refusesAnythingToConfigure() {
        assertRefused(TunSpec.builder(TunLayer.NULL).ifconfig("10.1.0.1", "10.1.0.2").build());
        assertRefused(TunSpec.builder(TunLayer.NULL).ifconfigIpv6("fd00::1", 64, null).build());
        assertRefused(TunSpec.builder(TunLayer.NULL).route(new TunRoute("10.9.0.0", 16, null, -1)).build());
        assertRefused(TunSpec.builder(TunLayer.NULL).up("/bin/true").build());
        assertRefused(TunSpec.builder(TunLayer.NULL).down("/bin/true").build());
        assertEquals(0, driver.openCount());
    }

    @Test
    void namesTheDeviceAsAsked() throws Exception {
        try (TunDevice unnamed = driver.open(TunSpec.builder(TunLayer.NULL).build());
                TunDevice named = driver.open(TunSpec.builder(TunLayer.NULL).name("null0").build())) {
            assertEquals("null", unnamed.name());
            assertEquals("null0", named.name());
            assertEquals(1500, unnamed.mtu());
            assertEquals(2, driver.openCount());
        }
        assertEquals(0, driver.openCount());
    }

    @Test
    void deactivationClosesOpenDevices() throws Exception {
        NullTunDevice d = (NullTunDevice) driver.open(TunSpec.builder(TunLayer.NULL).build());
        driver.deactivate();
        assertTrue(d.isClosed());
        assertEquals(0, driver.openCount());
    }

    @Test
    void registersAsTheNullDriverForTheNullLayerOnly(@TempDir Path storage) throws Exception {
        try (EmbeddedFramework fw = EmbeddedFramework.builder(storage)
                .systemPackages(EmbeddedFramework.culvertApiExports())
                .classPathBundle("org.osgi.util.function-").classPathBundle("org.osgi.util.promise-")
                .classPathBundle("org.osgi.service.component-").classPathBundle("org.apache.felix.scr-")
                .bundle(Paths.get("target", "classes"))
                .start()) {
            ServiceReference<?> ref = fw.awaitService(TunDriver.class.getName(), FILTER, 10_000);
            assertNotNull(ref, "no null TunDriver service");
            assertEquals("tun-driver", ref.getProperty("culvert.plugin.kind"));
            assertEquals("any", ref.getProperty("culvert.plugin.os"));
            assertEquals("null", ref.getProperty("culvert.tun.layers"));
            assertNull(ref.getProperty("culvert.plugin.handle.kinds"), "its devices have nothing to wait on");

            fw.bundle("culvert.tun.null").stop();
            assertTrue(fw.noService(TunDriver.class.getName(), FILTER), "the service is gone with its bundle");
        }
    }

    private void assertRefused(TunSpec spec) {
        TunException e = assertThrows(TunException.class, () -> driver.open(spec));
        assertEquals(TunException.Reason.UNSUPPORTED, e.reason());
    }
}
