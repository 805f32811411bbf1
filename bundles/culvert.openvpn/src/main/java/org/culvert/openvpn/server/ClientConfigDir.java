package org.culvert.openvpn.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.culvert.openvpn.config.ClientConfigOptions;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.ServerSettings;

/**
 * OpenVPN 2.6's {@code --client-config-dir} ({@code multi.c multi_client_connect_source_ccd}):
 * {@code <dir>/<CN>}, else {@code <dir>/DEFAULT}, read through {@link ClientConfigOptions#parse}; and
 * {@code --ccd-exclusive} ({@code ssl_verify.c}): a client without its own file (DEFAULT does not count,
 * nor a CN named DEFAULT) is refused.
 *
 * <p>The common name becomes a file name as {@code platform_gen_path} makes it: every byte that is not
 * printable ASCII, and every {@code /}, is replaced by {@code _}, and {@code .} and {@code ..} are
 * refused, so that no name reaches outside the folder. Reads the file at each call (OpenVPN reads it
 * at each connect, so an edit applies to the next connection). Stateless and thread-safe.
 */
public final class ClientConfigDir {
    /** OpenVPN's {@code CCD_DEFAULT}. */
    public static final String DEFAULT = "DEFAULT";
    /** A ccd file larger than this is not read (a ccd file is a few lines). */
    static final long MAX_FILE = 1 << 20;

    /** What a lookup found. */
    public enum Status {
        /** {@code <dir>/<CN>} was read. */
        CLIENT_FILE,
        /** No file of the client's; {@code <dir>/DEFAULT} was read. */
        DEFAULT_FILE,
        /** Neither file: the client gets the server's options only. */
        NO_FILE,
        /** {@code --ccd-exclusive} and no file of the client's, or a name that is no safe file name: refuse the client. */
        REFUSED
    }

    /**
     * The outcome of a lookup.
     *
     * @param file the file read, if any
     * @param message for REFUSED, OpenVPN's log line; else empty
     */
    public record Result(Status status, ClientConfigOptions options, Optional<Path> file, Optional<String> message) {
    }

    private final Path dir;
    private final boolean exclusive;
    private final OpenVpnOptions server;

    /**
     * @param dir the folder ({@link ServerSettings#clientConfigDir()})
     * @param exclusive {@link ServerSettings#ccdExclusive()}
     * @param server the server's configuration ({@code ifconfig-ipv6-push} defaults need it)
     */
    public ClientConfigDir(Path dir, boolean exclusive, OpenVpnOptions server) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.exclusive = exclusive;
        this.server = server;
    }

    /** The ccd of a server's settings, or empty without {@code --client-config-dir}. */
    public static Optional<ClientConfigDir> of(OpenVpnOptions server) {
        ServerSettings s = server.server().orElseThrow(() -> new IllegalArgumentException("not a server configuration"));
        return s.clientConfigDir().map(d -> new ClientConfigDir(d, s.ccdExclusive(), server));
    }

    /**
     * {@code platform_gen_path}: the file name of a common name, or empty for {@code .}, {@code ..} or an
     * empty name.
     */
    public static Optional<String> safeFileName(String commonName) {
        if (commonName == null || commonName.isEmpty()) {
            return Optional.empty();
        }
        byte[] b = commonName.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(b.length);
        for (byte x : b) {
            int c = x & 0xFF;
            sb.append(c < 0x20 || c >= 0x7F || c == '/' ? '_' : (char) c);
        }
        String name = sb.toString();
        return name.equals(".") || name.equals("..") ? Optional.empty() : Optional.of(name);
    }

    /**
     * Looks up and reads the client's file.
     *
     * @throws IOException a file exists but cannot be read
     */
    public Result read(String commonName) throws IOException {
        Optional<String> name = safeFileName(commonName);
        Path own = name.map(dir::resolve).orElse(null);
        boolean ownExists = own != null && Files.isRegularFile(own);
        if (exclusive && (!ownExists || DEFAULT.equals(commonName))) {
            return new Result(Status.REFUSED, ClientConfigOptions.empty(), Optional.empty(), Optional.of(
                    "TLS Auth Error: --client-config-dir authentication failed for common name '" + shown(commonName)
                    + "' file='" + (own == null ? "UNDEF" : own.toString()) + "'"));
        }
        if (ownExists) {
            return new Result(Status.CLIENT_FILE, parse(own), Optional.of(own), Optional.empty());
        }
        Path fallback = dir.resolve(DEFAULT);
        if (Files.isRegularFile(fallback)) {
            return new Result(Status.DEFAULT_FILE, parse(fallback), Optional.of(fallback), Optional.empty());
        }
        return new Result(Status.NO_FILE, ClientConfigOptions.empty(), Optional.empty(), Optional.empty());
    }

    private ClientConfigOptions parse(Path file) throws IOException {
        if (Files.size(file) > MAX_FILE) {
            throw new IOException(file + ": larger than " + MAX_FILE + " bytes, not a client-config-dir file");
        }
        return ClientConfigOptions.parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), file.toString(), server, dir);
    }

    private static String shown(String s) {
        return s == null ? "" : s.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
