package org.culvert.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.felix.service.command.Descriptor;
import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.testkit.server.FakeTunnelServer;
import org.culvert.testkit.ScriptedTunnel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** tunnel:clients and tunnel:kill against a {@link FakeTunnelServer}, and their errors. */
class ServerClientCommandsTest {
    private static final Instant T0 = Instant.ofEpochSecond(1_700_000_000);

    private final ServerClientCommands commands = new ServerClientCommands();
    private final FakeTunnelServer server = new FakeTunnelServer();

    @BeforeEach
    void wire() throws Exception {
        ScriptedTunnel hq = FakeTunnelServer.tunnel("hq", server);
        ScriptedTunnel office = new ScriptedTunnel("office");
        Map<String, Tunnel> tunnels = Map.of("hq", hq, "office", office);
        TunnelManager manager = (TunnelManager) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {TunnelManager.class},
                (p, m, a) -> {
                    if (m.getName().equals("get")) {
                        return Optional.ofNullable(tunnels.get((String) a[0]));
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        Field f = ServerClientCommands.class.getDeclaredField("manager");
        f.setAccessible(true);
        f.set(commands, manager);
        server.put(FakeTunnelServer.client(0, "branch-1", "192.0.2.10", 51234, "10.8.0.2", 4711, 2342, T0));
        server.put(new ServerClient(12, ServerClient.UNDEF, ServerClient.UNDEF, new InetSocketAddress("2001:db8::7", 1194), "",
                "", 40, 0, T0.plusSeconds(61), -1, "", false));
    }

    @Test
    void clientsPrintsOneAlignedRowPerClient() {
        String out = ServerClientCommands.table(server.clients(), ZoneOffset.UTC);
        List<String> lines = List.of(out.split("\n"));
        assertEquals(3, lines.size(), out);
        assertEquals(List.of("ID", "COMMON", "NAME", "REAL", "ADDRESS", "VIRTUAL", "VIRTUAL", "IPV6", "BYTES", "IN", "BYTES", "OUT",
                "CONNECTED", "SINCE", "CIPHER"), List.of(lines.get(0).split(" +")));
        assertEquals(List.of("0", "branch-1", "192.0.2.10:51234", "10.8.0.2", "-", "4711", "2342", "2023-11-14", "22:13:20",
                "AES-256-GCM"), List.of(lines.get(1).split(" +")));
        assertEquals(List.of("12", "UNDEF", "(connecting)", "[2001:db8:0:0:0:0:0:7]:1194", "-", "-", "40", "0", "2023-11-14",
                "22:14:21", "-"), List.of(lines.get(2).split(" +")));
        // Columns line up: each header starts where its values start.
        int real = lines.get(0).indexOf("REAL ADDRESS");
        assertEquals(real, lines.get(1).indexOf("192.0.2.10"));
        assertEquals(real, lines.get(2).indexOf("[2001"));
        assertTrue(commands.clients("hq").contains("branch-1"));
        server.clientKill(0, null);
        server.clientKill(12, null);
        assertEquals("no clients", commands.clients("hq"));
    }

    @Test
    void killTellsTheClientAndReportsAnUnknownId() {
        assertEquals("tunnel hq: client 0 told RESTART and disconnected", commands.kill("RESTART", "hq", 0));
        assertEquals("tunnel hq: client 12 told HALT and disconnected", commands.kill("HALT", "hq", 12));
        assertEquals(List.of("0 RESTART", "12 HALT"), server.clientKills);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> commands.kill("RESTART", "hq", 0));
        assertEquals("tunnel hq has no client with id 0 (see tunnel:clients hq)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> commands.kill("HALT\nRESTART", "hq", 1));
        assertThrows(IllegalArgumentException.class, () -> commands.kill(" ", "hq", 1));
    }

    @Test
    void aTunnelThatIsNotAServerOrDoesNotExistIsOneClearLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> commands.clients("office"));
        assertTrue(e.getMessage().startsWith("tunnel office is not a server"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> commands.kill("RESTART", "office", 0));
        assertEquals("no tunnel named 'home'", assertThrows(IllegalArgumentException.class, () -> commands.clients("home")).getMessage());
    }

    @Test
    void everyFunctionAndParameterIsDescribed() {
        for (Method m : ServerClientCommands.class.getDeclaredMethods()) {
            if (!java.lang.reflect.Modifier.isPublic(m.getModifiers())) {
                continue;
            }
            assertNotNull(m.getAnnotation(Descriptor.class), m.getName());
            for (java.lang.reflect.Parameter p : m.getParameters()) {
                assertNotNull(p.getAnnotation(Descriptor.class), m.getName() + " " + p.getName());
            }
        }
    }
}
