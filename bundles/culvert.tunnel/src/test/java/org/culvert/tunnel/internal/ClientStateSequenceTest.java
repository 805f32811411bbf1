package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.openvpn.tls.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * OpenVPN's client states as the core publishes them, for point-to-point static-key and TLS tunnels
 * over the in-memory plugins: the sequences stock OpenVPN 2.6 reports in the same setups (init.c,
 * tun.c, route.c, ssl.c, sig.c), without the pull states. The memory network's peers are host names,
 * so each run looks its remote up: RESOLVE, which Culvert reports before ASSIGN_IP because it resolves
 * before it opens the device, where OpenVPN opens the device first (socket.c resolve_remote).
 */
class ClientStateSequenceTest {
    private static final AtomicInteger SEQ = new AtomicInteger(900);
    private static final TestPki.Identity SERVER = TestPki.selfSigned("culvert-server");
    private static final TestPki.Identity CLIENT = TestPki.selfSigned("culvert-client");
    private static final TestPki.Identity STRANGER = TestPki.selfSigned("someone-else");
    private static final long TIMEOUT = 15_000;
    private final int id = SEQ.incrementAndGet();
    private final MemoryRunners memory = new MemoryRunners();

    @AfterEach
    void tearDown() {
        memory.stopAll();
    }

    private String staticKey(String me, String peer, int direction, String extra) {
        return StaticKeyTunnelTest.config(id, me, peer, direction, extra);
    }

    /** Two runners, a and b, each with its own sink, both started. */
    private final class Pair {
        final RecordingSink sinkA = new RecordingSink();
        final RecordingSink sinkB = new RecordingSink();
        final TunnelRunner a;
        final TunnelRunner b;

        Pair(String configA, String configB) throws Exception {
            a = memory.fromConfig("a" + id, configA, sinkA, new Counters(), LoopClock.SYSTEM);
            b = memory.fromConfig("b" + id, configB, sinkB, new Counters(), LoopClock.SYSTEM);
            a.start();
            b.start();
        }
    }

    @Test
    void staticKeyGoesFromConnectingThroughAssignIpAndAddRoutesToConnectedThenExits() throws Exception {
        Pair p = new Pair(staticKey("a", "b", 0, "ifconfig 10.0.0.1 10.0.0.2\nroute 10.9.0.0 255.255.0.0\n"), staticKey("b", "a", 1, ""));
        RecordingSink sinkA = p.sinkA;
        RecordingSink sinkB = p.sinkB;
        assertEquals(List.of("CONNECTING", "RESOLVE", "ASSIGN_IP", "ADD_ROUTES", "CONNECTED,SUCCESS"), sinkA.awaitClientState("CONNECTED,SUCCESS", TIMEOUT));
        // No --ifconfig, no route: OpenVPN names neither step; static keys have no WAIT or AUTH.
        assertEquals(List.of("CONNECTING", "RESOLVE", "CONNECTED,SUCCESS"), sinkB.awaitClientState("CONNECTED,SUCCESS", TIMEOUT));
        // The configuration in effect, as status displays show it.
        TunnelConnection c = sinkA.connection;
        assertEquals("10.0.0.1", c.settings().ifconfigLocal());
        assertEquals(List.of("10.9.0.0/16 via 10.0.0.2"), c.settings().routes());
        assertEquals("AES-256-CBC", c.settings().cipher());
        assertFalse(c.settings().pushed());
        p.a.stop(TunnelReason.USER_STOP);
        List<String> states = sinkA.clientStatesCopy();
        assertEquals("EXITING,SIGTERM", states.get(states.size() - 1));
        assertEquals(TunnelState.STOPPED, sinkA.state(), "EXITING comes with the stop itself");
    }

    @Test
    void tlsSidesWaitAuthenticateAndConnectAndARestartRepeatsAllButConnecting() throws Exception {
        Pair p = new Pair(TlsTunnelTest.config(id, "a", "b", true, SERVER, CLIENT.fingerprint()),
                TlsTunnelTest.config(id, "b", "a", false, CLIENT, SERVER.fingerprint()) + "ifconfig 10.0.0.2 10.0.0.1\n");
        RecordingSink sinkA = p.sinkA;
        RecordingSink sinkB = p.sinkB;
        assertEquals(List.of("CONNECTING", "RESOLVE", "ASSIGN_IP", "WAIT", "AUTH", "CONNECTED,SUCCESS"), sinkB.awaitClientState("CONNECTED,SUCCESS", TIMEOUT));
        assertEquals(List.of("CONNECTING", "RESOLVE", "WAIT", "AUTH", "CONNECTED,SUCCESS"), sinkA.awaitClientState("CONNECTED,SUCCESS", TIMEOUT));
        assertEquals("AES-256-GCM", sinkB.connection.settings().cipher(), "the negotiated cipher is in effect");

        p.b.requestRestart(false);
        sinkB.await(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, TIMEOUT);
        sinkB.await(TunnelState.UP, null, TIMEOUT);
        List<String> all = sinkB.clientStatesCopy();
        List<String> restart = all.subList(all.indexOf("RECONNECTING,SIGUSR1"), all.size());
        // Without --persist-tun the device is opened and addressed again; CONNECTING is not repeated.
        assertEquals(List.of("RECONNECTING,SIGUSR1", "RESOLVE", "ASSIGN_IP", "WAIT", "AUTH", "CONNECTED,SUCCESS"), restart);
    }

    @Test
    void aFailedHandshakeReconnectsWithTlsErrorAndNeverConnects() throws Exception {
        Pair p = new Pair(TlsTunnelTest.config(id, "a", "b", true, SERVER, CLIENT.fingerprint()),
                TlsTunnelTest.config(id, "b", "a", false, CLIENT, STRANGER.fingerprint()));
        List<String> states = p.sinkB.awaitClientState("RECONNECTING,tls-error", TIMEOUT);
        assertEquals(List.of("CONNECTING", "RESOLVE", "WAIT", "AUTH", "RECONNECTING,tls-error"), states.subList(0, 5));
        assertFalse(states.contains("CONNECTED,SUCCESS"), states.toString());
    }

    @Test
    void aStopWithExitNotifyIsExitWithNotificationThePeerHearsRemoteExitThenPingRestart() throws Exception {
        Pair p = new Pair(staticKey("a", "b", 0, "ping 1\nexplicit-exit-notify 1\n"), staticKey("b", "a", 1, "ping 1\nping-restart 2\n"));
        RecordingSink sinkA = p.sinkA;
        RecordingSink sinkB = p.sinkB;
        sinkA.awaitClientState("CONNECTED,SUCCESS", TIMEOUT);
        sinkB.awaitClientState("CONNECTED,SUCCESS", TIMEOUT);
        p.a.stop(TunnelReason.USER_STOP);
        List<String> states = sinkA.clientStatesCopy();
        assertEquals("EXITING,exit-with-notification", states.get(states.size() - 1), states.toString());
        sinkB.awaitClientState("RECONNECTING,remote-exit", TIMEOUT);
        // Alone now: the restarted side hears nothing for --ping-restart seconds.
        List<String> seenByB = sinkB.awaitClientState("RECONNECTING,ping-restart", TIMEOUT);
        assertEquals(List.of("CONNECTING", "RESOLVE", "CONNECTED,SUCCESS", "RECONNECTING,remote-exit", "RESOLVE",
                "CONNECTED,SUCCESS", "RECONNECTING,ping-restart"), seenByB.subList(0, 7));
    }

    @Test
    void historyEntriesCarryTheAddressesOpenVpnGivesWithEachStateAndKeepTheNewestHundred() {
        ClientStateHistory h = new ClientStateHistory();
        InetSocketAddress local = new InetSocketAddress("192.0.2.1", 1194);
        InetSocketAddress remote = new InetSocketAddress("192.0.2.2", 1194);
        TunnelConnection c = new TunnelConnection(local, remote, "10.8.0.2", "10.8.0.1", "fd00::2", null, "tls-client", "");
        Instant t = Instant.ofEpochSecond(1_700_000_000);
        ClientStatus wait = h.add(ClientState.WAIT, "", t, c);
        assertNull(wait.tunLocalIpv4());
        assertNull(wait.remote());
        ClientStatus assign = h.add(ClientState.ASSIGN_IP, "", t, c);
        assertEquals("10.8.0.2", assign.tunLocalIpv4());
        assertEquals("fd00::2", assign.tunLocalIpv6());
        assertNull(assign.remote(), "ASSIGN_IP gives no link address");
        ClientStatus connected = h.add(ClientState.CONNECTED, "SUCCESS", t, c);
        assertEquals(remote, connected.remote());
        assertEquals(local, connected.local());
        assertEquals("10.8.0.2", connected.tunLocalIpv4());
        ClientStatus reconnecting = h.add(ClientState.RECONNECTING, "ping-restart", t, c);
        assertNull(reconnecting.tunLocalIpv4());
        assertNull(h.add(ClientState.EXITING, "SIGTERM", t, null).local(), "no connection: no addresses");
        TunnelConnection nobind = new TunnelConnection(new InetSocketAddress("::", 51236), remote, "10.8.0.2", "10.8.0.1", null,
                null, "tls-client", "");
        ClientStatus unbound = h.add(ClientState.CONNECTED, "SUCCESS", t, nobind);
        assertNull(unbound.local(), "a wildcard local address (--nobind over UDP) leaves OpenVPN's local columns empty");
        assertEquals(remote, unbound.remote());
        for (int i = 0; i < 150; i++) {
            h.add(ClientState.RECONNECTING, "n" + i, t.plusSeconds(i), c);
        }
        List<ClientStatus> all = h.snapshot();
        assertEquals(ClientStateHistory.CAPACITY, all.size());
        assertEquals("n149", all.get(all.size() - 1).description());
        assertEquals("n50", all.get(0).description());
    }

    @Test
    void reasonsAreOpenVpnsSignalTexts() {
        assertEquals("ping-restart", TunnelReason.PING_RESTART.signalText(""));
        assertEquals("connection-reset", TunnelReason.LINK_ERROR.signalText("CONNECTION_RESET: reset by peer"));
        assertEquals("link-error", TunnelReason.LINK_ERROR.signalText("IO: broken"));
        assertEquals("connection-failed", TunnelReason.LINK_ERROR.signalText("CONNECTION_REFUSED: refused"));
        assertEquals("tun-abort", TunnelReason.TUN_ERROR.signalText("IO_ERROR: gone"));
        assertEquals("SIGHUP", TunnelReason.USER_RESTART.signalText("SIGHUP (restart in 1 s)"));
        assertEquals("SIGUSR1", TunnelReason.USER_RESTART.signalText(""));
        assertEquals("tls-error", TunnelReason.HANDSHAKE_FAILED.signalText("FINGERPRINT_MISMATCH"));
        assertEquals("SIGTERM", TunnelReason.USER_STOP.signalText(null));
        assertEquals("remote-exit", TunnelReason.PEER_EXIT.signalText(""));
        assertTrue(TunnelReason.CONFIG_ERROR.signalText("").equals("config-error"));
    }
}
