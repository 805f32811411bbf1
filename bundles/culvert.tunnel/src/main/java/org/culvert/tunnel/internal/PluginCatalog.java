package org.culvert.tunnel.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.tun.TunDriver;

/**
 * The plugin services currently bound to one tunnel, as SCR hands them over (dynamic, multiple
 * references already filtered by the tunnel's {@code *.target} properties). Thread-safe: SCR adds
 * and removes from its threads; the tunnel thread takes snapshots.
 */
final class PluginCatalog {
    private final List<PluginEntry<TunDriver>> drivers = new ArrayList<>();
    private final List<PluginEntry<EventBackend>> backends = new ArrayList<>();
    private final List<PluginEntry<LinkTransport>> transports = new ArrayList<>();
    private final Consumer<Object> onRemoved;
    private final Runnable onAdded;
    private long generation;

    /**
     * @param onAdded   runs after a plugin was added (outside the lock)
     * @param onRemoved runs after a plugin service was removed (outside the lock), with the service;
     *                  it must not return while the tunnel still uses that service
     */
    PluginCatalog(Runnable onAdded, Consumer<Object> onRemoved) {
        this.onAdded = onAdded;
        this.onRemoved = onRemoved;
    }

    void addDriver(TunDriver d, Map<String, ?> props) {
        add(drivers, new PluginEntry<>(d, props));
    }

    void removeDriver(TunDriver d) {
        remove(drivers, d);
    }

    void addBackend(EventBackend b, Map<String, ?> props) {
        add(backends, new PluginEntry<>(b, props));
    }

    void removeBackend(EventBackend b) {
        remove(backends, b);
    }

    void addTransport(LinkTransport t, Map<String, ?> props) {
        add(transports, new PluginEntry<>(t, props));
    }

    void removeTransport(LinkTransport t) {
        remove(transports, t);
    }

    private <T> void add(List<PluginEntry<T>> list, PluginEntry<T> e) {
        synchronized (this) {
            list.add(e);
            generation++;
        }
        onAdded.run();
    }

    private <T> void remove(List<PluginEntry<T>> list, T service) {
        boolean removed;
        synchronized (this) {
            removed = list.removeIf(e -> e.service == service);
            if (removed) {
                generation++;
            }
        }
        if (removed) {
            onRemoved.accept(service);
        }
    }

    synchronized long generation() {
        return generation;
    }

    synchronized Snapshot snapshot() {
        return new Snapshot(new ArrayList<>(drivers), new ArrayList<>(backends), new ArrayList<>(transports), generation);
    }

    /** An immutable copy of what was bound at one moment. */
    static final class Snapshot {
        final List<PluginEntry<TunDriver>> drivers;
        final List<PluginEntry<EventBackend>> backends;
        final List<PluginEntry<LinkTransport>> transports;
        final long generation;

        Snapshot(List<PluginEntry<TunDriver>> drivers, List<PluginEntry<EventBackend>> backends,
                List<PluginEntry<LinkTransport>> transports, long generation) {
            this.drivers = drivers;
            this.backends = backends;
            this.transports = transports;
            this.generation = generation;
        }
    }
}
