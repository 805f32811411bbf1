package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A server's sessions share one parse of its credentials ({@link TlsSettings#shareCredentials()}):
 * closing one client's session must leave the key to the others, and wiping the settings must drop it.
 */
class SharedCredentialsTest {
    @Test
    void aClosedSessionLeavesTheSharedKeyToTheNextClient() throws Exception {
        TlsSettings server = TlsSessionTest.server().build();
        server.shareCredentials();
        server.shareCredentials(); // idempotent
        assertTrue(server.sharesCredentials());
        TlsPair first = TlsPair.clean(TlsSessionTest.client().build(), server);
        assertTrue(first.handshake(10_000), () -> "server " + first.server.lastError());
        first.server.close();
        first.client.close();
        TlsPair second = TlsPair.clean(TlsSessionTest.client().build(), server);
        assertTrue(second.handshake(10_000), () -> "second client after the first closed: " + second.server.lastError());
        second.server.close();
        second.client.close();
    }

    @Test
    void wipingTheSettingsDropsTheSharedKey() throws Exception {
        TlsSettings server = TlsSessionTest.server().build();
        server.shareCredentials();
        server.wipe();
        assertFalse(server.sharesCredentials());
        // The key text was overwritten too: a session can no longer be built from these settings.
        assertThrows(TlsConfigException.class, () -> new TlsSession(server, new FakeClock(), new java.security.SecureRandom()));
    }

    @Test
    void sharingBadCredentialsFailsAsValidateDoes() {
        TlsSettings noDh = TlsSettings.builder(TlsRole.SERVER).cert(TlsSessionTest.SERVER.certPem())
                .key(TlsSessionTest.SERVER.keyPem()).peerFingerprint(TlsSessionTest.CLIENT.fingerprint()).build();
        TlsConfigException e = assertThrows(TlsConfigException.class, noDh::shareCredentials);
        assertTrue(e.getMessage().contains("--dh"), e.getMessage());
        assertFalse(noDh.sharesCredentials());
    }
}
