package org.culvert.tunnel.internal.auth;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A user/pass check that the {@code --auth-user-pass-verify} script deferred (exit status 2), as
 * OpenVPN 2.6 does it with files ({@code ssl_verify.c} {@code key_state_test_auth_control_file},
 * {@code key_state_check_auth_pending_file}): the script, or whatever it started, later writes
 * {@code 1} (accept) or {@code 0} (refuse) to {@code $auth_control_file}, and may first write three
 * lines to {@code $auth_pending_file} (timeout, method, extra) so that the client is told
 * {@code AUTH_PENDING} and {@code INFO_PRE,extra}. The caller polls {@link #poll} (a one-byte file read;
 * off the data threads), gives up after {@code --hand-window} as OpenVPN does, and closes it, which
 * deletes the files. Thread-safe.
 */
public final class DeferredAuth implements AutoCloseable {
    /** Where the check stands. */
    public enum Status { PENDING, ACCEPTED, REFUSED }

    /**
     * What {@code auth_pending_file} asked the client to be told: {@code AUTH_PENDING,timeout N} and
     * {@code INFO_PRE,extra} (the caller caps the timeout as OpenVPN's {@code send_auth_pending_messages}).
     */
    public record PendingRequest(long timeoutSeconds, String method, String extra) {
    }

    private final Path control;
    private final Path reason;
    private final List<Path> files;
    private final PendingRequest pendingRequest;
    private Status status = Status.PENDING;
    private boolean closed;

    DeferredAuth(Path control, Path reason, List<Path> files, PendingRequest pendingRequest) {
        this.control = control;
        this.reason = reason;
        this.files = List.copyOf(files);
        this.pendingRequest = pendingRequest;
    }

    /** The AUTH_PENDING request the script wrote before it returned, if any. */
    public Optional<PendingRequest> pendingRequest() {
        return Optional.ofNullable(pendingRequest);
    }

    /** Reads the control file until it holds {@code 1} or {@code 0}; the verdict is then kept. */
    public synchronized Status poll() {
        if (status != Status.PENDING || closed) {
            return status;
        }
        try (InputStream in = Files.newInputStream(control)) {
            int c = in.read();
            status = c == '1' ? Status.ACCEPTED : c == '0' ? Status.REFUSED : Status.PENDING;
        } catch (IOException e) {
            // Not written yet (or being replaced): still pending, as OpenVPN's fopen failing.
        }
        return status;
    }

    /** For a refusal: the first line of {@code auth_failed_reason_file}, for {@code AUTH_FAILED,reason}; else null. */
    public synchronized String clientReason() {
        if (closed) {
            return null;
        }
        try {
            return ServerScripts.firstLine(reason);
        } catch (IOException e) {
            return null;
        }
    }

    /** Deletes the files. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                // best effort, as OpenVPN's platform_unlink
            }
        }
    }

    /**
     * {@code key_state_check_auth_pending_file}: an absent or empty file is no request; otherwise at least
     * three lines, a non-zero timeout, and a method the client lists in {@code IV_SSO}.
     *
     * @return the request, or null for none
     * @throws IllegalArgumentException with the client reason or log text when the file is unusable
     */
    static PendingRequest readPendingFile(Path file, String ivSso) throws IOException {
        if (!Files.exists(file) || Files.size(file) == 0) {
            return null;
        }
        if (Files.size(file) > 4096) {
            throw new IllegalArgumentException("auth pending control file is too large");
        }
        List<String> lines = Files.readAllLines(file);
        if (lines.size() < 3) {
            throw new IllegalArgumentException("auth pending control file is not at least three lines long.");
        }
        long timeout;
        try {
            timeout = Long.parseLong(lines.get(0).strip());
        } catch (NumberFormatException e) {
            timeout = 0;
        }
        if (timeout <= 0) {
            throw new IllegalArgumentException("could not parse auth pending file timeout");
        }
        String method = lines.get(1).strip();
        boolean supported = false;
        if (ivSso != null) {
            for (String m : ivSso.split(",")) {
                supported |= m.equals(method);
            }
        }
        if (!supported) {
            throw new IllegalArgumentException("Authentication failed, required pending auth method '" + method
                    + "' not supported");
        }
        return new PendingRequest(timeout, method, lines.get(2).strip());
    }
}
