package org.culvert.management.internal;

import java.time.ZoneId;

import org.culvert.api.tunnel.CredentialsRequest;
import org.culvert.api.tunnel.CredentialsSource;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.api.tunnel.ServerClientListener;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelListener;
import org.culvert.api.tunnel.TunnelStatus;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * OpenVPN's management interface ({@code --management}) for every {@link Tunnel} service whose
 * {@code operations().management()} asks for one. The work happens on one thread per bundle, owned
 * by a {@link ManagementEngine}; this component only feeds it.
 *
 * <p>Also registers the {@link CredentialsSource} of tunnels with {@code --management-query-passwords}
 * ({@link ManagementPasswords}), as a plain service rather than as this component's: tunnel components
 * bind it, and a second component service between them and this component made SCR serialise their
 * deactivation behind this component's lock.
 *
 * <p>Registered as a {@link TunnelListener} (whiteboard) to hear of state changes, and as a
 * {@link ServerClientListener} for a server's {@code >CLIENT:} notifications; the callbacks run
 * on tunnels' threads and only enqueue. Tunnels are bound by reference and resolved on the management
 * thread, not during binding: a tunnel component activated by that lookup binds this listener in
 * turn, which would otherwise be a circular activation.
 *
 * <p>When a tunnel service goes away its interface and clients close; when this component is
 * deactivated (the bundle stops) every interface closes and the thread ends before
 * {@link #deactivate()} returns.
 */
@Component(service = {TunnelListener.class, ServerClientListener.class}, immediate = true)
public final class ManagementComponent implements TunnelListener, ServerClientListener {
    private final BundleContext context;
    private final ManagementEngine engine;
    private final org.osgi.framework.ServiceRegistration<CredentialsSource> credentials;

    /** Constructor injection: the engine exists before SCR binds the first tunnel. */
    @Activate
    public ManagementComponent(BundleContext context) {
        this.context = context;
        this.engine = new ManagementEngine(ManagementClock.SYSTEM, ZoneId.systemDefault(),
                product(context.getBundle().getVersion()));
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put(CredentialsSource.MANAGEMENT_PROPERTY, Boolean.TRUE);
        this.credentials = context.registerService(CredentialsSource.class, new Passwords(engine), props);
    }

    /**
     * "Culvert 0.1.0 x86_64-linux [Java 17.0.9] (OpenVPN 2.6 compatible)": what {@code version} shows
     * after "OpenVPN Version: " and {@code help} after "Management Interface for ".
     */
    static String product(org.osgi.framework.Version bundleVersion) {
        String version = bundleVersion.getMajor() + "." + bundleVersion.getMinor() + "." + bundleVersion.getMicro();
        String arch = System.getProperty("os.arch", "?");
        if (arch.equals("amd64")) {
            arch = "x86_64";
        }
        return "Culvert " + version + " " + arch + "-" + System.getProperty("os.name", "?").toLowerCase(java.util.Locale.ROOT)
                + " [Java " + System.getProperty("java.version", "?") + "] (OpenVPN 2.6 compatible)";
    }

    @Deactivate
    void deactivate() {
        try {
            credentials.unregister();
        } catch (IllegalStateException e) {
            // Already gone with the bundle.
        }
        engine.close();
    }

    @Reference(name = "tunnel", service = Tunnel.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTunnel(ServiceReference<Tunnel> ref) {
        engine.addTunnel(ref, ServiceHandles.of(context, ref));
    }

    void removeTunnel(ServiceReference<Tunnel> ref) {
        engine.removeTunnel(ref);
    }

    /** Tunnels with --management-query-passwords ask here (the core offers only them to this source). */
    private static final class Passwords implements CredentialsSource {
        private final ManagementEngine engine;

        Passwords(ManagementEngine engine) {
            this.engine = engine;
        }

        @Override
        public void requestCredentials(CredentialsRequest request) {
            engine.credentialsRequested(request);
        }

        @Override
        public void verificationFailed(String tunnelName, String reason) {
            engine.notifyTunnel(tunnelName, ManagementPasswords.verificationFailed(reason));
        }

        @Override
        public void authTokenReceived(String tunnelName, String token) {
            engine.notifyTunnel(tunnelName, ManagementPasswords.authToken(token));
        }
    }

    @Override
    public void stateChanged(Tunnel tunnel, TunnelStatus previous, TunnelStatus current) {
        engine.stateChanged(tunnel, current);
    }

    @Override
    public void clientEvent(Tunnel server, ServerClientEvent event) {
        engine.clientEvent(server, event);
    }
}
