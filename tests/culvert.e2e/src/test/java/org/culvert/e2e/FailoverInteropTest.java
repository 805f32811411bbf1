package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.culvert.e2e.PeerConfig.Role;
import org.culvert.e2e.TlsConfigs.Verify;
import org.culvert.e2e.TlsConfigs.Wrap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Connection profiles against stock OpenVPN 2.6 (issue 11, item 3): the implementation under test in
 * namespace a is a TLS client with two {@code remote}s (IPv4 over UDP and TCP, IPv6 over UDP), the first an address in namespace b where
 * nothing listens, the second stock OpenVPN (point-to-point tls-server) in b. Over UDP the dead server
 * never answers, so {@code --server-poll-timeout} moves the client on; over TCP the connect is
 * refused, which moves it on at once. The tunnel must come up on the second remote and carry pings;
 * then stock OpenVPN is killed (SIGKILL), stays down past the client's ping-restart and is started
 * again: the client's first retry goes to the same server (OpenVPN's {@code no_advance}), it walks the
 * remotes while the server is down, and it must come back.
 */
@ExtendWith(PeerLogs.class)
class FailoverInteropTest {
    private static final int POLL_TIMEOUT_SECONDS = 3;
    private static final Duration UP_LIMIT = Duration.ofSeconds(40);
    private static final Duration BACK_LIMIT = Duration.ofSeconds(40);
    /** How long stock OpenVPN stays dead: past the client's ping-restart, so the client walks its remotes meanwhile. */
    private static final Duration OUTAGE = Duration.ofSeconds(7);

    enum Mode {
        UDP(Role.UDP, false), TCP(Role.TCP_CLIENT, false), UDP6(Role.UDP, true),
        /** A provider's pattern: {@code remote DEAD 1194 udp}, then {@code remote SERVER 1194 tcp-client}. */
        UDP_THEN_TCP(Role.TCP_CLIENT, false);

        /** a's link role with the server; stock OpenVPN in b takes the opposite one. */
        final Role roleA;
        /** Servers on IPv6 addresses of the veth link (fd00:201:N::/64) instead of IPv4. */
        final boolean ipv6;

        Mode(Role roleA, boolean ipv6) {
            this.roleA = roleA;
            this.ipv6 = ipv6;
        }

        /** a's, b's or the dead server's link address ({@code host} 1, 2 or 3). */
        String addr(Netns net, int host) {
            return ipv6 ? "fd00:201:" + net.subnet() + "::" + host : "10.201." + net.subnet() + "." + host;
        }

        /** Whether the dead first remote is tried over UDP. */
        boolean deadOverUdp() {
            return roleA == Role.UDP || this == UDP_THEN_TCP;
        }

        /** OpenVPN's print_sockaddr of that address and the port. */
        String printed(Netns net, int host) {
            return (ipv6 ? "[AF_INET6]" : "[AF_INET]") + addr(net, host) + ":" + PeerConfig.PORT;
        }
    }

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
    }

    /** The client: the dead remote first, then the server; the server's p2p config expects a's address on UDP. */
    private static PeerConfig client(Netns net, Mode mode, TlsConfigs.Material m) {
        String port = Integer.toString(PeerConfig.PORT);
        PeerConfig c = new PeerConfig().option("dev", "tun");
        if (mode == Mode.UDP_THEN_TCP) {
            c.option("proto", "udp").option("remote", mode.addr(net, 3), port, "udp")
                    .option("remote", mode.addr(net, 2), port, "tcp-client");
        } else {
            c.option("proto", mode.roleA.proto()).option("remote", mode.addr(net, 3), port).option("remote", mode.addr(net, 2), port);
        }
        if (mode.roleA == Role.UDP) {
            c.option("local", mode.addr(net, 1)).option("lport", Integer.toString(PeerConfig.PORT));
        } else {
            c.option("nobind");
        }
        c.option("ifconfig", net.tunAddrA(), net.tunAddrB())
                .option("server-poll-timeout", Integer.toString(POLL_TIMEOUT_SECONDS)).option("connect-retry", "1")
                .option("ping", "1").option("ping-restart", "5");
        PeerConfig.tlsRole(c, false);
        return TlsConfigs.tlsOptions(c, false, m, Wrap.NONE, "AES-256-GCM", null, false);
    }

    /** Stock OpenVPN in b: the harness's point-to-point tls-server, or its IPv6 twin. */
    private static PeerConfig server(Netns net, Mode mode, TlsConfigs.Material m) {
        PeerConfig c;
        if (!mode.ipv6) {
            c = TlsConfigs.side(net, net.b(), mode.roleA.opposite(), true, m, Wrap.NONE, "AES-256-GCM", null, false);
        } else {
            c = new PeerConfig().option("dev", "tun").option("proto", "udp6").option("local", mode.addr(net, 2))
                    .option("lport", Integer.toString(PeerConfig.PORT)).option("remote", mode.addr(net, 1))
                    .option("rport", Integer.toString(PeerConfig.PORT)).option("ifconfig", net.tunAddrB(), net.tunAddrA());
            PeerConfig.tlsRole(c, true);
            TlsConfigs.tlsOptions(c, true, m, Wrap.NONE, "AES-256-GCM", null, false);
        }
        return c.option("ping", "1");
    }

    /** The dead server's address in b, and for IPv6 the link's addresses (without duplicate address detection, so usable at once). */
    private static void addresses(Netns net, Mode mode) {
        String bits = mode.ipv6 ? "/64" : "/24";
        if (mode.ipv6) {
            net.run(net.a(), Duration.ofSeconds(10), "ip", "addr", "add", mode.addr(net, 1) + bits, "dev", "veth-a", "nodad").check();
            net.run(net.b(), Duration.ofSeconds(10), "ip", "addr", "add", mode.addr(net, 2) + bits, "dev", "veth-b", "nodad").check();
        }
        if (mode.ipv6) {
            net.run(net.b(), Duration.ofSeconds(10), "ip", "addr", "add", mode.addr(net, 3) + bits, "dev", "veth-b", "nodad").check();
        } else {
            net.run(net.b(), Duration.ofSeconds(10), "ip", "addr", "add", mode.addr(net, 3) + bits, "dev", "veth-b").check();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aDeadFirstRemoteIsLeftForTheSecondAndTheClientComesBackAfterTheServerRestarts(Mode mode) {
        Path dir = Peer.caseDir("failover-" + mode.name().toLowerCase(java.util.Locale.ROOT));
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.FINGERPRINT, Wrap.NONE);
        try (Netns net = Netns.create()) {
            // The dead server: an address of b's where nothing listens (UDP: no answer; TCP: refused).
            addresses(net, mode);
            PeerConfig server = server(net, mode, m);
            Peer b = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, server, dir, "b0-openvpn");
            if (mode.roleA == Role.TCP_CLIENT) {
                b.awaitTcpListening(net, PeerConfig.PORT, E2eEnv.readyTimeout());
            } else {
                b.awaitUdpBound(net, PeerConfig.PORT, E2eEnv.readyTimeout());
            }
            Impl ut = E2eEnv.underTest();
            Peer a = Peer.startWithConfig(net, net.a(), ut, client(net, mode, m), dir, "a-" + ut);
            Duration up = Peer.awaitTunnel(net, net.a(), net.tunAddrB(), UP_LIMIT, a, b);

            String log = a.logText();
            boolean udp = mode.roleA == Role.UDP;
            String deadLine = (mode.deadOverUdp() ? "UDP link remote: " : "Attempting to establish TCP connection with ")
                    + mode.printed(net, 3);
            String goodLine = (udp ? "UDP link remote: " : "TCP connection established with ") + mode.printed(net, 2);
            int deadAt = log.indexOf(deadLine);
            assertTrue(deadAt >= 0, "the first remote was tried: no '" + deadLine + "' in\n" + PeerLogs.tail(a.logFile(), 40));
            assertTrue(log.indexOf(goodLine, deadAt) > deadAt, "then the second: no '" + goodLine + "' after it");
            if (mode.deadOverUdp()) {
                assertTrue(log.indexOf("Server poll timeout, restarting", deadAt) > deadAt, "UDP moves on by the server poll timeout");
            }
            Report.figure("failover to the second remote (" + mode + ", first remote dead, server-poll-timeout "
                    + POLL_TIMEOUT_SECONDS + " s)", "tunnel up " + Traffic.fmt(up.toMillis() / 1000.0)
                    + " s after the client process started (JVM start included)");

            // The server restarted under the client, after an outage long enough for the client's ping-restart.
            int before = log.length();
            b.kill();
            outage(OUTAGE, a);
            b = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, server, dir, "b1-openvpn");
            Duration back = Peer.pollTunnel(net, net.a(), net.tunAddrB(), BACK_LIMIT, a, b);
            assertNotNull(back, "the client did not come back within " + BACK_LIMIT.toSeconds() + " s after the server restarted:\n"
                    + PeerLogs.tail(a.logFile(), 40));
            b.awaitLog("Initialization Sequence Completed", 0, Duration.ofSeconds(10));
            // After being up, the first retry goes to the same server (OpenVPN's no_advance), not to the next remote.
            String after = a.logText().substring(before);
            String retryPrefix = udp ? "UDP link remote: " : "Attempting to establish TCP connection with ";
            int firstRetry = after.indexOf(retryPrefix);
            assertTrue(firstRetry >= 0, "the client retried:\n" + after);
            assertTrue(after.startsWith(retryPrefix + mode.printed(net, 2), firstRetry),
                    "the first retry after the tunnel was up goes to the same server:\n" + after);
            Report.figure("client back after the server was down " + OUTAGE.toSeconds() + " s (" + mode
                    + ", ping-restart 5 s, server-poll-timeout " + POLL_TIMEOUT_SECONDS + " s, two remotes)",
                    Traffic.fmt(back.toMillis() / 1000.0) + " s from the server's restart");
            int exit = a.stop(Duration.ofSeconds(20));
            b.stop(Duration.ofSeconds(20));
            assertEquals(0, exit, ut + " exit status after SIGTERM");
            Report.line("failover " + mode + ": up in " + up.toMillis() + " ms, back in " + back.toMillis() + " ms");
        }
    }

    /**
     * {@code connect-retry-max 2} with both remotes refusing (TCP): after two passes over the list the
     * headless command exits with status 1 and OpenVPN's message, as {@code openvpn} does.
     */
    @org.junit.jupiter.api.Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void connectRetryMaxEndsTheCommandAfterThatManyPassesOverTheRemotes() {
        Path dir = Peer.caseDir("failover-connect-retry-max");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.FINGERPRINT, Wrap.NONE);
        try (Netns net = Netns.create()) {
            addresses(net, Mode.TCP);
            // Nothing listens on b's own address either: both remotes refuse.
            PeerConfig c = client(net, Mode.TCP, m).option("connect-retry", "0").option("connect-retry-max", "2");
            Impl ut = E2eEnv.underTest();
            Peer a = Peer.startWithConfig(net, net.a(), ut, c, dir, "a-" + ut);
            int exit = a.awaitExit(Duration.ofSeconds(60));
            String log = a.logText();
            assertEquals(1, exit, "exit status; log:\n" + PeerLogs.tail(a.logFile(), 30));
            assertTrue(log.contains("All connections have been connect-retry-max (2) times unsuccessful, exiting"), log);
            long attempts = log.lines().filter(l -> l.contains("Attempting to establish TCP connection with")).count();
            assertEquals(4, attempts, "two passes over two remotes:\n" + log);
        }
    }

    /**
     * A host name with two addresses, the dead one first (from the namespace's own hosts file, which
     * {@code ip netns exec} puts over {@code /etc/hosts}): the client tries them address by address, as
     * OpenVPN 2.6 walks its {@code getaddrinfo} list, and comes up on the second.
     */
    @org.junit.jupiter.api.Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void theAddressesOfOneNameAreTriedInTurn() throws java.io.IOException {
        Path dir = Peer.caseDir("failover-two-addresses");
        TlsConfigs.Material m = TlsConfigs.make(dir, Verify.FINGERPRINT, Wrap.NONE);
        Mode mode = Mode.UDP;
        try (Netns net = Netns.create()) {
            Path netnsEtc = Path.of("/etc/netns");
            boolean madeNetnsEtc = !java.nio.file.Files.isDirectory(netnsEtc);
            Path hostsDir = netnsEtc.resolve(net.a());
            try {
                java.nio.file.Files.createDirectories(hostsDir);
                java.nio.file.Files.writeString(hostsDir.resolve("hosts"), "127.0.0.1 localhost\n" + mode.addr(net, 3)
                        + " vpn.failover.test\n" + mode.addr(net, 2) + " vpn.failover.test\n");
                addresses(net, mode);
                Peer b = Peer.startWithConfig(net, net.b(), Impl.OPENVPN, server(net, mode, m), dir, "b0-openvpn");
                b.awaitUdpBound(net, PeerConfig.PORT, E2eEnv.readyTimeout());
                PeerConfig c = new PeerConfig().option("dev", "tun").option("proto", "udp")
                        .option("remote", "vpn.failover.test", Integer.toString(PeerConfig.PORT))
                        .option("local", mode.addr(net, 1)).option("lport", Integer.toString(PeerConfig.PORT))
                        .option("ifconfig", net.tunAddrA(), net.tunAddrB())
                        .option("server-poll-timeout", Integer.toString(POLL_TIMEOUT_SECONDS));
                PeerConfig.tlsRole(c, false);
                TlsConfigs.tlsOptions(c, false, m, Wrap.NONE, "AES-256-GCM", null, false);
                Impl ut = E2eEnv.underTest();
                Peer a = Peer.startWithConfig(net, net.a(), ut, c, dir, "a-" + ut);
                Duration up = Peer.awaitTunnel(net, net.a(), net.tunAddrB(), UP_LIMIT, a, b);
                String log = a.logText();
                int first = log.indexOf("UDP link remote: " + mode.printed(net, 3));
                assertTrue(first >= 0, "the name's first address was tried:\n" + log);
                assertTrue(log.indexOf("UDP link remote: " + mode.printed(net, 2), first) > first, "then its second:\n" + log);
                Report.figure("tunnel up on a name's second address (UDP, first address dead, server-poll-timeout "
                        + POLL_TIMEOUT_SECONDS + " s)", Traffic.fmt(up.toMillis() / 1000.0)
                        + " s after the client process started (JVM start included)");
                assertEquals(0, a.stop(Duration.ofSeconds(20)));
                b.stop(Duration.ofSeconds(20));
            } finally {
                java.nio.file.Files.deleteIfExists(hostsDir.resolve("hosts"));
                java.nio.file.Files.deleteIfExists(hostsDir);
                if (madeNetnsEtc) {
                    java.nio.file.Files.deleteIfExists(netnsEtc);
                }
            }
        }
    }

    /** The scenario's outage: the server stays dead this long (not a wait for a condition); fails if a exits meanwhile. */
    private static void outage(Duration length, Peer a) {
        try {
            Thread.sleep(length.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        a.assertAlive("while the server was down");
    }
}
