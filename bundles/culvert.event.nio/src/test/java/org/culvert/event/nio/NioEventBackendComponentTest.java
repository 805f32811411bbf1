package org.culvert.event.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.HandleKind;
import org.culvert.api.event.ReadyEvents;
import org.culvert.testkit.osgi.EmbeddedFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** The bundle in a framework with SCR: its service, its properties, and that it exports nothing. */
class NioEventBackendComponentTest {
    private static final String FILTER = "(culvert.plugin.name=nio)";

    @Test
    void registersTheNioBackendRankedBelowTheNativeOnes(@TempDir Path storage) throws Exception {
        try (EmbeddedFramework fw = EmbeddedFramework.builder(storage)
                .systemPackages(EmbeddedFramework.culvertApiExports())
                .classPathBundle("org.osgi.util.function-").classPathBundle("org.osgi.util.promise-")
                .classPathBundle("org.osgi.service.component-").classPathBundle("org.apache.felix.scr-")
                .bundle(Paths.get("target", "classes"))
                .start()) {
            ServiceReference<?> ref = fw.awaitService(EventBackend.class.getName(), FILTER, 10_000);
            assertNotNull(ref, "no nio EventBackend service");
            assertEquals("event-backend", ref.getProperty("culvert.plugin.kind"));
            assertEquals("any", ref.getProperty("culvert.plugin.os"));
            assertEquals("NIO_CHANNEL", ref.getProperty("culvert.plugin.handle.kinds"));
            assertEquals(Integer.valueOf(100), ref.getProperty("service.ranking"));

            EventBackend backend = (EventBackend) fw.context().getService(ref);
            assertEquals(Set.of(HandleKind.NIO_CHANNEL), backend.handleKinds());
            try (EventSet set = backend.open(1)) {
                set.wakeup();
                assertEquals(0, set.wait(10_000, new ReadyEvents(1)));
            }

            Bundle bundle = fw.bundle("culvert.event.nio");
            assertNull(bundle.getHeaders().get("Export-Package"), "a plugin exports nothing");
            bundle.stop();
            assertTrue(fw.noService(EventBackend.class.getName(), FILTER));
        }
    }
}
