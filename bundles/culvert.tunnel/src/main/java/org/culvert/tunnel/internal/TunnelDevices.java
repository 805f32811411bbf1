package org.culvert.tunnel.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.List;

import org.culvert.api.event.EventBackend;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunSpec;
import org.culvert.openvpn.config.PushedOptions;

/**
 * A tunnel's tun device across its runs: opened at the start of a run or, in pull mode, once the
 * server's options are in (OpenVPN's do_up, with the pushed {@code block-ipv6} and {@code auth-token}
 * taken there), kept from one run to the next under {@code --persist-tun}, and the connection the
 * status surfaces show for it. Tunnel thread only, except {@link #persistedDriver()}.
 */
final class TunnelDevices {
    private final TunnelLog log;
    private final StatusSink sink;
    private final ClientSteps steps;
    private final Counters counters;
    /** Told when the kept device's driver is released, so that a plugin's removal waiting for it goes on. */
    private final Runnable driverReleased;

    /** Kept across restarts under --persist-tun. */
    private TunDevice persistedDevice;
    private volatile TunDriver persistedDriver;
    /** Pull mode: what the persisted device was opened for, so that changed pushed addresses reopen it. */
    private TunSpec persistedSpec;
    /** Pull mode: the device of the current run as the server's options made it; null before the push. */
    private volatile TunSpec pulledSpec;
    /** Pull mode: the pushed options of the current run as taken, for status surfaces; empty before the push. */
    private volatile List<String> pulledOptions = List.of();

    TunnelDevices(TunnelLog log, StatusSink sink, ClientSteps steps, Counters counters, Runnable driverReleased) {
        this.log = log;
        this.sink = sink;
        this.steps = steps;
        this.counters = counters;
        this.driverReleased = driverReleased;
    }

    /** The driver of the device kept under --persist-tun, or null; any thread. */
    TunDriver persistedDriver() {
        return persistedDriver;
    }

    boolean isPersisted(TunDevice device) {
        return device != null && device == persistedDevice;
    }

    /** A run starts: nothing pushed yet. */
    void runStarting() {
        pulledSpec = null;
        pulledOptions = List.of();
    }

    /** The configured device of a run: the kept one if its driver is still used, else a new one. */
    TunDevice open(TunDriver driver, TunSpec spec) throws TunException {
        if (persistedDevice != null) {
            if (persistedDriver == driver) {
                TunDevice d = persistedDevice;
                log.info("Preserving previous TUN/TAP instance: " + d.name());
                return d;
            }
            close();
        }
        return driver.open(spec);
    }

    /**
     * Pull mode, on the loop thread once the push is in: the device for the server's options. Under
     * --persist-tun the previous run's device stays if the pushed addresses and routes are the same,
     * as OpenVPN's do_up keeps it; otherwise it is closed and a new one opened. A pushed or configured
     * {@code block-ipv6} is set on {@code loop}, and a pushed auth-token goes to {@code credentials}.
     *
     * @param credentials the --auth-user-pass state, or null without
     */
    TunDevice openPulled(PluginSelection sel, LinkSocket link, TunnelPlan p, PushedOptions pushed,
            TunnelCredentials credentials, PointToPointLoop loop) throws IOException {
        SocketAddress server = link.remote();
        String serverHost = server instanceof InetSocketAddress && ((InetSocketAddress) server).getAddress() != null
                ? ((InetSocketAddress) server).getAddress().getHostAddress() : null;
        TunSpec spec = p.tunSpec(pushed, serverHost);
        log.info("PUSH: " + pushed.summary());
        // The pushed addresses are published first: ASSIGN_IP carries them, as OpenVPN's line does.
        pulledSpec = spec;
        pulledOptions = pushed.accepted();
        publish(p, link, null, "", null);
        TunDevice d;
        if (persistedDevice != null && persistedDriver == sel.driver.service && PullPhase.sameDevice(persistedSpec, spec)) {
            d = persistedDevice;
            log.info("Preserving previous TUN/TAP instance: " + d.name());
        } else {
            close();
            d = sel.driver.service.open(spec);
            log.info("TUN/TAP device " + d.name() + " opened (" + sel.driver.name() + " driver)");
            steps.deviceConfigured(spec);
        }
        checkHandleKinds(sel.backend.service, d, link);
        sink.plugins(sel.driver.name(), sel.backend.name(), sel.transport.name(), d.name());
        sink.offloads(d::offloads, link::offloads);
        takeAuthToken(pushed, credentials);
        if (pushed.routeSettings().blockIpv6()) {
            byte[] source = RouteSpecs.blockIpv6Source(spec.layer(), pushed);
            if (source == null) {
                log.warn("WARNING: --block-ipv6 on a tap device is not supported by Culvert yet: IPv6 is not blocked");
            } else {
                loop.blockIpv6(new Ipv6Blocker(d, counters, source, spec.mtu()));
            }
        }
        return d;
    }

    /**
     * A pushed auth-token (the first push's, or a later one's after a renegotiation) stands in for the
     * password from now on, as misc.c set_auth_token takes each; the token itself is never logged.
     */
    static void takeAuthToken(PushedOptions pushed, TunnelCredentials credentials) {
        if (credentials != null) {
            pushed.authTokenUser().ifPresent(credentials::authTokenUser);
            pushed.authToken().ifPresent(credentials::authToken);
        }
    }

    /**
     * The run is over: {@code device} is kept for the next run when {@code persist} (--persist-tun and a
     * restart that allows it), else closed.
     */
    void runEnded(TunDevice device, TunDriver driver, boolean persist) {
        if (device == null) {
            return;
        }
        if (persist) {
            persistedDevice = device;
            persistedDriver = driver;
            persistedSpec = pulledSpec;
            return;
        }
        if (device == persistedDevice) {
            persistedDevice = null;
            persistedDriver = null;
        }
        device.close();
        log.info("TUN/TAP device " + device.name() + " closed");
    }

    /** Closes the kept device if its driver is no longer among {@code snapshot}'s. */
    void releaseIfDriverGone(PluginCatalog.Snapshot snapshot) {
        if (persistedDevice == null) {
            return;
        }
        for (PluginEntry<TunDriver> e : snapshot.drivers) {
            if (e.service == persistedDriver) {
                return;
            }
        }
        close();
    }

    /** Closes the kept device, if any. */
    void close() {
        TunDevice d = persistedDevice;
        persistedSpec = null;
        if (d != null) {
            persistedDevice = null;
            d.close();
            log.info("TUN/TAP device " + d.name() + " closed");
        }
        persistedDriver = null;
        driverReleased.run();
    }

    /** Publishes the connection with the device as configured or, in pull mode, as the server's options made it. */
    void publish(TunnelPlan p, LinkSocket link, Instant handshake, String negotiated, PeerSession session) {
        TunSpec spec = pulledSpec;
        sink.connection(ClientSteps.connection(p, spec != null ? spec : p.tunSpec, link, handshake, negotiated, session,
                pulledOptions));
    }

    static void checkHandleKinds(EventBackend backend, TunDevice device, LinkSocket link) throws IOException {
        // A device with no waitable (dev null) is never waited on.
        Object deviceKind = device.waitable() == null ? "nothing" : device.waitable().kind();
        if ((device.waitable() != null && !backend.handleKinds().contains(device.waitable().kind()))
                || !backend.handleKinds().contains(link.waitable().kind())) {
            throw new IOException("event backend waits on " + backend.handleKinds() + " but the device gives "
                    + deviceKind + " and the link " + link.waitable().kind()
                    + " (a plugin registered wrong culvert.plugin.handle.kinds)");
        }
    }
}
