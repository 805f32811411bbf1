package org.culvert.tun.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;

import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.testkit.MemoryTunDevice;
import org.culvert.testkit.MemoryTunDriver;
import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.osgi.EmbeddedFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** The bundle in a framework with SCR: its service, its properties, and its devices closing when it stops. */
class MemoryTunDriverComponentTest {
    private static final String FILTER = "(culvert.plugin.name=memory)";

    @Test
    void registersTheMemoryDriverSharingTheHubAndClosesItsDevicesWhenStopped(@TempDir Path storage) throws Exception {
        try (EmbeddedFramework fw = EmbeddedFramework.builder(storage)
                // The API and the test kit come from the class path, so the test shares their classes and the hub.
                .systemPackages(EmbeddedFramework.culvertApiExports(), "org.culvert.testkit;version=1.2.0")
                .classPathBundle("org.osgi.util.function-").classPathBundle("org.osgi.util.promise-")
                .classPathBundle("org.osgi.service.component-").classPathBundle("org.apache.felix.scr-")
                .bundle(Paths.get("target", "classes"))
                .start()) {
            ServiceReference<?> ref = fw.awaitService(TunDriver.class.getName(), FILTER, 10_000);
            assertNotNull(ref, "no memory TunDriver service");
            assertEquals("tun-driver", ref.getProperty("culvert.plugin.kind"));
            assertEquals("any", ref.getProperty("culvert.plugin.os"));
            assertEquals("SIGNAL", ref.getProperty("culvert.plugin.handle.kinds"));
            assertArrayEquals(new String[] { "tun", "tap" }, (String[]) ref.getProperty("culvert.tun.layers"));
            assertEquals(Integer.valueOf(-100), ref.getProperty("service.ranking"));

            MemoryTunDriver driver = (MemoryTunDriver) fw.context().getService(ref);
            MemoryTunDevice device = driver.open(TunSpec.builder(TunLayer.TUN).name("osgi-mem").build());
            assertSame(device, MemoryTunHub.osSide("osgi-mem").device(), "the bundle and the test share one hub");

            Bundle bundle = fw.bundle("culvert.tun.memory");
            bundle.stop();

            assertTrue(fw.noService(TunDriver.class.getName(), FILTER), "the service is gone with its bundle");
            assertTrue(device.isClosed(), "deactivation closes the devices the driver opened");
            assertNull(MemoryTunHub.osSide("osgi-mem"));
            assertEquals(1, driver.closeCount());
        }
    }
}
