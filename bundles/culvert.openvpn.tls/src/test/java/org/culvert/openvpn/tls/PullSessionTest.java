package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.PushReply;
import org.culvert.openvpn.crypto.Verdict;
import org.culvert.openvpn.tls.internal.ControlSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull client ({@code --client}) against an in-memory server side: a point-to-point tls-server
 * engine (it keys at once with the TLS PRF, DATA_V1 and the first shared cipher, as an OpenVPN server
 * does for a client without key export) whose control channel the test drives to play the server's
 * PUSH_REPLY, RESTART, HALT, INFO and AUTH_ messages, on an injected clock.
 */
class PullSessionTest {
    @TempDir
    Path dir;

    private OpenVpnOptions options(String extra) throws Exception {
        Files.writeString(dir.resolve("client.crt"), TlsSessionTest.CLIENT.certPem());
        Files.writeString(dir.resolve("client.key"), TlsSessionTest.CLIENT.keyPem());
        return ConfigParser.parse("client\ndev tun\nremote 192.0.2.1\nnobind\ncert client.crt\nkey client.key\n"
                + "peer-fingerprint " + TlsSessionTest.SERVER.fingerprint() + "\n" + extra, "client.conf", dir);
    }

    /** A pair whose client is a pull client reading pushes with {@link PushReply}; the server never announces key export. */
    private TlsPair pair(String extra) throws Exception {
        OpenVpnOptions o = options(extra);
        TlsSettings client = TlsSettingsFactory.fromOptions(o);
        assertTrue(client.pull());
        TlsPair pair = TlsPair.clean(client, TlsSessionTest.server().announceIvProto(0).build());
        pair.client.pushReplies(() -> new PushReply(o));
        return pair;
    }

    /** The server side's control session, to send what an OpenVPN server sends. */
    private static void serverSends(TlsPair pair, String message) throws Exception {
        Field f = TlsSession.class.getDeclaredField("active");
        f.setAccessible(true);
        ((ControlSession) f.get(pair.server)).sendControlMessage(message);
        pair.exchange(null, null);
    }

    /** Key method 2 done on both sides: the server is keyed, the client waits for the push. */
    private static void untilPushRequested(TlsPair pair) {
        for (int i = 0; i < 100 && !pair.server.isKeyed(); i++) {
            pair.run(100);
        }
        assertTrue(pair.server.isKeyed(), () -> "server " + pair.server.lastError() + " client " + pair.client.lastError());
        pair.run(200);
    }

    /** A client keyed with the server's {@code reply}, sent unasked as a 2.6 server does. */
    private TlsPair pulled(String reply) throws Exception {
        TlsPair pair = pair("");
        untilPushRequested(pair);
        serverSends(pair, reply);
        pair.client.installPushedKeys();
        pair.exchange(null, null);
        assertTrue(pair.client.isKeyed());
        return pair;
    }

    private static List<String> notices(TlsSession s) {
        List<String> out = new ArrayList<>();
        for (String n = s.pollNotice(); n != null; n = s.pollNotice()) {
            out.add(n);
        }
        return out;
    }

    @Test
    void dataKeysWaitForTheFinalPushReplyAndTheDevice() throws Exception {
        TlsPair pair = pair("");
        untilPushRequested(pair);
        assertFalse(pair.client.isKeyed(), "no data keys before the push");
        assertFalse(pair.client.pushReady());
        assertEquals(Verdict.NOT_KEYED, pair.client.encapsulate(TlsSessionTest.packet("too early")));
        // The first PUSH_REQUEST goes out a second after key method 2, then every 5 s, until the reply.
        long next = pair.client.nextTimerMillis() - pair.clock.monotonicMillis();
        assertTrue(next > 0 && next <= 5000, "next push request in " + next + " ms");

        serverSends(pair, "PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,route 10.1.0.0 255.255.0.0,push-continuation 2");
        assertFalse(pair.client.pushReady(), "a continued push is not complete");
        serverSends(pair, "PUSH_REPLY,cipher AES-256-GCM,ping 3,ping-restart 9,no-such-option,echo msg hello gui,echo private-thing,push-continuation 1");
        assertTrue(pair.client.pushReady());
        assertFalse(pair.client.isKeyed(), "keys wait until the device is open");
        assertEquals("10.8.0.6", pair.client.pushedOptions().ifconfig().get().local().getHostAddress());
        assertEquals(1, pair.client.pushedOptions().routes().size());
        List<String> log = notices(pair.client);
        assertTrue(log.stream().anyMatch(l -> l.contains("no-such-option")), log.toString());
        assertTrue(log.contains("ECHO-PULL:msg hello gui"), log.toString());
        assertTrue(log.stream().noneMatch(l -> l.startsWith("ECHO") && l.contains("private-thing")), log.toString());

        pair.client.installPushedKeys();
        pair.exchange(null, null);
        assertTrue(pair.client.isKeyed(), () -> String.valueOf(pair.client.lastError()));
        assertFalse(pair.client.pushReady());
        Negotiated n = pair.client.negotiated();
        assertEquals(DataCipher.AES_256_GCM, n.dataCipher());
        assertEquals("openvpn-prf", n.keyDerivation());
        assertFalse(n.dataV2());
        // What a 2.6 pull client tells the server (facts sheet §3), as the server saw it.
        String info = pair.server.negotiated().peerInfo();
        for (String line : List.of("IV_VER=2.6.14", "IV_PLAT=linux", "IV_TCPNL=1", "IV_MTU=1600", "IV_NCP=2",
                "IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305", "IV_PROTO=990", "IV_LZO_STUB=1",
                "IV_COMP_STUB=1", "IV_COMP_STUBv2=1")) {
            assertTrue(info.contains(line + "\n"), line + " in " + info);
        }
        assertFalse(info.contains("IV_SSL="), "only with push-peer-info");
        assertEquals(List.of("through the pulled keys"), pair.send(pair.client, "through the pulled keys"));
        assertEquals(List.of("and back"), pair.send(pair.server, "and back"));
        // The pushed ping-restart 9 now rules: 9 s of silence restart the session.
        pair.blockControlToServer = false;
        for (int i = 0; i < 95; i++) {
            pair.clock.advance(100);
            if (pair.client.checkTimers() == org.culvert.openvpn.session.TimerEvent.PING_RESTART) {
                return;
            }
        }
        throw new AssertionError("the pushed ping-restart 9 did not fire within 9.5 s");
    }

    @Test
    void noPushReplyWithinTheHandWindowFailsTheSession() throws Exception {
        TlsPair pair = pair("hand-window 20\n");
        untilPushRequested(pair);
        pair.run(21_000);
        assertEquals(TlsFailure.Reason.NO_PUSH_REPLY, pair.client.lastError().reason(), String.valueOf(pair.client.lastError()));
        assertFalse(pair.client.isKeyed());
    }

    @Test
    void authPendingExtendsThePushDeadline() throws Exception {
        TlsPair pair = pair("hand-window 20\nreneg-sec 300\n");
        untilPushRequested(pair);
        serverSends(pair, "AUTH_PENDING,timeout 100");
        pair.run(30_000);
        assertNull(pair.client.lastError(), "the deadline moved to 100 s");
        serverSends(pair, "PUSH_REPLY,cipher AES-256-GCM");
        assertTrue(pair.client.pushReady());
    }

    @Test
    void getConfigOnceWhenThePushIsAskedAndAuthPendingWithTheServersKeywords() throws Exception {
        TlsPair pair = pair("reneg-sec 300\n");
        assertNull(pair.client.pollPullEvent(), "nothing before key method 2");
        untilPushRequested(pair);
        assertNull(pair.client.pollPullEvent(), "the first PUSH_REQUEST waits a second, as OpenVPN's connection check");
        pair.run(1_000);
        assertEquals(new PullEvent(PullEvent.Kind.GET_CONFIG, "", null), pair.client.pollPullEvent());
        assertNull(pair.client.pollPullEvent(), "GET_CONFIG once, not per PUSH_REQUEST");
        pair.run(11_000); // two more PUSH_REQUESTs
        assertNull(pair.client.pollPullEvent(), "GET_CONFIG once, not per PUSH_REQUEST");

        serverSends(pair, "AUTH_PENDING,timeout 100");
        assertEquals(new PullEvent(PullEvent.Kind.AUTH_PENDING, "timeout 100", null), pair.client.pollPullEvent());
        serverSends(pair, "AUTH_PENDING");
        assertEquals(new PullEvent(PullEvent.Kind.AUTH_PENDING, "", null), pair.client.pollPullEvent());
        serverSends(pair, "AUTH_PENDING,timeout x");
        assertEquals(new PullEvent(PullEvent.Kind.AUTH_PENDING, "timeout x", null), pair.client.pollPullEvent(),
                "a bad timeout is warned about, the state still published as OpenVPN's");
        assertNull(pair.client.lastError());

        serverSends(pair, "PUSH_REPLY,cipher AES-256-GCM");
        pair.client.installPushedKeys();
        pair.exchange(null, null);
        assertTrue(pair.server.renegotiate());
        for (int i = 0; i < 50 && pair.client.keyGeneration() < 2; i++) {
            pair.run(100);
        }
        assertEquals(2, pair.client.keyGeneration());
        assertNull(pair.client.pollPullEvent(), "no GET_CONFIG for a renegotiation");
    }

    @Test
    void aPointToPointSessionHasNoPullEvents() throws Exception {
        TlsPair pair = TlsPair.clean(TlsSessionTest.client().build(), TlsSessionTest.server().build());
        for (int i = 0; i < 100 && !pair.client.isKeyed(); i++) {
            pair.run(100);
        }
        assertTrue(pair.client.isKeyed());
        assertNull(pair.client.pollPullEvent());
    }

    @Test
    void anUnusablePushFailsThePull() throws Exception {
        TlsPair cipher = pair("data-ciphers AES-128-GCM:AES-256-GCM\n");
        untilPushRequested(cipher);
        serverSends(cipher, "PUSH_REPLY,cipher CHACHA20-POLY1305");
        assertEquals(TlsFailure.Reason.PUSH_FAILED, cipher.client.lastError().reason());

        TlsPair filtered = pair("pull-filter reject \"route \"\n");
        untilPushRequested(filtered);
        serverSends(filtered, "PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,route 10.0.0.0 255.0.0.0");
        assertEquals(TlsFailure.Reason.PUSH_FAILED, filtered.client.lastError().reason());
        assertTrue(filtered.client.lastError().message().contains("rejected by filter"));

        TlsPair lz4 = pair("");
        untilPushRequested(lz4);
        serverSends(lz4, "PUSH_REPLY,compress lz4-v2");
        assertEquals(TlsFailure.Reason.PUSH_FAILED, lz4.client.lastError().reason());
    }

    @Test
    void serverControlMessagesAreActedUponInOpenVpnsWay() throws Exception {
        TlsPair info = pair("");
        untilPushRequested(info);
        serverSends(info, "INFO_PRE,WEB_AUTH::https://example.org/login");
        serverSends(info, "INFO,hello");
        serverSends(info, "PUSH_UPDATE,route 10.9.0.0 255.255.0.0");
        serverSends(info, "NO_SUCH_MESSAGE");
        List<String> log = notices(info.client);
        assertTrue(log.contains(">INFOMSG:WEB_AUTH::https://example.org/login"), log.toString());
        assertTrue(log.contains(">INFOMSG:hello"), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("bad push/pull message")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("unknown control message")), log.toString());
        assertNull(info.client.lastError(), "none of them ends the session");

        String[][] cases = {{"RESTART,[N]server restarting", "SERVER_RESTART"}, {"HALT,bye", "SERVER_HALT"},
                {"AUTH_FAILED,no such user", "AUTH_FAILED"}};
        for (String[] c : cases) {
            TlsPair pair = pair("");
            untilPushRequested(pair);
            serverSends(pair, c[0]);
            assertNotNull(pair.client.lastError(), c[0]);
            assertEquals(TlsFailure.Reason.valueOf(c[1]), pair.client.lastError().reason(), c[0]);
            // AUTH_FAILED is described by its parser (AuthFailed): the server's reason, not the raw line.
            String shown = c[0].startsWith("AUTH_FAILED") ? c[0].substring(c[0].indexOf(',') + 1) : c[0];
            assertTrue(pair.client.lastError().message().contains(shown), pair.client.lastError().message());
        }
    }

    @Test
    void aLaterPushReplyOnlyUpdatesStoredValues() throws Exception {
        TlsPair pair = pulled("PUSH_REPLY,cipher AES-256-GCM,ifconfig 10.8.0.6 10.8.0.5");
        assertNull(pair.client.pollPullEvent(), "a push before the first PUSH_REQUEST: no GET_CONFIG, as with stock OpenVPN");
        serverSends(pair, "PUSH_REPLY,ifconfig 10.8.0.10 10.8.0.9");
        assertEquals("10.8.0.6", pair.client.pushedOptions().ifconfig().get().local().getHostAddress());
        assertTrue(pair.client.isKeyed());
        assertEquals(List.of("still keyed"), pair.send(pair.client, "still keyed"));
        PullEvent later = pair.client.pollPullEvent();
        assertEquals(PullEvent.Kind.LATER_PUSH, later.kind());
        assertEquals("10.8.0.10", later.pushed().ifconfig().get().local().getHostAddress(), "handed on, not applied");
        assertTrue(later.pushed().authToken().isEmpty());
        assertNull(pair.client.pollPullEvent());
    }

    /** auth-gen-token servers send {@code PUSH_REPLY,auth-token ...} after each renegotiation: every token is handed on. */
    @Test
    void everyLaterAuthTokenIsHandedOnAndABadOneIsSkipped() throws Exception {
        TlsPair pair = pulled("PUSH_REPLY,cipher AES-256-GCM,auth-token SESS_ID_AT_first");
        assertEquals("SESS_ID_AT_first", pair.client.pushedOptions().authToken().get());
        assertNull(pair.client.pollPullEvent(), "the first push is read through pushedOptions()");

        serverSends(pair, "PUSH_REPLY,auth-token SESS_ID_AT_second,auth-token-user Ym9i");
        serverSends(pair, "PUSH_REPLY,auth-token SESS_ID_AT_third");
        PullEvent second = pair.client.pollPullEvent();
        assertEquals("SESS_ID_AT_second", second.pushed().authToken().get());
        assertEquals("bob", second.pushed().authTokenUser().get());
        PullEvent third = pair.client.pollPullEvent();
        assertEquals("SESS_ID_AT_third", third.pushed().authToken().get());
        assertTrue(third.pushed().authTokenUser().isEmpty());

        serverSends(pair, "PUSH_REPLY,auth-token");
        PullEvent bad = pair.client.pollPullEvent();
        assertTrue(bad.pushed().authToken().isEmpty(), "an auth-token without a value is skipped");
        List<String> log = notices(pair.client);
        assertTrue(log.stream().anyMatch(l -> l.contains("auth-token")), log.toString());
        assertTrue(log.stream().noneMatch(l -> l.contains("SESS_ID_AT_")), "a token in the log: " + log);
        assertTrue(pair.client.isKeyed());
        assertNull(pair.client.lastError());
    }

    @Test
    void renegotiatedKeysAreMadeAtTheEndOfTheirKeyMethod2AsBefore() throws Exception {
        TlsPair pair = pair("");
        untilPushRequested(pair);
        serverSends(pair, "PUSH_REPLY,cipher AES-256-GCM");
        pair.client.installPushedKeys();
        pair.exchange(null, null);
        assertEquals(1, pair.client.keyGeneration());
        assertTrue(pair.server.renegotiate());
        for (int i = 0; i < 50 && pair.client.keyGeneration() < 2; i++) {
            pair.run(100);
        }
        assertEquals(2, pair.client.keyGeneration(), () -> String.valueOf(pair.client.lastError()));
        assertFalse(pair.client.pushReady(), "no second pull for a renegotiation");
        assertEquals(List.of("on the new key"), pair.send(pair.client, "on the new key"));
        assertEquals(List.of("both ways"), pair.send(pair.server, "both ways"));
    }

    @Test
    void pushPeerInfoAddsTheLibraryAndThePlatformVersion() throws Exception {
        TlsPair pair = pair("push-peer-info\n");
        untilPushRequested(pair);
        serverSends(pair, "PUSH_REPLY,cipher AES-256-GCM");
        pair.client.installPushedKeys();
        pair.exchange(null, null);
        String info = pair.server.negotiated().peerInfo();
        assertTrue(info.contains("IV_SSL=Bouncy Castle TLS"), info);
        assertTrue(info.contains("IV_PLAT_VER=" + System.getProperty("os.version") + "\n"), info);
        assertTrue(info.contains("IV_PROTO=990\n"), info);
    }
}
