package org.culvert.embed;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.culvert.testkit.MemoryTunHub;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;

/**
 * What the embedding tests share: a Culvert over the test bundle folder (the core, its runtime and the
 * in-memory plugins; the pom builds it), static-key configurations of two memory tunnels {@code a} and
 * {@code b} that reach each other over the test kit's memory network, sending packets through them,
 * and a census of the JVM's threads.
 */
final class MemoryTunnels {
    static final long TIMEOUT_MILLIS = 15_000;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private MemoryTunnels() {
    }

    /** The pom's test bundle folder. */
    static Path bundleDir() {
        return Path.of(System.getProperty("culvert.embed.testBundles", "target/test-bundles"));
    }

    /** A builder over the test bundles that shares the test kit, so the tests reach the memory devices. */
    static Culvert.Builder builder() {
        return Culvert.builder().bundleDir(bundleDir())
                .frameworkProperty("org.osgi.framework.system.packages.extra", "org.culvert.testkit;version=\"1.2.0\"");
    }

    /** OpenVPN's static key file format: 256 random bytes as 16 lines of 32 hex digits between the markers. */
    static String staticKey() {
        byte[] bytes = new byte[256];
        new SecureRandom().nextBytes(bytes);
        StringBuilder sb = new StringBuilder("#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n");
        for (int i = 0; i < bytes.length; i++) {
            sb.append(HEX[(bytes[i] >> 4) & 0xF]).append(HEX[bytes[i] & 0xF]);
            if (i % 16 == 15) {
                sb.append('\n');
            }
        }
        return sb.append("-----END OpenVPN Static key V1-----\n").toString();
    }

    /** Writes {@code static.key} into {@code dir}. */
    static Path writeKey(Path dir) throws IOException {
        Path key = dir.resolve("static.key");
        Files.writeString(key, staticKey(), StandardCharsets.US_ASCII);
        return key;
    }

    /**
     * The configuration text of a static-key memory tunnel whose socket is {@code local} and whose peer
     * is {@code remote}; the key is named as given (relative names resolve against the base folder).
     */
    static String config(String local, String remote, String localIp, String remoteIp, String keyFile, int direction) {
        return "dev tun\n"
                + "proto udp\n"
                + "local " + local + "\n"
                + "lport 1194\n"
                + "remote " + remote + "\n"
                + "rport 1194\n"
                + "ifconfig " + localIp + " " + remoteIp + "\n"
                + "cipher AES-256-CBC\n"
                + "auth SHA256\n"
                + "secret " + keyFile + " " + direction + "\n";
    }

    /**
     * Sends one IPv4/UDP packet into {@code from}'s device as its OS would and checks that it comes out of
     * {@code to}'s device.
     */
    static void send(EmbeddedTunnel from, String fromIp, EmbeddedTunnel to, String toIp, int sequence) throws Exception {
        MemoryTunOsSide in = osSide(from);
        MemoryTunOsSide out = osSide(to);
        byte[] payload = ("packet " + sequence).getBytes(StandardCharsets.US_ASCII);
        byte[] packet = Packets.ipv4Udp((Inet4Address) InetAddress.getByName(fromIp), 40000 + sequence, (Inet4Address) InetAddress.getByName(toIp),
                5001, payload);
        assertTrue(in.inject(packet), "device of " + from.name() + " refused the packet");
        byte[] got = out.take(TIMEOUT_MILLIS);
        assertNotNull(got, "packet " + sequence + " from " + from.name() + " did not come out of " + to.name() + "; " + from.snapshot() + " / "
                + to.snapshot());
        assertTrue(Packets.parseUdp(got).payloadEquals(payload), "payload changed on the way");
    }

    /** Polls {@code t}'s snapshot until {@code condition} holds; fails with the last snapshot at the deadline. */
    static TunnelSnapshot awaitSnapshot(EmbeddedTunnel t, java.util.function.Predicate<TunnelSnapshot> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        while (true) {
            TunnelSnapshot s = t.snapshot();
            if (condition.test(s)) {
                return s;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + TIMEOUT_MILLIS + " ms: " + s);
            }
            Thread.sleep(10); // polling with a deadline: counters have no change notification
        }
    }

    static MemoryTunOsSide osSide(EmbeddedTunnel t) throws InterruptedException {
        String device = t.snapshot().deviceName();
        assertNotNull(device, t.name() + " names no device: " + t.status());
        MemoryTunOsSide side = MemoryTunHub.awaitOsSide(device, TIMEOUT_MILLIS);
        assertNotNull(side, "no memory device " + device + " (open: " + MemoryTunHub.names() + ")");
        return side;
    }

    /** The live threads of the JVM now. */
    static Set<Thread> liveThreads() {
        Set<Thread> s = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive()) {
                s.add(t);
            }
        }
        return s;
    }

    /**
     * Threads alive now that were not in {@code before}, waiting (by joining them) up to a deadline for
     * those that are ending anyway.
     */
    static List<String> newThreads(Set<Thread> before, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            Set<Thread> now = liveThreads();
            now.removeAll(before);
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (now.isEmpty() || left <= 0) {
                List<String> names = new ArrayList<>();
                for (Thread t : now) {
                    names.add(t.getName() + " (" + t.getThreadGroup() + ")");
                }
                return names;
            }
            now.iterator().next().join(left);
        }
    }
}
