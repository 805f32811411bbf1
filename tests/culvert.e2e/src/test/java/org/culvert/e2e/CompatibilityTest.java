package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.culvert.e2e.PeerConfig.Role;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The compatibility promise and the command's behaviour as a process: one {@code .conf} file works
 * with {@code openvpn --config} and with the implementation under test; the command-line form works
 * too; a bad option ends the process with a non-zero status and a message naming the option (and the
 * line); SIGTERM and SIGINT end it with status 0 and remove its tun device.
 */
@ExtendWith(PeerLogs.class)
class CompatibilityTest {
    private static final Duration BAD_OPTION_TIMEOUT = Duration.ofSeconds(60);

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    /** A hand-written config using comments of both kinds, quoting, a relative key path and "remote HOST PORT". */
    static String handWrittenConfig(Netns net, boolean sideA) {
        String self = sideA ? net.linkAddrA() : net.linkAddrB();
        String peer = sideA ? net.linkAddrB() : net.linkAddrA();
        String tunSelf = sideA ? net.tunAddrA() : net.tunAddrB();
        String tunPeer = sideA ? net.tunAddrB() : net.tunAddrA();
        return "# Point-to-point, static key: this very file is given to openvpn and to culvert.\n"
                + "; semicolon comments count as comments too\n"
                + "\n"
                + "dev tun\n"
                + "proto udp\n"
                + "local " + self + "\n"
                + "lport 1194\n"
                + "remote " + peer + " 1194\n"
                + "ifconfig " + tunSelf + " " + tunPeer + "\n"
                + "secret \"static.key\" " + (sideA ? 0 : 1) + "\n"
                + "cipher AES-256-CBC\n"
                + "auth SHA256\n"
                + "tun-mtu 1500\n"
                + "ping 1\n"
                + "ping-restart 10\n"
                + "persist-tun\n"
                + "verb 3\n";
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sameConfigFileWorksWithOpenvpnAndUnderTest() throws IOException {
        Path dir = Peer.caseDir("compat-same-conf");
        Peer.genKey(dir);
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            Path confA = dir.resolve("a.conf");
            Path confB = dir.resolve("b.conf");
            Files.writeString(confA, handWrittenConfig(net, true), StandardCharsets.UTF_8);
            Files.writeString(confB, handWrittenConfig(net, false), StandardCharsets.UTF_8);
            // Each file once with each implementation: round 1 openvpn a.conf / ut b.conf, round 2 swapped.
            Impl[][] rounds = {{Impl.OPENVPN, ut}, {ut, Impl.OPENVPN}};
            for (int r = 0; r < rounds.length; r++) {
                Peer a = Peer.startConfigFile(net, net.a(), rounds[r][0], confA, dir, "round" + (r + 1) + "-a-" + rounds[r][0]);
                Peer b = Peer.startConfigFile(net, net.b(), rounds[r][1], confB, dir, "round" + (r + 1) + "-b-" + rounds[r][1]);
                Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), a, b);
                Traffic.PingResult p = Traffic.ping(net, net.a(), net.tunAddrB(), 64, 20);
                assertEquals(0, p.lost(), "round " + (r + 1) + ": pings lost");
                assertEquals(0, a.stop(Duration.ofSeconds(20)), "round " + (r + 1) + ": exit status of a (" + rounds[r][0] + ")");
                assertEquals(0, b.stop(Duration.ofSeconds(20)), "round " + (r + 1) + ": exit status of b (" + rounds[r][1] + ")");
            }
            Report.line("same .conf: openvpn a.conf <-> " + ut + " b.conf and " + ut + " a.conf <-> openvpn b.conf both passed 20 pings");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void commandLineOptionsWork() {
        Path dir = Peer.caseDir("compat-argv");
        Path key = Peer.genKey(dir);
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            List<String> argsA = PeerConfig.staticKey(net, net.a(), Role.UDP, key, 1, "AES-256-CBC", "SHA256").toArgs();
            List<String> argsB = PeerConfig.staticKey(net, net.b(), Role.UDP, key, 0, "AES-256-CBC", "SHA256").toArgs();
            Peer a = Peer.startWithArgs(net, net.a(), ut, argsA, dir, "a-" + ut);
            Peer b = Peer.startWithArgs(net, net.b(), Impl.OPENVPN, argsB, dir, "b-openvpn");
            Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), a, b);
            assertEquals(0, Traffic.ping(net, net.a(), net.tunAddrB(), 64, 20).lost());
            assertTrue(a.logText().contains("Initialization Sequence Completed"), "a logged no 'Initialization Sequence Completed'");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void unknownOptionFailsNamingOptionAndLine() throws IOException {
        String out = runBadConfig("compat-unknown-option", "# line 1 is a comment\ndev tun\nbogus-option 1\nverb 3\n");
        assertOneLineNames(out, "bogus-option", Pattern.compile("(?i)(line\\s*3\\b|:3\\b)"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void missingArgumentFailsNamingOption() throws IOException {
        String out = runBadConfig("compat-missing-arg", "dev tun\nifconfig 10.9.0.1\nverb 3\n");
        assertOneLineNames(out, "ifconfig", Pattern.compile("(?i)(line\\s*2\\b|:2\\b)"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void missingConfigFileFails() {
        Path dir = Peer.caseDir("compat-missing-file");
        Path missing = dir.resolve("does-not-exist.conf");
        try (Netns net = Netns.create()) {
            Proc.Result r = net.run(net.a(), BAD_OPTION_TIMEOUT, E2eEnv.underTest().commandForConfig(missing).toArray(new String[0]));
            Report.line("missing config file -> exit " + r.exit() + ": " + firstLineContaining(r.output(), "does-not-exist.conf"));
            assertNotEquals(-1, r.exit(), "did not exit within " + BAD_OPTION_TIMEOUT.toSeconds() + " s:\n" + r.output());
            assertNotEquals(0, r.exit(), "a missing config file must fail:\n" + r.output());
            assertTrue(r.output().contains("does-not-exist.conf"), "the message should name the file:\n" + r.output());
        }
    }

    /** Runs the implementation under test on a bad config in a fresh namespace; checks it fails and leaves no tun. */
    private static String runBadConfig(String name, String text) throws IOException {
        Path dir = Peer.caseDir(name);
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, text, StandardCharsets.UTF_8);
        try (Netns net = Netns.create()) {
            List<String> before = net.links(net.a());
            Proc.Result r = net.run(net.a(), BAD_OPTION_TIMEOUT, E2eEnv.underTest().commandForConfig(conf).toArray(new String[0]));
            assertNotEquals(-1, r.exit(), "did not exit within " + BAD_OPTION_TIMEOUT.toSeconds() + " s:\n" + r.output());
            assertNotEquals(0, r.exit(), "a bad config must make the process fail:\n" + r.output());
            assertEquals(before, net.links(net.a()), "a rejected config must not leave interfaces behind");
            Report.line(name + " -> exit " + r.exit());
            return r.output();
        }
    }

    private static void assertOneLineNames(String output, String option, Pattern lineRef) {
        String line = firstLineContaining(output, option);
        assertTrue(line != null, "no line of the output names '" + option + "':\n" + output);
        assertTrue(lineRef.matcher(line).find(), "the error line should give the line number (" + lineRef.pattern() + "): " + line);
        Report.line("error line: " + line.trim());
    }

    private static String firstLineContaining(String output, String needle) {
        for (String l : output.split("\n")) {
            if (l.contains(needle)) {
                return l;
            }
        }
        return null;
    }


    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"TERM", "INT"})
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void signalExitsZeroAndRemovesTun(String signal) throws java.io.IOException {
        Path dir = Peer.caseDir("compat-sig" + signal.toLowerCase(java.util.Locale.ROOT));
        Path key = Peer.genKey(dir);
        Impl ut = E2eEnv.underTest();
        try (Netns net = Netns.create()) {
            List<String> before = net.links(net.a());
            Peer a = Peer.startWithConfig(net, net.a(), ut, PeerConfig.staticKey(net, net.a(), Role.UDP, key, 0, "AES-256-CBC", "SHA256"), dir, "a-" + ut);
            Peer b = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, PeerConfig.staticKey(net, net.b(), Role.UDP, key, 1, "AES-256-CBC", "SHA256"), dir,
                    "b-openvpn");
            Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), a, b);
            List<String> up = net.links(net.a());
            List<String> added = new ArrayList<>(up);
            added.removeAll(before);
            assertEquals(1, added.size(), "expected exactly one new interface (the tun) in a, got " + added);

            int exit;
            if ("TERM".equals(signal)) {
                exit = a.stop(Duration.ofSeconds(20));
            } else {
                Proc.run(Duration.ofSeconds(5), "kill", "-INT", Long.toString(a.pid())).check();
                exit = a.awaitExit(Duration.ofSeconds(20));
            }
            List<String> after = net.links(net.a());
            String log = a.logText();
            Report.line("SIG" + signal + ": " + ut + " exited " + exit + "; interfaces before " + before + ", after " + after);
            assertAll(() -> assertEquals(0, exit, "exit status after SIG" + signal),
                    () -> assertEquals(before, after, "the tun device " + added + " must be gone after SIG" + signal), () -> {
                        if (ut == Impl.CULVERT) {
                            CulvertCounters k = CulvertCounters.parseLast(log);
                            assertTrue(k.tunReadPackets() > 0 && k.tunWritePackets() > 0, "counters show no traffic: " + k);
                            assertEquals(0, k.totalDrops(), "no drops expected on a clean run: " + k.drops());
                        }
                    });
        }
    }
}
