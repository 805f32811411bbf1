package org.culvert.event.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.HandleKind;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.event.SignalWaitable;
import org.culvert.testkit.osgi.EmbeddedFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.ServiceReference;

/** The bundle in a framework with SCR: its service and its properties. */
class MemoryEventBackendComponentTest {
    private static final String FILTER = "(culvert.plugin.name=memory)";

    @Test
    void registersTheMemoryBackend(@TempDir Path storage) throws Exception {
        try (EmbeddedFramework fw = EmbeddedFramework.builder(storage)
                .systemPackages(EmbeddedFramework.culvertApiExports(), "org.culvert.testkit;version=1.2.0")
                .classPathBundle("org.osgi.util.function-").classPathBundle("org.osgi.util.promise-")
                .classPathBundle("org.osgi.service.component-").classPathBundle("org.apache.felix.scr-")
                .bundle(Paths.get("target", "classes"))
                .start()) {
            ServiceReference<?> ref = fw.awaitService(EventBackend.class.getName(), FILTER, 10_000);
            assertNotNull(ref, "no memory EventBackend service");
            assertEquals("event-backend", ref.getProperty("culvert.plugin.kind"));
            assertEquals("any", ref.getProperty("culvert.plugin.os"));
            assertEquals("SIGNAL", ref.getProperty("culvert.plugin.handle.kinds"));
            assertEquals(Integer.valueOf(-100), ref.getProperty("service.ranking"));

            EventBackend backend = (EventBackend) fw.context().getService(ref);
            assertEquals(java.util.Set.of(HandleKind.SIGNAL), backend.handleKinds());
            SignalWaitable signal = new SignalWaitable("osgi", true, false);
            ReadyEvents ready = new ReadyEvents(1);
            try (EventSet set = backend.open(1)) {
                set.ctl(signal, EventSet.READ, 9);
                assertEquals(1, set.wait(1_000, ready));
                assertEquals(EventSet.READ, ready.flagsFor(9));
            }

            fw.bundle("culvert.event.memory").stop();
            assertTrue(fw.noService(EventBackend.class.getName(), FILTER), "the service is gone with its bundle");
        }
    }
}
