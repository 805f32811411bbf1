package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.ProxySpec;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.testkit.MemoryEventBackend;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryTunDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A configured proxy reaches the link spec, is wiped with the plan, and picks only a transport that serves it. */
class ProxyPlanTest {
    @TempDir
    Path dir;

    private TunnelPlan plan(String proxyLines) throws Exception {
        Files.writeString(dir.resolve("static.key"), PlanBuilderTest.KEY);
        Map<String, Object> p = new HashMap<>();
        p.put(TunnelManager.PROP_NAME, "t");
        p.put(TunnelManager.PROP_CONFIG, String.join("\n", "dev tun", "proto tcp-client", "remote vpn.example.net 443",
                "ifconfig 10.202.0.1 10.202.0.2", "secret static.key 0", "cipher AES-256-CBC", proxyLines, ""));
        p.put("configSource", dir.resolve("p2p.conf").toString());
        return PlanBuilder.fromConfiguration("t", p);
    }

    @Test
    void anHttpProxyWithBasicCredentialsReachesTheLinkSpecAndIsWipedWithThePlan() throws Exception {
        Path auth = dir.resolve("proxy.auth");
        Files.writeString(auth, "alice\nhunter2\n");
        Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-------"));
        TunnelPlan plan = plan("http-proxy proxy.corp 3128 proxy.auth basic\nhttp-proxy-option AGENT corp-agent\n"
                + "http-proxy-option CUSTOM-HEADER X-Id 7");
        ProxySpec p = plan.linkSpec.proxy();
        assertEquals(ProxySpec.Type.HTTP, p.type());
        assertEquals("proxy.corp", p.host());
        assertEquals(3128, p.port());
        assertEquals(ProxySpec.HttpAuth.BASIC, p.httpAuth());
        assertEquals("alice", p.username());
        assertArrayEquals("hunter2".toCharArray(), p.password());
        assertEquals("corp-agent", p.userAgent());
        assertEquals(List.of(new ProxySpec.Header("X-Id", "7")), p.headers());
        assertEquals(PluginProperties.PROXY_HTTP, plan.proxyKind());
        assertFalse(plan.linkSpec.toString().contains("hunter2"));
        plan.wipe();
        assertArrayEquals(new char[7], p.password());
    }

    @Test
    void everyAttemptsLinkKeepsTheProxyCredentials() throws Exception {
        // The parsed password is wiped once copied into the spec: an attempt must not copy it again.
        Path auth = dir.resolve("proxy.auth");
        Files.writeString(auth, "alice\nhunter2\n");
        Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-------"));
        TunnelPlan plan = plan("remote vpn2.example.net 443\nhttp-proxy proxy.corp 3128 proxy.auth basic");
        for (int i = 0; i < 2; i++) {
            ConnectionList.Attempt attempt = new ConnectionList.Attempt(i, plan.options().connections().get(i),
                    java.net.InetSocketAddress.createUnresolved("vpn" + (i + 1) + ".example.net", 443));
            TunnelPlan each = plan.forAttempt(attempt);
            assertEquals("alice", each.linkSpec.proxy().username());
            assertArrayEquals("hunter2".toCharArray(), each.linkSpec.proxy().password(), "attempt " + i);
        }
        plan.wipe();
    }

    @Test
    void aSocksProxyAndNone() throws Exception {
        TunnelPlan plan = plan("socks-proxy 10.0.0.9");
        assertEquals(ProxySpec.Type.SOCKS5, plan.linkSpec.proxy().type());
        assertEquals(1080, plan.linkSpec.proxy().port());
        assertFalse(plan.linkSpec.proxy().hasCredentials());
        assertEquals(PluginProperties.PROXY_SOCKS5, plan.proxyKind());
        TunnelPlan direct = plan("");
        assertNull(direct.linkSpec.proxy());
        assertNull(direct.proxyKind());
    }

    @Test
    void onlyATransportThatAdvertisesTheProxyIsChosen() {
        PluginCatalog c = new PluginCatalog(() -> { }, s -> { });
        c.addDriver(new MemoryTunDriver(), TunnelRunnerTest.props(PluginProperties.KIND_TUN_DRIVER, "memory", PluginProperties.TUN_LAYERS, "tun"));
        c.addBackend(new MemoryEventBackend(), TunnelRunnerTest.props(PluginProperties.KIND_EVENT_BACKEND, "memory", null, null));
        c.addTransport(new MemoryLinkTransport(), TunnelRunnerTest.props(PluginProperties.KIND_LINK_TRANSPORT, "memory",
                PluginProperties.LINK_PROTOCOLS, "tcp-client"));
        PluginSelection none = PluginSelection.choose(c.snapshot(), TunLayer.TUN, LinkProtocol.TCP_CLIENT, PluginProperties.PROXY_HTTP,
                "Linux", null, null, null);
        assertEquals(TunnelReason.TRANSPORT_MISSING, none.missing);
        assertTrue(none.detail.contains("through a http proxy") && none.detail.contains("cannot go through a http proxy"), none.detail);
        assertTrue(PluginSelection.choose(c.snapshot(), TunLayer.TUN, LinkProtocol.TCP_CLIENT, null, "Linux", null, null, null).complete(),
                "without a proxy the same transport serves");

        Map<String, Object> withProxies = TunnelRunnerTest.props(PluginProperties.KIND_LINK_TRANSPORT, "memory2",
                PluginProperties.LINK_PROTOCOLS, "tcp-client");
        withProxies.put(PluginProperties.LINK_PROXIES, new String[] {PluginProperties.PROXY_HTTP, PluginProperties.PROXY_SOCKS5});
        c.addTransport(new MemoryLinkTransport(), withProxies);
        PluginSelection chosen = PluginSelection.choose(c.snapshot(), TunLayer.TUN, LinkProtocol.TCP_CLIENT, PluginProperties.PROXY_HTTP,
                "Linux", null, null, null);
        assertTrue(chosen.complete(), chosen.detail);
        assertEquals("memory2", chosen.transport.name());
    }
}
