package org.culvert.tunnel.internal.auth;

import java.util.List;

/**
 * How one script run ended.
 *
 * @param reason      why it is accepted or refused
 * @param detail      for the log: exit status and the tail of the output, or what failed
 * @param clientReason for a refused user/pass: the first line of {@code auth_failed_reason_file}, sent
 *                    as {@code AUTH_FAILED,reason}; else null
 * @param configLines for an accepted client-connect: the lines the script wrote to its file; else empty
 * @param deferred    for {@link Reason#DEFERRED}: the check to poll; else null
 */
public record ScriptOutcome(Reason reason, String detail, String clientReason, List<String> configLines,
        DeferredAuth deferred) {
    /** Why a script accepted or refused. */
    public enum Reason {
        /** Exit status 0. */
        ACCEPTED,
        /** Not configured: nothing ran, nothing refused. */
        NOT_CONFIGURED,
        /** A non-zero exit status. */
        REFUSED,
        /** Exit status 126 or 127: the shell could not find or execute the command. */
        NOT_FOUND,
        /** Ran past the bound and was killed. */
        TIMED_OUT,
        /** Could not be started, or a temporary file could not be written. */
        NOT_RUN,
        /** {@code --script-security} is below 2 (OpenVPN: "External program may not be called"). */
        SCRIPT_SECURITY,
        /** {@code --auth-user-pass-verify} exit status 2: decided later through {@code auth_control_file}. */
        DEFERRED,
        /** A {@code client-connect} deferred result ({@code 2} in its deferred file), which Culvert does not do; refused. */
        DEFERRED_UNSUPPORTED
    }

    public ScriptOutcome {
        configLines = List.copyOf(configLines);
    }

    public boolean accepted() {
        return reason == Reason.ACCEPTED || reason == Reason.NOT_CONFIGURED;
    }

    static ScriptOutcome of(Reason reason, String detail) {
        return new ScriptOutcome(reason, detail, null, List.of(), null);
    }
}
