package org.culvert.link.memory;

import org.culvert.api.link.LinkTransport;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.testkit.MemoryLinkTransport;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Registers the test kit's {@link MemoryLinkTransport} as the {@code memory} link transport (udp,
 * tcp-client, tcp-server over the test kit's shared {@link org.culvert.testkit.MemoryNetwork}).
 *
 * <p>Ranked -100 so it is never the default where a real transport exists; a tunnel asks for it with
 * the filter {@code (culvert.plugin.name=memory)}. On deactivation the sockets it opened are closed.
 */
@Component(service = LinkTransport.class, immediate = true, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_LINK_TRANSPORT,
        PluginProperties.NAME + "=memory",
        PluginProperties.OS + "=" + PluginProperties.OS_ANY,
        PluginProperties.HANDLE_KINDS + "=SIGNAL",
        PluginProperties.LINK_PROTOCOLS + "=udp",
        PluginProperties.LINK_PROTOCOLS + "=tcp-client",
        PluginProperties.LINK_PROTOCOLS + "=tcp-server",
        "service.ranking:Integer=-100" })
public class MemoryLinkTransportComponent extends MemoryLinkTransport {
    @Deactivate
    void deactivate() {
        closeAll();
    }
}
