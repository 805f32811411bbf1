package org.culvert.tunnel.internal.auth;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.culvert.openvpn.config.FileContent;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.Script;
import org.culvert.openvpn.config.ServerSettings;

/**
 * A server's authentication options, as parsed: {@code --auth-user-pass-verify cmd via-file|via-env},
 * {@code --client-connect}, {@code --client-disconnect}, {@code --tls-crypt-v2-verify},
 * {@code --script-security}, {@code --username-as-common-name}, {@code --auth-user-pass-optional},
 * {@code --auth-gen-token [lifetime] [renewal] [external-auth]} with {@code --auth-gen-token-secret},
 * {@code --tmp-dir}, and the bound on how long one script may run.
 *
 * @param userPassVerify    the {@code --auth-user-pass-verify} command line, or null
 * @param viaFile           true for {@code via-file}, false for {@code via-env}
 * @param clientConnect     the {@code --client-connect} command line, or null
 * @param clientDisconnect  the {@code --client-disconnect} command line, or null
 * @param tlsCryptV2Verify  the {@code --tls-crypt-v2-verify} command line, or null
 * @param scriptSecurity    {@code --script-security} level (OpenVPN's default 1)
 * @param usernameAsCommonName {@code --username-as-common-name}
 * @param userPassOptional  {@code --auth-user-pass-optional}: a client without a username is let through
 * @param authToken         {@code --auth-gen-token}, or null
 * @param tmpDir            {@code --tmp-dir} for the scripts' temporary files (null: the JVM's)
 * @param scriptTimeout     how long a script may run before it is killed and counts as a refusal
 *                          (OpenVPN waits without limit; a server must not hang on one client)
 */
public record ServerAuthSettings(String userPassVerify, boolean viaFile, String clientConnect, String clientDisconnect,
        String tlsCryptV2Verify, int scriptSecurity, boolean usernameAsCommonName, boolean userPassOptional,
        AuthGenToken authToken, Path tmpDir, Duration scriptTimeout) {
    /** The default bound on one script run. */
    public static final Duration DEFAULT_SCRIPT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * {@code --auth-gen-token [lifetime] [renewal] [external-auth]}.
     *
     * @param lifetimeSeconds 0 = no limit
     * @param renewalSeconds  0 = {@code --reneg-sec} (the caller resolves it before building {@link org.culvert.openvpn.auth.AuthTokens})
     * @param externalAuth    {@code external-auth}: a valid token does not skip the user/pass script, which sees
     *                        {@code session_state} and decides
     * @param secretPem       {@code --auth-gen-token-secret}'s text, or null for a key per server run
     */
    public record AuthGenToken(long lifetimeSeconds, long renewalSeconds, boolean externalAuth, String secretPem) {
        @Override
        public String toString() {
            return "AuthGenToken[" + lifetimeSeconds + ", " + renewalSeconds + ", " + externalAuth
                    + (secretPem == null ? "" : ", secret set") + "]";
        }
    }

    public ServerAuthSettings {
        Objects.requireNonNull(scriptTimeout, "scriptTimeout");
        if (scriptTimeout.isNegative() || scriptTimeout.isZero()) {
            throw new IllegalArgumentException("script timeout must be positive");
        }
    }

    /**
     * The settings of a parsed configuration ({@code OpenVpnOptions.server()}, {@code --script-security});
     * {@link #none()} for a configuration that is not a server's.
     *
     * @param scriptTimeout the bound on one script run (e.g. {@link #DEFAULT_SCRIPT_TIMEOUT})
     */
    public static ServerAuthSettings from(OpenVpnOptions o, Duration scriptTimeout) {
        if (o.server().isEmpty()) {
            return none();
        }
        ServerSettings a = o.server().get();
        AuthGenToken token = a.authGenToken()
                .map(t -> new AuthGenToken(t.lifetime(), t.renewal(), t.externalAuth(),
                        a.authGenTokenSecret().map(FileContent::text).orElse(null)))
                .orElse(null);
        return new ServerAuthSettings(a.authUserPassVerify().map(v -> v.script().command()).orElse(null),
                a.authUserPassVerify().map(ServerSettings.AuthUserPassVerify::viaFile).orElse(true),
                a.clientConnect().map(Script::command).orElse(null), a.clientDisconnect().map(Script::command).orElse(null),
                a.tlsCryptV2Verify().map(Script::command).orElse(null), o.scriptSecurity(), a.usernameAsCommonName(),
                false, token, null, scriptTimeout);
    }

    @Override
    public String toString() {
        // The token secret stays out of logs.
        return "ServerAuthSettings[userPassVerify=" + userPassVerify + (viaFile ? " via-file" : " via-env") + ", clientConnect="
                + clientConnect + ", clientDisconnect=" + clientDisconnect + ", tlsCryptV2Verify=" + tlsCryptV2Verify
                + ", scriptSecurity=" + scriptSecurity + ", usernameAsCommonName=" + usernameAsCommonName
                + ", userPassOptional=" + userPassOptional + ", authGenToken=" + (authToken == null ? "no"
                        : authToken.lifetimeSeconds() + "/" + authToken.renewalSeconds() + (authToken.externalAuth()
                                ? " external-auth" : "")) + ", scriptTimeout=" + scriptTimeout + "]";
    }

    /** No scripts, no tokens: certificate authentication only. */
    public static ServerAuthSettings none() {
        return new ServerAuthSettings(null, true, null, null, null, 1, false, false, null, null, DEFAULT_SCRIPT_TIMEOUT);
    }

    /** Whether any script is configured. */
    public boolean hasScripts() {
        return userPassVerify != null || clientConnect != null || clientDisconnect != null || tlsCryptV2Verify != null;
    }

    /**
     * The configuration errors the plan builder reports, in the words it uses for {@code --up}/{@code --down}:
     * scripts configured under {@code --script-security} below 2 would never run, so they are refused
     * rather than ignored.
     */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (scriptSecurity < 2) {
            for (String[] s : new String[][] {{"--auth-user-pass-verify", userPassVerify}, {"--client-connect", clientConnect},
                {"--client-disconnect", clientDisconnect}, {"--tls-crypt-v2-verify", tlsCryptV2Verify}}) {
                if (s[1] != null) {
                    p.add(s[0] + " needs '--script-security 2' (as in OpenVPN); refusing to ignore it");
                }
            }
        }
        return p;
    }

    /**
     * Warnings for a configuration that runs but not as its author may think: {@code via-env} below
     * {@code --script-security 3} runs the script without the {@code password} variable, as OpenVPN's
     * {@code env_allowed} filters it.
     */
    public List<String> warnings() {
        List<String> w = new ArrayList<>();
        if (userPassVerify != null && !viaFile && scriptSecurity == 2) {
            w.add("--auth-user-pass-verify via-env: the script gets no 'password' variable unless"
                    + " '--script-security 3' (as in OpenVPN); use via-file");
        }
        return w;
    }
}
