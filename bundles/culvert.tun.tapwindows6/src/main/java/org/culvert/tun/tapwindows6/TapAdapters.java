package org.culvert.tun.tapwindows6;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds the installed TAP adapters as OpenVPN's {@code get_tap_reg}/{@code get_panel_reg} do: every
 * subkey of the network adapter class key whose {@code ComponentId} is one of the wanted ids yields
 * its {@code NetCfgInstanceId} (the GUID), and the connection's name comes from the network key.
 */
final class TapAdapters {
    /** The class key of network adapters ({@code GUID_DEVCLASS_NET}). */
    static final String ADAPTER_CLASS_KEY = "SYSTEM\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}";
    /** Where connection names live: {@code <this>\{GUID}\Connection}, value {@code Name}. */
    static final String NETWORK_CONNECTIONS_KEY = "SYSTEM\\CurrentControlSet\\Control\\Network\\{4D36E972-E325-11CE-BFC1-08002BE10318}";

    private TapAdapters() {
    }

    /**
     * @param componentIds wanted component ids, lower case
     * @return the adapters in registry order; empty when none is installed
     * @throws IOException when the class key cannot be read
     */
    static List<TapAdapter> find(RegistryApi registry, Set<String> componentIds) throws IOException {
        List<TapAdapter> found = new ArrayList<>();
        for (String sub : registry.subKeys(ADAPTER_CLASS_KEY)) {
            String key = ADAPTER_CLASS_KEY + "\\" + sub;
            String componentId = registry.stringValue(key, "ComponentId");
            if (componentId == null || !componentIds.contains(componentId.toLowerCase(Locale.ROOT))) {
                continue;
            }
            String guid = registry.stringValue(key, "NetCfgInstanceId");
            if (!TapAdapter.isGuid(guid)) {
                // Never build a device path from something that is not a GUID.
                continue;
            }
            String name = registry.stringValue(NETWORK_CONNECTIONS_KEY + "\\" + guid + "\\Connection", "Name");
            found.add(new TapAdapter(guid, name, componentId));
        }
        return found;
    }
}
