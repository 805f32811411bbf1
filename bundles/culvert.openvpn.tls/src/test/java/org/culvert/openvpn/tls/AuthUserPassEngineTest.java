package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The client's credentials through the TLS engine: written into the first key-method-2 message and
 * every renegotiation's, empty without a source; the server's AUTH_FAILED ends the client's session
 * with a typed reason and the parsed message.
 */
class AuthUserPassEngineTest {
    /** Counts how often the engine asked and wrote; hands out copies it can check were wiped. */
    static final class CountingSource implements UserPassSource {
        final List<char[]> handedOut = new ArrayList<>();
        int sent;
        String user = "alice";

        @Override
        public String username() {
            return user;
        }

        @Override
        public char[] password() {
            char[] p = "s3cret".toCharArray();
            handedOut.add(p);
            return p;
        }

        @Override
        public void sent() {
            sent++;
        }
    }

    @Test
    void credentialsGoIntoEveryKeyMethod2Message() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        CountingSource source = new CountingSource();
        pair.client.setUserPass(source);
        assertTrue(pair.handshake(10_000), () -> "client " + pair.client.lastError() + " server " + pair.server.lastError());
        assertEquals("alice", pair.server.peerUsername());
        assertEquals(1, source.sent);
        source.user = "alice-renegotiated";
        assertTrue(pair.client.renegotiate());
        pair.run(3_000);
        assertEquals(2, pair.client.keyGeneration(), pair.client.describe());
        assertEquals(2, source.sent, "a renegotiation sends the credentials again");
        assertEquals("alice-renegotiated", pair.server.peerUsername());
        for (char[] p : source.handedOut) {
            assertTrue(Arrays.equals(new char[p.length], p), "the engine wipes each password copy it wrote");
        }
    }

    @Test
    void withoutSourceTheFieldsAreEmpty() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        assertTrue(pair.handshake(10_000));
        assertEquals("", pair.server.peerUsername());
    }

    @Test
    void authFailedEndsTheClientSessionWithTheServersReason() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        pair.client.setUserPass(new CountingSource());
        assertTrue(pair.handshake(10_000));
        pair.server.sendControlMessage("AUTH_FAILED,wrong password");
        pair.run(1_000);
        assertEquals(TlsSession.State.FAILED, pair.client.state());
        assertEquals(TlsFailure.Reason.AUTH_FAILED, pair.client.lastError().reason());
        assertTrue(pair.client.failure().contains("wrong password"), pair.client.failure());
        assertEquals(AuthFailed.Kind.REFUSED, pair.client.authFailed().kind());
        assertEquals("wrong password", pair.client.authFailed().reason());
    }

    @Test
    void temporaryFailureAndChallengeArriveParsed() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        assertTrue(pair.handshake(10_000));
        pair.server.sendControlMessage("AUTH_FAILED,TEMP[backoff 7]:maintenance");
        pair.run(1_000);
        assertEquals(7, pair.client.authFailed().backoffSeconds());

        TlsPair crv = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        assertTrue(crv.handshake(10_000));
        crv.server.sendControlMessage("AUTH_FAILED,CRV1:R:st8:Ym9i:PIN?");
        crv.run(1_000);
        assertEquals("bob", crv.client.authFailed().challenge().username());
    }

    @Test
    void aServerIgnoresAuthFailedFromAClient() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        assertTrue(pair.handshake(10_000));
        pair.client.sendControlMessage("AUTH_FAILED,nonsense");
        pair.run(1_000);
        assertEquals(TlsSession.State.KEYED, pair.server.state());
        assertNull(pair.server.authFailed());
    }
}
