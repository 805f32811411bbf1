package org.culvert.openvpn.config;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.culvert.openvpn.config.OptionsBuilder.Line;
import org.culvert.openvpn.config.OptionsBuilder.Where;

/**
 * A pull client's reading of the server's PUSH_REPLY messages, as OpenVPN 2.6's
 * {@code process_incoming_push_reply} and {@code apply_push_options} do it: each comma-separated item
 * goes through {@code --pull-filter} (a prefix match on the raw text), is tokenised like a
 * configuration line, checked against the pull mask of permission classes, and applied by the same
 * option handler a configuration file uses, onto an overlay of the client's options. A refused,
 * unknown or malformed item is logged by name, counted and skipped, never fatal; the pull fails only
 * where OpenVPN's does (a filter's {@code reject}, a cipher outside {@code --data-ciphers}, a
 * compression the client does not allow).
 *
 * <p>Parts are accumulated while an item {@code push-continuation 2} says more follow; scalars
 * overwrite, routes accumulate. Not thread-safe; one instance per pull. Allocates (control channel only).
 */
public final class PushReply {
    /** OpenVPN 2.6's default {@code --tun-mtu-max}: a pushed tun-mtu above it is capped. */
    public static final int TUN_MTU_MAX = 1600;
    /** Items taken over all parts, after which the rest are skipped: a server cannot make us hoard. */
    static final int MAX_ITEMS = 1024;
    /** OpenVPN's OPTION_LINE_SIZE: a longer item is cut, and the rest is read as the next item. */
    static final int MAX_ITEM = 255;
    private static final String PREFIX = "PUSH_REPLY";
    private static final String SOURCE = "[PUSH-OPTIONS]";
    /**
     * Windows-only options a server may push to all its clients; OpenVPN on Linux does not know them
     * and skips them, so they are ignored here with a quieter line.
     */
    private static final Set<String> WINDOWS_ONLY = Set.of("block-outside-dns", "register-dns", "dhcp-renew",
            "dhcp-release", "dhcp-pre-release", "ip-win32", "tap-sleep", "route-method", "win-sys");

    /** What a message did to the pull. */
    public enum Status {
        /** More parts follow ({@code push-continuation 2}). */
        MORE,
        /** The last part was applied: {@link #result()} is ready. */
        COMPLETE,
        /** A {@code --pull-filter reject} matched: the session restarts (SIGUSR1). */
        REJECTED,
        /** The push cannot be used (OpenVPN's {@code process-push-msg-failed}): the session restarts. */
        FAILED,
        /** Not a PUSH_REPLY at all (a bad push/pull message): logged, ignored. */
        NOT_A_REPLY
    }

    private final OpenVpnOptions base;
    private final PullOptions pull;
    private final Set<PullPermission> mask;
    private final OptionsBuilder pushed = new OptionsBuilder(ClientConfigOptions.refusing("cannot be pushed"));
    private final List<String> accepted = new ArrayList<>();
    private final Set<String> applied = new HashSet<>();
    private final List<String> log = new ArrayList<>();
    private int items;
    private int skipped;
    private String failure;
    private PushedOptions result;

    /** @param base the client's configuration; must be in pull mode */
    public PushReply(OpenVpnOptions base) {
        this.base = base;
        this.pull = base.pull().orElseThrow(() -> new IllegalArgumentException("not a pull configuration"));
        this.mask = PullPermission.pullMask(pull.routeNopull());
        pushed.pushed = true;
    }

    /**
     * Takes one control message. Once {@link Status#COMPLETE} was returned, a later PUSH_REPLY (an
     * {@code auth-token} after a renegotiation) starts a fresh overlay of its own: call on a new instance.
     */
    public Status offer(String message) {
        if (result != null || failure != null) {
            throw new IllegalStateException("this push is already " + (result != null ? "complete" : "failed"));
        }
        if (!message.startsWith(PREFIX) || (message.length() > PREFIX.length() && message.charAt(PREFIX.length()) != ',')) {
            log.add("WARNING: bad push/pull message: " + shown(message));
            return Status.NOT_A_REPLY;
        }
        int continuation = 0;
        String body = message.length() > PREFIX.length() ? message.substring(PREFIX.length() + 1) : "";
        for (String item : items(body)) {
            Status s = item(item);
            if (s == Status.REJECTED || s == Status.FAILED) {
                return s;
            }
            if (s == Status.MORE) {
                continuation = 2;
            } else if (item.startsWith("push-continuation")) {
                continuation = 1;
            }
        }
        if (continuation == 2) {
            return Status.MORE;
        }
        return finish();
    }

    /** Lines to log, in order, since the last call (each names the item it is about); clears them. */
    public List<String> takeLog() {
        List<String> out = List.copyOf(log);
        log.clear();
        return out;
    }

    /** Items refused, unknown, malformed, filtered or beyond the limit so far. */
    public int skipped() {
        return skipped;
    }

    /** Why the pull failed or was rejected, or null. */
    public String failure() {
        return failure;
    }

    /** The overlay, once {@link #offer} returned {@link Status#COMPLETE}. */
    public PushedOptions result() {
        if (result == null) {
            throw new IllegalStateException("the push is not complete");
        }
        return result;
    }

    /** Splits on commas (no escaping in OpenVPN), cutting items longer than OpenVPN's line size as it does. */
    static List<String> items(String body) {
        List<String> out = new ArrayList<>();
        for (String part : body.split(",", -1)) {
            for (int i = 0; i < part.length(); i += MAX_ITEM) {
                out.add(part.substring(i, Math.min(part.length(), i + MAX_ITEM)));
            }
        }
        return out;
    }

    /** One item; MORE only for {@code push-continuation 2}. */
    private Status item(String item) {
        if (item.isBlank()) {
            return Status.COMPLETE;
        }
        // Leading blanks are skipped before matching, as OpenVPN's apply_pull_filter does.
        String raw = item.stripLeading();
        for (PullFilter f : pull.filters()) {
            if (!f.matches(raw)) {
                continue;
            }
            if (f.action() == PullFilter.Action.IGNORE) {
                log.add("Pushed option removed by filter: '" + shown(item) + "'");
                skipped++;
                return Status.COMPLETE;
            }
            if (f.action() == PullFilter.Action.REJECT) {
                failure = "Pushed option rejected by filter: '" + shown(item) + "'. Restarting.";
                log.add(failure);
                return Status.REJECTED;
            }
            break; // accept
        }
        if (++items > MAX_ITEMS) {
            if (items == MAX_ITEMS + 1) {
                log.add("WARNING: more than " + MAX_ITEMS + " pushed options; the rest are skipped");
            }
            skipped++;
            return Status.COMPLETE;
        }
        List<String> words;
        try {
            words = LineTokenizer.tokenize(item, LineTokenizer.MAX_PARAMETERS);
        } catch (LineTokenizer.SyntaxError e) {
            // Named by its first word only: the rest may be a credential (a mangled auth-token).
            String first = raw.split("\\s", 2)[0];
            return skip("Options error: malformed pushed option '" + shown(first) + "' (" + e.reason() + "), skipped");
        }
        if (words.isEmpty()) {
            return Status.COMPLETE;
        }
        String name = words.get(0);
        List<String> args = words.subList(1, words.size());
        OptionRegistry registry = OptionRegistry.STANDARD;
        if (WINDOWS_ONLY.contains(name)) {
            log.add("Ignoring Windows-only pushed option '" + shown(name) + "'");
            skipped++;
            return Status.COMPLETE;
        }
        if (!registry.isKnown(name)) {
            return skip("Options error: Unrecognized option or missing or extra parameter(s) in " + SOURCE + ":"
                    + items + ": " + shown(name) + " (pushed option skipped)");
        }
        OptionRegistry.Handler handler = registry.handler(name);
        Line line = new Line(name, List.copyOf(args), false, new Where(SOURCE, items), null, 0);
        if (handler == null) {
            // Said before the permission check: "cannot be used" would blame the server for Culvert's gap.
            return skip("pushed option '" + shown(name) + "' skipped: " + registry.refusal(line).getMessage());
        }
        Set<PullPermission> classes = EnumSet.noneOf(PullPermission.class);
        classes.addAll(registry.permission(name));
        classes.retainAll(mask);
        if (classes.isEmpty()) {
            return skip("Options error: option '" + shown(name) + "' cannot be used in this context (" + SOURCE + ")");
        }
        try {
            handler.apply(pushed, line);
        } catch (ConfigException e) {
            return skip("Options error: " + e.getMessage() + " (pushed option skipped)");
        }
        for (String w : pushed.warnings) {
            log.add(w);
        }
        pushed.warnings.clear();
        applied.add(name);
        // Tokens are credentials: shown by name only, as OpenVPN 2.6 redacts them in its log.
        accepted.add(name.startsWith("auth-token") ? name + " [REDACTED]" : item);
        if (name.equals("push-continuation") && pushed.pushContinuation == 2) {
            return Status.MORE;
        }
        return Status.COMPLETE;
    }

    private Status skip(String message) {
        log.add(message);
        skipped++;
        return Status.COMPLETE;
    }

    /** The final part is in: OpenVPN's checks of do_deferred_options, then the overlay. */
    private Status finish() {
        Optional<Compression> compression = Optional.empty();
        if (applied.contains("comp-lzo") || applied.contains("compress")) {
            Compression c = pushed.compression;
            boolean stub = c == Compression.NONE || c == Compression.LZO_STUB || c == Compression.STUB
                    || c == Compression.STUB_V2;
            boolean allowed = base.allowCompression().map(a -> a != AllowCompression.NO).orElse(false);
            if (!stub && !allowed) {
                return fail("server pushed compression settings that are not allowed and will result in a"
                        + " non-working connection (" + pushed.compressionOption + "); see --allow-compression");
            }
            compression = Optional.of(c);
        }
        Optional<String> cipher = Optional.empty();
        if (applied.contains("cipher")) {
            String name = pushed.cipherName;
            boolean listed = base.dataCiphers().stream().anyMatch(n -> n.equalsIgnoreCase(name))
                    || base.dataCiphersFallback().map(f -> f.equalsIgnoreCase(name)).orElse(false);
            if (!listed) {
                return fail("pushed cipher '" + shown(name) + "' is not in --data-ciphers ("
                        + String.join(":", base.dataCiphers()) + ")");
            }
            cipher = Optional.of(name.toUpperCase(Locale.ROOT));
        }
        OptionalInt tunMtu = OptionalInt.empty();
        if (applied.contains("tun-mtu")) {
            int mtu = pushed.tunMtu;
            if (mtu > TUN_MTU_MAX) {
                // OpenVPN's words; it would suggest tun-mtu-max, which Culvert does not take yet.
                log.add("Server-pushed tun-mtu is too large (" + mtu + "); using tun-mtu-max " + TUN_MTU_MAX);
                mtu = TUN_MTU_MAX;
            }
            tunMtu = OptionalInt.of(mtu);
        }
        Topology topology = applied.contains("topology") ? pushed.topology : base.topology();
        Optional<IfConfig> ifconfig = pushed.ifconfig != null ? Optional.of(pushed.ifconfig) : base.ifconfig();
        Optional<IfConfigIpv6> ifconfig6 = pushed.ifconfigIpv6 != null ? Optional.of(pushed.ifconfigIpv6)
                : base.ifconfigIpv6();
        RouteSettings routeSettings;
        try {
            routeSettings = overlay(base.routeSettings(), pushed.routing.finish(pushed));
        } catch (ConfigException e) {
            // e.g. a dns server without an address: OpenVPN fails the pull (options_postprocess_pull).
            return fail(shown(e.getMessage()));
        }
        List<Route> routes = new ArrayList<>(base.routes());
        for (OptionsBuilder.RawRoute r : pushed.routes) {
            java.net.Inet4Address gw = r.gateway() != null ? r.gateway()
                    : routeSettings.routeGateway().orElseGet(() -> defaultGateway(topology, ifconfig));
            if (gw == null) {
                log.add("OpenVPN ROUTE: OpenVPN needs a gateway parameter for a --route option and no default was"
                        + " specified by either --route-gateway or --ifconfig options (route "
                        + r.network().getHostAddress() + " skipped)");
                skipped++;
                continue;
            }
            OptionalInt metric = r.metric().isPresent() || routeSettings.routeMetric() == 0 ? r.metric()
                    : OptionalInt.of(routeSettings.routeMetric());
            routes.add(new Route(r.network(), r.netmask(), gw, metric, r.specialNetwork(), r.specialGateway()));
        }
        List<RouteIpv6> routes6 = new ArrayList<>(base.routesIpv6());
        for (OptionsBuilder.RawRoute6 r : pushed.routes6) {
            java.net.Inet6Address gw = r.gateway() != null ? r.gateway() : ifconfig6.map(IfConfigIpv6::remote).orElse(null);
            routes6.add(new RouteIpv6(r.network(), r.bits(), Optional.ofNullable(gw), r.metric()));
        }
        boolean pingRec = applied.contains("ping-restart") || applied.contains("ping-exit");
        result = new PushedOptions(accepted, ifconfig, ifconfig6, topology, routes, routes6, tunMtu,
                applied.contains("ping") ? OptionalInt.of(pushed.ping) : OptionalInt.empty(),
                pingRec && !pushed.pingExitAction ? OptionalInt.of(pushed.pingRecTimeout) : OptionalInt.empty(),
                pingRec && pushed.pingExitAction ? OptionalInt.of(pushed.pingRecTimeout) : OptionalInt.empty(),
                applied.contains("inactive") ? OptionalInt.of(pushed.inactive) : OptionalInt.empty(),
                applied.contains("explicit-exit-notify") ? OptionalInt.of(pushed.explicitExitNotify) : OptionalInt.empty(),
                cipher, pushed.peerId == null ? OptionalInt.empty() : OptionalInt.of(pushed.peerId),
                pushed.keyDerivationEkm, pushed.ccExit, pushed.dynTlsCrypt, compression, pushed.echo, pushed.setenvSafe,
                routeSettings, Optional.ofNullable(pushed.authToken), Optional.ofNullable(pushed.authTokenUser));
        return Status.COMPLETE;
    }

    /**
     * The gateway of a pushed route that names none (or {@code vpn_gateway}): the ifconfig peer in
     * tun net30/p2p; in topology subnet and tap, {@code route-gateway}, which Culvert does not take
     * yet, so such routes are skipped as OpenVPN skips them without one.
     */
    private java.net.Inet4Address defaultGateway(Topology topology, Optional<IfConfig> ifconfig) {
        if (base.devType() == DevType.TUN && topology != Topology.SUBNET && ifconfig.isPresent()) {
            return ifconfig.get().remoteOrNetmask();
        }
        return null;
    }

    /**
     * The configuration's route settings with the pushed ones over them, as OpenVPN's options struct
     * after a pull: scalars the server set replace the configuration's, dhcp-options accumulate, dns
     * servers replace those of the same priority.
     */
    static RouteSettings overlay(RouteSettings base, RouteSettings p) {
        List<String> foreign = new ArrayList<>(base.foreignOptions());
        foreign.addAll(p.foreignOptions());
        List<DnsOptions.Server> servers = new ArrayList<>(p.dns().servers());
        for (DnsOptions.Server s : base.dns().servers()) {
            if (p.dns().servers().stream().noneMatch(x -> x.priority() == s.priority())) {
                servers.add(s);
            }
        }
        DnsOptions dns = new DnsOptions(p.dns().searchDomains().isEmpty() ? base.dns().searchDomains()
                : p.dns().searchDomains(), servers);
        return new RouteSettings(p.routeGateway().isPresent() ? p.routeGateway() : base.routeGateway(),
                base.routeGatewayDhcp() || p.routeGatewayDhcp(), p.routeMetric() > 0 ? p.routeMetric() : base.routeMetric(),
                base.routeNoexec(), p.routeDelay() >= 0 ? p.routeDelay() : base.routeDelay(),
                p.routeDelay() >= 0 ? p.routeDelayWindow() : base.routeDelayWindow(),
                p.redirect().enabled() || p.redirect().ipv6() ? p.redirect() : base.redirect(), foreign, dns,
                base.blockIpv6() || p.blockIpv6());
    }

    private Status fail(String why) {
        failure = why;
        log.add("OPTIONS ERROR: " + why + "; process-push-msg-failed");
        return Status.FAILED;
    }

    /** At most 256 printable characters of untrusted text, for the log. */
    static String shown(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 256));
        for (int i = 0; i < s.length() && i < 256; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return sb.toString();
    }
}
