package org.culvert.management.internal;

import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelServer;
import org.culvert.api.tunnel.TunnelSignal;

/**
 * The management commands and their answers, line for line as OpenVPN 2.6 answers them in
 * point-to-point mode (manage.c {@code man_dispatch_command} and the functions it calls:
 * {@code man_history} for {@code state}/{@code log}/{@code echo}, {@code man_hold},
 * {@code man_signal}, {@code man_bytecount}, {@code man_need} for missing parameters).
 *
 * <p>Server-mode commands ({@link ServerCommands}) act on a tunnel whose {@code server()} is present;
 * for any other they get OpenVPN's own point-to-point answer ("not supported by the current
 * daemon mode"). {@code username}/{@code password} answer {@link ManagementPasswords}; commands
 * Culvert has no counterpart for (needok, remote, proxy, ...) get OpenVPN's unknown-command line. {@code help} lists what Culvert implements.
 *
 * <p>Used on the management thread only; stateless apart from the settings it was made with.
 */
final class ManagementCommands {
    private static final System.Logger LOG = System.getLogger("org.culvert.management");
    static final String UNKNOWN = "ERROR: unknown command, enter 'help' for more options";
    private static final List<String> SERVER_ONLY = List.of("kill", "client-kill", "client-deny", "client-auth",
            "client-auth-nt", "client-pending-auth", "nclients");

    private final String product;
    private final long pid;
    private final ManagementClock clock;
    private final ZoneId zone;

    /**
     * @param product what {@code version} and {@code help} name, e.g. "Culvert 0.1.0 x86_64-linux [Java 17]"
     */
    ManagementCommands(String product, long pid, ManagementClock clock, ZoneId zone) {
        this.product = product;
        this.pid = pid;
        this.clock = clock;
        this.zone = zone;
    }

    /**
     * Runs one command line from a verified client.
     *
     * @return false when the client asked to leave ({@code exit}, {@code quit})
     */
    boolean execute(TunnelEndpoint endpoint, ClientSession client, String line) {
        CommandLineParser.Result parsed = CommandLineParser.parse(line);
        if (parsed.error != null) {
            client.send(parsed.error);
            return true;
        }
        List<String> p = parsed.parameters;
        if (p.isEmpty()) {
            return true; // Empty lines and comments: no answer, as in OpenVPN.
        }
        try {
            return dispatch(endpoint, client, p);
        } catch (RuntimeException e) {
            // The tunnel failed under us (e.g. its component went away mid-command).
            client.send("ERROR: command failed: " + e.getClass().getSimpleName());
            return true;
        }
    }

    private boolean dispatch(TunnelEndpoint endpoint, ClientSession client, List<String> p) {
        Tunnel tunnel = endpoint.tunnel();
        String command = p.get(0);
        switch (command) {
            case "exit":
            case "quit":
                client.closeAfterFlush();
                return false;
            case "help":
                help(client);
                break;
            case "version":
                if (p.size() > 1) {
                    // OpenVPN 2.6 records the client's version silently; there is nothing to record here.
                    break;
                }
                client.send("OpenVPN Version: " + product);
                client.send("Management Version: 5");
                client.send("END");
                break;
            case "pid":
                client.send("SUCCESS: pid=" + pid);
                break;
            case "signal":
                if (need(client, p, 1, false)) {
                    signal(endpoint, client, p.get(1));
                }
                break;
            case "status":
                status(tunnel, client, p.size() > 1 ? CommandLineParser.atoi(p.get(1)) : 0);
                break;
            case "load-stats":
                loadStats(tunnel, client);
                break;
            case "state":
                if (p.size() == 1) {
                    history(endpoint, client, "1", Kind.STATE);
                } else {
                    history(endpoint, client, p.get(1), Kind.STATE);
                    if (p.size() > 2) {
                        history(endpoint, client, p.get(2), Kind.STATE);
                    }
                }
                break;
            case "log":
            case "echo":
                if (need(client, p, 1, true)) {
                    Kind kind = command.equals("log") ? Kind.LOG : Kind.ECHO;
                    history(endpoint, client, p.get(1), kind);
                    if (p.size() > 2) {
                        history(endpoint, client, p.get(2), kind);
                    }
                }
                break;
            case "hold":
                hold(endpoint, client, p.size() > 1 ? p.get(1) : null);
                break;
            case "username":
                if (need(client, p, 2, false)) {
                    client.send(endpoint.passwords().username(p.get(1), p.get(2)));
                }
                break;
            case "password":
                if (need(client, p, 2, false)) {
                    client.send(endpoint.passwords().password(p.get(1), p.get(2)));
                }
                break;
            case "bytecount":
                if (need(client, p, 1, false)) {
                    bytecount(client, CommandLineParser.atoi(p.get(1)));
                }
                break;
            case "verb":
                if (p.size() > 1) {
                    unsupported(client, "verb");
                } else {
                    client.send("SUCCESS: verb=" + tunnel.operations().verb());
                }
                break;
            case "mute":
                if (p.size() > 1) {
                    unsupported(client, "mute");
                } else {
                    client.send("SUCCESS: mute=" + tunnel.operations().mute());
                }
                break;
            default:
                int i = SERVER_ONLY.indexOf(command);
                if (i >= 0) {
                    serverOnly(tunnel, client, p, command);
                } else {
                    client.send(UNKNOWN);
                }
                break;
        }
        return true;
    }

    /** OpenVPN's {@code man_need}: the error line when fewer than {@code n} parameters follow the command. */
    private static boolean need(ClientSession client, List<String> p, int n, boolean atLeast) {
        if (p.size() > n) {
            return true;
        }
        client.send("ERROR: the '" + p.get(0) + "' command requires " + (atLeast ? "at least " : "") + n + " parameter"
                + (n > 1 ? "s" : ""));
        return false;
    }

    private static void unsupported(ClientSession client, String command) {
        client.send("ERROR: The '" + command + "' command is not supported by the current daemon mode");
    }

    /**
     * Server-mode commands: OpenVPN checks their parameters, then runs them on a server; in p2p mode it
     * says it cannot do them.
     */
    private static void serverOnly(Tunnel tunnel, ClientSession client, List<String> p, String command) {
        boolean ok;
        switch (command) {
            case "kill":
                ok = need(client, p, 1, false);
                break;
            case "client-kill":
                ok = need(client, p, 1, true);
                break;
            case "client-deny":
                ok = need(client, p, 3, true);
                break;
            case "client-auth":
            case "client-auth-nt":
                ok = need(client, p, 2, false);
                break;
            case "client-pending-auth":
                ok = need(client, p, 4, false);
                break;
            default:
                ok = true;
                break;
        }
        if (!ok) {
            return;
        }
        TunnelServer server = tunnel.server().orElse(null);
        if (server == null) {
            unsupported(client, command);
            return;
        }
        switch (command) {
            case "kill":
                ServerCommands.kill(server, client, p.get(1));
                break;
            case "client-kill":
                ServerCommands.clientKill(server, client, p.get(1), p.size() > 2 ? p.get(2) : null);
                break;
            case "client-deny":
                ServerCommands.clientDeny(server, client, p, LOG);
                break;
            case "client-auth":
            case "client-auth-nt":
                ServerCommands.clientAuth(server, client, p.get(1), p.get(2), command.equals("client-auth"));
                break;
            case "client-pending-auth":
                ServerCommands.clientPendingAuth(server, client, p);
                break;
            default: // nclients
                client.send("SUCCESS: nclients=" + ServerCommands.establishedClients(server));
                break;
        }
    }

    private void help(ClientSession client) {
        client.send("Management Interface for " + product);
        client.send("Commands:");
        client.send("bytecount n            : Show bytes in/out, update every n secs (0=off).");
        client.send("echo [on|off] [N|all]  : Like log, but only show messages in echo buffer.");
        client.send("exit|quit              : Close management session.");
        client.send("help                   : Print this message.");
        client.send("client-auth CID KID    : Authenticate client-id/key-id CID/KID (MULTILINE)");
        client.send("client-auth-nt CID KID : Authenticate client-id/key-id CID/KID");
        client.send("client-deny CID KID R [CR] : Deny auth client-id/key-id CID/KID with log reason");
        client.send("                             text R and optional client reason text CR");
        client.send("client-pending-auth CID KID MSG timeout : Instruct OpenVPN to send AUTH_PENDING and INFO_PRE msg");
        client.send("                                      to the client and wait for a final client-auth/client-deny");
        client.send("client-kill CID [M]    : Kill client instance CID with message M (def=RESTART)");
        client.send("hold [on|off|release]  : Set/show hold flag to on/off state, or");
        client.send("                         release current hold and start tunnel.");
        client.send("kill cn                : Kill the client instance(s) having common name cn.");
        client.send("kill IP:port           : Kill the client instance connecting from IP:port.");
        client.send("load-stats             : Show global server load stats.");
        client.send("log [on|off] [N|all]   : Turn on/off realtime log display");
        client.send("                         + show last N lines or 'all' for entire history.");
        client.send("mute                   : Show log mute level.");
        client.send("password type p        : Enter password p for a queried OpenVPN password.");
        client.send("pid                    : Show process ID of the current OpenVPN process.");
        client.send("signal s               : Send signal s to daemon,");
        client.send("                         s = SIGHUP|SIGTERM|SIGUSR1|SIGUSR2.");
        client.send("state [on|off] [N|all] : Like log, but show state history.");
        client.send("status [n]             : Show current daemon status info using format #n.");
        client.send("username type u        : Enter username u for a queried OpenVPN username.");
        client.send("verb                   : Show log verbosity level.");
        client.send("version [n]            : Set client's version to n or show current version of daemon.");
        client.send("END");
    }

    private void signal(TunnelEndpoint endpoint, ClientSession client, String name) {
        TunnelSignal signal;
        switch (name) {
            case "SIGHUP":
                signal = TunnelSignal.SIGHUP;
                break;
            case "SIGUSR1":
                signal = TunnelSignal.SIGUSR1;
                break;
            case "SIGUSR2":
                signal = TunnelSignal.SIGUSR2;
                break;
            case "SIGTERM":
            case "SIGINT":
                signal = TunnelSignal.SIGTERM;
                break;
            default:
                client.send("ERROR: signal '" + name + "' is not a known signal type");
                return;
        }
        // During a hold OpenVPN ignores restarts (MANSIG_IGNORE_USR1_HUP) and repeats the hold line.
        if ((signal == TunnelSignal.SIGHUP || signal == TunnelSignal.SIGUSR1) && endpoint.isHolding()) {
            client.send("ERROR: signal '" + name + "' is currently ignored");
            client.send(endpoint.holdLine());
            return;
        }
        endpoint.tracker().signalSent(name);
        endpoint.tunnel().signal(signal);
        client.send("SUCCESS: signal " + name + " thrown");
    }

    private void status(Tunnel tunnel, ClientSession client, int version) {
        client.sendRaw(StatusFormat.block(tunnel, product, clock.now(), zone, version, "\r\n"));
    }

    /** A server counts its connected clients; its bytes are those of all its clients on the link. */
    private static void loadStats(Tunnel tunnel, ClientSession client) {
        org.culvert.api.tunnel.TunnelCounters c = tunnel.counters();
        int n = tunnel.server().map(ServerCommands::establishedClients).orElse(0);
        client.send("SUCCESS: nclients=" + n + ",bytesin=" + c.linkReadBytes() + ",bytesout=" + c.linkWriteBytes());
    }

    private void bytecount(ClientSession client, int seconds) {
        if (seconds > 0) {
            client.bytecountIntervalNanos = TimeUnit.SECONDS.toNanos(seconds);
            client.nextBytecountNanos = clock.nanoTime() + client.bytecountIntervalNanos;
        } else {
            client.bytecountIntervalNanos = 0;
        }
        client.send("SUCCESS: bytecount interval changed");
    }

    private static void hold(TunnelEndpoint endpoint, ClientSession client, String arg) {
        Tunnel tunnel = endpoint.tunnel();
        if (arg == null) {
            client.send("SUCCESS: hold=" + (tunnel.holdFlag() ? 1 : 0));
        } else if (arg.equals("on")) {
            tunnel.setHoldFlag(true);
            client.send("SUCCESS: hold flag set to ON");
        } else if (arg.equals("off")) {
            tunnel.setHoldFlag(false);
            client.send("SUCCESS: hold flag set to OFF");
        } else if (arg.equals("release")) {
            tunnel.releaseHold();
            client.send("SUCCESS: hold release succeeded");
        } else {
            client.send("ERROR: bad hold command parameter");
        }
    }

    private enum Kind {
        STATE("state"), LOG("log"), ECHO("echo");

        final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    /** OpenVPN's {@code man_history}: {@code on}, {@code off}, {@code all} or a count. */
    private static void history(TunnelEndpoint endpoint, ClientSession client, String parameter, Kind kind) {
        if (parameter.equals("on") || parameter.equals("off")) {
            boolean on = parameter.equals("on");
            switch (kind) {
                case STATE:
                    client.stateRealtime = on;
                    break;
                case LOG:
                    client.logRealtime = on;
                    break;
                default:
                    client.echoRealtime = on;
                    break;
            }
            client.send("SUCCESS: real-time " + kind.word + " notification set to " + (on ? "ON" : "OFF"));
            return;
        }
        int n = parameter.equals("all") ? Integer.MAX_VALUE : CommandLineParser.atoi(parameter);
        if (n <= 0) {
            client.send("ERROR: " + kind.word + " parameter must be 'on' or 'off' or some number n or 'all'");
            return;
        }
        switch (kind) {
            case STATE:
                for (StateEntry e : endpoint.tracker().last(n)) {
                    client.send(e.format());
                }
                break;
            case LOG:
                List<TunnelLogEntry> lines = endpoint.tunnel().recentLog();
                for (int i = Math.max(0, lines.size() - n); i < lines.size(); i++) {
                    client.send(logLine(lines.get(i)));
                }
                break;
            default:
                break; // Nothing is ever echoed in point-to-point mode without --pull.
        }
        client.send("END");
    }

    /** {@code time,flags,message} as OpenVPN's log history and {@code >LOG:} lines show it. */
    static String logLine(TunnelLogEntry e) {
        String message = e.message();
        if (message.indexOf('\n') >= 0 || message.indexOf('\r') >= 0) {
            message = message.replace('\r', ' ').replace('\n', ' ');
        }
        return e.time().getEpochSecond() + "," + e.level().managementFlag() + "," + message;
    }
}
