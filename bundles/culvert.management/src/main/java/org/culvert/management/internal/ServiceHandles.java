package org.culvert.management.internal;

import org.culvert.api.tunnel.Tunnel;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/** A {@link ManagementEngine.TunnelHandle} over a service reference: gets the service late, ungets it once. */
final class ServiceHandles {
    private ServiceHandles() {
    }

    static ManagementEngine.TunnelHandle of(BundleContext context, ServiceReference<Tunnel> ref) {
        return new ManagementEngine.TunnelHandle() {
            private boolean got;

            @Override
            public Tunnel resolve() {
                try {
                    Tunnel t = context.getService(ref);
                    got = t != null;
                    return t;
                } catch (IllegalStateException | IllegalArgumentException e) {
                    return null; // This bundle or the service is already gone.
                }
            }

            @Override
            public void release() {
                if (got) {
                    got = false;
                    try {
                        context.ungetService(ref);
                    } catch (IllegalStateException | IllegalArgumentException e) {
                        // Already gone.
                    }
                }
            }
        };
    }
}
