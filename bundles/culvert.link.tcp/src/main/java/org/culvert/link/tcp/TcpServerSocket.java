package org.culvert.link.tcp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.NativeFd;
import org.culvert.platform.linux.Net;
import org.culvert.platform.linux.SockAddr;

/**
 * OpenVPN's point-to-point {@code --proto tcp-server}: listens on {@code --local}/{@code --lport}
 * (backlog 1) from {@link #open} on, and {@link #establish} accepts the one peer, then closes the
 * listening socket so that nobody else can queue up behind it. Without {@code --local} and with
 * family ANY the socket is a dual-stack IPv6 one, so IPv4 clients are accepted too. If the spec
 * names a {@code --remote}, only connections from that host are accepted (as OpenVPN does);
 * others are closed at once.
 */
final class TcpServerSocket extends TcpLinkSocket {
    /** The only peer host accepted, or null for any. */
    private final InetAddress expectedPeer;
    private final ByteBuffer peerName = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE + 8);
    private final long peerNameAddress = DirectBuffers.address(peerName);
    private volatile int refusedPeers;

    private TcpServerSocket(LinkSpec spec, int family, int batchSize, InetAddress expectedPeer) {
        super(spec, family, batchSize);
        this.expectedPeer = expectedPeer;
    }

    static TcpServerSocket open(LinkSpec spec, int batchSize) throws LinkException {
        Listening l = listen(spec, 1);
        TcpServerSocket socket = new TcpServerSocket(spec, l.family, batchSize, l.expectedPeer);
        NativeFd listener = new NativeFd(l.fd);
        socket.local(Net.localAddress(l.fd));
        socket.replacePending(listener);
        return socket;
    }

    /** A bound, listening socket: its raw descriptor (owned by the caller), family and the only peer host accepted. */
    record Listening(int fd, int family, InetAddress expectedPeer) {
    }

    /**
     * Binds to {@code --local}/{@code --lport} and listens with {@code backlog}; shared by the
     * point-to-point server and {@link TcpLinkListener}. Nothing stays open when it throws.
     */
    static Listening listen(LinkSpec spec, int backlog) throws LinkException {
        InetAddress localIp = spec.localHost() == null ? null : TcpSockets.resolve("local", spec.localHost(), spec.family());
        boolean wildcard = localIp == null || localIp.isAnyLocalAddress();
        int family;
        switch (spec.family()) {
            case IPV4:
                family = Net.AF_INET;
                break;
            case IPV6:
                family = Net.AF_INET6;
                break;
            default:
                family = localIp == null ? Net.AF_INET6 : SockAddr.family(localIp);
        }
        boolean dualStack = family == Net.AF_INET6 && wildcard && spec.family() == AddressFamily.ANY;
        int raw;
        try {
            raw = TcpSockets.create(family, spec, dualStack);
        } catch (LinkException e) {
            if (!(dualStack && localIp == null && e.reason() == LinkException.Reason.UNSUPPORTED)) {
                throw e;
            }
            // IPv6 is disabled in this kernel: listen on IPv4 only.
            family = Net.AF_INET;
            dualStack = false;
            raw = TcpSockets.create(family, spec, false);
        }
        InetAddress expected = null;
        try {
            TcpSockets.bind(raw, family, new InetSocketAddress(localIp != null ? localIp : TcpSockets.wildcard(family), spec.localPort()));
            if (Net.listen(raw, backlog) < 0) {
                throw LinkErrors.of("listen", LibC.errno());
            }
            if (spec.remoteHost() != null) {
                AddressFamily peerFamily = dualStack ? AddressFamily.ANY
                        : family == Net.AF_INET ? AddressFamily.IPV4 : AddressFamily.IPV6;
                expected = TcpSockets.resolve("remote", spec.remoteHost(), peerFamily);
            }
        } catch (LinkException | RuntimeException e) {
            LibC.close(raw);
            throw e;
        }
        return new Listening(raw, family, expected);
    }

    /**
     * {@code accept4} on the listening {@code fd} (non-blocking, close-on-exec), peer name into
     * {@code peerName}.
     *
     * @return the connection's descriptor, or -1 when none is pending (also when a client gave up
     *         between readiness and accept)
     */
    static int acceptOne(int fd, ByteBuffer peerName, long peerNameAddress) throws LinkException {
        peerName.putInt(SockAddr.STORAGE_SIZE, SockAddr.STORAGE_SIZE);
        int connection = Net.accept4(fd, peerNameAddress, peerNameAddress + SockAddr.STORAGE_SIZE, Net.SOCK_NONBLOCK | Net.SOCK_CLOEXEC);
        if (connection < 0) {
            int errno = LibC.errno();
            if (errno == Errno.EAGAIN || errno == Errno.EINTR || errno == Errno.ECONNABORTED) {
                return -1;
            }
            throw LinkErrors.of("accept", errno);
        }
        return connection;
    }

    /** The accepted peer's address in {@code peerName}, as {@link #acceptOne} left it. */
    static InetSocketAddress peerOf(ByteBuffer peerName) {
        return SockAddr.decode(peerName, 0, peerName.getInt(SockAddr.STORAGE_SIZE));
    }

    /** Guards an accepted connection and sets TCP_NODELAY on it; closes it when that fails. */
    static NativeFd adopt(int connection) throws LinkException {
        NativeFd stream = new NativeFd(connection);
        try {
            // Linux copies TCP_NODELAY and the buffer sizes from the listener; set it anyway, cheaply.
            TcpSockets.setOption(connection, Net.IPPROTO_TCP, Net.TCP_NODELAY, 1, "TCP_NODELAY");
        } catch (LinkException e) {
            stream.close();
            throw e;
        }
        return stream;
    }

    @Override
    public LinkProtocol protocol() {
        return LinkProtocol.TCP_SERVER;
    }

    @Override
    protected boolean establishUntil(long deadline) throws LinkException {
        while (true) {
            NativeFd listener = pending();
            if (listener == null || !listener.acquire()) {
                throw LinkErrors.closed();
            }
            int connection;
            InetSocketAddress peer;
            try {
                int ready = TcpSockets.pollOne(pollfd, pollfdAddress, listener.fd(), LibC.POLLIN, deadline);
                if (isClosed()) {
                    throw LinkErrors.closed();
                }
                if (ready == 0) {
                    if (System.nanoTime() - deadline >= 0) {
                        return false;
                    }
                    continue;
                }
                connection = acceptOne(listener.fd(), peerName, peerNameAddress);
                if (connection < 0) {
                    // The client gave up between poll and accept: keep listening.
                    continue;
                }
                peer = peerOf(peerName);
            } finally {
                listener.release();
            }
            if (expectedPeer != null && (peer == null || !expectedPeer.equals(peer.getAddress()))) {
                LibC.close(connection);
                refusedPeers++;
                continue;
            }
            NativeFd stream = adopt(connection);
            established(stream, peer);
            return true;
        }
    }

    /** Connections closed because they did not come from the expected {@code --remote}. */
    int refusedPeers() {
        return refusedPeers;
    }
}
