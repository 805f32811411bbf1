package org.culvert.link.winsock;

import java.net.InetAddress;
import java.net.InetSocketAddress;

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
 * OpenVPN's point-to-point {@code --proto tcp-server} on Winsock: listens on
 * {@code --local}/{@code --lport} (backlog 1) from {@link #open} on, and {@link #establish} accepts
 * the one peer when {@code FD_ACCEPT} says one waits, then closes the listening socket so that nobody
 * else can queue up behind it. Without {@code --local} and with family ANY the socket is a dual-stack
 * IPv6 one, so IPv4 clients are accepted too. If the spec names a {@code --remote}, only connections
 * from that host are accepted (as OpenVPN does); others are closed at once.
 *
 * <p>The listening socket sets neither {@code SO_REUSEADDR} (on Windows it would let another socket
 * take over the port) nor {@code SO_EXCLUSIVEADDRUSE} (it keeps the port busy while connections of a
 * previous run linger in TIME_WAIT, so a restarted tunnel could not listen again at once).
 */
final class WinsockTcpServer extends WinsockTcpSocket {
    /** The only peer host accepted, or null for any. */
    private final InetAddress expectedPeer;
    private final SockAddr peerName;
    private volatile int refusedPeers;

    private WinsockTcpServer(Ws2Api ws2, Kernel32Api k32, LinkSpec spec, int family, int batchSize, InetAddress expectedPeer)
            throws LinkException {
        super(ws2, k32, spec, family, batchSize);
        this.expectedPeer = expectedPeer;
        this.peerName = ws2.newSockAddr();
    }

    static WinsockTcpServer open(LinkSpec spec, Ws2Api ws2, Kernel32Api k32, int batchSize) throws LinkException {
        InetAddress localIp = spec.localHost() == null ? null : Addresses.resolve("local", spec.localHost(), spec.family());
        boolean wildcard = localIp == null || localIp.isAnyLocalAddress();
        int family = Addresses.socketFamily(spec.family(), localIp);
        boolean dualStack = family == Ws2Api.AF_INET6 && wildcard && spec.family() == AddressFamily.ANY;
        Winsock.start(ws2);
        NativeSocket listener = null;
        InetAddress expected = null;
        try {
            try {
                listener = NativeSocket.open(ws2, k32, family, Ws2Api.SOCK_STREAM, Ws2Api.IPPROTO_TCP);
            } catch (LinkException e) {
                if (!(dualStack && localIp == null && e.reason() == Reason.UNSUPPORTED)) {
                    throw e;
                }
                // No IPv6 on this host: listen on IPv4 only.
                family = Ws2Api.AF_INET;
                dualStack = false;
                listener = NativeSocket.open(ws2, k32, family, Ws2Api.SOCK_STREAM, Ws2Api.IPPROTO_TCP);
            }
            if (dualStack) {
                // Windows creates IPv6 sockets IPv6-only: clear it so that IPv4 clients get through too.
                listener.option(Ws2Api.IPPROTO_IPV6, Ws2Api.IPV6_V6ONLY, 0, "IPV6_V6ONLY");
            }
            // Accepted connections inherit these from the listener.
            configure(listener, spec);
            listener.bind(new InetSocketAddress(localIp != null ? localIp : Addresses.wildcard(family), spec.localPort()), family);
            if (ws2.listen(listener.handle, 1) != 0) {
                throw LinkErrors.of("listen", ws2.wsaGetLastError());
            }
            if (spec.remoteHost() != null) {
                AddressFamily peerFamily = dualStack ? AddressFamily.ANY
                        : family == Ws2Api.AF_INET ? AddressFamily.IPV4 : AddressFamily.IPV6;
                expected = Addresses.resolve("remote", spec.remoteHost(), peerFamily);
            }
        } catch (LinkException | RuntimeException e) {
            if (listener != null) {
                listener.close();
            }
            Winsock.stop(ws2);
            throw e;
        }
        WinsockTcpServer server;
        try {
            server = new WinsockTcpServer(ws2, k32, spec, family, batchSize, expected);
        } catch (LinkException | RuntimeException e) {
            listener.close();
            throw e;
        }
        server.local(listener.localAddress());
        server.replacePending(listener);
        return server;
    }

    /** {@code TCP_NODELAY} and {@code --sndbuf}/{@code --rcvbuf}, before connect or listen so the window scale fits them. */
    static void configure(NativeSocket s, LinkSpec spec) throws LinkException {
        s.option(Ws2Api.IPPROTO_TCP, Ws2Api.TCP_NODELAY, 1, "TCP_NODELAY");
        if (spec.sendBuffer() > 0) {
            s.option(Ws2Api.SOL_SOCKET, Ws2Api.SO_SNDBUF, spec.sendBuffer(), "SO_SNDBUF");
        }
        if (spec.receiveBuffer() > 0) {
            s.option(Ws2Api.SOL_SOCKET, Ws2Api.SO_RCVBUF, spec.receiveBuffer(), "SO_RCVBUF");
        }
    }

    @Override
    public LinkProtocol protocol() {
        return LinkProtocol.TCP_SERVER;
    }

    @Override
    protected boolean establishUntil(long deadline) throws LinkException {
        while (true) {
            NativeSocket listener = pending();
            if (listener == null) {
                throw LinkErrors.closed("tcp-server");
            }
            long connection = ws2.accept(listener.handle, peerName);
            if (connection == Ws2Api.INVALID_SOCKET) {
                int error = ws2.wsaGetLastError();
                if (error != Ws2Api.WSAEWOULDBLOCK && error != Ws2Api.WSAECONNRESET && error != Ws2Api.WSAEINTR) {
                    throw LinkErrors.of("accept", error);
                }
                // WSAECONNRESET: the client gave up between FD_ACCEPT and accept; keep listening.
                // This accept re-enabled FD_ACCEPT: one recorded before the enumeration below is fresh.
                if ((listener.refresh() & Ws2Api.FD_ACCEPT) != 0) {
                    continue;
                }
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
                awaitEvent(listener, deadline);
                continue;
            }
            InetSocketAddress peer = SockAddrs.decode(peerName);
            if (expectedPeer != null && (peer == null || !expectedPeer.equals(peer.getAddress()))) {
                ws2.closeSocket(connection);
                refusedPeers++;
                continue;
            }
            // The accepted socket shares the listener's event until it gets its own.
            NativeSocket stream = NativeSocket.adopt(ws2, k32, connection);
            try {
                stream.option(Ws2Api.IPPROTO_TCP, Ws2Api.TCP_NODELAY, 1, "TCP_NODELAY");
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
