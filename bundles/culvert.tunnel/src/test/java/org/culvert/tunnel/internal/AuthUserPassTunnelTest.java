package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.tunnel.CredentialsRequest;
import org.culvert.api.tunnel.CredentialsSource;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.tls.TestPki;
import org.culvert.openvpn.tls.TlsSession;
import org.culvert.openvpn.tls.TlsTestHooks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * --auth-user-pass through the core, against a TLS server on the memory network that answers the
 * client's first key exchange with an AUTH_FAILED message: --auth-retry none, nointeract and
 * interact, TEMP backoff, a CRV1 challenge, credentials asked of a source, of nobody (then given as
 * the shell gives them), and refused.
 */
class AuthUserPassTunnelTest {
    private static final AtomicInteger SEQ = new AtomicInteger(700);
    private static final TestPki.Identity SERVER = TestPki.selfSigned("auth-server");
    private static final TestPki.Identity CLIENT = TestPki.selfSigned("auth-client");
    private final int id = SEQ.incrementAndGet();
    private final MemoryRunners memory = new MemoryRunners();

    @AfterEach
    void tearDown() {
        memory.stopAll();
    }

    /** Answers each request with alice/pw (and response 1234), recording what it was asked. */
    static final class ScriptedSource implements CredentialsSource {
        final List<CredentialsRequest> asked = new CopyOnWriteArrayList<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        volatile boolean cancel;

        @Override
        public void requestCredentials(CredentialsRequest request) {
            asked.add(request);
            if (cancel) {
                request.cancel("no console");
            } else {
                request.supply("alice", "pw".toCharArray(), "1234".toCharArray());
            }
        }

        @Override
        public void verificationFailed(String tunnelName, String reason) {
            failures.add(reason);
        }
    }

    /** Starts a server that sends {@code authFailed} (if not null) after its first key exchange, and a client with {@code clientExtra}. */
    private RecordingSink start(String authFailed, String clientExtra, CredentialsSource source) throws Exception {
        return startSending(authFailed == null ? List.of() : List.of(authFailed), clientExtra, source);
    }

    /** As above with the control messages {@code serverSends}, in order, after the server's first key exchange. */
    private RecordingSink startSending(List<String> serverSends, String clientExtra, CredentialsSource source) throws Exception {
        TunnelPlan plain = PlanBuilder.build(ConfigParser.parse(TlsTunnelTest.config(id, "a", "b", true, SERVER, CLIENT.fingerprint()),
                "server.conf", null), null);
        boolean[] queued = {false};
        TunnelPlan.SessionFactory factory = clock -> {
            PeerSession s = plain.sessionFactory.newSession(clock);
            if (!queued[0]) {
                queued[0] = true; // the first run only: the client's next attempt succeeds
                for (String m : serverSends) {
                    TlsTestHooks.queueControlMessage((TlsSession) s.engine(), m);
                }
            }
            return s;
        };
        TunnelPlan serverPlan = new TunnelPlan(plain.tunSpec, plain.linkSpec, plain.floatAllowed, plain.maxPayload, factory,
                plain.summary, plain.role, plain.tunRemoteIpv4, plain.operations, plain.warnings);
        TunnelRunner server = memory.runner("a" + id, serverPlan, new RecordingSink(), new Counters(), LoopClock.SYSTEM);
        RecordingSink sink = new RecordingSink();
        TunnelRunner client = memory.fromConfig("b" + id, TlsTunnelTest.config(id, "b", "a", false, CLIENT, SERVER.fingerprint())
                + clientExtra, sink, new Counters(), LoopClock.SYSTEM);
        if (source != null) {
            client.credentialsBroker().addSource(source, Map.of());
        }
        clients.add(client);
        server.start();
        client.start();
        return sink;
    }

    private final List<TunnelRunner> clients = new CopyOnWriteArrayList<>();

    private static final String INLINE = "<auth-user-pass>\nalice\npw\n</auth-user-pass>\n";

    @Test
    void authRetryNoneStopsWithTheServersReason() throws Exception {
        RecordingSink sink = start("AUTH_FAILED,bad password", INLINE, null);
        sink.await(TunnelState.FAILED, TunnelReason.AUTH_FAILED, 15000);
        assertTrue(sink.detail().contains("bad password"), sink.detail());
        assertFalse(sink.history.contains("UP/NONE"), sink.history.toString());
    }

    @Test
    void nointeractReconnectsWithTheSameCredentials() throws Exception {
        RecordingSink sink = start("AUTH_FAILED", INLINE + "auth-retry nointeract\n", null);
        sink.await(TunnelState.RECONNECTING, TunnelReason.AUTH_FAILED, 15000);
        sink.await(TunnelState.UP, TunnelReason.NONE, 15000);
    }

    @Test
    void aHeldTokenIsDroppedAndTheOriginalCredentialsRetriedWhateverAuthRetrySays() throws Exception {
        RecordingSink sink = start("AUTH_FAILED,SESSION: token expired", INLINE + "auth-token SESS_ID_AT_old\n", null);
        sink.await(TunnelState.RECONNECTING, TunnelReason.AUTH_FAILED, 15000);
        sink.await(TunnelState.UP, TunnelReason.NONE, 15000);
        TunnelCredentials c = clients.get(0).credentials();
        assertFalse(c.cache().hasToken(), "the token was dropped");
        assertEquals("alice", c.cache().username());
    }

    /**
     * A pull client whose server defers the authentication, then pushes a token, then a renewed one
     * (as an auth-gen-token server after a renegotiation): AUTH_PENDING is a client state with the
     * server's keywords, no GET_CONFIG (the push came unasked), and the renewed token is the one held.
     */
    @Test
    void aPullClientShowsAuthPendingAndHoldsTheRenewedToken() throws Exception {
        RecordingSink sink = startSending(List.of("AUTH_PENDING,timeout 30",
                "PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,cipher AES-256-GCM,auth-token SESS_ID_AT_first",
                "PUSH_REPLY,auth-token SESS_ID_AT_second,auth-token-user Ym9i"), INLINE + "pull\n", null);
        List<String> states = sink.awaitClientState("CONNECTED,SUCCESS", 15000);
        assertTrue(states.contains("AUTH_PENDING,timeout 30"), states.toString());
        assertFalse(states.contains("GET_CONFIG"), "an unasked push: " + states);
        assertTrue(states.indexOf("AUTH_PENDING,timeout 30") < states.indexOf("ASSIGN_IP"), states.toString());
        TunnelCredentials c = clients.get(0).credentials();
        MemoryRunners.awaitTrue(() -> "bob".equals(c.cache().username()), () -> "the renewed token's user: " + c.cache().username());
        assertEquals("SESS_ID_AT_second", new String(c.cache().password()), "the renewed token replaces the first");
    }

    @Test
    void temporaryFailureWaitsItsBackoff() throws Exception {
        RecordingSink sink = start("AUTH_FAILED,TEMP[backoff 3]:maintenance", INLINE, null);
        sink.await(TunnelState.RECONNECTING, TunnelReason.AUTH_FAILED, 15000);
        String reconnecting = sink.statusesCopy().stream().filter(s -> s.startsWith("RECONNECTING/AUTH_FAILED")).findFirst().orElseThrow();
        assertTrue(reconnecting.contains("maintenance") && reconnecting.contains("restart in 3.0 s"), reconnecting);
        sink.await(TunnelState.UP, TunnelReason.NONE, 15000);
    }

    @Test
    void interactAsksTheSourceAgainNamingTheFailure() throws Exception {
        ScriptedSource source = new ScriptedSource();
        RecordingSink sink = start("AUTH_FAILED,wrong password", "auth-user-pass\nauth-retry interact\n", source);
        sink.await(TunnelState.UP, TunnelReason.NONE, 20000);
        assertEquals(2, source.asked.size());
        assertEquals("wrong password", source.asked.get(1).previousFailure().orElseThrow());
        assertTrue(source.asked.get(0).needsUsername() && source.asked.get(0).needsPassword());
        assertEquals(List.of("wrong password"), source.failures);
        assertTrue(sink.history.contains("WAITING/CREDENTIALS_NEEDED"), sink.history.toString());
    }

    @Test
    void dynamicChallengeIsAnsweredThroughTheSource() throws Exception {
        ScriptedSource source = new ScriptedSource();
        RecordingSink sink = start("AUTH_FAILED,CRV1:R,E:st8:Ym9i:Enter the PIN", "auth-user-pass\nauth-retry interact\n", source);
        sink.await(TunnelState.UP, TunnelReason.NONE, 20000);
        CredentialsRequest challenge = source.asked.get(1);
        assertTrue(challenge.dynamicChallenge());
        assertEquals("Enter the PIN", challenge.challenge().orElseThrow());
        assertTrue(challenge.echoResponse());
        assertFalse(challenge.needsUsername() || challenge.needsPassword());
    }

    @Test
    void withoutSourceTheTunnelWaitsAndTakesAnAnswerLikeTheShells() throws Exception {
        RecordingSink sink = start(null, "auth-user-pass\n", null);
        sink.await(TunnelState.WAITING, TunnelReason.CREDENTIALS_NEEDED, 15000);
        TunnelRunner client = clients.get(0);
        MemoryRunners.awaitTrue(() -> client.credentialsBroker().pending().isPresent(), () -> "no pending request");
        CredentialsRequest r = client.credentialsBroker().pending().orElseThrow();
        assertFalse(r.supply("", "pw".toCharArray(), null), "a needed username is missing");
        assertTrue(r.supply("alice", "pw".toCharArray(), null));
        assertFalse(r.supply("mallory", "x".toCharArray(), null), "answered once");
        sink.await(TunnelState.UP, TunnelReason.NONE, 15000);
    }

    @Test
    void aCancelledRequestFailsTheTunnel() throws Exception {
        ScriptedSource source = new ScriptedSource();
        source.cancel = true;
        RecordingSink sink = start(null, "auth-user-pass\n", source);
        sink.await(TunnelState.FAILED, TunnelReason.CREDENTIALS_UNAVAILABLE, 15000);
        assertTrue(sink.detail().contains("no console"), sink.detail());
    }

    @Test
    void aStopWhileWaitingForCredentialsEndsTheWait() throws Exception {
        RecordingSink sink = start(null, "auth-user-pass\n", null);
        sink.await(TunnelState.WAITING, TunnelReason.CREDENTIALS_NEEDED, 15000);
        clients.get(0).stop(TunnelReason.USER_STOP);
        sink.await(TunnelState.STOPPED, TunnelReason.USER_STOP, 5000);
        assertFalse(clients.get(0).isAlive());
    }
}
