package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.CONFLICT;
import static org.culvert.openvpn.config.ConfigException.Reason.MISSING_ARGUMENT;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.port;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.culvert.openvpn.config.OptionsBuilder.Line;
import org.culvert.openvpn.config.OptionsBuilder.Where;

/**
 * OpenVPN 2.6 manual, "Proxy Options": {@code --http-proxy}, {@code --http-proxy-option},
 * {@code --http-proxy-user-pass}, {@code --socks-proxy}, and the retry/timeout options 2.4 made
 * deprecated (accepted with OpenVPN's warning). Parsed as {@code options.c} does; the checks of
 * {@code options_postprocess_verify_ce} run in {@link #resolve} with its messages.
 */
final class ProxyOptions {
    /** OpenVPN's {@code MAX_CUSTOM_HTTP_HEADER}. */
    static final int MAX_CUSTOM_HEADERS = 10;

    private ProxyOptions() {
    }

    /** The proxy lines seen so far. */
    static final class State {
        Line httpProxy;
        Line socksProxy;
        Where httpOptionsWhere;
        FileContent userPass;
        Proxy.Auth auth = Proxy.Auth.NONE;
        String httpVersion = "1.0";
        String userAgent;
        final List<List<String>> headers = new ArrayList<>();
        FileContent socksCredentials;
    }

    static void register(OptionRegistry.Table t) {
        t.option("http-proxy", 1, 4, ProxyOptions::httpProxy);
        t.option("http-proxy-user-pass", 1, 1, (b, l) -> {
            State s = b.proxyState;
            s.userPass = OptionFiles.read(l, "HTTP proxy credentials");
            s.userPass.file().ifPresent(f -> b.warnIfShared(f, l.arg(0)));
            firstHttpOption(s, l);
        });
        t.option("http-proxy-option", 2, 3, ProxyOptions::httpProxyOption);
        t.option("socks-proxy", 1, 3, (b, l) -> {
            State s = b.proxyState;
            s.socksProxy = l;
            if (l.count() >= 2) {
                port(l, 1, false);
            }
            if (l.count() == 3) {
                s.socksCredentials = OptionFiles.read(l, 2, "SOCKS proxy credentials");
                s.socksCredentials.file().ifPresent(f -> b.warnIfShared(f, l.arg(2)));
            }
        });
        OptionRegistry.Handler retry = (b, l) -> b.warnings.add(OptionWarnings.PROXY_RETRY_DEPRECATED);
        t.option("http-proxy-retry", 0, 0, retry);
        t.option("socks-proxy-retry", 0, 0, retry);
        t.option("http-proxy-timeout", 1, 1, (b, l) -> b.warnings.add(OptionWarnings.PROXY_TIMEOUT_DEPRECATED));
    }

    private static void firstHttpOption(State s, Line l) {
        if (s.httpOptionsWhere == null) {
            s.httpOptionsWhere = l.where();
        }
    }

    private static void httpProxy(OptionsBuilder b, Line l) throws ConfigException {
        State s = b.proxyState;
        if (l.count() < 2) {
            throw error(MISSING_ARGUMENT, l, "http-proxy port number not defined");
        }
        port(l, 1, false);
        s.httpProxy = l;
        s.auth = Proxy.Auth.NONE;
        if (l.count() >= 3) {
            String a = l.arg(2);
            // As options.c: with auto/auto-nct a fourth argument is not looked at.
            if (a.equals("auto") || a.equals("auto-nct")) {
                s.auth = a.equals("auto") ? Proxy.Auth.AUTO : Proxy.Auth.AUTO_NCT;
                return;
            }
            String method = l.count() == 4 ? l.arg(3) : "basic";
            switch (method) {
                case "none" -> s.auth = Proxy.Auth.NONE;
                case "basic" -> s.auth = Proxy.Auth.BASIC;
                case "ntlm", "ntlm2" -> throw error(UNSUPPORTED_OPTION, l, "the '" + method
                        + "' proxy authentication method is " + OptionRegistry.NOT_YET + " (none and basic are)");
                // OpenVPN 2.6 too takes Digest only when learnt under 'auto' (http_proxy_new knows no "digest").
                case "digest" -> throw error(BAD_VALUE, l, "unknown HTTP authentication method: 'digest' (Digest is learnt from"
                        + " the proxy under 'auto', as in OpenVPN)");
                default -> throw error(BAD_VALUE, l, "unknown HTTP authentication method: '" + method + "'");
            }
        }
    }

    private static void httpProxyOption(OptionsBuilder b, Line l) throws ConfigException {
        State s = b.proxyState;
        firstHttpOption(s, l);
        String type = l.arg(0);
        if (type.equals("VERSION") && l.count() == 2) {
            if (!l.arg(1).matches("1\\.[01]")) {
                throw error(BAD_VALUE, l, "VERSION must be 1.0 or 1.1, not '" + l.arg(1) + "'");
            }
            s.httpVersion = l.arg(1);
        } else if (type.equals("AGENT") && l.count() == 2) {
            s.userAgent = l.arg(1);
        } else if (type.equals("EXT1") || type.equals("EXT2") || type.equals("CUSTOM-HEADER")) {
            if (s.headers.size() == MAX_CUSTOM_HEADERS) {
                throw error(BAD_VALUE, l, "Cannot use more than " + MAX_CUSTOM_HEADERS + " http-proxy-option CUSTOM-HEADER : '" + type + "'");
            }
            s.headers.add(Arrays.asList(l.arg(1), l.count() == 3 ? l.arg(2) : null));
        } else {
            throw error(BAD_VALUE, l, "Bad http-proxy-option or missing or extra parameter: '" + type + "'");
        }
    }

    /**
     * OpenVPN's checks of the proxy against the protocol, then the proxy; null without one.
     *
     * @param proto the effective protocol (the first remote's, or {@code --proto})
     */
    static Proxy resolve(OptionsBuilder b, Proto proto) throws ConfigException {
        State s = b.proxyState;
        if (s.httpProxy == null && s.httpOptionsWhere != null) {
            throw b.at(CONFLICT, s.httpOptionsWhere, "http-proxy-option", "--http-proxy not specified but other http proxy options present");
        }
        if (s.httpProxy != null && s.socksProxy != null) {
            throw error(CONFLICT, s.httpProxy, "--http-proxy can not be used together with --socks-proxy");
        }
        if (s.httpProxy != null) {
            if (proto != Proto.TCP_CLIENT) {
                throw error(CONFLICT, s.httpProxy, "--http-proxy MUST be used in TCP Client mode (i.e. --proto tcp-client)");
            }
            Line l = s.httpProxy;
            // An <http-proxy-user-pass> block or file overrides the file on the --http-proxy line, as
            // auth_file_up does; so that file is read only when it is used.
            FileContent file = null;
            if (s.auth == Proxy.Auth.BASIC && s.userPass == null) {
                file = OptionFiles.read(l, 2, "HTTP proxy credentials");
                file.file().ifPresent(f -> b.warnIfShared(f, l.arg(2)));
            }
            // auto/auto-nct take the credentials from --http-proxy-user-pass only (OpenVPN would prompt without it).
            Optional<FileContent> credentials = Optional.ofNullable(s.auth == Proxy.Auth.NONE ? null : s.userPass != null ? s.userPass : file);
            if (credentials.isPresent()) {
                checkCredentials(l, credentials.get(), "HTTP proxy");
            }
            return new Proxy(Proxy.Type.HTTP, l.arg(0), Integer.parseInt(l.arg(1)), s.auth, credentials, s.httpVersion,
                    Optional.ofNullable(s.userAgent), s.headers);
        }
        if (s.socksProxy != null) {
            Line l = s.socksProxy;
            if (proto == Proto.TCP_SERVER) {
                throw error(CONFLICT, l, "--socks-proxy can not be used in TCP Server mode");
            }
            if (proto == Proto.UDP) {
                throw error(UNSUPPORTED_OPTION, l, "--socks-proxy with --proto udp (SOCKS5 UDP ASSOCIATE) is " + OptionRegistry.NOT_YET
                        + "; use --proto tcp-client");
            }
            Optional<FileContent> credentials = Optional.ofNullable(s.socksCredentials);
            if (credentials.isPresent()) {
                checkCredentials(l, credentials.get(), "SOCKS proxy");
            }
            return new Proxy(Proxy.Type.SOCKS5, l.arg(0), l.count() >= 2 ? Integer.parseInt(l.arg(1)) : 1080, Proxy.Auth.NONE, credentials,
                    "1.0", Optional.empty(), List.of());
        }
        return null;
    }

    /** A user name on the first line and a password on the second; Culvert does not prompt for them. */
    private static void checkCredentials(Line l, FileContent c, String what) throws ConfigException {
        Proxy probe = new Proxy(Proxy.Type.HTTP, "-", 1, Proxy.Auth.BASIC, Optional.of(c), "1.0", Optional.empty(), List.of());
        String user = probe.username().orElse("");
        char[] pass = probe.password();
        try {
            String where = c.inline() ? "the inline block" : "'" + c + "'";
            if (user.isEmpty()) {
                throw error(BAD_VALUE, l, what + " credentials in " + where + ": the first line (the user name) is empty");
            }
            if (pass.length == 0) {
                throw error(BAD_VALUE, l, what + " credentials in " + where
                        + ": no password on the second line (Culvert does not prompt for proxy credentials)");
            }
            if (user.length() > 255 || pass.length > 255) {
                throw error(BAD_VALUE, l, what + " credentials in " + where + ": the user name and the password are at most 255 characters");
            }
        } finally {
            Arrays.fill(pass, '\0');
        }
    }
}
