package org.culvert.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.culvert.api.tunnel.CredentialsRequest;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.openvpn.tls.TestPki;
import org.junit.jupiter.api.Test;

/** An embedding application supplies --auth-user-pass credentials through the builder's callback. */
class CredentialsEmbeddingTest {
    private static final Duration UP_TIMEOUT = Duration.ofSeconds(30);

    private static String tls(String local, String remote, String ifconfig, boolean server, TestPki.Identity me, TestPki.Identity peer) {
        return "dev tun\nproto udp\nlocal " + local + "\nlport 1194\nremote " + remote + "\nrport 1194\nifconfig " + ifconfig + "\n"
                + (server ? "tls-server\ndh none\n" : "tls-client\n") + "<cert>\n" + me.certPem() + "</cert>\n<key>\n" + me.keyPem()
                + "</key>\npeer-fingerprint " + peer.fingerprint() + "\n";
    }

    @Test
    void theCallbackIsAskedAndItsAnswerBringsTheTunnelUp() throws Exception {
        TestPki.Identity server = TestPki.selfSigned("embed-server");
        TestPki.Identity client = TestPki.selfSigned("embed-client");
        List<CredentialsRequest> asked = new CopyOnWriteArrayList<>();
        try (Culvert culvert = MemoryTunnels.builder().credentials(r -> {
            asked.add(r);
            r.supply("alice", "pw".toCharArray(), null);
        }).start()) {
            EmbeddedTunnel s = culvert.start("s", TunnelConfig.fromText(tls("cs", "cc", "10.9.0.1 10.9.0.2", true, server, client))
                    .withPlugins("memory"));
            EmbeddedTunnel c = culvert.start("c", TunnelConfig.fromText(tls("cc", "cs", "10.9.0.2 10.9.0.1", false, client, server)
                    + "auth-user-pass\n").withPlugins("memory"));
            assertEquals(TunnelState.UP, c.awaitState(TunnelState.UP, UP_TIMEOUT).state(), () -> c.snapshot().toString());
            assertEquals(TunnelState.UP, s.awaitState(TunnelState.UP, UP_TIMEOUT).state(), () -> s.snapshot().toString());
            assertEquals(1, asked.size(), "asked once, for the client only");
            assertEquals("c", asked.get(0).tunnelName());
            assertTrue(asked.get(0).needsUsername() && asked.get(0).needsPassword());
        }
    }
}
