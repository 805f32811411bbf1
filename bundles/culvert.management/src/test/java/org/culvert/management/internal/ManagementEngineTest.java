package org.culvert.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.culvert.api.tunnel.ClientState;
import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management interface end to end over real loopback TCP and unix sockets, against a
 * {@link FakeTunnel}: every command, passwords, several clients, real-time lines, malformed input,
 * tunnels going away, and the thread ending on close.
 */
class ManagementEngineTest {
    private static final Instant T0 = Instant.ofEpochSecond(1_700_000_000);

    @TempDir
    Path dir;

    private ManualClock clock;
    private ManagementEngine engine;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void start() {
        clock = new ManualClock(T0);
        engine = new ManagementEngine(clock, ZoneOffset.UTC, "Culvert 9.9.9 test");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        engine.close();
        assertFalse(engine.thread().isAlive(), "management thread still running after close");
    }

    private static TunnelOperations tcp(Path passwordFile, boolean hold) {
        return new TunnelOperations(new TunnelOperations.Management("127.0.0.1", 0, null, passwordFile, hold, 100), null, 4, 7);
    }

    /** Adds a tunnel, routes its state changes to the engine, and waits until its interface listens. */
    private SocketAddress serve(FakeTunnel t) {
        t.stateListeners.add((tunnel, prev, cur) -> engine.stateChanged(tunnel, cur));
        engine.addTunnel(t, handle(t, new boolean[1]));
        return Poll.value("the management socket of " + t, () -> engine.boundAddress(t));
    }

    private static ManagementEngine.TunnelHandle handle(Tunnel t, boolean[] released) {
        return new ManagementEngine.TunnelHandle() {
            @Override
            public Tunnel resolve() {
                return t;
            }

            @Override
            public void release() {
                released[0] = true;
            }
        };
    }

    private void advance(Duration d) {
        clock.advance(d);
        engine.wakeup();
    }

    private TestClient client(SocketAddress a) throws IOException {
        TestClient c = TestClient.connectAndGreet(a);
        toClose.add(c);
        return c;
    }

    private static String pidLine() {
        return "SUCCESS: pid=" + ProcessHandle.current().pid();
    }

    // --- the commands ---

    @Test
    void versionPidHelpAndUnknown() throws IOException {
        TestClient c = client(serve(new FakeTunnel("t1", tcp(null, false))));
        c.send("version\n");
        assertEquals(List.of("OpenVPN Version: Culvert 9.9.9 test", "Management Version: 5", "END"), c.untilEnd());
        // "version N" sets the client's version silently, as in OpenVPN 2.6: the next line answers pid.
        c.send("version 3\n");
        assertEquals(pidLine(), c.ask("pid"));
        c.send("help\n");
        List<String> help = c.untilEnd();
        assertEquals("Management Interface for Culvert 9.9.9 test", help.get(0));
        assertEquals("Commands:", help.get(1));
        assertTrue(help.stream().anyMatch(l -> l.startsWith("state [on|off] [N|all] : ")), help.toString());
        assertEquals("ERROR: unknown command, enter 'help' for more options", c.ask("frobnicate"));
        assertEquals("ERROR: unknown command, enter 'help' for more options", c.ask("PID"));
        assertEquals("ERROR: The 'kill' command is not supported by the current daemon mode", c.ask("kill someone"));
        assertEquals("ERROR: the 'kill' command requires 1 parameter", c.ask("kill"));
        assertEquals("SUCCESS: verb=4", c.ask("verb"));
        assertEquals("SUCCESS: mute=7", c.ask("mute"));
        assertEquals("ERROR: The 'verb' command is not supported by the current daemon mode", c.ask("verb 9"));
        assertEquals(pidLine(), c.ask("  pid  extra args"));
    }

    @Test
    void statusPrintsTheStatisticsBlockForEveryVersion() throws IOException {
        FakeTunnel t = new FakeTunnel("t1", tcp(null, false));
        t.setCounters(FakeTunnel.counters(180, 132, 416, 608, 164));
        TestClient c = client(serve(t));
        List<String> expected = List.of("OpenVPN STATISTICS", "Updated,2023-11-14 22:13:20", "TUN/TAP read bytes,180",
                "TUN/TAP write bytes,132", "TCP/UDP read bytes,416", "TCP/UDP write bytes,608", "Auth read bytes,164", "END");
        for (String cmd : List.of("status", "status 1", "status 2", "status 3", "status foo")) {
            c.send(cmd + "\n");
            assertEquals(expected, c.untilEnd(), cmd);
        }
        assertEquals("SUCCESS: nclients=0,bytesin=416,bytesout=608", c.ask("load-stats"));
    }

    @Test
    void stateHistoryAndItsErrors() throws IOException {
        FakeTunnel t = new FakeTunnel("t1", tcp(null, false));
        TestClient c = client(serve(t));
        c.send("state\n");
        assertEquals(List.of("1700000000,CONNECTING,,,,,,", "END"), c.untilEnd());
        t.setConnection(FakeTunnel.staticKeyConnection());
        t.moveTo(TunnelState.UP, TunnelReason.NONE, "", T0.plusSeconds(3));
        c.send("state all\n");
        assertEquals(List.of("1700000000,CONNECTING,,,,,,", "1700000003,ASSIGN_IP,,10.8.0.1,,,,",
                "1700000003,CONNECTED,SUCCESS,10.8.0.1,192.0.2.2,1194,192.0.2.1,1194", "END"), c.untilEnd());
        c.send("state 2\n");
        assertEquals(3, c.untilEnd().size());
        c.send("state\n");
        assertEquals(List.of("1700000003,CONNECTED,SUCCESS,10.8.0.1,192.0.2.2,1194,192.0.2.1,1194", "END"), c.untilEnd());
        for (String bad : List.of("state foo", "state 0", "state -1")) {
            assertEquals("ERROR: state parameter must be 'on' or 'off' or some number n or 'all'", c.ask(bad), bad);
        }
        c.send("state on all\n");
        assertEquals("SUCCESS: real-time state notification set to ON", c.line());
        assertEquals(4, c.untilEnd().size());
        assertEquals("SUCCESS: real-time state notification set to OFF", c.ask("state off"));
    }

    /**
     * A core that reports OpenVPN's client states: the history starts with the steps taken before the
     * interface saw the tunnel, and each step is one {@code >STATE:} line in OpenVPN 2.6's format
     * (time, state, description, tun IPv4, remote address, remote port, local address, local port,
     * tun IPv6), with the pushed address; a status change without a new step adds no line.
     */
    @Test
    void clientStatesFromTheCoreAreOpenVpnsStateLines() throws IOException {
        FakeTunnel t = new FakeTunnel("t1", tcp(null, false));
        t.clientStep(new ClientStatus(ClientState.CONNECTING, "", T0, null, null, null, null), false);
        TestClient c = client(serve(t));
        c.send("state all\n");
        assertEquals(List.of("1700000000,CONNECTING,,,,,,", "END"), c.untilEnd());
        assertEquals("SUCCESS: real-time state notification set to ON", c.ask("state on"));
        InetSocketAddress server = new InetSocketAddress("198.51.100.7", 1194);
        InetSocketAddress local = new InetSocketAddress("192.0.2.10", 41000);
        t.clientStep(new ClientStatus(ClientState.WAIT, "", T0.plusSeconds(1), null, null, null, null), true);
        t.clientStep(new ClientStatus(ClientState.AUTH, "", T0.plusSeconds(1), null, null, null, null), true);
        t.clientStep(new ClientStatus(ClientState.GET_CONFIG, "", T0.plusSeconds(2), null, null, null, null), true);
        t.clientStep(new ClientStatus(ClientState.ASSIGN_IP, "", T0.plusSeconds(3), "10.8.0.6", null, null, "fd00:8::1000"), true);
        t.clientStep(new ClientStatus(ClientState.ADD_ROUTES, "", T0.plusSeconds(3), null, null, null, null), true);
        t.moveTo(TunnelState.UP, TunnelReason.NONE, "", T0.plusSeconds(3));
        t.clientStep(new ClientStatus(ClientState.CONNECTED, "SUCCESS", T0.plusSeconds(3), "10.8.0.6", server, local, "fd00:8::1000"), true);
        List<String> expected = List.of("1700000001,WAIT,,,,,,", "1700000001,AUTH,,,,,,", "1700000002,GET_CONFIG,,,,,,",
                "1700000003,ASSIGN_IP,,10.8.0.6,,,,,fd00:8::1000", "1700000003,ADD_ROUTES,,,,,,",
                "1700000003,CONNECTED,SUCCESS,10.8.0.6,198.51.100.7,1194,192.0.2.10,41000,fd00:8::1000");
        for (String line : expected) {
            assertEquals(">STATE:" + line, c.line());
        }
        c.send("state all\n");
        List<String> all = c.untilEnd();
        assertEquals(8, all.size(), all.toString());
        assertEquals("1700000000,CONNECTING,,,,,,", all.get(0));
        assertEquals(expected, all.subList(1, 7));
        // A management client's SIGINT names the stop it causes, as in OpenVPN.
        assertEquals("SUCCESS: signal SIGINT thrown", c.ask("signal SIGINT"));
        t.moveTo(TunnelState.STOPPED, TunnelReason.USER_STOP, "", T0.plusSeconds(9));
        t.clientStep(new ClientStatus(ClientState.EXITING, "SIGTERM", T0.plusSeconds(9), null, null, null, null), true);
        assertEquals(">STATE:1700000009,EXITING,SIGINT,,,,,", c.line());
    }

    @Test
    void signalsReachTheTunnelAndRestartsShowAsOpenVpnShowsThem() throws IOException {
        FakeTunnel t = new FakeTunnel("t1", tcp(null, false));
        t.setConnection(FakeTunnel.staticKeyConnection());
        TestClient c = client(serve(t));
        assertEquals("SUCCESS: real-time state notification set to ON", c.ask("state on"));
        assertEquals("SUCCESS: signal SIGUSR1 thrown", c.ask("signal SIGUSR1"));
        assertEquals(List.of(TunnelSignal.SIGUSR1), t.signals);
        t.moveTo(TunnelState.RECONNECTING, TunnelReason.USER_RESTART, "", T0.plusSeconds(10));
        assertEquals(">STATE:1700000010,RECONNECTING,SIGUSR1,,,,,", c.line());
        t.moveTo(TunnelState.CONNECTING, TunnelReason.NONE, "", T0.plusSeconds(11));
        t.moveTo(TunnelState.UP, TunnelReason.NONE, "", T0.plusSeconds(12));
        assertEquals(">STATE:1700000012,ASSIGN_IP,,10.8.0.1,,,,", c.line());
        assertEquals(">STATE:1700000012,CONNECTED,SUCCESS,10.8.0.1,192.0.2.2,1194,192.0.2.1,1194", c.line());

        assertEquals("SUCCESS: signal SIGHUP thrown", c.ask("signal SIGHUP"));
        assertEquals("SUCCESS: signal SIGUSR2 thrown", c.ask("signal SIGUSR2"));
        assertEquals("SUCCESS: signal SIGTERM thrown", c.ask("signal SIGTERM"));
        assertEquals(List.of(TunnelSignal.SIGUSR1, TunnelSignal.SIGHUP, TunnelSignal.SIGUSR2, TunnelSignal.SIGTERM), t.signals);
        t.moveTo(TunnelState.STOPPING, TunnelReason.USER_STOP, "", T0.plusSeconds(20));
        assertEquals(">STATE:1700000020,EXITING,SIGTERM,,,,,", c.line());
        t.moveTo(TunnelState.STOPPED, TunnelReason.USER_STOP, "", T0.plusSeconds(21));

        assertEquals("ERROR: the 'signal' command requires 1 parameter", c.ask("signal"));
        assertEquals("ERROR: signal 'FOO' is not a known signal type", c.ask("signal FOO"));
        assertEquals("ERROR: signal 'sigusr1' is not a known signal type", c.ask("signal sigusr1"));
        assertEquals(4, t.signals.size());
        // EXITING was said once, for STOPPING; STOPPED adds nothing.
        assertEquals(pidLine(), c.ask("pid"));
    }

    @Test
    void tlsTunnelsReportWaitAndAuthBeforeConnected() throws IOException {
        FakeTunnel t = new FakeTunnel("t1", tcp(null, false));
        t.setConnection(new TunnelConnection(null, null, "10.8.0.1", "10.8.0.2", "fd00::1", null, "tls-client", ""));
        TestClient c = client(serve(t));
        c.ask("state on");
        t.moveTo(TunnelState.UP, TunnelReason.NONE, "", T0.plusSeconds(1));
        assertEquals(">STATE:1700000001,ASSIGN_IP,,10.8.0.1,,,,,fd00::1", c.line());
        assertEquals(">STATE:1700000001,WAIT,,,,,,", c.line());
        assertEquals(">STATE:1700000001,AUTH,,,,,,", c.line());
        assertEquals(">STATE:1700000001,CONNECTED,SUCCESS,10.8.0.1,,,,,fd00::1", c.line());
        t.moveTo(TunnelState.RECONNECTING, TunnelReason.PING_RESTART, "(restart in 2.0 s)", T0.plusSeconds(60));
        assertEquals(">STATE:1700000060,RECONNECTING,ping-restart,,,,,", c.line());
    }

    @Test
    void holdCommandsDriveTheTunnelAndHoldsAreAnnounced() throws IOException {
        FakeTunnel t = new FakeTunnel("t1", tcp(null, true));
        SocketAddress a = serve(t);
        TestClient c = client(a);
        assertEquals("SUCCESS: hold=0", c.ask("hold"));
        assertEquals("SUCCESS: hold flag set to ON", c.ask("hold on"));
        assertTrue(t.holdFlag());
        assertEquals("SUCCESS: hold=1", c.ask("hold"));
        assertEquals("ERROR: bad hold command parameter", c.ask("hold foo"));

        t.moveTo(TunnelState.WAITING, TunnelReason.MANAGEMENT_HOLD, "", T0.plusSeconds(1));
        assertEquals(">HOLD:Waiting for hold release:0", c.line());
        // A client connecting during the hold is told after the greeting.
        TestClient late = client(a);
        assertEquals(">HOLD:Waiting for hold release:0", late.line());
        // Restarts are ignored while held, as OpenVPN ignores SIGUSR1/SIGHUP then.
        assertEquals("ERROR: signal 'SIGUSR1' is currently ignored", late.ask("signal SIGUSR1"));
        assertEquals(">HOLD:Waiting for hold release:0", late.line());
        assertTrue(t.signals.isEmpty());

        assertEquals("SUCCESS: hold release succeeded", c.ask("hold release"));
        assertEquals(1, t.releases.get());
        t.moveTo(TunnelState.CONNECTING, TunnelReason.NONE, "", T0.plusSeconds(2));
        assertEquals("SUCCESS: hold flag set to OFF", c.ask("hold off"));
        assertFalse(t.holdFlag());

        // A hold after a restart names the restart pause OpenVPN would have waited.
        t.moveTo(TunnelState.RECONNECTING, TunnelReason.PING_RESTART, "(restart in 2.0 s)", T0.plusSeconds(30));
        t.moveTo(TunnelState.WAITING, TunnelReason.MANAGEMENT_HOLD, "", T0.plusSeconds(31));
        assertEquals(">HOLD:Waiting for hold release:2", c.line());
        // The core names the pause itself in the hold's detail.
        t.moveTo(TunnelState.CONNECTING, TunnelReason.NONE, "", T0.plusSeconds(32));
        t.moveTo(TunnelState.WAITING, TunnelReason.MANAGEMENT_HOLD, "Waiting for hold release:8", T0.plusSeconds(40));
        assertEquals(">HOLD:Waiting for hold release:8", c.line());
    }

    @Test
    void logHistoryAndRealTimeLog() throws IOException {
        FakeTunnel t = new FakeTunnel("t1", tcp(null, false));
        t.logLine(new TunnelLogEntry(T0, TunnelLogEntry.Level.INFO, "first"));
        t.logLine(new TunnelLogEntry(T0.plusSeconds(1), TunnelLogEntry.Level.WARNING, "second"));
        t.logLine(new TunnelLogEntry(T0.plusSeconds(2), TunnelLogEntry.Level.DEBUG, "third\nline"));
        TestClient c = client(serve(t));
        c.send("log all\n");
        assertEquals(List.of("1700000000,,first", "1700000001,W,second", "1700000002,D,third line", "END"), c.untilEnd());
        c.send("log 1\n");
        assertEquals(List.of("1700000002,D,third line", "END"), c.untilEnd());
        assertEquals("ERROR: the 'log' command requires at least 1 parameter", c.ask("log"));
        assertEquals("ERROR: log parameter must be 'on' or 'off' or some number n or 'all'", c.ask("log foo"));
        c.send("log on all\n");
        assertEquals("SUCCESS: real-time log notification set to ON", c.line());
        assertEquals(4, c.untilEnd().size());
        t.logLine(new TunnelLogEntry(T0.plusSeconds(5), TunnelLogEntry.Level.FATAL, "boom"));
        assertEquals(">LOG:1700000005,F,boom", c.line());
        assertEquals("SUCCESS: real-time log notification set to OFF", c.ask("log off"));
        t.logLine(new TunnelLogEntry(T0.plusSeconds(6), TunnelLogEntry.Level.ERROR, "quiet"));
        assertEquals(pidLine(), c.ask("pid"));
        c.send("echo all\n");
        assertEquals(List.of("END"), c.untilEnd());
        assertEquals("SUCCESS: real-time echo notification set to ON", c.ask("echo on"));
    }

    @Test
    void bytecountFollowsTheClockNotSleeps() throws IOException {
        FakeTunnel t = new FakeTunnel("t1", tcp(null, false));
        t.setCounters(FakeTunnel.counters(1, 2, 992, 1184, 3));
        TestClient c = client(serve(t));
        assertEquals("ERROR: the 'bytecount' command requires 1 parameter", c.ask("bytecount"));
        assertEquals("SUCCESS: bytecount interval changed", c.ask("bytecount 2"));
        clock.advance(Duration.ofMillis(1999));
        engine.wakeup();
        assertEquals(pidLine(), c.ask("pid"), "a >BYTECOUNT line came before its interval");
        clock.advance(Duration.ofMillis(1));
        engine.wakeup();
        assertEquals(">BYTECOUNT:992,1184", c.line());
        t.setCounters(FakeTunnel.counters(1, 2, 1072, 1264, 3));
        clock.advance(Duration.ofSeconds(2));
        engine.wakeup();
        assertEquals(">BYTECOUNT:1072,1264", c.line());
        // Off again ("bytecount 0", and OpenVPN's atoi makes "abc" 0 too).
        assertEquals("SUCCESS: bytecount interval changed", c.ask("bytecount abc"));
        clock.advance(Duration.ofSeconds(10));
        engine.wakeup();
        assertEquals(pidLine(), c.ask("pid"));
    }

    @Test
    void severalClientsEachHaveTheirOwnSettings() throws IOException {
        FakeTunnel t = new FakeTunnel("t1", tcp(null, false));
        t.setConnection(FakeTunnel.staticKeyConnection());
        SocketAddress a = serve(t);
        TestClient states = client(a);
        TestClient logs = client(a);
        TestClient quiet = client(a);
        states.ask("state on");
        logs.ask("log on");
        assertEquals("SUCCESS: bytecount interval changed", quiet.ask("bytecount 1"));

        t.moveTo(TunnelState.RECONNECTING, TunnelReason.PING_RESTART, "", T0.plusSeconds(5));
        t.logLine(new TunnelLogEntry(T0.plusSeconds(5), TunnelLogEntry.Level.INFO, "Inactivity timeout"));
        assertEquals(">STATE:1700000005,RECONNECTING,ping-restart,,,,,", states.line());
        assertEquals(">LOG:1700000005,,Inactivity timeout", logs.line());
        clock.advance(Duration.ofSeconds(1));
        engine.wakeup();
        assertEquals(">BYTECOUNT:0,0", quiet.line());
        // Each got only what it asked for: a round trip shows nothing else was queued before it.
        assertEquals(pidLine(), states.ask("pid"));
        assertEquals(pidLine(), logs.ask("pid"));
        assertEquals(pidLine(), quiet.ask("pid"));
        // One client leaving does not disturb the others.
        states.send("exit\n");
        assertEquals("", states.awaitClosed());
        assertEquals(pidLine(), logs.ask("pid"));
    }

    // --- passwords ---

    @Test
    void correctPasswordUnlocksTheInterface() throws IOException {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "sekrit\r\nignored second line\n");
        FakeTunnel t = new FakeTunnel("t1", tcp(pw, false));
        try (TestClient c = TestClient.connect(serve(t))) {
            c.expectRaw("ENTER PASSWORD:");
            c.send("sekrit\r\n");
            assertEquals("SUCCESS: password is correct", c.line());
            assertEquals(TunnelEndpoint.WELCOME, c.line());
            assertEquals(pidLine(), c.ask("pid"));
        }
    }

    @Test
    void wrongPasswordsArePromptedAgainThenTheClientIsDropped() throws IOException {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "sekrit\n");
        FakeTunnel t = new FakeTunnel("t1", tcp(pw, false));
        SocketAddress a = serve(t);
        try (TestClient c = TestClient.connect(a)) {
            c.expectRaw("ENTER PASSWORD:");
            // A command is only a wrong password: it is not run.
            c.send("signal SIGTERM\n");
            c.expectRaw("ENTER PASSWORD:");
            c.send("\n");
            // Each wrong password delays the next (ManagementHardeningTest has the details).
            advance(Duration.ofSeconds(1));
            c.expectRaw("ENTER PASSWORD:");
            c.send("sekrit2\n");
            advance(Duration.ofSeconds(2));
            assertEquals("", c.awaitClosed());
        }
        assertTrue(t.signals.isEmpty());
        // Others may still log in, once the delay this source earned is over.
        try (TestClient c = TestClient.connect(a)) {
            c.expectRaw("ENTER PASSWORD:");
            advance(Duration.ofSeconds(4));
            c.send("wrong\n");
            c.expectRaw("ENTER PASSWORD:");
            c.send("sekrit\npid\n");
            advance(Duration.ofSeconds(8));
            assertEquals("SUCCESS: password is correct", c.line());
            assertEquals(TunnelEndpoint.WELCOME, c.line());
            assertEquals(pidLine(), c.line());
        }
    }

    @Test
    void missingPasswordFileKeepsTheInterfaceClosed() throws IOException {
        FakeTunnel locked = new FakeTunnel("locked", tcp(dir.resolve("no-such-file"), false));
        FakeTunnel empty = new FakeTunnel("empty", tcp(Files.writeString(dir.resolve("empty"), "\nsecond\n"), false));
        locked.stateListeners.add((tunnel, prev, cur) -> engine.stateChanged(tunnel, cur));
        engine.addTunnel(locked, handle(locked, new boolean[1]));
        engine.addTunnel(empty, handle(empty, new boolean[1]));
        // The engine handles tunnels in order: once a later one listens, the first two were tried.
        serve(new FakeTunnel("open", tcp(null, false)));
        assertNull(engine.boundAddress(locked));
        assertNull(engine.boundAddress(empty));
    }

    // --- malformed input ---

    @Test
    void malformedInputIsAnsweredWithOpenVpnsErrors() throws IOException {
        TestClient c = client(serve(new FakeTunnel("t1", tcp(null, false))));
        String a300 = "a".repeat(300);
        assertEquals("ERROR: Options error: Parameter at TCP:0 is too long (256 chars max): " + "a".repeat(255), c.ask(a300));
        // Longer than OpenVPN's 1024-byte line buffer: never run, answered with the parser's error.
        assertEquals("ERROR: Options error: Parameter at TCP:0 is too long (256 chars max): " + "a".repeat(255),
                c.ask("a".repeat(5000)));
        assertEquals("ERROR: unknown command, enter 'help' for more options", c.ask("pid " + "x ".repeat(2000)));
        // Control bytes vanish (CR, NUL, DEL); bytes from 128 up stay, so this is no command.
        c.sendBytes(new byte[] {0, 1, (byte) 0xff, (byte) 0xfe, 'p', 'i', 'd', 127, '\n'});
        assertEquals("ERROR: unknown command, enter 'help' for more options", c.line());
        c.sendBytes(new byte[] {'p', 'i', 0, 'd', '\r', '\n'});
        assertEquals(pidLine(), c.line());
        c.send("\n\r\n   \n# a comment\n; another\n");
        assertEquals(pidLine(), c.ask("pid"), "empty lines and comments are not answered");
        assertEquals("ERROR: Options error: No closing quotation (\") in TCP:0", c.ask("echo \"abc"));
        assertEquals("ERROR: Options error: No closing single quotation (') in TCP:0", c.ask("echo 'abc"));
        assertTrue(c.ask("echo a\\q").startsWith("ERROR: Options warning: Bad backslash ('\\') usage in TCP:0: remember"));
        // Lines split across writes are joined; several lines in one write are all answered.
        c.send("pi");
        c.send("d\npid\n");
        assertEquals(pidLine(), c.line());
        assertEquals(pidLine(), c.line());
    }

    @Test
    void clientLeavingMidLineHarmsNobody() throws IOException {
        SocketAddress a = serve(new FakeTunnel("t1", tcp(null, false)));
        TestClient gone = TestClient.connectAndGreet(a);
        gone.send("signal SIGTE");
        gone.close();
        TestClient c = client(a);
        assertEquals(pidLine(), c.ask("pid"));
        assertTrue(engine.thread().isAlive());
    }

    @Test
    void clientThatShutsItsSideStillGetsItsAnswers() throws IOException {
        SocketAddress a = serve(new FakeTunnel("t1", tcp(null, false)));
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(a)) {
            ch.write(java.nio.ByteBuffer.wrap("pid\n".getBytes(StandardCharsets.US_ASCII)));
            ch.shutdownOutput();
            String all = new String(ch.socket().getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertEquals(TunnelEndpoint.WELCOME + "\r\n" + pidLine() + "\r\n", all);
        }
    }

    // --- life cycle ---

    @Test
    void tunnelGoingAwayClosesItsClientsAndSaysExiting() throws IOException {
        FakeTunnel t = new FakeTunnel("t1", tcp(null, false));
        boolean[] released = new boolean[1];
        t.stateListeners.add((tunnel, prev, cur) -> engine.stateChanged(tunnel, cur));
        engine.addTunnel("key", handle(t, released));
        SocketAddress a = Poll.value("listening", () -> engine.boundAddress("key"));
        TestClient watching = client(a);
        TestClient other = client(a);
        watching.ask("state on");
        engine.removeTunnel("key");
        assertTrue(watching.awaitClosed().matches(">STATE:\\d+,EXITING,SIGTERM,,,,,\r\n"));
        assertEquals("", other.awaitClosed());
        Poll.until("the tunnel released", () -> released[0]);
        assertTrue(t.logListeners.isEmpty(), "log listener left on the tunnel");
        assertNull(engine.boundAddress("key"));
        // Events from a tunnel that is gone change nothing (and do not fail).
        t.moveTo(TunnelState.UP, TunnelReason.NONE, "", T0.plusSeconds(1));
        t.logLine(new TunnelLogEntry(T0, TunnelLogEntry.Level.INFO, "late"));
    }

    @Test
    void tunnelsWithoutManagementAreLeftAlone() throws IOException {
        FakeTunnel none = new FakeTunnel("none", TunnelOperations.DEFAULT);
        boolean[] released = new boolean[1];
        engine.addTunnel(none, handle(none, released));
        serve(new FakeTunnel("other", tcp(null, false)));
        assertTrue(released[0], "a tunnel without --management must be given back at once");
        assertTrue(none.logListeners.isEmpty());
    }

    @Test
    void unixSocketReplacesAStaleSocketAndIsRemovedOnClose() throws IOException {
        Path sock = dir.resolve("mgmt.sock");
        // A stale socket left by a crashed process.
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(sock));
        }
        assertTrue(Files.exists(sock));
        FakeTunnel t = new FakeTunnel("u", new TunnelOperations(new TunnelOperations.Management(null, 0, sock, null, false, 10), null, 1, 0));
        SocketAddress a = serve(t);
        assertEquals(UnixDomainSocketAddress.of(sock), a);
        TestClient c1 = client(a);
        TestClient c2 = client(a);
        assertEquals(pidLine(), c1.ask("pid"));
        c2.send("status\n");
        assertEquals("OpenVPN STATISTICS", c2.untilEnd().get(0));
        engine.removeTunnel(t);
        c1.awaitClosed();
        Poll.until("the socket file removed", () -> !Files.exists(sock));
    }

    @Test
    void unixSocketPathHoldingAFileIsNotReplaced() throws IOException {
        Path file = Files.writeString(dir.resolve("precious.txt"), "keep me");
        FakeTunnel t = new FakeTunnel("u", new TunnelOperations(new TunnelOperations.Management(null, 0, file, null, false, 10), null, 1, 0));
        engine.addTunnel(t, handle(t, new boolean[1]));
        serve(new FakeTunnel("later", tcp(null, false)));
        assertNull(engine.boundAddress(t));
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void busyPortIsRetriedUntilItFrees() throws IOException {
        ServerSocketChannel squatter = ServerSocketChannel.open();
        squatter.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
        int port = ((java.net.InetSocketAddress) squatter.getLocalAddress()).getPort();
        FakeTunnel t = new FakeTunnel("t", new TunnelOperations(new TunnelOperations.Management("127.0.0.1", port, null, null, false, 10),
                null, 1, 0));
        engine.addTunnel(t, handle(t, new boolean[1]));
        serve(new FakeTunnel("later", tcp(null, false)));
        assertNull(engine.boundAddress(t));
        squatter.close();
        clock.advance(Duration.ofSeconds(TunnelEndpoint.RETRY_SECONDS));
        engine.wakeup();
        SocketAddress a = Poll.value("the retried socket", () -> engine.boundAddress(t));
        assertEquals(pidLine(), client(a).ask("pid"));
    }

    @Test
    void closingTheEngineClosesEverythingAndEndsItsThread() throws IOException {
        SocketAddress a = serve(new FakeTunnel("t1", tcp(null, false)));
        TestClient c = client(a);
        c.ask("state on");
        engine.close();
        assertFalse(engine.thread().isAlive());
        // The bundle stopped, not the tunnel: no EXITING line.
        assertEquals("", c.awaitClosed());
        engine.close(); // Idempotent.
        // Events after close are ignored.
        engine.addTunnel("late", handle(new FakeTunnel("late", tcp(null, false)), new boolean[1]));
        assertNull(engine.boundAddress("late"));
    }
}
