package org.culvert.link.winsock;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.winsock.SockAddr;
import org.culvert.platform.win32.winsock.SockAddrs;
import org.culvert.platform.win32.winsock.Ws2Api;

/**
 * OpenVPN's {@code --proto tcp-client} on Winsock: a non-blocking {@code connect} whose outcome
 * {@code FD_CONNECT} reports, each attempt bounded by {@code --connect-timeout}, and after a failed
 * attempt a wait as {@code --connect-retry} says before the next one: the first delay for the first
 * four failures, then doubling per failure, never above the maximum (OpenVPN's
 * {@code socket_restart_pause}). Each attempt uses a fresh socket; the first is created and bound in
 * {@link #open}, so that a bad {@code --local}/{@code --lport} fails there.
 *
 * <p>Refused, unreachable and timed-out attempts are retried for as long as the caller keeps calling
 * {@link #establish}; {@link #lastFailure()} says why the last one failed. Only failures no retry can
 * mend (permission, an unsupported family, a {@code --local}/{@code --lport} the next attempt's socket
 * cannot bind) are thrown. Note that Windows itself retries a refused SYN for about two seconds before
 * {@code FD_CONNECT} reports {@code WSAECONNREFUSED}.
 */
final class WinsockTcpClient extends WinsockTcpSocket {
    private final InetSocketAddress target;
    private final SockAddr targetName;
    /** Where each attempt's socket is bound, or null for {@code --nobind}. */
    private final InetSocketAddress bindAddress;

    private volatile int failures;
    private volatile LinkException lastFailure;
    private boolean connecting;
    private long attemptDeadline;
    private boolean waitingToRetry;
    private long retryAt;

    private WinsockTcpClient(Ws2Api ws2, Kernel32Api k32, LinkSpec spec, int family, int batchSize, InetSocketAddress target,
            InetSocketAddress bindAddress) throws LinkException {
        super(ws2, k32, spec, family, batchSize);
        this.target = target;
        this.bindAddress = bindAddress;
        this.targetName = ws2.newSockAddr();
        SockAddrs.encode(target, family, targetName);
        remoteAddress(target);
    }

    static WinsockTcpClient open(LinkSpec spec, Ws2Api ws2, Kernel32Api k32, int batchSize) throws LinkException {
        if (spec.remoteHost() == null) {
            throw new LinkException(Reason.UNSUPPORTED, "tcp-client needs a remote host");
        }
        InetAddress targetIp = Addresses.resolve("remote", spec.remoteHost(), spec.family());
        int family = SockAddrs.family(targetIp);
        AddressFamily sameFamily = family == Ws2Api.AF_INET ? AddressFamily.IPV4 : AddressFamily.IPV6;
        InetSocketAddress bindAddress = null;
        if (spec.bind()) {
            InetAddress localIp = spec.localHost() == null ? Addresses.wildcard(family)
                    : Addresses.resolve("local", spec.localHost(), sameFamily);
            bindAddress = new InetSocketAddress(localIp, spec.localPort());
        }
        Winsock.start(ws2);
        WinsockTcpClient socket = new WinsockTcpClient(ws2, k32, spec, family, batchSize,
                new InetSocketAddress(targetIp, spec.remotePort()), bindAddress);
        try {
            socket.replacePending(socket.newAttemptSocket());
            return socket;
        } catch (LinkException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public LinkProtocol protocol() {
        return LinkProtocol.TCP_CLIENT;
    }

    @Override
    protected boolean establishUntil(long deadline) throws LinkException {
        // Each call may start one attempt even when its time is up, so that short calls make progress;
        // after that the deadline is checked before every further attempt (refusals can come at once).
        boolean attempted = false;
        while (true) {
            if (waitingToRetry) {
                long now = System.nanoTime();
                if (now - retryAt < 0) {
                    if (now - deadline >= 0) {
                        return false;
                    }
                    pause(earlier(retryAt, deadline));
                    continue;
                }
                if (attempted && now - deadline >= 0) {
                    return false;
                }
                waitingToRetry = false;
            }
            if (!connecting) {
                attempted = true;
                startAttempt();
                continue;
            }
            NativeSocket attempt = pending();
            attempt.refresh();
            int result = attempt.connectResult;
            if (result == 0) {
                connecting = false;
                failures = 0;
                established(attempt, target);
                return true;
            }
            if (result != NativeSocket.NOT_CONNECTED) {
                connectFailed(LinkErrors.of("connect " + Addresses.text(target), result));
                continue;
            }
            if (System.nanoTime() - attemptDeadline >= 0) {
                connectFailed(new LinkException(Reason.IO_ERROR, "connect " + Addresses.text(target) + ": no answer within "
                        + spec.connectTimeoutSeconds() + " s"));
                continue;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            awaitEvent(attempt, earlier(attemptDeadline, deadline));
        }
    }

    /** Starts a connect attempt on the prepared (or a new) socket; its outcome comes with FD_CONNECT. */
    private void startAttempt() throws LinkException {
        NativeSocket attempt = pending();
        if (attempt == null) {
            attempt = newAttemptSocket();
            replacePending(attempt);
        }
        int error = ws2.connect(attempt.handle, targetName) == 0 ? 0 : ws2.wsaGetLastError();
        if (error == 0 || error == Ws2Api.WSAEWOULDBLOCK) {
            // Non-blocking connect on Windows always "would block"; even an immediate success is reported by FD_CONNECT.
            connecting = true;
            attemptDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.connectTimeoutSeconds());
            return;
        }
        connectFailed(LinkErrors.of("connect " + Addresses.text(target), error));
    }

    /** Records a failed attempt, releases its socket and schedules the next, unless retrying cannot help. */
    private void connectFailed(LinkException failure) throws LinkException {
        connecting = false;
        lastFailure = failure;
        failures++;
        replacePending(null);
        // With several connection profiles the tunnel moves on instead (OpenVPN's "connection-failed").
        if (failure.reason() == Reason.PERMISSION_DENIED || failure.reason() == Reason.UNSUPPORTED || spec.connectOnce()) {
            throw failure;
        }
        waitingToRetry = true;
        retryAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(retryDelaySeconds(failures));
    }

    /** OpenVPN's {@code --connect-retry} schedule after {@code failures} unsuccessful attempts (the spec's). */
    long retryDelaySeconds(int failures) {
        return spec.connectRetryDelaySeconds(failures);
    }

    /** A fresh stream socket: {@code TCP_NODELAY}, {@code --sndbuf}/{@code --rcvbuf} (before connect, so the window scale fits), bound if asked. */
    private NativeSocket newAttemptSocket() throws LinkException {
        NativeSocket s = NativeSocket.open(ws2, k32, family, Ws2Api.SOCK_STREAM, Ws2Api.IPPROTO_TCP);
        try {
            WinsockTcpServer.configure(s, spec);
            if (bindAddress != null) {
                s.bind(bindAddress, family);
                local(bindAddress.getPort() != 0 ? bindAddress : s.localAddress());
            }
            return s;
        } catch (LinkException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Why the last connect attempt failed, or null if none failed since the last success. */
    LinkException lastFailure() {
        return failures == 0 ? null : lastFailure;
    }

    /** Connect attempts that failed since the last success. */
    int failedAttempts() {
        return failures;
    }

    private static long earlier(long a, long b) {
        return a - b < 0 ? a : b;
    }
}
