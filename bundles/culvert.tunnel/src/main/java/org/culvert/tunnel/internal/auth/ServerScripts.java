package org.culvert.tunnel.internal.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.culvert.openvpn.script.CommandRunner;

/**
 * A server's per-client scripts, as OpenVPN 2.6 runs them: {@code --auth-user-pass-verify}
 * ({@code ssl_verify.c} {@code verify_user_pass_script}), {@code --client-connect} and
 * {@code --client-disconnect} ({@code multi.c} {@code multi_client_connect_call_script},
 * {@code multi_client_disconnect_script}), {@code --tls-crypt-v2-verify} ({@code tls_crypt.c}
 * {@code tls_crypt_v2_verify_metadata}). Each runs through the shared {@link CommandRunner} with the
 * client's {@link ScriptEnv} plus its own variables, and is killed when it runs past the configured
 * bound. Blocking: call from a script thread ({@link AuthWorkers}), never a data thread. Temporary files
 * are created owner-only (0600) and deleted when the script is done.
 */
public final class ServerScripts {
    /** OpenVPN's script return for deferred authentication ({@code verify_user_pass_script}). */
    static final int DEFERRED_EXIT = 2;
    /** Most bytes of a client-connect file read back (a script writing without end is refused). */
    static final int MAX_CONFIG_BYTES = 256 * 1024;

    private final ServerAuthSettings settings;
    private final AuthLog log;

    public ServerScripts(ServerAuthSettings settings, AuthLog log) {
        this.settings = settings;
        this.log = log;
    }

    /**
     * {@code --auth-user-pass-verify}: via-file writes {@code username\npassword\n} to a temporary file
     * given as the last argument; via-env sets {@code username} and {@code password} (the latter only
     * with {@code --script-security 3}, as OpenVPN's {@code env_allowed}). {@code script_type} is
     * {@code user-pass-verify}; {@code auth_failed_reason_file} is offered for a client reason.
     * Exit 0 accepts.
     *
     * @param password not kept; the caller wipes it
     */
    public ScriptOutcome userPassVerify(ScriptEnv env, String username, char[] password) {
        String command = settings.userPassVerify();
        if (command == null) {
            return ScriptOutcome.of(ScriptOutcome.Reason.NOT_CONFIGURED, "");
        }
        Map<String, String> vars = new HashMap<>(env.snapshot());
        vars.put("script_type", "user-pass-verify");
        List<Path> files = new ArrayList<>();
        try {
            List<String> args = new ArrayList<>();
            if (settings.viaFile()) {
                Path up = tempFile("up", files);
                byte[] content = userPassFile(username, password);
                try {
                    Files.write(up, content);
                } finally {
                    Arrays.fill(content, (byte) 0);
                }
                args.add(up.toString());
            } else {
                vars.put("username", username);
                if (settings.scriptSecurity() >= 3) {
                    vars.put("password", new String(password));
                }
            }
            // key_state_gen_auth_control_files: kept past the script only when it defers.
            Path control = tempFile("acf", files);
            Path pending = tempFile("apf", files);
            Path reasonFile = tempFile("afr", files);
            vars.put("auth_control_file", control.toString());
            vars.put("auth_pending_file", pending.toString());
            vars.put("auth_failed_reason_file", reasonFile.toString());
            ScriptOutcome outcome = run("--auth-user-pass-verify", command, vars, args);
            if (outcome.reason() == ScriptOutcome.Reason.REFUSED && isDeferred(outcome.detail())) {
                DeferredAuth.PendingRequest request;
                try {
                    request = DeferredAuth.readPendingFile(pending, vars.get("IV_SSO"));
                } catch (IllegalArgumentException e) {
                    log.warn(e.getMessage());
                    String clientReason = e.getMessage().startsWith("Authentication failed") ? e.getMessage() : null;
                    return new ScriptOutcome(ScriptOutcome.Reason.REFUSED, outcome.detail(), clientReason, List.of(), null);
                }
                files.remove(control);
                files.remove(reasonFile);
                DeferredAuth deferred = new DeferredAuth(control, reasonFile, List.of(control, reasonFile), request);
                return new ScriptOutcome(ScriptOutcome.Reason.DEFERRED, outcome.detail(), null, List.of(), deferred);
            }
            if (outcome.reason() == ScriptOutcome.Reason.REFUSED) {
                return new ScriptOutcome(outcome.reason(), outcome.detail(), firstLine(reasonFile), List.of(), null);
            }
            return outcome;
        } catch (IOException e) {
            return notRun("--auth-user-pass-verify", "could not write its temporary file: " + e.getMessage());
        } finally {
            deleteAll(files);
        }
    }

    /** OpenVPN's {@code status_printf} lines: username, password, each ended by a newline. */
    private static byte[] userPassFile(String username, char[] password) {
        byte[] user = username.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer pass = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
        byte[] out = new byte[user.length + 1 + pass.remaining() + 1];
        System.arraycopy(user, 0, out, 0, user.length);
        out[user.length] = '\n';
        int passLen = pass.remaining();
        pass.get(out, user.length + 1, passLen);
        out[out.length - 1] = '\n';
        if (pass.hasArray()) {
            Arrays.fill(pass.array(), (byte) 0);
        }
        return out;
    }

    /**
     * {@code --client-connect}: {@code script_type=client-connect}, a temporary file as the last argument
     * and in {@code client_connect_config_file}; exit 0 accepts and the lines written to the file are
     * returned as client configuration ({@code push}, {@code ifconfig-push}, {@code iroute},
     * {@code push-reset}, {@code disable}...), for the caller to read with the CLIENT_CONNECT option classes.
     */
    public ScriptOutcome clientConnect(ScriptEnv env) {
        String command = settings.clientConnect();
        if (command == null) {
            return ScriptOutcome.of(ScriptOutcome.Reason.NOT_CONFIGURED, "");
        }
        Map<String, String> vars = new HashMap<>(env.snapshot());
        vars.put("script_type", "client-connect");
        List<Path> files = new ArrayList<>();
        try {
            Path config = tempFile("cc", files);
            vars.put("client_connect_config_file", config.toString());
            Path deferred = tempFile("ccr", files);
            vars.put("client_connect_deferred_file", deferred.toString());
            ScriptOutcome outcome = run("--client-connect", command, vars, List.of(config.toString()));
            if (!outcome.accepted()) {
                return outcome;
            }
            if (firstLine(deferred) != null && firstLine(deferred).startsWith("2")) {
                log.warn("--client-connect asked for deferred handling (2 in client_connect_deferred_file), which"
                        + " Culvert does not support; refusing the client");
                return ScriptOutcome.of(ScriptOutcome.Reason.DEFERRED_UNSUPPORTED, outcome.detail());
            }
            if (Files.size(config) > MAX_CONFIG_BYTES) {
                return notRun("--client-connect", "its configuration file is larger than " + MAX_CONFIG_BYTES + " bytes");
            }
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(config, StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#") && !t.startsWith(";")) {
                    lines.add(t);
                }
            }
            return new ScriptOutcome(ScriptOutcome.Reason.ACCEPTED, outcome.detail(), null, lines, null);
        } catch (IOException e) {
            return notRun("--client-connect", "temporary file: " + e.getMessage());
        } finally {
            deleteAll(files);
        }
    }

    /**
     * {@code --client-disconnect}: {@code script_type=client-disconnect} with {@code bytes_received},
     * {@code bytes_sent}, {@code time_duration} and the trusted address. Its result changes nothing; a
     * failure is logged.
     */
    public ScriptOutcome clientDisconnect(ScriptEnv env, long bytesReceived, long bytesSent, long durationSeconds) {
        String command = settings.clientDisconnect();
        if (command == null) {
            return ScriptOutcome.of(ScriptOutcome.Reason.NOT_CONFIGURED, "");
        }
        Map<String, String> vars = new HashMap<>(env.snapshot());
        vars.put("script_type", "client-disconnect");
        vars.put("bytes_received", Long.toString(bytesReceived));
        vars.put("bytes_sent", Long.toString(bytesSent));
        vars.put("time_duration", Long.toString(durationSeconds));
        return run("--client-disconnect", command, vars, List.of());
    }

    /**
     * {@code --tls-crypt-v2-verify}: {@code script_type=tls-crypt-v2-verify}, {@code metadata_type} (0 user,
     * 1 timestamp) and {@code metadata_file} holding the metadata without its type byte. Exit 0 accepts.
     */
    public ScriptOutcome tlsCryptV2Verify(ScriptEnv env, int metadataType, byte[] metadata) {
        String command = settings.tlsCryptV2Verify();
        if (command == null) {
            return ScriptOutcome.of(ScriptOutcome.Reason.NOT_CONFIGURED, "");
        }
        Map<String, String> vars = new HashMap<>(env.snapshot());
        vars.put("script_type", "tls-crypt-v2-verify");
        vars.put("metadata_type", Integer.toString(metadataType));
        List<Path> files = new ArrayList<>();
        try {
            Path file = tempFile("tc", files);
            Files.write(file, metadata);
            vars.put("metadata_file", file.toString());
            return run("--tls-crypt-v2-verify", command, vars, List.of());
        } catch (IOException e) {
            return notRun("--tls-crypt-v2-verify", "could not write its metadata file: " + e.getMessage());
        } finally {
            deleteAll(files);
        }
    }

    private static boolean isDeferred(String detail) {
        String d = "exit status " + DEFERRED_EXIT;
        return detail.equals(d) || detail.startsWith(d + ":");
    }

    private ScriptOutcome run(String option, String command, Map<String, String> vars, List<String> args) {
        if (settings.scriptSecurity() < 2) {
            log.warn("WARNING: External program may not be called unless '--script-security 2' or higher is enabled ("
                    + option + ")");
            return ScriptOutcome.of(ScriptOutcome.Reason.SCRIPT_SECURITY, "--script-security " + settings.scriptSecurity());
        }
        long timeout = settings.scriptTimeout().toMillis();
        CommandRunner.Result r;
        try {
            r = CommandRunner.run(CommandRunner.scriptCommand(command, "culvert-" + vars.get("script_type"), args),
                    vars, timeout);
        } catch (IOException e) {
            return notRun(option, "could not run: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // ProcessBuilder refuses a NUL or '=' in a variable's name; the values we set are made safe,
            // so this is a bug somewhere, and still only this client's refusal.
            return notRun(option, "could not run: bad environment (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return notRun(option, "interrupted");
        }
        String detail = r.describe(timeout);
        if (r.succeeded()) {
            return ScriptOutcome.of(ScriptOutcome.Reason.ACCEPTED, detail);
        }
        ScriptOutcome.Reason reason = r.timedOut() ? ScriptOutcome.Reason.TIMED_OUT
                : r.exitCode() == 126 || r.exitCode() == 127 ? ScriptOutcome.Reason.NOT_FOUND : ScriptOutcome.Reason.REFUSED;
        if (option.equals("--auth-user-pass-verify") && r.exitCode() == DEFERRED_EXIT && !r.timedOut()) {
            log.info(option + " script deferred the decision (exit status 2)");
        } else {
            log.warn(option + " script '" + command + "' " + (reason == ScriptOutcome.Reason.TIMED_OUT ? "" : "failed, ") + detail);
        }
        return ScriptOutcome.of(reason, detail);
    }

    private ScriptOutcome notRun(String option, String what) {
        log.warn(option + " script " + what);
        return ScriptOutcome.of(ScriptOutcome.Reason.NOT_RUN, what);
    }

    /** OpenVPN's {@code platform_create_temp_file}: in {@code --tmp-dir}, owner-only. */
    private Path tempFile(String prefix, List<Path> files) throws IOException {
        Path dir = settings.tmpDir() != null ? settings.tmpDir() : Path.of(System.getProperty("java.io.tmpdir"));
        Path f;
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            f = Files.createTempFile(dir, "openvpn_" + prefix + "_", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            f = Files.createTempFile(dir, "openvpn_" + prefix + "_", ".tmp");
        }
        files.add(f);
        return f;
    }

    static String firstLine(Path f) throws IOException {
        if (!Files.exists(f) || Files.size(f) == 0) {
            return null;
        }
        try (java.io.BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            String line = r.readLine();
            if (line == null) {
                return null;
            }
            line = line.strip();
            return line.length() > 1024 ? line.substring(0, 1024) : line;
        }
    }

    private void deleteAll(List<Path> files) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                log.warn("MULTI: problem deleting temporary file: " + f);
            }
        }
    }
}
