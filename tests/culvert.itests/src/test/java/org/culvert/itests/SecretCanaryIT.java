package org.culvert.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelState;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * A canary: known keys (a static key, a tls-crypt key and a private key) never appear, as hex in any
 * case with or without separators or as base64, in anything Culvert emits at {@code verb 11}: log
 * lines, status files, management output ({@code status 3}, {@code log all}, {@code state all}, ...),
 * JMX attributes, and the messages of configuration errors on lines that hold the key.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SecretCanaryIT {
    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return HostOptions.host();
    }

    @Test
    public void knownKeysNeverAppearInLogsStatusManagementJmxOrErrors() throws Exception {
        Random random = new Random(0x5ec7e7);
        byte[] staticKey = bytes(random, 256);
        byte[] tlsCryptKey = bytes(random, 256);
        // An --auth-user-pass password, written by the client into every key-method-2 message.
        String password = "canary-" + hex(bytes(random, 16));
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        LogReaderService reader = Platform.awaitService(context, LogReaderService.class, null);
        List<String> emitted = new CopyOnWriteArrayList<>();
        LogListener listener = e -> emitted.add("log " + e.getLoggerName() + " " + e.getMessage()
                + (e.getException() == null ? "" : " " + e.getException()));
        reader.addLogListener(listener);
        String[] names = {"canary-sa", "canary-sb", "canary-ta", "canary-tb"};
        TunnelFiles files = TunnelFiles.create();
        try {
            Path dir = files.write("probe", "").getParent();
            Path staticFile = files.write("canary.key", keyFile(staticKey));
            Path tlsCryptFile = files.write("tc.key", keyFile(tlsCryptKey));
            Identity a = Identity.create(dir, "a");
            Identity b = Identity.create(dir, "b");
            int[] ports = {freePort(), freePort()};
            Path[] statusFiles = {dir.resolve("sa.status"), dir.resolve("ta.status")};

            manager.start("canary-sa", staticConfig("canary-sa", "canary-sb", "10.9.0.1", "10.9.0.2", staticFile, 0)
                    + "management 127.0.0.1 " + ports[0] + "\nstatus " + statusFiles[0] + " 1\nstatus-version 3\n",
                    "sa.conf", Platform.memoryPlugins());
            manager.start("canary-sb", staticConfig("canary-sb", "canary-sa", "10.9.0.2", "10.9.0.1", staticFile, 1),
                    "sb.conf", Platform.memoryPlugins());
            manager.start("canary-ta", tlsConfig("canary-ta", "canary-tb", "10.9.1.1", "10.9.1.2", "tls-server", a, b,
                    tlsCryptFile) + "management 127.0.0.1 " + ports[1] + "\nstatus " + statusFiles[1] + " 1\n",
                    "ta.conf", Platform.memoryPlugins());
            manager.start("canary-tb", tlsConfig("canary-tb", "canary-ta", "10.9.1.2", "10.9.1.1", "tls-client", b, a,
                    tlsCryptFile) + "<auth-user-pass>\ncanary-user\n" + password + "\n</auth-user-pass>\n", "tb.conf",
                    Platform.memoryPlugins());
            for (String name : names) {
                Poll.until(name + " up", Platform.TIMEOUT_MILLIS,
                        () -> manager.get(name).map(t -> t.status().state() == TunnelState.UP).orElse(false),
                        () -> manager.get(name).map(t -> t.status() + " " + t.recentLog()).orElse("gone"));
            }
            Platform.send(manager, "canary-sa", "10.9.0.1", "canary-sb", "10.9.0.2", 1);
            Platform.send(manager, "canary-ta", "10.9.1.1", "canary-tb", "10.9.1.2", 2);
            // A soft restart of each kind, so that key setup and teardown are logged too.
            manager.get("canary-sb").get().signal(TunnelSignal.SIGUSR1);
            manager.get("canary-tb").get().signal(TunnelSignal.SIGUSR1);
            for (String name : new String[] {"canary-sb", "canary-tb"}) {
                Poll.until(name + " up again", Platform.TIMEOUT_MILLIS,
                        () -> manager.get(name).map(t -> t.status().state() == TunnelState.UP).orElse(false),
                        () -> manager.get(name).map(Tunnel::status).orElse(null));
            }

            for (int port : ports) {
                emitted.add("management " + management(port, "state all", "status 1", "status 2", "status 3", "log all",
                        "echo all", "bytecount 0", "version", "pid", "load-stats", "hold", "verb", "mute", "help"));
            }
            for (Path status : statusFiles) {
                Poll.until(status + " written", Platform.TIMEOUT_MILLIS, () -> Files.exists(status) && Files.size(status) > 0,
                        () -> "missing");
                emitted.add("status " + Files.readString(status));
            }
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            for (String name : names) {
                Tunnel t = manager.get(name).get();
                emitted.add("tunnel " + t.status() + " " + t.recentLog());
                ObjectName mbean = new ObjectName("org.culvert:type=Tunnel,name=" + ObjectName.quote(name));
                Poll.until(name + " MBean", Platform.TIMEOUT_MILLIS, () -> server.isRegistered(mbean), () -> "not registered");
                for (MBeanAttributeInfo attribute : server.getMBeanInfo(mbean).getAttributes()) {
                    emitted.add("jmx " + attribute.getName() + "=" + server.getAttribute(mbean, attribute.getName()));
                }
            }

            // Configuration errors on lines that hold a key.
            String badHex = hex(staticKey).substring(0, 100) + "zz" + hex(staticKey).substring(100);
            emitted.add("error " + startError(manager, "canary-e1",
                    "dev tun\nifconfig 10.9.2.1 10.9.2.2\n<secret>\n-----BEGIN OpenVPN Static key V1-----\n" + badHex
                            + "\n-----END OpenVPN Static key V1-----\n</secret>\n"));
            emitted.add("error " + startError(manager, "canary-e2", "dev tun\ntls-client\n<cert>\n" + a.certPem
                    + "</cert>\n<key>\n" + a.keyPem + "</key>\npeer-fingerprint " + b.fingerprint
                    + "\n<tls-auth>\n-----BEGIN OpenVPN Static key V1-----\n" + hex(staticKey).substring(0, 200)
                    + "\n-----END OpenVPN Static key V1-----\n</tls-auth>\n"));
            emitted.add("error " + startError(manager, "canary-e3", "dev tun\ntls-client\n<cert>\n" + b.certPem
                    + "</cert>\n<key>\n" + a.keyPem + "</key>\npeer-fingerprint " + a.fingerprint + "\n"));
            emitted.add("error " + startError(manager, "canary-e4", "dev tun\ntls-client\n<cert>\n" + a.certPem
                    + "</cert>\n<key>\n" + a.keyPem + "</key>\npeer-fingerprint " + b.fingerprint
                    + "\n<tls-crypt>\n-----BEGIN OpenVPN Static key V1-----\n" + hex(tlsCryptKey).substring(0, 200)
                    + "\n-----END OpenVPN Static key V1-----\n</tls-crypt>\n"));

            assertTrue("the logs saw nothing at verb 11: " + emitted, emitted.stream().filter(s -> s.startsWith("log ")).count() > 20);
            for (String s : emitted) {
                assertTrue("a configuration with a bad key started: " + s, !s.startsWith("error started"));
            }
            for (String name : names) {
                assertTrue(name + " logged nothing", emitted.stream().anyMatch(s -> s.startsWith("log org.culvert.tunnel." + name + " ")));
            }
            assertEquals("four configuration errors", 4, emitted.stream().filter(s -> s.startsWith("error ")).count());
            assertTrue("no management output", emitted.stream().anyMatch(s -> s.startsWith("management") && s.contains("CONNECTED")));
            assertNoCanary(emitted, "static key", staticKey);
            assertNoCanary(emitted, "tls-crypt key", tlsCryptKey);
            assertNoCanary(emitted, "private key (DER)", a.keyDer);
            assertNoCanary(emitted, "private key (DER)", b.keyDer);
            assertNoCanary(emitted, "auth-user-pass password", password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (String s : emitted) {
                assertTrue("the auth-user-pass password shows in: " + s.substring(0, Math.min(200, s.length())), !s.contains(password));
            }
            System.out.println("[reliability] secret canary: 0 of " + emitted.size()
                    + " emitted texts (logs at verb 11, status, management, JMX, errors) hold key or password hex, base64 or text"
                    + " (4 memory tunnels)");
        } finally {
            reader.removeLogListener(listener);
            Platform.stopQuietly(manager, names);
            files.close();
        }
    }

    /** The checker must catch what it claims to: a planted key in any of the forms is found. */
    @Test
    public void theCanaryCheckFindsEveryFormOfAKey() {
        byte[] key = bytes(new Random(3), 64);
        String hex = hex(key);
        StringBuilder colons = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            colons.append(hex, 2 * i, 2 * i + 2).append(':');
        }
        for (String planted : new String[] {hex.substring(10, 50), hex.toUpperCase(Locale.ROOT).substring(0, 40),
                colons.toString(), hex.substring(0, 32).replaceAll("(..)", "$1 "),
                Base64.getEncoder().encodeToString(key).substring(8, 40),
                Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(key, 1, 40)).substring(4, 36)}) {
            try {
                assertNoCanary(List.of("line with " + planted + " in it"), "planted", key);
                fail("not found: " + planted);
            } catch (AssertionError expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains("planted"));
            }
        }
        assertNoCanary(List.of("nothing here " + hex(bytes(new Random(4), 64))), "other", key);
    }

    /**
     * Fails if any text holds 12 consecutive bytes of {@code key}: as hex (any case, ignoring ':', ' ',
     * '-' and line breaks) or as base64 at any of the three byte alignments.
     */
    static void assertNoCanary(List<String> texts, String what, byte[] key) {
        int window = 12;
        List<String> hexWindows = new ArrayList<>();
        for (int i = 0; i + window <= key.length; i++) {
            hexWindows.add(hex(java.util.Arrays.copyOfRange(key, i, i + window)));
        }
        List<String> base64Windows = new ArrayList<>();
        for (int align = 0; align < 3; align++) {
            String b64 = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(key, align, key.length));
            for (int i = 0; i + 16 <= b64.length() - 4; i += 4) {
                base64Windows.add(b64.substring(i, i + 16));
            }
        }
        for (String text : texts) {
            String flatHex = text.toLowerCase(Locale.ROOT).replaceAll("[:\\s\\-]", "");
            String flat = text.replaceAll("\\s", "");
            for (String w : hexWindows) {
                if (flatHex.contains(w)) {
                    throw new AssertionError(what + " as hex (" + w + ") in: " + text);
                }
            }
            for (String w : base64Windows) {
                if (flat.contains(w)) {
                    throw new AssertionError(what + " as base64 (" + w + ") in: " + text);
                }
            }
        }
    }

    private static String startError(TunnelManager manager, String name, String config) {
        try {
            Tunnel t = manager.start(name, config, name + ".conf", Platform.memoryPlugins());
            String s = t.status() + " " + t.recentLog();
            return "started " + s;
        } catch (Exception e) {
            StringBuilder sb = new StringBuilder();
            for (Throwable x = e; x != null; x = x.getCause()) {
                sb.append(x).append(" | ");
            }
            return sb.toString();
        } finally {
            Platform.stopQuietly(manager, name);
        }
    }

    /** Sends the commands to a management port and returns everything it answered. */
    private static String management(int port, String... commands) throws IOException, InterruptedException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(300);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            for (String c : commands) {
                out.write((c + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            // Answers end when the interface has been quiet for a while after the last command's reply.
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Platform.TIMEOUT_MILLIS);
            byte[] buf = new byte[8192];
            int quiet = 0;
            while (System.nanoTime() < deadline && quiet < 3) {
                try {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    got.write(buf, 0, n);
                    quiet = 0;
                } catch (SocketTimeoutException e) {
                    if (got.toString(StandardCharsets.UTF_8).contains("help")) {
                        quiet++;
                    }
                }
            }
            out.write("quit\n".getBytes(StandardCharsets.US_ASCII));
            return got.toString(StandardCharsets.UTF_8);
        }
    }

    private static String staticConfig(String local, String remote, String localIp, String remoteIp, Path key, int direction) {
        return "dev tun\nproto udp\nlocal " + local + "\nlport 1194\nremote " + remote + "\nrport 1194\nifconfig " + localIp
                + " " + remoteIp + "\ncipher AES-256-CBC\nauth SHA256\nsecret " + key + " " + direction + "\nverb 11\n";
    }

    private static String tlsConfig(String local, String remote, String localIp, String remoteIp, String role, Identity me,
            Identity peer, Path tlsCrypt) {
        return "dev tun\nproto udp\nlocal " + local + "\nlport 1194\nremote " + remote + "\nrport 1194\nifconfig " + localIp
                + " " + remoteIp + "\n" + role + "\n" + (role.equals("tls-server") ? "dh none\n" : "") + "cert " + me.cert
                + "\nkey " + me.key + "\npeer-fingerprint " + peer.fingerprint + "\ntls-crypt " + tlsCrypt + "\nverb 11\n";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String keyFile(byte[] key) {
        StringBuilder sb = new StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        String hex = hex(key);
        for (int i = 0; i < hex.length(); i += 32) {
            sb.append(hex, i, i + 32).append('\n');
        }
        return sb.append("-----END OpenVPN Static key V1-----\n").toString();
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xFF));
        }
        return sb.toString();
    }

    /** A self-signed EC certificate and its key, made by the stock openvpn's companion, openssl. */
    private static final class Identity {
        final Path cert;
        final Path key;
        final String certPem;
        final String keyPem;
        final byte[] keyDer;
        final String fingerprint;

        private Identity(Path cert, Path key, String fingerprint) throws IOException {
            this.cert = cert;
            this.key = key;
            this.certPem = Files.readString(cert);
            this.keyPem = Files.readString(key);
            StringBuilder body = new StringBuilder();
            for (String line : keyPem.split("\n")) {
                if (!line.startsWith("-----")) {
                    body.append(line.strip());
                }
            }
            this.keyDer = Base64.getDecoder().decode(body.toString());
            this.fingerprint = fingerprint;
        }

        static Identity create(Path dir, String name) throws Exception {
            Path cert = dir.resolve(name + ".crt");
            Path key = dir.resolve(name + ".key");
            run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                    key.toString(), "-out", cert.toString(), "-subj", "/CN=canary-" + name, "-days", "2");
            String fp = run("openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", cert.toString());
            Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            return new Identity(cert, key, fp.substring(fp.indexOf('=') + 1).strip());
        }

        private static String run(String... command) throws Exception {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        }
    }
}
