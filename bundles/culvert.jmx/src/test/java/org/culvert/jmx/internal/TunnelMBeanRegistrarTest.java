package org.culvert.jmx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.InstanceNotFoundException;
import javax.management.JMX;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelSettings;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.culvert.jmx.TunnelMBeans;
import org.culvert.jmx.TunnelMXBean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registrar and the MXBean against the JVM's real platform MBeanServer, with fake tunnels. */
class TunnelMBeanRegistrarTest {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final List<ObjectName> foreign = new ArrayList<>();
    private TunnelMBeanRegistrar registrar;
    /** A name no other test uses, since the platform server is shared by the whole test JVM. */
    private String name;

    @BeforeEach
    void setUp() {
        registrar = new TunnelMBeanRegistrar(server);
        name = "jmx-test-" + SEQUENCE.incrementAndGet();
    }

    @AfterEach
    void tearDown() throws Exception {
        registrar.deactivate();
        for (ObjectName n : foreign) {
            if (server.isRegistered(n)) {
                server.unregisterMBean(n);
            }
        }
        assertTrue(server.queryNames(new ObjectName(TunnelMBeans.PATTERN), null).isEmpty(),
                () -> "tunnel MBeans left behind: " + safeQuery());
    }

    private Set<ObjectName> safeQuery() {
        try {
            return server.queryNames(new ObjectName(TunnelMBeans.PATTERN), null);
        } catch (Exception e) {
            return Set.of();
        }
    }

    private Object get(String tunnelName, String attribute) throws Exception {
        return server.getAttribute(TunnelMBeans.objectName(tunnelName), attribute);
    }

    @Test
    void everyAttributeReadsTheTunnelsSnapshot() throws Exception {
        FakeTunnel t = new FakeTunnel(name);
        Instant since = Instant.parse("2024-05-01T10:15:30.250Z");
        Instant handshake = Instant.parse("2024-05-01T10:15:31Z");
        t.setStatus(new TunnelStatus(TunnelState.UP, TunnelReason.NONE, "all good", since));
        t.setCounters(FakeTunnel.counters(100, FakeTunnel.drops(DropReason.REPLAY, 3, DropReason.AUTH_FAILED, 4)));
        t.setConnection(new TunnelConnection(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 1194),
                new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 1195), "10.8.0.1", "10.8.0.2", null, handshake,
                "static-key", "AES-256-CBC"));
        Map<String, String> plugins = new LinkedHashMap<>();
        plugins.put("tun-driver", "linux");
        plugins.put("event-backend", "epoll");
        plugins.put("link-transport", "udp");
        t.setPlugins(plugins);
        t.setOffloads("tun: vnet-hdr: csum tso4 tso6, gso split; link: none");
        t.setDeviceName("tun7");
        registrar.addTunnel(t);

        assertTrue(server.isRegistered(TunnelMBeans.objectName(name)));
        assertEquals(name, get(name, "Name"));
        assertEquals("UP", get(name, "State"));
        assertEquals("NONE", get(name, "Reason"));
        assertEquals("all good", get(name, "Detail"));
        assertEquals(Date.from(since), get(name, "StateSince"));
        assertEquals("tun7", get(name, "DeviceName"));
        assertEquals("tun: vnet-hdr: csum tso4 tso6, gso split; link: none", get(name, "Offloads"));
        assertEquals(101L, get(name, "TunReadPackets"));
        assertEquals(102L, get(name, "TunReadBytes"));
        assertEquals(103L, get(name, "TunWritePackets"));
        assertEquals(104L, get(name, "TunWriteBytes"));
        assertEquals(105L, get(name, "LinkReadPackets"));
        assertEquals(106L, get(name, "LinkReadBytes"));
        assertEquals(107L, get(name, "LinkWritePackets"));
        assertEquals(108L, get(name, "LinkWriteBytes"));
        assertEquals(109L, get(name, "Restarts"));
        assertEquals(110L, get(name, "LinkAuthReadBytes"));
        assertEquals(7L, get(name, "TotalDrops"));
        assertEquals(Date.from(handshake), get(name, "LastHandshake"));
        assertEquals("192.0.2.1:1194", get(name, "LinkLocal"));
        assertEquals("[2001:db8:0:0:0:0:0:7]:1195", get(name, "LinkRemote"));
        assertEquals("10.8.0.1", get(name, "TunLocalIpv4"));
        assertEquals("10.8.0.2", get(name, "TunRemoteIpv4"));

        // Plugins is a Map<String,String>: MXBean makes it TabularData with key/value rows.
        TabularData p = assertInstanceOf(TabularData.class, get(name, "Plugins"));
        assertEquals(plugins, rows(p));

        // The typed proxy sees the same values through the MXBean mapping.
        TunnelMXBean proxy = JMX.newMXBeanProxy(server, TunnelMBeans.objectName(name), TunnelMXBean.class);
        assertEquals("UP", proxy.getState());
        assertEquals(plugins, proxy.getPlugins());
        assertEquals(3L, proxy.getDrops().get("REPLAY"));
    }

    @Test
    void theClientStateAndTheConfigurationInEffectShowAsOpenVpnNamesThem() throws Exception {
        FakeTunnel t = new FakeTunnel(name);
        registrar.addTunnel(t);
        assertNull(get(name, "ClientState"), "no client state before the first");
        assertEquals(Boolean.FALSE, get(name, "SettingsPushed"));
        assertEquals(0, ((String[]) get(name, "Settings")).length);
        InetSocketAddress remote = new InetSocketAddress(InetAddress.getByName("198.51.100.7"), 1194);
        TunnelSettings pushed = TunnelSettings.builder().pushed(true).ifconfig("10.8.0.6", "255.255.255.0").ifconfigIpv6("fd00:8::1000/64")
                .route("10.0.0.0/24 via 10.8.0.1").dns("10.8.0.1").cipher("AES-256-GCM").peerId(3).option("route-gateway 10.8.0.1").build();
        t.setConnection(new TunnelConnection(null, remote, "10.8.0.6", null, "fd00:8::1000", null, "tls-client", "", pushed));
        t.clientStep(new ClientStatus(ClientState.CONNECTED, "SUCCESS", Instant.EPOCH, "10.8.0.6", remote, null, null), false);
        assertEquals("CONNECTED", get(name, "ClientState"));
        assertEquals("SUCCESS", get(name, "ClientStateDescription"));
        assertEquals("198.51.100.7:1194", get(name, "LinkRemote"), "the server");
        assertEquals("fd00:8::1000", get(name, "TunLocalIpv6"));
        assertEquals(Boolean.TRUE, get(name, "SettingsPushed"));
        assertEquals(List.of("ifconfig 10.8.0.6 255.255.255.0", "ifconfig-ipv6 fd00:8::1000/64", "route 10.0.0.0/24 via 10.8.0.1",
                "dns 10.8.0.1", "cipher AES-256-GCM", "peer-id 3", "pushed: route-gateway 10.8.0.1"), List.of((String[]) get(name, "Settings")));
        t.clientStep(new ClientStatus(ClientState.RECONNECTING, "ping-restart", Instant.EPOCH, null, null, null, null), false);
        TunnelMXBean proxy = JMX.newMXBeanProxy(server, TunnelMBeans.objectName(name), TunnelMXBean.class);
        assertEquals("RECONNECTING", proxy.getClientState());
        assertEquals("ping-restart", proxy.getClientStateDescription());
    }

    @Test
    void attributesAreLiveNotCached() throws Exception {
        FakeTunnel t = new FakeTunnel(name);
        registrar.addTunnel(t);
        assertEquals("STARTING", get(name, "State"));
        assertEquals(0L, get(name, "TunReadBytes"));

        t.setStatus(new TunnelStatus(TunnelState.WAITING, TunnelReason.DRIVER_MISSING, "no driver matches (x=y)", Instant.now()));
        t.setCounters(FakeTunnel.counters(1000, FakeTunnel.drops()));
        assertEquals("WAITING", get(name, "State"));
        assertEquals("DRIVER_MISSING", get(name, "Reason"));
        assertEquals("no driver matches (x=y)", get(name, "Detail"));
        assertEquals(1002L, get(name, "TunReadBytes"));

        // A getAttributes batch reads them all too.
        AttributeList list = server.getAttributes(TunnelMBeans.objectName(name), new String[] {"State", "LinkWriteBytes", "TotalDrops"});
        Map<String, Object> values = new HashMap<>();
        for (Attribute a : list.asList()) {
            values.put(a.getName(), a.getValue());
        }
        assertEquals(Map.of("State", "WAITING", "LinkWriteBytes", 1008L, "TotalDrops", 0L), values);
    }

    @Test
    void dropsAreTabularDataWithARowPerCause() throws Exception {
        FakeTunnel t = new FakeTunnel(name);
        t.setCounters(FakeTunnel.counters(0, FakeTunnel.drops(DropReason.REPLAY, 5, DropReason.UNKNOWN_PEER, 2,
                DropReason.WRITE_REJECTED, Long.MAX_VALUE / 4)));
        registrar.addTunnel(t);

        TabularData drops = assertInstanceOf(TabularData.class, get(name, "Drops"));
        assertEquals(List.of("key"), drops.getTabularType().getIndexNames());
        Map<String, Object> rows = rows(drops);
        assertEquals(DropReason.values().length, rows.size(), "a row for every cause, seen or not: " + rows);
        assertEquals(5L, rows.get("REPLAY"));
        assertEquals(2L, rows.get("UNKNOWN_PEER"));
        assertEquals(Long.MAX_VALUE / 4, rows.get("WRITE_REJECTED"));
        assertEquals(0L, rows.get("AUTH_FAILED"));
        // A single row can be looked up by cause, as consoles do.
        CompositeData replay = drops.get(new Object[] {"REPLAY"});
        assertNotNull(replay);
        assertEquals(5L, replay.get("value"));
        assertEquals(5L + 2L + Long.MAX_VALUE / 4, get(name, "TotalDrops"));
    }

    @Test
    void missingConnectionDetailsAreNull() throws Exception {
        FakeTunnel t = new FakeTunnel(name);
        t.setConnection(null); // a broken tunnel must not break JMX
        registrar.addTunnel(t);
        assertNull(get(name, "LastHandshake"));
        assertNull(get(name, "LinkLocal"));
        assertNull(get(name, "LinkRemote"));
        assertNull(get(name, "TunLocalIpv4"));
        assertNull(get(name, "DeviceName"));
        t.setConnection(TunnelConnection.NONE);
        assertNull(get(name, "TunRemoteIpv4"));
        t.setPlugins(null);
        t.setOffloads("");
        assertTrue(((TabularData) get(name, "Plugins")).isEmpty());
        assertNull(get(name, "Offloads"));
    }

    @Test
    void addressesPrintWithoutHostNameLookups() throws Exception {
        assertEquals("198.51.100.9:53", TunnelMBean.address(new InetSocketAddress(InetAddress.getByName("198.51.100.9"), 53)));
        assertEquals("[0:0:0:0:0:0:0:1]:1194", TunnelMBean.address(new InetSocketAddress(InetAddress.getByName("::1"), 1194)));
        assertEquals("vpn.example.org:1194", TunnelMBean.address(InetSocketAddress.createUnresolved("vpn.example.org", 1194)));
        SocketAddress memory = new SocketAddress() {
            private static final long serialVersionUID = 1L;

            @Override
            public String toString() {
                return "memory:a";
            }
        };
        assertEquals("memory:a", TunnelMBean.address(memory));
        assertNull(TunnelMBean.address(null));
    }

    @Test
    void removalUnregistersTheMBean() throws Exception {
        FakeTunnel a = new FakeTunnel(name + "-a");
        FakeTunnel b = new FakeTunnel(name + "-b");
        registrar.addTunnel(a);
        registrar.addTunnel(b);
        assertEquals(2, server.queryNames(new ObjectName(TunnelMBeans.PATTERN), null).size());

        registrar.removeTunnel(a);
        assertFalse(server.isRegistered(TunnelMBeans.objectName(a.name())));
        assertTrue(server.isRegistered(TunnelMBeans.objectName(b.name())));
        assertThrows(InstanceNotFoundException.class, () -> get(a.name(), "State"));

        // Removing an unknown tunnel, or one twice, changes nothing.
        registrar.removeTunnel(a);
        registrar.removeTunnel(new FakeTunnel(b.name()));
        assertTrue(server.isRegistered(TunnelMBeans.objectName(b.name())));

        registrar.removeTunnel(b);
        assertTrue(server.queryNames(new ObjectName(TunnelMBeans.PATTERN), null).isEmpty());
        assertEquals(List.of(), registrar.shownNames());
    }

    @Test
    void deactivationUnregistersEverythingAndIgnoresLaterCalls() throws Exception {
        FakeTunnel a = new FakeTunnel(name + "-a");
        FakeTunnel b = new FakeTunnel(name + "-b");
        registrar.addTunnel(a);
        registrar.addTunnel(b);
        registrar.deactivate();
        assertTrue(server.queryNames(new ObjectName(TunnelMBeans.PATTERN), null).isEmpty());
        // SCR unbinds after deactivating; a late bind must not resurrect anything either.
        registrar.removeTunnel(a);
        registrar.addTunnel(new FakeTunnel(name + "-c"));
        assertTrue(server.queryNames(new ObjectName(TunnelMBeans.PATTERN), null).isEmpty());
        registrar.deactivate(); // idempotent
    }

    @Test
    void oddNamesAreQuotedAndRoundTrip() throws Exception {
        List<String> odd = List.of("a,b=c \"x\"", "star*and?question", "back\\slash", "new\nline", "colon:and space", "");
        Map<String, FakeTunnel> tunnels = new HashMap<>();
        for (String n : odd) {
            FakeTunnel t = new FakeTunnel(n);
            tunnels.put(n, t);
            registrar.addTunnel(t);
        }
        Set<ObjectName> names = server.queryNames(new ObjectName(TunnelMBeans.PATTERN), null);
        assertEquals(odd.size(), names.size(), names::toString);
        for (String n : odd) {
            ObjectName on = TunnelMBeans.objectName(n);
            assertFalse(on.isPattern(), on + " is a pattern");
            assertEquals(TunnelMBeans.DOMAIN, on.getDomain());
            assertEquals(TunnelMBeans.TYPE, on.getKeyProperty("type"));
            assertEquals(n, ObjectName.unquote(on.getKeyProperty("name")));
            assertTrue(names.contains(on), on + " not among " + names);
            assertEquals(n, server.getAttribute(on, "Name"));
        }
        assertEquals("org.culvert:type=Tunnel,name=\"a,b=c \\\"x\\\"\"", TunnelMBeans.objectName("a,b=c \"x\"").toString());
        for (String n : odd) {
            registrar.removeTunnel(tunnels.get(n));
        }
        assertTrue(server.queryNames(new ObjectName(TunnelMBeans.PATTERN), null).isEmpty());
    }

    @Test
    void operationsSendSignals() throws Exception {
        FakeTunnel t = new FakeTunnel(name);
        registrar.addTunnel(t);
        ObjectName on = TunnelMBeans.objectName(name);
        assertNull(server.invoke(on, "restart", new Object[0], new String[0]));
        assertEquals(List.of(TunnelSignal.SIGUSR1), t.signals);
        server.invoke(on, "hardRestart", new Object[0], new String[0]);
        assertEquals(List.of(TunnelSignal.SIGUSR1, TunnelSignal.SIGHUP), t.signals);
        JMX.newMXBeanProxy(server, on, TunnelMXBean.class).restart();
        assertEquals(List.of(TunnelSignal.SIGUSR1, TunnelSignal.SIGHUP, TunnelSignal.SIGUSR1), t.signals);
    }

    @Test
    void attributesAreReadOnlyAndDescribed() throws Exception {
        registrar.addTunnel(new FakeTunnel(name));
        ObjectName on = TunnelMBeans.objectName(name);
        MBeanInfo info = server.getMBeanInfo(on);
        assertEquals("true", String.valueOf(info.getDescriptor().getFieldValue("mxbean")));
        Set<String> expected = Set.of("Name", "State", "Reason", "Detail", "StateSince", "DeviceName", "Plugins", "Offloads", "TunReadBytes",
                "TunReadPackets", "TunWriteBytes", "TunWritePackets", "LinkReadBytes", "LinkReadPackets", "LinkWriteBytes",
                "LinkWritePackets", "LinkAuthReadBytes", "Restarts", "Drops", "TotalDrops", "LastHandshake", "LinkLocal", "LinkRemote",
                "TunLocalIpv4", "TunRemoteIpv4", "TunLocalIpv6", "ClientState", "ClientStateDescription", "SettingsPushed", "Settings");
        Set<String> seen = new HashSet<>();
        for (MBeanAttributeInfo a : info.getAttributes()) {
            seen.add(a.getName());
            assertFalse(a.isWritable(), a.getName() + " is writable");
            assertFalse(a.getDescription().isEmpty() || a.getDescription().equals(a.getName()),
                    a.getName() + " has no description: " + a.getDescription());
        }
        assertEquals(expected, seen);
        Set<String> ops = new HashSet<>();
        for (MBeanOperationInfo o : info.getOperations()) {
            ops.add(o.getName());
            assertEquals(MBeanOperationInfo.ACTION, o.getImpact(), o.getName());
            assertTrue(o.getDescription().contains("SIG"), o.getName() + ": " + o.getDescription());
        }
        assertEquals(Set.of("restart", "hardRestart"), ops);
        assertThrows(AttributeNotFoundException.class,
                () -> server.setAttribute(on, new Attribute("State", "UP")));
    }

    @Test
    void aReusedNameShowsTheNewestTunnelAndFallsBack() throws Exception {
        FakeTunnel first = new FakeTunnel(name);
        first.setStatus(new TunnelStatus(TunnelState.UP, TunnelReason.NONE, "first", Instant.now()));
        FakeTunnel second = new FakeTunnel(name);
        second.setStatus(new TunnelStatus(TunnelState.CONNECTING, TunnelReason.NONE, "second", Instant.now()));

        registrar.addTunnel(first);
        assertEquals("first", get(name, "Detail"));
        registrar.addTunnel(second);
        assertEquals("second", get(name, "Detail"), "the newest tunnel of a name is shown");
        assertEquals(1, server.queryNames(TunnelMBeans.objectName(name), null).size());

        // The newest goes: the older one, still alive, is shown again.
        registrar.removeTunnel(second);
        assertEquals("first", get(name, "Detail"));
        server.invoke(TunnelMBeans.objectName(name), "restart", new Object[0], new String[0]);
        assertEquals(List.of(TunnelSignal.SIGUSR1), first.signals);
        assertEquals(List.of(), second.signals);

        // The older goes while the newer is shown: the newer stays.
        registrar.addTunnel(second);
        registrar.removeTunnel(first);
        assertEquals("second", get(name, "Detail"));
        registrar.removeTunnel(second);
        assertFalse(server.isRegistered(TunnelMBeans.objectName(name)));
    }

    @Test
    void aForeignMBeanWithTheNameIsLeftAlone() throws Exception {
        ObjectName on = TunnelMBeans.objectName(name);
        Object other = new StandardMBean(new Foreign(), ForeignMBean.class);
        server.registerMBean(other, on);
        foreign.add(on);

        FakeTunnel t = new FakeTunnel(name);
        registrar.addTunnel(t); // logs a warning, does not throw
        assertEquals(List.of(), registrar.shownNames());
        assertEquals("foreign", server.getAttribute(on, "Owner"));
        registrar.removeTunnel(t);
        assertTrue(server.isRegistered(on), "the registrar unregistered an MBean it did not register");
        assertEquals("foreign", server.getAttribute(on, "Owner"));
        server.unregisterMBean(on);
        foreign.clear();
    }

    public interface ForeignMBean {
        String getOwner();
    }

    public static final class Foreign implements ForeignMBean {
        @Override
        public String getOwner() {
            return "foreign";
        }
    }

    private static Map<String, Object> rows(TabularData data) {
        Map<String, Object> m = new HashMap<>();
        for (Object row : data.values()) {
            CompositeData c = (CompositeData) row;
            m.put((String) c.get("key"), c.get("value"));
        }
        return m;
    }
}
