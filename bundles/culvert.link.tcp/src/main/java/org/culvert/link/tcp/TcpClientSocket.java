package org.culvert.link.tcp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.ProxySpec;
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
 *
 * <p>With a {@link LinkSpec#proxy() proxy} the socket connects to the proxy and, within the same
 * {@code --connect-timeout}, runs the {@link ProxyHandshake} before the OpenVPN stream starts. A
 * failed exchange is a failed attempt like a refused connect, retried on the same schedule (OpenVPN
 * restarts with SIGUSR1 "HTTP proxy error"). The remote's name goes to the proxy unresolved.
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
    /** What an {@code auto} HTTP proxy's 407 asked for: every later CONNECT answers it; or null. */
    private ProxyHandshake.Learned proxyLearned;
    /** The exchange with the proxy on the connected attempt socket, or null. */
    private ProxyHandshake handshake;
    /** Lines for {@link #drainNotes}; the owner thread's only. */
    private final List<String> notes = new ArrayList<>();
    /** One native buffer for the proxy exchange (at most a few hundred bytes per call). */
    private final ByteBuffer io = DirectBuffers.allocateNative(IO_SIZE);
    private final long ioAddress = DirectBuffers.address(io);
    private final byte[] ioCopy = new byte[IO_SIZE];
    private static final int IO_SIZE = 512;

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
        ProxySpec proxy = spec.proxy();
        // Through a proxy the socket connects to the proxy; the remote's name is the proxy's to resolve.
        InetAddress targetIp = proxy == null ? TcpSockets.resolve("remote", spec.remoteHost(), spec.family())
                : TcpSockets.resolve("proxy", proxy.host(), spec.family());
        int family = SockAddr.family(targetIp);
        AddressFamily sameFamily = family == Net.AF_INET ? AddressFamily.IPV4 : AddressFamily.IPV6;
        InetSocketAddress bindAddress = null;
        if (spec.bind()) {
            InetAddress localIp = spec.localHost() == null ? TcpSockets.wildcard(family)
                    : TcpSockets.resolve("local", spec.localHost(), sameFamily);
            bindAddress = new InetSocketAddress(localIp, spec.localPort());
        }
        TcpClientSocket socket = new TcpClientSocket(spec, family, batchSize, new InetSocketAddress(targetIp, proxy == null ? spec.remotePort() : proxy.port()), bindAddress);
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
            if (handshake != null) {
                if (proxyExchange(earlier(attemptDeadline, deadline))) {
                    return true;
                }
                if (handshake != null && System.nanoTime() - attemptDeadline >= 0) {
                    connectFailed(new LinkException(Reason.TIMEOUT, spec.proxy() + " did not complete the exchange within "
                            + spec.connectTimeoutSeconds() + " s" + handshake.soFar()));
                    continue;
                }
                if (handshake != null && pastDeadline(deadline)) {
                    return false;
                }
                continue;
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
                if (connected(pending())) {
                    return true;
                }
                continue;
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
            attemptDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.connectTimeoutSeconds());
            return connected(fd);
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

    /**
     * The TCP connection stands: the link is established, or with a proxy the exchange starts.
     *
     * @return true if the link is established
     */
    private boolean connected(NativeFd fd) throws LinkException {
        ProxySpec proxy = spec.proxy();
        if (proxy == null) {
            established(fd, target);
            failures = 0;
            return true;
        }
        handshake = ProxyHandshake.of(proxy, spec.remoteHost(), spec.remotePort(), proxyLearned);
        return false;
    }

    /**
     * Drives the proxy exchange until it ends or {@code until} passes. A bad answer fails the attempt.
     *
     * @return true once the proxy opened the tunnel and the link is established
     */
    private boolean proxyExchange(long until) throws LinkException {
        NativeFd fd = pending();
        if (fd == null || !fd.acquire()) {
            throw LinkErrors.closed();
        }
        ProxyHandshake h = handshake;
        boolean done = false;
        try {
            done = exchange(fd.fd(), h, until);
        } catch (LinkException e) {
            if (isClosed()) {
                // close() shut the socket down under the exchange: that is the outcome, not the proxy's answer.
                throw LinkErrors.closed();
            }
            if (e.reason() == Reason.CLOSED) {
                throw e;
            }
            h.drainNotes(notes::add);
            if (h.learned() != null && proxyLearned == null) {
                // OpenVPN's proxy_retry: connect again at once with the learnt method, no restart pause.
                proxyLearned = h.learned();
                notes.add(e.getMessage());
                handshake = null;
                h.wipe();
                replacePending(null);
                return false;
            }
            connectFailed(e);
            return false;
        } finally {
            fd.release();
            h.drainNotes(notes::add);
        }
        if (!done) {
            return false;
        }
        handshake = null;
        h.wipe();
        established(fd, target);
        failures = 0;
        return true;
    }

    /** @return true when the exchange is done, false when {@code until} passed first */
    private boolean exchange(int fd, ProxyHandshake h, long until) throws LinkException {
        while (true) {
            if (isClosed()) {
                throw LinkErrors.closed();
            }
            if (h.hasOutput()) {
                int n = Math.min(IO_SIZE, h.output().length - h.outputOffset());
                io.clear();
                io.put(h.output(), h.outputOffset(), n);
                long w = Net.send(fd, ioAddress, n, Net.MSG_NOSIGNAL | Net.MSG_DONTWAIT);
                int errno = w < 0 ? LibC.errno() : 0;
                // The request may hold credentials: the native copy goes at once.
                io.clear();
                io.put(new byte[n]);
                if (w >= 0) {
                    h.sent((int) w);
                } else if (errno == Errno.EAGAIN) {
                    if (TcpSockets.pollOne(pollfd, pollfdAddress, fd, LibC.POLLOUT, until) == 0 && pastDeadline(until)) {
                        return false;
                    }
                } else if (errno != Errno.EINTR) {
                    throw LinkErrors.of("send to " + spec.proxy(), errno);
                }
                continue;
            }
            if (h.done()) {
                return true;
            }
            int want = Math.min(IO_SIZE, h.wanted());
            long r = Net.recv(fd, ioAddress, want, Net.MSG_DONTWAIT);
            if (r == 0) {
                throw h.closedEarly();
            }
            if (r > 0) {
                io.clear();
                io.get(ioCopy, 0, (int) r);
                h.received(ioCopy, 0, (int) r);
                continue;
            }
            int errno = LibC.errno();
            if (errno == Errno.EAGAIN) {
                if (TcpSockets.pollOne(pollfd, pollfdAddress, fd, LibC.POLLIN, until) == 0 && pastDeadline(until)) {
                    return false;
                }
            } else if (errno != Errno.EINTR) {
                throw LinkErrors.of("recv from " + spec.proxy(), errno);
            }
        }
    }

    @Override
    public void drainNotes(Consumer<String> sink) {
        for (String n : notes) {
            sink.accept(n);
        }
        notes.clear();
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
        if (handshake != null) {
            handshake.wipe();
            handshake = null;
        }
        notes.add(failure.getMessage());
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
