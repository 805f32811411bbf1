package org.culvert.tun.tapwindows6;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An in-memory HKLM holding the keys TAP discovery reads. */
final class FakeRegistry implements RegistryApi {
    private final Map<String, Map<String, String>> keys = new LinkedHashMap<>();
    private boolean unreadable;

    /** Adds an adapter as the class installer would: subkey {@code index} with its ids, and its connection name. */
    FakeRegistry adapter(String index, String componentId, String guid, String name) {
        Map<String, String> values = key(TapAdapters.ADAPTER_CLASS_KEY + "\\" + index);
        values.put("ComponentId", componentId);
        values.put("NetCfgInstanceId", guid);
        if (name != null) {
            key(TapAdapters.NETWORK_CONNECTIONS_KEY + "\\" + guid + "\\Connection").put("Name", name);
        }
        return this;
    }

    /** Makes the class key fail to list (access denied). */
    FakeRegistry unreadable() {
        unreadable = true;
        return this;
    }

    private Map<String, String> key(String path) {
        return keys.computeIfAbsent(path.toLowerCase(java.util.Locale.ROOT), k -> new LinkedHashMap<>());
    }

    @Override
    public List<String> subKeys(String path) throws IOException {
        if (unreadable) {
            throw new IOException("ERROR_ACCESS_DENIED");
        }
        String prefix = path.toLowerCase(java.util.Locale.ROOT) + "\\";
        List<String> subs = new ArrayList<>();
        for (String k : keys.keySet()) {
            if (k.startsWith(prefix) && k.indexOf('\\', prefix.length()) < 0) {
                subs.add(k.substring(prefix.length()));
            }
        }
        // The real class key also holds "Properties", which only SYSTEM may read.
        if (path.equalsIgnoreCase(TapAdapters.ADAPTER_CLASS_KEY)) {
            subs.add("Properties");
        }
        return subs;
    }

    @Override
    public String stringValue(String path, String name) {
        Map<String, String> values = keys.get(path.toLowerCase(java.util.Locale.ROOT));
        return values == null ? null : values.get(name);
    }
}
