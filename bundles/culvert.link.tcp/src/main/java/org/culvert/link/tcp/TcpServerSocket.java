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
            if (Net.listen(raw, 1) < 0) {
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
        TcpServerSocket socket = new TcpServerSocket(spec, family, batchSize, expected);
        NativeFd listener = new NativeFd(raw);
        socket.local(Net.localAddress(raw));
        socket.replacePending(listener);
        return socket;
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
                peerName.putInt(SockAddr.STORAGE_SIZE, SockAddr.STORAGE_SIZE);
                connection = Net.accept4(listener.fd(), peerNameAddress, peerNameAddress + SockAddr.STORAGE_SIZE,
                        Net.SOCK_NONBLOCK | Net.SOCK_CLOEXEC);
                if (connection < 0) {
                    int errno = LibC.errno();
                    if (errno == Errno.EAGAIN || errno == Errno.EINTR || errno == Errno.ECONNABORTED) {
                        // The client gave up between poll and accept: keep listening.
                        continue;
                    }
                    throw LinkErrors.of("accept", errno);
                }
                peer = SockAddr.decode(peerName, 0, peerName.getInt(SockAddr.STORAGE_SIZE));
            } finally {
                listener.release();
            }
            if (expectedPeer != null && (peer == null || !expectedPeer.equals(peer.getAddress()))) {
                LibC.close(connection);
                refusedPeers++;
                continue;
            }
            NativeFd stream = new NativeFd(connection);
            try {
                // Linux copies TCP_NODELAY and the buffer sizes from the listener; set it anyway, cheaply.
                TcpSockets.setOption(connection, Net.IPPROTO_TCP, Net.TCP_NODELAY, 1, "TCP_NODELAY");
            } catch (LinkException e) {
                stream.close();
                throw e;
            }
            established(stream, peer);
            return true;
        }
    }

    /** Connections closed because they did not come from the expected {@code --remote}. */
    int refusedPeers() {
        return refusedPeers;
    }
}
