package org.culvert.jmx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;

import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.ServerRoute;
import org.culvert.jmx.ServerClientInfo;
import org.culvert.jmx.TunnelMBeans;
import org.culvert.jmx.TunnelServerMXBean;
import org.culvert.testkit.server.FakeTunnelServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A server's MXBean in the real platform MBeanServer, against a {@link FakeTunnelServer}. */
class TunnelServerMBeanTest {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Instant T0 = Instant.ofEpochSecond(1_700_000_000);

    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    private TunnelMBeanRegistrar registrar;
    private String name;
    private FakeTunnelServer server;
    private FakeTunnel tunnel;

    @BeforeEach
    void setUp() {
        registrar = new TunnelMBeanRegistrar(mbeans);
        name = "jmx-server-" + SEQUENCE.incrementAndGet();
        server = new FakeTunnelServer();
        server.put(FakeTunnelServer.client(0, "client1", "192.0.2.10", 51234, "10.8.0.2", 4711, 2342, T0));
        server.put(new ServerClient(5, ServerClient.UNDEF, ServerClient.UNDEF, new InetSocketAddress("2001:db8::7", 1194), "", "",
                7, 0, T0.plusSeconds(9), -1, "", false));
        server.route(new ServerRoute("10.8.0.2", 0, "client1", T0.plusSeconds(3)));
        tunnel = new FakeTunnel(name);
        tunnel.setServer(server);
    }

    @AfterEach
    void tearDown() throws Exception {
        registrar.deactivate();
        assertTrue(mbeans.queryNames(new ObjectName(TunnelMBeans.SERVER_PATTERN + ",name=" + ObjectName.quote(name)), null).isEmpty());
    }

    @Test
    void clientsAndRoutesAsOpenTypes() throws Exception {
        registrar.addTunnel(tunnel);
        ObjectName on = TunnelMBeans.serverObjectName(name);
        assertEquals(2, mbeans.getAttribute(on, "ClientCount"));
        assertEquals(1, mbeans.getAttribute(on, "ConnectedClientCount"));
        CompositeData[] clients = (CompositeData[]) mbeans.getAttribute(on, "Clients");
        assertEquals(2, clients.length);
        assertEquals(0L, clients[0].get("clientId"));
        assertEquals("client1", clients[0].get("commonName"));
        assertEquals("UNDEF", clients[0].get("username"));
        assertEquals("192.0.2.10:51234", clients[0].get("realAddress"));
        assertEquals("10.8.0.2", clients[0].get("virtualAddress"));
        assertEquals(4711L, clients[0].get("bytesReceived"));
        assertEquals(2342L, clients[0].get("bytesSent"));
        assertEquals(Date.from(T0), clients[0].get("connectedSince"));
        assertEquals("AES-256-GCM", clients[0].get("dataCipher"));
        assertEquals(true, clients[0].get("established"));
        assertEquals(5L, clients[1].get("clientId"));
        assertEquals("[2001:db8:0:0:0:0:0:7]:1194", clients[1].get("realAddress"));
        assertEquals(-1L, clients[1].get("peerId"));
        assertEquals(false, clients[1].get("established"));
        CompositeData[] routes = (CompositeData[]) mbeans.getAttribute(on, "Routes");
        assertEquals(1, routes.length);
        assertEquals("10.8.0.2", routes[0].get("virtualAddress"));
        assertEquals(0L, routes[0].get("clientId"));
        assertEquals(Date.from(T0.plusSeconds(3)), routes[0].get("lastReference"));
        // A typed proxy rebuilds the Java objects from the open data.
        TunnelServerMXBean proxy = JMX.newMXBeanProxy(mbeans, on, TunnelServerMXBean.class);
        ServerClientInfo first = proxy.getClients().get(0);
        assertEquals("client1", first.getCommonName());
        assertEquals(name, proxy.getName());
    }

    @Test
    void killClientAndKillReachTheServer() throws Exception {
        registrar.addTunnel(tunnel);
        ObjectName on = TunnelMBeans.serverObjectName(name);
        assertEquals(false, mbeans.invoke(on, "killClient", new Object[] {99L}, new String[] {"long"}));
        assertEquals(true, mbeans.invoke(on, "killClient", new Object[] {0L}, new String[] {"long"}));
        assertEquals(List.of("0 RESTART"), server.clientKills);
        assertEquals(0, mbeans.invoke(on, "kill", new Object[] {"nobody"}, new String[] {String.class.getName()}));
        TunnelServerMXBean proxy = JMX.newMXBeanProxy(mbeans, on, TunnelServerMXBean.class);
        assertEquals(1, proxy.getClientCount());
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class,
                () -> mbeans.invoke(on, "kill", new Object[] {""}, new String[] {String.class.getName()}));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertEquals(List.of("nobody"), server.kills, "the empty argument reached the server");
    }

    @Test
    void onlyServersHaveOneAndItGoesWithTheTunnel() throws Exception {
        FakeTunnel p2p = new FakeTunnel(name + "-p2p");
        registrar.addTunnel(p2p);
        registrar.addTunnel(tunnel);
        assertTrue(mbeans.isRegistered(TunnelMBeans.objectName(p2p.name())));
        assertFalse(mbeans.isRegistered(TunnelMBeans.serverObjectName(p2p.name())));
        assertTrue(mbeans.isRegistered(TunnelMBeans.serverObjectName(name)));
        assertInstanceOf(Integer.class, mbeans.getAttribute(TunnelMBeans.serverObjectName(name), "ClientCount"));
        registrar.removeTunnel(tunnel);
        assertFalse(mbeans.isRegistered(TunnelMBeans.serverObjectName(name)));
        assertFalse(mbeans.isRegistered(TunnelMBeans.objectName(name)));
        registrar.removeTunnel(p2p);
    }
}
