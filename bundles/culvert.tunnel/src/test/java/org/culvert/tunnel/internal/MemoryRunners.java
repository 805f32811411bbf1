package org.culvert.tunnel.internal;

import org.culvert.api.plugin.PluginProperties;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.testkit.MemoryEventBackend;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryTunDriver;
import org.culvert.tun.devnull.NullTunDriver;

/** Runners over the test kit's in-memory driver, backend and UDP transport, with the catalog wired to the runner. */
final class MemoryRunners {
    final MemoryTunDriver driver = new MemoryTunDriver();
    /** The driver the runners use for tun and tap: {@link #driver} unless a test wraps it. */
    private final org.culvert.api.tun.TunDriver tunDriver;
    /** Registered as the product registers it: the null layer only, no handle kinds (its devices have no waitable). */
    final NullTunDriver nullDriver = new NullTunDriver();
    final MemoryLinkTransport transport = new MemoryLinkTransport();
    final MemoryEventBackend backend = new MemoryEventBackend();
    /** What the runners' catalog offers as the udp transport: {@link #transport} unless a test wraps it. */
    org.culvert.api.link.LinkTransport linkTransport = transport;
    private final java.util.List<TunnelRunner> made = new java.util.concurrent.CopyOnWriteArrayList<>();

    MemoryRunners() {
        this.tunDriver = driver;
    }

    /** Runners whose tun devices come from {@code wrap} applied to {@link #driver}. */
    MemoryRunners(java.util.function.UnaryOperator<org.culvert.api.tun.TunDriver> wrap) {
        this.tunDriver = wrap.apply(driver);
    }

    /** A runner for an OpenVPN configuration text. */
    TunnelRunner fromConfig(String name, String config, RecordingSink sink, Counters counters, LoopClock clock) throws Exception {
        return runner(name, PlanBuilder.build(ConfigParser.parse(config, name + ".conf", null), null), sink, counters, clock);
    }

    TunnelRunner runner(String name, TunnelPlan plan, RecordingSink sink, Counters counters, LoopClock clock) {
        return runner(name, plan, sink, counters, clock, new TunnelLog(name));
    }

    /** A runner that logs to {@code log}, for tests that read its lines. */
    TunnelRunner runner(String name, TunnelPlan plan, RecordingSink sink, Counters counters, LoopClock clock, TunnelLog log) {
        TunnelRunner[] h = new TunnelRunner[1];
        PluginCatalog c = new PluginCatalog(() -> {
            if (h[0] != null) {
                h[0].pluginAdded();
            }
        }, s -> {
            if (h[0] != null) {
                h[0].pluginRemoved(s);
            }
        });
        c.addDriver(tunDriver, TunnelRunnerTest.props(PluginProperties.KIND_TUN_DRIVER, "memory", PluginProperties.TUN_LAYERS, "tun,tap"));
        java.util.Map<String, Object> nullProps = TunnelRunnerTest.props(PluginProperties.KIND_TUN_DRIVER, "null", PluginProperties.TUN_LAYERS, "null");
        nullProps.remove(PluginProperties.HANDLE_KINDS);
        c.addDriver(nullDriver, nullProps);
        c.addBackend(backend, TunnelRunnerTest.props(PluginProperties.KIND_EVENT_BACKEND, "memory", null, null));
        c.addTransport(linkTransport, TunnelRunnerTest.props(PluginProperties.KIND_LINK_TRANSPORT, "memory", PluginProperties.LINK_PROTOCOLS, "udp,tcp-client"));
        TunnelRunner r = new TunnelRunner(name, plan, null, c, "Linux", null, null, null, sink, counters, clock, log);
        h[0] = r;
        made.add(r);
        return r;
    }

    /** Stops every runner made here (stopping is idempotent), for a test's tear-down. */
    void stopAll() {
        made.forEach(r -> r.stop(org.culvert.api.tunnel.TunnelReason.USER_STOP));
    }

    /** Polls {@code condition} (written by a tunnel thread) until it holds, failing with {@code message} after 10 s. */
    static void awaitTrue(java.util.function.BooleanSupplier condition, java.util.function.Supplier<String> message)
            throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(message.get());
            }
            Thread.sleep(2); // polling a counter written by another thread, with a deadline
        }
    }
}
