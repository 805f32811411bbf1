package org.culvert.management.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.culvert.testkit.credentials.RecordingCredentialsRequest;
import org.culvert.api.tunnel.TunnelOperations;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * --management-query-passwords: the {@code >PASSWORD} prompts and notifications, and the
 * {@code username}/{@code password} commands with OpenVPN 2.6's SUCCESS and ERROR lines.
 */
class ManagementPasswordsTest {
    private ManagementEngine engine;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final java.util.Map<String, SocketAddress> addresses = new java.util.HashMap<>();

    @BeforeEach
    void start() {
        engine = new ManagementEngine(new ManualClock(Instant.ofEpochSecond(1_700_000_000)), ZoneOffset.UTC, "Culvert 9.9.9 test");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        engine.close();
    }

    private TestClient serve(String name, boolean queryPasswords) throws IOException {
        FakeTunnel t = new FakeTunnel(name, new TunnelOperations(
                new TunnelOperations.Management("127.0.0.1", 0, null, null, false, 100, null, queryPasswords), null, 1, 0));
        engine.addTunnel(t, new ManagementEngine.TunnelHandle() {
            @Override
            public org.culvert.api.tunnel.Tunnel resolve() {
                return t;
            }

            @Override
            public void release() {
            }
        });
        SocketAddress a = Poll.value("the management socket of " + name, () -> engine.boundAddress(t));
        addresses.put(name, a);
        TestClient c = TestClient.connectAndGreet(a);
        toClose.add(c);
        return c;
    }

    @Test
    void usernameThenPasswordAnswersTheRequest() throws IOException {
        TestClient c = serve("t1", true);
        assertEquals("ERROR: no username is currently needed at this time", c.ask("username Auth alice"));
        RecordingCredentialsRequest r = new RecordingCredentialsRequest("t1", true, true, null, false, false, null);
        engine.credentialsRequested(r);
        assertEquals(">PASSWORD:Need 'Auth' username/password", c.line());
        assertEquals("ERROR: username of type 'Private Key' entered, but we need one of type 'Auth'",
                c.ask("username \"Private Key\" alice"));
        assertEquals("SUCCESS: 'Auth' username entered, but not yet verified", c.ask("username \"Auth\" alice"));
        assertFalse(r.isDone());
        assertEquals("SUCCESS: 'Auth' password entered, but not yet verified", c.ask("password \"Auth\" \"s3 cret\""));
        assertTrue(r.isDone());
        assertEquals("alice", r.givenUser());
        assertArrayEquals("s3 cret".toCharArray(), r.givenPassword());
        assertNull(r.givenResponse());
        assertEquals("ERROR: no password is currently needed at this time", c.ask("password Auth again"));
        assertEquals("ERROR: the 'username' command requires 2 parameters", c.ask("username Auth"));
    }

    @Test
    void passwordOnlyAndAClientThatConnectsLater() throws IOException {
        TestClient first = serve("t2", true);
        RecordingCredentialsRequest r = new RecordingCredentialsRequest("t2", false, true, null, false, false, null);
        engine.credentialsRequested(r);
        assertEquals(">PASSWORD:Need 'Auth' password", first.line());
        // OpenVPN shows the pending prompt to a client that connects while it waits.
        TestClient late = TestClient.connect(addresses.get("t2"));
        toClose.add(late);
        assertEquals(TunnelEndpoint.WELCOME, late.line());
        assertEquals(">PASSWORD:Need 'Auth' password", late.line());
        assertEquals("ERROR: no username is currently needed at this time", late.ask("username Auth bob"));
        assertEquals("SUCCESS: 'Auth' password entered, but not yet verified", late.ask("password Auth pw"));
        assertArrayEquals("pw".toCharArray(), r.givenPassword());
    }

    @Test
    void staticChallengeTakesScrv1() throws IOException {
        TestClient c = serve("t3", true);
        RecordingCredentialsRequest r = new RecordingCredentialsRequest("t3", true, true, "Enter PIN", true, false, null);
        engine.credentialsRequested(r);
        assertEquals(">PASSWORD:Need 'Auth' username/password SC:1,Enter PIN", c.line());
        c.ask("username Auth alice");
        // base64("pw") = cHc=, base64("1234") = MTIzNA==
        assertEquals("SUCCESS: 'Auth' password entered, but not yet verified", c.ask("password Auth SCRV1:cHc=:MTIzNA=="));
        assertArrayEquals("pw".toCharArray(), r.givenPassword());
        assertArrayEquals("1234".toCharArray(), r.givenResponse());
    }

    @Test
    void dynamicChallengeTakesCrv1() throws IOException {
        TestClient c = serve("t4", true);
        RecordingCredentialsRequest r = new RecordingCredentialsRequest("t4", false, false, "PIN?", false, true, null);
        engine.credentialsRequested(r);
        assertEquals(">PASSWORD:Need 'Auth' username/password", c.line());
        c.ask("username Auth bob");
        c.ask("password Auth CRV1::Om01u7::8675309");
        assertArrayEquals("8675309".toCharArray(), r.givenResponse());
    }

    @Test
    void notificationsAndTunnelsThatDoNotQuery() throws IOException {
        TestClient c = serve("t5", false);
        engine.credentialsRequested(new RecordingCredentialsRequest("t5", true, true, null, false, false, null));
        engine.notifyTunnel("t5", ManagementPasswords.verificationFailed("wrong password"));
        assertEquals(">PASSWORD:Verification Failed: 'Auth' ['wrong password']", c.line(), "no prompt without query-passwords");
        engine.notifyTunnel("t5", ManagementPasswords.verificationFailed(""));
        assertEquals(">PASSWORD:Verification Failed: 'Auth'", c.line());
        engine.notifyTunnel("t5", ManagementPasswords.authToken("SESS_ID_AT_x"));
        assertEquals(">PASSWORD:Auth-Token:SESS_ID_AT_x", c.line());
        assertEquals("ERROR: no password is currently needed at this time", c.ask("password Auth pw"));
    }

    @Test
    void malformedChallengeAnswersAreTakenAsTheyAre() {
        assertArrayEquals("plain".toCharArray(), ManagementPasswords.dynamicResponse("plain".toCharArray()));
        assertArrayEquals("CRV1::nostate".toCharArray(), ManagementPasswords.dynamicResponse("CRV1::nostate".toCharArray()));
        char[][] bad = ManagementPasswords.staticChallenge("SCRV1:***:MTIzNA==");
        assertArrayEquals("SCRV1:***:MTIzNA==".toCharArray(), bad[0]);
        assertEquals(0, bad[1].length);
    }
}
