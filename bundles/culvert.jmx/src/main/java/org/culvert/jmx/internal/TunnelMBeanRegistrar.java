package org.culvert.jmx.internal;

import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.jmx.TunnelMBeans;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Keeps one {@link TunnelMBean} in the platform MBeanServer for every {@link Tunnel} service, under
 * {@link TunnelMBeans#objectName(String)}: registered when the tunnel service appears, unregistered
 * when it goes and when this component is deactivated (the bundle stops). A server-mode tunnel (its
 * {@code server()} present when its service appears) also gets a {@link TunnelServerMBean} under
 * {@link TunnelMBeans#serverObjectName(String)}, with the same lifetime.
 *
 * <p>Two tunnel services may carry the same name for a moment (a factory configuration replaced by
 * another with that name, two .cfg files naming the same tunnel): the newest one is shown, and when
 * it goes the one before it is shown again, so the MBean never points at a tunnel that is gone.
 *
 * <p>SCR calls the bind and unbind methods on its own threads, possibly at once; a lock keeps the
 * bookkeeping and the MBeanServer in step. MBeanServer calls are quick and never call back here.
 */
@Component(immediate = true, service = {})
public final class TunnelMBeanRegistrar {
    private static final System.Logger LOG = System.getLogger("org.culvert.jmx");

    private final MBeanServer server;
    private final Object lock = new Object();
    /** Guarded by lock: the tunnel services bearing each name, oldest first; the last one is shown. */
    private final Map<String, Deque<Tunnel>> tunnelsByName = new HashMap<>();
    /** Guarded by lock: the MBeans this component registered (and so may unregister), by tunnel name. */
    private final Map<String, TunnelMBean> shown = new HashMap<>();
    /** Guarded by lock: the server MBeans this component registered, by tunnel name. */
    private final Map<String, TunnelServerMBean> shownServers = new HashMap<>();
    /** Guarded by lock: set by deactivation, after which binds and unbinds change nothing. */
    private boolean closed;

    /** Used by SCR: the JVM's platform MBeanServer, where JConsole and JMX agents look. */
    public TunnelMBeanRegistrar() {
        this(ManagementFactory.getPlatformMBeanServer());
    }

    TunnelMBeanRegistrar(MBeanServer server) {
        this.server = server;
    }

    @Reference(name = "tunnel", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTunnel(Tunnel tunnel) {
        String name = tunnel.name();
        synchronized (lock) {
            if (closed) {
                return;
            }
            tunnelsByName.computeIfAbsent(name, n -> new ArrayDeque<>()).addLast(tunnel);
            show(name, tunnel);
        }
    }

    void removeTunnel(Tunnel tunnel) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            // The tunnel's name cannot change, but look it up by identity in case the service broke.
            String name = null;
            for (Map.Entry<String, Deque<Tunnel>> e : tunnelsByName.entrySet()) {
                if (e.getValue().removeIf(t -> t == tunnel)) {
                    name = e.getKey();
                    break;
                }
            }
            if (name == null) {
                return;
            }
            TunnelMBean current = shown.get(name);
            TunnelServerMBean currentServer = shownServers.get(name);
            if ((current != null && current.tunnel() == tunnel) || (currentServer != null && currentServer.tunnel() == tunnel)) {
                hide(name);
            }
            Deque<Tunnel> rest = tunnelsByName.get(name);
            if (rest.isEmpty()) {
                tunnelsByName.remove(name);
            } else if (!shown.containsKey(name) && !shownServers.containsKey(name)) {
                show(name, rest.peekLast());
            }
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            closed = true;
            for (String name : new ArrayList<>(shown.keySet())) {
                hide(name);
            }
            tunnelsByName.clear();
        }
    }

    /** The tunnel names that have an MBean registered by this component, for tests. */
    List<String> shownNames() {
        synchronized (lock) {
            return new ArrayList<>(shown.keySet());
        }
    }

    /** Registers {@code tunnel}'s MBean in place of whatever this component showed for {@code name} (lock held). */
    private void show(String name, Tunnel tunnel) {
        TunnelMBean previous = shown.get(name);
        if (previous != null && previous.tunnel() == tunnel) {
            return;
        }
        hide(name);
        TunnelMBean mbean = new TunnelMBean(tunnel);
        if (register(mbean, TunnelMBeans.objectName(name), name)) {
            shown.put(name, mbean);
        }
        // A server shows its clients too; its Tunnel.server() is present from the service's start.
        if (isServer(tunnel)) {
            TunnelServerMBean serverMBean = new TunnelServerMBean(tunnel);
            if (register(serverMBean, TunnelMBeans.serverObjectName(name), name)) {
                shownServers.put(name, serverMBean);
            }
        }
    }

    private static boolean isServer(Tunnel tunnel) {
        try {
            return tunnel.server().isPresent();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private boolean register(Object mbean, ObjectName objectName, String name) {
        try {
            server.registerMBean(mbean, objectName);
            return true;
        } catch (InstanceAlreadyExistsException e) {
            // Someone else's MBean (e.g. a second framework in this JVM with its own tunnel of that name): leave it alone.
            LOG.log(System.Logger.Level.WARNING, "JMX name " + objectName + " is taken by another MBean; tunnel " + name
                    + " is not shown there in JMX");
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot register the JMX MBean " + objectName + " of tunnel " + name, e);
        }
        return false;
    }

    /** Unregisters the MBean this component registered for {@code name}, if any (lock held). */
    private void hide(String name) {
        if (shown.remove(name) != null) {
            unregister(TunnelMBeans.objectName(name), name);
        }
        if (shownServers.remove(name) != null) {
            unregister(TunnelMBeans.serverObjectName(name), name);
        }
    }

    private void unregister(ObjectName objectName, String name) {
        try {
            server.unregisterMBean(objectName);
        } catch (InstanceNotFoundException alreadyGone) {
            // Someone unregistered it behind our back; the result is the one wanted.
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot unregister the JMX MBean " + objectName + " of tunnel " + name, e);
        }
    }
}
