package org.culvert.tunnel.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelException;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelState;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Tunnels are ConfigAdmin factory configurations: this service creates and deletes them and waits
 * until SCR has made (or removed) the matching {@link TunnelComponent}, so callers get a synchronous
 * answer while hosts that write configurations directly (a .cfg file) get the same tunnels.
 */
@Component(service = TunnelManager.class)
public final class TunnelManagerImpl implements TunnelManager {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final long APPEAR_TIMEOUT_MILLIS = 10_000;
    private static final long VANISH_TIMEOUT_MILLIS = 15_000;

    private final List<Tunnel> tunnels = new CopyOnWriteArrayList<>();
    private final Object changed = new Object();

    @Reference
    private ConfigurationAdmin configAdmin;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTunnel(Tunnel tunnel) {
        tunnels.add(tunnel);
        signal();
    }

    void removeTunnel(Tunnel tunnel) {
        tunnels.remove(tunnel);
        signal();
    }

    private void signal() {
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    @Override
    public Tunnel start(String name, String configText, String sourceName, Map<String, String> pluginFilters) throws TunnelException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new TunnelException(TunnelException.Reason.CONFIG_ERROR,
                    "bad tunnel name '" + name + "': use 1-64 letters, digits, '.', '_' or '-'");
        }
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(PROP_NAME, name);
        props.put(PROP_CONFIG, configText);
        props.put("configSource", sourceName == null ? name : sourceName);
        if (pluginFilters != null) {
            for (Map.Entry<String, String> e : pluginFilters.entrySet()) {
                String key = e.getKey();
                if (!key.equals(PROP_DRIVER_TARGET) && !key.equals(PROP_BACKEND_TARGET) && !key.equals(PROP_TRANSPORT_TARGET)) {
                    throw new TunnelException(TunnelException.Reason.CONFIG_ERROR, "unknown plugin filter key '" + key + "'");
                }
                if (e.getValue() != null && !e.getValue().isEmpty()) {
                    try {
                        FrameworkUtil.createFilter(e.getValue());
                    } catch (InvalidSyntaxException ex) {
                        throw new TunnelException(TunnelException.Reason.CONFIG_ERROR, key + ": bad LDAP filter '" + e.getValue() + "'");
                    }
                    props.put(key, e.getValue());
                }
            }
        }
        try {
            PlanBuilder.fromConfiguration(name, props).wipe(); // only a check: the component builds its own
        } catch (PlanBuilder.PlanException e) {
            throw new TunnelException(TunnelException.Reason.CONFIG_ERROR, e.getMessage(), e);
        }
        synchronized (this) {
            if (get(name).isPresent() || findConfiguration(name) != null) {
                throw new TunnelException(TunnelException.Reason.DUPLICATE_NAME, "a tunnel named '" + name + "' exists already");
            }
            try {
                Configuration c = configAdmin.getFactoryConfiguration(FACTORY_PID, name, "?");
                c.update(props);
            } catch (IOException e) {
                throw new TunnelException(TunnelException.Reason.STORE_FAILED, "cannot store the tunnel configuration: " + e.getMessage(), e);
            }
        }
        return awaitTunnel(name);
    }

    private Tunnel awaitTunnel(String name) throws TunnelException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(APPEAR_TIMEOUT_MILLIS);
        synchronized (changed) {
            while (true) {
                Optional<Tunnel> t = get(name);
                if (t.isPresent()) {
                    return t.get();
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new TunnelException(TunnelException.Reason.TIMEOUT, "tunnel '" + name
                            + "' was configured but did not appear within " + APPEAR_TIMEOUT_MILLIS / 1000 + " s (is the core bundle active?)");
                }
                try {
                    changed.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TunnelException(TunnelException.Reason.TIMEOUT, "interrupted");
                }
            }
        }
    }

    @Override
    public void stop(String name) throws TunnelException {
        Configuration c = findConfiguration(name);
        if (c == null) {
            throw new TunnelException(TunnelException.Reason.NOT_FOUND, "no tunnel named '" + name + "'");
        }
        Tunnel running = get(name).orElse(null);
        try {
            c.delete();
        } catch (IOException | IllegalStateException e) {
            throw new TunnelException(TunnelException.Reason.STORE_FAILED, "cannot delete the tunnel configuration: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(VANISH_TIMEOUT_MILLIS);
        synchronized (changed) {
            while (get(name).isPresent()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new TunnelException(TunnelException.Reason.TIMEOUT, "tunnel '" + name + "' did not stop within "
                            + VANISH_TIMEOUT_MILLIS / 1000 + " s");
                }
                try {
                    changed.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        // SCR unregisters the service before the component's deactivation has stopped the tunnel; return
        // only once the tunnel released everything, so the caller sees its final state.
        while (running != null && running.status().state() != TunnelState.STOPPED && running.status().state() != TunnelState.FAILED) {
            if (System.nanoTime() - deadline > 0) {
                throw new TunnelException(TunnelException.Reason.TIMEOUT, "tunnel '" + name + "' did not stop within "
                        + VANISH_TIMEOUT_MILLIS / 1000 + " s");
            }
            synchronized (changed) {
                try {
                    changed.wait(POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** How often stop() looks at a tunnel's state while its deactivation finishes (it has no event of its own). */
    private static final long POLL_MILLIS = 10;

    private Configuration findConfiguration(String name) throws TunnelException {
        try {
            Configuration[] found = configAdmin.listConfigurations(
                    "(&(" + ConfigurationAdmin.SERVICE_FACTORYPID + "=" + FACTORY_PID + ")(" + PROP_NAME + "=" + escape(name) + "))");
            return found == null || found.length == 0 ? null : found[0];
        } catch (IOException | InvalidSyntaxException e) {
            throw new TunnelException(TunnelException.Reason.STORE_FAILED, "cannot list tunnel configurations: " + e.getMessage(), e);
        }
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("*", "\\*").replace("(", "\\(").replace(")", "\\)");
    }

    @Override
    public Optional<Tunnel> get(String name) {
        for (Tunnel t : tunnels) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public List<Tunnel> list() {
        List<Tunnel> l = new ArrayList<>(tunnels);
        l.sort(Comparator.comparing(Tunnel::name));
        return l;
    }

}
