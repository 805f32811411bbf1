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

    @Test
    void aTcpServerIsRefusedNotRunAsAPointToPointTunnel() {
        PlanBuilder.PlanException e = assertThrows(PlanBuilder.PlanException.class,
                () -> PlanBuilder.fromConfiguration("s", props(server("").replace("proto udp", "proto tcp-server"))));
        assertTrue(e.getMessage().contains("over TCP"), e.getMessage());
    }

    @Test
    void serverOptionsTheServerDoesNotRunAreRefusedByName() {
        for (String[] c : new String[][] {
                {"script-security 2\ntls-crypt-v2-verify /bin/true\n", "--tls-crypt-v2-verify"},
                {"connect-freq 5 10\n", "--connect-freq"},
                {"stale-routes-check 30\n", "--stale-routes-check"}}) {
            PlanBuilder.PlanException e = assertThrows(PlanBuilder.PlanException.class,
                    () -> PlanBuilder.fromConfiguration("s", props(server(c[0]))), c[1]);
            assertTrue(e.getMessage().contains("not supported by Culvert's server yet: " + c[1]), e.getMessage());
        }
    }

    @Test
    void managementClientAuthRunsNow() throws Exception {
        TunnelPlan plan = PlanBuilder.fromConfiguration("s", props(server("management 127.0.0.1 7505\nmanagement-client-auth\n")));
        assertNotNull(plan.server, "a server plan with management-client-auth");
    }
}
