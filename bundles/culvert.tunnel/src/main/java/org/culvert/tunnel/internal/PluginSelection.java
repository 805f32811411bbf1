package org.culvert.tunnel.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.HandleKind;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.plugin.PluginMatch;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tunnel.TunnelReason;

/**
 * Chooses a tunnel's driver, backend and transport from a catalog snapshot: among the usable
 * services of each kind that serve what the configuration needs, the highest {@code service.ranking}
 * wins (ties: the lowest service id, i.e. the oldest); the backend must be able to wait on the handle
 * kinds of both the chosen driver and transport, because OpenVPN's loop waits on tun and link in one
 * set. When something is missing the result names it.
 */
final class PluginSelection {
    final PluginEntry<TunDriver> driver;
    final PluginEntry<EventBackend> backend;
    final PluginEntry<LinkTransport> transport;
    final TunnelReason missing;
    final String detail;

    private PluginSelection(PluginEntry<TunDriver> driver, PluginEntry<EventBackend> backend,
            PluginEntry<LinkTransport> transport, TunnelReason missing, String detail) {
        this.driver = driver;
        this.backend = backend;
        this.transport = transport;
        this.missing = missing;
        this.detail = detail;
    }

    boolean complete() {
        return missing == TunnelReason.NONE;
    }

    static PluginSelection choose(PluginCatalog.Snapshot s, TunLayer layer, LinkProtocol protocol, String osName,
            String driverFilter, String backendFilter, String transportFilter) {
        return choose(s, layer, protocol, null, osName, driverFilter, backendFilter, transportFilter);
    }

    /** @param proxy the {@code culvert.link.proxies} value the transport must serve, or null */
    static PluginSelection choose(PluginCatalog.Snapshot s, TunLayer layer, LinkProtocol protocol, String proxy, String osName,
            String driverFilter, String backendFilter, String transportFilter) {
        List<String> why = new ArrayList<>();
        PluginEntry<TunDriver> driver = best(s.drivers, osName, why,
                e -> PluginMatch.contains(e.properties, PluginProperties.TUN_LAYERS, layer.optionName()) ? null
                        : "does not serve dev-type " + layer.optionName());
        if (driver == null) {
            return missing(TunnelReason.DRIVER_MISSING, "no usable tun driver for dev-type " + layer.optionName()
                    + filterText(driverFilter) + describe(s.drivers.size(), why));
        }
        why.clear();
        PluginEntry<LinkTransport> transport = best(s.transports, osName, why,
                e -> !e.service.protocols().contains(protocol) ? "does not serve proto " + protocol.optionName()
                        : proxy != null && !PluginMatch.contains(e.properties, PluginProperties.LINK_PROXIES, proxy)
                        ? "cannot go through a " + proxy + " proxy" : null);
        if (transport == null) {
            return missing(TunnelReason.TRANSPORT_MISSING, "no usable link transport for proto " + protocol.optionName()
                    + (proxy == null ? "" : " through a " + proxy + " proxy")
                    + filterText(transportFilter) + describe(s.transports.size(), why));
        }
        Set<HandleKind> needed = EnumSet.noneOf(HandleKind.class);
        needed.addAll(handleKinds(driver));
        needed.addAll(handleKinds(transport));
        why.clear();
        PluginEntry<EventBackend> backend = best(s.backends, osName, why,
                e -> e.service.handleKinds().containsAll(needed) ? null : "waits on " + e.service.handleKinds());
        if (backend == null) {
            if (s.backends.isEmpty()) {
                return missing(TunnelReason.BACKEND_MISSING, "no event backend" + filterText(backendFilter));
            }
            return missing(TunnelReason.NO_COMPATIBLE_BACKEND, "no event backend can wait on " + needed + " (driver "
                    + driver.name() + ", transport " + transport.name() + ")" + filterText(backendFilter) + describe(s.backends.size(), why));
        }
        return new PluginSelection(driver, backend, transport, TunnelReason.NONE, "");
    }

    private static PluginSelection missing(TunnelReason reason, String detail) {
        return new PluginSelection(null, null, null, reason, detail);
    }

    private static String filterText(String filter) {
        return filter == null || filter.isEmpty() ? "" : " matching " + filter;
    }

    private static String describe(int count, List<String> why) {
        return count == 0 ? "" : " (" + String.join("; ", why) + ")";
    }

    static Set<HandleKind> handleKinds(PluginEntry<?> e) {
        Set<HandleKind> kinds = EnumSet.noneOf(HandleKind.class);
        for (HandleKind k : HandleKind.values()) {
            if (PluginMatch.contains(e.properties, PluginProperties.HANDLE_KINDS, k.name())) {
                kinds.add(k);
            }
        }
        return kinds;
    }

    interface Check<T> {
        /** @return null when usable, else why not */
        String problem(PluginEntry<T> e);
    }

    private static <T> PluginEntry<T> best(List<PluginEntry<T>> entries, String osName, List<String> why, Check<T> check) {
        PluginEntry<T> best = null;
        List<PluginEntry<T>> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.<PluginEntry<T>>comparingInt(PluginEntry::ranking).reversed().thenComparingLong(PluginEntry::serviceId));
        for (PluginEntry<T> e : sorted) {
            String problem = null;
            if (!PluginMatch.osMatches(e.properties, osName)) {
                problem = "not for " + PluginMatch.osAlias(osName);
            } else if (e.service instanceof org.culvert.api.plugin.Plugin
                    && !((org.culvert.api.plugin.Plugin) e.service).availability().isAvailable()) {
                problem = ((org.culvert.api.plugin.Plugin) e.service).availability().cause();
            } else {
                problem = check.problem(e);
            }
            if (problem == null) {
                if (best == null) {
                    best = e;
                }
            } else {
                why.add(e.name() + ": " + problem);
            }
        }
        return best;
    }
}
