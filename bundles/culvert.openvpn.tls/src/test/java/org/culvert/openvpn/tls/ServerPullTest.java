package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.culvert.openvpn.session.TimerEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server side of the pull ({@code mode server}) against Culvert's pull client, over the stateless
 * cookie handshake, on an in-memory wire and an injected clock.
 */
class ServerPullTest {
    @TempDir
    Path dir;

    private ServerHarness.Client one(ServerHarness h, String extra) throws Exception {
        return h.addClient(ServerHarness.clientOptions(dir, extra));
    }

    private static String keyedInfo(ServerHarness h, ServerHarness.Client c) {
        return "client " + c.session.state() + " " + c.session.lastError() + " / instance "
                + (c.instance == null ? "none" : c.instance.state() + " " + c.instance.lastError() + " "
                + c.instance.describe());
    }

    @Test
    void cookieHandshakePushKeysAndDataBothWays() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().build(), 1, 0, 0);
        ServerHarness.Client c = one(h, "");
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, c));
        assertEquals(1, h.cookie.replies());
        assertEquals(1, h.cookie.admitted());
        ServerPull pull = c.instance.serverPull();
        assertEquals("ACCEPTED", pull.decision());
        PeerInfo info = PeerInfo.parse(c.instance.negotiated().peerInfo());
        assertEquals("2.6.14", info.version());
        assertEquals("linux", info.platform());
        assertEquals(990, info.proto());
        assertEquals(List.of("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"), info.ciphers());
        assertEquals(2, info.ncp());
        assertEquals(1600, info.mtu());

        Negotiated atClient = c.session.negotiated();
        Negotiated atServer = c.instance.negotiated();
        assertEquals(DataCipher.AES_256_GCM, atClient.dataCipher());
        assertEquals(atServer.dataCipher(), atClient.dataCipher());
        assertEquals(atServer.keyDerivation(), atClient.keyDerivation());
        assertTrue(atClient.dataV2() && atServer.dataV2(), "peer-id pushed: P_DATA_V2 both ways");
        assertEquals(0, atClient.peerId());
        assertEquals("10.8.0.2", c.session.pushedOptions().ifconfig().get().local().getHostAddress());

        pull.deny("too late");
        assertEquals("ACCEPTED", pull.decision(), "an accepted client is not denied afterwards");
        assertEquals(Long.MAX_VALUE, pull.exitDeadline());
        assertEquals(List.of("up through the server"), h.send(c, true, "up through the server"));
        assertEquals(List.of("down to the client"), h.send(c, false, "down to the client"));
    }

    private static UserPassSource creds(String user, String password) {
        return new UserPassSource() {
            @Override
            public String username() {
                return user;
            }

            @Override
            public char[] password() {
                return password.toCharArray();
            }

            @Override
            public void sent() {
            }
        };
    }

    @Test
    void theServerReadsTheCredentialsAndPeerInfoAndTheEngineWipesThePassword() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().build(), 2, 0, 0);
        ServerHarness.Client c = one(h, "");
        c.session.setUserPass(creds("alice", "s3cret"));
        String[] seen = new String[3];
        h.decide = (cl, pull) -> {
            seen[0] = pull.username();
            char[] pw = pull.takePassword();
            seen[1] = new String(pw);
            seen[2] = new String(pull.takePassword());
            java.util.Arrays.fill(pw, '\0');
            assertEquals("2.6.14", pull.peerInfo().version());
            assertTrue(pull.peerInfo().has(PeerInfo.IV_PROTO_REQUEST_PUSH | PeerInfo.IV_PROTO_DATA_V2));
            ServerHarness.acceptWithAddress(cl, pull);
        };
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, c));
        assertEquals("alice", seen[0]);
        assertEquals("s3cret", seen[1]);
        assertEquals("\0\0\0\0\0\0", seen[2], "the engine's copy is wiped once taken");
        assertNull(c.instance.serverPull().username(), "nothing kept after the decision");
    }

    @Test
    void authFailedReachesTheClientAndTheInstanceClosesFiveSecondsLater() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().build(), 3, 0, 0);
        ServerHarness.Client c = one(h, "");
        c.session.setUserPass(creds("mallory", "guess"));
        h.decide = (cl, pull) -> pull.deny("bad password\u0000RESTART");
        h.run(3000);
        assertNotNull(c.session.authFailed(), () -> keyedInfo(h, c));
        assertEquals(TlsFailure.Reason.AUTH_FAILED, c.session.lastError().reason());
        assertTrue(c.session.authFailed().describe().contains("bad password_RESTART"), c.session.authFailed().describe());
        ServerPull pull = c.instance.serverPull();
        assertEquals("DENIED", pull.decision());
        assertFalse(c.instance.isKeyed(), "no keys for a denied client");
        long left = pull.exitDeadline() - h.clock.monotonicMillis();
        assertTrue(left > 0 && left <= ServerPull.EXIT_DELAY_MILLIS, "closes within 5 s: " + left);
        assertFalse(pull.accept(pull.protocol(0), List.of("PUSH_REPLY")), "a denial is final");
    }

    @Test
    void pushRepliesWithANulOrLineBreakAreRefused() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().build(), 16, 0, 0);
        ServerHarness.Client c = one(h, "");
        boolean[] accepted = new boolean[2];
        h.decide = (cl, pull) -> {
            ClientProtocol p = pull.protocol(0);
            accepted[0] = pull.accept(p, List.of("PUSH_REPLY,ping 10\u0000RESTART"));
            accepted[1] = pull.accept(p, List.of("PUSH_REPLY,ping 10\nHALT"));
            ServerHarness.acceptWithAddress(cl, pull);
        };
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, c));
        assertFalse(accepted[0] || accepted[1]);
        assertNull(c.session.lastError());
    }

    @Test
    void pendingAuthThenAcceptance() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().build(), 4, 0, 0);
        ServerHarness.Client c = one(h, "");
        h.decide = (cl, pull) -> {
            assertFalse(pull.pending(90, "x".repeat(ServerPull.MAX_PENDING_EXTRA + 1)), "too long");
            assertFalse(pull.pending(90, "line\nbreak"), "not printable");
            assertEquals("UNDECIDED", pull.decision(), "refused: nothing sent");
            assertTrue(pull.pending(90, "WEB_AUTH::https://login.example/x"));
        };
        h.run(3000);
        List<String> notices = new java.util.ArrayList<>();
        for (String n = c.session.pollNotice(); n != null; n = c.session.pollNotice()) {
            notices.add(n);
        }
        assertTrue(notices.stream().anyMatch(n -> n.contains("AUTH_PENDING")), notices.toString());
        assertTrue(notices.contains(">INFOMSG:WEB_AUTH::https://login.example/x"), notices.toString());
        assertFalse(c.session.isKeyed());
        ServerPull pull = c.instance.serverPull();
        assertEquals("PENDING", pull.decision());
        assertTrue(pull.clientReady());
        h.run(6000);
        assertTrue(pull.pushRequests() >= 1, "the client's requests are remembered while pending");
        ServerHarness.acceptWithAddress(c, pull);
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, c));
        assertEquals(List.of("after the login"), h.send(c, true, "after the login"));
    }

    @Test
    void clientKillRestartAndHalt() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().build(), 5, 0, 0);
        ServerHarness.Client a = one(h, "");
        ServerHarness.Client b = one(h, "");
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, a) + " | " + keyedInfo(h, b));
        a.instance.serverPull().kill(null);
        b.instance.serverPull().kill("HALT,maintenance");
        h.run(500);
        assertEquals(TlsFailure.Reason.SERVER_RESTART, a.session.lastError().reason());
        assertEquals(TlsFailure.Reason.SERVER_HALT, b.session.lastError().reason());
        assertTrue(a.instance.serverPull().exitDeadline() <= h.clock.monotonicMillis() + ServerPull.EXIT_DELAY_MILLIS);
    }

    @Test
    void theClientsExitClosesTheInstanceAfterFiveSeconds() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().build(), 6, 0, 0);
        ServerHarness.Client c = one(h, "");
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, c));
        assertEquals(Long.MAX_VALUE, c.instance.serverPull().exitDeadline());
        long before = h.clock.monotonicMillis();
        c.session.sendControlMessage("EXIT");
        h.exchange();
        long deadline = c.instance.serverPull().exitDeadline();
        assertTrue(deadline >= before + ServerPull.EXIT_DELAY_MILLIS && deadline <= h.clock.monotonicMillis()
                + ServerPull.EXIT_DELAY_MILLIS, "EXIT: closed 5 s later, at " + (deadline - before));
    }

    @Test
    void renegotiationFromEitherSideKeepsTheDecisionWithoutANewPush() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().build(), 7, 0, 0);
        ServerHarness.Client c = one(h, "");
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, c));
        int requests = c.instance.serverPull().pushRequests();
        int firstKey = c.session.negotiated().keyId();
        assertTrue(c.instance.renegotiate(), "server-side reneg");
        h.run(3000);
        assertEquals(1, c.instance.renegotiations(), () -> keyedInfo(h, c));
        assertEquals(List.of("on the second key"), h.send(c, true, "on the second key"));
        assertTrue(c.session.renegotiate(), "client-side reneg");
        h.run(3000);
        assertEquals(2, c.session.renegotiations(), () -> keyedInfo(h, c));
        assertNotEquals(firstKey, c.session.negotiated().keyId());
        assertEquals(List.of("on the third key"), h.send(c, false, "on the third key"));
        assertEquals(requests, c.instance.serverPull().pushRequests(), "no new pull");
        assertEquals(DataCipher.AES_256_GCM, c.instance.negotiated().dataCipher());
    }

    @Test
    void lossAndReorderingStillKeyEveryClient() throws Exception {
        for (long seed = 10; seed < 14; seed++) {
            ServerHarness h = new ServerHarness(ServerHarness.server().build(), seed, 5, 4);
            ServerHarness.Client c1 = one(h, "");
            ServerHarness.Client c2 = one(h, "");
            long s = seed;
            assertTrue(h.allKeyed(60_000), () -> "seed " + s + ": " + keyedInfo(h, c1) + " | " + keyedInfo(h, c2));
            assertTrue(h.cookie.admitted() >= 2);
        }
    }

    @Test
    void manyClientsAgainstOneCookieGetTheirOwnKeysAndPeerIds() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().build(), 8, 0, 0);
        int n = 12;
        for (int i = 0; i < n; i++) {
            one(h, "");
        }
        assertTrue(h.allKeyed(30_000), () -> h.clients.stream().map(c -> keyedInfo(h, c)).toList().toString());
        assertEquals(n, h.cookie.admitted());
        Set<Integer> ids = new HashSet<>();
        for (ServerHarness.Client c : h.clients) {
            ids.add(c.session.negotiated().peerId());
            assertEquals(List.of("hello from " + c.index), h.send(c, true, "hello from " + c.index));
            assertEquals(List.of("reply to " + c.index), h.send(c, false, "reply to " + c.index));
        }
        assertEquals(n, ids.size(), "one peer-id each");
    }

    @Test
    void ncpPicksTheFirstServerCipherTheClientHasAndRefusesWhenNoneIsShared() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().dataCiphers("CHACHA20-POLY1305:AES-128-GCM").build(),
                9, 0, 0);
        ServerHarness.Client c = one(h, "data-ciphers AES-128-GCM:CHACHA20-POLY1305\n");
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, c));
        assertEquals(DataCipher.CHACHA20_POLY1305, c.session.negotiated().dataCipher());

        ServerHarness none = new ServerHarness(ServerHarness.server().dataCiphers("AES-128-GCM").build(), 9, 0, 0);
        ServerHarness.Client d = none.addClient(ServerHarness.clientOptions(dir, "data-ciphers AES-256-GCM\n"));
        none.run(3000);
        assertEquals(TlsFailure.Reason.AUTH_FAILED, d.session.lastError().reason(), () -> keyedInfo(none, d));
        assertEquals("DENIED", d.instance.serverPull().decision());
    }

    @Test
    void tlsAuthAndTlsCryptThroughTheCookie() throws Exception {
        byte[] k = new byte[256];
        new java.util.Random(5).nextBytes(k);
        StringBuilder pem = new StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        for (int i = 0; i < 256; i += 16) {
            pem.append(org.culvert.openvpn.tls.internal.Bytes.hex(k, i, 16)).append('\n');
        }
        pem.append("-----END OpenVPN Static key V1-----\n");
        java.nio.file.Files.writeString(dir.resolve("ta.key"), pem);
        ServerHarness auth = new ServerHarness(ServerHarness.server()
                .tlsAuth(k.clone(), org.culvert.openvpn.crypto.KeyDirection.NORMAL).build(), 11, 6, 0);
        ServerHarness.Client a = auth.addClient(ServerHarness.clientOptions(dir, "tls-auth ta.key 1\n"));
        assertTrue(auth.allKeyed(30_000), () -> keyedInfo(auth, a));
        assertEquals(List.of("wrapped"), auth.send(a, true, "wrapped"));

        ServerHarness crypt = new ServerHarness(ServerHarness.server().tlsCrypt(k.clone()).build(), 12, 6, 0);
        ServerHarness.Client b = crypt.addClient(ServerHarness.clientOptions(dir, "tls-crypt ta.key\n"));
        assertTrue(crypt.allKeyed(30_000), () -> keyedInfo(crypt, b));
        assertEquals(List.of("encrypted"), crypt.send(b, false, "encrypted"));
    }

    @Test
    void aRestartedClientIsReadmittedThroughTheCookieAndForgedResetsLeaveTheInstanceAlone() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().build(), 13, 0, 0);
        org.culvert.openvpn.config.OpenVpnOptions o = ServerHarness.clientOptions(dir, "");
        ServerHarness.Client c = h.addClient(o);
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, c));
        TlsSession first = c.instance;
        // A reset with a new client session id (forged, or from a restart) reaches the established
        // instance: dropped there, answered statelessly by the cookie, and the instance is untouched.
        TlsSession forger = new TlsSession(TlsSessionTest.client().build(), h.clock, new java.security.SecureRandom());
        java.nio.ByteBuffer slot = java.nio.ByteBuffer.allocateDirect(TlsPair.SLOT);
        assertTrue(forger.pollOutgoing(slot, TlsPair.HEADROOM));
        c.up.send(slot);
        long replies = h.cookie.replies();
        h.exchange();
        assertEquals(replies + 1, h.cookie.replies());
        assertTrue(first.isKeyed());
        assertEquals(List.of("still here"), h.send(c, true, "still here"));
        // The real client restarts: it proves the address and replaces its old instance.
        h.restart(c, o);
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, c));
        assertEquals(1, h.replaced);
        assertEquals(TlsSession.State.CLOSED, first.state());
        assertEquals(List.of("after the restart"), h.send(c, false, "after the restart"));
    }

    @Test
    void renegSecOnEitherSideRenewsKeysWithoutANewPull() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().renegSeconds(20).build(), 14, 0, 0);
        ServerHarness.Client c = one(h, "reneg-sec 45\n");
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, c));
        int requests = c.instance.serverPull().pushRequests();
        h.run(70_000);
        assertTrue(c.instance.renegotiations() >= 2, () -> "server reneg-sec 20: " + keyedInfo(h, c));
        assertEquals(c.instance.renegotiations(), c.session.renegotiations());
        assertEquals(requests, c.instance.serverPull().pushRequests(), "no new pull");
        assertEquals(List.of("still flowing"), h.send(c, true, "still flowing"));
        assertEquals(List.of("both ways"), h.send(c, false, "both ways"));
        assertEquals(TlsSession.State.KEYED, c.instance.state());
    }

    @Test
    void withoutTheCookieAsOverTcpTheServerSessionStartsFromTheClientsReset() throws Exception {
        org.culvert.openvpn.config.OpenVpnOptions o = ServerHarness.clientOptions(dir, "");
        TlsPair pair = TlsPair.clean(TlsSettingsFactory.fromOptions(o), ServerHarness.server().build());
        pair.client.pushReplies(() -> new org.culvert.openvpn.config.PushReply(o));
        ServerPull pull = pair.server.serverPull();
        for (int i = 0; i < 50 && !pull.clientReady(); i++) {
            pair.run(100);
        }
        assertTrue(pull.clientReady(), () -> pair.server.describe());
        ClientProtocol p = pull.protocol(7);
        assertTrue(pull.accept(p, List.of("PUSH_REPLY,ifconfig 10.8.0.9 255.255.255.0,topology subnet,"
                + "route-gateway 10.8.0.1," + String.join(",", p.pushOptions()))));
        assertFalse(pull.accept(p, List.of("PUSH_REPLY")), "accepted once");
        for (int i = 0; i < 50 && !pair.client.pushReady(); i++) {
            pair.run(100);
        }
        pair.client.installPushedKeys();
        pair.run(500);
        assertTrue(pair.client.isKeyed() && pair.server.isKeyed(), () -> pair.client.lastError() + " " + pair.server.describe());
        assertEquals(7, pair.client.negotiated().peerId());
        assertEquals(List.of("over one stream"), pair.send(pair.client, "over one stream"));
    }

    @Test
    void anOccExitClosesTheInstanceAtOnceAndAControlExitAfterFiveSeconds() throws Exception {
        ServerHarness h = new ServerHarness(ServerHarness.server().build(), 15, 0, 0);
        ServerHarness.Client occ = one(h, "");
        ServerHarness.Client cc = one(h, "");
        h.decide = (c, pull) -> {
            ClientProtocol p = pull.protocol(c.index);
            // The first client is not told cc-exit, so it announces its exit with OCC_EXIT data packets.
            ClientProtocol chosen = c == occ ? new ClientProtocol(p.cipher(), true, p.peerId(), p.tlsEkm(), false,
                    p.dynTlsCrypt(), null) : p;
            java.util.List<String> items = new java.util.ArrayList<>(List.of("topology subnet", "route-gateway 10.8.0.1",
                    "ifconfig 10.8.0." + (2 + c.index) + " 255.255.255.0", "explicit-exit-notify 1"));
            items.addAll(chosen.pushOptions());
            pull.accept(chosen, List.of("PUSH_REPLY," + String.join(",", items)));
        };
        assertTrue(h.allKeyed(10_000), () -> keyedInfo(h, occ) + " | " + keyedInfo(h, cc));
        assertFalse(occ.session.negotiated().ccExitNotify());
        assertTrue(cc.session.negotiated().ccExitNotify());
        long now = h.clock.monotonicMillis();
        assertTrue(occ.session.beginExitNotify() > 0);
        assertTrue(cc.session.beginExitNotify() > 0);
        h.exchange();
        assertEquals(now, occ.instance.serverPull().exitDeadline(), "OCC_EXIT: closed at once");
        assertEquals(now + ServerPull.EXIT_DELAY_MILLIS, cc.instance.serverPull().exitDeadline(), "EXIT: after 5 s");
    }
}
