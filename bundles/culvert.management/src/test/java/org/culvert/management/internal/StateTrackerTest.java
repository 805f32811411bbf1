package org.culvert.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;
import org.junit.jupiter.api.Test;

/** Culvert's states as OpenVPN's state lines. */
class StateTrackerTest {
    private static final Instant T0 = Instant.ofEpochSecond(1_700_000_000);

    private static TunnelStatus at(TunnelState s, TunnelReason r, String detail, int second) {
        return new TunnelStatus(s, r, detail, T0.plusSeconds(second));
    }

    private static List<String> lines(List<StateEntry> entries) {
        return entries.stream().map(StateEntry::format).collect(Collectors.toList());
    }

    @Test
    void firstSightOfARunningTunnelIsOpenVpnsStartSequence() {
        StateTracker t = new StateTracker();
        assertEquals(List.of("1700000005,CONNECTING,,,,,,", "1700000005,ASSIGN_IP,,10.8.0.1,,,,",
                "1700000005,CONNECTED,SUCCESS,10.8.0.1,192.0.2.2,1194,192.0.2.1,1194"),
                lines(t.update(at(TunnelState.UP, TunnelReason.NONE, "", 5), FakeTunnel.staticKeyConnection())));
    }

    @Test
    void repeatsAndHoldsAddNothingPluginWaitsShowAsWait() {
        StateTracker t = new StateTracker();
        TunnelStatus s = at(TunnelState.CONNECTING, TunnelReason.NONE, "", 0);
        assertEquals(1, t.update(s, TunnelConnection.NONE).size());
        assertTrue(t.update(s, TunnelConnection.NONE).isEmpty());
        assertTrue(t.update(at(TunnelState.WAITING, TunnelReason.MANAGEMENT_HOLD, "", 1), null).isEmpty());
        assertEquals(List.of("1700000002,WAIT,driver-missing,,,,,"),
                lines(t.update(at(TunnelState.WAITING, TunnelReason.DRIVER_MISSING, "no tun driver", 2), null)));
        assertEquals(List.of("1700000003,CONNECTING,,,,,,"), lines(t.update(at(TunnelState.CONNECTING, TunnelReason.NONE, "", 3), null)));
    }

    @Test
    void reasonsAreNamedAsOpenVpnNamesItsSignals() {
        StateTracker t = new StateTracker();
        t.update(at(TunnelState.UP, TunnelReason.NONE, "", 0), FakeTunnel.staticKeyConnection());
        assertEquals("ping-restart", t.update(at(TunnelState.RECONNECTING, TunnelReason.PING_RESTART, "", 1), null).get(0).description);
        assertEquals("remote-exit", t.update(at(TunnelState.RECONNECTING, TunnelReason.PEER_EXIT, "", 2), null).get(0).description);
        assertEquals("connection-reset",
                t.update(at(TunnelState.RECONNECTING, TunnelReason.LINK_ERROR, "CONNECTION_RESET: reset", 3), null).get(0).description);
        assertEquals("tls-error", t.update(at(TunnelState.RECONNECTING, TunnelReason.HANDSHAKE_FAILED, "", 4), null).get(0).description);
        // Pull mode: OpenVPN's signal texts for a failed pull and the server's RESTART/HALT.
        assertEquals("no-push-reply", t.update(at(TunnelState.RECONNECTING, TunnelReason.NO_PUSH_REPLY, "", 5), null).get(0).description);
        assertEquals("process-push-msg-failed", t.update(at(TunnelState.RECONNECTING, TunnelReason.PUSH_FAILED, "", 6), null).get(0).description);
        assertEquals("server-pushed-connection-reset",
                t.update(at(TunnelState.RECONNECTING, TunnelReason.SERVER_RESTART, "", 7), null).get(0).description);
        t.signalSent("SIGHUP");
        assertEquals("SIGHUP", t.update(at(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, "", 5), null).get(0).description);
        // The signal names one restart only.
        assertEquals("SIGUSR1", t.update(at(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, "", 6), null).get(0).description);
        assertEquals("ping-exit", t.update(at(TunnelState.STOPPED, TunnelReason.PING_EXIT, "", 7), null).get(0).description);
        assertTrue(t.update(at(TunnelState.FAILED, TunnelReason.INTERNAL_ERROR, "", 8), null).isEmpty(), "EXITING twice");
        assertNull(t.goneEntry(9));
    }

    private static TunnelStatus with(TunnelState s, TunnelReason r, String detail, ClientStatus c) {
        return new TunnelStatus(s, r, detail, c.time(), c);
    }

    private static ClientStatus step(ClientState s, String description, int second) {
        return new ClientStatus(s, description, T0.plusSeconds(second), null, null, null, null);
    }

    @Test
    void aStartingStatusSeenBeforeTheFirstStepGivesOneConnectingLine() {
        StateTracker t = new StateTracker();
        // The endpoint saw the tunnel's STARTING status (no step yet), then its first step.
        assertEquals(List.of("1700000000,CONNECTING,,,,,,"),
                lines(t.update(new TunnelStatus(TunnelState.STARTING, TunnelReason.NONE, "", T0, null), null)));
        assertTrue(t.update(with(TunnelState.STARTING, TunnelReason.NONE, "", step(ClientState.CONNECTING, "", 0)), null).isEmpty());
        assertEquals(List.of("1700000001,WAIT,,,,,,"),
                lines(t.update(with(TunnelState.CONNECTING, TunnelReason.NONE, "", step(ClientState.WAIT, "", 1)), null)));
        assertEquals(2, t.last(10).size());
    }

    @Test
    void clientStatesFromTheCoreAreTakenAsTheyAreSeededOnceAndNamedAfterAManagementSignal() {
        StateTracker t = new StateTracker();
        ClientStatus connecting = step(ClientState.CONNECTING, "", 0);
        ClientStatus wait = step(ClientState.WAIT, "", 1);
        t.seed(List.of(connecting, wait));
        // Events already in the seeded history add nothing.
        assertTrue(t.update(with(TunnelState.CONNECTING, TunnelReason.NONE, "", wait), null).isEmpty());
        assertEquals(List.of("1700000002,AUTH,,,,,,"),
                lines(t.update(with(TunnelState.CONNECTING, TunnelReason.NONE, "", step(ClientState.AUTH, "", 2)), null)));
        // A plugin wait (Culvert's own) still shows as WAIT with its reason, once; a hold adds nothing.
        ClientStatus auth = t.lastSeen().clientState();
        assertEquals(List.of("1700000002,WAIT,driver-missing,,,,,"),
                lines(t.update(new TunnelStatus(TunnelState.WAITING, TunnelReason.DRIVER_MISSING, "", T0.plusSeconds(2), auth), null)));
        assertTrue(t.update(new TunnelStatus(TunnelState.WAITING, TunnelReason.MANAGEMENT_HOLD, "Waiting for hold release:5", T0.plusSeconds(3),
                auth), null).isEmpty());
        assertEquals(5, t.holdSeconds());
        t.signalSent("SIGINT");
        assertEquals(List.of("1700000004,EXITING,SIGINT,,,,,"),
                lines(t.update(with(TunnelState.STOPPED, TunnelReason.USER_STOP, "", step(ClientState.EXITING, "SIGTERM", 4)), null)));
        assertEquals(List.of("1700000000,CONNECTING,,,,,,", "1700000001,WAIT,,,,,,", "1700000002,AUTH,,,,,,",
                "1700000002,WAIT,driver-missing,,,,,", "1700000004,EXITING,SIGINT,,,,,"), lines(t.last(10)));
    }

    @Test
    void historyKeepsTheNewestHundred() {
        StateTracker t = new StateTracker();
        for (int i = 0; i < 150; i++) {
            t.update(at(i % 2 == 0 ? TunnelState.RECONNECTING : TunnelState.UP, TunnelReason.NONE, "", i), FakeTunnel.staticKeyConnection());
        }
        assertEquals(StateTracker.CAPACITY, t.size());
        List<StateEntry> last = t.last(Integer.MAX_VALUE);
        assertEquals(StateTracker.CAPACITY, last.size());
        assertEquals(1_700_000_149L, last.get(last.size() - 1).epochSeconds);
        assertEquals(2, t.last(2).size());
    }

    @Test
    void addressesPrintAsOpenVpnPrintsThem() throws UnknownHostException {
        assertEquals("2001:db8::1", StateEntry.ipText(InetAddress.getByName("2001:db8:0:0:0:0:0:1")));
        assertEquals("2001:db8:0:1::", StateEntry.ipText(InetAddress.getByName("2001:db8:0:1:0:0:0:0")));
        assertEquals("::", StateEntry.ipText(InetAddress.getByName("::")));
        assertEquals("::1", StateEntry.ipText(InetAddress.getByName("::1")));
        assertEquals("1:0:2::3:0:0", StateEntry.ipText(InetAddress.getByName("1:0:2:0:0:3:0:0")));
        assertEquals("fe80::1", StateEntry.ipText(InetAddress.getByName("fe80::1%1")));
        StateEntry e = new StateEntry(1, "CONNECTED", "SUCCESS", "10.8.0.1", new InetSocketAddress("fd00::2", 1194),
                new InetSocketAddress("fd00::1", 1195), "fd01::1");
        assertEquals("1,CONNECTED,SUCCESS,10.8.0.1,fd00::2,1194,fd00::1,1195,fd01::1", e.format());
        assertEquals("1,EXITING,SIGTERM,,,,,", new StateEntry(1, "EXITING", "SIGTERM", null, null, null, null).format());
    }
}
