package org.culvert.tun.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunDns;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunRedirect;
import org.culvert.api.tun.TunRoute;
import org.culvert.api.tun.TunSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateway redirection on a real routing table: a namespace whose "LAN" is one end of a veth pair with a
 * default gateway, the device opened with {@code redirect-gateway}, then closed or failing half-way;
 * the table must be as before afterwards.
 */
class LinuxTunRoutingTest {
    private static final String SERVER = "203.0.113.7";
    private static final TunRedirect DEF1 = new TunRedirect(true, true, true, false, false, false, false, false, false);
    private static final TunRedirect REPLACE = new TunRedirect(true, true, false, false, false, false, false, false, false);
    private final LinuxTunDriver driver = new LinuxTunDriver();
    private NetNs ns;
    @TempDir
    Path dir;

    @BeforeEach
    void namespaceWithALan() throws Exception {
        Assumptions.assumeTrue(NetNs.supported(), "needs root and /dev/net/tun");
        ns = NetNs.enter();
        ns.ip("link", "add", "lan0", "type", "veth", "peer", "name", "lan1");
        ns.ip("addr", "add", "192.168.50.2/24", "dev", "lan0");
        ns.ip("link", "set", "lan1", "up");
        ns.ip("link", "set", "lan0", "up");
        ns.ip("route", "add", "default", "via", "192.168.50.1", "dev", "lan0");
    }

    @AfterEach
    void leave() {
        if (ns != null) {
            ns.close();
        }
    }

    private String routes() throws Exception {
        return ns.ip("-4", "route", "show");
    }

    private TunSpec.Builder tun(String name) {
        return TunSpec.builder(TunLayer.TUN).name(name).ifconfig("10.66.0.2", "10.66.0.1").remoteHost(SERVER);
    }

    @Test
    void def1AddsTheHalvesAndTheServerRouteAndCloseRemovesThem() throws Exception {
        String before = routes();
        TunDevice d = driver.open(tun("culvr0").redirect(DEF1).build());
        try {
            String up = routes();
            assertTrue(up.contains("0.0.0.0/1 via 10.66.0.1 dev culvr0"), up);
            assertTrue(up.contains("128.0.0.0/1 via 10.66.0.1 dev culvr0"), up);
            assertTrue(up.contains(SERVER + " via 192.168.50.1 dev lan0"), up);
            assertTrue(up.contains("default via 192.168.50.1 dev lan0"), "def1 keeps the default route: " + up);
        } finally {
            d.close();
        }
        assertEquals(before, routes());
    }

    @Test
    void withoutDef1TheDefaultRouteIsReplacedAndComesBack() throws Exception {
        String before = routes();
        TunDevice d = driver.open(tun("culvr1").redirect(REPLACE).build());
        try {
            String up = routes();
            assertTrue(up.contains("default via 10.66.0.1 dev culvr1"), up);
            assertFalse(up.contains("default via 192.168.50.1"), up);
            assertTrue(up.contains(SERVER + " via 192.168.50.1 dev lan0"), up);
        } finally {
            d.close();
            d.close();
        }
        assertEquals(before, routes());
    }

    @Test
    void aRouteFailingHalfWayLeavesTheTableAsBefore() throws Exception {
        String before = routes();
        TunException e = assertThrows(TunException.class, () -> driver.open(tun("culvr2").redirect(REPLACE)
                .route(new TunRoute("10.88.0.0", 16, "198.51.100.1", -1)).build()));
        assertEquals(TunException.Reason.CONFIGURATION_FAILED, e.reason());
        assertEquals(before, routes(), "the server route and the replaced default route are undone");
    }

    @Test
    void routeNoexecAddsNothingButExportsTheRoutes() throws Exception {
        Path env = dir.resolve("env");
        Path up = dir.resolve("up.sh");
        Files.writeString(up, "#!/bin/sh\nenv > " + env + "\n");
        Files.setPosixFilePermissions(up, PosixFilePermissions.fromString("rwx------"));
        String before = routes();
        TunDevice d = driver.open(tun("culvr3").redirect(DEF1).routeNoexec(true).up(up.toString())
                .route(new TunRoute("10.89.0.0", 16, null, -1)).route(new TunRoute("10.90.0.0", 16, TunRoute.NET_GATEWAY, -1))
                .dns(new TunDns(List.of(new TunDns.Server(List.of("10.66.0.53"), List.of(0), List.of(), null, null, null)),
                        List.of())).build());
        try {
            String after = routes();
            assertFalse(after.contains("10.89.0.0") || after.contains("0.0.0.0/1") || after.contains(SERVER), after);
            String exported = Files.readString(env);
            assertTrue(exported.contains("route_network_1=10.89.0.0"), exported);
            assertTrue(exported.contains("route_network_2=10.90.0.0"), exported);
            assertTrue(exported.contains("route_gateway_2=192.168.50.1"), exported);
            assertTrue(exported.contains("route_net_gateway=192.168.50.1"), exported);
        } finally {
            d.close();
        }
        assertEquals(before, routes());
    }

    @Test
    void anIpv6ServerInsideTheRedirectedSpaceKeepsItsRoute() throws Exception {
        ns.ip("-6", "addr", "add", "2001:db8:50::2/64", "dev", "lan0", "nodad");
        ns.ip("-6", "route", "add", "default", "via", "2001:db8:50::1", "dev", "lan0");
        String before = ns.ip("-6", "route", "show");
        TunSpec.Builder b = TunSpec.builder(TunLayer.TUN).name("culvr5").ifconfigIpv6("fd00:66::2", 64, "fd00:66::1")
                .remoteHost("2001:db8:99::7");
        for (String[] p : new String[][] {{"::", "3"}, {"2000::", "4"}, {"3000::", "4"}, {"fc00::", "7"}}) {
            b.route(new TunRoute(p[0], Integer.parseInt(p[1]), "fd00:66::1", -1));
        }
        TunDevice d = driver.open(b.build());
        try {
            String up = ns.ip("-6", "route", "show");
            assertTrue(up.contains("2001:db8:99::7 via 2001:db8:50::1 dev lan0 metric 1"), up);
            assertTrue(up.contains("2000::/4 via fd00:66::1 dev culvr5"), up);
        } finally {
            d.close();
        }
        assertEquals(before, ns.ip("-6", "route", "show"));
    }

    @Test
    void withoutADefaultGatewayTheTunnelStillOpensUnredirected() throws Exception {
        ns.ip("route", "del", "default");
        String before = routes();
        TunDevice d = driver.open(tun("culvr4").redirect(DEF1).build());
        try {
            String up = routes();
            assertFalse(up.contains("0.0.0.0/1"), up);
        } finally {
            d.close();
        }
        assertEquals(before, routes());
    }
}
