package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.tunnel.TunnelManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code server} configuration becomes a server loop's setup, never a point-to-point tunnel; what it cannot serve yet is refused. */
class ServerPlanBuilderTest {
    @TempDir
    Path dir;

    private Map<String, Object> props(String config) {
        Map<String, Object> p = new HashMap<>();
        p.put(TunnelManager.PROP_NAME, "s");
        p.put(TunnelManager.PROP_CONFIG, config);
        p.put("configSource", dir.resolve("server.conf").toString());
        return p;
    }

    private String server(String extra) {
        return "dev tun\nproto udp\nport 1194\ntopology subnet\nserver 10.8.0.0 255.255.255.0\ndh none\n"
                + ServerHarness.pem("ca", ServerHarness.CA.certPem()) + ServerHarness.pem("cert", ServerHarness.SERVER.certPem())
                + ServerHarness.pem("key", ServerHarness.SERVER.keyPem()) + extra;
    }

    @Test
    void aServerConfigurationPlansTheServerLoop() throws Exception {
        TunnelPlan plan = PlanBuilder.fromConfiguration("s", props(server("client-to-client\nmax-clients 7\nifconfig-pool-persist "
                + dir.resolve("ipp.txt") + " 0\n")));
        assertNotNull(plan.server, "a server plan");
        assertThrows(IllegalStateException.class, () -> plan.sessionFactory.newSession(LoopClock.SYSTEM),
                "a server's plan makes no point-to-point session");
        assertEquals("10.8.0.1", plan.tunSpec.ifconfigLocal());
        assertEquals(LinkProtocol.UDP, plan.linkSpec.protocol());
        assertNull(plan.linkSpec.remoteHost(), "a server listens: no remote");
        Files.writeString(dir.resolve("ipp.txt"), "client7,10.8.0.9,\n");
        ServerRunner.Setup setup = plan.server.apply(new TunnelLog("s"));
        try {
            assertTrue(setup.plan().clientToClient());
            assertEquals(7, setup.plan().maxClients());
            assertTrue(setup.engines() instanceof OpenVpnServerEngines);
            setup.addressing().start();
            // ifconfig-pool-persist with 0 seconds: the file's entry is the name's, read at start
            assertEquals("10.8.0.9", setup.addressing().acquire("client7").ipv4());
            assertEquals("10.8.0.2", setup.addressing().acquire("other").ipv4());
        } finally {
            setup.engines().close();
            setup.addressing().close();
        }
    }

    @Test
    void explicitExitNotifyReachesTheServerPlan() throws Exception {
        for (int n : new int[] {0, 1, 2}) {
            TunnelPlan plan = PlanBuilder.fromConfiguration("s", props(server(n == 0 ? "" : "explicit-exit-notify " + n + "\n")));
            ServerRunner.Setup setup = plan.server.apply(new TunnelLog("s"));
            try {
                assertEquals(n, setup.plan().exitNotify());
            } finally {
                setup.engines().close();
                setup.addressing().close();
            }
        }
    }

    /** {@code proto tcp} and {@code tcp-server} with {@code server}: a server plan listening for TCP clients, with no exit notification. */
    @Test
    void aTcpServerIsAServerPlanNotAPointToPointTunnel() throws Exception {
        for (String proto : new String[] { "proto tcp-server", "proto tcp" }) {
            TunnelPlan plan = PlanBuilder.fromConfiguration("s", props(server("explicit-exit-notify 1\n").replace("proto udp", proto)));
            assertNotNull(plan.server, proto + " must make a server plan");
            ServerRunner.Setup setup = plan.server.apply(new TunnelLog("s"));
            try {
                assertEquals(LinkProtocol.TCP_SERVER, plan.linkSpec.protocol(), proto);
                assertEquals(0, setup.plan().exitNotify(), "OpenVPN sends no exit notification over TCP");
            } finally {
                setup.engines().close();
                setup.addressing().close();
            }
        }
    }

    @Test
    void serverOptionsTheServerRunsArePlanned() throws Exception {
        for (String c : new String[] {"script-security 2\ntls-crypt-v2-verify /bin/true\n", "connect-freq 5 10\nconnect-freq-initial 20 5\n",
                "stale-routes-check 30 10\n", "stale-routes-check 45\n",
                "management 127.0.0.1 7505\nmanagement-client-auth\n"}) {
            TunnelPlan plan = PlanBuilder.fromConfiguration("s", props(server(c)));
            ServerRunner.Setup setup = plan.server.apply(new TunnelLog("s"));
            try {
                int ageing = c.startsWith("stale-routes-check 30") ? 30 : c.startsWith("stale-routes-check 45") ? 45 : 0;
                assertEquals(ageing, setup.plan().staleRoutesAgeing(), c);
                assertEquals(ageing == 30 ? 10 : ageing, setup.plan().staleRoutesInterval(), c + ": t defaults to n");
            } finally {
                setup.engines().close();
                setup.addressing().close();
            }
        }
    }
}
