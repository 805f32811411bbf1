package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.culvert.e2e.PeerConfig.Role;
import org.culvert.e2e.TlsConfigs.Verify;
import org.culvert.e2e.TlsConfigs.Wrap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --http-proxy} and {@code --socks-proxy} through real proxies from Debian: tinyproxy (HTTP
 * CONNECT, with {@code BasicAuth} for the basic cases) and microsocks (SOCKS5, with and without
 * user/password) in namespace b, where stock OpenVPN listens as the tcp-server TLS peer on
 * 127.0.0.1 only, so the tunnel can reach it only through the proxy. The implementation under test
 * is the tcp-client in namespace a. Good credentials: the tunnel comes up, pings pass, and the
 * proxy logged the connection; a wrong password: the client names the proxy's refusal and the
 * tunnel never completes. Run with {@code -Dculvert.e2e.impl=openvpn} it checks the harness with
 * stock OpenVPN as the client.
 */
@ExtendWith(PeerLogs.class)
class ProxyInteropTest {
    private static final int HTTP_PORT = 8888;
    private static final int SOCKS_PORT = 1080;
    private static final String USER = "alice";
    private static final String PASSWORD = "corp-Pw-42";

    enum Kind { HTTP, SOCKS }

    /**
     * One case: the proxy kind, whether it asks for credentials, whether the client gives the right
     * ones, and for HTTP whether the client learns Basic from the 407 ({@code auto}) instead of sending it at once.
     */
    record Case(String name, Kind kind, boolean auth, boolean rightPassword, boolean auto) {
        Case(String name, Kind kind, boolean auth, boolean rightPassword) {
            this(name, kind, auth, rightPassword, false);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
        for (String tool : List.of("tinyproxy", "microsocks")) {
            if (E2eEnv.which(tool) == null) {
                fail("'" + tool + "' is not on PATH; the proxy e2e test needs it (Debian: apt-get install tinyproxy microsocks)");
            }
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("http-none", Kind.HTTP, false, true),
                new Case("http-basic", Kind.HTTP, true, true),
                new Case("http-basic-wrong-password", Kind.HTTP, true, false),
                new Case("http-auto", Kind.HTTP, true, true, true),
                new Case("socks5-none", Kind.SOCKS, false, true),
                new Case("socks5-userpass", Kind.SOCKS, true, true),
                new Case("socks5-wrong-password", Kind.SOCKS, true, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @Timeout(value = 90)
    void throughTheProxy(Case c) throws Exception {
        Impl ut = E2eEnv.underTest();
        Path dir = Peer.caseDir("proxy-" + c.name());
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.FINGERPRINT, Wrap.NONE);
        try (Netns net = Netns.create()) {
            Path proxyLog = startProxy(net, dir, c);
            // The server listens on b's loopback only: nothing but the proxy in b can reach it.
            PeerConfig server = TlsConfigs.tlsOptions(PeerConfig.tlsRole(new PeerConfig().option("dev", "tun").option("proto", "tcp-server")
                    .option("local", "127.0.0.1").option("lport", Integer.toString(PeerConfig.PORT))
                    .option("ifconfig", net.tunAddrB(), net.tunAddrA()), true), true, m, Wrap.NONE, "AES-256-GCM", null, false);
            PeerConfig client = TlsConfigs.tlsOptions(PeerConfig.tlsRole(new PeerConfig().option("dev", "tun").option("proto", "tcp-client")
                    .option("remote", "127.0.0.1", Integer.toString(PeerConfig.PORT)).option("nobind").option("connect-retry", "1", "1")
                    .option("ifconfig", net.tunAddrA(), net.tunAddrB()), false), false, m, Wrap.NONE, "AES-256-GCM", null, false);
            proxyOptions(client, net, dir, c);
            Peer b = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, server, dir, "b-openvpn");
            b.awaitTcpListening(net, PeerConfig.PORT, E2eEnv.readyTimeout());
            Peer a = Peer.startWithConfig(net, net.a(), ut, client, dir, "a-" + ut);
            Peer.Pair p = new Peer.Pair(a, b);
            if (c.rightPassword()) {
                Duration ready = Peer.awaitTunnel(net, net.a(), net.tunAddrB(), E2eEnv.readyTimeout(), a, b);
                String pings = Traffic.assertPingsAllSizes(net, net.a(), net.tunAddrB(), 5);
                a.awaitLog(Pattern.quote(TunnelChecks.INIT_DONE), 0, TunnelChecks.LOG_LAG);
                assertProxySawTheConnection(c, proxyLog);
                if (c.auto() && ut == Impl.CULVERT) {
                    a.awaitLog("HTTP proxy authenticate 'Basic realm=", 0, TunnelChecks.LOG_LAG);
                    a.awaitLog("asks for Basic authentication: connecting again with it", 0, TunnelChecks.LOG_LAG);
                }
                if (c.kind() == Kind.HTTP) {
                    a.awaitLog("Send to HTTP proxy: 'CONNECT 127\\.0\\.0\\.1:1194 HTTP/1\\.0'", 0, TunnelChecks.LOG_LAG);
                    a.awaitLog("HTTP proxy returned: 'HTTP/1\\.[01] 200 ", 0, TunnelChecks.LOG_LAG);
                }
                assertTrue(!a.logText().contains(PASSWORD), "the proxy password is in the client's log");
                String exits = p.stop(Duration.ofSeconds(20));
                Report.line("proxy " + c + " (" + ut + " via " + (c.kind() == Kind.HTTP ? "tinyproxy" : "microsocks") + " -> openvpn): first ping after "
                        + Traffic.fmt(ready.toMillis() / 1000.0) + " s; " + pings + "; " + exits);
            } else {
                // tinyproxy answers a wrong Basic password on CONNECT with 401, other proxies with 407.
                String refusal = c.kind() == Kind.HTTP ? "HTTP proxy returned: 'HTTP/1\\.0 40[17] "
                        : ut == Impl.OPENVPN ? "server refused the authentication" : "refused the user name and password";
                a.awaitLog(refusal, 0, E2eEnv.readyTimeout());
                if (ut == Impl.CULVERT && c.kind() == Kind.HTTP) {
                    a.awaitLog("refused the credentials: 'HTTP/1\\.0 40[17] ", 0, TunnelChecks.LOG_LAG);
                }
                // It keeps retrying as OpenVPN does (connect-retry 1): a second refusal, and still no tunnel.
                int first = a.logText().length();
                a.awaitLog(refusal, first, Duration.ofSeconds(15));
                TunnelChecks.assertNeverCompleted(a);
                assertTrue(!a.logText().contains("wrong-" + PASSWORD), "the proxy password is in the client's log");
                String exits = p.stop(Duration.ofSeconds(20));
                Report.line("proxy " + c + " (" + ut + "): refused as expected: " + TunnelChecks.firstLine(a, refusal) + "; " + exits);
            }
        }
    }

    /** tinyproxy or microsocks in b on b's link address; returns its log. */
    private static Path startProxy(Netns net, Path dir, Case c) throws IOException {
        Path log = dir.resolve(c.kind() == Kind.HTTP ? "tinyproxy.log" : "microsocks.log");
        Files.writeString(log, "");
        PeerLogs.register("proxy " + c.name(), log);
        List<String> cmd = new ArrayList<>();
        int port;
        if (c.kind() == Kind.HTTP) {
            port = HTTP_PORT;
            Path conf = dir.resolve("tinyproxy.conf");
            StringBuilder s = new StringBuilder()
                    .append("Port ").append(port).append('\n')
                    .append("Listen ").append(net.linkAddrB()).append('\n')
                    .append("Timeout 120\nLogLevel Info\nMaxClients 8\n")
                    .append("LogFile \"").append(log).append("\"\n");
            if (c.auth()) {
                s.append("BasicAuth ").append(USER).append(' ').append(PASSWORD).append('\n');
            }
            Files.writeString(conf, s.toString());
            cmd.addAll(List.of("tinyproxy", "-d", "-c", conf.toString()));
        } else {
            port = SOCKS_PORT;
            cmd.addAll(List.of("microsocks", "-i", net.linkAddrB(), "-p", Integer.toString(port)));
            if (c.auth()) {
                cmd.addAll(List.of("-u", USER, "-P", PASSWORD));
            }
        }
        net.start(net.b(), dir, c.kind() == Kind.HTTP ? dir.resolve("tinyproxy.out") : log, cmd);
        long deadline = System.nanoTime() + E2eEnv.readyTimeout().toNanos();
        while (true) {
            Proc.Result r = net.run(net.b(), Duration.ofSeconds(5), "ss", "-Hltn", "sport = :" + port);
            if (r.ok() && !r.output().isBlank()) {
                return log;
            }
            if (System.nanoTime() > deadline) {
                fail(cmd.get(0) + " did not listen on " + port + " in " + net.b());
            }
            Peer.pause();
        }
    }

    /** The client's proxy options; credentials in a 0600 file (the wrong password for the refusal cases). */
    private static void proxyOptions(PeerConfig client, Netns net, Path dir, Case c) throws IOException {
        String authFile = null;
        if (c.auth()) {
            Path f = dir.resolve("proxy.auth");
            Files.writeString(f, USER + "\n" + (c.rightPassword() ? PASSWORD : "wrong-" + PASSWORD) + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            authFile = f.toString();
        }
        if (c.kind() == Kind.HTTP) {
            if (c.auto()) {
                client.option("http-proxy", net.linkAddrB(), Integer.toString(HTTP_PORT), "auto").option("http-proxy-user-pass", authFile);
            } else if (authFile != null) {
                client.option("http-proxy", net.linkAddrB(), Integer.toString(HTTP_PORT), authFile, "basic");
            } else {
                client.option("http-proxy", net.linkAddrB(), Integer.toString(HTTP_PORT));
            }
            client.option("http-proxy-option", "AGENT", "culvert-e2e");
        } else if (authFile != null) {
            client.option("socks-proxy", net.linkAddrB(), Integer.toString(SOCKS_PORT), authFile);
        } else {
            client.option("socks-proxy", net.linkAddrB(), Integer.toString(SOCKS_PORT));
        }
    }

    /** tinyproxy logs the CONNECT and the upstream connection; microsocks logs each client's target. */
    private static void assertProxySawTheConnection(Case c, Path log) throws IOException {
        String regex = c.kind() == Kind.HTTP ? "CONNECT .*127\\.0\\.0\\.1:1194" : "connected to 127\\.0\\.0\\.1:1194";
        long deadline = System.nanoTime() + TunnelChecks.LOG_LAG.toNanos();
        while (true) {
            String text;
            try {
                text = Files.readString(log, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (Pattern.compile(regex).matcher(text).find()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("the proxy's log (" + log + ") does not show the connection /" + regex + "/:\n" + text);
            }
            Peer.pause();
        }
    }
}
