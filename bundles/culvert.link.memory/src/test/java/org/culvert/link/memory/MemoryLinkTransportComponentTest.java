package org.culvert.link.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkListener;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;
import org.culvert.testkit.MemoryLinkSocket;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryNetwork;
import org.culvert.testkit.osgi.EmbeddedFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.ServiceReference;

/** The bundle in a framework with SCR: its service, its properties, and its sockets closing when it stops. */
class MemoryLinkTransportComponentTest {
    private static final String FILTER = "(culvert.plugin.name=memory)";

    @Test
    void registersTheMemoryTransportOnTheSharedNetworkAndClosesItsSocketsWhenStopped(@TempDir Path storage) throws Exception {
        try (EmbeddedFramework fw = EmbeddedFramework.builder(storage)
                .systemPackages(EmbeddedFramework.culvertApiExports(), "org.culvert.testkit;version=1.2.0")
                .classPathBundle("org.osgi.util.function-").classPathBundle("org.osgi.util.promise-")
                .classPathBundle("org.osgi.service.component-").classPathBundle("org.apache.felix.scr-")
                .bundle(Paths.get("target", "classes"))
                .start()) {
            ServiceReference<?> ref = fw.awaitService(LinkTransport.class.getName(), FILTER, 10_000);
            assertNotNull(ref, "no memory LinkTransport service");
            assertEquals("link-transport", ref.getProperty("culvert.plugin.kind"));
            assertEquals("any", ref.getProperty("culvert.plugin.os"));
            assertEquals("SIGNAL", ref.getProperty("culvert.plugin.handle.kinds"));
            assertArrayEquals(new String[] { "udp", "tcp-client", "tcp-server" }, (String[]) ref.getProperty("culvert.link.protocols"));
            assertEquals(Integer.valueOf(-100), ref.getProperty("service.ranking"));

            MemoryLinkTransport transport = (MemoryLinkTransport) fw.context().getService(ref);
            MemoryLinkSocket socket = transport.open(LinkSpec.builder(LinkProtocol.UDP).local("osgi-link", 1194).build());
            assertTrue(MemoryNetwork.bindings().contains("udp osgi-link:1194"), "the bundle and the test share one network");
            LinkListener listener = transport.listen(LinkSpec.builder(LinkProtocol.TCP_SERVER).local("osgi-link", 1194).build());
            assertTrue(MemoryNetwork.bindings().contains("tcp osgi-link:1194"), "the listener is bound");

            fw.bundle("culvert.link.memory").stop();

            assertTrue(fw.noService(LinkTransport.class.getName(), FILTER), "the service is gone with its bundle");
            assertTrue(socket.isClosed(), "deactivation closes the sockets the transport opened");
            assertFalse(MemoryNetwork.bindings().contains("udp osgi-link:1194"));
            assertFalse(MemoryNetwork.bindings().contains("tcp osgi-link:1194"), "deactivation closes the listeners too");
            assertThrows(LinkException.class, listener::accept);
        }
    }
}
