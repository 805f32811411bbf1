package org.culvert.shell.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.culvert.api.event.EventBackend;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.plugin.Plugin;
import org.culvert.api.plugin.PluginMatch;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tunnel.ClientStatus;
import org.culvert.api.tunnel.CredentialsRequest;
import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelException;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelStatus;
import org.culvert.api.tunnel.TunnelManager;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The operator's {@code tunnel:} commands in the Felix Gogo shell. Commands return text for the
 * shell to print; a user error (bad config line, unknown tunnel) is thrown as one
 * {@link IllegalArgumentException} line, never a stack trace.
 */
@Component(service = TunnelCommands.class, property = {
        "osgi.command.scope=tunnel",
        "osgi.command.function=tunnel",
        "osgi.command.function=start",
        "osgi.command.function=stop",
        "osgi.command.function=list",
        "osgi.command.function=status",
        "osgi.command.function=restart",
        "osgi.command.function=signal",
        "osgi.command.function=hold",
        "osgi.command.function=log",
        "osgi.command.function=auth",
        "osgi.command.function=plugins" })
public final class TunnelCommands {
    @Reference
    private TunnelManager manager;
    private BundleContext context;

    @Activate
    void activate(BundleContext ctx) {
        this.context = ctx;
    }

    /**
     * Gogo's {@code help NAME} looks up a command by its function name, not by scope; this function
     * is what makes {@code help tunnel} (as README suggests) describe the scope.
     */
    @Descriptor("Culvert's tunnel commands: tunnel:start, tunnel:stop, tunnel:list, tunnel:status, tunnel:restart,"
            + " tunnel:signal, tunnel:hold, tunnel:auth, tunnel:log, tunnel:plugins, tunnel:clients, tunnel:kill;"
            + " 'help tunnel:NAME' describes one,"
            + " 'tunnel' lists them with their descriptions")
    public String tunnel() {
        return overview();
    }

    /** One line per command of this scope, from the same {@link Descriptor}s {@code help} shows. */
    static String overview() {
        java.util.SortedMap<String, String> lines = new java.util.TreeMap<>();
        for (Class<?> type : List.of(TunnelCommands.class, ServerClientCommands.class)) {
            for (java.lang.reflect.Method m : type.getMethods()) {
                Descriptor d = m.getAnnotation(Descriptor.class);
                if (d != null && m.getDeclaringClass() == type && !m.getName().equals("tunnel")) {
                    lines.merge("tunnel:" + m.getName(), d.value(), (a, b) -> a.length() >= b.length() ? a : b);
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        lines.forEach((name, text) -> sb.append(String.format("%-15s %s%n", name, text)));
        return sb.append("help tunnel:NAME shows a command's options and arguments").toString();
    }

    @Descriptor("Start a tunnel from an OpenVPN configuration file")
    public String start(
            @Descriptor("pick the tun driver: a plugin name (linux, wintun, memory...) or an LDAP filter")
            @Parameter(names = { "-d", "--driver" }, absentValue = "") String driver,
            @Descriptor("pick the event backend: a plugin name (epoll, poll, nio...) or an LDAP filter")
            @Parameter(names = { "-b", "--backend" }, absentValue = "") String backend,
            @Descriptor("pick the link transport: a plugin name (udp, tcp, memory...) or an LDAP filter")
            @Parameter(names = { "-t", "--transport" }, absentValue = "") String transport,
            @Descriptor("tunnel name (letters, digits, '.', '_', '-')") String name,
            @Descriptor("path of the OpenVPN configuration file") String configFile) {
        Path path = Path.of(configFile).toAbsolutePath();
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such file: " + path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage());
        }
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put(TunnelManager.PROP_DRIVER_TARGET, filter(driver));
        filters.put(TunnelManager.PROP_BACKEND_TARGET, filter(backend));
        filters.put(TunnelManager.PROP_TRANSPORT_TARGET, filter(transport));
        try {
            Tunnel t = manager.start(name, text, path.toString(), filters);
            return "tunnel " + t.name() + " started: " + t.status();
        } catch (TunnelException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** A bare plugin name is shorthand for a filter on culvert.plugin.name. */
    static String filter(String nameOrFilter) {
        if (nameOrFilter == null || nameOrFilter.isBlank()) {
            return "";
        }
        String s = nameOrFilter.trim();
        return s.startsWith("(") ? s : "(" + PluginProperties.NAME + "=" + s + ")";
    }

    @Descriptor("Stop a tunnel and forget its configuration")
    public String stop(@Descriptor("tunnel name") String name) {
        try {
            manager.stop(name);
            return "tunnel " + name + " stopped";
        } catch (TunnelException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    @Descriptor("List tunnels, one line each: name, state, device, plugins")
    public String list() {
        List<Tunnel> tunnels = manager.list();
        if (tunnels.isEmpty()) {
            return "no tunnels";
        }
        StringBuilder sb = new StringBuilder(String.format("%-16s %-13s %-10s %s%n", "NAME", "STATE", "DEVICE", "PLUGINS"));
        for (Tunnel t : tunnels) {
            sb.append(String.format("%-16s %-13s %-10s %s%n", t.name(), t.status().state(),
                    t.deviceName() == null ? "-" : t.deviceName(), pluginNames(t)));
        }
        return sb.toString().trim();
    }

    private Tunnel tunnel(String name) {
        return manager.get(name).orElseThrow(() -> new IllegalArgumentException("no tunnel named '" + name + "'"));
    }

    @Descriptor("Restart a tunnel: reconnect keeping the device under --persist-tun (OpenVPN's SIGUSR1), or with --hard re-read its configuration file and reopen the device (SIGHUP)")
    public String restart(
            @Descriptor("re-read the configuration and reopen the device (SIGHUP)")
            @Parameter(names = { "-h", "--hard" }, presentValue = "true", absentValue = "false") boolean hard,
            @Descriptor("tunnel name") String name) {
        Tunnel t = tunnel(name);
        t.signal(hard ? TunnelSignal.SIGHUP : TunnelSignal.SIGUSR1);
        return "tunnel " + t.name() + ": " + (hard ? "SIGHUP" : "SIGUSR1") + " sent";
    }

    @Descriptor("Send an OpenVPN signal to a tunnel: SIGUSR1 (restart), SIGHUP (re-read and restart), SIGUSR2 (log statistics), SIGTERM (stop, keeping its configuration)")
    public String signal(@Descriptor("tunnel name") String name,
            @Descriptor("SIGUSR1, SIGHUP, SIGUSR2 or SIGTERM (the SIG prefix may be left out)") String signal) {
        Tunnel t = tunnel(name);
        String wanted = signal.trim().toUpperCase(java.util.Locale.ROOT);
        if (!wanted.startsWith("SIG")) {
            wanted = "SIG" + wanted;
        }
        TunnelSignal s;
        try {
            s = TunnelSignal.valueOf(wanted);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown signal '" + signal + "': use SIGUSR1, SIGHUP, SIGUSR2 or SIGTERM");
        }
        t.signal(s);
        return "tunnel " + t.name() + ": " + s + " sent";
    }

    @Descriptor("Show a tunnel's hold flag (OpenVPN's --management-hold) and whether it is holding")
    public String hold(@Descriptor("tunnel name") String name) {
        Tunnel t = tunnel(name);
        return "tunnel " + t.name() + ": hold flag " + (t.holdFlag() ? "on" : "off") + (t.isHolding() ? ", holding" : "");
    }

    @Descriptor("Change a tunnel's hold: 'on' or 'off' sets the flag that holds it before each (re)connection; 'release' lets a held tunnel connect")
    public String hold(@Descriptor("tunnel name") String name, @Descriptor("on, off or release") String action) {
        Tunnel t = tunnel(name);
        switch (action.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "on":
                t.setHoldFlag(true);
                return "tunnel " + t.name() + ": hold flag on";
            case "off":
                t.setHoldFlag(false);
                return "tunnel " + t.name() + ": hold flag off";
            case "release":
                t.releaseHold();
                return "tunnel " + t.name() + ": hold released";
            default:
                throw new IllegalArgumentException("unknown hold action '" + action + "': use on, off or release");
        }
    }

    @Descriptor("Give a tunnel waiting for its --auth-user-pass credentials (state WAITING, CREDENTIALS_NEEDED) the username;"
            + " the password, and the response to a challenge, are asked without echo")
    public String auth(CommandSession session, @Descriptor("tunnel name") String name,
            @Descriptor("username (ignored when only a password or a challenge response is asked)") String user) {
        return answer(session, name, user, null);
    }

    @Descriptor("Give a tunnel waiting for its --auth-user-pass credentials the username and password"
            + " (a password typed here stays in the shell's history: prefer the prompt)")
    public String auth(CommandSession session, @Descriptor("tunnel name") String name, @Descriptor("username") String user,
            @Descriptor("password") String password) {
        return answer(session, name, user, password.toCharArray());
    }

    private String answer(CommandSession session, String name, String user, char[] given) {
        Tunnel t = tunnel(name);
        CredentialsRequest r = t.pendingCredentials().orElseThrow(
                () -> new IllegalArgumentException("tunnel " + t.name() + " is not waiting for credentials (" + t.status() + ")"));
        char[] password = given;
        char[] response = null;
        try {
            if (password == null && r.needsPassword()) {
                password = Prompts.read(session, "Enter Auth Password: ", false);
            }
            if (r.challenge().isPresent()) {
                response = Prompts.read(session, (r.dynamicChallenge() ? "CHALLENGE: " : "") + r.challenge().get() + " ",
                        r.echoResponse());
            }
            if (!r.supply(user, password, response)) {
                throw new IllegalArgumentException("tunnel " + t.name() + ": the credentials were not taken (already given,"
                        + " no username, no input, or longer than 4095 bytes)");
            }
            return "tunnel " + t.name() + ": credentials given (not yet verified by the server)";
        } finally {
            Prompts.wipe(password);
            Prompts.wipe(response);
        }
    }

    @Descriptor("Show a tunnel's newest log lines (as --verb and --mute let them through)")
    public String log(
            @Descriptor("how many lines, newest last (default 20)") @Parameter(names = { "-n", "--lines" }, absentValue = "20") int lines,
            @Descriptor("tunnel name") String name) {
        if (lines < 1) {
            throw new IllegalArgumentException("--lines must be at least 1, not " + lines);
        }
        List<TunnelLogEntry> entries = tunnel(name).recentLog();
        StringBuilder sb = new StringBuilder();
        for (TunnelLogEntry e : entries.subList(Math.max(0, entries.size() - lines), entries.size())) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(e.time()).append(' ').append(e.level()).append(' ').append(e.message());
        }
        return sb.length() == 0 ? "no log lines" : sb.toString();
    }

    /** The plugins' names for tunnel:list. */
    static String pluginNames(Tunnel t) {
        java.util.StringJoiner names = new java.util.StringJoiner(",");
        t.plugins().values().forEach(names::add);
        return names.length() == 0 ? "-" : names.toString();
    }

    @Descriptor("Show a tunnel's state, the reason when it is not up, its plugins, connection and counters")
    public String status(@Descriptor("tunnel name") String name) {
        return statusText(tunnel(name));
    }

    /** The text of {@code tunnel:status}. */
    static String statusText(Tunnel t) {
        TunnelCounters c = t.counters();
        StringBuilder sb = new StringBuilder();
        TunnelStatus status = t.status();
        sb.append("tunnel    ").append(t.name()).append('\n');
        sb.append("state     ").append(status.state()).append(" since ").append(status.since()).append('\n');
        if (status.reason() != org.culvert.api.tunnel.TunnelReason.NONE) {
            sb.append("reason    ").append(status.reason());
            if (!status.detail().isEmpty()) {
                sb.append(": ").append(status.detail());
            }
            sb.append('\n');
        }
        ClientStatus client = status.clientState();
        if (client != null) {
            // OpenVPN's management state, as its "state" command would show it.
            sb.append("openvpn   ").append(client.state()).append(client.description().isEmpty() ? "" : "," + client.description())
                    .append(" since ").append(client.time()).append('\n');
        }
        sb.append("device    ").append(t.deviceName() == null ? "-" : t.deviceName()).append('\n');
        TunnelConnection conn = t.connection();
        if (conn.linkLocal() != null) {
            sb.append("link      ").append(conn.linkLocal()).append(" -> ").append(conn.linkRemote() == null ? "(peer not yet known)" : conn.linkRemote())
                    .append('\n');
        }
        if (conn.linkRemote() != null) {
            sb.append("server    ").append(conn.linkRemote()).append('\n');
        }
        if (conn.lastHandshake() != null) {
            sb.append("keys made ").append(conn.lastHandshake()).append(conn.role().isEmpty() ? "" : " (" + conn.role() + ")").append('\n');
        }
        List<String> settings = conn.settings().lines();
        if (!settings.isEmpty()) {
            sb.append("settings  ").append(conn.settings().pushed() ? "pushed by the server" : "from the configuration").append('\n');
            settings.forEach(l -> sb.append("  ").append(l).append('\n'));
        }
        if (t.isHolding()) {
            sb.append("hold      waiting for a release (tunnel:hold ").append(t.name()).append(" release)\n");
        }
        t.plugins().forEach((k, v) -> sb.append(String.format("%-9s %s%n", k.replace("link-", "").replace("event-", "").replace("tun-", ""), v)));
        if (!t.offloads().isEmpty()) {
            sb.append("offloads  ").append(t.offloads()).append('\n');
        }
        sb.append(String.format("tun read  %d packets, %d bytes%n", c.tunReadPackets(), c.tunReadBytes()));
        sb.append(String.format("tun write %d packets, %d bytes%n", c.tunWritePackets(), c.tunWriteBytes()));
        sb.append(String.format("link read %d packets, %d bytes%n", c.linkReadPackets(), c.linkReadBytes()));
        sb.append(String.format("link write %d packets, %d bytes%n", c.linkWritePackets(), c.linkWriteBytes()));
        sb.append("restarts  ").append(c.restarts()).append('\n');
        sb.append("drops     ").append(c.totalDrops());
        for (Map.Entry<DropReason, Long> e : c.drops().entrySet()) {
            sb.append("\n  ").append(e.getKey()).append(' ').append(e.getValue());
        }
        return sb.toString();
    }

    @Descriptor("List every registered tun driver, event backend and link transport, with its properties and whether it is usable here")
    public String plugins() {
        String os = context.getProperty("org.osgi.framework.os.name");
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-15s %-13s %-7s %-8s %-12s %-22s %s", "KIND", "NAME", "RANKING", "OS", "HANDLES", "SERVES", "USABLE"));
        listPlugins(TunDriver.class, PluginProperties.TUN_LAYERS, os, rows);
        listPlugins(EventBackend.class, null, os, rows);
        listPlugins(LinkTransport.class, PluginProperties.LINK_PROTOCOLS, os, rows);
        return String.join("\n", rows);
    }

    private <T> void listPlugins(Class<T> type, String servesKey, String os, List<String> rows) {
        ServiceReference<T>[] refs;
        try {
            @SuppressWarnings("unchecked")
            ServiceReference<T>[] r = (ServiceReference<T>[]) context.getServiceReferences(type.getName(), null);
            refs = r;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (refs == null) {
            return;
        }
        for (ServiceReference<T> ref : refs) {
            Map<String, Object> props = new LinkedHashMap<>();
            for (String k : ref.getPropertyKeys()) {
                props.put(k, ref.getProperty(k));
            }
            String usable;
            if (!PluginMatch.osMatches(props, os)) {
                usable = "no: built for " + PluginMatch.text(props, PluginProperties.OS);
            } else {
                T service = context.getService(ref);
                try {
                    usable = service instanceof Plugin && !((Plugin) service).availability().isAvailable()
                            ? "no: " + ((Plugin) service).availability().cause() : "yes";
                } finally {
                    context.ungetService(ref);
                }
            }
            // A driver whose devices have nothing to wait on (dev null) registers no handle kinds.
            String handles = PluginMatch.text(props, PluginProperties.HANDLE_KINDS);
            rows.add(String.format("%-15s %-13s %-7d %-8s %-12s %-22s %s", PluginMatch.text(props, PluginProperties.KIND),
                    PluginMatch.text(props, PluginProperties.NAME), PluginMatch.ranking(props), PluginMatch.text(props, PluginProperties.OS),
                    handles.isEmpty() ? "none" : handles.replace("POSIX_FD", "fd").replace("NIO_CHANNEL", "channel")
                            .replace("WIN32_EVENT", "win32-event").replace("SIGNAL", "signal"),
                    servesKey == null ? "-" : PluginMatch.text(props, servesKey), usable));
        }
    }
}
