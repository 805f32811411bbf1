package org.culvert.tunnel.internal;

import java.util.Map;

import org.culvert.api.plugin.PluginMatch;
import org.culvert.api.plugin.PluginProperties;

/** A plugin service together with the registry properties it was bound with. */
final class PluginEntry<T> {
    final T service;
    final Map<String, ?> properties;

    PluginEntry(T service, Map<String, ?> properties) {
        this.service = service;
        this.properties = properties;
    }

    String name() {
        Object n = properties.get(PluginProperties.NAME);
        return n == null ? service.getClass().getSimpleName() : n.toString();
    }

    int ranking() {
        return PluginMatch.ranking(properties);
    }

    long serviceId() {
        Object id = properties.get("service.id");
        return id instanceof Long ? (Long) id : 0L;
    }

    @Override
    public String toString() {
        return name();
    }
}
