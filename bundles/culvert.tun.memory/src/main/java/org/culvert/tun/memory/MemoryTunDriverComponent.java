package org.culvert.tun.memory;

import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunDriver;
import org.culvert.testkit.MemoryTunDriver;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Registers the test kit's {@link MemoryTunDriver} as the {@code memory} tun driver. Its devices'
 * OS sides are found by name in the test kit's shared {@link org.culvert.testkit.MemoryTunHub}.
 *
 * <p>Ranked -100 so it is never the default where a real driver exists; a tunnel asks for it with
 * the filter {@code (culvert.plugin.name=memory)}. A bundle of its own so an integration test can stop
 * just this driver and watch tunnels wait for it. On deactivation the devices it opened are closed
 * (normally their tunnels have already closed them).
 */
@Component(service = TunDriver.class, immediate = true, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_TUN_DRIVER,
        PluginProperties.NAME + "=memory",
        PluginProperties.OS + "=" + PluginProperties.OS_ANY,
        PluginProperties.HANDLE_KINDS + "=SIGNAL",
        PluginProperties.TUN_LAYERS + "=tun",
        PluginProperties.TUN_LAYERS + "=tap",
        "service.ranking:Integer=-100" })
public class MemoryTunDriverComponent extends MemoryTunDriver {
    @Deactivate
    void deactivate() {
        closeAll();
    }
}
