package org.culvert.itests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A scratch folder holding an OpenVPN static key and the configurations of memory tunnels that use
 * it. Lives under the build's {@code target/} (the pom passes {@code culvert.itest.workdir}) and is
 * deleted by {@link #close()}, which is idempotent and never throws.
 */
final class TunnelFiles implements AutoCloseable {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private final Path dir;
    private final Path key;

    private TunnelFiles(Path dir, Path key) {
        this.dir = dir;
        this.key = key;
    }

    /** A new folder with a fresh random 2048-bit static key in it. */
    static TunnelFiles create() throws IOException {
        Path base = Paths.get(System.getProperty("culvert.itest.workdir", System.getProperty("java.io.tmpdir")));
        Files.createDirectories(base);
        Path dir = Files.createTempDirectory(base, "tunnels");
        Path key = dir.resolve("static.key");
        Files.writeString(key, staticKey(new SecureRandom()), StandardCharsets.US_ASCII);
        return new TunnelFiles(dir, key);
    }

    /** OpenVPN's static key file format: 256 bytes as 16 lines of 32 hex digits between the markers. */
    static String staticKey(SecureRandom random) {
        byte[] bytes = new byte[256];
        random.nextBytes(bytes);
        StringBuilder sb = new StringBuilder("#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n");
        for (int i = 0; i < bytes.length; i++) {
            sb.append(HEX[(bytes[i] >> 4) & 0xF]).append(HEX[bytes[i] & 0xF]);
            if (i % 16 == 15) {
                sb.append('\n');
            }
        }
        return sb.append("-----END OpenVPN Static key V1-----\n").toString();
    }

    /**
     * The configuration of a static-key tunnel over the memory transport: its socket is called
     * {@code local}, its peer's {@code remote}; {@code direction} is the key direction (0 on one end,
     * 1 on the other). Extra lines are appended as given.
     */
    String memoryConfig(String local, String remote, String localIp, String remoteIp, int direction, String... extraLines) {
        StringBuilder sb = new StringBuilder()
                .append("dev tun\n")
                .append("proto udp\n")
                .append("local ").append(local).append('\n')
                .append("lport 1194\n")
                .append("remote ").append(remote).append('\n')
                .append("rport 1194\n")
                .append("ifconfig ").append(localIp).append(' ').append(remoteIp).append('\n')
                .append("cipher AES-256-CBC\n")
                .append("auth SHA256\n")
                .append("secret ").append(key.toAbsolutePath()).append(' ').append(direction).append('\n');
        for (String line : extraLines) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    /** The folder, for other files a test keeps with the key (logs of the processes it starts). */
    Path dir() {
        return dir;
    }

    /** The static key file. */
    Path key() {
        return key;
    }

    /** Writes {@code text} to {@code fileName} in the folder and returns its absolute path. */
    Path write(String fileName, String text) throws IOException {
        Path p = dir.resolve(fileName);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p.toAbsolutePath();
    }

    @Override
    public void close() {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // Leftovers under target/ are harmless; a failing test must report its own failure, not this.
        }
    }
}
