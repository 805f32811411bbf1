package org.culvert.openvpn.tls;

import static org.culvert.openvpn.tls.TlsSessionTest.client;
import static org.culvert.openvpn.tls.TlsSessionTest.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.SecureRandom;

import org.culvert.openvpn.config.Proto;
import org.junit.jupiter.api.Test;

/**
 * A UDP tls-server that knows its peer sends its own hard reset at once, as OpenVPN's p2p server does,
 * so a handshake does not wait for the client's next retry when the client spoke before the server
 * listened. The resets may cross, be lost, or arrive before the client exists.
 */
class ServerFirstResetTest {
    private static final int P_CONTROL_HARD_RESET_SERVER_V2 = 8;

    private static int firstOpcode(TlsSession s) {
        ByteBuffer slot = ByteBuffer.allocate(TlsPair.SLOT);
        if (!s.pollOutgoing(slot, TlsPair.HEADROOM)) {
            return -1;
        }
        return (slot.get(slot.position()) & 0xff) >>> 3;
    }

    @Test
    void onlyAUdpServerThatKnowsItsPeerSpeaksFirst() throws Exception {
        FakeClock clock = new FakeClock();
        assertEquals(P_CONTROL_HARD_RESET_SERVER_V2, firstOpcode(new TlsSession(server().peerKnown(true).build(), clock, new SecureRandom())));
        assertEquals(-1, firstOpcode(new TlsSession(server().build(), clock, new SecureRandom())), "no --remote: it waits");
        assertEquals(-1, firstOpcode(new TlsSession(server().peerKnown(true).proto(Proto.TCP_SERVER).build(), clock, new SecureRandom())),
                "TCP: it waits for the client, as OpenVPN holds");
    }

    @Test
    void crossingResetsStillMakeOneSession() throws Exception {
        TlsPair pair = TlsPair.clean(client().build(), server().peerKnown(true).build());
        assertTrue(pair.handshake(10_000), () -> "client " + pair.client.lastError() + " server " + pair.server.lastError());
        assertEquals(java.util.List.of("hello"), pair.send(pair.client, "hello"));
        assertEquals(java.util.List.of("back"), pair.send(pair.server, "back"));
    }

    @Test
    void aResetLostBeforeTheClientExistedIsRetransmitted() throws Exception {
        TlsPair pair = TlsPair.clean(client().build(), server().peerKnown(true).build());
        ByteBuffer slot = ByteBuffer.allocate(TlsPair.SLOT);
        // The server's first reset goes nowhere: the client is not listening yet.
        assertTrue(pair.server.pollOutgoing(slot, TlsPair.HEADROOM));
        pair.clock.advance(1_500);
        assertTrue(pair.handshake(10_000), () -> "client " + pair.client.lastError() + " server " + pair.server.lastError());
        assertFalse(pair.client.lastError() != null);
    }

    @Test
    void aLossyWireDoesNotConfuseTwoInitiators() throws Exception {
        for (long seed = 1; seed <= 20; seed++) {
            TlsPair pair = new TlsPair(client().build(), server().peerKnown(true).build(), seed, 4, 5, 0, op -> false);
            long s = seed;
            assertTrue(pair.handshake(60_000), () -> "seed " + s + ": client " + pair.client.lastError() + " server " + pair.server.lastError());
        }
    }
}
