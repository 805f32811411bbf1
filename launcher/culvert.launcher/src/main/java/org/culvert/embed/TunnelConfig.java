package org.culvert.embed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.openvpn.config.ConfigException;
import org.culvert.openvpn.config.ConfigParser;

/**
 * What a tunnel is started from: an OpenVPN configuration file, configuration text, or a map of
 * OpenVPN options, plus an optional choice of plugins. Immutable; the {@code with...} methods return
 * copies. Nothing is read or checked until {@link Culvert#start(String, TunnelConfig)}.
 *
 * <h2>Options maps</h2>
 * {@link #fromOptions(Map)} takes option names (with or without the leading {@code --}) to their
 * arguments written as in a configuration file after the name ({@code "10.8.0.1 10.8.0.2"}, quotes
 * allowed), and the empty string for a flag ({@code "persist-tun" -> ""}):
 * <ul>
 * <li>An option given more than once (several {@code route}s or {@code remote}s) takes one line per
 *     occurrence: {@code "route" -> "10.1.0.0 255.255.0.0\n10.2.0.0 255.255.0.0"}.</li>
 * <li>For options OpenVPN accepts as inline blocks ({@code ca}, {@code cert}, {@code key}, {@code secret},
 *     {@code tls-auth}, {@code tls-crypt}, {@code dh}, {@code peer-fingerprint}, ...), a value of several
 *     lines is the block's content (a PEM certificate, a static key) and a one-line value is a file name.</li>
 * <li>Options are applied in the map's iteration order (a {@link LinkedHashMap} keeps the order they
 *     were put in); the lines of one value keep theirs, so several {@code remote}s are tried as written.</li>
 * </ul>
 *
 * <h2>Relative paths</h2>
 * Files a configuration names (keys, certificates, scripts) resolve against the configuration file's
 * folder for {@link #fromFile}, as {@code openvpn --config} is used from that folder, and against the
 * given base folder (default: the working directory when the {@code TunnelConfig} was made) for text
 * and maps.
 */
public final class TunnelConfig {
    /** Options OpenVPN 2.6 accepts as {@code <name>...</name>} blocks; a multi-line value is such a block. */
    static final Set<String> INLINE = Set.of("secret", "ca", "cert", "key", "dh", "tls-auth", "tls-crypt", "tls-crypt-v2",
            "peer-fingerprint", "extra-certs", "pkcs12", "crl-verify", "http-proxy-user-pass", "auth-user-pass");
    private static final Pattern OPTION_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    /** "source[:line]: [--option: ]detail", the shape of the core's one-line configuration errors. */
    private static final Pattern CORE_MESSAGE = Pattern.compile("^(.*?)(?::(\\d+))?: (?:--([a-z0-9-]+)\\b)?.*$");
    static final String TEXT_SOURCE = "config text";
    static final String OPTIONS_SOURCE = "options";

    private enum Kind { FILE, TEXT, OPTIONS }

    private final Kind kind;
    private final Path file;
    private final String text;
    private final Map<String, String> options;
    private final Path baseDir;
    private final String driver;
    private final String backend;
    private final String transport;

    private TunnelConfig(Kind kind, Path file, String text, Map<String, String> options, Path baseDir, String driver, String backend,
            String transport) {
        this.kind = kind;
        this.file = file;
        this.text = text;
        this.options = options;
        this.baseDir = baseDir;
        this.driver = driver;
        this.backend = backend;
        this.transport = transport;
    }

    /** A configuration file, read when the tunnel starts; relative paths in it resolve against its folder. */
    public static TunnelConfig fromFile(Path file) {
        Path f = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        return new TunnelConfig(Kind.FILE, f, null, null, f.getParent(), null, null, null);
    }

    /** Configuration text as in a {@code .conf} file; relative paths resolve against the working directory. */
    public static TunnelConfig fromText(String text) {
        return fromText(text, Path.of("").toAbsolutePath());
    }

    /** Configuration text; relative paths resolve against {@code baseDir}. */
    public static TunnelConfig fromText(String text, Path baseDir) {
        return new TunnelConfig(Kind.TEXT, null, Objects.requireNonNull(text, "text"), null,
                Objects.requireNonNull(baseDir, "baseDir").toAbsolutePath().normalize(), null, null, null);
    }

    /** OpenVPN options by name (see the class comment); relative paths resolve against the working directory. */
    public static TunnelConfig fromOptions(Map<String, String> options) {
        return fromOptions(options, Path.of("").toAbsolutePath());
    }

    /** OpenVPN options by name (see the class comment); relative paths resolve against {@code baseDir}. */
    public static TunnelConfig fromOptions(Map<String, String> options, Path baseDir) {
        // Copied in iteration order; null keys or values are reported at start, naming the option.
        Map<String, String> copy = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(options, "options")));
        return new TunnelConfig(Kind.OPTIONS, null, null, copy, Objects.requireNonNull(baseDir, "baseDir").toAbsolutePath().normalize(),
                null, null, null);
    }

    /**
     * Picks the tun driver: a plugin name ({@code "linux"}, {@code "memory"}) or an LDAP filter over the
     * plugin's service properties ({@code "(culvert.plugin.name=linux)"}). Default: the best-ranked usable one.
     */
    public TunnelConfig withDriver(String nameOrFilter) {
        return new TunnelConfig(kind, file, text, options, baseDir, filter(nameOrFilter), backend, transport);
    }

    /** Picks the event backend (name or LDAP filter, as {@link #withDriver}). */
    public TunnelConfig withBackend(String nameOrFilter) {
        return new TunnelConfig(kind, file, text, options, baseDir, driver, filter(nameOrFilter), transport);
    }

    /** Picks the link transport (name or LDAP filter, as {@link #withDriver}). */
    public TunnelConfig withTransport(String nameOrFilter) {
        return new TunnelConfig(kind, file, text, options, baseDir, driver, backend, filter(nameOrFilter));
    }

    /** The same plugin for all three kinds (e.g. {@code "memory"} for tests). */
    public TunnelConfig withPlugins(String name) {
        String f = filter(name);
        return new TunnelConfig(kind, file, text, options, baseDir, f, f, f);
    }

    private static String filter(String nameOrFilter) {
        String v = Objects.requireNonNull(nameOrFilter, "nameOrFilter").trim();
        return v.startsWith("(") ? v : "(" + PluginProperties.NAME + "=" + v + ")";
    }

    /** The file this configuration is read from, or null for text and options. */
    public Path file() {
        return file;
    }

    /** The folder relative paths resolve against. */
    public Path baseDir() {
        return baseDir;
    }

    @Override
    public String toString() {
        switch (kind) {
            case FILE:
                return "config file " + file;
            case TEXT:
                return "config text (" + text.length() + " chars, base " + baseDir + ")";
            default:
                return "options " + options.keySet() + " (base " + baseDir + ")";
        }
    }

    // --- what Culvert.start uses ---

    /** The plugin filters for {@link TunnelManager#start}, keyed as it wants them. */
    Map<String, String> pluginFilters() {
        Map<String, String> m = new LinkedHashMap<>();
        if (driver != null) {
            m.put(TunnelManager.PROP_DRIVER_TARGET, driver);
        }
        if (backend != null) {
            m.put(TunnelManager.PROP_BACKEND_TARGET, backend);
        }
        if (transport != null) {
            m.put(TunnelManager.PROP_TRANSPORT_TARGET, transport);
        }
        return m;
    }

    /**
     * Reads and checks the configuration on the host's side, so that an error names its option and
     * line in terms the host wrote (the core checks it again, and also checks what only it can: TLS
     * material, scripts).
     */
    Prepared prepare() throws TunnelConfigException {
        Prepared p;
        switch (kind) {
            case FILE:
                String content;
                try {
                    content = Files.readString(file, StandardCharsets.UTF_8);
                } catch (IOException | RuntimeException e) {
                    throw new TunnelConfigException(file + ": cannot read the configuration file: " + e.getMessage(),
                            file.getFileName().toString(), 0, null, e);
                }
                p = new Prepared(content, file.toString(), file.getFileName().toString(), null);
                break;
            case TEXT:
                p = new Prepared(text, baseDir.toString(), TEXT_SOURCE, null);
                break;
            default:
                p = optionsText();
        }
        if (kind != Kind.FILE && !Files.isDirectory(baseDir)) {
            throw new TunnelConfigException(p.label + ": the base folder " + baseDir + " is not a folder", p.label, 0, null, null);
        }
        try {
            ConfigParser.parse(p.text, p.label, baseDir);
        } catch (ConfigException e) {
            throw p.translate(e);
        }
        return p;
    }

    /** The text an options map becomes, unchecked (for tests). */
    String generatedText() throws TunnelConfigException {
        if (kind != Kind.OPTIONS) {
            throw new IllegalStateException("not an options map");
        }
        return optionsText().text;
    }

    private Prepared optionsText() throws TunnelConfigException {
        StringBuilder sb = new StringBuilder();
        List<String[]> lineOwners = new ArrayList<>();
        for (Map.Entry<String, String> e : options.entrySet()) {
            String key = e.getKey() == null ? "" : e.getKey().strip();
            String name = key.startsWith("--") ? key.substring(2) : key;
            if (!OPTION_NAME.matcher(name).matches()) {
                throw new TunnelConfigException(OPTIONS_SOURCE + ": '" + e.getKey() + "' is not an option name (lower-case letters, digits and '-')",
                        OPTIONS_SOURCE, 0, null, null);
            }
            String value = e.getValue();
            if (value == null) {
                throw new TunnelConfigException(OPTIONS_SOURCE + ": --" + name + ": no value (give \"\" for a flag)", OPTIONS_SOURCE, 0, name, null);
            }
            List<String> lines = value.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(java.util.stream.Collectors.toList());
            if (INLINE.contains(name) && lines.size() > 1) {
                // An inline block: its content as given, between <name> and </name>.
                sb.append('<').append(name).append(">\n");
                lineOwners.add(new String[] { name, "1", "1" });
                for (String l : value.strip().split("\\R")) {
                    sb.append(l).append('\n');
                    lineOwners.add(new String[] { name, "1", "1" });
                }
                sb.append("</").append(name).append(">\n");
                lineOwners.add(new String[] { name, "1", "1" });
                continue;
            }
            if (lines.isEmpty()) {
                lines = List.of("");
            }
            for (int i = 0; i < lines.size(); i++) {
                sb.append(name);
                if (!lines.get(i).isEmpty()) {
                    sb.append(' ').append(lines.get(i));
                }
                sb.append('\n');
                lineOwners.add(new String[] { name, Integer.toString(i + 1), Integer.toString(lines.size()) });
            }
        }
        return new Prepared(sb.toString(), baseDir.toString(), OPTIONS_SOURCE, lineOwners);
    }

    /** Checked configuration text, ready for the core, and how to word errors about it. */
    static final class Prepared {
        final String text;
        /** What the core gets as its source: the file, or the base folder (relative paths resolve against it). */
        final String coreSource;
        /** The source as errors name it: the file name, "config text" or "options". */
        final String label;
        /** For options maps: line (index + 1) of the generated text to {option, occurrence, occurrences}. */
        private final List<String[]> lineOwners;

        Prepared(String text, String coreSource, String label, List<String[]> lineOwners) {
            this.text = text;
            this.coreSource = coreSource;
            this.label = label;
            this.lineOwners = lineOwners;
        }

        /** A parser error in the host's terms (for maps: the option and which of its values, not a line). */
        TunnelConfigException translate(ConfigException e) {
            if (lineOwners == null || !OPTIONS_SOURCE.equals(e.source())) {
                return new TunnelConfigException(e.getMessage(), e.source(), e.line(), e.option(), e);
            }
            String prefix = e.source() + (e.line() > 0 ? ":" + e.line() : "") + ": ";
            String rest = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
            String option = e.option();
            if (e.line() > 0 && e.line() <= lineOwners.size()) {
                String[] owner = lineOwners.get(e.line() - 1);
                option = option == null ? owner[0] : option;
                if (!"1".equals(owner[2]) && rest.startsWith("--" + owner[0] + ": ")) {
                    rest = "--" + owner[0] + " (value " + owner[1] + " of " + owner[2] + "): " + rest.substring(owner[0].length() + 4);
                }
            }
            return new TunnelConfigException(OPTIONS_SOURCE + ": " + rest, OPTIONS_SOURCE, 0, option, e);
        }

        /** True if {@code message} is a configuration error about this source, as the core words one. */
        boolean isCoreConfigMessage(String message) {
            return message != null && (message.startsWith(ConfigException.COMMAND_LINE + ":") || message.startsWith(label + ":"));
        }

        /**
         * A configuration error the core found (one the host's parser cannot see, such as TLS material
         * it cannot use), worded with this source's label instead of the core's "command line".
         */
        TunnelConfigException translateCore(org.culvert.api.tunnel.TunnelException e) {
            String message = e.getMessage() == null ? "invalid configuration" : e.getMessage();
            if (message.startsWith(ConfigException.COMMAND_LINE)) {
                message = label + message.substring(ConfigException.COMMAND_LINE.length());
            }
            int line = 0;
            String option = null;
            Matcher m = CORE_MESSAGE.matcher(message);
            if (m.matches()) {
                line = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
                option = m.group(3);
            }
            if (lineOwners != null) {
                line = 0;
            }
            return new TunnelConfigException(message, label, line, option, e);
        }
    }
}
