package org.culvert.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One case of a Culvert server on OpenVPN's shipped {@code server.conf}: the namespaces, the case
 * folder, the shipped server files (with extra lines appended) in {@code server/}, the shipped client
 * files in {@code client/} (for namespace b), and further clients in namespaces of their own, each
 * with a certificate the shipped sample CA issues in the test. {@link #close} stops every peer
 * started through it (clients first), then the namespaces.
 */
final class ServerCase implements AutoCloseable {
    private static final Path KEYS = LoopbackSamplesTest.EXAMPLES.resolve("sample-keys");
    private static final Pattern POOL_ADDRESS = Pattern.compile("inet (10\\.8\\.0\\.\\d+)/24");

    final Path dir;
    final Netns net;
    final Path serverDir;
    /** The shipped client.conf and keys, its remote the server's address on b's link. */
    final Path clientDir;
    private final List<Peer> peers = new ArrayList<>();
    private Peer server;

    private ServerCase(Path dir, String serverExtra) {
        this.dir = dir;
        this.net = Netns.create();
        this.serverDir = dir.resolve("server");
        this.clientDir = dir.resolve("client");
        try {
            ShippedClientServerTest.prepare(net, serverDir, clientDir, "udp", serverExtra);
        } catch (RuntimeException | AssertionError e) {
            net.close();
            throw e;
        }
    }

    /** The case folder {@code name}, fresh namespaces, and the shipped files with {@code serverExtra} appended to server.conf. */
    static ServerCase create(String name, String serverExtra) {
        return new ServerCase(Peer.caseDir(name), serverExtra);
    }

    /** As {@link #create(String, String)} in a case folder already made with {@link Peer#caseDir} (scripts written first). */
    static ServerCase create(Path caseDir, String serverExtra) {
        return new ServerCase(caseDir, serverExtra);
    }

    /** Culvert on the case's server.conf; returns once it serves. */
    Peer startServer(String label) {
        server = ServerModeTest.startServer(net, serverDir, label);
        peers.add(0, server);
        return server;
    }

    Peer server() {
        return server;
    }

    /** The shipped sample CA, whose key the sample files carry: it issues the test's client certificates. */
    static Pki.Authority sampleCa() {
        return new Pki.Authority("sample CA", KEYS.resolve("ca.crt"), KEYS.resolve("ca.key"));
    }

    /**
     * A client folder {@code <case>/<name>} with the shipped client.conf, its remote {@code remote},
     * the shipped ca.crt and {@code id}'s certificate and key instead of the shipped ones (null: the
     * shipped client.crt/key), {@code extra} appended.
     */
    Path clientFolder(String name, String remote, Pki.Identity id, String extra) {
        Path cdir = dir.resolve(name);
        try {
            Files.createDirectories(cdir);
            String conf = Files.readString(clientDir.resolve("client.conf"))
                    .replace("\nremote " + net.linkAddrA() + " 1194\n", "\nremote " + remote + " 1194\n");
            if (id != null) {
                conf = conf.replace("\ncert client.crt\n", "\ncert " + id.cert().toAbsolutePath() + "\n")
                        .replace("\nkey client.key\n", "\nkey " + id.key().toAbsolutePath() + "\n");
            } else {
                for (String f : List.of("client.crt", "client.key")) {
                    if (!Files.exists(cdir.resolve(f))) {
                        Files.copy(clientDir.resolve(f), cdir.resolve(f), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
            if (!Files.exists(cdir.resolve("ca.crt"))) {
                Files.copy(clientDir.resolve("ca.crt"), cdir.resolve("ca.crt"));
            }
            Files.writeString(cdir.resolve("client.conf"), conf + (extra.isEmpty() ? "" : "\n" + extra + "\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cdir;
    }

    /** A certificate {@code CN=name} from the sample CA, in {@code <case>/certs}. */
    Pki.Identity issue(String name) {
        Path certs = dir.resolve("certs");
        try {
            Files.createDirectories(certs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Pki.issue(sampleCa(), certs, name, Pki.Usage.CLIENT);
    }

    /** A namespace of its own for client {@code k} (1..9), linked to the server's; see {@link #serverAddrFor}. */
    String clientNamespace(int k) {
        return net.addLinkedToA(k);
    }

    /** The server's address as seen from {@link #clientNamespace}{@code (k)}. */
    String serverAddrFor(int k) {
        return net.linkAddrToA(k);
    }

    /**
     * A stock client in a namespace of its own ({@link #clientNamespace}{@code (k)}, made here), its
     * folder and log named {@code label}, with {@code id}'s certificate (null: the shipped one).
     */
    Peer startStockClient(int k, Pki.Identity id, String label) {
        String ns = clientNamespace(k);
        return startClient(ns, Impl.OPENVPN, clientFolder(label, serverAddrFor(k), id, ""), label);
    }

    /** Starts {@code impl --config client.conf} in {@code cdir}, in namespace {@code ns}. */
    Peer startClient(String ns, Impl impl, Path cdir, String label) {
        Peer p = Peer.startConfigFile(net, ns, impl, cdir.resolve("client.conf"), cdir, label);
        peers.add(p);
        return p;
    }

    /** Waits until {@code client} (after {@code skip} log characters) is up, and returns its pool address on tun0 in {@code ns}. */
    String awaitUp(Peer client, String ns, int skip) {
        client.awaitLog("Initialization Sequence Completed", skip, E2eEnv.readyTimeout());
        return poolAddress(ns);
    }

    /** The 10.8.0.x address on tun0 in {@code ns}. */
    String poolAddress(String ns) {
        String addr = net.run(ns, Duration.ofSeconds(5), "ip", "-4", "-o", "addr", "show", "dev", "tun0").check().output();
        Matcher m = POOL_ADDRESS.matcher(addr);
        assertTrue(m.find(), ns + ": no pool address on tun0: " + addr);
        return m.group(1);
    }

    /** Waits until a ping from {@code ns} reaches {@code target}; the server and {@code alive} must stay up meanwhile. */
    void awaitPing(String ns, String target, Peer... alive) {
        Peer[] all = new Peer[alive.length + 1];
        all[0] = server;
        System.arraycopy(alive, 0, all, 1, alive.length);
        Peer.awaitTunnel(net, ns, target, Duration.ofSeconds(15), all);
    }

    /** Writes a script (mode 0700) into the server folder; returns its absolute path. */
    Path serverScript(String name, String text) {
        return script(serverDir, name, text);
    }

    static Path script(Path dir, String name, String text) {
        try {
            Files.createDirectories(dir);
            Path p = dir.resolve(name).toAbsolutePath();
            Files.writeString(p, text);
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (up to {@code timeout}) until the log of {@code process} ({@code what}, a helper the test started) holds {@code text}. */
    static void awaitLogText(Path log, Process process, String text, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Pki.read(log).contains(text)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not start: " + Pki.read(log));
            }
            Peer.pause();
        }
    }

    @Override
    public void close() {
        for (int i = peers.size() - 1; i >= 0; i--) {
            peers.get(i).close();
        }
        net.close();
    }
}
