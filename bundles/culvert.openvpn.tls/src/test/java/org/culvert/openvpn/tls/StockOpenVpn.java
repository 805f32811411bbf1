package org.culvert.openvpn.tls;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A stock {@code openvpn} process for interoperability tests: started with the given arguments,
 * its output collected line by line, and killed by PID when closed.
 */
final class StockOpenVpn implements AutoCloseable {
    private final Process process;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final Thread reader;

    StockOpenVpn(Path dir, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openvpn");
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        process = pb.start();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process went away
            }
        }, "openvpn-log");
        reader.setDaemon(true);
        reader.start();
    }

    static boolean available() {
        for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(p, "openvpn"))) {
                return true;
            }
        }
        return false;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    boolean logContains(String text) {
        synchronized (lines) {
            for (String l : lines) {
                if (l.contains(text)) {
                    return true;
                }
            }
        }
        return false;
    }

    int logCount(String text) {
        int n = 0;
        synchronized (lines) {
            for (String l : lines) {
                if (l.contains(text)) {
                    n++;
                }
            }
        }
        return n;
    }

    String tail(int n) {
        synchronized (lines) {
            StringBuilder sb = new StringBuilder();
            for (int i = Math.max(0, lines.size() - n); i < lines.size(); i++) {
                sb.append(lines.get(i)).append('\n');
            }
            return sb.toString();
        }
    }

    String grep(String text) {
        StringBuilder sb = new StringBuilder();
        synchronized (lines) {
            for (String l : lines) {
                if (l.contains(text)) {
                    sb.append(l).append('\n');
                }
            }
        }
        return sb.toString();
    }

    /** Kills the process by PID and waits for it. */
    @Override
    public void close() {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
                process.waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static boolean await(long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
