package org.culvert.api.tunnel;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Starts, stops and lists tunnels. Each tunnel is stored as a ConfigAdmin factory configuration
 * ({@link #FACTORY_PID}) so it survives a restart of the core bundle; the core makes one tunnel
 * component per configuration. Thread-safe.
 */
@ProviderType
public interface TunnelManager {
    /** Factory PID of tunnel configurations, for hosts that create them directly (e.g. a .cfg file). */
    String FACTORY_PID = "org.culvert.tunnel";
    /** Configuration property: the tunnel's name. */
    String PROP_NAME = "name";
    /** Configuration property: the OpenVPN configuration text. */
    String PROP_CONFIG = "config";
    /** Configuration property: path of an OpenVPN configuration file (used when {@link #PROP_CONFIG} is absent). */
    String PROP_CONFIG_FILE = "configFile";
    /** Configuration property: LDAP filter choosing the tun driver (DS reference target). */
    String PROP_DRIVER_TARGET = "driver.target";
    /** Configuration property: LDAP filter choosing the event backend. */
    String PROP_BACKEND_TARGET = "backend.target";
    /** Configuration property: LDAP filter choosing the link transport. */
    String PROP_TRANSPORT_TARGET = "transport.target";

    /**
     * Checks {@code configText} and starts a tunnel from it. Returns once the tunnel exists, not
     * when it is up: watch {@link Tunnel#status()} or a {@link TunnelListener}.
     *
     * @param sourceName the file name used in error messages ("line 12 of p2p.conf")
     * @param pluginFilters optional LDAP filters keyed by {@link #PROP_DRIVER_TARGET},
     *                      {@link #PROP_BACKEND_TARGET}, {@link #PROP_TRANSPORT_TARGET}
     * @throws TunnelException CONFIG_ERROR naming the option and line, or DUPLICATE_NAME
     */
    Tunnel start(String name, String configText, String sourceName, Map<String, String> pluginFilters) throws TunnelException;

    /** Stops and forgets the tunnel; returns once its resources are released. */
    void stop(String name) throws TunnelException;

    Optional<Tunnel> get(String name);

    List<Tunnel> list();
}
