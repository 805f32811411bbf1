package org.culvert.tun.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;

/**
 * A throw-away network namespace that the <em>calling thread</em> enters ({@code setns(2)} is per
 * thread) and leaves again on {@link #close()}, which also deletes the namespace. Everything a test
 * opens from that thread in between (tun devices, sockets, {@code ip} children) lives in it.
 */
final class NetNs implements AutoCloseable {
    final String name;
    private final Thread owner;
    private int originalNs = -1;

    private NetNs(String name) {
        this.name = name;
        this.owner = Thread.currentThread();
    }

    /** True when this process may create namespaces and tun devices (root with /dev/net/tun). */
    static boolean supported() {
        return new java.io.File("/dev/net/tun").exists() && new java.io.File("/proc/thread-self/ns/net").exists()
                && "root".equals(System.getProperty("user.name"));
    }

    static NetNs enter() throws IOException, InterruptedException {
        NetNs ns = new NetNs("culvert-t" + Integer.toHexString(ThreadLocalRandom.current().nextInt() >>> 4));
        run("ip", "netns", "add", ns.name);
        try {
            run("ip", "-n", ns.name, "link", "set", "lo", "up");
            ns.originalNs = open("/proc/thread-self/ns/net");
            int target = open("/run/netns/" + ns.name);
            try {
                if (LibC.setns(target, LibC.CLONE_NEWNET) != 0) {
                    throw new IOException(Errno.message("setns " + ns.name, LibC.errno()));
                }
            } finally {
                LibC.close(target);
            }
            return ns;
        } catch (IOException | InterruptedException | RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    private static int open(String path) throws IOException {
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException(Errno.message("open " + path, LibC.errno()));
        }
        return fd;
    }

    /** Runs {@code ip} inside the namespace (from any thread) and returns its output. */
    String ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        return run(command.toArray(new String[0]));
    }

    /** Like {@link #ip} but returns null instead of failing. */
    String ipOrNull(String... args) {
        try {
            return ip(args);
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + text);
        }
        return text;
    }

    /** Returns the owning thread to its namespace and deletes this one. Idempotent. */
    @Override
    public void close() {
        if (originalNs >= 0) {
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("close from the thread that entered the namespace");
            }
            if (LibC.setns(originalNs, LibC.CLONE_NEWNET) != 0) {
                throw new IllegalStateException(Errno.message("setns back", LibC.errno()));
            }
            LibC.close(originalNs);
            originalNs = -1;
        }
        try {
            run("ip", "netns", "del", name);
        } catch (IOException | InterruptedException e) {
            // Already gone (or never created).
        }
    }
}
