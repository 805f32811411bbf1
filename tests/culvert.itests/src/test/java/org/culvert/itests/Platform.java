package org.culvert.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelException;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * What the in-framework tests do over and over: find bundles and services, start memory tunnels,
 * and push packets through them. Runs inside the framework (in Pax Exam's probe bundle), on the
 * test thread. Static helpers; every wait has a deadline.
 */
final class Platform {
    /** How long anything asynchronous may take before a test fails: generous, since CI machines are slow. */
    static final long TIMEOUT_MILLIS = 10_000;

    private Platform() {
    }

    /** The bundle with that symbolic name, or null. */
    static Bundle bundle(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /**
     * Waits for a service of {@code type} matching {@code filter} (null for any).
     *
     * @throws AssertionError on timeout, saying what was awaited
     */
    static <T> T awaitService(BundleContext context, Class<T> type, String filter) throws InterruptedException {
        Filter f;
        try {
            // Object stands for "any service the filter matches", whatever its interfaces.
            String byClass = type == Object.class ? "" : "(objectClass=" + type.getName() + ")";
            f = FrameworkUtil.createFilter("(&" + byClass + (filter == null ? "" : filter) + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(filter, e);
        }
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, f, null);
        tracker.open();
        try {
            if (tracker.waitForService(TIMEOUT_MILLIS) == null) {
                throw new AssertionError("no " + type.getSimpleName() + " service" + (filter == null ? "" : " matching " + filter)
                        + " within " + TIMEOUT_MILLIS + " ms; " + Diagnostics.describe(context));
            }
            // Our own use count, never released: SCR deactivates a delayed component once its last
            // user ungets it, which would leave the test holding a dead instance. The framework
            // releases it when the probe bundle stops.
            ServiceReference<T> reference = tracker.getServiceReference();
            T service = context.getService(reference);
            if (service == null) {
                throw new AssertionError(type.getSimpleName() + " service went away as it was found");
            }
            return service;
        } finally {
            tracker.close();
        }
    }

    /** Start filters that pick the {@code memory} driver, backend and transport. */
    static Map<String, String> memoryPlugins() {
        return plugins("memory", "memory", "memory");
    }

    /**
     * Start filters picking plugins by {@link PluginProperties#NAME}; a null name leaves that kind
     * unfiltered (the highest-ranked usable plugin wins).
     */
    static Map<String, String> plugins(String driver, String backend, String transport) {
        Map<String, String> m = new LinkedHashMap<>();
        String[][] byKey = { { TunnelManager.PROP_DRIVER_TARGET, driver }, { TunnelManager.PROP_BACKEND_TARGET, backend },
                { TunnelManager.PROP_TRANSPORT_TARGET, transport } };
        for (String[] e : byKey) {
            if (e[1] != null) {
                m.put(e[0], "(" + PluginProperties.NAME + "=" + e[1] + ")");
            }
        }
        return m;
    }

    /** Stops the tunnels that exist of {@code names}; for {@code finally} blocks, so it never throws. */
    static void stopQuietly(TunnelManager manager, String... names) {
        for (String n : names) {
            if (manager.get(n).isPresent()) {
                try {
                    manager.stop(n);
                } catch (TunnelException | RuntimeException e) {
                    // The test already failed or the framework is going down; its own failure is what matters.
                }
            }
        }
    }

    /** The OS side of tunnel {@code name}'s open memory device. */
    static MemoryTunOsSide osSide(TunnelManager manager, String name) throws InterruptedException {
        Tunnel t = manager.get(name).orElseThrow(() -> new AssertionError("no tunnel " + name));
        String device = t.deviceName();
        assertNotNull("tunnel " + name + " is " + t.status() + " but names no device", device);
        MemoryTunOsSide side = MemoryTunHub.awaitOsSide(device, TIMEOUT_MILLIS);
        assertNotNull("tunnel " + name + " uses device " + device + " but the test kit's MemoryTunHub does not list it (open: "
                + MemoryTunHub.names() + "); does culvert.tun.memory import org.culvert.testkit rather than embed it?", side);
        return side;
    }

    /**
     * Sends one IPv4/UDP packet into tunnel {@code from}'s device as its OS would, and checks that it
     * comes out of tunnel {@code to}'s device byte for byte.
     */
    static void send(TunnelManager manager, String from, String fromIp, String to, String toIp, int sequence)
            throws InterruptedException {
        MemoryTunOsSide in = osSide(manager, from);
        MemoryTunOsSide out = osSide(manager, to);
        byte[] payload = ("packet " + sequence + " from " + from + " to " + to).getBytes(StandardCharsets.US_ASCII);
        byte[] packet = Packets.ipv4Udp(ipv4(fromIp), 40000 + (sequence % 20000), ipv4(toIp), 5001, payload);
        assertTrue("device of " + from + " refused the injected packet", in.inject(packet));
        byte[] got = out.take(TIMEOUT_MILLIS);
        if (got == null) {
            fail("packet " + sequence + " injected into " + from + " (" + in.name() + ") did not come out of " + to + " (" + out.name()
                    + ") within " + TIMEOUT_MILLIS + " ms; " + from + " is " + manager.get(from).map(Tunnel::status).orElse(null)
                    + " with " + manager.get(from).map(Tunnel::counters).orElse(null) + "; " + to + " is "
                    + manager.get(to).map(Tunnel::status).orElse(null) + " with " + manager.get(to).map(Tunnel::counters).orElse(null));
        }
        assertArrayEquals("packet " + sequence + " " + from + " -> " + to + " changed on the way: " + Packets.parseUdp(got), packet, got);
    }

    static Inet4Address ipv4(String literal) {
        try {
            return (Inet4Address) InetAddress.getByName(literal);
        } catch (UnknownHostException | ClassCastException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
