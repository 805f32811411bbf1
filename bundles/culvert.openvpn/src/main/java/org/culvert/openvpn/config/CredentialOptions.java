package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.CONFLICT;
import static org.culvert.openvpn.config.ConfigException.Reason.FILE_ERROR;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.resolve;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.culvert.openvpn.config.OptionsBuilder.Line;

/**
 * OpenVPN 2.6 manual, "Client Options": the credentials a client gives ({@code --auth-user-pass},
 * {@code --auth-retry}, {@code --static-challenge}, {@code --auth-token}, {@code --auth-token-user}),
 * and from "Generic Options" {@code --auth-nocache}. A table of its own beside {@link ClientOptions}
 * so that credentials are read in one place.
 */
final class CredentialOptions {
    private static final int MAX_USER_PASS = AuthUserPass.MAX_USER_PASS;

    private CredentialOptions() {
    }

    /** Theme CLIENT. */
    static void register(OptionRegistry.Table t) {
        t.option("auth-user-pass", 0, 1, (b, l) -> {
            b.authUserPassWhere = l.where();
            b.authUserPassFile = null;
            b.authUserPassInline = null;
            if (l.inline()) {
                b.authUserPassInline = new FileContent(l.arg(0), Optional.empty());
            } else if (l.count() == 1 && !l.arg(0).equals("stdin")) {
                Path file = resolve(l, l.arg(0));
                if (!Files.isReadable(file) || Files.isDirectory(file)) {
                    throw error(FILE_ERROR, l, "cannot read '" + l.arg(0) + "' (no such readable file)");
                }
                b.warnIfShared(file, l.arg(0));
                b.authUserPassFile = file;
            }
        });
        t.option("auth-retry", 1, 1, (b, l) -> {
            switch (l.arg(0)) {
                case "none":
                    b.authRetry = AuthUserPass.AuthRetry.NONE;
                    break;
                case "nointeract":
                    b.authRetry = AuthUserPass.AuthRetry.NOINTERACT;
                    break;
                case "interact":
                    b.authRetry = AuthUserPass.AuthRetry.INTERACT;
                    break;
                default:
                    // OpenVPN's words (options.c).
                    throw error(BAD_VALUE, l, "--auth-retry method must be 'interact', 'nointeract', or 'none'");
            }
        });
        t.option("static-challenge", 2, 2, (b, l) -> {
            if (!l.arg(1).equals("0") && !l.arg(1).equals("1")) {
                throw error(BAD_VALUE, l, "the echo flag must be 0 or 1, not '" + l.arg(1) + "'");
            }
            b.staticChallenge = new AuthUserPass.StaticChallenge(l.arg(0), l.arg(1).equals("1"));
        });
        // OpenVPN's class for both is OPT_P_ECHO: a server pushes them; a configuration may set them too.
        t.option("auth-token", 1, 1, (b, l) -> b.authToken = token(l, l.arg(0)));
        t.option("auth-token-user", 1, 1, (b, l) -> b.authTokenUser = tokenUser(l, l.arg(0)));
        t.permit("auth-token", PullPermission.ECHO);
        t.permit("auth-token-user", PullPermission.ECHO);
    }

    /** Theme OPERATIONS. */
    static void registerGeneric(OptionRegistry.Table t) {
        t.option("auth-nocache", 0, 0, (b, l) -> b.authNocache = true);
    }

    static String token(Line l, String token) throws ConfigException {
        if (token.isEmpty() || token.length() > MAX_USER_PASS) {
            throw error(BAD_VALUE, l, "the token must be 1.." + MAX_USER_PASS + " characters");
        }
        return token;
    }

    /** The username of {@code --auth-token-user}, base64-decoded as OpenVPN does. */
    static String tokenUser(Line l, String b64) throws ConfigException {
        String user = decodeUser(b64);
        if (user == null) {
            throw error(BAD_VALUE, l, "the username must be base64 of at most " + MAX_USER_PASS + " bytes");
        }
        return user;
    }

    static String decodeUser(String b64) {
        return AuthUserPass.decodeUsername(b64);
    }

    /** The {@code --auth-user-pass} settings, checked across options; empty without it. */
    static Optional<AuthUserPass> settle(OptionsBuilder b, boolean tlsClient) throws ConfigException {
        if (b.authUserPassWhere == null) {
            if (b.staticChallenge != null) {
                b.warnings.add("--static-challenge is ignored without --auth-user-pass");
            }
            return Optional.empty();
        }
        if (!tlsClient) {
            // OpenVPN: "--auth-user-pass requires --pull"; Culvert takes a point-to-point tls-client too.
            throw b.at(CONFLICT, b.authUserPassWhere, "auth-user-pass", "requires --pull (or --tls-client)");
        }
        return Optional.of(new AuthUserPass(Optional.ofNullable(b.authUserPassFile), Optional.ofNullable(b.authUserPassInline),
                b.authRetry, b.authNocache, Optional.ofNullable(b.staticChallenge)));
    }
}
