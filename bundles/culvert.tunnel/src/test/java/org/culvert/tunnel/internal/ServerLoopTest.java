package org.culvert.tunnel.internal;

import static org.culvert.tunnel.internal.ServerHarness.clientAddress;
import static org.culvert.tunnel.internal.ServerHarness.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.ServerClient;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The server loop with several TLS clients over the in-memory plugins. */
class ServerLoopTest {
    private static final String KEEPALIVE = "ping 1\nping-restart 30\n";
    private final ServerHarness h = new ServerHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static byte[] udp(String from, String to, String text) {
        return Packets.ipv4Udp(ip(from), 1000, ip(to), 2000, text.getBytes());
    }

    private void startThree(ServerPlan plan) throws Exception {
        h.start(plan, KEEPALIVE);
        for (int i = 1; i <= 3; i++) {
            h.client(i, KEEPALIVE);
        }
        h.awaitEstablished("client1", "client2", "client3");
    }

    @Test
    void eachClientGetsItsOwnTrafficBothWays() throws Exception {
        startThree(ServerPlan.defaults().withDataThreads(2));
        MemoryTunOsSide[] os = {null, h.clientOs(1), h.clientOs(2), h.clientOs(3)};
        for (int round = 0; round < 50; round++) {
            for (int i = 1; i <= 3; i++) {
                byte[] down = udp("10.9.0.1", clientAddress(i), "to " + i + " #" + round);
                assertTrue(h.os.inject(down));
                assertArrayEquals(down, os[i].take(5000), "client " + i + " gets what is addressed to it");
                byte[] up = udp(clientAddress(i), "10.9.0.1", "from " + i + " #" + round);
                assertTrue(os[i].inject(up));
                assertArrayEquals(up, h.os.take(5000), "the server's tun gets client " + i + "'s packet");
            }
        }
        for (int i = 1; i <= 3; i++) {
            assertNull(os[i].poll(), "client " + i + " got nothing of the others'");
        }
        List<ServerClient> clients = h.view.clients();
        assertEquals(3, clients.size());
        for (ServerClient c : clients) {
            assertTrue(c.established() && c.bytesReceived() > 0 && c.bytesSent() > 0, c.toString());
            assertEquals("AES-256-GCM", c.dataCipher());
            assertEquals(clientAddress(Integer.parseInt(c.commonName().substring(6))), c.virtualAddress());
        }
        Set<String> routes = h.view.routes().stream().map(r -> r.virtualAddress() + "=" + r.commonName()).collect(Collectors.toSet());
        assertEquals(Set.of("10.8.0.11=client1", "10.8.0.12=client2", "10.8.0.13=client3"), routes);
        Set<ServerClientEvent.Kind> kinds = h.events.stream().map(ServerClientEvent::kind).collect(Collectors.toSet());
        assertTrue(kinds.containsAll(Set.of(ServerClientEvent.Kind.CONNECT, ServerClientEvent.Kind.ADDRESS, ServerClientEvent.Kind.ESTABLISHED)),
                kinds.toString());
    }

    /** OpenVPN's mda_key_id in the events: CONNECT with 0 for the first key, REAUTH with 1, 2, ... for renegotiated keys. */
    @Test
    void connectAndReauthCarryTheClientsKeyCounter() throws Exception {
        h.start(ServerPlan.defaults().withDataThreads(1), KEEPALIVE);
        h.client(1, KEEPALIVE + "reneg-sec 2\n");
        h.awaitEstablished("client1");
        MemoryRunners.awaitTrue(() -> h.events.stream().anyMatch(e -> e.kind() == ServerClientEvent.Kind.REAUTH && e.keyId() == 2),
                () -> "two renegotiations seen as REAUTH 1 and 2: " + h.events);
        List<Long> connects = h.events.stream().filter(e -> e.kind() == ServerClientEvent.Kind.CONNECT).map(ServerClientEvent::keyId).toList();
        assertEquals(List.of(0L), connects);
        List<Long> reauths = h.events.stream().filter(e -> e.kind() == ServerClientEvent.Kind.REAUTH).map(ServerClientEvent::keyId).toList();
        assertEquals(List.of(1L, 2L), reauths.subList(0, 2), "REAUTH key counters in order: " + reauths);
    }

    @Test
    void aPacketWhoseSourceIsNotTheClientsIsDroppedAndAnUnknownDestinationToo() throws Exception {
        startThree(ServerPlan.defaults().withDataThreads(1));
        MemoryTunOsSide c1 = h.clientOs(1);
        // client 1 pretends to be client 2
        assertTrue(c1.inject(udp(clientAddress(2), "10.9.0.1", "spoofed")));
        assertTrue(h.os.inject(udp("10.9.0.1", "10.8.0.99", "nobody")));
        MemoryRunners.awaitTrue(() -> h.loop.counters().drops(DropReason.BAD_SOURCE) == 1
                && h.loop.counters().drops(DropReason.NO_ROUTE) == 1, () -> h.loop.counters().drops().toString());
        byte[] honest = udp(clientAddress(1), "10.9.0.1", "honest");
        assertTrue(c1.inject(honest));
        assertArrayEquals(honest, h.os.take(5000), "the spoofed packet never reached the tun; the honest one did");
    }

    @Test
    void anIrouteLeadsToItsClientAndItsHitsAreCached() throws Exception {
        h.leases.put("client2", new ClientAddressing.Lease(clientAddress(2), null, List.of("192.168.2.0/24"), "client2"));
        startThree(ServerPlan.defaults());
        MemoryTunOsSide c2 = h.clientOs(2);
        byte[] down = udp("10.9.0.1", "192.168.2.7", "behind client 2");
        assertTrue(h.os.inject(down));
        assertArrayEquals(down, c2.take(5000));
        byte[] up = udp("192.168.2.7", "10.9.0.1", "from behind client 2");
        assertTrue(c2.inject(up));
        assertArrayEquals(up, h.os.take(5000), "a source inside the client's iroute passes the source check");
        Set<String> routes = h.view.routes().stream().map(r -> r.virtualAddress() + "=" + r.commonName()).collect(Collectors.toSet());
        assertTrue(routes.contains("192.168.2.0/24=client2") && routes.contains("192.168.2.7C=client2"), routes.toString());
        assertTrue(h.events.stream().anyMatch(e -> e.kind() == ServerClientEvent.Kind.ADDRESS && e.address().equals("192.168.2.0/24")
                && !e.primary()), h.events.toString());
    }

    @Test
    void clientToClientStaysInsideTheServerAndWithoutItGoesToTheTun() throws Exception {
        startThree(ServerPlan.defaults().withClientToClient(true));
        MemoryTunOsSide c1 = h.clientOs(1);
        MemoryTunOsSide c2 = h.clientOs(2);
        MemoryTunOsSide c3 = h.clientOs(3);
        byte[] p = udp(clientAddress(1), clientAddress(2), "hello 2");
        assertTrue(c1.inject(p));
        assertArrayEquals(p, c2.take(5000));
        byte[] bcast = udp(clientAddress(1), "255.255.255.255", "everyone");
        assertTrue(c1.inject(bcast));
        assertArrayEquals(bcast, c2.take(5000));
        assertArrayEquals(bcast, c3.take(5000));
        assertArrayEquals(bcast, h.os.take(5000), "broadcast reaches the server's tun too");
        assertNull(h.os.poll(), "the unicast did not go to the tun");
        assertNull(c1.take(200), "the sender does not get its own broadcast");
    }

    @Test
    void withoutClientToClientAPacketForAnotherClientGoesToTheTun() throws Exception {
        startThree(ServerPlan.defaults().withClientToClient(false));
        byte[] p = udp(clientAddress(1), clientAddress(2), "via the OS");
        assertTrue(h.clientOs(1).inject(p));
        assertArrayEquals(p, h.os.take(5000));
        assertNull(h.clientOs(2).take(200));
    }

    @Test
    void withoutDuplicateCnANewClientWithTheSameNameClosesTheOldOne() throws Exception {
        h.start(ServerPlan.defaults(), KEEPALIVE);
        h.client(1, KEEPALIVE);
        h.awaitEstablished("client1");
        long first = h.clientNamed("client1").clientId();
        h.client(4, 1, KEEPALIVE); // another machine with client1's certificate
        MemoryRunners.awaitTrue(() -> h.view.clients().stream().anyMatch(c -> c.established() && c.clientId() != first)
                && h.view.clients().stream().noneMatch(c -> c.clientId() == first), () -> h.view.clients().toString());
        assertEquals(1, h.view.clients().size(), h.view.clients().toString());
        assertEquals(1, duplicateWarnings("client1"), "OpenVPN's warning, once: " + h.log.recent());
    }

    private long duplicateWarnings(String cn) {
        return h.log.recent().stream().filter(e -> e.message().startsWith("MULTI: new connection by client '" + cn
                + "' will cause previous active sessions by this client to be dropped.  Remember to use the --duplicate-cn option")).count();
    }

    @Test
    void withDuplicateCnBothStay() throws Exception {
        h.start(ServerPlan.defaults().withDuplicateCn(true), KEEPALIVE);
        h.client(1, KEEPALIVE);
        h.client(4, 1, KEEPALIVE);
        MemoryRunners.awaitTrue(() -> h.view.clients().stream().filter(c -> c.established() && c.commonName().equals("client1")).count() == 2,
                () -> h.view.clients().toString());
        assertEquals(0, duplicateWarnings("client1"), h.log.recent().toString());
    }
}
