package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.MISSING_ARGUMENT;
import static org.culvert.openvpn.config.OptionArgs.error;

import java.util.Optional;

/**
 * A server's authentication options (OpenVPN 2.6 manual, "Server Options" and "Script Hooks"):
 * {@code --auth-user-pass-verify cmd via-env|via-file}, {@code --client-connect},
 * {@code --client-disconnect}, {@code --tls-crypt-v2-verify}, {@code --username-as-common-name},
 * {@code --auth-user-pass-optional}, {@code --verify-client-cert [none|optional|require]} and
 * {@code --auth-gen-token [lifetime] [renewal] [external-auth]} with {@code --auth-gen-token-secret}.
 * Parsed here; the server runs them (culvert.tunnel's {@code internal.auth}).
 *
 * @param userPassVerify   the {@code --auth-user-pass-verify} command
 * @param viaFile          its method: true for {@code via-file}, false for {@code via-env}
 * @param verifyClientCert {@code none}, {@code optional} or {@code require} (the default)
 * @param authGenToken     {@code --auth-gen-token}, if given
 * @param authGenTokenSecret {@code --auth-gen-token-secret}'s PEM text, if given (a secret: never logged)
 * @since config 1.4
 */
public record ServerAuthOptions(Optional<Script> userPassVerify, boolean viaFile, Optional<Script> clientConnect,
        Optional<Script> clientDisconnect, Optional<Script> tlsCryptV2Verify, boolean usernameAsCommonName,
        boolean userPassOptional, String verifyClientCert, Optional<AuthGenToken> authGenToken,
        Optional<FileContent> authGenTokenSecret) {
    /**
     * @param lifetimeSeconds 0: no limit
     * @param renewalSeconds  0: {@code --reneg-sec}
     * @param externalAuth    {@code external-auth}
     */
    public record AuthGenToken(int lifetimeSeconds, int renewalSeconds, boolean externalAuth) {
    }

    /** Nothing configured. */
    public static final ServerAuthOptions NONE = new ServerAuthOptions(Optional.empty(), true, Optional.empty(),
            Optional.empty(), Optional.empty(), false, false, "require", Optional.empty(), Optional.empty());

    @Override
    public String toString() {
        return "ServerAuthOptions[userPassVerify=" + userPassVerify.map(Script::command).orElse("-") + (viaFile ? " via-file" : " via-env")
                + ", clientConnect=" + clientConnect.map(Script::command).orElse("-") + ", clientDisconnect="
                + clientDisconnect.map(Script::command).orElse("-") + ", tlsCryptV2Verify="
                + tlsCryptV2Verify.map(Script::command).orElse("-") + ", usernameAsCommonName=" + usernameAsCommonName
                + ", userPassOptional=" + userPassOptional + ", verifyClientCert=" + verifyClientCert + ", authGenToken="
                + authGenToken + (authGenTokenSecret.isPresent() ? ", auth-gen-token-secret set" : "") + "]";
    }

    /**
     * OpenVPN's "requires --mode server" errors ({@code options_postprocess_verify_ce}): for each of
     * these options given in a configuration that is not a server's, the option name and the message.
     */
    public java.util.List<java.util.Map.Entry<String, String>> requireModeServer() {
        java.util.List<java.util.Map.Entry<String, String>> e = new java.util.ArrayList<>();
        String why = "requires --mode server";
        userPassVerify.ifPresent(s -> e.add(java.util.Map.entry("auth-user-pass-verify", why)));
        clientConnect.ifPresent(s -> e.add(java.util.Map.entry("client-connect", why)));
        clientDisconnect.ifPresent(s -> e.add(java.util.Map.entry("client-disconnect", why)));
        tlsCryptV2Verify.ifPresent(s -> e.add(java.util.Map.entry("tls-crypt-v2-verify", why)));
        if (!verifyClientCert.equals("require")) {
            e.add(java.util.Map.entry("verify-client-cert", why));
        }
        if (usernameAsCommonName) {
            e.add(java.util.Map.entry("username-as-common-name", why));
        }
        if (userPassOptional) {
            e.add(java.util.Map.entry("auth-user-pass-optional", why));
        }
        authGenToken.ifPresent(t -> e.add(java.util.Map.entry("auth-gen-token", why)));
        return e;
    }

    /**
     * In server mode, OpenVPN's usage errors for these options: {@code --verify-client-cert none|optional}
     * and {@code --username-as-common-name} need another way to authenticate; {@code --auth-gen-token} needs
     * a finite {@code --reneg-sec} and a renewal of at least twice {@code --hand-window}.
     *
     * @param managementClientAuth {@code --management-client-auth} is given
     */
    public java.util.List<java.util.Map.Entry<String, String>> serverModeErrors(boolean managementClientAuth,
            int renegSeconds, int handWindow) {
        java.util.List<java.util.Map.Entry<String, String>> e = new java.util.ArrayList<>();
        boolean ccnr = userPassVerify.isPresent() || managementClientAuth;
        String postfix = "must be used with --management-client-auth, an --auth-user-pass-verify script, or plugin";
        if (!verifyClientCert.equals("require") && !ccnr) {
            e.add(java.util.Map.entry("verify-client-cert", "none|optional " + postfix));
        }
        if (usernameAsCommonName && !ccnr) {
            e.add(java.util.Map.entry("username-as-common-name", postfix));
        }
        if (authGenToken.isPresent() && renegSeconds == 0) {
            e.add(java.util.Map.entry("auth-gen-token", "needs a non-infinite --renegotiate_seconds setting"));
        }
        if (authGenToken.isPresent() && authGenToken.get().renewalSeconds() > 0
                && authGenToken.get().renewalSeconds() < 2 * handWindow) {
            e.add(java.util.Map.entry("auth-gen-token", "renewal time needs to be at least two times --hand-window ("
                    + handWindow + ")."));
        }
        return e;
    }

    /** OpenVPN's start-up warning for a server that may accept clients without a certificate. */
    public java.util.Optional<String> warning() {
        return verifyClientCert.equals("require") ? java.util.Optional.empty()
                : java.util.Optional.of("WARNING: POTENTIALLY DANGEROUS OPTION --verify-client-cert none|optional may"
                        + " accept clients which do not present a certificate");
    }

    /** Collects the options while the configuration is read. */
    static final class Builder {
        Script userPassVerify;
        boolean viaFile = true;
        Script clientConnect;
        Script clientDisconnect;
        Script tlsCryptV2Verify;
        boolean usernameAsCommonName;
        boolean userPassOptional;
        String verifyClientCert = "require";
        AuthGenToken authGenToken;
        FileContent authGenTokenSecret;

        ServerAuthOptions build() {
            return new ServerAuthOptions(Optional.ofNullable(userPassVerify), viaFile, Optional.ofNullable(clientConnect),
                    Optional.ofNullable(clientDisconnect), Optional.ofNullable(tlsCryptV2Verify), usernameAsCommonName,
                    userPassOptional, verifyClientCert, Optional.ofNullable(authGenToken),
                    Optional.ofNullable(authGenTokenSecret));
        }
    }

    static void register(OptionRegistry.Table t) {
        t.option("auth-user-pass-verify", 1, 2, (b, l) -> {
            if (l.count() < 2) {
                throw error(MISSING_ARGUMENT, l, "requires a second parameter ('via-env' or 'via-file')");
            }
            if (!l.arg(1).equals("via-env") && !l.arg(1).equals("via-file")) {
                throw error(BAD_VALUE, l, "second parm to --auth-user-pass-verify must be 'via-env' or 'via-file'");
            }
            b.serverAuth.userPassVerify = Script.parse(l, l.arg(0));
            b.serverAuth.viaFile = l.arg(1).equals("via-file");
        });
        t.option("client-connect", 1, 1, (b, l) -> b.serverAuth.clientConnect = Script.parse(l, l.arg(0)));
        t.option("client-disconnect", 1, 1, (b, l) -> b.serverAuth.clientDisconnect = Script.parse(l, l.arg(0)));
        t.option("tls-crypt-v2-verify", 1, 1, (b, l) -> b.serverAuth.tlsCryptV2Verify = Script.parse(l, l.arg(0)));
        t.option("username-as-common-name", 0, 0, (b, l) -> b.serverAuth.usernameAsCommonName = true);
        t.option("auth-user-pass-optional", 0, 0, (b, l) -> b.serverAuth.userPassOptional = true);
        t.option("verify-client-cert", 0, 1, (b, l) -> {
            String v = l.count() == 0 ? "require" : l.arg(0);
            if (!v.equals("none") && !v.equals("optional") && !v.equals("require")) {
                throw error(BAD_VALUE, l, "parameter must be 'none', 'optional' or 'require', not '" + v + "'");
            }
            b.serverAuth.verifyClientCert = v;
        });
        t.option("auth-gen-token", 0, 3, (b, l) -> {
            int lifetime = l.count() > 0 ? OptionArgs.integer(l, 0, 0, Integer.MAX_VALUE) : 0;
            int renewal = 0;
            boolean external = false;
            for (int i = 1; i < l.count(); i++) {
                if (i == 1 && !l.arg(i).equals("external-auth")) {
                    renewal = OptionArgs.integer(l, i, 1, Integer.MAX_VALUE);
                } else if (l.arg(i).equals("external-auth")) {
                    external = true;
                } else {
                    throw error(BAD_VALUE, l, "Invalid argument to auth-gen-token: " + l.arg(i));
                }
            }
            b.serverAuth.authGenToken = new AuthGenToken(lifetime, renewal, external);
        });
        t.option("auth-gen-token-secret", 1, 1,
                (b, l) -> b.serverAuth.authGenTokenSecret = OptionFiles.read(l, "auth-gen-token secret"));
    }
}
