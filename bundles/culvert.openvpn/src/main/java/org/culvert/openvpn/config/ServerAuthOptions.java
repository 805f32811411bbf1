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
