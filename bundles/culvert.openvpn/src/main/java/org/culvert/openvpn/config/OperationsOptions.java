package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.EXTRA_ARGUMENT;
import static org.culvert.openvpn.config.ConfigException.Reason.FILE_ERROR;
import static org.culvert.openvpn.config.ConfigException.Reason.MISSING_ARGUMENT;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.integer;
import static org.culvert.openvpn.config.OptionArgs.resolve;

import org.culvert.openvpn.config.OptionsBuilder.Line;

/**
 * OpenVPN 2.6 manual, "Generic Options", "Log options", "Script Hooks", "Plug-in Interface Options",
 * "Management Interface Options" and "Standalone Debug Options": running the daemon, not the tunnel's
 * traffic.
 */
final class OperationsOptions {
    private static final int MAX_INCLUDE_DEPTH = 10;

    private OperationsOptions() {
    }

    static void register(OptionRegistry.Table t) {
        registerGeneric(t);
        registerLog(t);
        registerScripts(t);
        registerManagement(t);
        t.notSupported("plugin");
        // Standalone debug options, and others the manual does not describe
        t.notSupported("compat-names", "dhcp-internal", "gremlin", "ip-remote-hint", "memstats", "msg-channel",
                "no-name-remapping", "parameter", "rdns-internal", "show-curves", "show-gateway", "version");
    }

    private static void registerGeneric(OptionRegistry.Table t) {
        t.option("config", 1, 1, (b, l) -> {
            if (l.depth() >= MAX_INCLUDE_DEPTH) {
                throw error(FILE_ERROR, l, "more than " + MAX_INCLUDE_DEPTH + " nested config files"
                        + " (does a file include itself?)");
            }
            b.includer.include(resolve(l, l.arg(0)), l.arg(0), l.where(), l.depth() + 1);
        });
        t.option("persist-key", 0, 0, (b, l) -> b.persistKey = true);
        t.permit("persist-key", PullPermission.PERSIST);
        t.option("writepid", 1, 1, (b, l) -> b.writepid = resolve(l, l.arg(0)));
        t.option("status", 1, 2, (b, l) -> {
            b.status = new StatusFile(resolve(l, l.arg(0)), l.count() == 2 ? integer(l, 1, 1, Integer.MAX_VALUE)
                    : StatusFile.DEFAULT_SECONDS, 1);
        });
        t.option("status-version", 0, 1, (b, l) -> b.statusVersion = l.count() == 0 ? 1 : integer(l, 0, 1, 3));
        OptionRegistry.Handler dropPrivileges = (b, l) -> {
            throw error(UNSUPPORTED_OPTION, l, "refused: a JVM cannot drop privileges after start-up; run Culvert"
                    + " as an unprivileged user with CAP_NET_ADMIN instead");
        };
        t.option("user", dropPrivileges);
        t.option("group", dropPrivileges);
        t.option("chroot", (b, l) -> {
            throw error(UNSUPPORTED_OPTION, l, "refused: a JVM cannot confine itself with chroot after start-up;"
                    + " confine the service from outside instead");
        });
        t.notSupported("cd", "compat-mode", "daemon", "disable-occ", "engine", "fast-io", "help",
                "ignore-unknown-option", "iproute", "keying-material-exporter", "mlock", "nice", "providers",
                "remap-usr1", "setcon", "test-crypto", "tmp-dir", "use-prediction-resistance");
    }

    private static void registerLog(OptionRegistry.Table t) {
        t.option("verb", 1, 1, (b, l) -> b.verb = integer(l, 0, 0, 15));
        t.option("mute", 1, 1, (b, l) -> b.mute = integer(l, 0, 0, Integer.MAX_VALUE));
        t.option("mute-replay-warnings", 0, 0, (b, l) -> b.muteReplayWarnings = true);
        t.permit("verb", PullPermission.MESSAGES);
        t.permit("mute", PullPermission.MESSAGES);
        // Texts for a GUI: OpenVPN sends them to management as >ECHO and logs only those starting with "msg".
        t.option("echo", 0, 16, (b, l) -> b.echo.add(String.join(" ", l.args())));
        t.permit("echo", PullPermission.ECHO);
        t.notSupported("errors-to-stderr", "log", "log-append", "machine-readable-output",
                "suppress-timestamps", "syslog");
    }

    private static void registerScripts(OptionRegistry.Table t) {
        t.option("up", (b, l) -> {
            b.up = script(l);
            b.upWhere = l.where();
        });
        t.option("down", (b, l) -> {
            b.down = script(l);
            b.downWhere = l.where();
        });
        t.option("script-security", 1, 1, (b, l) -> b.scriptSecurity = integer(l, 0, 0, 3));
        // As OpenVPN: the variable reaches scripts as OPENVPN_<name>, so that a server cannot set PATH.
        t.option("setenv-safe", 1, 2, (b, l) -> b.setenvSafe.put("OPENVPN_" + l.arg(0), l.count() == 2 ? l.arg(1) : ""));
        t.permit("setenv-safe", PullPermission.SETENV);
        t.notSupported("down-pre", "ipchange", "route-pre-down", "route-up", "setenv", "up-delay", "up-restart");
    }

    private static void registerManagement(OptionRegistry.Table t) {
        t.option("management", 2, 3, (b, l) -> {
            if (l.count() == 3 && l.arg(2).equals("stdin")) {
                throw error(UNSUPPORTED_OPTION, l, "a password from stdin needs a console, which Culvert does not have;"
                        + " give a password file");
            }
            if (!l.arg(1).equals("unix")) {
                integer(l, 1, 1, 65535);
            }
            b.management = l;
        });
        t.option("management-hold", 0, 0, (b, l) -> {
            b.managementHold = true;
            b.managementHoldWhere = l.where();
        });
        t.option("management-query-passwords", 0, 0, (b, l) -> {
            b.managementQueryPasswords = true;
            b.managementQueryPasswordsWhere = l.where();
        });
        t.option("management-client-group", 1, 1, (b, l) -> b.managementClientGroup = l);
        t.option("management-log-cache", 1, 1, (b, l) -> {
            b.managementLogCache = integer(l, 0, 1, 1_000_000);
            b.managementLogCacheWhere = l.where();
        });
        t.notSupported("management-client", "management-client-auth", "management-client-user",
                "management-external-cert", "management-external-key", "management-forget-disconnect",
                "management-query-proxy", "management-query-remote",
                "management-signal", "management-up-down");
    }

    private static Script script(Line l) throws ConfigException {
        if (l.count() > 1) {
            throw error(EXTRA_ARGUMENT, l, "takes one argument; put a command with arguments in quotes");
        }
        return Script.parse(l, l.count() == 0 ? null : l.arg(0));
    }
}
