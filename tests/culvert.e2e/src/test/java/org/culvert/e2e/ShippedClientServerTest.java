package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OpenVPN's shipped sample {@code server.conf} on stock OpenVPN, with its shipped sample keys, in one
 * namespace; its shipped sample {@code client.conf} on the implementation under test in the other,
 * changed only in the server's host name ({@code remote my-server-1 1194} becomes the server
 * namespace's address), keys copied beside each configuration as the samples expect. The server's
 * two log paths under {@code /var/log/openvpn} are redirected into the case folder on its command line.
 *
 * <p>Checked: the pushed address (10.8.0.x/24, topology subnet) on the client's tun, the client
 * namespace's route table, pings both ways through the tunnel, and that stock {@code openvpn --config
 * client.conf} in the same setup gives the same addresses and routes. Then the same over TCP (both
 * configurations' {@code proto udp} becomes {@code proto tcp}).
 */
@ExtendWith(PeerLogs.class)
class ShippedClientServerTest {
    private static final Path SAMPLES = LoopbackSamplesTest.EXAMPLES.resolve("sample-config-files");
    private static final Path KEYS = LoopbackSamplesTest.EXAMPLES.resolve("sample-keys");
    private static final Pattern PUSHED_ADDRESS = Pattern.compile("inet (10\\.8\\.0\\.(\\d+))/24 ");

    @BeforeAll
    static void prerequisites() {
        E2eEnv.requireTools();
        assertTrue(Files.isRegularFile(SAMPLES.resolve("server.conf")),
                "OpenVPN's sample configurations are missing under " + SAMPLES + " (Debian: apt-get install openvpn)");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"udp", "tcp", "udp+tls-auth"})
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shippedClientConfAgainstShippedServerConf(String variant) {
        Impl ut = E2eEnv.underTest();
        // "+tls-auth": the configurations' own ";tls-auth ta.key 0|1" lines uncommented, with the shipped ta.key.
        String proto = variant.split("\\+")[0];
        boolean tlsAuth = variant.endsWith("+tls-auth");
        Path dir = Peer.caseDir("shipped-client-server-" + variant.replace('+', '-') + "-" + ut);
        try (Netns net = Netns.create()) {
            Path serverDir = dir.resolve("server");
            Path clientDir = dir.resolve("client");
            prepare(net, serverDir, clientDir, proto, "", tlsAuth);
            Peer first = startServer(net, serverDir, proto, 1);
            Seen culvert = connect(net, ut, clientDir, "client-" + ut + "-" + variant.replace('+', '-'), first, c -> {
                if (!variant.equals("udp")) {
                    return;
                }
                // The server restarted under the client: with the shipped explicit-exit-notify 1 a stopping
                // UDP server tells its clients RESTART; the client reconnects when it is back and, with the
                // shipped persist-tun, keeps its device since the pushed address is the same.
                int before = c.logText().length();
                first.stop(Duration.ofSeconds(20));
                Peer again = startServer(net, serverDir, proto, 2);
                c.awaitLog("Initialization Sequence Completed", before, Duration.ofSeconds(60));
                String after = c.logText().substring(before);
                assertTrue(after.contains("RESTART"), "the server's RESTART was not seen: " + after);
                if (c.impl() == Impl.CULVERT) {
                    assertTrue(after.contains("Preserving previous TUN/TAP instance"), "persist-tun kept no device: " + after);
                }
                Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), again, c);
                restarted[0] = again;
            });
            Peer server = restarted[0] != null ? restarted[0] : first;
            Seen openvpn = connect(net, Impl.OPENVPN, clientDir, "client-openvpn-" + variant.replace('+', '-'), server, c -> { });
            assertEquals(openvpn.address, culvert.address, "the tun's addresses: openvpn vs " + ut);
            assertEquals(openvpn.routes, culvert.routes, "the client namespace's routes: openvpn vs " + ut);
            assertEquals(openvpn.mtu, culvert.mtu, "the tun's MTU: openvpn vs " + ut);
            server.stop(Duration.ofSeconds(20));
            Report.line("shipped server.conf (stock openvpn) + shipped client.conf (" + ut + ") over " + variant + ": "
                    + culvert.address + ", up in " + culvert.upMillis + " ms (openvpn client " + openvpn.upMillis
                    + " ms), routes as openvpn's: " + culvert.routes.size() + ", mtu " + culvert.mtu
                    + (variant.equals("udp") ? "; reconnected after the server's RESTART, device kept" : ""));
        }
    }

    /** Peers restarted inside a check, for the caller to stop. */
    private final Peer[] restarted = new Peer[1];

    /**
     * Writes the shipped server.conf (with {@code serverExtra} appended on a line of its own: the shipped file ends without a newline) and its keys into {@code serverDir},
     * the shipped client.conf (its remote made the server namespace's address) and its keys into {@code clientDir}.
     */
    static void prepare(Netns net, Path serverDir, Path clientDir, String proto, String serverExtra) {
        prepare(net, serverDir, clientDir, proto, serverExtra, false);
    }

    /** @param tlsAuth the files' own {@code ;tls-auth ta.key 0|1} lines uncommented, and the shipped ta.key beside them */
    static void prepare(Netns net, Path serverDir, Path clientDir, String proto, String serverExtra, boolean tlsAuth) {
        String serverConf = withProto(read(SAMPLES.resolve("server.conf")), proto);
        String client = read(SAMPLES.resolve("client.conf"));
        if (tlsAuth) {
            assertTrue(serverConf.contains("\n;tls-auth ta.key 0 ") && client.contains("\n;tls-auth ta.key 1\n"),
                    "the shipped files carry the tls-auth lines to uncomment");
            serverConf = serverConf.replace("\n;tls-auth ta.key 0 ", "\ntls-auth ta.key 0 ");
            client = client.replace("\n;tls-auth ta.key 1\n", "\ntls-auth ta.key 1\n");
            copy(KEYS.resolve("ta.key"), serverDir.resolve("ta.key"));
            copy(KEYS.resolve("ta.key"), clientDir.resolve("ta.key"));
        }
        write(serverDir.resolve("server.conf"), serverConf + (serverExtra.isEmpty() ? "" : "\n" + serverExtra));
        assertTrue(client.contains("\nremote my-server-1 1194\n"), "the shipped client.conf names my-server-1");
        client = withProto(client.replace("\nremote my-server-1 1194\n", "\nremote " + net.linkAddrA() + " 1194\n"), proto);
        write(clientDir.resolve("client.conf"), client);
        for (String key : List.of("ca.crt", "server.crt", "server.key", "dh2048.pem")) {
            copy(KEYS.resolve(key), serverDir.resolve(key));
        }
        for (String key : List.of("ca.crt", "client.crt", "client.key")) {
            copy(KEYS.resolve(key), clientDir.resolve(key));
        }
    }

    /** Stock OpenVPN on the shipped server.conf; its two paths under /var/log/openvpn go into the case folder. */
    static Peer startServer(Netns net, Path serverDir, String proto, int run) {
        Peer server = Peer.startWithArgs(net, net.a(), Impl.OPENVPN, List.of("--config", "server.conf",
                "--ifconfig-pool-persist", "ipp.txt", "--status", "openvpn-status.log"), serverDir,
                "server-openvpn-" + proto + (run > 1 ? "-" + run : ""));
        if (proto.equals("tcp")) {
            server.awaitTcpListening(net, 1194, E2eEnv.readyTimeout());
        } else {
            server.awaitUdpBound(net, 1194, E2eEnv.readyTimeout());
        }
        return server;
    }

    /** What a client's namespace looked like once its tunnel was up. */
    record Seen(String address, List<String> routes, String mtu, long upMillis) {
    }

    /** Runs one client on the shipped client.conf until it is up, checks it, and stops it. */
    static Seen connect(Netns net, Impl impl, Path clientDir, String label, Peer server,
            java.util.function.Consumer<Peer> whileUp) {
        long start = System.nanoTime();
        Peer client = Peer.startConfigFile(net, net.b(), impl, clientDir.resolve("client.conf"), clientDir, label);
        try {
            client.awaitLog("Initialization Sequence Completed", 0, E2eEnv.readyTimeout());
            long upMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            Seen seen = observe(net, label, upMillis);
            // Pings both ways through the tunnel: to the server's end (10.8.0.1, topology subnet) and back.
            Peer.awaitTunnel(net, net.b(), "10.8.0.1", Duration.ofSeconds(15), server, client);
            Peer.awaitTunnel(net, net.a(), seen.address().substring(0, seen.address().indexOf('/')), Duration.ofSeconds(15), server, client);
            client.assertAlive("after the pings");
            whileUp.accept(client);
            assertEquals(0, client.stop(Duration.ofSeconds(20)), label + " exit status");
            awaitNoTun(net);
            return seen;
        } finally {
            client.close();
        }
    }

    /** The client's tun0 in namespace b once it is up: its pushed address, the namespace's routes, its MTU. */
    static Seen observe(Netns net, String label, long upMillis) {
        String addr = net.run(net.b(), Duration.ofSeconds(5), "ip", "-4", "-o", "addr", "show", "dev", "tun0").check().output();
        Matcher m = PUSHED_ADDRESS.matcher(addr);
        assertTrue(m.find(), label + ": no pushed 10.8.0.x/24 on tun0: " + addr);
        String address = m.group(1);
        List<String> routes = routes(net);
        Matcher mtu = Pattern.compile(" mtu (\\d+) ").matcher(
                net.run(net.b(), Duration.ofSeconds(5), "ip", "-o", "link", "show", "dev", "tun0").check().output());
        assertTrue(mtu.find(), label + ": no MTU on tun0");
        assertTrue(routes.contains("10.8.0.0/24 dev tun0 proto kernel scope link src " + address), label + ": " + routes);
        return new Seen(address + "/24", routes, mtu.group(1), upMillis);
    }

    /** The client namespace's IPv4 routes, without the veth link's own. */
    static List<String> routes(Netns net) {
        List<String> out = new ArrayList<>();
        for (String line : net.run(net.b(), Duration.ofSeconds(5), "ip", "-4", "route", "show").check().output().split("\n")) {
            String l = line.trim().replaceAll("\\s+", " ");
            if (!l.isEmpty() && !l.contains(net.linkAddrB())) {
                out.add(l);
            }
        }
        return out;
    }

    /** After a client stops, its tun (and routes) must go before the next client starts. */
    static void awaitNoTun(Netns net) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (net.links(net.b()).contains("tun0")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("tun0 is still in " + net.b() + " 10 s after the client stopped");
            }
            Peer.pause();
        }
    }

    private static String withProto(String conf, String proto) {
        assertTrue(conf.contains("\nproto udp\n"), "the shipped file says proto udp");
        return proto.equals("udp") ? conf : conf.replace("\nproto udp\n", "\nproto tcp\n");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path p, String text) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Files.copy(from, to);
            // OpenVPN and Culvert warn about private keys others can read; the shipped ones are 0644.
            if (to.getFileName().toString().endsWith(".key")) {
                Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
