package org.culvert.link.tcp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.NativeFd;
import org.culvert.platform.linux.Net;
import org.culvert.platform.linux.SockAddr;

/**
 * OpenVPN's {@code --proto tcp-client}: connects to the resolved {@code --remote} with a
 * non-blocking {@code connect}, each attempt bounded by {@code --connect-timeout}, and after a
 * failed attempt waits as {@code --connect-retry} says before the next one: the first delay for
 * the first four failures, then doubling per failure, never above the maximum (OpenVPN's
 * {@code socket_restart_pause}). Each attempt uses a fresh socket; the first is created and bound
 * in {@link #open}, so that a bad {@code --local}/{@code --lport} fails there.
 *
 * <p>Refused, unreachable and timed-out attempts are retried for as long as the caller keeps calling
 * {@link #establish}; {@link #lastFailure()} says why the last one failed. Only failures no retry can
 * mend (permission, an unsupported family, a {@code --local}/{@code --lport} the next attempt's
 * socket cannot bind) are thrown.
 */
final class TcpClientSocket extends TcpLinkSocket {
    private final InetSocketAddress target;
    private final ByteBuffer targetName;
    private final long targetNameAddress;
    private final int targetNameLength;
    /** Where each attempt's socket is bound, or null for {@code --nobind}. */
    private final InetSocketAddress bindAddress;

    private volatile int failures;
    private volatile LinkException lastFailure;
    private boolean connecting;
    private long attemptDeadline;
    private boolean waitingToRetry;
    private long retryAt;

    private TcpClientSocket(LinkSpec spec, int family, int batchSize, InetSocketAddress target, InetSocketAddress bindAddress) {
        super(spec, family, batchSize);
        this.target = target;
        this.bindAddress = bindAddress;
        this.targetName = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE);
        this.targetNameAddress = DirectBuffers.address(targetName);
        this.targetNameLength = SockAddr.encode(target, family, targetName, 0);
        remoteAddress(target);
    }

    static TcpClientSocket open(LinkSpec spec, int batchSize) throws LinkException {
        if (spec.remoteHost() == null) {
            throw new LinkException(Reason.UNSUPPORTED, "tcp-client needs a remote host");
        }
        InetAddress targetIp = TcpSockets.resolve("remote", spec.remoteHost(), spec.family());
        int family = SockAddr.family(targetIp);
        AddressFamily sameFamily = family == Net.AF_INET ? AddressFamily.IPV4 : AddressFamily.IPV6;
        InetSocketAddress bindAddress = null;
        if (spec.bind()) {
            InetAddress localIp = spec.localHost() == null ? TcpSockets.wildcard(family)
                    : TcpSockets.resolve("local", spec.localHost(), sameFamily);
            bindAddress = new InetSocketAddress(localIp, spec.localPort());
        }
        TcpClientSocket socket = new TcpClientSocket(spec, family, batchSize, new InetSocketAddress(targetIp, spec.remotePort()), bindAddress);
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

    private static boolean pastDeadline(long deadline) {
        return System.nanoTime() - deadline >= 0;
    }

    @Override
    protected boolean establishUntil(long deadline) throws LinkException {
        while (true) {
            if (isClosed()) {
                throw LinkErrors.closed();
            }
            if (waitingToRetry) {
                if (System.nanoTime() - retryAt < 0) {
                    if (!pause(earlier(retryAt, deadline))) {
                        return false;
                    }
                    if (System.nanoTime() - retryAt < 0 && System.nanoTime() - deadline >= 0) {
                        return false;
                    }
                    continue;
                }
                waitingToRetry = false;
            }
            if (!connecting) {
                if (startAttempt()) {
                    return true;
                }
                if (pastDeadline(deadline)) {
                    // With --connect-retry 0 a refused attempt fails at once: the deadline still ends the call.
                    return false;
                }
                continue;
            }
            int result = awaitConnect(earlier(attemptDeadline, deadline));
            if (result == 0) {
                connecting = false;
                established(pending(), target);
                failures = 0;
                return true;
            }
            if (result > 0) {
                connectFailed(LinkErrors.of("connect " + TcpSockets.text(target), result));
                if (pastDeadline(deadline)) {
                    return false;
                }
                continue;
            }
            if (System.nanoTime() - attemptDeadline >= 0) {
                connectFailed(new LinkException(Reason.IO_ERROR, "connect " + TcpSockets.text(target) + ": no answer within "
                        + spec.connectTimeoutSeconds() + " s"));
                continue;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
        }
    }

    /**
     * Starts a connect attempt on the prepared (or a new) socket.
     *
     * @return true if it connected at once; false if it is under way or failed (then a retry is scheduled)
     */
    private boolean startAttempt() throws LinkException {
        NativeFd fd = pending();
        if (fd == null) {
            fd = newAttemptSocket();
            replacePending(fd);
        }
        if (!fd.acquire()) {
            throw LinkErrors.closed();
        }
        int errno;
        try {
            errno = Net.connect(fd.fd(), targetNameAddress, targetNameLength) == 0 ? 0 : LibC.errno();
        } finally {
            fd.release();
        }
        if (errno == 0) {
            established(fd, target);
            failures = 0;
            return true;
        }
        if (errno == Errno.EINPROGRESS || errno == Errno.EINTR) {
            // EINTR too: the connection still completes in the background.
            connecting = true;
            attemptDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.connectTimeoutSeconds());
            return false;
        }
        connectFailed(LinkErrors.of("connect " + TcpSockets.text(target), errno));
        return false;
    }

    /** @return 0 when connected, an errno when the attempt failed, -1 when {@code until} passed first */
    private int awaitConnect(long until) throws LinkException {
        NativeFd fd = pending();
        if (fd == null || !fd.acquire()) {
            throw LinkErrors.closed();
        }
        try {
            int ready = TcpSockets.pollOne(pollfd, pollfdAddress, fd.fd(), LibC.POLLOUT, until);
            if (ready == 0) {
                return -1;
            }
            if (isClosed()) {
                throw LinkErrors.closed();
            }
            long error = Net.getIntOption(fd.fd(), Net.SOL_SOCKET, Net.SO_ERROR);
            if (error < 0) {
                return LibC.errno();
            }
            return (int) error;
        } finally {
            fd.release();
        }
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

    private NativeFd newAttemptSocket() throws LinkException {
        int raw = TcpSockets.create(family, spec, false);
        try {
            if (bindAddress != null) {
                TcpSockets.bind(raw, family, bindAddress);
                local(bindAddress.getPort() != 0 ? bindAddress : Net.localAddress(raw));
            }
            return new NativeFd(raw);
        } catch (LinkException | RuntimeException e) {
            LibC.close(raw);
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
