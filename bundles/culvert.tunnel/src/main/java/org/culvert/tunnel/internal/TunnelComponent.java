package org.culvert.tunnel.internal;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelListener;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One tunnel per factory configuration. The plugin references are dynamic and optional on purpose:
 * a tunnel whose driver, backend or transport goes away must not be deactivated (it would vanish
 * from {@code tunnel:list} and lose its state); it goes to WAITING, naming what is missing, and comes
 * back by itself. The configuration's {@code driver.target}, {@code backend.target} and
 * {@code transport.target} properties filter these references.
 */
@Component(configurationPid = TunnelManager.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = Tunnel.class)
@Designate(ocd = TunnelConfig.class, factory = true)
public final class TunnelComponent implements Tunnel, StatusSink {
    private final PluginCatalog catalog;
    private final List<TunnelListener> listeners = new CopyOnWriteArrayList<>();
    private final Counters counters = new Counters();
    private volatile TunnelStatus status = new TunnelStatus(TunnelState.STARTING, TunnelReason.NONE, "", Instant.now());
    private volatile Map<String, String> plugins = Collections.emptyMap();
    private volatile String deviceName;
    private volatile TunnelRunner runner;
    private volatile String name = "?";

    public TunnelComponent() {
        catalog = new PluginCatalog(this::pluginAdded, this::pluginRemoved);
    }

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        name = String.valueOf(properties.getOrDefault(TunnelManager.PROP_NAME, properties.get("service.pid")));
        TunnelPlan plan;
        try {
            plan = PlanBuilder.fromConfiguration(name, properties);
        } catch (PlanBuilder.PlanException e) {
            new TunnelLog(name).warn(e.getMessage());
            status(TunnelState.FAILED, TunnelReason.CONFIG_ERROR, e.getMessage());
            return;
        }
        TunnelRunner r = new TunnelRunner(name, plan, catalog, context.getProperty("org.osgi.framework.os.name"),
                text(properties.get(TunnelManager.PROP_DRIVER_TARGET)), text(properties.get(TunnelManager.PROP_BACKEND_TARGET)),
                text(properties.get(TunnelManager.PROP_TRANSPORT_TARGET)), this, counters, LoopClock.SYSTEM);
        runner = r;
        r.start();
    }

    @Deactivate
    void deactivate() {
        TunnelRunner r = runner;
        if (r != null) {
            r.stop(TunnelReason.USER_STOP);
        }
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }

    // --- plugins (SCR threads) ---

    @Reference(name = "driver", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDriver(TunDriver driver, Map<String, Object> properties) {
        catalog.addDriver(driver, properties);
    }

    void removeDriver(TunDriver driver) {
        catalog.removeDriver(driver);
    }

    @Reference(name = "backend", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addBackend(EventBackend backend, Map<String, Object> properties) {
        catalog.addBackend(backend, properties);
    }

    void removeBackend(EventBackend backend) {
        catalog.removeBackend(backend);
    }

    @Reference(name = "transport", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTransport(LinkTransport transport, Map<String, Object> properties) {
        catalog.addTransport(transport, properties);
    }

    void removeTransport(LinkTransport transport) {
        catalog.removeTransport(transport);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addListener(TunnelListener listener) {
        listeners.add(listener);
    }

    void removeListener(TunnelListener listener) {
        listeners.remove(listener);
    }

    private void pluginAdded() {
        TunnelRunner r = runner;
        if (r != null) {
            r.pluginAdded();
        }
    }

    private void pluginRemoved(Object service) {
        TunnelRunner r = runner;
        if (r != null) {
            r.pluginRemoved(service);
        }
    }

    // --- StatusSink (tunnel thread) ---

    @Override
    public void status(TunnelState state, TunnelReason reason, String detail) {
        TunnelStatus previous = status;
        TunnelStatus current = new TunnelStatus(state, reason, detail, Instant.now());
        status = current;
        if (previous.state() != state || previous.reason() != reason) {
            new TunnelLog(name).info("state " + current);
        }
        for (TunnelListener l : listeners) {
            try {
                l.stateChanged(this, previous, current);
            } catch (RuntimeException e) {
                new TunnelLog(name).error("a tunnel listener failed", e);
            }
        }
    }

    @Override
    public void plugins(String driver, String backend, String transport, String device) {
        if (driver == null) {
            plugins = Collections.emptyMap();
        } else {
            Map<String, String> m = new LinkedHashMap<>();
            m.put(PluginProperties.KIND_TUN_DRIVER, driver);
            m.put(PluginProperties.KIND_EVENT_BACKEND, backend);
            m.put(PluginProperties.KIND_LINK_TRANSPORT, transport);
            plugins = Collections.unmodifiableMap(m);
        }
        deviceName = device;
    }

    // --- Tunnel ---

    @Override
    public String name() {
        return name;
    }

    @Override
    public TunnelStatus status() {
        return status;
    }

    @Override
    public TunnelCounters counters() {
        return counters.snapshot();
    }

    @Override
    public Map<String, String> plugins() {
        return plugins;
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    @Override
    public String toString() {
        return "Tunnel[" + name + " " + status + "]";
    }
}
