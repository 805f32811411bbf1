package org.culvert.openvpn.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Parses OpenVPN 2.6 configuration for a point-to-point tunnel, static-key ({@code --secret}) or TLS
 * ({@code --tls-client}/{@code --tls-server}; see {@link TlsOptions}), or for a pull client
 * ({@code --client}; see {@link PullOptions} and {@link PushReply}), or for a server of many clients
 * ({@code --server}, {@code --mode server}; see {@link ServerSettings} and {@link ClientConfigOptions}).
 *
 * <p>Syntax is OpenVPN's: one option per line, {@code #}/{@code ;} comments, {@code "..."} and
 * {@code '...'} quoting with backslash escapes, an optional leading {@code --}, inline
 * {@code <secret>}, {@code <ca>}, {@code <cert>}, {@code <key>}, {@code <dh>}, {@code <tls-auth>},
 * {@code <tls-crypt>} and {@code <peer-fingerprint>} blocks, {@code <connection>} profiles (see
 * {@link ConnectionEntry}), and {@code config FILE} includes (at most 10 deep). Later options override earlier ones, as in OpenVPN. Options OpenVPN knows but
 * Culvert does not implement are refused by name ({@link ConfigException.Reason#UNSUPPORTED_OPTION}),
 * among them server bridging ({@code server-bridge}),
 * security options that a JVM cannot honour ({@code user}, {@code group}, {@code chroot}),
 * {@code no-replay}, and TLS options the engine cannot honour (encrypted keys, CRLs, verify scripts).
 *
 * <p>Stateless and thread-safe; reads the files a configuration names (keys, certificates, includes)
 * during the call and keeps their contents, so nothing is read again later.
 */
public final class ConfigParser {
    private ConfigParser() {
    }

    /**
     * Parses a config file's text.
     *
     * @param sourceName used in messages ("p2p.conf:12: ...")
     * @param baseDir resolves relative file options ({@code secret}, {@code ca}, {@code cert},
     *     {@code key}, {@code dh}, {@code tls-auth}, {@code tls-crypt}, {@code config}, {@code up}
     *     scripts, {@code writepid}): normally the configuration file's folder; may be null to use them
     *     as given
     */
    public static OpenVpnOptions parse(String text, String sourceName, Path baseDir) throws ConfigException {
        Objects.requireNonNull(text, "text");
        String source = sourceName == null ? "config" : sourceName;
        ConfigReader reader = new ConfigReader(baseDir);
        reader.readText(text, source, 1);
        return reader.builder().finish(source);
    }

    /**
     * Parses command-line arguments ({@code --option args...}). {@code --config FILE} reads that file
     * at that point, as openvpn does, and a single argument without dashes is taken as a config file.
     *
     * @param workingDir resolves relative file names; may be null
     */
    public static OpenVpnOptions parseArgs(List<String> args, Path workingDir) throws ConfigException {
        Objects.requireNonNull(args, "args");
        ConfigReader reader = new ConfigReader(workingDir);
        reader.readArgs(args);
        return reader.builder().finish(ConfigException.COMMAND_LINE);
    }
}
