package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.MISSING_ARGUMENT;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.ipv4;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.culvert.openvpn.config.OptionsBuilder.Line;
import org.culvert.openvpn.config.OptionsBuilder.Where;

/**
 * One client's options from its {@code --client-config-dir} file, as OpenVPN 2.6's
 * {@code options_server_import} reads it with {@code CLIENT_CONNECT_OPT_MASK}: the lines go through the
 * same tokenizer and option handlers as a configuration file, but only the per-client options are
 * taken ({@code ifconfig-push}, {@code ifconfig-ipv6-push}, {@code iroute}, {@code iroute-ipv6},
 * {@code push}, {@code push-reset}, {@code push-remove}, {@code disable}, {@code echo}, the timers,
 * {@code max-routes-per-client}). Any other option, an unknown one or a malformed line is logged by
 * name with its line number and skipped, never fatal, as OpenVPN does ({@code D_IMPORT_ERRORS}).
 * Immutable.
 */
public final class ClientConfigOptions {
    /** {@code ifconfig-push local remote-netmask [alias]}. */
    public record IfconfigPush(Inet4Address local, Inet4Address remoteNetmask, Optional<Inet4Address> localAlias) {
        public IfconfigPush {
            Objects.requireNonNull(local, "local");
            Objects.requireNonNull(remoteNetmask, "remoteNetmask");
        }
    }

    /** {@code ifconfig-ipv6-push local/bits [remote]}; the remote defaults to the server's --ifconfig-ipv6 address. */
    public record IfconfigIpv6Push(Inet6Address local, int prefixLength, Inet6Address remote) {
        public IfconfigIpv6Push {
            Objects.requireNonNull(local, "local");
            Objects.requireNonNull(remote, "remote");
        }
    }

    /** {@code iroute network [netmask]}: a subnet behind this client. */
    public record IRoute(Inet4Address network, int prefixLength) {
        public IRoute {
            Objects.requireNonNull(network, "network");
        }
    }

    /** {@code iroute-ipv6 network/bits}. */
    public record IRouteIpv6(Inet6Address network, int prefixLength) {
        public IRouteIpv6 {
            Objects.requireNonNull(network, "network");
        }
    }

    /** One edit of the inherited push list, in file order. */
    public record PushEdit(Kind kind, String text) {
        public enum Kind {
            /** {@code push "text"}: appended. */
            PUSH,
            /** {@code push-reset}: the list so far is dropped. */
            RESET,
            /** {@code push-remove text}: items so far starting with the text are dropped. */
            REMOVE
        }
    }

    private static final ClientConfigOptions EMPTY = new ClientConfigOptions("", new Collector(), List.of(), List.of(),
            OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty());

    private final String source;
    private final Optional<IfconfigPush> ifconfigPush;
    private final Optional<IfconfigIpv6Push> ifconfigIpv6Push;
    private final List<IRoute> iroutes;
    private final List<IRouteIpv6> iroutesIpv6;
    private final List<PushEdit> pushEdits;
    private final boolean disable;
    private final OptionalInt maxRoutesPerClient;
    private final List<String> echo;
    private final OptionalInt ping;
    private final OptionalInt pingRestart;
    private final OptionalInt inactive;
    private final List<String> log;
    private final boolean ifconfigIpv6Blocked;

    private ClientConfigOptions(String source, Collector c, List<String> log, List<String> echo, OptionalInt ping,
            OptionalInt pingRestart, OptionalInt inactive) {
        this.source = source;
        this.ifconfigPush = Optional.ofNullable(c.ifconfigPush);
        this.ifconfigIpv6Push = Optional.ofNullable(c.ifconfigIpv6Push);
        this.iroutes = List.copyOf(c.iroutes);
        this.iroutesIpv6 = List.copyOf(c.iroutes6);
        this.pushEdits = List.copyOf(c.edits);
        this.disable = c.disable;
        this.maxRoutesPerClient = c.maxRoutesPerClient == 0 ? OptionalInt.empty() : OptionalInt.of(c.maxRoutesPerClient);
        this.echo = List.copyOf(echo);
        this.ping = ping;
        this.pingRestart = pingRestart;
        this.inactive = inactive;
        this.log = List.copyOf(log);
        this.ifconfigIpv6Blocked = c.ifconfigIpv6Blocked;
    }

    /** No ccd file: nothing changes for the client. */
    public static ClientConfigOptions empty() {
        return EMPTY;
    }

    /**
     * Reads a ccd file's text. Never fails: what cannot be taken is in {@link #log()}.
     *
     * @param source the file's name, for the log ({@code ccd/alice:3: ...})
     * @param server the server's configuration: {@code ifconfig-ipv6-push} without a remote takes its
     *     {@code --ifconfig-ipv6} address
     * @param baseDir resolves relative file names; may be null
     */
    public static ClientConfigOptions parse(String text, String source, OpenVpnOptions server, Path baseDir) {
        Objects.requireNonNull(text, "text");
        OptionsBuilder b = new OptionsBuilder(refusing("cannot be used in a client-config-dir file"));
        b.pushed = true;
        b.server.clientConfig = true;
        b.server.client.serverIpv6 = server == null ? null : server.ifconfigIpv6().map(IfConfigIpv6::local).orElse(null);
        List<String> log = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int n = i + 1;
            List<String> words;
            try {
                words = LineTokenizer.tokenize(lines[i]);
            } catch (LineTokenizer.SyntaxError e) {
                log.add(source + ":" + n + ": malformed line (" + e.getMessage() + "), skipped");
                continue;
            }
            if (words.isEmpty()) {
                continue;
            }
            String name = words.get(0).startsWith("--") && words.get(0).length() > 2 ? words.get(0).substring(2)
                    : words.get(0);
            String shown = PushReply.shown(name);
            if (!OptionRegistry.STANDARD.isKnown(name)) {
                log.add(source + ":" + n + ": Unrecognized option or missing parameter(s): " + shown + ", skipped");
                continue;
            }
            if (!ServerOptions.CLIENT_CONNECT_OPTIONS.contains(name)) {
                log.add(source + ":" + n + ": option '" + shown + "' cannot be used in this context (" + source
                        + "), skipped");
                continue;
            }
            try {
                b.apply(new Line(name, List.copyOf(words.subList(1, words.size())), false, new Where(source, n), baseDir, 0));
            } catch (ConfigException e) {
                log.add(PushReply.shown(e.getMessage()) + ", skipped");
            }
        }
        return new ClientConfigOptions(source, b.server.client, log, b.echo,
                b.pingWhere == null ? OptionalInt.empty() : OptionalInt.of(b.ping),
                b.pingRecWhere == null ? OptionalInt.empty() : OptionalInt.of(b.pingRecTimeout),
                b.inactive == 0 ? OptionalInt.empty() : OptionalInt.of(b.inactive));
    }

    /** An includer for option text that may not include files or blocks (a push, a ccd file): refuses both. */
    static OptionsBuilder.Includer refusing(String why) {
        return new OptionsBuilder.Includer() {
            @Override
            public void include(Path file, String displayName, Where from, int depth) throws ConfigException {
                throw new ConfigException(ConfigException.Reason.UNSUPPORTED_OPTION, from.source(), from.line(), "config",
                        why);
            }

            @Override
            public void readBlock(OptionsBuilder target, String t, Where at, int depth) throws ConfigException {
                throw new ConfigException(ConfigException.Reason.UNSUPPORTED_OPTION, at.source(), at.line(), "connection",
                        why);
            }
        };
    }

    /**
     * These options, then {@code later}'s over them, as OpenVPN imports a ccd file and then a
     * client-connect script's file into the same instance: a later {@code ifconfig-push} or timer
     * replaces, iroutes, push edits, echo texts and log lines accumulate, {@code disable} sticks.
     */
    public ClientConfigOptions then(ClientConfigOptions later) {
        Collector c = new Collector();
        List<String> echoes = new ArrayList<>();
        List<String> logs = new ArrayList<>();
        for (ClientConfigOptions o : List.of(this, later)) {
            o.ifconfigPush.ifPresent(v -> c.ifconfigPush = v);
            o.ifconfigIpv6Push.ifPresent(v -> c.ifconfigIpv6Push = v);
            c.iroutes.addAll(o.iroutes);
            c.iroutes6.addAll(o.iroutesIpv6);
            c.edits.addAll(o.pushEdits);
            c.disable |= o.disable;
            o.maxRoutesPerClient.ifPresent(v -> c.maxRoutesPerClient = v);
            echoes.addAll(o.echo);
            logs.addAll(o.log);
        }
        // Within one file the flag already follows its order; a later ifconfig-ipv6-push undoes an earlier block.
        c.ifconfigIpv6Blocked = later.ifconfigIpv6Push.isPresent() ? later.ifconfigIpv6Blocked
                : ifconfigIpv6Blocked || later.ifconfigIpv6Blocked;
        return new ClientConfigOptions(source.isEmpty() ? later.source : later.source.isEmpty() ? source
                : source + "+" + later.source, c, logs, echoes, later.ping.isPresent() ? later.ping : ping,
                later.pingRestart.isPresent() ? later.pingRestart : pingRestart,
                later.inactive.isPresent() ? later.inactive : inactive);
    }

    /** The file it was read from, as given to {@link #parse}; empty for {@link #empty()}. */
    public String source() {
        return source;
    }

    public Optional<IfconfigPush> ifconfigPush() {
        return ifconfigPush;
    }

    public Optional<IfconfigIpv6Push> ifconfigIpv6Push() {
        return ifconfigIpv6Push;
    }

    public List<IRoute> iroutes() {
        return iroutes;
    }

    public List<IRouteIpv6> iroutesIpv6() {
        return iroutesIpv6;
    }

    /** {@code push}, {@code push-reset}, {@code push-remove}, in file order. */
    public List<PushEdit> pushEdits() {
        return pushEdits;
    }

    /** {@code disable}: the client is refused (AUTH_FAILED). */
    public boolean disable() {
        return disable;
    }

    public OptionalInt maxRoutesPerClient() {
        return maxRoutesPerClient;
    }

    public List<String> echo() {
        return echo;
    }

    /** A {@code ping} for this client's instance (not pushed: push it with {@code push "ping n"}). */
    public OptionalInt ping() {
        return ping;
    }

    public OptionalInt pingRestart() {
        return pingRestart;
    }

    public OptionalInt inactive() {
        return inactive;
    }

    /** What was skipped, one line each, naming the file, line and option. */
    public List<String> log() {
        return log;
    }

    /**
     * The push list of this client: {@code inherited} (the server's, {@link ServerSettings#push()}) after
     * this file's edits, as OpenVPN's instance copy of the options after {@code push}/{@code push-reset}/
     * {@code push-remove}.
     */
    public List<String> applyPush(List<String> inherited) {
        List<String> out = new ArrayList<>(inherited);
        for (PushEdit e : pushEdits) {
            switch (e.kind()) {
                case PUSH -> out.add(e.text());
                case RESET -> out.clear();
                case REMOVE -> {
                    // ifconfig and ifconfig-ipv6 are not in the list: they block the generated lines instead.
                    if (!e.text().equals("ifconfig") && !e.text().equals("ifconfig-ipv6")) {
                        out.removeIf(s -> s.startsWith(e.text()));
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        return out;
    }

    /** {@code push-remove ifconfig}: no generated {@code ifconfig} line. */
    public boolean ifconfigBlocked() {
        return pushEdits.stream().anyMatch(e -> e.kind() == PushEdit.Kind.REMOVE && e.text().equals("ifconfig"));
    }

    /** {@code push-remove ifconfig-ipv6} not undone by a later {@code ifconfig-ipv6-push}. */
    public boolean ifconfigIpv6Blocked() {
        return ifconfigIpv6Blocked;
    }

    @Override
    public String toString() {
        return "ClientConfigOptions[" + source + ": ifconfigPush=" + ifconfigPush + ", ifconfigIpv6Push="
                + ifconfigIpv6Push + ", iroutes=" + iroutes + ", iroutesIpv6=" + iroutesIpv6 + ", pushEdits=" + pushEdits
                + ", disable=" + disable + "]";
    }

    /** The per-client options while a ccd file is read (the handlers in {@link ServerOptions} write it). */
    static final class Collector {
        Inet6Address serverIpv6;
        IfconfigPush ifconfigPush;
        IfconfigIpv6Push ifconfigIpv6Push;
        boolean ifconfigIpv6Blocked;
        final List<IRoute> iroutes = new ArrayList<>();
        final List<IRouteIpv6> iroutes6 = new ArrayList<>();
        final List<PushEdit> edits = new ArrayList<>();
        boolean disable;
        int maxRoutesPerClient;

        void push(String text) {
            edits.add(new PushEdit(PushEdit.Kind.PUSH, text));
        }

        void pushReset() {
            edits.add(new PushEdit(PushEdit.Kind.RESET, ""));
        }

        void pushRemove(String text) {
            edits.add(new PushEdit(PushEdit.Kind.REMOVE, text));
            if (text.equals("ifconfig-ipv6")) {
                ifconfigIpv6Blocked = true;
            }
        }

        void ifconfigPush(Line l) throws ConfigException {
            Inet4Address local = ipv4(l, 0);
            Inet4Address remote = ipv4(l, 1);
            if (AddressMath.u32(local) == 0 || AddressMath.u32(remote) == 0) {
                throw error(BAD_VALUE, l, "cannot parse --ifconfig-push addresses");
            }
            ifconfigPush = new IfconfigPush(local, remote, l.count() == 3 ? Optional.of(ipv4(l, 2)) : Optional.empty());
        }

        void ifconfigIpv6Push(Line l) throws ConfigException {
            String[] parts = ServerOptions.prefix(l, l.arg(0));
            Inet6Address local = OptionArgs.ipv6(l, parts[0]);
            int bits = OptionArgs.prefixLength(l, parts[1], 128);
            Inet6Address remote;
            if (l.count() == 2) {
                remote = OptionArgs.ipv6(l, l.arg(1));
            } else if (serverIpv6 != null) {
                remote = serverIpv6;
            } else {
                throw error(MISSING_ARGUMENT, l, "second argument to --ifconfig-ipv6-push missing and no global"
                        + " --ifconfig-ipv6 address set");
            }
            ifconfigIpv6Push = new IfconfigIpv6Push(local, bits, remote);
            ifconfigIpv6Blocked = false;
        }

        void iroute(Line l) throws ConfigException {
            Inet4Address network = ipv4(l, 0);
            int bits = 32;
            if (l.count() == 2) {
                bits = AddressMath.netbits(ipv4(l, 1));
                if (bits < 0) {
                    throw error(BAD_VALUE, l, "bad netmask: " + l.arg(1));
                }
            }
            long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
            if ((AddressMath.u32(network) & ~mask) != 0) {
                throw error(BAD_VALUE, l, "network " + l.arg(0) + " has host bits set for netmask /" + bits);
            }
            iroutes.add(new IRoute(network, bits));
        }

        void iroute6(Line l) throws ConfigException {
            String[] parts = l.arg(0).indexOf('/') >= 0 ? ServerOptions.prefix(l, l.arg(0)) : new String[] {l.arg(0), "128"};
            iroutes6.add(new IRouteIpv6(OptionArgs.ipv6(l, parts[0]), OptionArgs.prefixLength(l, parts[1], 128)));
        }
    }
}
