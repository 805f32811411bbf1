package org.culvert.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelOperations;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management interface against an attacker, over real loopback TCP and unix sockets with the
 * manual clock: idle connections that never give the password, wrong passwords, the unix socket's
 * mode, the warning for an interface beyond loopback. Each rule with the case that breaks it.
 */
class ManagementHardeningTest {
    /** How long an answer that must not come is waited for: the manual clock never moves meanwhile. */
    private static final Duration SILENCE = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private ManualClock clock;
    private ManagementEngine engine;
    private Path pw;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void start() throws IOException {
        Logger.getLogger("org.culvert.management").addHandler(capture);
        clock = new ManualClock(Instant.ofEpochSecond(1_700_000_000));
        engine = new ManagementEngine(clock, ZoneOffset.UTC, "Culvert 9.9.9 test");
        pw = Files.writeString(dir.resolve("pw"), "sekrit\n");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        engine.close();
        Logger.getLogger("org.culvert.management").removeHandler(capture);
    }

    private SocketAddress serve(String host, Path passwordFile) {
        return serve(new FakeTunnel("t1", new TunnelOperations(new TunnelOperations.Management(host, 0, null, passwordFile, false, 100), null, 4, 0)));
    }

    private SocketAddress serve(FakeTunnel t) {
        engine.addTunnel(t, handle(t));
        return Poll.value("the management socket", () -> engine.boundAddress(t));
    }

    private static ManagementEngine.TunnelHandle handle(Tunnel t) {
        return new ManagementEngine.TunnelHandle() {
            @Override
            public Tunnel resolve() {
                return t;
            }

            @Override
            public void release() {
            }
        };
    }

    private TestClient prompted(SocketAddress a) throws IOException {
        TestClient c = TestClient.connect(a);
        toClose.add(c);
        c.expectRaw(TunnelEndpoint.PASSWORD_PROMPT);
        return c;
    }

    private void advance(Duration d) {
        clock.advance(d);
        engine.wakeup();
    }

    private static void assertLoggedIn(TestClient c) throws IOException {
        assertEquals("SUCCESS: password is correct", c.line());
        assertEquals(TunnelEndpoint.WELCOME, c.line());
        assertEquals("SUCCESS: pid=" + ProcessHandle.current().pid(), c.ask("pid"));
    }

    /** Waits {@link #SILENCE} and fails if anything arrived. */
    private static void assertSilent(TestClient c) throws IOException {
        c.assertNothingWithin(SILENCE);
    }

    // --- idle connections ---

    @Test
    void sixteenIdleUnauthenticatedConnectionsDoNotLockTheOperatorOut() throws IOException {
        SocketAddress a = serve("127.0.0.1", pw);
        for (int i = 0; i < 16; i++) {
            prompted(a); // Connects, reads the prompt, then says nothing.
        }
        TestClient operator = prompted(a);
        operator.send("sekrit\n");
        assertLoggedIn(operator);
    }

    @Test
    void authenticatedClientsAreStillLimitedToSixteen() throws IOException {
        SocketAddress a = serve("127.0.0.1", pw);
        for (int i = 0; i < TunnelEndpoint.MAX_CLIENTS; i++) {
            TestClient c = prompted(a);
            c.send("sekrit\n");
            assertLoggedIn(c);
        }
        TestClient extra = TestClient.connect(a);
        toClose.add(extra);
        assertEquals("", extra.awaitClosed());
    }

    @Test
    void aConnectionWithoutThePasswordIsClosedAfterTheAuthenticationTimeout() throws IOException {
        SocketAddress a = serve("127.0.0.1", pw);
        TestClient idle = prompted(a);
        TestClient late = prompted(a);
        TestClient operator = prompted(a);
        operator.send("sekrit\n");
        assertLoggedIn(operator);
        advance(Duration.ofSeconds(TunnelEndpoint.AUTH_TIMEOUT_SECONDS - 1));
        late.send("sekrit\n");
        assertLoggedIn(late); // One second before the timeout the password is still taken.
        advance(Duration.ofSeconds(1));
        assertEquals("", idle.awaitClosed());
        // Those that gave it stay, however long they are idle.
        advance(Duration.ofSeconds(TunnelEndpoint.AUTH_TIMEOUT_SECONDS * 10));
        assertEquals("SUCCESS: pid=" + ProcessHandle.current().pid(), operator.ask("pid"));
        assertEquals("SUCCESS: pid=" + ProcessHandle.current().pid(), late.ask("pid"));
        assertTrue(logged.stream().anyMatch(l -> l.contains("no password within " + TunnelEndpoint.AUTH_TIMEOUT_SECONDS + " s")), logged.toString());
    }

    // --- wrong passwords ---

    @Test
    void theNextPasswordAfterAWrongOneWaitsAndTheWaitGrows() throws IOException {
        SocketAddress a = serve("127.0.0.1", pw);
        TestClient c = prompted(a);
        c.send("wrong\n");
        c.expectRaw(TunnelEndpoint.PASSWORD_PROMPT);
        c.send("wrong again\n");
        assertSilent(c); // Not checked before the 1 s delay is over.
        advance(Duration.ofSeconds(1));
        c.expectRaw(TunnelEndpoint.PASSWORD_PROMPT);
        // Two wrong: the next waits 2 s, even when it is right.
        c.send("sekrit\n");
        advance(Duration.ofSeconds(1));
        assertSilent(c);
        advance(Duration.ofSeconds(1));
        assertLoggedIn(c);
        assertEquals(Duration.ofSeconds(PasswordThrottle.MAX_DELAY_SECONDS).toNanos(), PasswordThrottle.delayNanos(40));
    }

    @Test
    void theDelayFollowsTheSourceToANewConnection() throws IOException {
        SocketAddress a = serve("127.0.0.1", pw);
        TestClient guesser = prompted(a);
        guesser.send("wrong\n");
        guesser.expectRaw(TunnelEndpoint.PASSWORD_PROMPT);
        // A fresh connection from the same address gains nothing: its first guess waits too.
        TestClient fresh = prompted(a);
        fresh.send("sekrit\n");
        assertSilent(fresh);
        advance(Duration.ofSeconds(1));
        assertLoggedIn(fresh);
        // The right password ended the source's count: the next connection is answered at once.
        TestClient next = prompted(a);
        next.send("sekrit\n");
        assertLoggedIn(next);
    }

    @Test
    void passwordsSentAheadWaitTheirTurnAndThreeWrongStillClose() throws IOException {
        SocketAddress a = serve("127.0.0.1", pw);
        TestClient c = prompted(a);
        c.send("one\ntwo\nthree\npid\n"); // All in one write: only the first is checked now.
        c.expectRaw(TunnelEndpoint.PASSWORD_PROMPT);
        assertSilent(c);
        advance(Duration.ofSeconds(1));
        c.expectRaw(TunnelEndpoint.PASSWORD_PROMPT);
        advance(Duration.ofSeconds(2));
        assertEquals("", c.awaitClosed()); // The third wrong password: closed, as by OpenVPN.
        assertTrue(logged.stream().anyMatch(l -> l.contains("rejected after 3 failed password attempts")), logged.toString());
    }

    // --- sockets ---

    @Test
    void aLongUnixSocketPathOpenVpnTakesIsTakenToo() throws IOException {
        // 95 bytes: within sun_path's 107, but too long once a long temporary directory name is added.
        Path deep = dir.toAbsolutePath();
        while (deep.toString().length() < 84) {
            deep = deep.resolve("d");
        }
        Files.createDirectories(deep);
        Path sock = deep.resolve("x".repeat(Math.max(1, 94 - deep.toString().length())) + ".sock");
        assertTrue(sock.toString().length() >= 90 && sock.toString().length() <= 100, sock.toString());
        SocketAddress a = serve(new FakeTunnel("u", new TunnelOperations(new TunnelOperations.Management(null, 0, sock, null, false, 100), null, 4, 0)));
        try (TestClient c = TestClient.connectAndGreet(a)) {
            assertEquals("SUCCESS: pid=" + ProcessHandle.current().pid(), c.ask("pid"));
        }
    }

    @Test
    void theUnixSocketIsOwnerOnly() throws IOException {
        Path sock = dir.resolve("mgmt.sock");
        SocketAddress a = serve(new FakeTunnel("u", new TunnelOperations(new TunnelOperations.Management(null, 0, sock, null, false, 100), null, 4, 0)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        try (TestClient c = TestClient.connectAndGreet(a)) {
            assertEquals("SUCCESS: pid=" + ProcessHandle.current().pid(), c.ask("pid"));
        }
        // Nothing else is left beside it (the directory it was bound in is gone).
        try (var files = Files.list(dir)) {
            assertEquals(List.of("mgmt.sock", "pw"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void managementClientGroupOpensTheUnixSocketToThatGroupOnly() throws IOException {
        // A group that exists here: the one the test directory belongs to.
        String group = Files.readAttributes(dir, java.nio.file.attribute.PosixFileAttributes.class).group().getName();
        Path sock = dir.resolve("group.sock");
        SocketAddress a = serve(new FakeTunnel("g", new TunnelOperations(
                new TunnelOperations.Management(null, 0, sock, null, false, 100, group), null, 4, 0)));
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        assertEquals(group, Files.readAttributes(sock, java.nio.file.attribute.PosixFileAttributes.class).group().getName());
        try (TestClient c = TestClient.connectAndGreet(a)) {
            assertEquals("SUCCESS: pid=" + ProcessHandle.current().pid(), c.ask("pid"));
        }
        // A group that does not exist keeps the interface closed (and retried), never open to all.
        FakeTunnel unknown = new FakeTunnel("x", new TunnelOperations(
                new TunnelOperations.Management(null, 0, dir.resolve("x.sock"), null, false, 100, "no-such-group-culvert"), null, 4, 0));
        engine.addTunnel(unknown, handle(unknown));
        serve("127.0.0.1", pw); // Tunnels are handled in order: once this one listens, the one before was tried.
        assertEquals(null, engine.boundAddress(unknown));
        assertFalse(Files.exists(dir.resolve("x.sock")));
        assertTrue(logged.stream().anyMatch(l -> l.contains("no group named 'no-such-group-culvert'")), logged.toString());
    }

    @Test
    void anInterfaceBeyondLoopbackIsWarnedAbout() throws IOException {
        serve("127.0.0.1", pw);
        assertFalse(logged.stream().anyMatch(l -> l.contains("beyond loopback")), logged.toString());
        serve(new FakeTunnel("t2", new TunnelOperations(new TunnelOperations.Management("0.0.0.0", 0, null, pw, false, 100), null, 4, 0)));
        // Java may report the wildcard as IPv6's (dual stack); either way it is warned about.
        assertTrue(logged.stream().anyMatch(l -> l.startsWith("[t2] WARNING: the management interface listens on ")
                && l.contains("beyond loopback")), logged.toString());
        assertFalse(logged.stream().anyMatch(l -> l.startsWith("[t1] WARNING")), logged.toString());
    }
}
