package org.culvert.event.memory;

import org.culvert.api.event.EventBackend;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.testkit.MemoryEventBackend;
import org.osgi.service.component.annotations.Component;

/**
 * Registers the test kit's {@link MemoryEventBackend} as the {@code memory} event backend, which
 * waits on the SIGNAL waitables of the memory tun devices and link sockets.
 *
 * <p>Ranked -100 so it is never the default where a real backend exists. Its event sets belong to
 * the tunnels that opened them and are closed by them.
 */
@Component(service = EventBackend.class, immediate = true, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_EVENT_BACKEND,
        PluginProperties.NAME + "=memory",
        PluginProperties.OS + "=" + PluginProperties.OS_ANY,
        PluginProperties.HANDLE_KINDS + "=SIGNAL",
        "service.ranking:Integer=-100" })
public class MemoryEventBackendComponent extends MemoryEventBackend {
}
