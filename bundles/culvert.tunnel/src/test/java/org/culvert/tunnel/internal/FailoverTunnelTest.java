package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.openvpn.tls.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A TLS client with two connection profiles over the in-memory plugins: the first server never answers,
 * so the server poll timeout moves the client to the second; after the tunnel was up, a lost server is
 * first retried in place, and the client comes back when the server is back.
 */
class FailoverTunnelTest {
    private static final AtomicInteger SEQ = new AtomicInteger(900);
    private static final TestPki.Identity SERVER = TestPki.selfSigned("culvert-server");
    private static final TestPki.Identity CLIENT = TestPki.selfSigned("culvert-client");
    private final int id = SEQ.incrementAndGet();
    private final MemoryRunners memory = new MemoryRunners();

    @AfterEach
    void tearDown() {
        memory.stopAll();
    }

    private String server() {
        return TlsTunnelTest.config(id, "s", "c", true, SERVER, CLIENT.fingerprint()) + "ping 1\nping-restart 4\n";
    }

    /** The client: a dead first remote (nothing listens at dead+id), then the server. */
    private String client() {
        return "dev memc" + id + "\ndev-type tun\nproto udp\nlocal c" + id + "\nlport 1194\n"
                + "remote dead" + id + " 1194\nremote s" + id + " 1194\nserver-poll-timeout 1\nconnect-retry 0\n"
                + "tls-client\ndata-ciphers AES-256-GCM\nping 1\nping-restart 3\n"
                + "<cert>\n" + CLIENT.certPem() + "</cert>\n<key>\n" + CLIENT.keyPem() + "</key>\n"
                + "peer-fingerprint " + SERVER.fingerprint() + "\n";
    }

    @Test
    void aDeadFirstServerIsLeftAfterTheServerPollTimeoutAndTheClientComesBackAfterAServerRestart() throws Exception {
        RecordingSink serverSink = new RecordingSink();
        RecordingSink clientSink = new RecordingSink();
        TunnelRunner s = memory.fromConfig("s" + id, server(), serverSink, new Counters(), LoopClock.SYSTEM);
        TunnelRunner c = memory.fromConfig("c" + id, client(), clientSink, new Counters(), LoopClock.SYSTEM);
        s.start();
        c.start();
        clientSink.await(TunnelState.RECONNECTING, TunnelReason.SERVER_POLL_TIMEOUT, 10_000);
        clientSink.await(TunnelState.UP, null, 15_000);
        assertTrue(String.valueOf(clientSink.connection.linkRemote()).contains("s" + id),
                "the published remote is the server in use: " + clientSink.connection.linkRemote());
        List<String> before = clientSink.statusesCopy();
        assertTrue(before.stream().anyMatch(x -> x.startsWith("RECONNECTING/SERVER_POLL_TIMEOUT") && x.contains("dead" + id)),
                before.toString());

        // The server goes away: ping-restart, then the same server once (no_advance), then on round the list.
        s.stop(TunnelReason.USER_STOP);
        clientSink.await(TunnelState.RECONNECTING, TunnelReason.PING_RESTART, 10_000);
        clientSink.await(TunnelState.RECONNECTING, TunnelReason.SERVER_POLL_TIMEOUT, 10_000);
        String firstAfterUp = clientSink.statusesCopy().stream()
                .filter(x -> x.startsWith("RECONNECTING/SERVER_POLL_TIMEOUT")).skip(1).findFirst().orElseThrow();
        assertTrue(firstAfterUp.contains("s" + id), "after being up, the first retry goes to the same server: " + firstAfterUp);

        // The server is back: the client reconnects to it.
        RecordingSink againSink = new RecordingSink();
        TunnelRunner again = memory.fromConfig("s" + id + "b", server(), againSink, new Counters(), LoopClock.SYSTEM);
        again.start();
        clientSink.await(TunnelState.UP, null, 20_000);
        againSink.await(TunnelState.UP, null, 5_000);
        assertTrue(String.valueOf(clientSink.connection.linkRemote()).contains("s" + id));
        assertEquals(TunnelState.UP, clientSink.state());
    }
}
