package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;

import org.culvert.openvpn.Clock;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.PushReply;
import org.culvert.openvpn.config.PushedOptions;
import org.culvert.openvpn.tls.TestPki;
import org.culvert.tunnel.internal.auth.AuthLog;
import org.culvert.tunnel.internal.auth.ClientAuthState;
import org.culvert.tunnel.internal.auth.ScriptEnv;
import org.culvert.tunnel.internal.auth.ServerAuthSettings;
import org.culvert.tunnel.internal.auth.ServerAuthenticator;
import org.culvert.tunnel.internal.auth.UserPassResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's {@code auth-gen-token} against the Culvert client's own handling of a pushed token
 * (issue 11): the server's push line goes through the client's PUSH_REPLY parser into its credential
 * cache, the client's next key-method-2 credentials authenticate without the script, and after the
 * server refuses an expired token the client drops it and its own password works again.
 */
class AuthTokenRoundTripTest {
    private static final TestPki.Identity ID = TestPki.selfSigned("round-trip");

    @TempDir
    Path dir;

    private long now = 1_765_000_000L;
    private final Clock clock = new Clock() {
        @Override
        public long monotonicMillis() {
            return now * 1000;
        }

        @Override
        public long unixSeconds() {
            return now;
        }
    };

    private OpenVpnOptions client() throws Exception {
        Files.writeString(dir.resolve("c.crt"), ID.certPem());
        Files.writeString(dir.resolve("c.key"), ID.keyPem());
        Files.writeString(dir.resolve("ca.crt"), ID.certPem());
        return ConfigParser.parse("client\ndev tun\nremote 192.0.2.1\nnobind\ncert c.crt\nkey c.key\nca ca.crt\n",
                "client.conf", dir);
    }

    private static ScriptEnv env() {
        return new ScriptEnv(Map.of()).untrusted(new InetSocketAddress("192.0.2.10", 40000));
    }

    @Test
    void pushedTokenIsWhatTheClientSendsNextAndTheServerTakesIt() throws Exception {
        Path runs = dir.resolve("runs");
        Path script = dir.resolve("check.sh");
        Files.writeString(script, "#!/bin/sh\necho x >> " + runs + "\n[ \"$(sed -n 2p \"$1\")\" = 'pw' ]\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        ServerAuthSettings settings = new ServerAuthSettings(script.toString(), true, null, null, null, 2, false, false,
                new ServerAuthSettings.AuthGenToken(0, 100, false, null), dir, Duration.ofSeconds(20));
        OpenVpnOptions clientOptions = client();
        try (ServerAuthenticator server = new ServerAuthenticator(settings, 3600, clock, new SecureRandom(), AuthLog.NONE)) {
            UserPassCache credentials = new UserPassCache(false);
            credentials.set("alice", "pw".toCharArray());

            // First connection: the password; the server pushes its token at the end of the PUSH_REPLY.
            ClientAuthState session = new ClientAuthState();
            UserPassResult first = server.verifyUserPass(session, env(), "round-trip", credentials.username(),
                    credentials.password());
            assertTrue(first.authenticated());
            PushReply reply = new PushReply(clientOptions);
            assertEquals(PushReply.Status.COMPLETE, reply.offer("PUSH_REPLY,ping 10,ping-restart 60,ifconfig 10.8.0.2 "
                    + "255.255.255.0,topology subnet,peer-id 0,cipher AES-256-GCM," + first.authTokenLine()), reply.failure());
            PushedOptions pushed = reply.result();
            String token = pushed.authToken().orElseThrow();
            credentials.token(token);

            // The client reconnects: what it now writes into key method 2 is the token.
            char[] sent = credentials.password();
            assertArrayEquals(token.toCharArray(), sent);
            now += 30;
            UserPassResult second = server.verifyUserPass(session, env(), "round-trip", credentials.username(), sent);
            assertEquals(UserPassResult.Reason.TOKEN_ACCEPTED, second.reason());
            assertEquals(1, Files.readAllLines(runs).size(), "the script ran once only");

            // Much later the token has expired: AUTH_FAILED; the client drops the token and its password works.
            now += 1000;
            UserPassResult expired = server.verifyUserPass(session, env(), "round-trip", credentials.username(),
                    credentials.password());
            assertFalse(expired.authenticated());
            assertEquals("SESSION: token expired", expired.clientReason());
            assertTrue(credentials.dropToken(), "the client held a token and drops it on AUTH_FAILED");
            UserPassResult again = server.verifyUserPass(new ClientAuthState(), env(), "round-trip",
                    credentials.username(), credentials.password());
            assertEquals(UserPassResult.Reason.ACCEPTED, again.reason());
            assertEquals(2, Files.readAllLines(runs).size());
        }
    }
}
