package org.culvert.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.culvert.api.tunnel.TunnelListener;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.embed.Culvert;
import org.culvert.embed.CulvertException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceRegistration;

/**
 * The framework-level view of an embedded Culvert, as the headless {@code culvert} command uses it:
 * the core's {@link TunnelManager} and whiteboard {@link TunnelListener}s, which run on tunnel threads.
 * Hosts should use {@link Culvert} (package {@code org.culvert.embed}), which this class wraps: it
 * delivers events on a thread of its own, offers snapshots, options maps and typed configuration errors.
 */
public final class EmbeddedCulvert implements AutoCloseable {
    private final Culvert culvert;
    private final TunnelManager manager;
    private final BundleContext context;

    private EmbeddedCulvert(Culvert culvert) {
        this.culvert = culvert;
        this.manager = culvert.tunnelManager();
        this.context = culvert.bundleContext();
    }

    /** Starts with the bundles in {@code bundleDir} and default framework properties. */
    public static EmbeddedCulvert start(Path bundleDir) throws IOException, BundleException {
        return start(bundleDir, Map.of());
    }

    /**
     * Starts Felix with every bundle jar in {@code bundleDir} (except the API bundle, which the host
     * provides) and waits until the tunnel manager is available.
     *
     * @param frameworkProperties extra framework properties (they win over the defaults)
     * @throws IOException naming what failed (see {@link CulvertException} for the cause's reason)
     */
    public static EmbeddedCulvert start(Path bundleDir, Map<String, String> frameworkProperties) throws IOException, BundleException {
        try {
            return new EmbeddedCulvert(Culvert.builder().bundleDir(bundleDir).frameworkProperties(frameworkProperties).start());
        } catch (CulvertException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The tunnel manager of the embedded framework (still answers, with nothing, after close). */
    public TunnelManager tunnels() {
        return manager;
    }

    /** Registers a whiteboard listener for every tunnel's state changes (called on tunnel threads); unregister through the returned handle. */
    public ServiceRegistration<TunnelListener> addListener(TunnelListener listener) {
        return context.registerService(TunnelListener.class, listener, null);
    }

    /** The framework's bundle context, for hosts that want more. */
    public BundleContext bundleContext() {
        return context;
    }

    /** The embedding API this wraps. */
    public Culvert culvert() {
        return culvert;
    }

    /** Stops every tunnel and the framework, and waits for their threads. Idempotent; never throws. */
    @Override
    public void close() {
        culvert.close();
    }
}
