package org.culvert.management.internal;

import java.time.ZoneId;
import java.util.concurrent.ScheduledThreadPoolExecutor;

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
 * OpenVPN's {@code --status file [seconds]} for every {@link Tunnel} service whose
 * {@code operations().status()} asks for one, written by a {@link StatusFileWriter} on one scheduler
 * thread per bundle ({@value #THREAD_NAME}) with the same formatter as the management interface's
 * {@code status} command ({@link StatusFormat}).
 *
 * <p>Registered as a {@link TunnelListener} (whiteboard) to write the file once more when a tunnel
 * stops; the callback runs on the tunnel's thread and only submits to the scheduler. Tunnels are bound
 * by reference and resolved on the scheduler thread, for the reason {@link ManagementComponent} gives.
 * Deactivation writes the files of the tunnels still listed, stops the thread and waits for it.
 */
@Component(service = TunnelListener.class, immediate = true)
public final class StatusFileComponent implements TunnelListener {
    static final String THREAD_NAME = "culvert-status-file";

    private final BundleContext context;
    private final StatusFileWriter writer;

    @Activate
    public StatusFileComponent(BundleContext context) {
        this.context = context;
        this.writer = new StatusFileWriter(newScheduler(), ManagementClock.SYSTEM, ZoneId.systemDefault(),
                ManagementComponent.product(context.getBundle().getVersion()));
    }

    /** One daemon thread; cancelled periodic writes leave the queue at once. */
    static ScheduledThreadPoolExecutor newScheduler() {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        return s;
    }

    @Deactivate
    void deactivate() {
        writer.close();
    }

    @Reference(name = "tunnel", service = Tunnel.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTunnel(ServiceReference<Tunnel> ref) {
        writer.addTunnel(ref, ServiceHandles.of(context, ref));
    }

    void removeTunnel(ServiceReference<Tunnel> ref) {
        writer.removeTunnel(ref);
    }

    @Override
    public void stateChanged(Tunnel tunnel, TunnelStatus previous, TunnelStatus current) {
        writer.stateChanged(tunnel, current);
    }
}
